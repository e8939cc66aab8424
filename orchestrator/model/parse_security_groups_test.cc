// Parsing security groups, membership and the reachability matrix (the error cases are files in
// tests/invalid/16x-17x).
#include <gtest/gtest.h>

#include "model/parser.h"

namespace netrig {
namespace {

const char* kLab = R"(name: t
topology:
  security_groups:
    web:
      - {protocol: tcp, port: 8080}
      - {direction: egress, protocol: udp, port: "5000-5100", remote: "fd00::/64"}
    db:
      - {protocol: tcp, port: 3306, remote_group: web}
      - {}
    empty:
  nodes:
    br0: {kind: bridge}
    a:
      security_groups: [db]
      interfaces:
        eth0: {ipv4: 10.0.0.1/24, security_groups: [web, db]}
    b:
      interfaces:
        eth0: {ipv4: 10.0.0.2/24}
  links:
    - endpoints: ["a:eth0", "br0"]
    - endpoints: ["b:eth0", "br0"]
tests:
  - name: matrix
    reachability:
      to:
        - {target: a, port: 8080}
        - {target: "a:eth0", protocol: udp, port: 53}
        - {target: 10.0.0.2, protocol: icmp}
      expect:
        b: [allow, deny, -]
        a: [-, -, allow]
)";

TEST(ParseSecurityGroups, GroupsRulesAndMembership) {
  auto topo = parse_topology(kLab, "t.yaml");
  ASSERT_EQ(topo.security_groups.size(), 3u);
  const auto& web = topo.security_groups[0];
  EXPECT_EQ(web.name, "web");
  ASSERT_EQ(web.rules.size(), 2u);
  EXPECT_EQ(web.rules[0].direction, SgDirection::Ingress);
  EXPECT_EQ(web.rules[0].protocol, "tcp");
  EXPECT_EQ(web.rules[0].port_min, 8080);
  EXPECT_EQ(web.rules[0].port_max, 8080);
  EXPECT_FALSE(web.rules[0].remote);
  EXPECT_EQ(web.rules[1].direction, SgDirection::Egress);
  EXPECT_EQ(web.rules[1].port_min, 5000);
  EXPECT_EQ(web.rules[1].port_max, 5100);
  EXPECT_EQ(web.rules[1].remote->str(), "fd00::/64");
  const auto& db = topo.security_groups[1];
  EXPECT_EQ(db.rules[0].remote_group, "web");
  EXPECT_EQ(db.rules[1].protocol, "any");  // {} allows everything in
  EXPECT_TRUE(topo.security_groups[2].rules.empty());
  // The interface's own groups, then the node's, without repeats.
  EXPECT_EQ(topo.find_node("a")->interfaces[0].security_groups, (std::vector<std::string>{"web", "db"}));
  EXPECT_TRUE(topo.find_node("b")->interfaces[0].security_groups.empty());
}

TEST(ParseSecurityGroups, ReachabilityMatrix) {
  auto topo = parse_topology(kLab, "t.yaml");
  ASSERT_EQ(topo.checks.size(), 1u);
  const auto& c = topo.checks[0];
  EXPECT_EQ(c.type, CheckType::Reachability);
  EXPECT_EQ(c.reach_from, (std::vector<std::string>{"b", "a"}));
  ASSERT_EQ(c.reach_to.size(), 3u);
  EXPECT_EQ(c.reach_to[0].protocol, "tcp");
  EXPECT_EQ(c.reach_to[1].protocol, "udp");
  EXPECT_EQ(c.reach_to[1].port, 53);
  EXPECT_EQ(c.reach_to[2].protocol, "icmp");
  EXPECT_EQ(c.reach_allow[0], (std::vector<bool>{true, false, false}));
  EXPECT_EQ(c.reach_tried[0], (std::vector<bool>{true, true, false}));
  EXPECT_EQ(c.reach_tried[1], (std::vector<bool>{false, false, true}));
}

TEST(ParseSecurityGroups, OneRunReportsEveryMistake) {
  std::string text = kLab;
  text.replace(text.find("port: 8080}"), 11, "port: 0}");
  text.replace(text.find("remote_group: web"), 17, "remote_group: wbe");
  try {
    parse_topology(text, "t.yaml");
    FAIL() << "accepted";
  } catch (const TopologyError& e) {
    ASSERT_EQ(e.diagnostics().size(), 2u) << e.render();
    EXPECT_NE(e.diagnostics()[0].message.find("bad port"), std::string::npos) << e.render();
    EXPECT_NE(e.diagnostics()[1].hint.find("did you mean 'web'"), std::string::npos) << e.render();
  }
}

}  // namespace
}  // namespace netrig
