#include "reports/lab_status.h"

#include <gtest/gtest.h>

#include "model/parser.h"

namespace netrig {
namespace {

Plan vlan_lab() {
  return make_plan(parse_topology(R"(name: st
topology:
  nodes:
    sw: {kind: ovs, ports: {p1: {tag: 10}, p2: {trunks: [10, 20]}}}
    h1:
      interfaces:
        eth0: {ipv4: 10.0.0.1/24}
    h2:
      interfaces:
        eth0: {ipv4: 10.0.0.2/24}
  links:
    - endpoints: ["h1:eth0", "sw:p1"]
    - endpoints: ["h2:eth0", "sw:p2"]
)",
                                  "st.yaml"));
}

TEST(LabStatus, InspectDetailSaysWhatIsMissingAndNoCounters) {
  auto plan = vlan_lab();
  LabObservation o;
  o.meta = LabMeta{"st", "st.yaml", "deployed", 1, 2};
  o.state_dir = "/run/netrig/st";
  o.present = {"h1", "sw"};
  auto s = lab_status(plan, o);
  EXPECT_EQ(s["status"], "deployed");
  EXPECT_EQ(s["nodes"].size(), 3u);
  EXPECT_FALSE(s.contains("switches"));
  for (const auto& n : s["nodes"]) {
    EXPECT_EQ(n["present"].get<bool>(), n["name"] != "h2") << n.dump();
    if (n.contains("interfaces")) {
      for (const auto& i : n["interfaces"]) EXPECT_FALSE(i.contains("counters"));
    }
  }
  auto text = lab_status_text(plan, s);
  EXPECT_NE(text.find("lab st (deployed, state in /run/netrig/st)"), std::string::npos) << text;
  EXPECT_NE(text.find("(missing)"), std::string::npos) << text;
  EXPECT_NE(text.find("port of ovs sw"), std::string::npos) << text;
}

TEST(LabStatus, FullDetailHasVlanModesAndObservedCounters) {
  auto plan = vlan_lab();
  LabObservation o;
  o.present = {"h1", "h2", "sw"};
  o.with_counters = true;
  o.counters[plan.netns_of("h1")]["eth0"] = InterfaceCounters{100, 2, 0, 0, 300, 4, 1, 0};
  auto s = lab_status(plan, o, StatusDetail::Full);
  EXPECT_EQ(s["status"], "unknown");
  const auto& h1 = s["nodes"][1];
  ASSERT_EQ(h1["name"], "h1");
  EXPECT_EQ(h1["interfaces"][0]["counters"]["rx_bytes"], 100);
  EXPECT_EQ(h1["interfaces"][0]["counters"]["tx_drops"], 1);
  EXPECT_TRUE(s["nodes"][2]["interfaces"][0]["counters"].is_null());  // h2: not observed
  ASSERT_EQ(s["switches"].size(), 1u);
  const auto& ports = s["switches"][0]["ports"];
  ASSERT_EQ(ports.size(), 2u);
  EXPECT_EQ(ports[0]["vlan"]["mode"], "access");
  EXPECT_EQ(ports[0]["vlan"]["tag"], 10);
  EXPECT_EQ(ports[0]["peer"], "h1:eth0");
  EXPECT_EQ(ports[1]["vlan"]["mode"], "trunk");
  EXPECT_EQ(ports[1]["vlan"]["trunks"], nlohmann::json::array({10, 20}));
}

TEST(LabStatus, ListTextAndJson) {
  std::vector<LabListEntry> labs{{"a", LabMeta{"a", "a.yaml", "deployed", 0, 0}}, {"b", std::nullopt}};
  EXPECT_EQ(lab_list(labs)[1]["status"], "unknown");
  EXPECT_NE(lab_list_text(labs).find("a.yaml"), std::string::npos);
  EXPECT_EQ(lab_list_text({}), "no labs deployed\n");
}

TEST(ProcNetDev, ParsesEveryDevice) {
  auto c = parse_proc_net_dev(
      "Inter-|   Receive                                                |  Transmit\n"
      " face |bytes    packets errs drop fifo frame compressed multicast|bytes    packets errs drop fifo colls "
      "carrier compressed\n"
      "    lo:     140       2    0    0    0     0          0         0      140       2    0    0    0     0       "
      "0          0\n"
      "  eth0: 1234567    890    1    7    0     0          0         0   765432     321    2    3    0     0       "
      "0          0\n");
  ASSERT_EQ(c.size(), 2u);
  EXPECT_EQ(c["eth0"].rx_bytes, 1234567u);
  EXPECT_EQ(c["eth0"].rx_packets, 890u);
  EXPECT_EQ(c["eth0"].rx_drops, 7u);
  EXPECT_EQ(c["eth0"].rx_errors, 1u);
  EXPECT_EQ(c["eth0"].tx_bytes, 765432u);
  EXPECT_EQ(c["eth0"].tx_packets, 321u);
  EXPECT_EQ(c["eth0"].tx_drops, 3u);
  EXPECT_EQ(c["lo"].tx_bytes, 140u);
}

}  // namespace
}  // namespace netrig
