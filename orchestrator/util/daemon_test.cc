#include "util/daemon.h"

#include <gtest/gtest.h>
#include <signal.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <functional>
#include <thread>

#include "util/files.h"
#include "util/proc.h"

namespace netrig {
namespace {

// A log path in /tmp removed at the end of the test.
struct TempLog {
  std::string path;
  TempLog() {
    char name[] = "/tmp/netrig-daemon-XXXXXX";
    int fd = mkstemp(name);
    if (fd >= 0) close(fd);
    path = name;
  }
  ~TempLog() { std::remove(path.c_str()); }
};

bool eventually(const std::function<bool()>& done) {
  for (int i = 0; i < 200; ++i) {
    if (done()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return false;
}

// The parent PID field of /proc/PID/stat (after the state letter).
pid_t parent_of(pid_t pid) {
  auto stat = read_file("/proc/" + std::to_string(pid) + "/stat");
  auto close_paren = stat.rfind(')');
  if (close_paren == std::string::npos) return -1;
  char state = 0;
  int ppid = -1;
  std::sscanf(stat.c_str() + close_paren + 1, " %c %d", &state, &ppid);
  return ppid;
}

TEST(UtilDaemon, StartsDetachedWithItsOutputInTheLog) {
  TempLog log;
  const pid_t pid = spawn_daemon({"sh", "-c", "echo started; echo oops >&2; exec sleep 30"}, log.path);
  ASSERT_GT(pid, 0);
  ASSERT_TRUE(process_running(pid));
  EXPECT_NE(parent_of(pid), getpid()) << "reparented, not our child";
  EXPECT_NE(getsid(pid), getsid(0)) << "a session of its own (led by the intermediate that exited)";
  EXPECT_TRUE(eventually([&] { return read_file(log.path) == "started\noops\n"; })) << read_file(log.path);
  kill(pid, SIGKILL);
  EXPECT_TRUE(eventually([&] { return !process_running(pid); }));
}

TEST(UtilDaemon, AProgramThatCannotRunExitsAtOnce) {
  TempLog log;
  const pid_t pid = spawn_daemon({"/nonexistent/netrig-no-such-program"}, log.path);
  ASSERT_GT(pid, 0);
  EXPECT_TRUE(eventually([&] { return !process_running(pid); }));
}

TEST(UtilDaemon, AnUnwritableLogThrowsAndStartsNothing) {
  EXPECT_THROW(spawn_daemon({"true"}, "/nonexistent-dir/x.log"), std::system_error);
  EXPECT_THROW(spawn_daemon({}, "/tmp/x.log"), std::invalid_argument);
}

}  // namespace
}  // namespace netrig
