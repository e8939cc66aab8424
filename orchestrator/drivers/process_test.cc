#include "drivers/process.h"

#include <gtest/gtest.h>

#include "drivers/system_error.h"

namespace netrig {
namespace {

TEST(Process, CapturesOutputAndExitCode) {
  auto r = run_in_netns("", {"/bin/sh", "-c", "echo out; echo err >&2; exit 3"}, 5);
  EXPECT_EQ(r.exit_code, 3);
  EXPECT_FALSE(r.timed_out);
  EXPECT_NE(r.output.find("out"), std::string::npos);
  EXPECT_NE(r.output.find("err"), std::string::npos);
}

TEST(Process, FindsProgramsOnPath) {
  auto r = run_in_netns("", {"true"}, 5);
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_THROW(run_in_netns("", {"no-such-program-netrig"}, 5), SystemError);
}

TEST(Process, TimeoutKillsTheWholeGroup) {
  auto r = run_in_netns("", {"/bin/sh", "-c", "sleep 30 & sleep 30"}, 0.3);
  EXPECT_TRUE(r.timed_out);
  EXPECT_LT(r.seconds, 5);
  EXPECT_EQ(r.exit_code, 128 + 9);
}

TEST(Process, DoesNotWaitForDaemonsHoldingTheOutput) {
  // The command exits at once but leaves a child holding stdout open.
  auto r = run_in_netns("", {"/bin/sh", "-c", "(sleep 3 &) ; echo started"}, 10);
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_LT(r.seconds, 2);
  EXPECT_NE(r.output.find("started"), std::string::npos);
}

TEST(Process, ShellJoinQuotes) {
  EXPECT_EQ(shell_join({"ping", "-c", "3", "10.0.0.1"}), "ping -c 3 10.0.0.1");
  EXPECT_EQ(shell_join({"sh", "-c", "echo 'hi' there"}), "sh -c 'echo '\\''hi'\\'' there'");
}

}  // namespace
}  // namespace netrig
