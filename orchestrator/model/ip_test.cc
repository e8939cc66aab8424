#include "model/ip.h"

#include <gtest/gtest.h>

namespace netrig {

TEST(IpPrefix, ParsesBothFamilies) {
  auto v4 = IpPrefix::parse("10.0.0.1/24");
  ASSERT_TRUE(v4);
  EXPECT_EQ(v4->addr.family, 4);
  EXPECT_EQ(v4->len, 24);
  EXPECT_EQ(v4->str(), "10.0.0.1/24");
  auto v6 = IpPrefix::parse("fd00::1/64");
  ASSERT_TRUE(v6);
  EXPECT_EQ(v6->addr.family, 6);
  EXPECT_EQ(v6->str(), "fd00::1/64");
}

TEST(IpPrefix, RejectsBadInput) {
  EXPECT_FALSE(IpPrefix::parse("10.0.0.1"));
  EXPECT_FALSE(IpPrefix::parse("10.0.0.1/33"));
  EXPECT_FALSE(IpPrefix::parse("10.0.0.300/24"));
  EXPECT_FALSE(IpPrefix::parse("fd00::1/129"));
  EXPECT_FALSE(IpPrefix::parse("10.0.0.1/2x"));
  EXPECT_FALSE(IpPrefix::parse("10.0.0.1/"));
  EXPECT_TRUE(IpPrefix::parse("10.0.0.1", false));
}

TEST(IpPrefix, Contains) {
  auto net = *IpPrefix::parse("10.1.2.3/23");
  EXPECT_TRUE(net.contains(*IpAddr::parse("10.1.3.254")));
  EXPECT_FALSE(net.contains(*IpAddr::parse("10.1.4.1")));
  EXPECT_FALSE(net.contains(*IpAddr::parse("fd00::1")));
  EXPECT_TRUE(IpPrefix::parse("0.0.0.0/0")->contains(*IpAddr::parse("192.0.2.1")));
}

}  // namespace netrig
