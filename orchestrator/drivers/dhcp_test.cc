// DHCP without the kernel: the parsed server, the plan's steps for it, dnsmasq's command line and
// the lease-file reader behind `netrig inspect`.
#include "drivers/dhcp.h"

#include <gtest/gtest.h>

#include <algorithm>

#include "model/parser.h"
#include "plan/plan.h"

namespace netrig {
namespace {

const char* kLab = R"(name: t
topology:
  nodes:
    lan:
      kind: bridge
      dhcp: {range: 10.0.0.100-10.0.0.150, gateway: 10.0.0.1, lease: 30m}
    r1: {interfaces: {eth0: 10.0.0.1/24}}
    h1: {interfaces: {eth0: {dhcp: true}}}
  links:
    - endpoints: ["r1:eth0", "lan"]
    - endpoints: ["h1:eth0", "lan"]
)";

TEST(Dhcp, ParsedServerDefaultsAndPlan) {
  auto topo = parse_topology(kLab, "t.yaml");
  const auto& d = *topo.find_node("lan")->dhcp;
  EXPECT_EQ(d.first.str(), "10.0.0.100");
  EXPECT_EQ(d.last.str(), "10.0.0.150");
  EXPECT_EQ(d.subnet.str(), "10.0.0.0/24");
  EXPECT_EQ(d.server.str(), "10.0.0.2") << "the first usable address is the gateway's, so the server takes the next";
  EXPECT_EQ(d.gateway->str(), "10.0.0.1");
  EXPECT_EQ(d.lease, "30m");
  EXPECT_TRUE(topo.find_node("h1")->interfaces[0].dhcp);

  auto plan = make_plan(topo);
  const Step *netns = nullptr, *start = nullptr, *client = nullptr;
  for (const auto& s : plan.steps) {
    if (s.kind == StepKind::CreateNetns && s.target == "dhcp-lan") netns = &s;
    if (s.kind == StepKind::StartDhcp) start = &s;
    if (s.kind == StepKind::ConfigureNode && s.target == "h1") client = &s;
  }
  ASSERT_TRUE(netns && start && client);
  EXPECT_EQ(plan.netns_of("dhcp-lan"), "t-dhcp+lan");
  EXPECT_NE(start->detail.find("--dhcp-range=10.0.0.100,10.0.0.150,30m"), std::string::npos) << start->detail;
  EXPECT_NE(client->detail.find("udhcpc -i eth0"), std::string::npos) << client->detail;
  EXPECT_NE(std::find(client->after.begin(), client->after.end(), start->id), client->after.end())
      << "the client runs once the server is up";
  // The server's veth: the switch side is a port of the bridge in the lab's local namespace.
  const auto& link = plan.links.back();
  EXPECT_EQ(link.a.bridge, plan.bridge_device("lan"));
  EXPECT_EQ(link.a.netns, plan.local_netns());
  EXPECT_EQ(link.b.netns, "t-dhcp+lan");
  EXPECT_EQ(link.b.device, "eth0");
}

TEST(Dhcp, DnsmasqServesDhcpOnlyOnItsInterface) {
  auto topo = parse_topology(kLab, "t.yaml");
  auto argv = dnsmasq_argv(*topo.find_node("lan")->dhcp, "eth0", "/run/netrig/t", "lan");
  auto has = [&](const std::string& a) { return std::find(argv.begin(), argv.end(), a) != argv.end(); };
  EXPECT_EQ(argv[0], "dnsmasq");
  for (const char* a : {"--keep-in-foreground", "--conf-file=/dev/null", "--no-resolv", "--port=0", "--interface=eth0",
                        "--bind-interfaces", "--dhcp-option=3,10.0.0.1",
                        "--dhcp-leasefile=/run/netrig/t/dhcp-lan.leases", "--pid-file=/run/netrig/t/dhcp-lan.pid"})
    EXPECT_TRUE(has(a)) << a;
}

TEST(Dhcp, LeaseFileLines) {
  auto leases = parse_leases("lan",
                             "1795472197 02:00:00:24:00:02 10.24.0.125 h2 01:02:00:00:24:00:02\n"
                             "0 02:39:78:95:2a:98 10.24.0.148 * *\n"
                             "duid 00:01:00:01:2c:aa\n"
                             "\n");
  ASSERT_EQ(leases.size(), 2u);
  EXPECT_EQ(leases[0].expiry, 1795472197);
  EXPECT_EQ(leases[0].mac, "02:00:00:24:00:02");
  EXPECT_EQ(leases[0].ip, "10.24.0.125");
  EXPECT_EQ(leases[0].hostname, "h2");
  EXPECT_EQ(leases[0].bridge, "lan");
  EXPECT_EQ(leases[1].expiry, 0) << "infinite";
  EXPECT_EQ(leases[1].hostname, "*");
}

}  // namespace
}  // namespace netrig
