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
  EXPECT_EQ(ovs_flows_text(plan, *br0),
            "priority=10,in_port=p1,actions=mod_vlan_vid:7,NORMAL\npriority=0,actions=NORMAL\n");
}

TEST(OvsPlan, SwitchEndsLiveInTheLocalNamespaceNamedAfterTheirPorts) {
  auto plan = make_plan(parse_topology(kLab, "t.yaml"));
  const auto devices = [&](const std::string& sw) {
    std::vector<std::string> out;
    for (const auto* e : ovs_link_ends(plan, sw)) out.push_back(e->device);
    return out;
  };
  EXPECT_EQ(joined(devices("br0")), "p1 p2 p3 m1 m2");
  auto x = devices("x");
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
    if (s.kind == StepKind::ConfigureOvs && s.target == "br0") {
      EXPECT_EQ(s.after.size(), 1u + 5u);
    }
  }
  EXPECT_EQ(starts, 1);
}

// settings.ovs: the same switches in the system's Open vSwitch, every name under the lab's prefix
// and every row marked as the lab's; the flows follow the ports' new names.
TEST(OvsPlan, SystemOvsGivesEveryNameThePrefixAndMarksEveryRow) {
  std::string text = kLab;
  text.replace(text.find("        gw: {type: internal, ipv4: 10.0.0.1/24}\n"),
               std::string("        gw: {type: internal, ipv4: 10.0.0.1/24}\n").size(),
               "        gw: {type: internal}\n");
  text.replace(text.find("      controller: tcp:10.0.0.254:6653\n"),
               std::string("      controller: tcp:10.0.0.254:6653\n").size(), "");
  text += "settings: {ovs: system, ovs_prefix: a-}\n";
  auto plan = make_plan(parse_topology(text, "t.yaml"));
  EXPECT_EQ(plan.ovs_netns(), "");
  EXPECT_EQ(plan.ovs_name("br0"), "a-br0");
  EXPECT_EQ(plan.ovs_name("br0", "b0"), "a-b0");
  const auto* br0 = plan.topology.find_node("br0");
  EXPECT_EQ(joined(ovs_switch_transaction(plan, *br0, "netdev")),
            "-- add-br a-br0 -- set bridge a-br0 datapath_type=netdev protocols=OpenFlow10,OpenFlow13 "
            "fail_mode=secure flood_vlans=101,102 other_config:mac-aging-time=30 external_ids:netrig-lab=t "
            "-- add-port a-br0 a-p1 tag=101 external_ids:netrig-lab=t "
            "-- add-port a-br0 a-p2 trunks=101,102 external_ids:netrig-lab=t "
            "-- add-port a-br0 a-p3 tag=5 trunks=101,102 vlan_mode=native-untagged external_ids:netrig-lab=t "
            "-- add-port a-br0 a-gw external_ids:netrig-lab=t -- set interface a-gw type=internal "
            "-- add-port a-br0 a-to1 external_ids:netrig-lab=t -- set interface a-to1 type=patch options:peer=a-to0 "
            "-- add-bond a-br0 a-b0 a-m1 a-m2 bond_mode=balance-tcp lacp=active trunks=101 external_ids:netrig-lab=t");
  EXPECT_EQ(ovs_flows_text(plan, *br0),
            "priority=10,in_port=a-p1,actions=mod_vlan_vid:7,NORMAL\npriority=0,actions=NORMAL\n");
  // The link ends: devices in the host's namespace under their new names, the file's port kept.
  for (const auto& l : plan.links)
    if (l.a.node == "h1") {
      EXPECT_EQ(l.b.netns, "");
      EXPECT_EQ(l.b.device, "a-p1");
      EXPECT_EQ(l.b.port, "p1");
    }
}

TEST(OvsPlan, SystemOvsRefusesTwoNamesThatWouldMeet) {
  std::string text = R"(name: t
settings: {ovs: system, ovs_prefix: abcdefg-}
topology:
  nodes:
    sw:
      kind: ovs
      ports:
        longportname001: {}
        longportname002: {}
    h1: {interfaces: {eth0: {}}}
    h2: {interfaces: {eth0: {}}}
  links:
    - endpoints: ["h1:eth0", "sw:longportname001"]
    - endpoints: ["h2:eth0", "sw:longportname002"]
)";
  // Shortened with a hash of the whole name, so they do not meet here.
  auto plan = make_plan(parse_topology(text, "t.yaml"));
  const auto a = plan.ovs_name("sw", "longportname001");
  const auto b = plan.ovs_name("sw", "longportname002");
  EXPECT_LE(a.size(), 15u);
  EXPECT_EQ(a.rfind("abcdefg-", 0), 0u);
  EXPECT_NE(a, b);
}

TEST(OvsPlan, RenameFlowPortsTouchesOnlyPortPositions) {
  const std::map<std::string, std::string> n = {{"p1", "x-p1"}, {"p2", "x-p2"}, {"normal", "x-normal"}};
  EXPECT_EQ(rename_flow_ports("in_port=p1,actions=output:p2", n), "in_port=x-p1,actions=output:x-p2");
  EXPECT_EQ(rename_flow_ports("in_port=\"p1\",actions=p2,p1", n), "in_port=\"x-p1\",actions=x-p2,x-p1");
  EXPECT_EQ(rename_flow_ports("actions=enqueue:p1:3,resubmit(p2,1)", n), "actions=enqueue:x-p1:3,resubmit(x-p2,1)");
  EXPECT_EQ(rename_flow_ports("actions=output(port=p1,max_len=100)", n), "actions=output(port=x-p1,max_len=100)");
  EXPECT_EQ(rename_flow_ports("actions=bundle(eth_src,0,hrw,ofport,members:p1,p2)", n),
            "actions=bundle(eth_src,0,hrw,ofport,members:x-p1,x-p2)");
  EXPECT_EQ(rename_flow_ports("in_port=\"p1\",actions=\"p2\",output:p1", {{"p1", "1"}, {"p2", "2"}}, true),
            "in_port=1,actions=2,output:1");
  // A reserved word stays what OVS means by it; a field value that equals a port name stays.
  EXPECT_EQ(rename_flow_ports("actions=normal", n), "actions=normal");
  EXPECT_EQ(rename_flow_ports("priority=1,cookie=0x1,tun_id=5,actions=set_field:p1->reg0,p2", n),
            "priority=1,cookie=0x1,tun_id=5,actions=set_field:p1->reg0,x-p2");
}

}  // namespace
}  // namespace netrig

namespace netrig {
namespace {

// Lecture 27's OVS QoS: the port's QoS and queues and a port's ingress policing go into the
// switch's one transaction, each QoS/Queue row marked with the lab.
const char* kQosLab = R"(name: q
topology:
  nodes:
    br0:
      kind: ovs
      ports:
        vnet0: {}
        vnet3: {ingress_policing_rate: 5mbit, ingress_policing_burst: 500}
        first_br:
          qos:
            max_rate: 10mbit
            queues:
              0: {min_rate: 3mbit, max_rate: 10mbit, priority: 1}
              2: {min_rate: 6mbit}
      flows:
        - in_port=vnet0,actions=enqueue:first_br:2
    r: {router: true, interfaces: {eth0: 10.1.0.1/24, eth1: 10.2.0.1/24}}
    vm0: {interfaces: {eth0: 10.1.0.10/24}}
    vm3: {interfaces: {eth0: 10.1.0.13/24}}
    first: {interfaces: {eth0: 10.1.0.20/24}}
    far: {interfaces: {eth0: 10.2.0.2/24}}
  links:
    - endpoints: ["vm0:eth0", "br0:vnet0"]
    - endpoints: ["vm3:eth0", "br0:vnet3"]
    - endpoints: ["first:eth0", "br0:first_br"]
    - endpoints: ["r:eth0", "br0:up"]
    - endpoints: ["r:eth1", "far:eth0"]
)";

TEST(OvsQosPlan, QosQueuesAndPolicingInTheSwitchsTransaction) {
  auto plan = make_plan(parse_topology(kQosLab, "t.yaml"));
  const auto* br0 = plan.topology.find_node("br0");
  const auto t = joined(ovs_switch_transaction(plan, *br0, "system"));
  EXPECT_NE(t.find("-- add-port br0 up -- set interface vnet3 ingress_policing_rate=5000 ingress_policing_burst=500 "
                   "-- set port first_br qos=@qos0 -- --id=@qos0 create qos type=linux-htb "
                   "other-config:max-rate=10000000 queues=0=@qos0_0,2=@qos0_2 external_ids:netrig-lab=q "
                   "-- --id=@qos0_0 create queue other-config:min-rate=3000000 other-config:max-rate=10000000 "
                   "other-config:priority=1 external_ids:netrig-lab=q "
                   "-- --id=@qos0_2 create queue other-config:min-rate=6000000 external_ids:netrig-lab=q"),
            std::string::npos)
      << t;
  // After every add-port: the rows name ports that exist by then.
  EXPECT_LT(t.rfind("add-port"), t.find("set port first_br qos"));
}

TEST(OvsQosPlan, TheQosPortsAPathCrosses) {
  const auto topo = parse_topology(kQosLab, "t.yaml");
  EXPECT_EQ(joined(ovs_qos_ports_between(topo, "vm0", "first")), "br0:first_br");
  EXPECT_EQ(joined(ovs_qos_ports_between(topo, "vm3", "first")), "br0:vnet3 br0:first_br");
  EXPECT_EQ(joined(ovs_qos_ports_between(topo, "vm0", "far")), "");  // up has none
  EXPECT_EQ(joined(ovs_qos_ports_between(topo, "vm3", "far")), "br0:vnet3");
  EXPECT_EQ(joined(ovs_qos_ports_between(topo, "vm0", "nowhere")), "");
}

}  // namespace
}  // namespace netrig
