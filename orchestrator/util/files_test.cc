#include "util/files.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>

namespace netrig {
namespace {

TEST(UtilFiles, ReadFileGivesContentOrEmpty) {
  char path[] = "/tmp/netrig-util-XXXXXX";
  int fd = mkstemp(path);
  ASSERT_GE(fd, 0);
  close(fd);
  { std::ofstream(path) << "one\ntwo"; }
  EXPECT_EQ(read_file(path), "one\ntwo");
  std::remove(path);
  EXPECT_EQ(read_file(path), "");
}

}  // namespace
}  // namespace netrig
