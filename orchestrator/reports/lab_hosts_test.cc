#include "reports/lab_hosts.h"

#include <gtest/gtest.h>

#include "build_paths.h"
#include "model/parser.h"
#include "reports/lab_status.h"

namespace netrig {
namespace {

using nlohmann::json;

Plan lecture28() {
  return make_plan(load_topology(std::string(NETRIG_SOURCE_DIR) + "/topologies/lecture28-vxlan.yaml"));
}

const json* find(const json& list, const std::string& key, const std::string& value) {
  for (const auto& e : list)
    if (e.value(key, "") == value) return &e;
  return nullptr;
}

TEST(LabHosts, EachHostWithWhatIsPlacedOnIt) {
  auto plan = lecture28();
  LabObservation o;
  o.with_counters = true;
  auto s = lab_status(plan, o, StatusDetail::Full);
  const auto& hosts = s["hosts"];
  ASSERT_EQ(hosts.size(), 4u) << hosts.dump(2);
  EXPECT_EQ(hosts[0]["name"], "local");
  EXPECT_EQ(hosts[0]["switches"], json::array({"underlay"}));
  EXPECT_EQ(hosts[0]["nodes"], json::array());
  EXPECT_EQ(hosts[0]["netns"], plan.local_netns());
  const auto* hv2 = find(hosts, "name", "hv2");
  ASSERT_TRUE(hv2);
  EXPECT_EQ((*hv2)["netns"], plan.netns_of("hv2"));
  EXPECT_EQ((*hv2)["switches"], json::array({"br-int2", "br-tun2"}));
  EXPECT_EQ((*hv2)["nodes"], json::array({"a2", "b2"}));
  EXPECT_EQ((*hv2)["addresses"], json::parse(R"([{"interface": "eth0", "address": "192.168.100.12/24"}])"));
  // Inspect's detail has neither.
  auto inspect = lab_status(plan, o);
  EXPECT_FALSE(inspect.contains("hosts"));
  EXPECT_FALSE(inspect.contains("tunnels"));
}

TEST(LabHosts, TunnelsWithTheHostsAtBothEnds) {
  auto plan = lecture28();
  auto tunnels = tunnels_json(plan);
  ASSERT_EQ(tunnels.size(), 6u) << tunnels.dump(2);
  EXPECT_EQ(tunnels[0], json::parse(R"({"switch": "br-tun1", "port": "vx-hv2", "type": "vxlan", "local_host": "hv1",
      "remote": "192.168.100.12", "remote_host": "hv2", "key": "flow", "dst_port": null})"));
  // Every tunnel has a way back: the remote host's tunnel to this one.
  for (const auto& t : tunnels) {
    bool back = false;
    for (const auto& u : tunnels) back |= u["local_host"] == t["remote_host"] && u["remote_host"] == t["local_host"];
    EXPECT_TRUE(back) << t.dump();
  }
}

TEST(LabHosts, AKeyedGreTunnelAndAUdpPort) {
  auto plan = make_plan(parse_topology(R"(name: gre1
topology:
  hosts:
    hv1: {interfaces: {eth0: {ipv4: 192.168.7.1/24}}}
    hv2: {interfaces: {eth0: {ipv4: 192.168.7.2/24}}}
  nodes:
    under: {kind: bridge}
    sw1: {kind: ovs, host: hv1, ports: {gre0: {type: gre, remote: 192.168.7.2, key: 42}}}
    sw2: {kind: ovs, host: hv2, ports: {gv0: {type: geneve, remote: 192.168.7.1, dst_port: 6082}}}
    h: {host: hv1, interfaces: {eth0: {ipv4: 10.0.0.1/24}}}
  links:
    - endpoints: ["hv1:eth0", under]
    - endpoints: ["hv2:eth0", under]
    - endpoints: ["h:eth0", "sw1:p1"]
)",
                                       "gre1.yaml"));
  auto tunnels = tunnels_json(plan);
  ASSERT_EQ(tunnels.size(), 2u) << tunnels.dump(2);
  EXPECT_EQ(tunnels[0]["type"], "gre");
  EXPECT_EQ(tunnels[0]["key"], "42");
  EXPECT_EQ(tunnels[0]["remote_host"], "hv2");
  EXPECT_TRUE(tunnels[0]["dst_port"].is_null());
  EXPECT_EQ(tunnels[1]["type"], "geneve");
  EXPECT_TRUE(tunnels[1]["key"].is_null());
  EXPECT_EQ(tunnels[1]["dst_port"], 6082);
  EXPECT_EQ(tunnels[1]["local_host"], "hv2");
  auto hosts = hosts_json(plan);
  ASSERT_EQ(hosts.size(), 3u);
  EXPECT_EQ(hosts[1]["nodes"], json::array({"h"}));
  EXPECT_EQ(hosts[1]["switches"], json::array({"sw1"}));
  EXPECT_EQ(hosts[2]["nodes"], json::array());
  // Without ovs ports of the tunnel types: none.
  EXPECT_EQ(tunnels_json(make_plan(parse_topology("name: t\ntopology:\n  nodes:\n    a: {}\n", "t.yaml"))),
            json::array());
}

}  // namespace
}  // namespace netrig
