#include "plan/dhcp_server.h"

#include <gtest/gtest.h>

#include <algorithm>

#include "model/parser.h"
#include "plan/plan.h"
#include "util/text.h"

namespace netrig {
namespace {

DhcpServerSpec spec(bool gateway) {
  DhcpServerSpec d;
  d.first = *IpAddr::parse("10.1.0.100");
  d.last = *IpAddr::parse("10.1.0.150");
  d.subnet = *IpPrefix::parse("10.1.0.0/24");
  d.server = *IpAddr::parse("10.1.0.2");
  if (gateway) d.gateway = IpAddr::parse("10.1.0.1");
  d.lease = "12h";
  return d;
}

TEST(DnsmasqArgv, ServesOnlyDhcpOnItsInterfaceWithStateInDir) {
  const auto argv = dnsmasq_argv(spec(false), "eth0", "/run/netrig/x", "br0");
  ASSERT_FALSE(argv.empty());
  EXPECT_EQ(argv[0], "dnsmasq");
  const auto has = [&](const std::string& a) { return std::find(argv.begin(), argv.end(), a) != argv.end(); };
  EXPECT_TRUE(has("--port=0")) << "no DNS";
  EXPECT_TRUE(has("--interface=eth0"));
  EXPECT_TRUE(has("--bind-interfaces"));
  EXPECT_TRUE(has("--dhcp-range=10.1.0.100,10.1.0.150,12h"));
  EXPECT_TRUE(has("--dhcp-leasefile=/run/netrig/x/dhcp-br0.leases"));
  EXPECT_TRUE(has("--pid-file=/run/netrig/x/dhcp-br0.pid"));
  EXPECT_FALSE(has("--dhcp-option=3,10.1.0.1"));
  EXPECT_EQ(dnsmasq_argv(spec(true), "eth0", "/d", "br0").back(), "--dhcp-option=3,10.1.0.1");
}

// The dry run prints the very command line the driver runs (it had drifted by 8 flags).
TEST(DnsmasqArgv, PlanPrintsTheDriversCommandLine) {
  const auto topo = parse_topology(R"(name: dh
topology:
  nodes:
    lan:
      kind: bridge
      dhcp: {range: 10.1.0.100-10.1.0.150, subnet: 10.1.0.0/24, gateway: 10.1.0.1}
    pc:
      interfaces:
        eth0: {dhcp: true}
  links:
    - endpoints: ["pc:eth0", "lan"]
)",
                                   "dh.yaml");
  const auto plan = make_plan(topo);
  const auto it =
      std::find_if(plan.steps.begin(), plan.steps.end(), [](const Step& s) { return s.kind == StepKind::StartDhcp; });
  ASSERT_NE(it, plan.steps.end());
  EXPECT_NE(it->detail.find(shell_join(dnsmasq_argv(*topo.nodes[0].dhcp, kDhcpServerIface, "<state>", "lan"))),
            std::string::npos)
      << it->detail;
}

}  // namespace
}  // namespace netrig
