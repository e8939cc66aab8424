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

TEST(IpPrefix, NetworkClearsHostBits) {
  EXPECT_EQ(IpPrefix::parse("10.1.2.3/16")->network().str(), "10.1.0.0/16");
  EXPECT_EQ(IpPrefix::parse("10.1.2.3/32")->network().str(), "10.1.2.3/32");
  EXPECT_EQ(IpPrefix::parse("10.1.2.3/0")->network().str(), "0.0.0.0/0");
  EXPECT_EQ(IpPrefix::parse("10.1.2.255/25")->network().str(), "10.1.2.128/25");
  EXPECT_EQ(IpPrefix::parse("fd00:1:2:3::5/48")->network().str(), "fd00:1:2::/48");
}

TEST(IpAddr, SpecialAddresses) {
  EXPECT_TRUE(IpAddr::parse("0.0.0.0")->is_unspecified());
  EXPECT_TRUE(IpAddr::parse("::")->is_unspecified());
  EXPECT_FALSE(IpAddr::parse("10.0.0.1")->is_unspecified());
  EXPECT_TRUE(IpAddr::parse("127.0.0.2")->is_loopback());
  EXPECT_TRUE(IpAddr::parse("::1")->is_loopback());
  EXPECT_FALSE(IpAddr::parse("::2")->is_loopback());
  EXPECT_TRUE(IpAddr::parse("224.0.0.5")->is_multicast());
  EXPECT_TRUE(IpAddr::parse("239.255.255.255")->is_multicast());
  EXPECT_FALSE(IpAddr::parse("240.0.0.1")->is_multicast());
  EXPECT_TRUE(IpAddr::parse("ff02::1")->is_multicast());
  EXPECT_TRUE(IpAddr::parse("fe80::1")->is_link_local());
  EXPECT_TRUE(IpAddr::parse("febf::1")->is_link_local());
  EXPECT_FALSE(IpAddr::parse("fec0::1")->is_link_local());
  EXPECT_TRUE(IpAddr::parse("169.254.1.1")->is_link_local());
}

}  // namespace netrig
