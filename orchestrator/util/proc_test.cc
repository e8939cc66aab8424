#include "util/proc.h"

#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

namespace netrig {
namespace {

TEST(UtilProc, StatStateSkipsACommandWithParensAndSpaces) {
  EXPECT_EQ(proc_stat_state("42 (a) b) Z 1 2"), 'Z');
  EXPECT_EQ(proc_stat_state("42 (sh) S 1"), 'S');
  EXPECT_EQ(proc_stat_state("garbage"), '?');
}

TEST(UtilProc, ProcessRunningSeesThisProcessAndNotAReapedOne) {
  EXPECT_TRUE(process_running(getpid()));
  pid_t child = fork();
  if (child == 0) _exit(0);
  ASSERT_GT(child, 0);
  int status = 0;
  waitpid(child, &status, 0);
  EXPECT_FALSE(process_running(child));
  EXPECT_FALSE(process_running(-1));
}

}  // namespace
}  // namespace netrig
