#include "plan/neighbors.h"

#include <functional>
#include <map>

#include "plan/plan_builder.h"

namespace netrig {

// L2 segments: bridges joined by bridge-to-bridge links form one; a node-to-node link is its own.
// Within a segment, each interface gets a permanent entry for every peer address in its subnets.
void plan_neighbors(PlanBuilder& b) {
  const auto& topo = b.plan.topology;
  std::map<std::string, std::string> parent;  // union-find over bridge names and "link#i"
  std::function<std::string(const std::string&)> find = [&](const std::string& x) {
    auto it = parent.find(x);
    if (it == parent.end() || it->second == x) return parent[x] = x;
    return it->second = find(it->second);
  };
  struct Member {
    std::string node, iface;
  };
  std::map<std::string, std::vector<Member>> members;  // segment key -> interfaces
  std::vector<std::pair<std::string, Member>> pending;
  for (size_t i = 0; i < topo.links.size(); ++i) {
    const auto& l = topo.links[i];
    bool a_br = l.a.iface.empty(), b_br = l.b.iface.empty();
    if (a_br && b_br) {
      parent[find(l.a.node)] = find(l.b.node);
    } else if (a_br || b_br) {
      const auto& n = a_br ? l.b : l.a;
      pending.push_back({a_br ? l.a.node : l.b.node, {n.node, n.iface}});
    } else {
      auto key = "link#" + std::to_string(i);
      pending.push_back({key, {l.a.node, l.a.iface}});
      pending.push_back({key, {l.b.node, l.b.iface}});
    }
  }
  for (auto& [key, m] : pending) members[find(key)].push_back(m);
  for (const auto& [segment, list] : members) {
    for (const auto& a : list) {
      const auto* ai = topo.find_node(a.node)->find_interface(a.iface);
      for (const auto& other : list) {
        if (a.node == other.node) continue;
        const auto* bi = topo.find_node(other.node)->find_interface(other.iface);
        for (const auto& peer : bi->addresses) {
          bool same_subnet = false;
          for (const auto& own : ai->addresses) same_subnet |= own.contains(peer.addr);
          if (same_subnet)
            b.plan.neighbors[a.node].push_back(
                {ai->kernel_name, peer.addr, b.plan.macs.at(other.node + ":" + other.iface)});
        }
      }
    }
  }
}

}  // namespace netrig
