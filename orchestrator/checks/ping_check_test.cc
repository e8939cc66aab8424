#include <gtest/gtest.h>

#include "checks/kinds.h"

namespace netrig {
namespace {

TEST(PingOutput, ParsesSummary) {
  auto s = parse_ping_output(
      "PING 10.0.0.2 (10.0.0.2) 56(84) bytes of data.\n"
      "64 bytes from 10.0.0.2: icmp_seq=1 ttl=64 time=0.061 ms\n\n"
      "--- 10.0.0.2 ping statistics ---\n"
      "3 packets transmitted, 2 received, 33.3333% packet loss, time 403ms\n"
      "rtt min/avg/max/mdev = 0.041/0.051/0.061/0.010 ms\n");
  EXPECT_TRUE(s.parsed);
  EXPECT_EQ(s.transmitted, 3);
  EXPECT_EQ(s.received, 2);
  EXPECT_NEAR(s.loss_pct, 33.33, 0.01);
  EXPECT_DOUBLE_EQ(s.rtt_avg_ms, 0.051);
  EXPECT_DOUBLE_EQ(s.rtt_max_ms, 0.061);
}

TEST(PingOutput, UnreachableAndGarbage) {
  auto s = parse_ping_output("2 packets transmitted, 0 received, +2 errors, 100% packet loss, time 1001ms\n");
  EXPECT_TRUE(s.parsed);
  EXPECT_EQ(s.received, 0);
  EXPECT_DOUBLE_EQ(s.loss_pct, 100);
  EXPECT_FALSE(parse_ping_output("ping: connect: Network is unreachable\n").parsed);
}

}  // namespace
}  // namespace netrig
