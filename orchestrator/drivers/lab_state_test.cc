#include "drivers/lab_state.h"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <fstream>

namespace netrig {
namespace {

class LabStateTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/netrig-state-XXXXXX";
    dir_ = mkdtemp(tmpl);
    setenv("NETRIG_STATE_DIR", dir_.c_str(), 1);
  }
  void TearDown() override {
    unsetenv("NETRIG_STATE_DIR");
    std::filesystem::remove_all(dir_);
  }
  std::string dir_;
};

TEST_F(LabStateTest, JournalRoundTripsAndSurvivesATornLine) {
  {
    Journal j("lab1");
    j.record({"group", "", "", 77});
    j.record({"netns", "lab1-a", "", 0});
    j.record({"link", "lab1-a-eth0", "", 0});
  }
  {
    std::ofstream torn(dir_ + "/lab1/journal", std::ios::app);
    torn << "{\"op\":\"netns\",\"na";  // a crash mid-write
  }
  auto entries = Journal::read("lab1");
  ASSERT_EQ(entries.size(), 3u);
  EXPECT_EQ(entries[0].op, "group");
  EXPECT_EQ(entries[0].value, 77u);
  EXPECT_EQ(entries[1].name, "lab1-a");
  EXPECT_EQ(entries[2].op, "link");
}

TEST_F(LabStateTest, MetaTopologyAndListing) {
  write_lab_meta({"lab2", "x.yaml", "deployed", 5, 1});
  write_lab_topology("lab2", "name: lab2\n");
  auto meta = read_lab_meta("lab2");
  ASSERT_TRUE(meta);
  EXPECT_EQ(meta->status, "deployed");
  EXPECT_EQ(read_lab_topology("lab2"), "name: lab2\n");
  EXPECT_EQ(list_labs(), std::vector<std::string>{"lab2"});
  remove_lab_dir("lab2");
  EXPECT_FALSE(lab_exists("lab2"));
  EXPECT_FALSE(read_lab_meta("lab2"));
}

}  // namespace
}  // namespace netrig
