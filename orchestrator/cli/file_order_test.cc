#include "cli/file_order.h"

#include <gtest/gtest.h>

namespace netrig {
namespace {

CheckResult result(const std::string& step, const std::string& name, CheckStatus status = CheckStatus::Passed) {
  CheckResult r;
  r.step = step;
  r.name = name;
  r.type = "exec";
  r.status = status;
  r.message = name + " said so";
  return r;
}

TEST(FileOrderPrinter, PrintsInFileOrderWithEvidenceUnderEachFailure) {
  Topology t;
  t.checks.resize(3);
  t.checks[0].name = "first";
  t.checks[1].name = "second";
  t.checks[2].name = "third";
  t.actions.resize(1);
  t.actions[0].name = "down";
  t.actions[0].at = 1;  // between first and second
  std::string out;
  FileOrderPrinter printer(t, [&](const std::string& text) { out += text; });

  auto failed = result("check", "third", CheckStatus::Failed);
  failed.evidence.push_back({"false", "its evidence", 1, 0});
  printer.add(failed);
  printer.add(result("check", "second"));
  EXPECT_EQ(out, "") << "nothing before 'first' has been printed yet";
  printer.add(result("check", "first"));
  EXPECT_NE(out.find("first"), std::string::npos);
  EXPECT_EQ(out.find("second"), std::string::npos) << "the action stands between first and second";
  printer.add(result("action", "down"));
  const auto first = out.find("PASS  first"), down = out.find("DONE  [action] down"), second = out.find("PASS  second"),
             third = out.find("FAIL  third"), evidence = out.find("its evidence");
  ASSERT_NE(third, std::string::npos) << out;
  EXPECT_LT(first, down);
  EXPECT_LT(down, second);
  EXPECT_LT(second, third);
  EXPECT_LT(third, evidence) << "the evidence is under its own check's line";
}

TEST(FileOrderPrinter, FlushPrintsWhatAnInterruptedRunHas) {
  Topology t;
  t.checks.resize(2);
  t.checks[0].name = "slow";
  t.checks[1].name = "fast";
  std::string out;
  FileOrderPrinter printer(t, [&](const std::string& text) { out += text; });
  printer.add(result("check", "fast"));
  EXPECT_EQ(out, "");
  printer.flush();
  EXPECT_NE(out.find("fast"), std::string::npos);
}

}  // namespace
}  // namespace netrig
