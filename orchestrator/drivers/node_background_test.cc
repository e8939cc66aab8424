// The guest-side scripts of NodeBackground, run by this host's /bin/sh (dash, as in the guest):
// start records the PID, ready waits for the text, stop ends the command by that PID and returns
// its output and exit code, and leaves no directory behind.
#include "drivers/node_background.h"

#include <gtest/gtest.h>
#include <signal.h>

#include <filesystem>

namespace netrig {
namespace {

ExecResult sh(const std::string& script, double timeout_s = 10) {
  return run_in_netns("", {"/bin/sh", "-c", script}, timeout_s);
}

TEST(GuestScripts, StartWaitForReadyAndStopByPid) {
  const auto dir = guest_temp_path("unit");
  auto start = sh(guest_start_script({"sh", "-c", "echo 'it is ready'; exec sleep 30"}, dir));
  ASSERT_EQ(start.exit_code, 0) << start.output;
  const int pid = std::stoi(start.output);
  EXPECT_EQ(kill(pid, 0), 0) << "the command runs after the start script returned";
  EXPECT_LT(start.seconds, 2) << "nothing held the start script's output open";

  auto ready = sh(guest_ready_script(dir, "it is ready", 5));
  EXPECT_EQ(ready.exit_code, 0) << ready.output;

  auto stop = sh(guest_stop_script(dir, SIGTERM, 3));
  EXPECT_EQ(stop.exit_code, 128 + SIGTERM) << stop.output;
  EXPECT_NE(stop.output.find("it is ready"), std::string::npos) << stop.output;
  EXPECT_NE(kill(pid, 0), 0) << "the command is gone";
  EXPECT_FALSE(std::filesystem::exists(dir));
}

TEST(GuestScripts, ReadyReportsACommandThatExitedAndOneThatNeverSaysIt) {
  const auto dir = guest_temp_path("unit");
  ASSERT_EQ(sh(guest_start_script({"sh", "-c", "echo no such option >&2; exit 2"}, dir)).exit_code, 0);
  auto ready = sh(guest_ready_script(dir, "listening", 5));
  EXPECT_EQ(ready.exit_code, 3);
  EXPECT_NE(ready.output.find("no such option"), std::string::npos) << ready.output;
  auto stop = sh(guest_stop_script(dir, SIGTERM, 1));
  EXPECT_EQ(stop.exit_code, 2) << "the command's own exit code";

  const auto quiet = guest_temp_path("unit");
  ASSERT_EQ(sh(guest_start_script({"sleep", "30"}, quiet)).exit_code, 0);
  auto never = sh(guest_ready_script(quiet, "listening", 0.3));
  EXPECT_EQ(never.exit_code, 1);
  EXPECT_LT(never.seconds, 3);
  sh(guest_stop_script(quiet, SIGKILL, 1));
  EXPECT_FALSE(std::filesystem::exists(quiet));
}

TEST(GuestScripts, ArgumentsWithQuotesAndSpacesSurvive) {
  const auto dir = guest_temp_path("unit");
  ASSERT_EQ(sh(guest_start_script({"printf", "%s|", "vlan 101 and icmp", "it's"}, dir)).exit_code, 0);
  auto stop = sh(guest_stop_script(dir, SIGTERM, 2));
  EXPECT_EQ(stop.exit_code, 0);
  EXPECT_EQ(stop.output, "vlan 101 and icmp|it's|");
}

}  // namespace
}  // namespace netrig
