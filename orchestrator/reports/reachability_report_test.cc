// A reachability matrix in the three reports: the table in text, every cell in JSON, one JUnit
// test case per cell (failed cells as failures).
#include <gtest/gtest.h>

#include "reports/report.h"

namespace netrig {
namespace {

TestRun matrix_run() {
  TestRun run;
  run.lab = "lab";
  CheckResult r;
  r.name = "matrix";
  r.type = "reachability";
  r.status = CheckStatus::Failed;
  r.message = "1 of 2 cells differ";
  r.table = {"from   db1 tcp/3306", "web1   allow", "vm     allow (expected deny)"};
  r.cells.push_back({"web1", "db1", "10.0.0.2", "tcp", 3306, "allow", "allow", "connected",
                     "db#1 ingress tcp/3306 from group web", true, 0.01});
  r.cells.push_back({"vm", "db1", "10.0.0.2", "tcp", 3306, "deny", "allow", "connected",
                     "default deny ingress db1:eth0", false, 0.02});
  run.results = {r};
  return run;
}

TEST(ReachabilityReport, TextShowsTheTableEvenWhenPassing) {
  auto run = matrix_run();
  auto text = text_report(run);
  EXPECT_NE(text.find("      vm     allow (expected deny)\n"), std::string::npos) << text;
  run.results[0].status = CheckStatus::Passed;
  EXPECT_NE(text_report(run).find("      web1   allow\n"), std::string::npos);
}

TEST(ReachabilityReport, JsonHasEveryCellWithItsRule) {
  auto j = json_report(matrix_run());
  const auto& cells = j["checks"][0]["cells"];
  ASSERT_EQ(cells.size(), 2u);
  EXPECT_EQ(cells[1]["from"], "vm");
  EXPECT_EQ(cells[1]["expected"], "deny");
  EXPECT_EQ(cells[1]["observed"], "allow");
  EXPECT_EQ(cells[1]["passed"], false);
  EXPECT_EQ(cells[0]["rule"], "db#1 ingress tcp/3306 from group web");
}

TEST(ReachabilityReport, JunitHasATestCasePerCell) {
  auto xml = junit_report(matrix_run());
  EXPECT_NE(xml.find("tests=\"3\" failures=\"2\""), std::string::npos) << xml;  // the check + 2 cells
  EXPECT_NE(xml.find("name=\"vm -&gt; db1 tcp/3306\""), std::string::npos) << xml;
  EXPECT_NE(xml.find("classname=\"lab.reachability.matrix\""), std::string::npos) << xml;
}

}  // namespace
}  // namespace netrig
