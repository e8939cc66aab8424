#include "drivers/vm_agent.h"

#include <gtest/gtest.h>

namespace netrig {
namespace {

TEST(VmAgent, RequestFrame) { EXPECT_EQ(agent_request(7, 5000, "echo hi"), "NRQ 7 5000 7\necho hi"); }

TEST(VmAgent, ParsesAnswersAcrossReadsAndSkipsNoise) {
  std::string buf = "garbage NRS 3 0 5\nhel";
  AgentAnswer a;
  EXPECT_FALSE(agent_parse(buf, a));  // incomplete payload
  buf += "loNRS 4 2 0\n";
  ASSERT_TRUE(agent_parse(buf, a));
  EXPECT_EQ(a.id, 3);
  EXPECT_EQ(a.exit_code, 0);
  EXPECT_EQ(a.output, "hello");
  ASSERT_TRUE(agent_parse(buf, a));
  EXPECT_EQ(a.id, 4);
  EXPECT_EQ(a.exit_code, 2);
  EXPECT_EQ(a.output, "");
  EXPECT_FALSE(agent_parse(buf, a));
}

TEST(VmAgent, PayloadMayContainHeaderText) {
  std::string payload = "NRS 9 9 9\n";
  std::string buf = "NRS 5 1 " + std::to_string(payload.size()) + "\n" + payload;
  AgentAnswer a;
  ASSERT_TRUE(agent_parse(buf, a));
  EXPECT_EQ(a.id, 5);
  EXPECT_EQ(a.output, payload);
  EXPECT_TRUE(buf.empty());
}

TEST(VmAgent, UnreachableSocketIsAnErrorNotAThrow) {
  auto r = agent_run("/nonexistent/netrig-agent.sock", "true", 1);
  EXPECT_EQ(r.exit_code, -1);
  EXPECT_NE(r.output.find("connect"), std::string::npos);
}

}  // namespace
}  // namespace netrig
