#include "model/endpoints.h"

namespace netrig {
namespace {

std::string label(const Endpoint& e) { return e.iface.empty() ? e.node : e.node + ":" + e.iface; }

// A node's end is named by its endpoint; a bridge's end (no interface) by the bridge and the peer.
std::string end_name(const Endpoint& self, const Endpoint& peer) {
  return self.iface.empty() ? self.node + ":" + label(peer) : label(self);
}

}  // namespace

std::vector<LinkEndName> link_end_names(const Topology& topology) {
  std::vector<LinkEndName> out;
  for (size_t i = 0; i < topology.links.size(); ++i) {
    const auto& l = topology.links[i];
    out.push_back({end_name(l.a, l.b), i, true});
    out.push_back({end_name(l.b, l.a), i, false});
    // An ovs switch's end also goes by its port name (switch:port), e.g. one member of a bond.
    if (!l.a.port.empty()) out.push_back({l.a.node + ":" + l.a.port, i, true});
    if (!l.b.port.empty()) out.push_back({l.b.node + ":" + l.b.port, i, false});
  }
  return out;
}

const LinkEndName* find_link_end(const std::vector<LinkEndName>& ends, const std::string& name) {
  for (const auto& e : ends)
    if (e.name == name) return &e;
  return nullptr;
}

}  // namespace netrig
