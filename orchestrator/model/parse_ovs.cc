// A switch of kind ovs: bridge settings (protocols, fail_mode, controller, flood_vlans, MAC
// learning), ports (VLAN access/trunk, internal with addresses, patch), bonds and flows; and the
// rules that need the links (bond members and declared ports are linked, patch peers match).
#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <set>

#include "model/ip.h"
#include "model/names.h"
#include "model/parse_internal.h"

namespace netrig {
namespace {

const std::vector<std::string> kOvsKeys = {
    "kind",        "ports",          "bonds",          "flows",    "protocols",       "fail_mode", "controller",
    "flood_vlans", "mac_aging_time", "mac_table_size", "datapath", "connection_mode", "host"};
const std::vector<std::string> kPortKeys = {"tag",
                                            "trunks",
                                            "vlan_mode",
                                            "type",
                                            "peer",
                                            "ipv4",
                                            "ipv6",
                                            "qos",
                                            "ingress_policing_rate",
                                            "ingress_policing_burst",
                                            "remote",
                                            "key",
                                            "dst_port"};
const std::vector<std::string> kBondKeys = {"members", "bond_mode", "lacp",      "primary",
                                            "tag",     "trunks",    "vlan_mode", "rebalance_interval"};
const std::vector<std::string> kProtocols = {"OpenFlow10", "OpenFlow11", "OpenFlow12",
                                             "OpenFlow13", "OpenFlow14", "OpenFlow15"};
const std::vector<std::string> kVlanModes = {"access", "trunk", "native-tagged", "native-untagged"};
const std::vector<std::string> kBondModes = {"active-backup", "balance-slb", "balance-tcp"};

bool among(const std::string& s, const std::vector<std::string>& words) {
  return std::find(words.begin(), words.end(), s) != words.end();
}

// A word from a fixed list, with a did-you-mean.
std::optional<std::string> word(Reader& r, const Entry& e, const std::string& what,
                                const std::vector<std::string>& words) {
  auto s = r.string(e, what);
  if (!s) return std::nullopt;
  if (among(*s, words)) return s;
  auto hint = did_you_mean(*s, words);
  r.error(e, "'" + *s + "' is not a valid " + what, hint.empty() ? "use " + one_of(words) : hint);
  return std::nullopt;
}

// One VLAN id or a list of them ("101", [101, 102] or "101,102").
std::vector<int> vlan_list(Reader& r, const Entry& e, const std::string& what) {
  std::vector<int> out;
  auto add = [&](const YAML::Node& n) {
    if (n.IsScalar() && n.Scalar().find(',') != std::string::npos) {
      std::string text = n.Scalar();
      for (size_t start = 0; start <= text.size();) {
        auto comma = text.find(',', start);
        auto part = text.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
        try {
          size_t used = 0;
          int v = std::stoi(part, &used);
          if (used != part.size()) throw std::invalid_argument(part);
          if (!r.check_vlan_id(Entry(n), "VLAN id " + part + " in " + what, v)) return;
          out.push_back(v);
        } catch (const std::exception&) {
          r.error(Entry(n), "'" + part + "' in " + what + " is not a VLAN id", "VLAN ids go from 1 to 4094");
          return;
        }
        if (comma == std::string::npos) break;
        start = comma + 1;
      }
      return;
    }
    if (auto v = r.vlan_id(Entry(n), "a VLAN id in " + what)) out.push_back(*v);
  };
  if (e.value.IsSequence()) {
    for (const auto& item : e.value) add(item);
  } else {
    add(e.value);
  }
  return out;
}

void parse_vlan(Reader& r, const Entry& body, OvsVlan& vlan, const std::string& where) {
  if (auto tag = Reader::get(body.value, "tag"))
    if (auto v = r.vlan_id(tag, "'tag'")) vlan.tag = *v;
  const auto trunks = Reader::get(body.value, "trunks");
  if (trunks) vlan.trunks = vlan_list(r, trunks, "'trunks'");
  const auto mode = Reader::get(body.value, "vlan_mode");
  if (mode)
    if (auto m = word(r, mode, "vlan_mode", kVlanModes)) vlan.vlan_mode = *m;
  if (vlan.vlan_mode == "access" && !vlan.tag)
    r.error(mode, where + " has vlan_mode access but no 'tag'", "add 'tag: VLAN' (the access VLAN)");
  if (vlan.vlan_mode == "access" && trunks)
    r.error(trunks, where + " has vlan_mode access and 'trunks'", "an access port carries one VLAN: remove 'trunks'");
  if (vlan.vlan_mode.rfind("native-", 0) == 0 && !vlan.tag)
    r.error(mode, where + " has vlan_mode " + vlan.vlan_mode + " but no 'tag'",
            "add 'tag: VLAN': the native VLAN untagged frames belong to");
  if (vlan.vlan_mode.empty() && vlan.tag && trunks)
    r.error(trunks, where + " has both 'tag' and 'trunks'",
            "for a trunk with a native VLAN add 'vlan_mode: native-untagged' (or native-tagged); for an access port "
            "remove 'trunks'");
}

void parse_addresses(Reader& r, const Entry& e, OvsPortSpec& port, int family) {
  for (auto& [text, at] : r.strings(e, "'ipv" + std::to_string(family) + "'")) {
    auto p = IpPrefix::parse(text);
    if (!p || p->addr.family != family || text.find('/') == std::string::npos) {
      r.error(at, "'" + text + "' is not an IPv" + std::to_string(family) + " address with a prefix length",
              family == 4 ? "write it as 10.0.0.1/24" : "write it as fd00::1/64");
      continue;
    }
    port.addresses.push_back(*p);
  }
}

// A tunnel port's remote (underlay address of the other host), key and UDP port.
void parse_tunnel(Reader& r, const Entry& item, OvsPortSpec& port, const std::string& where) {
  const auto remote = Reader::get(item.value, "remote");
  const auto key = Reader::get(item.value, "key");
  const auto dst_port = Reader::get(item.value, "dst_port");
  if (!is_tunnel(port)) {
    for (const auto& [e, name] : {std::pair{remote, "remote"}, {key, "key"}, {dst_port, "dst_port"}})
      if (e)
        r.error(Entry(e.key), "'" + std::string(name) + "' is for tunnel ports",
                "add 'type: vxlan' (or gre, geneve) to make " + where + " a tunnel, or remove it");
    return;
  }
  if (!remote) {
    r.error(Entry(item.key), where + " is a " + port.type + " tunnel without 'remote'",
            "add 'remote: ADDRESS', the underlay address of the host at the other end");
  } else if (auto text = r.string(remote, "'remote'")) {
    if (auto a = IpAddr::parse(*text); a && a->family == 4)
      port.remote_ip = a->str();
    else
      r.error(remote, "'remote' of " + where + " must be an IPv4 address, not '" + *text + "'",
              "write the other host's underlay address, e.g. 'remote: 192.168.100.12'");
  }
  if (key)
    if (auto k = parse_tunnel_key(r, key, port.type, where)) port.tunnel_key = *k;
  if (dst_port)
    if (auto v = parse_tunnel_dst_port(r, dst_port, port.type, "")) port.dst_port = *v;
}

void parse_port(Reader& r, const Entry& item, const std::string& sw, OvsPortSpec& port) {
  port.name = item.name();
  port.pos = Reader::pos(item.key);
  const auto where = "port '" + port.name + "' of ovs '" + sw + "'";
  if (auto why = ovs_port_problem(port.name); !why.empty())
    r.error(Entry(item.key), "port name '" + port.name + "' is not valid: " + why,
            "use up to 15 letters, digits, '_', '.' or '-'");
  if (item.value.IsNull()) return;  // `port:` or `port: {}`: a plain port
  if (!r.is_map(item, where, true)) return;
  r.check_keys(item, kPortKeys, where);
  parse_vlan(r, item, port.vlan, where);
  if (auto type = Reader::get(item.value, "type"))
    if (auto t = word(r, type, "port type", {"internal", "patch", "gre", "vxlan", "geneve"})) port.type = *t;
  parse_tunnel(r, item, port, where);
  const auto peer = Reader::get(item.value, "peer");
  if (port.type == "patch") {
    if (!peer) {
      r.error(Entry(item.key), where + " is a patch port without 'peer'",
              "add 'peer: OTHER_SWITCH:PORT' (the patch port on the other switch)");
    } else if (auto p = r.string(peer, "'peer'")) {
      auto colon = p->find(':');
      if (colon == std::string::npos || colon == 0 || colon + 1 == p->size())
        r.error(peer, "'peer' of " + where + " must be SWITCH:PORT, not '" + *p + "'",
                "name the patch port on the other switch, e.g. 'br1:to_br0'");
      else
        port.peer_switch = p->substr(0, colon), port.peer_port = p->substr(colon + 1);
    }
  } else if (peer) {
    r.error(Entry(peer.key), "'peer' is for patch ports", "add 'type: patch' or remove 'peer'");
  }
  parse_ovs_port_qos(r, item, port, where);
  if (port.type == "patch" && (port.qos || port.policing_rate_kbps))
    r.error(Entry(item.key), where + " is a patch port and has qos or ingress policing",
            "a patch port has no device to shape; put qos on the link port the traffic leaves by");
  for (int family : {4, 6}) {
    auto e = Reader::get(item.value, "ipv" + std::to_string(family));
    if (!e) continue;
    if (port.type != "internal")
      r.error(Entry(e.key), where + " has addresses but is not an internal port",
              "add 'type: internal' (a device on the switch, e.g. a gateway), or put addresses on a node");
    else
      parse_addresses(r, e, port, family);
  }
}

void parse_bond(Reader& r, const Entry& item, const std::string& sw, OvsBondSpec& bond) {
  bond.name = item.name();
  bond.pos = Reader::pos(item.key);
  const auto where = "bond '" + bond.name + "' of ovs '" + sw + "'";
  if (auto why = ovs_port_problem(bond.name); !why.empty())
    r.error(Entry(item.key), "bond name '" + bond.name + "' is not valid: " + why,
            "use up to 15 letters, digits, '_', '.' or '-'");
  if (!r.is_map(item, where)) return;
  r.check_keys(item, kBondKeys, where);
  parse_vlan(r, item, bond.vlan, where);
  const auto members = Reader::get(item.value, "members");
  if (!members) {
    r.error(Entry(item.key), where + " has no 'members'", "list the ports its links use: members: [p1, p2]");
  } else {
    for (auto& [m, at] : r.strings(members, "'members'")) bond.members.push_back(m);
    if (bond.members.size() < 2 && members.value.IsDefined())
      r.error(members, where + " has " + std::to_string(bond.members.size()) + " member(s), a bond needs at least 2",
              "list two or more ports");
  }
  if (auto mode = Reader::get(item.value, "bond_mode"))
    if (auto m = word(r, mode, "bond_mode", kBondModes)) bond.mode = *m;
  if (auto lacp = Reader::get(item.value, "lacp"))
    if (auto l = word(r, lacp, "lacp setting", {"active", "passive", "off"})) bond.lacp = *l;
  if (auto primary = Reader::get(item.value, "primary")) {
    if (auto p = r.string(primary, "'primary'")) {
      bond.primary = *p;
      if (std::find(bond.members.begin(), bond.members.end(), *p) == bond.members.end())
        r.error(primary, "'primary' of " + where + " is '" + *p + "', which is not one of its members",
                "name one of: " + one_of(bond.members));
    }
  }
  if (auto e = Reader::get(item.value, "rebalance_interval"))
    if (auto v = r.integer(e, "'rebalance_interval'", 1000, 10000000)) bond.rebalance_ms = static_cast<int>(*v);
  if (bond.mode == "balance-tcp" && (bond.lacp.empty() || bond.lacp == "off"))
    r.error(Reader::get(item.value, "bond_mode"), where + " uses balance-tcp without LACP",
            "balance-tcp needs 'lacp: active' (or passive on one side)");
}

std::string ovs_switch_name_of(const std::string& node) { return short_kernel_name(node); }

}  // namespace

std::optional<std::string> parse_tunnel_key(Reader& r, const Entry& key, const std::string& type,
                                            const std::string& where) {
  auto text = r.string(key, "'key'");
  if (!text) return std::nullopt;
  char* end = nullptr;
  const unsigned long long v = std::strtoull(text->c_str(), &end, 10);
  const unsigned long long max = type == "gre" ? 0xffffffffULL : 0xffffffULL;
  if (*text == "flow" ||
      (!text->empty() && *end == '\0' && std::isdigit(static_cast<unsigned char>((*text)[0])) && v <= max))
    return text;
  r.error(key,
          "'key' of " + where + " must be 'flow' or a number up to " + std::to_string(max) + ", not '" + *text + "'",
          "'key: flow' lets flows set it (set_tunnel / set_field:N->tun_id); a number fixes it");
  return std::nullopt;
}

std::optional<int> parse_tunnel_dst_port(Reader& r, const Entry& dst_port, const std::string& type,
                                         const std::string& where) {
  if (type == "gre") {
    r.error(Entry(dst_port.key),
            "'dst_port'" + (where.empty() ? "" : " of " + where) + " is for vxlan and geneve tunnels",
            "GRE has no UDP port; remove it");
    return std::nullopt;
  }
  if (auto v = r.integer(dst_port, "'dst_port'", 1, 65535)) return static_cast<int>(*v);
  return std::nullopt;
}

std::string ovs_port_problem(const std::string& port) {
  if (auto why = ifname_problem(port); !why.empty()) return why;
  if (port.size() > kMaxIfName)
    return "it has " + std::to_string(port.size()) + " characters, at most " + std::to_string(kMaxIfName) +
           " are allowed (it names a device)";
  return "";
}

void parse_ovs_switch(Reader& r, ParseState& st, const Entry& body, NodeSpec& node) {
  node.ovs.emplace();
  auto& o = *node.ovs;
  const auto where = "ovs '" + node.name + "'";
  auto keys = kOvsKeys;
  for (auto& k : report_foreign_keys(r, body, node, "ovs")) keys.push_back(k);  // image, binds, ...: said there
  r.check_keys(body, keys, where);
  if (auto e = Reader::get(body.value, "protocols"))
    for (auto& [p, at] : r.strings(e, "'protocols'")) {
      if (among(p, kProtocols)) {
        o.protocols.push_back(p);
        continue;
      }
      auto hint = did_you_mean(p, kProtocols);
      r.error(at, "'" + p + "' is not an OpenFlow version", hint.empty() ? "use " + one_of(kProtocols) : hint);
    }
  if (auto e = Reader::get(body.value, "fail_mode"))
    if (auto m = word(r, e, "fail_mode", {"secure", "standalone"})) o.fail_mode = *m;
  if (auto e = Reader::get(body.value, "controller"))
    for (auto& [c, at] : r.strings(e, "'controller'")) {
      if (c.rfind("tcp:", 0) != 0 && c.rfind("unix:", 0) != 0 && c.rfind("ptcp:", 0) != 0) {
        r.error(at, "controller '" + c + "' is not a controller address",
                "write tcp:IP:PORT, e.g. tcp:10.0.0.254:6653");
        continue;
      }
      o.controllers.push_back(c);
      o.controller_pos.push_back(Reader::pos(at));
    }
  if (auto e = Reader::get(body.value, "connection_mode")) {
    if (auto m = word(r, e, "connection_mode", {"in-band", "out-of-band"})) o.connection_mode = *m;
    if (!Reader::get(body.value, "controller"))
      r.error(Entry(e.key), "'connection_mode' of ovs '" + node.name + "' needs a 'controller'",
              "it says how the switch reaches its controller; add 'controller: tcp:IP:6653' or drop it");
  }
  if (auto e = Reader::get(body.value, "flood_vlans")) o.flood_vlans = vlan_list(r, e, "'flood_vlans'");
  if (auto e = Reader::get(body.value, "mac_aging_time"))
    if (auto v = r.integer(e, "'mac_aging_time'", 1, 86400 * 365)) o.mac_aging_time = static_cast<int>(*v);
  if (auto e = Reader::get(body.value, "mac_table_size"))
    if (auto v = r.integer(e, "'mac_table_size'", 1, 1 << 30)) o.mac_table_size = static_cast<int>(*v);
  if (auto e = Reader::get(body.value, "datapath"))
    if (auto d = word(r, e, "datapath", {"netdev", "system"})) o.datapath = *d;

  std::set<std::string> names;
  if (auto ports = Reader::get(body.value, "ports"); ports && r.is_map(ports, "'ports'", true))
    for (const auto& item : r.entries(ports, "'ports' of " + where)) {
      OvsPortSpec port;
      parse_port(r, item, node.name, port);
      if (!names.insert(port.name).second) continue;  // YAML repeats are reported by check_keys
      o.ports.push_back(port);
    }
  if (auto bonds = Reader::get(body.value, "bonds"); bonds && r.is_map(bonds, "'bonds'", true))
    for (const auto& item : r.entries(bonds, "'bonds' of " + where)) {
      OvsBondSpec bond;
      parse_bond(r, item, node.name, bond);
      if (!names.insert(bond.name).second) {
        r.error(Entry(item.key), "bond '" + bond.name + "' has the name of a port of " + where,
                "ports and bonds share one namespace; rename one");
        continue;
      }
      o.bonds.push_back(bond);
    }
  if (auto flows = Reader::get(body.value, "flows"))
    for (auto& [f, at] : r.strings(flows, "'flows'")) {
      if (f.find_first_not_of(" \t") == std::string::npos || f.find('\n') != std::string::npos) {
        r.error(at, "a flow must be one non-empty line",
                "write it in ovs-ofctl syntax, e.g. 'priority=0,actions=NORMAL'");
        continue;
      }
      o.flows.push_back({f, Reader::pos(at)});
    }
  (void)st;
}

void check_ovs(Reader& r, const ParseState& st, const Topology& topo) {
  bool any = false;
  std::map<std::string, std::set<std::string>> linked;  // switch -> ports its links name
  for (const auto& l : topo.links)
    for (const auto* e : {&l.a, &l.b})
      if (!e->port.empty()) linked[e->node].insert(e->port);
  for (const auto& node : topo.nodes) {
    if (!node.ovs) continue;
    any = true;
    const auto& o = *node.ovs;
    check_ovs_flow_queues(r, node);
    std::map<std::string, std::string> member_of;
    for (const auto& b : o.bonds)
      for (const auto& m : b.members) {
        if (o.find_port(m) && !o.find_port(m)->type.empty())
          r.error(b.pos, "bond '" + b.name + "' member '" + m + "' is a " + o.find_port(m)->type + " port",
                  "bond members are the switch ends of links");
        else if (!linked[node.name].count(m))
          r.error(b.pos, "bond '" + b.name + "' of ovs '" + node.name + "' has member '" + m + "', which no link uses",
                  "link it: endpoints: [\"" + node.name + ":" + m + "\", \"OTHER:PORT\"]");
        if (auto [it, fresh] = member_of.emplace(m, b.name); !fresh)
          r.error(b.pos, "port '" + m + "' is a member of bonds '" + it->second + "' and '" + b.name + "'",
                  "a port joins one bond");
      }
    for (const auto& p : o.ports) {
      if (p.type == "internal" || p.type == "patch" || is_tunnel(p)) {
        if (linked[node.name].count(p.name))
          r.error(p.pos, p.type + " port '" + p.name + "' of ovs '" + node.name + "' is also a link's endpoint",
                  "an " + p.type + " port is not the end of a link; name another port in the link");
      } else if (!linked[node.name].count(p.name)) {
        r.error(p.pos, "port '" + p.name + "' of ovs '" + node.name + "' is not connected by any link",
                "add a link with endpoint \"" + node.name + ":" + p.name + "\", or make it 'type: internal'");
      }
      if (member_of.count(p.name) && p.qos)
        r.error(p.qos->pos, "port '" + p.name + "' is a member of bond '" + member_of[p.name] + "' and has qos",
                "OVS's qos belongs to a whole port, and a bond is one port: netrig shapes link ports only");
      if (member_of.count(p.name) && (p.vlan.tag || !p.vlan.trunks.empty() || !p.vlan.vlan_mode.empty()))
        r.error(p.pos, "port '" + p.name + "' is a member of bond '" + member_of[p.name] + "' and has VLAN settings",
                "set tag/trunks/vlan_mode on the bond");
      if (p.type != "patch" || p.peer_switch.empty() || st.broken.count(p.peer_switch)) continue;
      const auto* peer = topo.find_node(p.peer_switch);
      const OvsPortSpec* pp = peer && peer->ovs ? peer->ovs->find_port(p.peer_port) : nullptr;
      if (!peer || !peer->ovs)
        r.error(p.pos,
                "patch port '" + p.name + "' of ovs '" + node.name + "' names '" + p.peer_switch +
                    "', which is not an ovs switch",
                "a patch port joins two ovs switches of the lab");
      else if (!pp || pp->type != "patch" || pp->peer_switch != node.name || pp->peer_port != p.name)
        r.error(p.pos, "patch port '" + p.name + "' of ovs '" + node.name + "' has no matching peer",
                "declare '" + p.peer_port + ": {type: patch, peer: " + node.name + ":" + p.name + "}' under ovs '" +
                    p.peer_switch + "' ports");
    }
  }
  if (!any) return;
  // Ports are devices in their host's namespace: one name, one switch, per host.
  std::map<std::string, std::string> owner;  // host + port -> switch
  auto claim = [&](const std::string& sw, const std::string& port, SourcePos at) {
    const auto* n = topo.find_node(sw);
    auto [it, fresh] = owner.emplace((n ? n->host : "") + "\n" + port, sw);
    if (!fresh && it->second != sw)
      r.error(at, "port name '" + port + "' is used by ovs '" + it->second + "' and ovs '" + sw + "'",
              "switch ports are devices of the lab's local host; give each its own name");
  };
  for (const auto& node : topo.nodes)
    if (node.ovs) {
      claim(node.name, ovs_switch_name_of(node.name), node.pos);
      for (const auto& p : node.ovs->ports)
        if (p.type == "internal" || is_tunnel(p)) claim(node.name, p.name, p.pos);
    }
  for (const auto& l : topo.links)
    for (const auto* e : {&l.a, &l.b})
      if (!e->port.empty()) claim(e->node, e->port, e->pos);
}

bool is_tunnel(const OvsPortSpec& p) { return p.type == "gre" || p.type == "vxlan" || p.type == "geneve"; }

}  // namespace netrig
