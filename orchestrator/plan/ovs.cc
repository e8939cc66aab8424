#include "plan/ovs.h"

#include <set>

#include "model/names.h"

namespace netrig {
namespace {

std::string join(const std::vector<int>& v) {
  std::string s;
  for (int x : v) s += (s.empty() ? "" : ",") + std::to_string(x);
  return s;
}

std::string join(const std::vector<std::string>& v, const char* sep = ",") {
  std::string s;
  for (const auto& x : v) s += (s.empty() ? "" : sep) + x;
  return s;
}

void add_vlan(std::vector<std::string>& args, const OvsVlan& v) {
  if (v.tag) args.push_back("tag=" + std::to_string(*v.tag));
  if (!v.trunks.empty()) args.push_back("trunks=" + join(v.trunks));
  if (!v.vlan_mode.empty()) args.push_back("vlan_mode=" + v.vlan_mode);
}

}  // namespace

std::string ovs_switch_name(const NodeSpec& sw) { return short_kernel_name(sw.name); }

std::vector<std::string> ovs_link_ports(const Plan& plan, const std::string& sw) {
  std::vector<std::string> out;
  for (const auto& l : plan.links)
    for (const auto* e : {&l.a, &l.b})
      if (e->ovs == sw) out.push_back(e->device);
  return out;
}

std::vector<std::string> ovs_switch_transaction(const Plan& plan, const NodeSpec& sw, const std::string& datapath) {
  const auto& o = *sw.ovs;
  const auto br = ovs_switch_name(sw);
  std::vector<std::string> a = {"--", "add-br", br, "--", "set", "bridge", br, "datapath_type=" + datapath};
  if (!o.protocols.empty()) a.push_back("protocols=" + join(o.protocols));
  if (!o.fail_mode.empty()) a.push_back("fail_mode=" + o.fail_mode);
  if (!o.flood_vlans.empty()) a.push_back("flood_vlans=" + join(o.flood_vlans));
  if (o.mac_aging_time) a.push_back("other_config:mac-aging-time=" + std::to_string(*o.mac_aging_time));
  if (o.mac_table_size) a.push_back("other_config:mac-table-size=" + std::to_string(*o.mac_table_size));
  a.push_back("external_ids:netrig-lab=" + plan.topology.name);
  std::set<std::string> in_bond;
  for (const auto& b : o.bonds) in_bond.insert(b.members.begin(), b.members.end());
  for (const auto& dev : ovs_link_ports(plan, sw.name)) {
    if (in_bond.count(dev)) continue;
    a.insert(a.end(), {"--", "add-port", br, dev});
    if (const auto* p = o.find_port(dev)) add_vlan(a, p->vlan);
  }
  for (const auto& p : o.ports) {
    if (p.type.empty()) continue;
    a.insert(a.end(), {"--", "add-port", br, p.name});
    add_vlan(a, p.vlan);
    a.insert(a.end(), {"--", "set", "interface", p.name, "type=" + p.type});
    if (p.type == "patch") a.push_back("options:peer=" + p.peer_port);
  }
  for (const auto& b : o.bonds) {
    a.insert(a.end(), {"--", "add-bond", br, b.name});
    a.insert(a.end(), b.members.begin(), b.members.end());
    if (!b.mode.empty()) a.push_back("bond_mode=" + b.mode);
    if (!b.lacp.empty()) a.push_back("lacp=" + b.lacp);
    if (!b.primary.empty()) a.push_back("other_config:bond-primary=" + b.primary);
    if (b.rebalance_ms) a.push_back("other_config:bond-rebalance-interval=" + std::to_string(*b.rebalance_ms));
    add_vlan(a, b.vlan);
  }
  if (!o.controllers.empty() && o.connection_mode.empty()) {
    a.insert(a.end(), {"--", "set-controller", br});
    a.insert(a.end(), o.controllers.begin(), o.controllers.end());
  } else if (!o.controllers.empty()) {  // set-controller cannot set columns: the rows, then the bridge
    std::string refs;
    for (size_t i = 0; i < o.controllers.size(); ++i) {
      const auto id = "@c" + std::to_string(i);
      a.insert(a.end(), {"--", "--id=" + id, "create", "controller", "target=\"" + o.controllers[i] + "\"",
                         "connection_mode=" + o.connection_mode});
      refs += (refs.empty() ? "" : ",") + id;
    }
    a.insert(a.end(), {"--", "set", "bridge", br, "controller=" + refs});
  }
  return a;
}

std::string ovs_ofctl_protocols(const OvsSwitchSpec& sw) { return join(sw.protocols); }

std::string ovs_flows_text(const OvsSwitchSpec& sw) {
  std::string s;
  for (const auto& f : sw.flows) s += f.text + "\n";
  return s;
}

}  // namespace netrig
