#include "plan/endpoints.h"

#include <gtest/gtest.h>

#include "model/endpoints.h"
#include "model/parser.h"

namespace netrig {
namespace {

const char* kLab = R"(name: t
topology:
  nodes:
    lan: {kind: bridge}
    wan: {kind: bridge}
    h1: {interfaces: {eth0: {ipv4: 10.0.0.1/24}, eth1: {ipv4: 10.1.0.1/24}}}
    h2: {interfaces: {eth0: {ipv4: 10.0.0.2/24}, uplink-to-the-core: {ipv4: 10.1.0.2/24}}}
  links:
    - endpoints: ["lan", "h1:eth0"]
    - endpoints: ["h2:eth0", "lan"]
    - endpoints: ["h1:eth1", "h2:uplink-to-the-core"]
    - endpoints: ["lan", "wan"]
)";

Plan plan() { return make_plan(parse_topology(kLab, "t.yaml")); }

TEST(LinkEndNames, EveryEndOfEveryLinkInLinkOrder) {
  std::vector<std::string> names;
  for (const auto& e : link_end_names(plan().topology)) names.push_back(e.name);
  EXPECT_EQ(names, (std::vector<std::string>{"lan:h1:eth0", "h1:eth0", "h2:eth0", "lan:h2:eth0", "h1:eth1",
                                             "h2:uplink-to-the-core", "lan:wan", "wan:lan"}));
}

// A node's end is its interface inside its namespace (the kernel name, shortened when long).
TEST(ResolveEndpoint, NodeEndIsTheInterfaceInTheNodesNamespace) {
  const auto p = plan();
  auto h1 = resolve_endpoint(p, "h1:eth0");
  ASSERT_TRUE(h1);
  EXPECT_EQ(h1->netns, p.netns_of("h1"));
  EXPECT_EQ(h1->device, "eth0");
  auto up = resolve_endpoint(p, "h2:uplink-to-the-core");
  ASSERT_TRUE(up);
  EXPECT_EQ(up->netns, p.netns_of("h2"));
  EXPECT_EQ(up->device, p.topology.find_node("h2")->find_interface("uplink-to-the-core")->kernel_name);
  EXPECT_LE(up->device.size(), 15u);
}

// A bridge's end is the bridge port of that link, wherever the plan puts it (its LinkEnd).
TEST(ResolveEndpoint, BridgeEndIsThePortThePlanNamesForThatLink) {
  const auto p = plan();
  for (const char* name : {"lan:h1:eth0", "lan:h2:eth0", "lan:wan", "wan:lan"}) {
    auto dev = resolve_endpoint(p, name);
    ASSERT_TRUE(dev) << name;
    bool found = false;
    for (const auto& l : p.links)
      for (const auto* e : {&l.a, &l.b})
        if (e->device == dev->device && e->netns == dev->netns && !e->bridge.empty()) found = true;
    EXPECT_TRUE(found) << name << " -> " << dev->netns << ":" << dev->device;
  }
  auto a = resolve_endpoint(p, "lan:h1:eth0"), b = resolve_endpoint(p, "lan:h2:eth0");
  EXPECT_NE(a->device, b->device);
  EXPECT_EQ(a->netns, p.links[0].a.netns);  // the bridge side of link 0, as planned
  EXPECT_NE(resolve_endpoint(p, "lan:wan")->device, resolve_endpoint(p, "wan:lan")->device);
}

TEST(ResolveEndpoint, UnknownEndsAreNotResolved) {
  const auto p = plan();
  for (const char* name : {"lan", "h1", "h1:eth9", "lan:h1", "wan:h1:eth0", ""})
    EXPECT_FALSE(resolve_endpoint(p, name)) << name;
}

TEST(DescribeAction, LinkActionsInIpTerms) {
  const auto p = plan();
  ActionSpec a;
  a.kind = "link";
  a.target = "lan:h2:eth0";
  a.up = false;
  auto dev = resolve_endpoint(p, a.target);
  EXPECT_EQ(describe_action(p, a), "ip -n " + dev->netns + " link set " + dev->device + " down");
  a.target = "h1:eth0";
  a.up = true;
  EXPECT_EQ(describe_action(p, a), "ip -n " + p.netns_of("h1") + " link set eth0 up");
  a.kind = "sleep";
  a.seconds = 1.5;
  EXPECT_EQ(describe_action(p, a), "sleep 1.5");
}

}  // namespace
}  // namespace netrig
