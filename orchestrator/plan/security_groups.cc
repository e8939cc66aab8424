#include "plan/security_groups.h"

#include <algorithm>
#include <cstdio>
#include <set>

#include "plan/plan_builder.h"

namespace netrig {
namespace {

std::string hex(unsigned v) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "0x%x", v);
  return buf;
}

std::string quoted(const std::string& s) { return "\"" + s + "\""; }

std::string chain_name(const std::string& group, SgDirection d) {
  return "sg_" + group + (d == SgDirection::Ingress ? "_in" : "_out");
}

bool has_rules(const SecurityGroup& g, SgDirection d) {
  for (const auto& r : g.rules)
    if (r.direction == d) return true;
  return false;
}

std::string ports_text(const SgRule& r) {
  if (!r.port_min) return "";
  return r.port_min == r.port_max ? std::to_string(r.port_min)
                                  : std::to_string(r.port_min) + "-" + std::to_string(r.port_max);
}

// The nft match of one rule for one address family (4, 6 or 0 = both); "" + false when the rule
// cannot match that family.
std::string match(const SgRule& r, int family) {
  std::string s;
  const bool in = r.direction == SgDirection::Ingress;
  const std::string who = in ? "saddr" : "daddr";
  if (r.remote) s += (r.remote->addr.family == 4 ? "ip " : "ip6 ") + who + " " + r.remote->str() + " ";
  if (!r.remote_group.empty())
    s += (family == 4 ? "ip " : "ip6 ") + who + " @sg_" + r.remote_group + (family == 4 ? "_v4 " : "_v6 ");
  if (r.protocol == "tcp" || r.protocol == "udp") {
    s += r.port_min ? r.protocol + " dport " + ports_text(r) + " " : "meta l4proto " + r.protocol + " ";
  } else if (r.protocol == "icmp") {
    if (family == 4 || (r.remote && r.remote->addr.family == 4))
      s += "meta l4proto icmp ";
    else if (family == 6 || r.remote)
      s += "meta l4proto ipv6-icmp ";
    else
      s += "meta l4proto { icmp, ipv6-icmp } ";
  }
  return s;
}

void emit_set(std::string& out, const std::string& name, int family, const std::vector<IpAddr>& members) {
  out += "\tset " + name + " {\n\t\ttype " + (family == 4 ? "ipv4_addr" : "ipv6_addr") + "\n";
  std::string elements;
  for (const auto& a : members)
    if (a.family == family) elements += (elements.empty() ? "" : ", ") + a.str();
  if (!elements.empty()) out += "\t\telements = { " + elements + " }\n";
  out += "\t}\n";
}

std::string bridge_table(const Plan& plan, const std::vector<SgPort>& ports) {
  const auto& topo = plan.topology;
  std::string t = std::string("table bridge ") + kSgTable + " {\n";
  // Member sets for remote_group rules.
  std::set<std::string> remote_groups;
  for (const auto& g : topo.security_groups)
    for (const auto& r : g.rules)
      if (!r.remote_group.empty()) remote_groups.insert(r.remote_group);
  for (const auto& g : topo.security_groups) {
    if (!remote_groups.count(g.name)) continue;
    std::vector<IpAddr> members;
    for (const auto& p : ports)
      for (const auto& name : p.groups)
        if (name == g.name) members.insert(members.end(), p.addresses.begin(), p.addresses.end());
    emit_set(t, "sg_" + g.name + "_v4", 4, members);
    emit_set(t, "sg_" + g.name + "_v6", 6, members);
  }
  // Port security: a member cannot pretend to be another address (remote_group rules rely on it).
  t += "\tchain port_security {\n\t\ttype filter hook prerouting priority -200; policy accept;\n";
  for (const auto& p : ports) {
    if (!p.port_security) continue;
    const auto dev = quoted(p.device);
    const auto label = p.node + ":" + p.iface;
    std::string v4, v6 = "::, fe80::/10";
    for (const auto& a : p.addresses) (a.family == 4 ? v4 : v6) += (a.family == 4 && v4.empty() ? "" : ", ") + a.str();
    if (!p.mac.empty())
      t += "\t\tiifname " + dev + " ether saddr != " + p.mac + " counter drop comment " +
           quoted("port security " + label + ": MAC") + "\n";
    t += "\t\tiifname " + dev + " ether type ip ip saddr != " + (v4.empty() ? "0.0.0.0" : "{ " + v4 + " }") +
         " counter drop comment " + quoted("port security " + label + ": IPv4 source") + "\n";
    t += "\t\tiifname " + dev + " ether type arp arp saddr ip != " + (v4.empty() ? "0.0.0.0" : "{ " + v4 + " }") +
         " counter drop comment " + quoted("port security " + label + ": ARP sender") + "\n";
    t += "\t\tiifname " + dev + " ether type ip6 ip6 saddr != { " + v6 + " } counter drop comment " +
         quoted("port security " + label + ": IPv6 source") + "\n";
  }
  t += "\t}\n";
  // The port dispatcher.
  t += "\tchain ports {\n\t\ttype filter hook forward priority 100; policy accept;\n";
  t += "\t\tether type arp accept\n";
  t += "\t\ticmpv6 type { nd-neighbor-solicit, nd-neighbor-advert, nd-router-solicit, nd-router-advert, "
       "mld-listener-report, mld2-listener-report } accept\n";
  t += "\t\tmeta mark " + hex(kSgMarkEstablished) + " accept comment \"established or related (stateful)\"\n";
  t += "\t\tmeta mark " + hex(kSgMarkInvalid) + " counter drop comment \"conntrack: invalid\"\n";
  std::string out_map, in_map;
  for (size_t i = 0; i < ports.size(); ++i) {
    const auto n = std::to_string(i);
    bool egress = false;
    for (const auto& g : ports[i].groups) egress |= has_rules(*topo.find_security_group(g), SgDirection::Egress);
    if (egress) out_map += (out_map.empty() ? "" : ", ") + quoted(ports[i].device) + " : jump port" + n + "_out";
    in_map += (in_map.empty() ? "" : ", ") + quoted(ports[i].device) + " : jump port" + n + "_in";
  }
  if (!out_map.empty()) t += "\t\tiifname vmap { " + out_map + " }\n";
  if (!in_map.empty()) t += "\t\toifname vmap { " + in_map + " }\n";
  t += "\t}\n";
  for (size_t i = 0; i < ports.size(); ++i) {
    const auto& p = ports[i];
    const auto n = std::to_string(i);
    const auto label = p.node + ":" + p.iface;
    bool egress = false;
    for (const auto& g : p.groups) egress |= has_rules(*topo.find_security_group(g), SgDirection::Egress);
    if (egress) {
      t += "\tchain port" + n + "_out {\n";
      for (const auto& g : p.groups)
        if (has_rules(*topo.find_security_group(g), SgDirection::Egress))
          t += "\t\tjump " + chain_name(g, SgDirection::Egress) + "\n";
      t += "\t\tmeta mark " + hex(kSgMarkEgressOk) + " return\n";
      t += "\t\tcounter drop comment " + quoted("default deny egress " + label) + "\n\t}\n";
    }
    t += "\tchain port" + n + "_in {\n";
    for (const auto& g : p.groups) t += "\t\tjump " + chain_name(g, SgDirection::Ingress) + "\n";
    t += "\t\tcounter drop comment " + quoted("default deny ingress " + label) + "\n\t}\n";
  }
  for (const auto& g : topo.security_groups) {
    for (auto d : {SgDirection::Ingress, SgDirection::Egress}) {
      if (d == SgDirection::Egress && !has_rules(g, d)) continue;
      t += "\tchain " + chain_name(g.name, d) + " {\n";
      for (size_t k = 0; k < g.rules.size(); ++k) {
        const auto& r = g.rules[k];
        if (r.direction != d) continue;
        const auto verdict =
            d == SgDirection::Ingress ? std::string("accept") : "meta mark set " + hex(kSgMarkEgressOk) + " return";
        const auto comment = " comment " + quoted(sg_rule_label(g, k));
        if (!r.remote_group.empty()) {
          for (int fam : {4, 6}) t += "\t\t" + match(r, fam) + "counter " + verdict + comment + "\n";
        } else {
          t += "\t\t" + match(r, 0) + "counter " + verdict + comment + "\n";
        }
      }
      t += "\t}\n";
    }
  }
  t += "}\n";
  return t;
}

// Whether rule r of a group matches a flow to/from `peer` (the other end's address).
bool rule_matches(const Topology& topo, const SgRule& r, const IpAddr& peer, const std::string& peer_node,
                  const std::string& peer_iface, const std::string& protocol, int port) {
  if (r.protocol != "any" && r.protocol != protocol) return false;
  if (r.port_min && (port < r.port_min || port > r.port_max)) return false;
  if (r.remote && !r.remote->contains(peer)) return false;
  if (!r.remote_group.empty()) {
    const auto* node = topo.find_node(peer_node);
    const auto* iface = node ? node->find_interface(peer_iface) : nullptr;
    if (!iface) return false;
    bool member = false;
    for (const auto& g : iface->security_groups) member |= g == r.remote_group;
    if (!member) return false;
  }
  return true;
}

const InterfaceSpec* find_iface(const Topology& topo, const std::string& node, const std::string& iface) {
  const auto* n = topo.find_node(node);
  return n ? n->find_interface(iface) : nullptr;
}

}  // namespace

std::string sg_rule_label(const SecurityGroup& group, size_t index) {
  const auto& r = group.rules[index];
  std::string s = group.name + "#" + std::to_string(index + 1) + " " +
                  (r.direction == SgDirection::Ingress ? "ingress " : "egress ") + r.protocol;
  if (r.port_min) s += "/" + ports_text(r);
  const char* dir = r.direction == SgDirection::Ingress ? " from " : " to ";
  if (r.remote)
    s += dir + r.remote->str();
  else if (!r.remote_group.empty())
    s += std::string(dir) + "group " + r.remote_group;
  else
    s += std::string(dir) + "anywhere";
  return s;
}

std::vector<SgPort> security_group_ports(const Plan& plan) {
  std::vector<SgPort> ports;
  for (const auto& link : plan.links) {
    const LinkEnd* bridge_end = !link.a.bridge.empty() && link.a.iface.empty()   ? &link.a
                                : !link.b.bridge.empty() && link.b.iface.empty() ? &link.b
                                                                                 : nullptr;
    const LinkEnd* node_end = bridge_end == &link.a ? &link.b : &link.a;
    if (!bridge_end || node_end->iface.empty()) continue;
    const auto* node = plan.topology.find_node(node_end->node);
    const auto* iface = node ? node->find_interface(node_end->iface) : nullptr;
    if (!iface || iface->security_groups.empty()) continue;
    SgPort p;
    p.node = node->name;
    p.iface = iface->name;
    p.device = bridge_end->device;
    p.bridge = bridge_end->bridge;
    p.groups = iface->security_groups;
    for (const auto& a : iface->addresses) p.addresses.push_back(a.addr);
    if (auto m = plan.macs.find(node->name + ":" + iface->name); m != plan.macs.end()) p.mac = m->second;
    p.port_security = !node->router;
    ports.push_back(p);
  }
  return ports;
}

std::string security_group_ruleset(const Plan& plan) {
  const auto ports = security_group_ports(plan);
  if (ports.empty()) return "";
  std::set<std::string> bridges;
  for (const auto& l : plan.links)
    for (const auto* e : {&l.a, &l.b})
      if (!e->bridge.empty()) bridges.insert(e->bridge);
  std::string bridge_list;
  for (const auto& b : bridges) bridge_list += (bridge_list.empty() ? "" : ", ") + quoted(b);
  // Replace both tables whole: the first two lines make the deletes valid when they are absent.
  std::string s = std::string("table inet ") + kSgTable + "\ndelete table inet " + kSgTable + "\n";
  s += std::string("table bridge ") + kSgTable + "\ndelete table bridge " + kSgTable + "\n";
  s += std::string("table inet ") + kSgTable + " {\n";
  s += "\tset lab_bridges {\n\t\ttype ifname\n\t\telements = { " + bridge_list + " }\n\t}\n";
  s += "\tchain zones {\n\t\ttype filter hook prerouting priority raw; policy accept;\n";
  int zone = 1;
  for (const auto& b : bridges)
    s += "\t\tiifname " + quoted(b) + " ct zone set " + std::to_string(zone++) +
         " comment \"conntrack zone of bridge " + b + "\"\n";
  s += "\t}\n";
  s += "\tchain classify {\n\t\ttype filter hook forward priority filter; policy accept;\n";
  s += "\t\tiifname != @lab_bridges accept\n";
  s += "\t\tct state established,related meta mark set " + hex(kSgMarkEstablished) + " accept\n";
  s += "\t\tct state invalid meta mark set " + hex(kSgMarkInvalid) + " accept\n";
  s += "\t}\n}\n";
  return s + bridge_table(plan, ports);
}

std::string security_group_update(const Plan& plan) {
  const auto ports = security_group_ports(plan);
  std::string s = std::string("table bridge ") + kSgTable + "\ndelete table bridge " + kSgTable + "\n";
  return s + bridge_table(plan, ports);
}

std::string security_group_removal() {
  return std::string("table inet ") + kSgTable + "\ndelete table inet " + kSgTable + "\ntable bridge " + kSgTable +
         "\ndelete table bridge " + kSgTable + "\n";
}

std::string security_group_netns(const Plan& plan) { return plan.local_netns(); }

std::string non_security_group_difference(const Plan& running, const Plan& wanted) {
  std::vector<const Step*> a, b;
  for (const auto& s : running.steps)
    if (s.kind != StepKind::ConfigureSecurityGroups) a.push_back(&s);
  for (const auto& s : wanted.steps)
    if (s.kind != StepKind::ConfigureSecurityGroups) b.push_back(&s);
  for (size_t i = 0; i < std::max(a.size(), b.size()); ++i) {
    if (i >= a.size()) return "the file adds step '" + b[i]->describe() + "'";
    if (i >= b.size()) return "the file drops step '" + a[i]->describe() + "'";
    if (a[i]->describe() != b[i]->describe() || a[i]->detail != b[i]->detail)
      return a[i]->describe() == b[i]->describe()
                 ? "the file changes step '" + b[i]->describe() + "': " + b[i]->detail
                 : "the file has step '" + b[i]->describe() + "' where the running lab has '" + a[i]->describe() + "'";
  }
  if (running.macs != wanted.macs) return "interface MAC addresses differ";
  return "";
}

SgDecision evaluate_security_groups(const Topology& topo, const std::string& src_node, const std::string& src_iface,
                                    const IpAddr& src_addr, const std::string& dst_node, const std::string& dst_iface,
                                    const IpAddr& dst_addr, const std::string& protocol, int port) {
  SgDecision d;
  const auto* src = find_iface(topo, src_node, src_iface);
  const auto* dst = find_iface(topo, dst_node, dst_iface);
  // Egress of the source port: only restricted when one of its groups has egress rules.
  if (src && !src->security_groups.empty()) {
    bool restricted = false;
    std::string allowed_by;
    for (const auto& name : src->security_groups) {
      const auto* g = topo.find_security_group(name);
      if (!g) continue;
      for (size_t k = 0; k < g->rules.size(); ++k) {
        const auto& r = g->rules[k];
        if (r.direction != SgDirection::Egress) continue;
        restricted = true;
        if (allowed_by.empty() && rule_matches(topo, r, dst_addr, dst_node, dst_iface, protocol, port))
          allowed_by = sg_rule_label(*g, k);
      }
    }
    if (restricted) {
      d.filtered = true;
      if (allowed_by.empty()) {
        d.allow = false;
        d.rule = "default deny egress " + src_node + ":" + src_iface;
        return d;
      }
      d.rule = allowed_by;
    }
  }
  if (!dst || dst->security_groups.empty()) {
    if (!d.filtered)
      d.rule = dst ? "not filtered: " + dst_node + ":" + dst_iface + " has no security group" : "not filtered";
    return d;
  }
  d.filtered = true;
  for (const auto& name : dst->security_groups) {
    const auto* g = topo.find_security_group(name);
    if (!g) continue;
    for (size_t k = 0; k < g->rules.size(); ++k) {
      const auto& r = g->rules[k];
      if (r.direction == SgDirection::Ingress && rule_matches(topo, r, src_addr, src_node, src_iface, protocol, port)) {
        d.allow = true;
        d.rule = sg_rule_label(*g, k);
        return d;
      }
    }
  }
  d.allow = false;
  d.rule = "default deny ingress " + dst_node + ":" + dst_iface;
  return d;
}

void plan_security_groups(PlanBuilder& b) {
  b.plan.security_groups = security_group_ruleset(b.plan);
  if (b.plan.security_groups.empty()) return;
  std::vector<int> after;
  for (const auto& s : b.plan.steps)
    if (s.kind == StepKind::CreateLink || s.kind == StepKind::CreateBridge) after.push_back(s.id);
  b.configured.push_back(
      b.add(StepKind::ConfigureSecurityGroups, "security groups", after,
            "ip netns exec " + b.plan.local_netns() + " nft -f - <<EOF\n" + b.plan.security_groups + "EOF"));
}

}  // namespace netrig
