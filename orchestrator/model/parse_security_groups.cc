// `topology: security_groups:` (named groups of stateful rules) and the groups interfaces and nodes
// belong to (`security_groups: [web]` on an interface or a node). Membership is checked once the
// links are known: a group filters a bridge port, so a member interface must be linked to a bridge.
#include <regex>

#include "model/parse_internal.h"

namespace netrig {
namespace {

const std::vector<std::string> kRuleKeys = {"direction", "protocol", "port", "remote", "remote_group"};
const std::vector<std::string> kDirections = {"ingress", "egress"};
const std::vector<std::string> kSgProtocols = {"tcp", "udp", "icmp", "any"};
constexpr size_t kMaxGroupName = 24;

std::string group_name_problem(const std::string& name) {
  static const std::regex pattern("[A-Za-z][A-Za-z0-9_]*");
  if (name.empty()) return "it is empty";
  if (name.size() > kMaxGroupName) return "it is longer than " + std::to_string(kMaxGroupName) + " characters";
  if (!std::regex_match(name, pattern)) return "it must start with a letter and hold only letters, digits and '_'";
  return "";
}

std::vector<std::string> group_names(const Topology& topo) {
  std::vector<std::string> names;
  for (const auto& g : topo.security_groups) names.push_back(g.name);
  return names;
}

// "22" or 22, or "8000-8080".
bool parse_ports(Reader& r, const Entry& e, SgRule& rule) {
  auto s = r.string(e, "'port'");
  if (!s) return false;
  auto number = [](const std::string& t) -> long {
    if (t.empty() || t.size() > 5 || t.find_first_not_of("0123456789") != std::string::npos) return -1;
    return std::stol(t);
  };
  const auto dash = s->find('-');
  long lo = number(dash == std::string::npos ? *s : s->substr(0, dash));
  long hi = dash == std::string::npos ? lo : number(s->substr(dash + 1));
  if (lo < 1 || hi < 1 || lo > 65535 || hi > 65535) {
    r.error(e, "bad port or port range '" + *s + "'", "write a port from 1 to 65535 (22) or a range (8000-8080)");
    return false;
  }
  if (lo > hi) {
    r.error(e, "port range '" + *s + "' runs backwards",
            "write the lower port first: " + std::to_string(hi) + "-" + std::to_string(lo));
    return false;
  }
  rule.port_min = static_cast<int>(lo);
  rule.port_max = static_cast<int>(hi);
  return true;
}

bool parse_rule(Reader& r, const Entry& item, const std::string& group, SgRule& rule) {
  const auto where = "a rule of security group '" + group + "'";
  if (!r.is_map(item, where)) return false;
  const auto before = r.diagnostics().size();
  r.check_keys(item, kRuleKeys, where);
  bool ok = r.diagnostics().size() == before;
  rule.pos = Reader::pos(item);
  if (const auto d = Reader::get(item.value, "direction")) {
    auto s = r.string(d, "'direction'");
    if (s && (*s == "ingress" || *s == "egress")) {
      rule.direction = *s == "ingress" ? SgDirection::Ingress : SgDirection::Egress;
    } else {
      if (s) {
        auto hint = did_you_mean(*s, kDirections);
        r.error(d, "unknown direction '" + *s + "'",
                hint.empty() ? "use ingress (traffic to the member, the default) or egress (traffic it sends)" : hint);
      }
      ok = false;
    }
  }
  const auto proto = Reader::get(item.value, "protocol");
  if (proto) {
    auto s = r.string(proto, "'protocol'");
    if (s && std::find(kSgProtocols.begin(), kSgProtocols.end(), *s) != kSgProtocols.end()) {
      rule.protocol = *s;
    } else {
      if (s) {
        auto hint = did_you_mean(*s, kSgProtocols);
        r.error(proto, "unknown protocol '" + *s + "'", hint.empty() ? "use " + one_of(kSgProtocols) : hint);
      }
      ok = false;
    }
  }
  if (const auto port = Reader::get(item.value, "port")) {
    if (ok && rule.protocol != "tcp" && rule.protocol != "udp") {
      r.error(Entry(port.key),
              "a 'port' needs 'protocol: tcp' or 'udp'" +
                  std::string(proto ? ", not '" + rule.protocol + "'" : " (the rule's protocol is 'any')"),
              "ports belong to TCP and UDP; write 'protocol: tcp', or drop 'port' to match the whole protocol");
      ok = false;
    } else if (!parse_ports(r, port, rule)) {
      ok = false;
    }
  }
  const auto remote = Reader::get(item.value, "remote");
  const auto remote_group = Reader::get(item.value, "remote_group");
  if (remote && remote_group) {
    r.error(Entry(remote_group.key), "a rule has either 'remote' or 'remote_group', not both",
            "write two rules: one for the network, one for the group's members");
    return false;
  }
  if (remote) {
    auto s = r.string(remote, "'remote'");
    if (!s) return false;
    auto p = s->find('/') == std::string::npos ? IpPrefix::parse(*s, false) : IpPrefix::parse(*s, true);
    if (!p) {
      r.error(remote, "'" + *s + "' is not a network or address",
              "write a network in CIDR form such as 203.0.113.0/24 (0.0.0.0/0 is anywhere)");
      return false;
    }
    if (auto net = p->network(); !(net == *p)) {
      r.error(remote, "'remote' network '" + *s + "' has host bits set", "did you mean '" + net.str() + "'?");
      return false;
    }
    rule.remote = p;
  }
  if (remote_group) {
    auto s = r.string(remote_group, "'remote_group'");
    if (!s) return false;
    rule.remote_group = *s;  // resolved once every group is known
  }
  return ok;
}

}  // namespace

void parse_security_groups(Reader& r, ParseState& st, const Entry& groups, Topology& topo) {
  if (!groups || !r.is_map(groups, "'security_groups'", true)) return;
  std::map<std::string, SourcePos> seen;
  std::vector<std::pair<Entry, SgRule*>> remotes;
  for (const auto& g : r.entries(groups, "'security_groups'")) {
    SecurityGroup group;
    group.name = g.name();
    group.pos = Reader::pos(g.key);
    if (auto why = group_name_problem(group.name); !why.empty()) {
      r.error(Entry(g.key), "security group name '" + group.name + "' is not valid: " + why,
              "use a name such as web or db_servers");
      st.broken.insert("security group " + group.name);  // its members stay quiet
      continue;
    }
    if (auto [it, fresh] = seen.emplace(group.name, group.pos); !fresh) {
      r.error(Entry(g.key), "security group '" + group.name + "' is defined twice",
              first_at(group.name, it->second) + "; merge the rules into one list");
      continue;
    }
    if (!g.value.IsNull()) {
      if (!r.is_list(g, "security group '" + group.name + "'")) continue;
      for (const auto& item : g.value) {
        SgRule rule;
        if (parse_rule(r, Entry(item), group.name, rule)) group.rules.push_back(rule);
      }
    }
    topo.security_groups.push_back(group);
  }
  // remote_group names a group defined anywhere in the list.
  const auto names = group_names(topo);
  for (const auto& g : r.entries(groups, "'security_groups'")) {
    if (!g.value.IsSequence()) continue;
    for (const auto& item : g.value) {
      if (!item.IsMap()) continue;
      const auto rg = Reader::get(item, "remote_group");
      if (!rg || !rg.value.IsScalar()) continue;
      const auto& name = rg.value.Scalar();
      if (topo.find_security_group(name)) continue;
      auto hint = did_you_mean(name, names);
      r.error(rg, "remote_group '" + name + "' is not a security group of this lab",
              hint.empty()
                  ? (names.empty() ? "define it under 'security_groups'" : "groups defined here: " + one_of(names))
                  : hint);
    }
  }
}

void parse_membership(Reader& r, const Entry& list, std::vector<std::string>& groups, std::vector<SourcePos>& pos) {
  for (auto& [name, at] : r.strings(list, "'security_groups'")) {
    if (std::find(groups.begin(), groups.end(), name) != groups.end()) continue;
    groups.push_back(name);
    pos.push_back(Reader::pos(at));
  }
}

void check_security_groups(Reader& r, const ParseState& st, const Topology& topo) {
  const auto names = group_names(topo);
  std::set<std::string> to_bridge;  // node:iface linked to a bridge
  for (const auto& l : topo.links) {
    if (l.a.iface.empty() && !l.b.iface.empty()) to_bridge.insert(l.b.node + ":" + l.b.iface);
    if (l.b.iface.empty() && !l.a.iface.empty()) to_bridge.insert(l.a.node + ":" + l.a.iface);
  }
  for (const auto& node : topo.nodes) {
    for (const auto& iface : node.interfaces) {
      if (iface.security_groups.empty()) continue;
      const auto label = node.name + ":" + iface.name;
      bool ok = true;
      for (size_t i = 0; i < iface.security_groups.size(); ++i) {
        const auto& g = iface.security_groups[i];
        if (topo.find_security_group(g)) continue;
        ok = false;
        if (st.broken.count("security group " + g)) continue;
        auto hint = did_you_mean(g, names);
        r.error(iface.security_group_pos[i], "unknown security group '" + g + "'",
                hint.empty() ? (names.empty() ? "define it under 'topology: security_groups:'"
                                              : "groups defined here: " + one_of(names))
                             : hint);
      }
      if (!ok || st.broken.count(label) || st.broken.count(node.name)) continue;
      if (iface.dhcp) {
        r.error(iface.security_group_pos[0], "interface '" + label + "' has 'dhcp: true' and security groups",
                "security groups need the member's addresses when the lab is deployed; give it a static 'ipv4'");
      } else if (!to_bridge.count(label) && st.mentioned.count(label)) {
        r.error(iface.security_group_pos[0],
                "interface '" + label + "' has security groups but is not linked to a bridge",
                "groups filter a bridge port; link it to a bridge (endpoints: [\"" + label + "\", br0])");
      }
    }
  }
}

}  // namespace netrig
