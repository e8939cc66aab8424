#include "plan/endpoints.h"

#include <cstdio>

#include "model/endpoints.h"

namespace netrig {

std::optional<EndpointDevice> resolve_endpoint(const Plan& plan, const std::string& endpoint) {
  const auto ends = link_end_names(plan.topology);
  const auto* end = find_link_end(ends, endpoint);
  if (!end || end->link >= plan.links.size()) return std::nullopt;
  const auto& spec = plan.topology.links[end->link];
  const auto& want = end->a ? spec.a : spec.b;
  // The planner may put the ends in the other order (the bridge side first): match by node and
  // interface, which are unique within one link.
  const auto& planned = plan.links[end->link];
  for (const auto* e : {&planned.a, &planned.b})
    if (e->node == want.node && e->iface == want.iface) return EndpointDevice{e->netns, e->device};
  return std::nullopt;
}

std::string describe_action(const Plan& plan, const ActionSpec& a) {
  if (a.kind == "link") {
    auto dev = resolve_endpoint(plan, a.target);
    if (!dev) return "no link end " + a.target;
    return "ip " + (dev->netns.empty() ? "" : "-n " + dev->netns + " ") + "link set " + dev->device +
           (a.up ? " up" : " down");
  }
  if (a.kind == "sleep") {
    char text[48];
    std::snprintf(text, sizeof text, "sleep %g", a.seconds);
    return text;
  }
  if (a.kind == "exec") return "ip netns exec " + plan.netns_of(a.target) + " sh -c '" + a.command + "'";
  if (a.kind == "wait") return "wait for background check '" + a.target + "'";
  if (a.kind == "service") {
    const auto colon = a.target.find(':');
    const auto node = a.target.substr(0, colon), name = a.target.substr(colon + 1);
    if (!a.up) return "kill -TERM -<process group of PID in <state>/services/" + node + "-" + name + ".pid>";
    const auto* n = plan.topology.find_node(node);
    if (n)
      for (const auto& sv : n->services)
        if (sv.name == name) return "ip netns exec " + plan.netns_of(node) + " sh -c '" + sv.command + "' &";
  }
  return a.kind + " " + a.target;
}

}  // namespace netrig
