#include "plan/plan.h"

#include <gtest/gtest.h>

#include <set>

#include "model/parser.h"

namespace netrig {
namespace {

const char* kLab = R"(name: t
topology:
  nodes:
    br0: {kind: bridge}
    br1: {kind: bridge}
    a:
      interfaces:
        eth0: {ipv4: 10.0.0.1/24}
        a-very-long-interface-name: {ipv4: 10.9.0.1/24}
    b:
      interfaces:
        eth0: {ipv4: 10.0.0.2/24, mac: "02:00:00:00:00:0b"}
    c:
      interfaces:
        eth0: {ipv4: 10.9.0.2/24}
      exec: ["true"]
  links:
    - endpoints: ["a:eth0", "br0"]
    - endpoints: ["b:eth0", "br1"]
    - endpoints: ["br0", "br1"]
    - endpoints: ["a:a-very-long-interface-name", "c:eth0"]
)";

Plan plan_of(const std::string& text) { return make_plan(parse_topology(text, "t.yaml")); }

TEST(Plan, StepsRespectDependencies) {
  auto plan = plan_of(kLab);
  std::set<int> done;
  for (const auto& step : plan.steps) {
    for (int dep : step.after) EXPECT_TRUE(done.count(dep)) << step.describe() << " before its dependency " << dep;
    done.insert(step.id);
  }
  int netns = 0, bridges = 0, links = 0, configure = 0, exec = 0;
  for (const auto& s : plan.steps) {
    netns += s.kind == StepKind::CreateNetns;
    bridges += s.kind == StepKind::CreateBridge;
    links += s.kind == StepKind::CreateLink;
    configure += s.kind == StepKind::ConfigureNode;
    exec += s.kind == StepKind::RunExec;
  }
  EXPECT_EQ(netns, 4) << "three nodes and the lab's local namespace";
  EXPECT_EQ(bridges, 2);
  EXPECT_EQ(links, 4);
  EXPECT_EQ(configure, 3);
  EXPECT_EQ(exec, 1);
  // exec waits for every node to be configured
  const auto& last = plan.steps.back();
  EXPECT_EQ(last.kind, StepKind::RunExec);
  EXPECT_EQ(last.after.size(), 3u);
}

TEST(Plan, NamesKernelObjects) {
  auto plan = plan_of(kLab);
  EXPECT_EQ(plan.netns_of("a"), "t-a");
  EXPECT_EQ(plan.bridge_device("br0"), "br0");
  EXPECT_EQ(plan.local_netns(), "t-local");
  const auto& to_bridge = plan.links[0];
  EXPECT_EQ(to_bridge.a.netns, "t-local") << "the switch side lives in the lab's local namespace";
  EXPECT_EQ(to_bridge.a.device, "a-eth0");
  EXPECT_EQ(to_bridge.a.bridge, "br0");
  EXPECT_EQ(to_bridge.b.netns, "t-a");
  EXPECT_EQ(to_bridge.b.device, "eth0");
  const auto& bridges = plan.links[2];
  EXPECT_EQ(bridges.a.bridge, "br0");
  EXPECT_EQ(bridges.b.bridge, "br1");
  EXPECT_EQ(bridges.a.netns, "t-local");
  EXPECT_EQ(bridges.b.netns, "t-local");
  EXPECT_NE(bridges.a.device, bridges.b.device);
  const auto& direct = plan.links[3];
  EXPECT_EQ(direct.a.netns, "t-a");
  EXPECT_LE(direct.a.device.size(), 15u);
  EXPECT_NE(direct.a.device, "a-very-long-interface-name");
  for (const auto& l : plan.links)
    for (const auto* e : {&l.a, &l.b}) {
      EXPECT_LE(e->device.size(), 15u) << e->device;
      EXPECT_FALSE(e->netns.empty()) << e->device << ": nothing goes in the host's namespace";
    }
  ASSERT_EQ(plan.steps[0].kind, StepKind::CreateNetns);
  EXPECT_EQ(plan.steps[0].target, "local") << "the local namespace comes first: bridges are made in it";
}

TEST(Plan, LocalNamespaceOnlyWhenTheLabHasSwitches) {
  auto plan = plan_of(R"(
name: t
topology:
  nodes:
    a: {interfaces: {eth0: 10.0.0.1/24}}
    b: {interfaces: {eth0: 10.0.0.2/24}}
  links:
    - endpoints: [a:eth0, b:eth0]
)");
  EXPECT_FALSE(plan.uses_local_host);
  for (const auto& s : plan.steps) EXPECT_NE(s.target, "local");
}

TEST(Plan, SwitchDevicesNeverCollideInTheLocalNamespace) {
  // A bridge named like a port ("a-eth0") or like the namespace's loopback takes another name.
  auto plan = plan_of(R"(
name: t
topology:
  nodes:
    lo: {kind: bridge}
    a-eth0: {kind: bridge}
    a: {interfaces: {eth0: 10.0.0.1/24}}
  links:
    - endpoints: [a:eth0, a-eth0]
    - endpoints: [lo, a-eth0]
)");
  std::set<std::string> names = {"lo"};
  for (const auto& [bridge, dev] : plan.bridges) EXPECT_TRUE(names.insert(dev).second) << dev;
  for (const auto& l : plan.links)
    for (const auto* e : {&l.a, &l.b})
      if (!e->bridge.empty()) {
        EXPECT_TRUE(names.insert(e->device).second) << e->device;
      }
  EXPECT_EQ(plan.bridge_device("lo"), "br-lo");
}

TEST(Plan, MacsAreStableAndKeepTheFilesOwn) {
  auto first = plan_of(kLab), second = plan_of(kLab);
  EXPECT_EQ(first.macs, second.macs);
  EXPECT_EQ(first.macs.at("b:eth0"), "02:00:00:00:00:0b");
  EXPECT_EQ(first.macs.at("a:eth0").substr(0, 3), "02:");
  std::set<std::string> unique;
  for (const auto& [k, mac] : first.macs) unique.insert(mac);
  EXPECT_EQ(unique.size(), first.macs.size());
  // Another lab name gives other MACs, so two copies of a lab can share a segment.
  EXPECT_NE(derived_mac("t", "a", "eth0"), derived_mac("t2", "a", "eth0"));
}

TEST(Plan, StaticNeighborsFollowLayer2Segments) {
  std::string text = std::string("settings: {static_neighbors: true}\n") + kLab;
  auto plan = plan_of(text);
  // a and b share a segment through br0 - br1; a and c share the direct link.
  ASSERT_TRUE(plan.neighbors.count("a"));
  std::set<std::string> a_peers;
  for (const auto& n : plan.neighbors.at("a")) a_peers.insert(n.address.str() + "@" + n.device);
  EXPECT_TRUE(a_peers.count("10.0.0.2@eth0"));
  EXPECT_EQ(a_peers.size(), 2u);
  ASSERT_TRUE(plan.neighbors.count("b"));
  EXPECT_EQ(plan.neighbors.at("b").size(), 1u);
  EXPECT_EQ(plan.neighbors.at("b")[0].mac, plan.macs.at("a:eth0"));
  EXPECT_FALSE(plan_of(kLab).neighbors.count("a"));
}

}  // namespace
}  // namespace netrig
