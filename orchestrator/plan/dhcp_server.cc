#include "plan/dhcp_server.h"

#include "plan/plan_builder.h"
#include "util/text.h"

namespace netrig {

std::vector<std::string> dnsmasq_argv(const DhcpServerSpec& d, const std::string& iface, const std::string& dir,
                                      const std::string& bridge) {
  std::vector<std::string> argv = {"dnsmasq",
                                   "--keep-in-foreground",
                                   "--conf-file=/dev/null",
                                   "--no-resolv",
                                   "--no-hosts",
                                   "--port=0",
                                   "--user=root",
                                   "--interface=" + iface,
                                   "--bind-interfaces",
                                   "--log-dhcp",
                                   "--log-facility=-",
                                   "--dhcp-authoritative",
                                   "--no-ping",
                                   "--dhcp-range=" + d.first.str() + "," + d.last.str() + "," + d.lease,
                                   "--dhcp-leasefile=" + dir + "/dhcp-" + bridge + ".leases",
                                   "--pid-file=" + dir + "/dhcp-" + bridge + ".pid"};
  if (d.gateway) argv.push_back("--dhcp-option=3," + d.gateway->str());
  return argv;
}

void plan_dhcp_servers(PlanBuilder& b) {
  const auto& topo = b.plan.topology;
  for (const auto& node : topo.nodes) {
    if (!node.dhcp) continue;
    const auto server = dhcp_node_name(node.name);
    const auto ns = b.plan.netns_of(server);
    int netns = b.add(StepKind::CreateNetns, server, {}, "ip netns add " + ns);
    PlannedLink link;
    link.b.netns = ns;
    link.b.device = kDhcpServerIface;
    link.b.node = server;
    link.b.iface = kDhcpServerIface;
    link.b.mac = derived_mac(topo.name, server, kDhcpServerIface);
    link.a.netns = b.plan.switch_netns(node.name);
    link.a.device = b.local_device(server, server + "-" + std::to_string(b.plan.links.size()));
    link.a.bridge = b.plan.bridge_device(node.name);
    link.a.node = node.name;
    b.plan.links.push_back(link);
    int id = b.add(StepKind::CreateLink, node.name + " <-> " + server + ":" + kDhcpServerIface,
                   {b.create.at(node.name), netns}, b.link_detail(link));
    b.plan.steps[id].link = static_cast<int>(b.plan.links.size() - 1);
    const auto& d = *node.dhcp;
    std::string detail = "ip -n " + ns + " addr add " + d.server.str() + "/" + std::to_string(d.subnet.len) + " dev " +
                         kDhcpServerIface + "; ip netns exec " + ns + " " +
                         shell_join(dnsmasq_argv(d, kDhcpServerIface, "<state>", node.name));
    b.dhcp_servers.push_back(b.add(StepKind::StartDhcp, node.name, {id}, detail));
  }
}

}  // namespace netrig
