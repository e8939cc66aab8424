#include "reports/lab_hosts.h"

namespace netrig {

using nlohmann::json;

namespace {

std::string host_of(const NodeSpec& n) { return n.host.empty() ? "local" : n.host; }

bool is_switch(const NodeSpec& n) { return n.kind == NodeKind::Bridge || n.kind == NodeKind::Ovs; }

}  // namespace

json hosts_json(const Plan& plan) {
  const auto& t = plan.topology;
  auto host = [&](const std::string& name, const std::string& netns, json addresses) {
    json nodes = json::array(), switches = json::array();
    for (const auto& n : t.nodes)
      if (!n.is_host && host_of(n) == name) (is_switch(n) ? switches : nodes).push_back(n.name);
    return json{{"name", name}, {"netns", netns}, {"addresses", addresses}, {"nodes", nodes}, {"switches", switches}};
  };
  json out = json::array({host("local", plan.uses_local_host ? plan.local_netns() : "", json::array())});
  for (const auto& n : t.nodes) {
    if (!n.is_host) continue;
    json addresses = json::array();
    for (const auto& i : n.interfaces)
      for (const auto& a : i.addresses) addresses.push_back({{"interface", i.name}, {"address", a.str()}});
    out.push_back(host(n.name, plan.netns_of(n.name), addresses));
  }
  return out;
}

json tunnels_json(const Plan& plan) {
  const auto& t = plan.topology;
  // Underlay address -> the host that has it.
  std::map<std::string, std::string> owner;
  for (const auto& n : t.nodes)
    if (n.is_host)
      for (const auto& i : n.interfaces)
        for (const auto& a : i.addresses) owner.emplace(a.addr.str(), n.name);
  json out = json::array();
  for (const auto& n : t.nodes) {
    if (n.kind != NodeKind::Ovs || !n.ovs) continue;
    for (const auto& p : n.ovs->ports) {
      if (p.type != "vxlan" && p.type != "gre" && p.type != "geneve") continue;
      auto addr = IpAddr::parse(p.remote_ip);
      auto remote = owner.find(addr ? addr->str() : p.remote_ip);
      out.push_back({{"switch", n.name},
                     {"port", p.name},
                     {"type", p.type},
                     {"local_host", host_of(n)},
                     {"remote", p.remote_ip},
                     {"remote_host", remote != owner.end() ? json(remote->second) : json(nullptr)},
                     {"key", p.tunnel_key.empty() ? json(nullptr) : json(p.tunnel_key)},
                     {"dst_port", p.dst_port ? json(p.dst_port) : json(nullptr)}});
    }
  }
  return out;
}

}  // namespace netrig
