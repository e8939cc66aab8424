// Golden tests of the NAT ruleset builder and of the plan's NAT step.
#include "plan/nat.h"

#include <gtest/gtest.h>

#include "model/parser.h"
#include "plan/plan.h"

namespace netrig {
namespace {

const char* kRouter = R"(name: t
topology:
  nodes:
    lan: {kind: bridge}
    wan: {kind: bridge}
    r1:
      router: true
      interfaces:
        eth0: {ipv4: 10.0.0.1/24}
        uplink-to-the-internet: {ipv4: 198.51.100.1/24}
      nat:
        - masquerade: {out: uplink-to-the-internet, from: 10.0.0.0/24}
        - snat: {out: uplink-to-the-internet, from: 10.0.0.5, to: 198.51.100.5}
        - dnat: {in: uplink-to-the-internet, to: 198.51.100.1, port: 8080, forward_to: "10.0.0.2:80"}
        - dnat: {in: uplink-to-the-internet, protocol: udp, port: 53, forward_to: 10.0.0.3}
        - floating: {out: uplink-to-the-internet, inside: 10.0.0.10, outside: 198.51.100.10}
    h1:
      interfaces: {eth0: {ipv4: 10.0.0.2/24}}
  links:
    - endpoints: ["r1:eth0", "lan"]
    - endpoints: ["h1:eth0", "lan"]
    - endpoints: ["r1:uplink-to-the-internet", "wan"]
)";

TEST(Nat, RulesetIsOneTableInTheNodeWithDnatBeforeRoutingAndSpecificSnatBeforeMasquerade) {
  auto topo = parse_topology(kRouter, "t.yaml");
  const auto* r1 = topo.find_node("r1");
  ASSERT_NE(r1, nullptr);
  const std::string dev = r1->find_interface("uplink-to-the-internet")->kernel_name;
  EXPECT_NE(dev, "uplink-to-the-internet");  // long names are rendered as the kernel's name
  std::string expected = R"(table ip netrig {
	chain prerouting {
		type nat hook prerouting priority dstnat; policy accept;
		iifname "DEV" ip daddr 198.51.100.1 tcp dport 8080 dnat to 10.0.0.2:80
		iifname "DEV" udp dport 53 dnat to 10.0.0.3
		iifname "DEV" ip daddr 198.51.100.10 dnat to 10.0.0.10
	}
	chain postrouting {
		type nat hook postrouting priority srcnat; policy accept;
		oifname "DEV" ip saddr 10.0.0.5 snat to 198.51.100.5
		oifname "DEV" ip saddr 10.0.0.10 snat to 198.51.100.10
		oifname "DEV" ip saddr 10.0.0.0/24 masquerade
	}
}
)";
  for (size_t at; (at = expected.find("DEV")) != std::string::npos;) expected.replace(at, 3, dev);
  EXPECT_EQ(nat_ruleset(*r1), expected);
  EXPECT_EQ(nat_ruleset(*topo.find_node("h1")), "");
}

TEST(Nat, PlanAddsANatStepAfterTheRoutersConfigurationAndTheFloatingAddress) {
  auto plan = make_plan(parse_topology(kRouter, "t.yaml"));
  const Step* configure = nullptr;
  const Step* nat = nullptr;
  int nat_steps = 0;
  for (const auto& s : plan.steps) {
    if (s.kind == StepKind::ConfigureNode && s.target == "r1") configure = &s;
    if (s.kind == StepKind::ConfigureNat) {
      nat = &s;
      ++nat_steps;
    }
  }
  ASSERT_NE(configure, nullptr);
  ASSERT_NE(nat, nullptr);
  EXPECT_EQ(nat_steps, 1);  // h1 has no NAT
  EXPECT_EQ(nat->target, "r1");
  EXPECT_EQ(nat->describe(), "nat r1");
  EXPECT_EQ(nat->after, std::vector<int>{configure->id});
  EXPECT_NE(nat->detail.find("ip netns exec t-r1 nft -f - <<EOF\ntable ip netrig {"), std::string::npos) << nat->detail;
  EXPECT_NE(configure->detail.find("sysctl net.ipv4.ip_forward=1; sysctl net.ipv6.conf.all.forwarding=1"),
            std::string::npos);
  EXPECT_NE(configure->detail.find("addr add 198.51.100.10/32 dev uplink-"), std::string::npos) << configure->detail;
  EXPECT_EQ(plan.nat.at("r1"), nat_ruleset(*plan.topology.find_node("r1")));
}

TEST(Nat, RouterWithoutNatGetsForwardingButNoNatStep) {
  auto plan = make_plan(parse_topology(R"(name: t
topology:
  nodes:
    r: {router: true}
)",
                                       "t.yaml"));
  EXPECT_TRUE(plan.topology.find_node("r")->router);
  for (const auto& s : plan.steps) EXPECT_NE(s.kind, StepKind::ConfigureNat);
  EXPECT_TRUE(plan.nat.empty());
}

}  // namespace
}  // namespace netrig
