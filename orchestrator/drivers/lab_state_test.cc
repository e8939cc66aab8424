#include "drivers/lab_state.h"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <fstream>

#include "drivers/deployer.h"

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

// Two deploys of one lab at once: the state directory is claimed with one mkdir, and the one that
// loses gets LabExistsError (exit 4 in the CLI), before it changes anything.
TEST_F(LabStateTest, ASecondDeployOfTheSameLabLosesTheClaimWithLabExists) {
  EXPECT_TRUE(claim_lab_dir("lab2"));
  EXPECT_FALSE(claim_lab_dir("lab2"));
  Plan plan;
  plan.topology.name = "lab2";
  EXPECT_THROW(deploy(plan, DeployOptions{}), LabExistsError);
  EXPECT_TRUE(std::filesystem::is_empty(dir_ + "/lab2")) << "the loser wrote into the winner's state";
}

}  // namespace
}  // namespace netrig
