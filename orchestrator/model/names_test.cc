#include "model/names.h"

#include <gtest/gtest.h>

#include <set>

namespace netrig {
namespace {

TEST(Names, Fnv1a32MatchesTheReferenceVectors) {
  EXPECT_EQ(fnv1a32(""), 0x811c9dc5u);
  EXPECT_EQ(fnv1a32("a"), 0xe40c292cu);
  EXPECT_EQ(fnv1a32("foobar"), 0xbf9cf968u);
}

TEST(Names, ShortNamesAreKept) {
  EXPECT_EQ(short_kernel_name("eth0"), "eth0");
  EXPECT_EQ(short_kernel_name("exactly15chars_"), "exactly15chars_");
  EXPECT_EQ(short_kernel_name(""), "");
}

TEST(Names, LongNamesGetPrefixDashAndHash) {
  const std::string long_name = "uplink-to-core-router-a";
  const auto k = short_kernel_name(long_name);
  EXPECT_EQ(k.size(), kMaxIfName);
  EXPECT_EQ(k, "uplink-bdba7cc2");  // pinned: the same file yields the same devices in every version
  EXPECT_EQ(k.substr(0, 6), long_name.substr(0, 6));
  EXPECT_EQ(k[6], '-');
  char hex[9];
  std::snprintf(hex, sizeof hex, "%08x", fnv1a32(long_name));
  EXPECT_EQ(k.substr(7), hex);
  EXPECT_EQ(short_kernel_name(long_name), k) << "stable";
  EXPECT_EQ(short_kernel_name("sixteen-chars-xx").size(), kMaxIfName) << "16 characters are one too many";
  EXPECT_NE(short_kernel_name("sixteen-chars-xx"), "sixteen-chars-xx");
}

TEST(Names, NamesDifferingOnlyAfterTheCutStayDistinct) {
  std::set<std::string> seen;
  for (int i = 0; i < 1000; ++i) seen.insert(short_kernel_name("veth-to-node-number-" + std::to_string(i)));
  EXPECT_EQ(seen.size(), 1000u);
}

TEST(Names, KnownCollisionOfTwoLongNames) {
  // Found by search; the parser reports such pairs (tests/invalid/55-...).
  EXPECT_EQ(fnv1a32("uplink-to-core-422789"), fnv1a32("uplink-to-core-639192"));
  EXPECT_EQ(short_kernel_name("uplink-to-core-422789"), "uplink-c753ae8b");
}

TEST(Names, IfnameCharacters) {
  EXPECT_TRUE(is_valid_ifname_chars("eth0"));
  EXPECT_TRUE(is_valid_ifname_chars("eth0.100"));
  EXPECT_TRUE(is_valid_ifname_chars("a-b_c"));
  EXPECT_FALSE(is_valid_ifname_chars(""));
  EXPECT_FALSE(is_valid_ifname_chars("."));
  EXPECT_FALSE(is_valid_ifname_chars(".."));
  EXPECT_FALSE(is_valid_ifname_chars("eth/0"));
  EXPECT_FALSE(is_valid_ifname_chars("eth:0"));
  EXPECT_FALSE(is_valid_ifname_chars("eth 0"));
  EXPECT_FALSE(is_valid_ifname_chars("eth\t0"));
  EXPECT_FALSE(is_valid_ifname_chars("ethé"));
}

TEST(Names, IfnameProblemSaysWhatIsWrong) {
  EXPECT_EQ(ifname_problem("eth0"), "");
  EXPECT_EQ(ifname_problem("a-very-long-interface-name-is-fine"), "") << "long names are shortened, not refused";
  EXPECT_EQ(ifname_problem(""), "it is empty");
  EXPECT_EQ(ifname_problem(".."), "'..' is not allowed");
  EXPECT_EQ(ifname_problem("lo"), "every namespace already has its loopback device 'lo'");
  EXPECT_EQ(ifname_problem("eth/0"), "'/' is not allowed");
  EXPECT_EQ(ifname_problem("eth:0"), "':' is not allowed");
  EXPECT_EQ(ifname_problem("eth 0"), "spaces are not allowed");
  EXPECT_EQ(ifname_problem("eth\n0"), "only printable ASCII characters are allowed");
  EXPECT_EQ(ifname_problem(std::string(kMaxUserIfName, 'x')), "");
  EXPECT_EQ(ifname_problem(std::string(kMaxUserIfName + 1, 'x')), "it has 65 characters, at most 64 are allowed");
}

TEST(Names, LabObjectNames) {
  EXPECT_EQ(netns_name("lab", "h1"), "lab-h1");
  EXPECT_EQ(netns_name("a-very-long-lab-name", "a-long-node-name"), "a-very-long-lab-name-a+long+node+name")
      << "namespace names are files: no 15-character limit";
  EXPECT_NE(netns_name("x", "y-z"), netns_name("x-y", "z")) << "lab x / node y-z and lab x-y / node z";
  EXPECT_NE(vm_domain_name("x", "y-z"), vm_domain_name("x-y", "z")) << "libvirt refuses a second domain of a name";
  EXPECT_EQ(vm_domain_name("lab", "g1"), "netrig-lab-g1");
  EXPECT_EQ(netns_name("x", "y-z"), "x-y+z");
  EXPECT_EQ(netns_name("x-y", "z"), "x-y-z");
  EXPECT_EQ(netns_name("x-y", "dhcp-br0"), "x-y-dhcp+br0");
  EXPECT_EQ(host_netns_name("lab", kLocalHost), "lab-local");
  EXPECT_EQ(short_kernel_name("default-h1-eth0"), "default-h1-eth0") << "15 characters fit";
  EXPECT_EQ(short_kernel_name("default-h1-eth10").size(), kMaxIfName);
  EXPECT_EQ(short_kernel_name("default-h1-eth10").substr(0, 7), "defaul-");
  EXPECT_EQ(ownership_mark("lab"), "netrig:lab");
}

}  // namespace
}  // namespace netrig
