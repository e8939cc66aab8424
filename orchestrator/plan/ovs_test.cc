#include "plan/ovs.h"

#include <gtest/gtest.h>

#include "model/parser.h"

namespace netrig {
namespace {

const char* kLab = R"(name: t
topology:
  nodes:
    br0:
      kind: ovs
      protocols: [OpenFlow10, OpenFlow13]
      fail_mode: secure
      controller: tcp:10.0.0.254:6653
      flood_vlans: [101, 102]
      mac_aging_time: 30
      ports:
        p1: {tag: 101}
        p2: {trunks: [101, 102]}
        p3: {tag: 5, trunks: "101,102", vlan_mode: native-untagged}
        gw: {type: internal, ipv4: 10.0.0.1/24}
        to1: {type: patch, peer: "br1:to0"}
      bonds:
        b0: {members: [m1, m2], bond_mode: balance-tcp, lacp: active, trunks: [101]}
      flows:
        - priority=10,in_port=p1,actions=mod_vlan_vid:7,NORMAL
        - priority=0,actions=NORMAL
    br1:
      kind: ovs
      ports:
        to0: {type: patch, peer: "br0:to1"}
    x:
      kind: ovs
    h1: {interfaces: {eth0: {ipv4: 10.0.0.2/24}}}
    h2: {interfaces: {eth0: {}}}
    h3: {interfaces: {eth0: {}}}
    h4: {interfaces: {eth0: {}}}
  links:
    - endpoints: ["h1:eth0", "br0:p1"]
    - endpoints: ["h2:eth0", "br0:p2"]
    - endpoints: ["h3:eth0", "br0:p3"]
    - endpoints: ["br0:m1", "x:m1x"]
    - endpoints: ["br0:m2", "x:m2x"]
    - endpoints: ["h4:eth0", "x"]
)";

std::string joined(const std::vector<std::string>& v) {
  std::string s;
  for (const auto& a : v) s += (s.empty() ? "" : " ") + a;
  return s;
}

TEST(OvsPlan, OneTransactionPerSwitchWithSettingsBeforeTheBridgeRuns) {
  auto plan = make_plan(parse_topology(kLab, "t.yaml"));
  const auto* br0 = plan.topology.find_node("br0");
  EXPECT_EQ(joined(ovs_switch_transaction(plan, *br0, "netdev")),
            "-- add-br br0 -- set bridge br0 datapath_type=netdev protocols=OpenFlow10,OpenFlow13 fail_mode=secure "
            "flood_vlans=101,102 other_config:mac-aging-time=30 external_ids:netrig-lab=t "
            "-- add-port br0 p1 tag=101 -- add-port br0 p2 trunks=101,102 "
            "-- add-port br0 p3 tag=5 trunks=101,102 vlan_mode=native-untagged "
            "-- add-port br0 gw -- set interface gw type=internal "
            "-- add-port br0 to1 -- set interface to1 type=patch options:peer=to0 "
            "-- add-bond br0 b0 m1 m2 bond_mode=balance-tcp lacp=active trunks=101 "
            "-- set-controller br0 tcp:10.0.0.254:6653");
  EXPECT_EQ(ovs_ofctl_protocols(*br0->ovs), "OpenFlow10,OpenFlow13");
  EXPECT_EQ(ovs_flows_text(*br0->ovs),
            "priority=10,in_port=p1,actions=mod_vlan_vid:7,NORMAL\npriority=0,actions=NORMAL\n");
}

TEST(OvsPlan, SwitchEndsLiveInTheLocalNamespaceNamedAfterTheirPorts) {
  auto plan = make_plan(parse_topology(kLab, "t.yaml"));
  EXPECT_EQ(joined(ovs_link_ports(plan, "br0")), "p1 p2 p3 m1 m2");
  auto x = ovs_link_ports(plan, "x");
  ASSERT_EQ(x.size(), 3u);
  EXPECT_EQ(x[0], "m1x");
  EXPECT_EQ(x[2], "h4-eth0");  // no port named in the endpoint: netrig names it after the peer
  for (const auto& l : plan.links)
    for (const auto* e : {&l.a, &l.b})
      if (!e->ovs.empty()) {
        EXPECT_EQ(e->netns, "t-local");
        EXPECT_TRUE(e->bridge.empty());  // not a Linux bridge port
      }
  // The daemons start once, after the local namespace; each switch is configured after its links.
  int starts = 0;
  for (const auto& s : plan.steps) {
    if (s.kind == StepKind::StartOvs) ++starts;
    if (s.kind == StepKind::ConfigureOvs && s.target == "br0") EXPECT_EQ(s.after.size(), 1u + 5u);
  }
  EXPECT_EQ(starts, 1);
}

}  // namespace
}  // namespace netrig
