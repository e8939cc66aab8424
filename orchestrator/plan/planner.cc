// make_plan: the planner's stages, in the order their steps get their ids. Each feature's stage is
// a plan_<feature>(PlanBuilder&) in its own file; this file holds the ones every lab has (namespaces,
// switches, links, node configuration, start-up commands).
#include <algorithm>
#include <stdexcept>

#include "model/names.h"
#include "model/ovs_instance.h"
#include "plan/container.h"
#include "plan/dhcp_server.h"
#include "plan/links.h"
#include "plan/nat.h"
#include "plan/neighbors.h"
#include "plan/ovs.h"
#include "plan/plan.h"
#include "plan/plan_builder.h"
#include "plan/qos.h"
#include "plan/security_groups.h"
#include "plan/services.h"
#include "plan/vm.h"

namespace netrig {

namespace {

// Every node interface gets a MAC: the file's, or a stable derived one (same file, same MACs).
void assign_macs(PlanBuilder& b) {
  std::set<std::string> used;
  for (const auto& node : b.plan.topology.nodes)
    for (const auto& iface : node.interfaces)
      if (iface.mac) used.insert(*iface.mac);
  for (const auto& node : b.plan.topology.nodes) {
    for (const auto& iface : node.interfaces) {
      std::string mac = iface.mac ? *iface.mac : derived_mac(b.plan.topology.name, node.name, iface.name);
      for (int salt = 1; !iface.mac && used.count(mac); ++salt)
        mac = derived_mac(b.plan.topology.name, node.name, iface.name + "#" + std::to_string(salt));
      used.insert(mac);
      b.plan.macs[node.name + ":" + iface.name] = mac;
    }
  }
}

// The lab's own host namespace holds its switches (those not placed on a host) and the switch side
// of their links.
void plan_local_host(PlanBuilder& b) {
  for (const auto& node : b.plan.topology.nodes)
    b.plan.uses_local_host |= (node.kind == NodeKind::Bridge || node.kind == NodeKind::Ovs) && node.host.empty();
  if (b.plan.uses_local_host)
    b.local = b.add(StepKind::CreateNetns, kLocalHost, {},
                    "ip netns add " + b.plan.netns_of(kLocalHost) + "; ip netns exec " + b.plan.netns_of(kLocalHost) +
                        " sysctl net.ipv6.conf.{all,default}.disable_ipv6=1");
}

// Names in the switches' namespaces that link ports cannot take: the ovs switches' own devices and
// the ports the file names; with settings.ovs, the lab-unique names in the system's OVS.
void reserve_switch_names(PlanBuilder& b) {
  const auto& topo = b.plan.topology;
  for (const auto& node : topo.nodes)
    if (node.ovs) {
      b.local_devices.insert(short_kernel_name(node.name));
      for (const auto& p : node.ovs->ports) b.local_devices.insert(p.name);
      if (uses_system_ovs(topo)) {  // lab-unique names in the system's OVS (link ports: ovs_end)
        b.system_name(node.name, "", node.name);
        for (const auto& p : node.ovs->ports) b.system_name(node.name, p.name, p.name);
        for (const auto& bond : node.ovs->bonds) b.system_name(node.name, bond.name, bond.name);
      }
    }
  for (const auto& l : topo.links)
    for (const auto* e : {&l.a, &l.b})
      if (!e->port.empty()) b.local_devices.insert(e->port);
}

// A namespace per node (a VM's QEMU runs in its own), a host's OVS daemons for its ovs switches,
// a Linux bridge in its host's namespace for each bridge.
void plan_namespaces_and_switches(PlanBuilder& b) {
  for (const auto& node : b.plan.topology.nodes) {
    if (in_own_netns(node.kind) || node.kind == NodeKind::Vm) {
      b.create[node.name] = b.add(StepKind::CreateNetns, node.name, {}, "ip netns add " + b.plan.netns_of(node.name));
    } else if (node.kind == NodeKind::Ovs) {
      b.create[node.name] = plan_ovs_daemons(b, node.host.empty() ? std::string(kLocalHost) : node.host);
    } else {
      auto dev = b.local_device(node.name, "br-" + node.name);
      b.plan.bridges[node.name] = dev;
      const int where = node.host.empty() ? b.local : b.create.at(node.host);
      b.create[node.name] = b.add(StepKind::CreateBridge, node.name, {where},
                                  "ip -n " + b.plan.switch_netns(node.name) + " link add " + dev + " type bridge" +
                                      (node.mtu ? " mtu " + std::to_string(*node.mtu) : ""));
    }
  }
}

std::string configure_detail(PlanBuilder& b, const NodeSpec& node) {
  if (node.kind == NodeKind::Vm) return "in guest " + node.name + " (agent): " + vm_configure_script(b.plan, node);
  std::string ns = "ip -n " + b.plan.netns_of(node.name) + " ";
  std::string s = ns + "link set lo up";
  for (const auto& sc : node.sysctls) s += "; sysctl " + sc.key + "=" + sc.value;
  if (node.router) s += "; sysctl net.ipv4.ip_forward=1; sysctl net.ipv6.conf.all.forwarding=1";
  for (const auto& i : node.interfaces)
    for (const auto& a : i.addresses) s += "; " + ns + "addr add " + a.str() + " dev " + i.kernel_name;
  for (const auto& i : node.interfaces)
    if (i.dhcp)
      s += "; ip netns exec " + b.plan.netns_of(node.name) + " busybox udhcpc -i " + i.kernel_name +
           " -f -q -n -s <state>/udhcpc.script";
  for (const auto& f : floating_addresses(node)) s += "; " + ns + "addr add " + f.address.str() + " dev " + f.device;
  if (auto it = b.plan.neighbors.find(node.name); it != b.plan.neighbors.end())
    s += "; " + std::to_string(it->second.size()) + " × " + ns + "neigh add <peer> lladdr <mac> dev <if> nud permanent";
  for (const auto& r : node.routes) {
    s += "; " + ns + "route add " + (r.dst.len ? r.dst.str() : "default");
    if (r.via) s += " via " + r.via->str();
    if (!r.dev.empty()) s += " dev " + node.find_interface(r.dev)->kernel_name;
    if (r.metric) s += " metric " + std::to_string(*r.metric);
  }
  return s;
}

// Each node once its namespace, links, underlay and (for DHCP clients) the DHCP servers are there;
// then what configures on top of it: its QoS, its container, its NAT.
void plan_nodes(PlanBuilder& b) {
  b.configured = b.switches;
  for (const auto& node : b.plan.topology.nodes) {
    if (!in_own_netns(node.kind) && node.kind != NodeKind::Vm) continue;
    std::vector<int> after = {b.create.at(node.name)};
    for (int id : b.links_of[node.name]) after.push_back(id);
    if (auto u = b.underlay.find(node.name); u != b.underlay.end()) after.push_back(u->second);
    bool client = false;
    for (const auto& i : node.interfaces) client |= i.dhcp;
    if (client) after.insert(after.end(), b.dhcp_servers.begin(), b.dhcp_servers.end());
    b.configured.push_back(b.add(StepKind::ConfigureNode, node.name, after, configure_detail(b, node)));
    plan_node_qos(b, node);
    plan_container_start(b, node);
    plan_node_nat(b, node);
  }
}

// Start-up commands run once the whole network is up, as users expect of `exec`.
void plan_exec(PlanBuilder& b) {
  for (const auto& node : b.plan.topology.nodes) {
    if ((!in_own_netns(node.kind) && node.kind != NodeKind::Vm) || node.exec.empty()) continue;
    std::string detail;
    for (const auto& cmd : node.exec) detail += (detail.empty() ? "" : "; ") + cmd;
    b.add(StepKind::RunExec, node.name, b.configured,
          (node.kind == NodeKind::Vm          ? "in guest " + node.name + ": "
           : node.kind == NodeKind::Container ? "in container " + node.name + ": "
                                              : "ip netns exec " + b.plan.netns_of(node.name) + " ") +
              detail);
  }
}

}  // namespace

Plan make_plan(const Topology& topology) {
  PlanBuilder b(topology);
  refuse_undeployable_qos(b.plan.topology);
  assign_macs(b);
  plan_local_host(b);
  reserve_switch_names(b);
  plan_namespaces_and_switches(b);
  plan_links(b);
  if (b.plan.topology.static_neighbors) plan_neighbors(b);
  plan_underlays(b);
  plan_switches(b);
  plan_dhcp_servers(b);
  plan_vms(b);
  plan_nodes(b);
  plan_security_groups(b);
  plan_services(b);
  plan_controlled_switches(b);
  plan_exec(b);
  return std::move(b.plan);
}

}  // namespace netrig
