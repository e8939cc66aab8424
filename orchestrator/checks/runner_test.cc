// How a signal shows in the results: a check cut short is neither a pass nor a failure of the lab,
// and a check that never started is reported as not run, not left out. Pure: no lab.
#include "checks/runner.h"

#include <gtest/gtest.h>

#include "drivers/interrupt.h"

namespace netrig {
namespace {

CheckResult with(CheckStatus status, const std::string& message) {
  CheckResult r;
  r.status = status;
  r.message = message;
  return r;
}

TEST(MarkInterrupted, ACutShortCheckIsAnErrorThatSaysSo) {
  auto r = with(CheckStatus::Failed, "unreachable: 0/3 received, 100% loss");
  mark_interrupted(r, true);
  EXPECT_EQ(r.status, CheckStatus::Error);
  EXPECT_EQ(r.message, "interrupted before its verdict (so far: unreachable: 0/3 received, 100% loss)");
  auto exec = with(CheckStatus::Failed, "interrupted");  // exec/iperf3 say it themselves
  mark_interrupted(exec, true);
  EXPECT_EQ(exec.status, CheckStatus::Error);
  EXPECT_EQ(exec.message, "interrupted");
}

TEST(MarkInterrupted, WhatHeldBeforeTheSignalAndUninterruptedRunsStayAsTheyAre) {
  auto passed = with(CheckStatus::Passed, "3/3 received");
  mark_interrupted(passed, true);
  EXPECT_EQ(passed.status, CheckStatus::Passed);
  auto skipped = with(CheckStatus::Skipped, "the kernel has no 8021q");
  mark_interrupted(skipped, true);
  EXPECT_EQ(skipped.message, "the kernel has no 8021q");
  auto failed = with(CheckStatus::Failed, "unreachable");
  mark_interrupted(failed, false);
  EXPECT_EQ(failed.status, CheckStatus::Failed);
  EXPECT_EQ(failed.message, "unreachable");
}

TEST(RunCheckSet, AfterASignalNoCheckStartsAndEachIsReportedNotRun) {
  Plan plan;
  plan.topology.name = "unit";
  CheckSpec ping;
  ping.name = "a reaches b";
  ping.type = CheckType::Ping;
  ping.node = "a";
  ping.target = "10.0.0.2";
  CheckSpec exec;
  exec.name = "slow";
  exec.type = CheckType::Exec;
  exec.node = "a";
  exec.command = "sleep 20";
  interrupted() = true;
  int reported = 0;
  CheckOptions options;
  options.on_result = [&](const CheckResult&) { ++reported; };
  auto results = run_check_set(plan, {&ping, &exec}, options);
  interrupted() = false;
  ASSERT_EQ(results.size(), 2u);
  EXPECT_EQ(reported, 2);
  for (const auto& r : results) {
    EXPECT_EQ(r.status, CheckStatus::Skipped) << r.name;
    EXPECT_EQ(r.message, "not run: netrig was interrupted") << r.name;
  }
  EXPECT_EQ(results[0].name, "a reaches b");
  EXPECT_EQ(results[0].type, "ping");
  EXPECT_EQ(results[1].target, "sleep 20");
}

}  // namespace
}  // namespace netrig
