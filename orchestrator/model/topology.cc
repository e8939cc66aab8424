#include "model/topology.h"

namespace netrig {

const char* to_string(NodeKind kind) {
  return kind == NodeKind::Bridge      ? "bridge"
         : kind == NodeKind::Ovs       ? "ovs"
         : kind == NodeKind::Vm        ? "vm"
         : kind == NodeKind::Container ? "container"
                                       : "netns";
}

const OvsPortSpec* OvsSwitchSpec::find_port(const std::string& port) const {
  for (const auto& p : ports)
    if (p.name == port) return &p;
  return nullptr;
}

const OvsQueueSpec* OvsQosSpec::find_queue(uint32_t id) const {
  for (const auto& q : queues)
    if (q.id == id) return &q;
  return nullptr;
}

const char* to_string(CheckType type) {
  switch (type) {
    case CheckType::Ping:
      return "ping";
    case CheckType::Connect:
      return "connect";
    case CheckType::Exec:
      return "exec";
    case CheckType::PingAll:
      return "pingall";
    case CheckType::Capture:
      return "capture";
    case CheckType::Iperf3:
      return "iperf3";
    case CheckType::Reachability:
      return "reachability";
    case CheckType::Mtu:
      return "mtu";
  }
  return "?";
}

const InterfaceSpec* NodeSpec::find_interface(const std::string& iface) const {
  for (const auto& i : interfaces)
    if (i.name == iface) return &i;
  return nullptr;
}

const NodeSpec* Topology::find_node(const std::string& node) const {
  for (const auto& n : nodes)
    if (n.name == node) return &n;
  return nullptr;
}

const SecurityGroup* Topology::find_security_group(const std::string& group) const {
  for (const auto& g : security_groups)
    if (g.name == group) return &g;
  return nullptr;
}

}  // namespace netrig
