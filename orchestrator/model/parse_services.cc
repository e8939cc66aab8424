// `services:` of a netns node: long-running commands netrig starts once the node is configured
// and stops with the lab (an OpenFlow controller, a web server, iperf3 -s).
#include "model/parse_internal.h"

namespace netrig {

constexpr size_t kMaxServiceName = 32;

void parse_services(Reader& r, NodeSpec& node, const Entry& services) {
  if (!in_own_netns(node.kind)) {
    r.error(Entry(services.key), "'services' is not a setting of vm node '" + node.name + "'",
            "services run in netns nodes; start a guest's daemon with its 'exec' (e.g. 'nohup CMD >/dev/null 2>&1 &')");
    return;
  }
  if (!r.is_map(services, "'services'")) return;
  for (const auto& e : r.entries(services, "'services'")) {
    const auto name = e.name();
    if (auto why = name_problem(name, kMaxServiceName); !why.empty()) {
      r.error(Entry(e.key), "service name '" + name + "' of node '" + node.name + "' is not valid: " + why,
              "a service name names its log and PID file: letters, digits, '_', '.', '-', e.g. 'controller'");
      continue;
    }
    auto cmd = r.string(e, "service '" + name + "'");
    if (!cmd) continue;
    if (cmd->find_first_not_of(" \t\n") == std::string::npos) {
      r.error(e, "service '" + name + "' of node '" + node.name + "' has an empty command",
              "write the command that runs in the foreground, e.g. 'controller: ovs-testcontroller ptcp:6653'");
      continue;
    }
    node.services.push_back({name, *cmd, Reader::pos(e)});
  }
}

bool has_local_host(const Topology& topo) {
  for (const auto& n : topo.nodes)
    if (n.kind == NodeKind::Bridge || n.kind == NodeKind::Ovs) return true;
  return false;
}

}  // namespace netrig
