#include "drivers/tc_stats.h"

#include <gtest/gtest.h>
#include <linux/pkt_sched.h>

namespace netrig {
namespace {

TEST(TcStats, HandlesAsTcPrintsThem) {
  EXPECT_EQ(tc_handle_text(0x10000), "1:");
  EXPECT_EQ(tc_handle_text(0x10010), "1:10");
  EXPECT_EQ(tc_handle_text(0xffff0000), "ffff:");
  EXPECT_EQ(tc_handle_text(TC_H_ROOT), "root");
  EXPECT_EQ(tc_handle_text(TC_H_INGRESS), "ingress");
}

TEST(TcStats, ANamespaceThatIsGoneHasNoCounters) {
  EXPECT_TRUE(read_tc_stats("netrig-no-such-namespace", "eth0").empty());
}

}  // namespace
}  // namespace netrig
