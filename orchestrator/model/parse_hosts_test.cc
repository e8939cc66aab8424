// topology.hosts, `host:` placement and tunnel ports: what parses, what the plan makes of it (each
// host's namespace, OVS and underlay bridge), and what is refused at its place.
#include <gtest/gtest.h>

#include <algorithm>

#include "model/parse_test_util.h"
#include "model/parser.h"
#include "plan/ovs.h"
#include "plan/plan.h"

namespace netrig {
namespace {

const std::string kLab = R"(name: h
topology:
  hosts:
    hv1: {interfaces: {eth0: {ipv4: 192.168.100.11/24}}}
    hv2: {interfaces: {eth0: {ipv4: 192.168.100.12/24}}}
  nodes:
    underlay: {kind: bridge}
    br1:
      kind: ovs
      host: hv1
      ports:
        vx: {type: vxlan, remote: 192.168.100.12, key: flow, dst_port: 4790}
    br2:
      kind: ovs
      host: hv2
      ports:
        vx: {type: gre, remote: 192.168.100.11, key: 7}
    a1: {host: hv1, interfaces: {eth0: {ipv4: 10.0.0.1/24}}}
    a2: {host: hv2, interfaces: {eth0: {ipv4: 10.0.0.2/24}}}
  links:
    - endpoints: ["hv1:eth0", underlay]
    - endpoints: ["hv2:eth0", underlay]
    - endpoints: ["a1:eth0", "br1:a1"]
    - endpoints: ["a2:eth0", "br2:a2"]
)";

std::string with(const std::string& from, const std::string& to) { return replaced(kLab, from, to); }

std::string all_errors(const std::string& text) {
  std::string out;
  try {
    parse_topology(text, "t.yaml");
  } catch (const TopologyError& e) {
    for (const auto& d : e.diagnostics()) out += d.headline() + "\n";
  }
  return out;
}

TEST(ParseHosts, HostsPlacementAndTunnelPorts) {
  auto t = parse_topology(kLab, "t.yaml");
  const auto* hv1 = t.find_node("hv1");
  ASSERT_TRUE(hv1);
  EXPECT_TRUE(hv1->is_host);
  EXPECT_EQ(hv1->kind, NodeKind::Netns);
  EXPECT_EQ(t.find_node("br1")->host, "hv1");
  EXPECT_EQ(t.find_node("a2")->host, "hv2");
  EXPECT_EQ(t.find_node("underlay")->host, "");
  const auto* vx = t.find_node("br1")->ovs->find_port("vx");
  EXPECT_EQ(vx->type, "vxlan");
  EXPECT_EQ(vx->remote_ip, "192.168.100.12");
  EXPECT_EQ(vx->tunnel_key, "flow");
  EXPECT_EQ(vx->dst_port, 4790);
  // The same port name on two hosts' switches: devices of two namespaces.
  EXPECT_EQ(t.find_node("br2")->ovs->find_port("vx")->tunnel_key, "7");
}

TEST(ParseHosts, PlanPutsEachHostsSwitchesInItsNamespaceWithItsOwnOvsAndUnderlay) {
  auto plan = make_plan(parse_topology(kLab, "t.yaml"));
  EXPECT_EQ(plan.host_of("br1"), "hv1");
  EXPECT_EQ(plan.host_of("underlay"), "local");
  EXPECT_EQ(plan.switch_netns("br1"), "h-hv1");
  EXPECT_EQ(plan.switch_netns("br2"), "h-hv2");
  EXPECT_EQ(plan.switch_netns("underlay"), "h-local");
  // Every switch-side end of a link lives where its switch does.
  for (const auto& l : plan.links) {
    if (l.a.node == "br1") EXPECT_EQ(l.a.netns, "h-hv1");
    if (l.a.node == "underlay") EXPECT_EQ(l.a.netns, "h-local");
  }
  std::vector<std::string> ovs_hosts;
  int underlays = 0;
  for (const auto& s : plan.steps) {
    if (s.kind == StepKind::StartOvs) ovs_hosts.push_back(s.target);
    if (s.kind == StepKind::ConfigureUnderlay) ++underlays;
  }
  std::sort(ovs_hosts.begin(), ovs_hosts.end());
  EXPECT_EQ(ovs_hosts, (std::vector<std::string>{"hv1", "hv2"})) << "one OVS per host that has ovs switches";
  EXPECT_EQ(underlays, 2);
  EXPECT_EQ(plan.underlay_bridges.at("hv1:eth0"), "u-eth0");
  // A host's ConfigureNode waits for its underlay bridge (its addresses go there).
  for (const auto& s : plan.steps)
    if (s.kind == StepKind::ConfigureNode && s.target == "hv1") {
      bool after_underlay = false;
      for (int id : s.after) after_underlay |= plan.steps[id].kind == StepKind::ConfigureUnderlay;
      EXPECT_TRUE(after_underlay);
    }
  const auto tx = ovs_switch_transaction(plan, *plan.topology.find_node("br1"), "netdev");
  auto has = [&](const std::string& w) { return std::find(tx.begin(), tx.end(), w) != tx.end(); };
  EXPECT_TRUE(has("type=vxlan"));
  EXPECT_TRUE(has("options:remote_ip=192.168.100.12"));
  EXPECT_TRUE(has("options:key=flow"));
  EXPECT_TRUE(has("options:dst_port=4790"));
}

TEST(ParseHosts, MistakesAreRefusedWithTheirPlace) {
  auto e = first_error(with("    a1: {host: hv1,", "    a1: {host: hv9,"));
  EXPECT_NE(e.find("t.yaml:18:16:"), std::string::npos) << e;
  EXPECT_NE(e.find("placed on host 'hv9', which is not defined"), std::string::npos) << e;
  e = first_error(with(R"(- endpoints: ["a2:eth0", "br2:a2"])", R"(- endpoints: ["a2:eth0", "br1:a2"])"));
  EXPECT_NE(e.find("t.yaml:24:"), std::string::npos) << e;
  EXPECT_NE(e.find("joins 'a2' (on host hv2) and 'br1' (on host hv1)"), std::string::npos) << e;
  e = first_error(with("remote: 192.168.100.12,", "remote: 192.168.100.99,"));
  EXPECT_NE(e.find("has remote 192.168.100.99, which is no host's address"), std::string::npos) << e;
  e = first_error(with("key: 7}", "key: seven}"));
  EXPECT_NE(e.find("'key' of port 'vx' of ovs 'br2' must be 'flow' or a number"), std::string::npos) << e;
  e = first_error(with("key: 7}", "key: 7, dst_port: 9}"));
  EXPECT_NE(e.find("'dst_port' is for vxlan and geneve tunnels"), std::string::npos) << e;
  e = first_error(with("    hv2: {interfaces:", "    hv2: {kind: vm, interfaces:"));
  EXPECT_NE(e.find("host 'hv2' has kind vm, which netrig does not build yet"), std::string::npos) << e;
  e = first_error(with("    br1:\n      kind: ovs\n      host: hv1\n", "    br1:\n      kind: ovs\n"));
  EXPECT_NE(e.find("tunnel port 'vx' is on ovs 'br1', which is on no host"), std::string::npos) << e;
  e = first_error(with("    a1: {host: hv1,", "    hv1: {host: hv1,"));
  EXPECT_NE(e.find("node name 'hv1' is also a host's"), std::string::npos) << e;
  // (the port is then a link port that no link uses: an error of its own, first on that line)
  e = all_errors(with("{type: gre, remote: 192.168.100.11, key: 7}", "{remote: 192.168.100.11}"));
  EXPECT_NE(e.find("'remote' is for tunnel ports"), std::string::npos) << e;
}

}  // namespace
}  // namespace netrig
