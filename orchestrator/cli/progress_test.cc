#include "cli/progress.h"

#include <gtest/gtest.h>

namespace netrig {
namespace {

std::vector<Step> steps() {
  std::vector<Step> s(4);
  s[0] = {0, StepKind::CreateNetns, "a"};
  s[1] = {1, StepKind::CreateNetns, "b"};
  s[2] = {2, StepKind::StartVm, "vm1"};
  s[3] = {3, StepKind::CreateLink, "a:eth0 b:eth0"};
  return s;
}

TEST(Progress, PlainLinesForEachStageAndSlowStepAsTheyHappen) {
  auto s = steps();
  Progress p(s, "deploy lab", false);
  EXPECT_EQ(p.plain_line(s[0], StepEvent::Started, ""), "deploy lab: stage netns (2 steps)\n");
  EXPECT_EQ(p.plain_line(s[1], StepEvent::Started, ""), "") << "a stage is announced once";
  EXPECT_EQ(p.plain_line(s[0], StepEvent::Done, ""), "") << "fast steps do not get a line each";
  const auto vm = p.plain_line(s[2], StepEvent::Started, "");
  EXPECT_NE(vm.find("stage vm"), std::string::npos) << vm;
  EXPECT_NE(vm.find(s[2].describe() + " ...\n"), std::string::npos) << "a slow step says when it starts\n" << vm;
  EXPECT_NE(p.plain_line(s[2], StepEvent::Done, "").find(" done in "), std::string::npos);
  EXPECT_NE(p.plain_line(s[3], StepEvent::Failed, "File exists").find("failed: "), std::string::npos);
}

TEST(Progress, NoPlainLinesOnATerminalButFailures) {
  auto s = steps();
  Progress p(s, "deploy lab", true);
  EXPECT_EQ(p.plain_line(s[0], StepEvent::Started, ""), "");
  EXPECT_EQ(p.plain_line(s[2], StepEvent::Started, ""), "");
  EXPECT_NE(p.plain_line(s[3], StepEvent::Failed, "x").find("failed"), std::string::npos);
}

}  // namespace
}  // namespace netrig
