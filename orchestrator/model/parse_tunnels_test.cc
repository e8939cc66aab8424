// topology.tunnels: the ports a point-to-point or full-mesh item makes (names, remotes, key,
// dst_port), that they are what the hand-written lecture 28 lab has (model and plan), how the
// remote is chosen (the one shared network, or `underlay:`), and what is refused at its place.
#include <gtest/gtest.h>

#include <regex>

#include "build_paths.h"
#include "model/names.h"
#include "model/parse_test_util.h"
#include "model/parser.h"
#include "plan/dry_run.h"
#include "plan/plan.h"

namespace netrig {
namespace {

const std::string kLab = R"(name: m
topology:
  hosts:
    hv1: {interfaces: {eth0: {ipv4: 192.168.100.11/24}}}
    hv2: {interfaces: {eth0: {ipv4: 192.168.100.12/24}}}
    hv3: {interfaces: {eth0: {ipv4: 192.168.100.13/24}}}
  tunnels:
    - type: vxlan
      key: flow
      switches: [br1, br2, br3]
  nodes:
    underlay: {kind: bridge}
    br1: {kind: ovs, host: hv1, flows: ["in_port=vx-hv2,actions=output:vx-hv3"]}
    br2: {kind: ovs, host: hv2}
    br3: {kind: ovs, host: hv3}
  links:
    - endpoints: ["hv1:eth0", underlay]
    - endpoints: ["hv2:eth0", underlay]
    - endpoints: ["hv3:eth0", underlay]
)";

std::string with(const std::string& from, const std::string& to) { return replaced(kLab, from, to); }

std::string ports_of(const Topology& t, const std::string& sw) {
  std::string out;
  for (const auto& p : t.find_node(sw)->ovs->ports)
    out += p.name + " " + p.type + " " + p.remote_ip + " " + p.tunnel_key + " " + std::to_string(p.dst_port) + "\n";
  return out;
}

TEST(ParseTunnels, AFullMeshMakesOnePortPerOtherHostOnEverySwitch) {
  auto t = parse_topology(kLab, "t.yaml");
  EXPECT_EQ(ports_of(t, "br1"), "vx-hv2 vxlan 192.168.100.12 flow 0\nvx-hv3 vxlan 192.168.100.13 flow 0\n");
  EXPECT_EQ(ports_of(t, "br2"), "vx-hv1 vxlan 192.168.100.11 flow 0\nvx-hv3 vxlan 192.168.100.13 flow 0\n");
  EXPECT_EQ(ports_of(t, "br3"), "vx-hv1 vxlan 192.168.100.11 flow 0\nvx-hv2 vxlan 192.168.100.12 flow 0\n");
  // Each port points at its switch's item in `switches:` (line 10), for any later message about it.
  const auto* p = t.find_node("br2")->ovs->find_port("vx-hv1");
  EXPECT_EQ(p->pos.line, 10);
  EXPECT_EQ(p->pos.col, 23);
}

TEST(ParseTunnels, PointToPointGreAndGeneveWithDstPort) {
  auto gre = parse_topology(
      replaced(with("switches: [br1, br2, br3]", "switches: [br1, br3]"), "type: vxlan", "type: gre"), "t.yaml");
  EXPECT_EQ(ports_of(gre, "br1"), "gre-hv3 gre 192.168.100.13 flow 0\n");
  EXPECT_EQ(ports_of(gre, "br3"), "gre-hv1 gre 192.168.100.11 flow 0\n");
  EXPECT_EQ(ports_of(gre, "br2"), "");
  auto gnv = parse_topology(
      replaced(with("key: flow\n", "key: 5000\n      dst_port: 6082\n"), "type: vxlan", "type: geneve"), "t.yaml");
  EXPECT_EQ(ports_of(gnv, "br2"), "gnv-hv1 geneve 192.168.100.11 5000 6082\ngnv-hv3 geneve 192.168.100.13 5000 6082\n");
  // Without key: no key, as a hand-written port without one.
  auto bare = parse_topology(with("      key: flow\n", ""), "t.yaml");
  EXPECT_EQ(bare.find_node("br1")->ovs->find_port("vx-hv2")->tunnel_key, "");
}

TEST(ParseTunnels, NamesAreTypePrefixAndHostShortenedLikeEveryKernelName) {
  EXPECT_EQ(tunnel_port_name("vxlan", "hv2"), "vx-hv2");
  EXPECT_EQ(tunnel_port_name("gre", "hv2"), "gre-hv2");
  EXPECT_EQ(tunnel_port_name("geneve", "hv2"), "gnv-hv2");
  EXPECT_EQ(tunnel_port_name("vxlan", "hypervisor12"), "vx-hypervisor12");  // 15: kept
  const auto long_name = tunnel_port_name("vxlan", "rack12-hypervisor3");
  EXPECT_EQ(long_name, short_kernel_name("vx-rack12-hypervisor3"));
  EXPECT_EQ(long_name.size(), kMaxIfName);
  EXPECT_EQ(long_name.substr(0, 7), "vx-rac-");
  auto text = with("    hv2: {", "    rack12-hypervisor3: {");
  text = replaced(text, "hv2:eth0", "rack12-hypervisor3:eth0");
  text = replaced(text, "host: hv2", "host: rack12-hypervisor3");
  auto t = parse_topology(text, "t.yaml");
  EXPECT_TRUE(t.find_node("br1")->ovs->find_port(long_name));
  EXPECT_TRUE(t.find_node("br3")->ovs->find_port(long_name));
}

// The shipped mesh lab is the hand-written lecture28-vxlan lab: the same ports in the same order
// (hand-written ones first, then the generated ones in list order), and the same plan.
TEST(ParseTunnels, TheMeshLabIsTheHandWrittenLabPortForPortAndStepForStep) {
  const std::string dir = std::string(NETRIG_SOURCE_DIR) + "/topologies/";
  auto hand = load_topology(dir + "lecture28-vxlan.yaml");
  auto mesh = load_topology(dir + "lecture28-vxlan-mesh.yaml", ParseOptions{.lab_name = "lecture28-vxlan"});
  for (const char* sw : {"br-tun1", "br-tun2", "br-tun3", "br-int1"}) EXPECT_EQ(ports_of(mesh, sw), ports_of(hand, sw));
  EXPECT_EQ(plan_text(make_plan(mesh)), plan_text(make_plan(hand)));
}

TEST(ParseTunnels, UnderlayPicksTheInterfaceWhenHostsShareTwoNetworks) {
  auto two = with("    hv1: {interfaces: {eth0: {ipv4: 192.168.100.11/24}}}",
                  "    hv1: {interfaces: {eth0: {ipv4: 192.168.100.11/24}, eth1: {ipv4: 10.9.0.11/24}}}");
  two = replaced(two, "    hv2: {interfaces: {eth0: {ipv4: 192.168.100.12/24}}}",
                 "    hv2: {interfaces: {eth0: {ipv4: 192.168.100.12/24}, eth1: {ipv4: 10.9.0.12/24}}}");
  two = replaced(two, "    underlay: {kind: bridge}\n", "    underlay: {kind: bridge}\n    second: {kind: bridge}\n");
  two += "    - endpoints: [\"hv1:eth1\", second]\n    - endpoints: [\"hv2:eth1\", second]\n";
  EXPECT_EQ(first_error(two),
            "t.yaml:10:23: error: hosts hv1 and hv2 share more than one IPv4 network (eth0/eth0 192.168.100.0/24 or "
            "eth1/eth1 10.9.0.0/24), so tunnels item 1 cannot choose their remotes");
  EXPECT_EQ(first_diagnostic(two)->hint, "say which interface carries the tunnels: 'underlay: eth0'");
  auto fixed = replaced(two, "      key: flow\n", "      key: flow\n      underlay: eth1\n");
  // hv3 has no eth1: said at `underlay:`.
  EXPECT_EQ(first_error(fixed), "t.yaml:10:17: error: host hv3 (of 'br3') has no interface 'eth1'");
  fixed = replaced(fixed, "switches: [br1, br2, br3]", "switches: [br1, br2]");
  auto t = parse_topology(fixed, "t.yaml");
  EXPECT_EQ(ports_of(t, "br1"), "vx-hv2 vxlan 10.9.0.12 flow 0\n");
  EXPECT_EQ(ports_of(t, "br2"), "vx-hv1 vxlan 10.9.0.11 flow 0\n");
}

TEST(ParseTunnels, RefusedAtTheirPlace) {
  EXPECT_EQ(first_error(with("switches: [br1, br2, br3]", "switches: [br1, br9]")),
            "t.yaml:10:23: error: 'br9' in 'switches' of tunnels item 1 is not a node of the lab");
  EXPECT_EQ(first_diagnostic(with("switches: [br1, br2, br3]", "switches: [br1, br4]"))->hint, "did you mean 'br1'?");
  EXPECT_EQ(first_error(with("switches: [br1, br2, br3]", "switches: [br1, underlay]")),
            "t.yaml:10:23: error: 'underlay' in 'switches' of tunnels item 1 is a bridge node, not an ovs switch");
  EXPECT_EQ(first_error(with("switches: [br1, br2, br3]", "switches: [br1, hv2]")),
            "t.yaml:10:23: error: 'hv2' in 'switches' of tunnels item 1 is a host, not a switch");
  EXPECT_EQ(first_error(with("br3: {kind: ovs, host: hv3}", "br3: {kind: ovs, host: hv1}")),
            "t.yaml:10:28: error: 'br3' and 'br1' in 'switches' of tunnels item 1 are both on host hv1");
  EXPECT_EQ(first_error(with("br3: {kind: ovs, host: hv3}", "br3: {kind: ovs}")),
            "t.yaml:10:28: error: ovs 'br3' in 'switches' of tunnels item 1 is on no host (it is on local)");
  EXPECT_EQ(first_error(with("switches: [br1, br2, br3]", "switches: [br1]")),
            "t.yaml:10:17: error: tunnels item 1 lists 1 switch; a tunnel needs at least 2");
  EXPECT_EQ(first_error(with("switches: [br1, br2, br3]", "switches: [br1, br2, br1]")),
            "t.yaml:10:28: error: 'br1' is listed twice in 'switches' of tunnels item 1");
  EXPECT_EQ(first_error(with("key: flow", "key: flow\n      remote: 192.168.100.12")),
            "t.yaml:10:7: error: 'remote' is not a key of tunnels item 1: each port's remote is the peer host's "
            "address");
  EXPECT_EQ(first_error(with("key: flow", "key: flow\n      remtoe: 1")),
            "t.yaml:10:7: error: unknown key 'remtoe' in tunnels item 1");
  EXPECT_EQ(first_error(with("type: vxlan", "type: vxlna")), "t.yaml:8:13: error: 'vxlna' is not a tunnel type");
  EXPECT_EQ(first_error(with("key: flow", "key: 16777216")),
            "t.yaml:9:12: error: 'key' of tunnels item 1 must be 'flow' or a number up to 16777215, not '16777216'");
  EXPECT_EQ(first_error(replaced(with("type: vxlan", "type: gre"), "key: flow", "key: flow\n      dst_port: 4789")),
            "t.yaml:10:7: error: 'dst_port' of tunnels item 1 is for vxlan and geneve tunnels");
  EXPECT_EQ(first_error(with("    hv3: {interfaces: {eth0: {ipv4: 192.168.100.13/24}}}",
                             "    hv3: {interfaces: {eth0: {ipv4: 192.168.200.13/24}}}")),
            "t.yaml:10:28: error: hosts hv1 (of 'br1') and hv3 (of 'br3') share no IPv4 network, so tunnels item 1 "
            "has no remote for them");
  // A port the item makes, written by hand too: the message names the hand-written one's line.
  EXPECT_EQ(first_error(with("br2: {kind: ovs, host: hv2}",
                             "br2: {kind: ovs, host: hv2, ports: {vx-hv3: {type: vxlan, remote: 192.168.100.13}}}")),
            "t.yaml:10:23: error: tunnels item 1 makes port 'vx-hv3' on ovs 'br2' (towards host hv3), which has it "
            "written by hand at line 14");
  // Two items joining the same pair.
  EXPECT_EQ(first_error(with("  nodes:", "    - {type: vxlan, switches: [br2, br3]}\n  nodes:")),
            "t.yaml:11:32: error: tunnels item 2 makes port 'vx-hv3' on ovs 'br2' (towards host hv3), which tunnels "
            "item 1 makes too");
  // One message per mistake: a broken switch definition is not said again by the item.
  EXPECT_EQ(first_error(with("br2: {kind: ovs, host: hv2}", "br2: {kind: ovs, host: hv2, portz: {}}")),
            "t.yaml:14:33: error: unknown key 'portz' in ovs 'br2'");
}

TEST(ParseTunnels, FlowsNameTheGeneratedPortsAndThePlanShowsThem) {
  auto plan = make_plan(parse_topology(kLab, "t.yaml"));
  const auto text = plan_text(plan);
  EXPECT_NE(text.find("-- add-port br1 vx-hv2 -- set interface vx-hv2 type=vxlan options:remote_ip=192.168.100.12 "
                      "options:key=flow"),
            std::string::npos)
      << text;
  // Each host's underlay interface carries them (the underlay step), as for hand-written ports.
  EXPECT_EQ(plan.underlay_bridges.count("hv3:eth0"), 1u);
}

}  // namespace
}  // namespace netrig
