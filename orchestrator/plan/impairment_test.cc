#include "plan/impairment.h"

#include <gtest/gtest.h>

namespace netrig {
namespace {

TEST(NetemTcCommand, SpellsWhatTheDriverSetsAsTcWould) {
  LinkImpairment m;
  m.delay_us = 50000;
  m.jitter_us = 5000;
  m.loss_pct = 1.5;
  m.duplicate_pct = 1;
  m.reorder_pct = 25;
  m.corrupt_pct = 0.1;
  EXPECT_EQ(netem_tc_command("lab-h1", "eth0", m),
            "tc -n lab-h1 qdisc replace dev eth0 root netem delay 50ms 5ms loss 1.5% duplicate 1% reorder 25% "
            "corrupt 0.1%");
  LinkImpairment d;
  d.delay_us = 2000000;
  EXPECT_EQ(netem_tc_command("", "v1", d), "tc qdisc replace dev v1 root netem delay 2s");
  d.delay_us = 250;
  EXPECT_EQ(netem_tc_command("", "v1", d), "tc qdisc replace dev v1 root netem delay 250us");
  LinkImpairment c;
  c.clear = true;
  EXPECT_EQ(netem_tc_command("ns", "eth0", c), "tc -n ns qdisc del dev eth0 root");
}

TEST(NetemProbability, PercentOfTwoToTheThirtyTwo) {
  EXPECT_EQ(netem_probability(0), 0u);
  EXPECT_EQ(netem_probability(100), UINT32_MAX);
  EXPECT_EQ(netem_probability(50), 2147483648u);
  EXPECT_EQ(netem_probability(-1), 0u);
}

}  // namespace
}  // namespace netrig
