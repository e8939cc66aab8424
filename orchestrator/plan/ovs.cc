#include "plan/ovs.h"

#include <cctype>
#include <cstring>
#include <map>
#include <set>

#include "model/names.h"
#include "model/ovs_instance.h"
#include "plan/plan_builder.h"

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

std::vector<const LinkEnd*> ovs_link_ends(const Plan& plan, const std::string& sw) {
  std::vector<const LinkEnd*> out;
  for (const auto& l : plan.links)
    for (const auto* e : {&l.a, &l.b})
      if (e->ovs == sw) out.push_back(e);
  return out;
}

std::vector<std::string> ovs_switch_transaction(const Plan& plan, const NodeSpec& sw, const std::string& datapath) {
  const auto& o = *sw.ovs;
  const auto name = [&](const std::string& port) { return plan.ovs_name(sw.name, port); };
  const auto br = name("");
  const auto lab_id = "external_ids:netrig-lab=" + plan.topology.name;
  const bool system = uses_system_ovs(plan.topology);
  std::vector<std::string> a = {"--", "add-br", br, "--", "set", "bridge", br, "datapath_type=" + datapath};
  if (!o.protocols.empty()) a.push_back("protocols=" + join(o.protocols));
  if (!o.fail_mode.empty()) a.push_back("fail_mode=" + o.fail_mode);
  if (!o.flood_vlans.empty()) a.push_back("flood_vlans=" + join(o.flood_vlans));
  if (o.mac_aging_time) a.push_back("other_config:mac-aging-time=" + std::to_string(*o.mac_aging_time));
  if (o.mac_table_size) a.push_back("other_config:mac-table-size=" + std::to_string(*o.mac_table_size));
  a.push_back(lab_id);
  std::set<std::string> in_bond;
  for (const auto& b : o.bonds) in_bond.insert(b.members.begin(), b.members.end());
  for (const auto* e : ovs_link_ends(plan, sw.name)) {
    if (in_bond.count(e->port)) continue;
    a.insert(a.end(), {"--", "add-port", br, e->device});
    if (const auto* p = o.find_port(e->port)) add_vlan(a, p->vlan);
    if (system) a.push_back(lab_id);
  }
  for (const auto& p : o.ports) {
    if (p.type.empty()) continue;
    a.insert(a.end(), {"--", "add-port", br, name(p.name)});
    add_vlan(a, p.vlan);
    if (system) a.push_back(lab_id);
    a.insert(a.end(), {"--", "set", "interface", name(p.name), "type=" + p.type});
    if (p.type == "patch") a.push_back("options:peer=" + plan.ovs_name(p.peer_switch, p.peer_port));
    if (!p.remote_ip.empty()) a.push_back("options:remote_ip=" + p.remote_ip);
    if (!p.tunnel_key.empty()) a.push_back("options:key=" + p.tunnel_key);
    if (p.dst_port) a.push_back("options:dst_port=" + std::to_string(p.dst_port));
  }
  for (const auto& b : o.bonds) {
    a.insert(a.end(), {"--", "add-bond", br, name(b.name)});
    for (const auto& m : b.members) a.push_back(name(m));
    if (!b.mode.empty()) a.push_back("bond_mode=" + b.mode);
    if (!b.lacp.empty()) a.push_back("lacp=" + b.lacp);
    if (!b.primary.empty()) a.push_back("other_config:bond-primary=" + name(b.primary));
    if (b.rebalance_ms) a.push_back("other_config:bond-rebalance-interval=" + std::to_string(*b.rebalance_ms));
    add_vlan(a, b.vlan);
    if (system) a.push_back(lab_id);
  }
  // QoS rows (lecture 27): the port's QoS and its queues made in this same transaction, each marked
  // with the lab so destroy finds them in a shared database; ingress policing on the interface.
  int qos_n = 0;
  for (const auto& p : o.ports) {
    if (!p.qos && !p.policing_rate_kbps) continue;
    std::string dev = name(p.name);
    for (const auto* e : ovs_link_ends(plan, sw.name))
      if (e->port == p.name) dev = e->device;
    if (p.qos) {
      const auto id = "@qos" + std::to_string(qos_n);
      a.insert(a.end(),
               {"--", "set", "port", dev, "qos=" + id, "--", "--id=" + id, "create", "qos", "type=" + p.qos->type});
      if (p.qos->max_rate) a.push_back("other-config:max-rate=" + std::to_string(*p.qos->max_rate));
      std::string refs;
      for (const auto& q : p.qos->queues)
        refs += (refs.empty() ? "" : ",") + std::to_string(q.id) + "=" + id + "_" + std::to_string(q.id);
      a.push_back("queues=" + refs);
      a.push_back(lab_id);
      for (const auto& q : p.qos->queues) {
        a.insert(a.end(), {"--", "--id=" + id + "_" + std::to_string(q.id), "create", "queue"});
        if (q.min_rate) a.push_back("other-config:min-rate=" + std::to_string(*q.min_rate));
        if (q.max_rate) a.push_back("other-config:max-rate=" + std::to_string(*q.max_rate));
        if (q.priority) a.push_back("other-config:priority=" + std::to_string(*q.priority));
        a.push_back(lab_id);
      }
      ++qos_n;
    }
    if (p.policing_rate_kbps) {
      a.insert(a.end(),
               {"--", "set", "interface", dev, "ingress_policing_rate=" + std::to_string(*p.policing_rate_kbps)});
      if (p.policing_burst_kbit) a.push_back("ingress_policing_burst=" + std::to_string(*p.policing_burst_kbit));
    }
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

std::vector<std::string> ovs_qos_ports_between(const Topology& topo, const std::string& from, const std::string& to) {
  // Breadth-first over nodes; `via[n]` is the link that first reached n.
  std::map<std::string, const LinkSpec*> via;
  std::vector<std::string> queue = {from};
  via[from] = nullptr;
  for (size_t i = 0; i < queue.size() && !via.count(to); ++i)
    for (const auto& l : topo.links)
      for (const auto* pair : {&l.a, &l.b}) {
        const auto& here = *pair;
        const auto& there = pair == &l.a ? l.b : l.a;
        if (here.node != queue[i] || via.count(there.node)) continue;
        via[there.node] = &l;
        queue.push_back(there.node);
      }
  std::vector<std::string> out;
  if (!via.count(to)) return out;
  for (std::string n = to; via[n];) {
    const auto* l = via[n];
    for (const auto* e : {&l->a, &l->b}) {
      const auto* node = topo.find_node(e->node);
      if (!node || !node->ovs || e->port.empty()) continue;
      const auto* p = node->ovs->find_port(e->port);
      if (p && (p->qos || p->policing_rate_kbps)) out.insert(out.begin(), e->node + ":" + e->port);
    }
    n = l->a.node == n ? l->b.node : l->a.node;
  }
  return out;
}

std::string ovs_ofctl_protocols(const OvsSwitchSpec& sw) { return join(sw.protocols); }

std::string ovs_flows_text(const Plan& plan, const NodeSpec& sw) {
  std::map<std::string, std::string> names;
  if (uses_system_ovs(plan.topology)) {
    for (const auto* e : ovs_link_ends(plan, sw.name)) names[e->port] = e->device;
    for (const auto& p : sw.ovs->ports) names[p.name] = plan.ovs_name(sw.name, p.name);
    for (const auto& b : sw.ovs->bonds) names[b.name] = plan.ovs_name(sw.name, b.name);
  }
  std::string s;
  for (const auto& f : sw.ovs->flows) s += (names.empty() ? f.text : rename_flow_ports(f.text, names)) + "\n";
  return s;
}

namespace {

bool is_word_char(char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-' || c == '.'; }

bool ends_with(const std::string& s, size_t end, const char* suffix) {
  const size_t n = std::strlen(suffix);
  return end >= n && s.compare(end - n, n, suffix) == 0;
}

// ovs-ofctl's own words, which a bare action or port argument means before any port name.
bool reserved(const std::string& w) {
  static const std::set<std::string> words = {"in_port",    "table", "normal", "flood", "all",
                                              "controller", "local", "none",   "drop",  "any"};
  std::string lower;
  for (char c : w) lower += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return words.count(lower) > 0;
}

}  // namespace

std::string rename_flow_ports(const std::string& flow, const std::map<std::string, std::string>& names, bool unquote) {
  std::string out;
  const size_t actions = flow.find("actions=");
  int members_depth = -1;  // inside bundle(...members:...) at this paren depth
  int depth = 0;
  size_t i = 0;
  while (i < flow.size()) {
    const char c = flow[i];
    if (!is_word_char(c)) {
      if (c == '(') ++depth;
      if (c == ')') {
        if (depth == members_depth) members_depth = -1;
        --depth;
      }
      out += c;
      ++i;
      continue;
    }
    size_t j = i;
    while (j < flow.size() && is_word_char(flow[j])) ++j;
    const std::string word = flow.substr(i, j - i);
    // What stands before the word, a quote skipped; and what follows it.
    const size_t before = i > 0 && flow[i - 1] == '"' ? i - 1 : i;
    const size_t after_at = j < flow.size() && flow[j] == '"' ? j + 1 : j;
    const char after = after_at < flow.size() ? flow[after_at] : '\0';
    if (word == "members" || word == "slaves") {
      if (after == ':') members_depth = depth;
    }
    bool port = false;
    if (auto it = names.find(word); it != names.end()) {
      for (const char* p : {"in_port=", "output:", "port=", "enqueue:", "enqueue(", "resubmit:", "resubmit("})
        port |= ends_with(flow, before, p);
      if (!port && members_depth >= 0 && depth == members_depth &&
          (ends_with(flow, before, "members:") || ends_with(flow, before, "slaves:") || ends_with(flow, before, ",")))
        port = true;
      // Alone as an action: "actions=P", ",P" or "clone(P" in an action list, up to ',' ')' or the end.
      if (!port && actions != std::string::npos && before >= actions + 8 && !reserved(word) &&
          (ends_with(flow, before, "actions=") || ends_with(flow, before, ",") || ends_with(flow, before, "clone(")) &&
          (after == '\0' || after == ',' || after == ')' || after == ' '))
        port = true;
      if (port) {
        const bool quoted = before != i && after_at != j;
        if (unquote && quoted) out.pop_back();
        out += it->second;
        i = unquote && quoted ? after_at : j;
        continue;
      }
    }
    out += word;
    i = j;
  }
  return out;
}

int plan_ovs_daemons(PlanBuilder& b, const std::string& host) {
  if (auto it = b.start_ovs.find(host); it != b.start_ovs.end()) return it->second;
  if (host == kLocalHost && uses_system_ovs(b.plan.topology)) {
    return b.start_ovs[host] = b.add(StepKind::ConnectOvs, "system", {b.local},
                                     "ovs-vsctl --db=" + b.plan.topology.ovs_db +
                                         " list-br (it answers; no bridge or port has one of the lab's names); ip "
                                         "link (no device has one either)");
  }
  const auto ns = b.plan.host_netns(host);
  const auto dir = std::string("<state>/") + ovs_dir_name(host);
  return b.start_ovs[host] = b.add(StepKind::StartOvs, host, {host == kLocalHost ? b.local : b.create.at(host)},
                                   "ip netns exec " + ns + " ovsdb-server " + dir + "/conf.db; ip netns exec " + ns +
                                       " ovs-vswitchd unix:" + dir + "/db.sock");
}

void plan_underlays(PlanBuilder& b) {
  for (const auto& host : b.plan.topology.nodes) {
    if (!host.is_host) continue;
    std::vector<IpAddr> remotes;
    for (const auto& sw : b.plan.topology.nodes)
      if (sw.ovs && sw.host == host.name)
        for (const auto& p : sw.ovs->ports)
          if (!p.remote_ip.empty()) remotes.push_back(*IpAddr::parse(p.remote_ip));
    if (remotes.empty()) continue;
    std::vector<const InterfaceSpec*> chosen, addressed;
    for (const auto& i : host.interfaces) {
      if (i.addresses.empty()) continue;
      addressed.push_back(&i);
      bool holds = false;
      for (const auto& a : i.addresses)
        for (const auto& r : remotes) holds |= a.contains(r);
      if (holds) chosen.push_back(&i);
    }
    if (chosen.empty()) chosen = addressed;
    if (chosen.empty()) continue;
    std::vector<int> after = {plan_ovs_daemons(b, host.name)};
    for (int id : b.links_of[host.name]) after.push_back(id);
    std::string detail;
    for (const auto* i : chosen) {
      const auto bridge = b.local_device("u-" + i->kernel_name, "ul-" + host.name + "-" + i->kernel_name);
      b.plan.underlay_bridges[host.name + ":" + i->name] = bridge;
      detail += std::string(detail.empty() ? "" : "; ") + "ovs-vsctl -- add-br " + bridge + " -- set bridge " + bridge +
                " datapath_type=<datapath> -- add-port " + bridge + " " + i->kernel_name + " (the addresses of " +
                i->kernel_name + " go on " + bridge + ")";
    }
    b.underlay[host.name] = b.add(StepKind::ConfigureUnderlay, host.name, after, detail);
  }
}

namespace {

int configure_ovs(PlanBuilder& b, const NodeSpec& node, std::vector<int> after) {
  after.push_back(b.create.at(node.name));
  for (int id : b.links_of[node.name]) after.push_back(id);
  return b.add(StepKind::ConfigureOvs, node.name, after,
               "ovs-vsctl " + join_words(ovs_switch_transaction(b.plan, node, "<datapath>")) +
                   (node.ovs->flows.empty() ? ""
                                            : "; ovs-ofctl add-flows " + b.plan.ovs_name(node.name) + " <" +
                                                  std::to_string(node.ovs->flows.size()) + " flows>"));
}

}  // namespace

void plan_switches(PlanBuilder& b) {
  bool services = false;
  for (const auto& node : b.plan.topology.nodes) services |= !node.services.empty();
  for (const auto& node : b.plan.topology.nodes) {
    if (node.kind != NodeKind::Ovs) continue;
    if (services && !node.ovs->controllers.empty())
      b.controlled.push_back(&node);
    else
      b.switches.push_back(configure_ovs(b, node, {}));
  }
}

void plan_controlled_switches(PlanBuilder& b) {
  for (const auto* node : b.controlled) {
    auto after = b.switches;
    after.insert(after.end(), b.services.begin(), b.services.end());
    b.configured.push_back(configure_ovs(b, *node, after));
  }
}

}  // namespace netrig
