// Flows of an iperf3 group over their common window: the server's interval lines as iperf3 3.12
// prints them, placed in time by when they were read.
#include "checks/iperf3_window.h"

#include <gtest/gtest.h>

namespace netrig {
namespace {

TEST(Iperf3Window, ServerLinesBecomeIntervalsEndingWhenRead) {
  // A TCP server with -O 1 -i 0.5 -f k (trimmed): warm-up lines, the reports, the summary.
  const std::vector<TimedLine> lines = {
      {100.0, "Server listening on 5301 (test #1)"},
      {100.1, "[  5] local 10.77.9.10 port 5301 connected to 10.77.2.2 port 56652"},
      {100.1, "[ ID] Interval           Transfer     Bitrate"},
      {100.6, "[  5]   0.00-0.50   sec  1.18 MBytes  19756 Kbits/sec                  (omitted)"},
      {101.1, "[  5]   0.50-1.00   sec  1.12 MBytes  18721 Kbits/sec                  (omitted)"},
      {101.6, "[  5]   0.00-0.50   sec  1.13 MBytes  18994 Kbits/sec                  "},
      {102.1, "[  5]   0.50-1.00   sec  1.14 MBytes  19.1 Mbits/sec                  "},
      {102.11, "[  5]   1.00-1.01   sec  21.2 KBytes  16596 Kbits/sec                  "},
      {102.2, "[  5]   0.00-1.01   sec  2.27 MBytes  19059 Kbits/sec                  receiver"},
  };
  auto iv = iperf3_server_intervals(lines);
  ASSERT_EQ(iv.size(), 3u);
  EXPECT_DOUBLE_EQ(iv[0].start, 101.1);
  EXPECT_DOUBLE_EQ(iv[0].end, 101.6);
  EXPECT_DOUBLE_EQ(iv[0].mbps, 18.994);
  EXPECT_DOUBLE_EQ(iv[1].mbps, 19.1);
  EXPECT_NEAR(iv[2].start, 102.1, 1e-9);
}

TEST(Iperf3Window, UdpLinesTheEmptyIntervalAfterTheWarmUpAndSumLines) {
  auto udp = iperf3_server_intervals({
      {10.5, "[  5]   0.00-0.50   sec   184 KBytes  3011 Kbits/sec  0.011 ms  0/130 (0%)  (omitted)"},
      {10.5, "[  5]   0.50-0.50   sec   184 KBytes  1506 Kbits/sec  0.017 ms  0/259 (0%)  "},
      {11.0, "[  5]   0.50-1.00   sec   182 KBytes  2989 Kbits/sec  0.018 ms  0/129 (0%)  "},
  });
  ASSERT_EQ(udp.size(), 1u);
  EXPECT_DOUBLE_EQ(udp[0].mbps, 2.989);
  auto sum = iperf3_server_intervals({
      {1.0, "[  5]   0.00-1.00   sec   512 KBytes  4194 Kbits/sec"},
      {1.0, "[  7]   0.00-1.00   sec   512 KBytes  4194 Kbits/sec"},
      {1.0, "[SUM]   0.00-1.00   sec  1.00 MBytes  8389 Kbits/sec"},
  });
  ASSERT_EQ(sum.size(), 1u);
  EXPECT_DOUBLE_EQ(sum[0].mbps, 8.389);
}

TEST(Iperf3Window, FlowsAreMeasuredOnlyWhileAllRan) {
  // Flow a starts 0.3 s before b and ends 0.3 s before it: alone it gets 20 Mbit/s, together
  // 15 : 5. Over their own lifetimes the split would look like 15.9 : 5.9; over the common
  // window it is 15 : 5.
  std::vector<Iperf3Interval> a = {{0.0, 0.3, 20}, {0.3, 1.0, 15}, {1.0, 2.0, 15}};
  std::vector<Iperf3Interval> b = {{0.3, 1.0, 5}, {1.0, 2.0, 5}, {2.0, 2.3, 20}};
  auto w = iperf3_common_window({a, b}, 1.0);
  EXPECT_EQ(w.problem, "");
  EXPECT_DOUBLE_EQ(w.start, 0.3);
  EXPECT_DOUBLE_EQ(w.end, 2.0);
  ASSERT_EQ(w.mbps.size(), 2u);
  EXPECT_NEAR(w.mbps[0], 15, 1e-9);
  EXPECT_NEAR(w.mbps[1], 5, 1e-9);
}

TEST(Iperf3Window, IntervalsCutByTheWindowCountProRataAndGapsAsNothing) {
  std::vector<Iperf3Interval> a = {{0.0, 1.0, 10}, {1.0, 2.0, 10}};
  std::vector<Iperf3Interval> b = {{0.5, 1.0, 4}, {1.5, 2.5, 8}};  // nothing reported for 1.0-1.5
  auto w = iperf3_common_window({a, b}, 1.0);
  EXPECT_DOUBLE_EQ(w.start, 0.5);
  EXPECT_DOUBLE_EQ(w.end, 2.0);
  EXPECT_NEAR(w.mbps[0], 10, 1e-9);
  EXPECT_NEAR(w.mbps[1], (4 * 0.5 + 8 * 0.5) / 1.5, 1e-9);
}

TEST(Iperf3Window, TooShortACommonWindowOrASilentServerIsAProblem) {
  std::vector<Iperf3Interval> a = {{0.0, 1.0, 10}}, b = {{0.8, 1.8, 10}};
  EXPECT_EQ(iperf3_common_window({a, b}, 1.0).problem, "the flows ran together for 0.20 s only (at least 1 s needed)");
  EXPECT_EQ(iperf3_common_window({a, {}}, 1.0).problem, "flow 2's server reported no interval");
}

}  // namespace
}  // namespace netrig
