// Golden tests of the security-group ruleset builder, the update/compare helpers and the pure
// evaluator that names the deciding rule.
#include "plan/security_groups.h"

#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "build_paths.h"
#include "model/parser.h"

namespace netrig {
namespace {

const char* kSmall = R"(name: t
topology:
  security_groups:
    web:
      - {protocol: tcp, port: 8080}
      - {protocol: tcp, port: 22, remote: 203.0.113.0/24}
      - {direction: egress, protocol: udp, port: 53-54, remote_group: db}
    db:
      - {protocol: tcp, port: 3306, remote_group: web}
      - {protocol: icmp}
  nodes:
    br0: {kind: bridge}
    a:
      interfaces:
        eth0: {ipv4: 10.0.0.1/24, ipv6: "fd00::1/64", mac: "02:00:00:00:00:01", security_groups: [web]}
    b:
      security_groups: [db, web]
      interfaces:
        eth0: {ipv4: 10.0.0.2/24, mac: "02:00:00:00:00:02"}
    c:
      interfaces:
        eth0: {ipv4: 10.0.0.3/24}
  links:
    - endpoints: ["a:eth0", "br0"]
    - endpoints: ["b:eth0", "br0"]
    - endpoints: ["c:eth0", "br0"]
)";

// Device names are the plan's; the golden text spells them as PA, PB and BR.
std::string with_names(std::string text, const Plan& plan) {
  const auto ports = security_group_ports(plan);
  auto replace = [&](const std::string& from, const std::string& to) {
    for (size_t at; (at = text.find(from)) != std::string::npos;) text.replace(at, from.size(), to);
  };
  replace("PA", ports.at(0).device);
  replace("PB", ports.at(1).device);
  replace("BR", ports.at(0).bridge);
  return text;
}

TEST(SecurityGroups, RulesetGolden) {
  auto plan = make_plan(parse_topology(kSmall, "t.yaml"));
  const auto ports = security_group_ports(plan);
  ASSERT_EQ(ports.size(), 2u);                                          // c has no group: its port is not filtered
  EXPECT_EQ(ports[1].groups, (std::vector<std::string>{"db", "web"}));  // the node's groups, in file order
  const std::string expected = R"nft(table inet netrig_sg
delete table inet netrig_sg
table bridge netrig_sg
delete table bridge netrig_sg
table inet netrig_sg {
	set lab_bridges {
		type ifname
		elements = { "BR" }
	}
	chain zones {
		type filter hook prerouting priority raw; policy accept;
		iifname "BR" ct zone set 1 comment "conntrack zone of bridge BR"
	}
	chain classify {
		type filter hook forward priority filter; policy accept;
		iifname != @lab_bridges accept
		ct state established,related meta mark set 0x5e1 accept
		ct state invalid meta mark set 0x5e2 accept
	}
}
table bridge netrig_sg {
	set sg_web_v4 {
		type ipv4_addr
		elements = { 10.0.0.1, 10.0.0.2 }
	}
	set sg_web_v6 {
		type ipv6_addr
		elements = { fd00::1 }
	}
	set sg_db_v4 {
		type ipv4_addr
		elements = { 10.0.0.2 }
	}
	set sg_db_v6 {
		type ipv6_addr
	}
	chain port_security {
		type filter hook prerouting priority -200; policy accept;
		iifname "PA" ether saddr != 02:00:00:00:00:01 counter drop comment "port security a:eth0: MAC"
		iifname "PA" ether type ip ip saddr != { 10.0.0.1 } counter drop comment "port security a:eth0: IPv4 source"
		iifname "PA" ether type arp arp saddr ip != { 10.0.0.1 } counter drop comment "port security a:eth0: ARP sender"
		iifname "PA" ether type ip6 ip6 saddr != { ::, fe80::/10, fd00::1 } counter drop comment "port security a:eth0: IPv6 source"
		iifname "PB" ether saddr != 02:00:00:00:00:02 counter drop comment "port security b:eth0: MAC"
		iifname "PB" ether type ip ip saddr != { 10.0.0.2 } counter drop comment "port security b:eth0: IPv4 source"
		iifname "PB" ether type arp arp saddr ip != { 10.0.0.2 } counter drop comment "port security b:eth0: ARP sender"
		iifname "PB" ether type ip6 ip6 saddr != { ::, fe80::/10 } counter drop comment "port security b:eth0: IPv6 source"
	}
	chain ports {
		type filter hook forward priority 100; policy accept;
		ether type arp accept
		icmpv6 type { nd-neighbor-solicit, nd-neighbor-advert, nd-router-solicit, nd-router-advert, mld-listener-report, mld2-listener-report } accept
		meta mark 0x5e1 accept comment "established or related (stateful)"
		meta mark 0x5e2 counter drop comment "conntrack: invalid"
		iifname vmap { "PA" : jump port0_out, "PB" : jump port1_out }
		oifname vmap { "PA" : jump port0_in, "PB" : jump port1_in }
	}
	chain port0_out {
		jump sg_web_out
		meta mark 0x5e3 return
		counter drop comment "default deny egress a:eth0"
	}
	chain port0_in {
		jump sg_web_in
		counter drop comment "default deny ingress a:eth0"
	}
	chain port1_out {
		jump sg_web_out
		meta mark 0x5e3 return
		counter drop comment "default deny egress b:eth0"
	}
	chain port1_in {
		jump sg_db_in
		jump sg_web_in
		counter drop comment "default deny ingress b:eth0"
	}
	chain sg_web_in {
		tcp dport 8080 counter accept comment "web#1 ingress tcp/8080 from anywhere"
		ip saddr 203.0.113.0/24 tcp dport 22 counter accept comment "web#2 ingress tcp/22 from 203.0.113.0/24"
	}
	chain sg_web_out {
		ip daddr @sg_db_v4 udp dport 53-54 counter meta mark set 0x5e3 return comment "web#3 egress udp/53-54 to group db"
		ip6 daddr @sg_db_v6 udp dport 53-54 counter meta mark set 0x5e3 return comment "web#3 egress udp/53-54 to group db"
	}
	chain sg_db_in {
		ip saddr @sg_web_v4 tcp dport 3306 counter accept comment "db#1 ingress tcp/3306 from group web"
		ip6 saddr @sg_web_v6 tcp dport 3306 counter accept comment "db#1 ingress tcp/3306 from group web"
		meta l4proto { icmp, ipv6-icmp } counter accept comment "db#2 ingress icmp from anywhere"
	}
}
)nft";
  EXPECT_EQ(plan.security_groups, with_names(expected, plan));
  // The plan applies it in one step after every bridge and link, before exec.
  const Step* step = nullptr;
  for (const auto& s : plan.steps)
    if (s.kind == StepKind::ConfigureSecurityGroups) step = &s;
  ASSERT_NE(step, nullptr);
  size_t links = 0;
  for (int id : step->after) links += plan.steps[id].kind == StepKind::CreateLink;
  EXPECT_EQ(links, 3u);
}

TEST(SecurityGroups, UpdateReplacesOnlyTheBridgeTable) {
  auto plan = make_plan(parse_topology(kSmall, "t.yaml"));
  auto update = security_group_update(plan);
  EXPECT_EQ(update.find("table inet"), std::string::npos) << update;  // the classifier stays
  EXPECT_EQ(update.rfind("table bridge netrig_sg\ndelete table bridge netrig_sg\ntable bridge netrig_sg {", 0), 0u);
  EXPECT_NE(update.find("chain sg_db_in"), std::string::npos);
}

TEST(SecurityGroups, NoGroupsNoRulesetNoStep) {
  auto topo = parse_topology(R"(name: t
topology:
  nodes:
    br0: {kind: bridge}
    a: {interfaces: {eth0: 10.0.0.1/24}}
  links:
    - endpoints: ["a:eth0", "br0"]
)",
                             "t.yaml");
  auto plan = make_plan(topo);
  EXPECT_EQ(plan.security_groups, "");
  for (const auto& s : plan.steps) EXPECT_NE(s.kind, StepKind::ConfigureSecurityGroups);
}

TEST(SecurityGroups, OnlyGroupChangesAreNotADifference) {
  auto running = make_plan(parse_topology(kSmall, "t.yaml"));
  std::string changed = kSmall;
  changed.replace(changed.find("port: 3306"), 10, "port: 5432");
  EXPECT_EQ(non_security_group_difference(running, make_plan(parse_topology(changed, "t.yaml"))), "");
  std::string moved = kSmall;
  moved.replace(moved.find("10.0.0.3/24"), 11, "10.0.0.4/24");
  auto diff = non_security_group_difference(running, make_plan(parse_topology(moved, "t.yaml")));
  EXPECT_NE(diff.find("configure c"), std::string::npos) << diff;
}

TEST(SecurityGroups, EvaluatorNamesTheDecidingRule) {
  auto topo = parse_topology(kSmall, "t.yaml");
  auto ip = [](const char* s) { return *IpAddr::parse(s); };
  // c (no group) -> a:8080: web#1.
  auto d = evaluate_security_groups(topo, "c", "eth0", ip("10.0.0.3"), "a", "eth0", ip("10.0.0.1"), "tcp", 8080);
  EXPECT_TRUE(d.allow);
  EXPECT_EQ(d.rule, "web#1 ingress tcp/8080 from anywhere");
  // c -> a:22: not from the admin network.
  d = evaluate_security_groups(topo, "c", "eth0", ip("10.0.0.3"), "a", "eth0", ip("10.0.0.1"), "tcp", 22);
  EXPECT_FALSE(d.allow);
  EXPECT_EQ(d.rule, "default deny ingress a:eth0");
  // An admin address outside the lab -> a:22: web#2.
  d = evaluate_security_groups(topo, "", "", ip("203.0.113.9"), "a", "eth0", ip("10.0.0.1"), "tcp", 22);
  EXPECT_TRUE(d.allow);
  EXPECT_EQ(d.rule, "web#2 ingress tcp/22 from 203.0.113.0/24");
  // a has egress rules (web#3): a -> c:80 leaves nothing.
  d = evaluate_security_groups(topo, "a", "eth0", ip("10.0.0.1"), "c", "eth0", ip("10.0.0.3"), "tcp", 80);
  EXPECT_FALSE(d.allow);
  EXPECT_EQ(d.rule, "default deny egress a:eth0");
  // b is in db and web; a (web) -> b:3306 via db#1 (a's egress to b is allowed? no: web#3 is udp) -> denied.
  d = evaluate_security_groups(topo, "a", "eth0", ip("10.0.0.1"), "b", "eth0", ip("10.0.0.2"), "tcp", 3306);
  EXPECT_FALSE(d.allow);
  EXPECT_EQ(d.rule, "default deny egress a:eth0");
  // c -> b:3306: c is not in web.
  d = evaluate_security_groups(topo, "c", "eth0", ip("10.0.0.3"), "b", "eth0", ip("10.0.0.2"), "tcp", 3306);
  EXPECT_FALSE(d.allow);
  EXPECT_EQ(d.rule, "default deny ingress b:eth0");
  // c -> b icmp: db#2.
  d = evaluate_security_groups(topo, "c", "eth0", ip("10.0.0.3"), "b", "eth0", ip("10.0.0.2"), "icmp", 0);
  EXPECT_TRUE(d.allow);
  EXPECT_EQ(d.rule, "db#2 ingress icmp from anywhere");
  // From outside the lab to c: no group anywhere on the way, not filtered.
  d = evaluate_security_groups(topo, "", "", ip("192.0.2.1"), "c", "eth0", ip("10.0.0.3"), "tcp", 1);
  EXPECT_TRUE(d.allow);
  EXPECT_FALSE(d.filtered);
}

TEST(SecurityGroups, LectureLabRules) {
  auto plan = make_plan(parse_topology(
      [] {
        std::ifstream in(std::string(NETRIG_SOURCE_DIR) + "/topologies/lecture26-security-groups.yaml");
        std::stringstream s;
        s << in.rdbuf();
        return s.str();
      }(),
      "lecture26-security-groups.yaml"));
  const auto& r = plan.security_groups;
  EXPECT_NE(
      r.find("ip saddr @sg_web_v4 tcp dport 3306 counter accept comment \"db#1 ingress tcp/3306 from group web\""),
      std::string::npos)
      << r;
  EXPECT_NE(r.find("elements = { 10.26.1.11, 10.26.1.12 }"), std::string::npos) << r;
  EXPECT_EQ(security_group_ports(plan).size(), 3u);  // web1, web2, db1; vm and gw unfiltered
}

}  // namespace
}  // namespace netrig
