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
  EXPECT_DOUBLE_EQ(s.rtt_min_ms, 0.041);
  EXPECT_DOUBLE_EQ(s.rtt_mdev_ms, 0.010);
}

// The JSON report's figures: numbers, with the RTT statistics next to the loss.
TEST(PingVerdict, FiguresCarryRttAndLoss) {
  CheckSpec c;
  c.count = 3;
  auto r = judge_ping(c,
                      "64 bytes from 10.0.0.2: icmp_seq=1 ttl=64 time=0.061 ms\n"
                      "3 packets transmitted, 2 received, 33.3333% packet loss, time 403ms\n"
                      "rtt min/avg/max/mdev = 0.041/0.051/0.061/0.010 ms\n",
                      0);
  EXPECT_DOUBLE_EQ(r.figures.at("rtt_min_ms"), 0.041);
  EXPECT_DOUBLE_EQ(r.figures.at("rtt_avg_ms"), 0.051);
  EXPECT_DOUBLE_EQ(r.figures.at("rtt_max_ms"), 0.061);
  EXPECT_DOUBLE_EQ(r.figures.at("rtt_mdev_ms"), 0.010);
  EXPECT_DOUBLE_EQ(r.figures.at("lost"), 1);
  EXPECT_NEAR(r.figures.at("loss_pct"), 33.33, 0.01);
  auto none = judge_ping(c, "3 packets transmitted, 0 received, 100% packet loss, time 2003ms\n", 1);
  EXPECT_EQ(none.figures.count("rtt_avg_ms"), 0u) << "no reply, no round-trip time";
  EXPECT_DOUBLE_EQ(none.figures.at("loss_pct"), 100);
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

namespace netrig {
namespace {

// ping -D -O: replies carry their time; the lost ones show as gaps in icmp_seq.
TEST(PingOutput, LongestRunOfLostAndGapBetweenReplies) {
  auto s = parse_ping_output(
      "PING 10.0.0.2 (10.0.0.2) 56(84) bytes of data.\n"
      "[1700000000.000000] 64 bytes from 10.0.0.2: icmp_seq=1 ttl=64 time=0.050 ms\n"
      "[1700000000.100000] 64 bytes from 10.0.0.2: icmp_seq=2 ttl=64 time=0.050 ms\n"
      "[1700000000.200000] no answer yet for icmp_seq=3\n"
      "[1700000000.300000] no answer yet for icmp_seq=4\n"
      "[1700000000.400000] no answer yet for icmp_seq=5\n"
      "[1700000000.500000] 64 bytes from 10.0.0.2: icmp_seq=6 ttl=64 time=0.050 ms\n"
      "[1700000000.600000] 64 bytes from 10.0.0.2: icmp_seq=6 ttl=64 time=0.070 ms (DUP!)\n"
      "[1700000000.700000] 64 bytes from 10.0.0.2: icmp_seq=8 ttl=64 time=0.050 ms\n"
      "\n--- 10.0.0.2 ping statistics ---\n"
      "10 packets transmitted, 4 received, +1 duplicates, 60% packet loss, time 903ms\n");
  EXPECT_EQ(s.transmitted, 10);
  EXPECT_EQ(s.received, 4);
  EXPECT_EQ(s.longest_lost_run, 3);  // 3-5 (and 9-10 at the end: 2)
  EXPECT_NEAR(s.longest_gap_s, 0.4, 1e-6);
}

TEST(PingOutput, LostAtTheEndCountsAsARun) {
  auto s = parse_ping_output(
      "64 bytes from 10.0.0.2: icmp_seq=1 ttl=64 time=0.050 ms\n"
      "5 packets transmitted, 1 received, 80% packet loss, time 903ms\n");
  EXPECT_EQ(s.longest_lost_run, 4);
  EXPECT_EQ(s.longest_gap_s, 0);  // no timestamps, no gap
}

TEST(PingVerdict, MaxLostBoundsTheCount) {
  CheckSpec c;
  c.count = 10;
  c.max_lost = 2;
  c.max_loss_pct = 100;
  std::string three_lost = "[1.0] 64 bytes from 10.0.0.2: icmp_seq=1 ttl=64 time=0.05 ms\n";
  for (int seq = 5; seq <= 10; ++seq)
    three_lost += "[" + std::to_string(1.5 + seq * 0.08) + "] 64 bytes from 10.0.0.2: icmp_seq=" + std::to_string(seq) +
                  " ttl=64 time=0.05 ms\n";
  three_lost += "10 packets transmitted, 7 received, 30% packet loss, time 903ms\n";
  auto r = judge_ping(c, three_lost, 1);
  EXPECT_EQ(r.status, CheckStatus::Failed);
  EXPECT_EQ(r.message.rfind("more than 2 lost: 7/10 received", 0), 0u) << r.message;
  EXPECT_NE(r.message.find("at most 3 in a row, longest gap between replies 0.900 s"), std::string::npos) << r.message;
  EXPECT_EQ(r.figures.at("lost"), 3);
  EXPECT_NEAR(r.figures.at("longest_gap_s"), 0.9, 1e-9);
  c.max_lost = 3;
  EXPECT_EQ(judge_ping(c, three_lost, 1).status, CheckStatus::Passed);
}

TEST(PingArgv, IntervalTimestampsAndOutstanding) {
  CheckSpec c;
  c.count = 40;
  c.interval_s = 0.1;
  EXPECT_EQ(ping_argv(c, "10.0.0.2"),
            (std::vector<std::string>{"ping", "-4", "-c", "40", "-i", "0.1", "-W", "1", "-D", "-O", "-n", "10.0.0.2"}));
  EXPECT_EQ(ping_argv(CheckSpec{}, "fd00::2")[5], "0.2");
  EXPECT_EQ(ping_argv(CheckSpec{}, "fd00::2")[1], "-6");
}

}  // namespace
}  // namespace netrig
