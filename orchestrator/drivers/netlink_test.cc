// Golden tests of the rtnetlink builders: parse what they build and compare with what `ip` sends.
#include "drivers/netlink.h"

#include <gtest/gtest.h>
#include <libmnl/libmnl.h>
#include <linux/if.h>
#include <linux/neighbour.h>
#include <linux/rtnetlink.h>
#include <linux/veth.h>

#include <map>

namespace netrig {
namespace {

using Attrs = std::multimap<uint16_t, const nlattr*>;

Attrs attrs_of(const nlmsghdr* nlh, size_t header_len) {
  Attrs out;
  const auto* start = static_cast<const char*>(mnl_nlmsg_get_payload_offset(nlh, header_len));
  const auto* end = reinterpret_cast<const char*>(nlh) + nlh->nlmsg_len;
  for (auto* a = reinterpret_cast<const nlattr*>(start); reinterpret_cast<const char*>(a) < end; a = mnl_attr_next(a))
    out.emplace(mnl_attr_get_type(a), a);
  return out;
}

Attrs nested(const nlattr* parent, size_t skip = 0) {
  Attrs out;
  const auto* start = reinterpret_cast<const char*>(mnl_attr_get_payload(parent)) + skip;
  const auto* end = reinterpret_cast<const char*>(parent) + parent->nla_len;
  for (auto* a = reinterpret_cast<const nlattr*>(start); reinterpret_cast<const char*>(a) < end; a = mnl_attr_next(a))
    out.emplace(mnl_attr_get_type(a), a);
  return out;
}

TEST(NetlinkBuilders, BridgeCreate) {
  LinkAttrs br{"lab-br0"};
  br.mtu = 9000;
  br.group = 7;
  auto req = build_bridge_create(br);
  const auto* nlh = req.header();
  EXPECT_EQ(nlh->nlmsg_type, RTM_NEWLINK);
  EXPECT_EQ(nlh->nlmsg_flags & (NLM_F_CREATE | NLM_F_EXCL | NLM_F_ACK), NLM_F_CREATE | NLM_F_EXCL | NLM_F_ACK);
  const auto* ifi = static_cast<const ifinfomsg*>(mnl_nlmsg_get_payload(nlh));
  EXPECT_EQ(ifi->ifi_flags & IFF_UP, static_cast<unsigned>(IFF_UP));
  auto a = attrs_of(nlh, sizeof(ifinfomsg));
  EXPECT_STREQ(mnl_attr_get_str(a.find(IFLA_IFNAME)->second), "lab-br0");
  EXPECT_EQ(mnl_attr_get_u32(a.find(IFLA_MTU)->second), 9000u);
  EXPECT_EQ(mnl_attr_get_u32(a.find(IFLA_GROUP)->second), 7u);
  auto info = nested(a.find(IFLA_LINKINFO)->second);
  EXPECT_STREQ(mnl_attr_get_str(info.find(IFLA_INFO_KIND)->second), "bridge");
  auto data = nested(info.find(IFLA_INFO_DATA)->second);
  EXPECT_EQ(mnl_attr_get_u32(data.find(IFLA_BR_FORWARD_DELAY)->second), 0u);
}

TEST(NetlinkBuilders, VethPeerCarriesItsOwnHeaderAndNamespace) {
  LinkAttrs host{"lab-h1-eth0"}, node{"eth0"};
  host.master = 12;
  node.netns_fd = 5;
  node.up = false;
  node.mac = "02:00:00:00:00:01";
  auto req = build_veth_create(host, node);
  auto a = attrs_of(req.header(), sizeof(ifinfomsg));
  EXPECT_EQ(mnl_attr_get_u32(a.find(IFLA_MASTER)->second), 12u);
  EXPECT_EQ(a.count(IFLA_NET_NS_FD), 0u) << "the host end stays in the host";
  auto info = nested(a.find(IFLA_LINKINFO)->second);
  EXPECT_EQ(a.find(IFLA_LINKINFO)->second->nla_type & NLA_F_NESTED, 0) << "iproute2 sends nests unflagged";
  auto data = nested(info.find(IFLA_INFO_DATA)->second);
  const auto* peer = data.find(VETH_INFO_PEER)->second;
  const auto* peer_ifi = static_cast<const ifinfomsg*>(mnl_attr_get_payload(peer));
  EXPECT_EQ(peer_ifi->ifi_flags & IFF_UP, 0u) << "a peer in another namespace cannot come up in the same request";
  auto p = nested(peer, sizeof(ifinfomsg));
  EXPECT_STREQ(mnl_attr_get_str(p.find(IFLA_IFNAME)->second), "eth0");
  EXPECT_EQ(mnl_attr_get_u32(p.find(IFLA_NET_NS_FD)->second), 5u);
  const auto* mac = static_cast<const uint8_t*>(mnl_attr_get_payload(p.find(IFLA_ADDRESS)->second));
  EXPECT_EQ(mac[0], 0x02);
  EXPECT_EQ(mac[5], 0x01);
}

TEST(NetlinkBuilders, AddressAndRoute) {
  auto addr = build_address_add(3, *IpPrefix::parse("10.1.2.3/24"));
  const auto* ifa = static_cast<const ifaddrmsg*>(mnl_nlmsg_get_payload(addr.header()));
  EXPECT_EQ(ifa->ifa_prefixlen, 24);
  EXPECT_EQ(ifa->ifa_index, 3u);
  auto a = attrs_of(addr.header(), sizeof(ifaddrmsg));
  const auto* brd = static_cast<const uint8_t*>(mnl_attr_get_payload(a.find(IFA_BROADCAST)->second));
  EXPECT_EQ(brd[3], 255);  // 10.1.2.255, as `brd +` gives

  auto v6 = build_address_add(3, *IpPrefix::parse("fd00::1/64"));
  EXPECT_TRUE(static_cast<const ifaddrmsg*>(mnl_nlmsg_get_payload(v6.header()))->ifa_flags & IFA_F_NODAD);

  auto route = build_route_add(*IpPrefix::parse("0.0.0.0/0"), IpAddr::parse("10.1.2.1"), std::nullopt, 100u);
  const auto* rtm = static_cast<const rtmsg*>(mnl_nlmsg_get_payload(route.header()));
  EXPECT_EQ(rtm->rtm_dst_len, 0);
  EXPECT_EQ(rtm->rtm_scope, RT_SCOPE_UNIVERSE);
  auto r = attrs_of(route.header(), sizeof(rtmsg));
  EXPECT_EQ(r.count(RTA_DST), 0u);
  EXPECT_EQ(mnl_attr_get_u32(r.find(RTA_PRIORITY)->second), 100u);
  EXPECT_EQ(route.description, "add route default via 10.1.2.1");
}

TEST(NetlinkBuilders, DeleteByGroupAndPermanentNeighbor) {
  auto del = build_link_delete_group(42);
  EXPECT_EQ(del.header()->nlmsg_type, RTM_DELLINK);
  auto a = attrs_of(del.header(), sizeof(ifinfomsg));
  EXPECT_EQ(mnl_attr_get_u32(a.find(IFLA_GROUP)->second), 42u);
  EXPECT_EQ(a.count(IFLA_IFNAME), 0u);

  auto neigh = build_neighbor_add(2, *IpAddr::parse("10.0.0.9"), "02:aa:bb:cc:dd:ee");
  const auto* ndm = static_cast<const ndmsg*>(mnl_nlmsg_get_payload(neigh.header()));
  EXPECT_EQ(ndm->ndm_state, NUD_PERMANENT);
  auto n = attrs_of(neigh.header(), sizeof(ndmsg));
  EXPECT_EQ(mnl_attr_get_payload_len(n.find(NDA_LLADDR)->second), 6u);
}

}  // namespace
}  // namespace netrig

namespace netrig {
namespace {

// ip link set <ifindex> down must clear IFF_UP: the change mask names the flag, the flags omit it.
TEST(NetlinkBuilders, LinkUpDown) {
  for (bool up : {false, true}) {
    auto req = build_link_updown(42, up);
    const auto* nlh = req.header();
    EXPECT_EQ(nlh->nlmsg_type, RTM_NEWLINK);
    EXPECT_EQ(nlh->nlmsg_flags & (NLM_F_CREATE | NLM_F_EXCL), 0);
    const auto* ifi = static_cast<const ifinfomsg*>(mnl_nlmsg_get_payload(nlh));
    EXPECT_EQ(ifi->ifi_index, 42);
    EXPECT_EQ(ifi->ifi_change, static_cast<unsigned>(IFF_UP));
    EXPECT_EQ(ifi->ifi_flags & IFF_UP, up ? static_cast<unsigned>(IFF_UP) : 0u);
    EXPECT_EQ(req.description, up ? "set link 42 up" : "set link 42 down");
  }
}

}  // namespace
}  // namespace netrig
