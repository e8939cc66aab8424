#include "plan/plan.h"

#include <cstdio>

#include "model/names.h"
#include "model/ovs_instance.h"

namespace netrig {

const char* to_string(StepKind kind) {
  switch (kind) {
    case StepKind::CreateNetns:
      return "netns";
    case StepKind::CreateBridge:
      return "bridge";
    case StepKind::CreateLink:
      return "link";
    case StepKind::ConfigureNode:
      return "configure";
    case StepKind::ConfigureNat:
      return "nat";
    case StepKind::StartDhcp:
      return "dhcp";
    case StepKind::RunExec:
      return "exec";
    case StepKind::StartOvs:
      return "ovs-daemons";
    case StepKind::ConnectOvs:
      return "ovs-connect";
    case StepKind::ConfigureOvs:
      return "ovs";
    case StepKind::ConfigureSecurityGroups:
      return "security-groups";
    case StepKind::StartVm:
      return "vm";
    case StepKind::StartService:
      return "service";
    case StepKind::ConfigureQos:
      return "qos";
    case StepKind::StartContainer:
      return "container";
    case StepKind::ConfigureUnderlay:
      return "underlay";
  }
  return "?";
}

std::string dhcp_node_name(const std::string& bridge) { return "dhcp-" + bridge; }

std::string Step::describe() const { return std::string(to_string(kind)) + " " + target; }

std::string Plan::netns_of(const std::string& node) const { return netns_name(topology.name, node); }

std::string Plan::local_netns() const { return host_netns_name(topology.name, kLocalHost); }

std::string Plan::bridge_device(const std::string& bridge) const {
  auto it = bridges.find(bridge);
  return it != bridges.end() ? it->second : short_kernel_name(bridge);
}

std::string Plan::ovs_name(const std::string& sw, const std::string& name) const {
  auto it = ovs_names.find(name.empty() ? sw : sw + ":" + name);
  if (it != ovs_names.end()) return it->second;
  return name.empty() ? short_kernel_name(sw) : name;
}

std::string Plan::ovs_netns() const { return uses_system_ovs(topology) ? "" : local_netns(); }

std::string Plan::host_of(const std::string& node) const {
  const auto* n = topology.find_node(node);
  return n && !n->host.empty() ? n->host : kLocalHost;
}

std::string Plan::host_netns(const std::string& host) const {
  return host == kLocalHost ? local_netns() : netns_of(host);
}

std::string Plan::switch_netns(const std::string& sw) const {
  const auto host = host_of(sw);
  if (host != kLocalHost) return netns_of(host);
  const auto* n = topology.find_node(sw);
  return n && n->kind == NodeKind::Ovs ? ovs_netns() : local_netns();
}

std::string derived_mac(const std::string& lab, const std::string& node, const std::string& iface) {
  const std::string key = lab + "\n" + node + "\n" + iface;
  uint32_t h1 = fnv1a32(key), h2 = fnv1a32(key + "\n");
  char mac[18];
  std::snprintf(mac, sizeof mac, "02:%02x:%02x:%02x:%02x:%02x", h1 >> 24, (h1 >> 16) & 0xff, (h1 >> 8) & 0xff,
                h1 & 0xff, h2 >> 24);
  return mac;
}

std::vector<FloatingAddress> floating_addresses(const NodeSpec& node) {
  std::vector<FloatingAddress> out;
  for (const auto& r : node.nat)
    if (r.type == NatType::Floating)
      out.push_back({node.find_interface(r.iface)->kernel_name, IpPrefix{*r.outside, 32}});
  return out;
}

}  // namespace netrig
