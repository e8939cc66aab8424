#include "drivers/process.h"

#include <gtest/gtest.h>
#include <signal.h>

#include <chrono>

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

// A background command: started, ready when it says so, stopped by its PID (its process group).
TEST(Background, WaitsForReadyAndStopsByPid) {
  Background b("", {"/bin/sh", "-c", "echo starting; sleep 0.2; echo listening on x; exec sleep 30"}, "listening on",
               5);
  EXPECT_GT(b.pid(), 0);
  EXPECT_EQ(kill(b.pid(), 0), 0) << "still running";
  auto start = std::chrono::steady_clock::now();
  auto r = b.stop(SIGTERM, 3);
  EXPECT_LT(std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count(), 2.0);
  EXPECT_EQ(r.exit_code, 128 + SIGTERM);
  EXPECT_NE(r.output.find("starting\nlistening on x"), std::string::npos) << r.output;
}

TEST(Background, ThrowsWhenItExitsOrNeverGetsReady) {
  EXPECT_THROW(Background("", {"/bin/sh", "-c", "echo cannot bind; exit 1"}, "listening", 5), std::runtime_error);
  auto start = std::chrono::steady_clock::now();
  EXPECT_THROW(Background("", {"sleep", "30"}, "listening", 0.3), std::runtime_error);
  EXPECT_LT(std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count(), 2.0);
  EXPECT_THROW(Background("", {"no-such-program-netrig"}, "", 1), SystemError);
}

TEST(Process, ShellJoinQuotes) {
  EXPECT_EQ(shell_join({"ping", "-c", "3", "10.0.0.1"}), "ping -c 3 10.0.0.1");
  EXPECT_EQ(shell_join({"sh", "-c", "echo 'hi' there"}), "sh -c 'echo '\\''hi'\\'' there'");
}

}  // namespace
}  // namespace netrig
