// topology.tunnels: a point-to-point tunnel or a full mesh generated from a list of ovs switches,
// each on its own host (issue 16, lecture 28). Each item is expanded here, right after the nodes, into
// the tunnel ports a user would otherwise write under every switch's `ports:` (n*(n-1) of them):
// on switch A (host X), for every other switch B (host Y), a port tunnel_port_name(type, Y) with
// remote = Y's address on the network X and Y share. Everything after the parser (check_ovs,
// check_hosts, the plan, the underlay step, drivers, status, inspect, the API, mtu checks, the
// flows' port names) sees ports exactly as if they were written by hand.
#include <algorithm>
#include <set>

#include "model/ip.h"
#include "model/names.h"
#include "model/parse_internal.h"

namespace netrig {
namespace {

const std::vector<std::string> kTunnelKeys = {"type", "key", "dst_port", "underlay", "switches"};
const std::vector<std::string> kTunnelTypes = {"vxlan", "gre", "geneve"};

struct Member {
  NodeSpec* sw = nullptr;
  const NodeSpec* host = nullptr;
  Entry at;  // the switch's item in `switches:`
};

// An IPv4 address of a host's interface that may carry tunnels.
struct Underlay {
  std::string iface;
  IpPrefix prefix;
};

std::vector<Underlay> underlay_of(const NodeSpec& host, const std::string& only_iface) {
  std::vector<Underlay> out;
  for (const auto& i : host.interfaces) {
    if (!only_iface.empty() && i.name != only_iface) continue;
    for (const auto& a : i.addresses)
      if (a.addr.family == 4) out.push_back({i.name, a});
  }
  return out;
}

// The pairs of addresses (one of each host) on one IPv4 network.
std::vector<std::pair<Underlay, Underlay>> shared_networks(const NodeSpec& x, const NodeSpec& y,
                                                           const std::string& only_iface) {
  std::vector<std::pair<Underlay, Underlay>> out;
  for (const auto& a : underlay_of(x, only_iface))
    for (const auto& b : underlay_of(y, only_iface))
      if (a.prefix.network() == b.prefix.network() && a.prefix.addr != b.prefix.addr) out.emplace_back(a, b);
  return out;
}

std::vector<std::string> ovs_switch_names(const Topology& topo) {
  std::vector<std::string> out;
  for (const auto& n : topo.nodes)
    if (n.ovs) out.push_back(n.name);
  return out;
}

NodeSpec* find_mutable(Topology& topo, const std::string& name) {
  for (auto& n : topo.nodes)
    if (n.name == name) return &n;
  return nullptr;
}

// The members of one item's `switches:`, each an ovs switch on a host of its own; empty after any
// error (reported here, or already at the switch or its host).
std::vector<Member> members_of(Reader& r, const ParseState& st, const Entry& switches, Topology& topo,
                               const std::string& where) {
  std::vector<Member> out;
  bool bad = false;
  std::map<std::string, SourcePos> listed;
  std::map<std::string, std::string> on_host;  // host -> the member switch on it
  for (auto& [name, at] : r.strings(switches, "'switches'")) {
    if (auto [it, fresh] = listed.emplace(name, Reader::pos(at)); !fresh) {
      r.error(at, "'" + name + "' is listed twice in 'switches' of " + where, "list each switch once");
      bad = true;
      continue;
    }
    if (st.broken.count(name)) {  // its own definition has an error already
      bad = true;
      continue;
    }
    auto* n = find_mutable(topo, name);
    const auto ovs = ovs_switch_names(topo);
    if (!n) {
      auto hint = did_you_mean(name, ovs);
      r.error(at, "'" + name + "' in 'switches' of " + where + " is not a node of the lab",
              !hint.empty() ? hint
              : ovs.empty() ? "list ovs switches placed on hosts (host: hv1), defined under 'nodes:'"
                            : "ovs switches of the lab: " + one_of(ovs));
      bad = true;
      continue;
    }
    if (n->is_host) {
      r.error(at, "'" + name + "' in 'switches' of " + where + " is a host, not a switch",
              "list the ovs switch on that host that carries the tunnels (its br-tun)");
      bad = true;
      continue;
    }
    if (!n->ovs) {
      r.error(at,
              "'" + name + "' in 'switches' of " + where + " is a " + to_string(n->kind) + " node, not an ovs switch",
              "tunnel ports are Open vSwitch ports: list only ovs switches" +
                  (ovs.empty() ? std::string() : " (" + one_of(ovs) + ")"));
      bad = true;
      continue;
    }
    if (n->host.empty()) {
      r.error(at, "ovs '" + name + "' in 'switches' of " + where + " is on no host (it is on local)",
              "tunnels join hosts: place the switch on one with 'host: hv1', or take it out of the list");
      bad = true;
      continue;
    }
    const auto* h = topo.find_node(n->host);
    if (!h || !h->is_host || st.broken.count(n->host)) {  // check_hosts says so at the switch's 'host:'
      bad = true;
      continue;
    }
    if (auto [it, fresh] = on_host.emplace(n->host, name); !fresh) {
      r.error(at, "'" + name + "' and '" + it->second + "' in 'switches' of " + where + " are both on host " + n->host,
              "a tunnel joins two hosts: list one switch per host");
      bad = true;
      continue;
    }
    out.push_back({n, h, at});
  }
  if (bad) return {};
  if (out.size() < 2) {
    r.error(switches,
            where + " lists " + std::to_string(out.size()) + " switch" + (out.size() == 1 ? "" : "es") +
                "; a tunnel needs at least 2",
            "list two ovs switches on different hosts (a point-to-point tunnel) or more (a full mesh)");
    return {};
  }
  return out;
}

std::string described(const std::vector<std::pair<Underlay, Underlay>>& nets) {
  std::vector<std::string> parts;
  for (const auto& [a, b] : nets) parts.push_back(a.iface + "/" + b.iface + " " + a.prefix.network().str());
  return one_of(parts);
}

void parse_item(Reader& r, ParseState& st, const Entry& item, int number, Topology& topo) {
  const auto where = "tunnels item " + std::to_string(number);
  if (!r.is_map(item, where)) return;
  auto keys = kTunnelKeys;
  keys.push_back("remote");  // said below, with a better reason than "unknown"
  r.check_keys(item, keys, where);
  bool ok = true;
  if (const auto remote = Reader::get(item.value, "remote")) {
    r.error(Entry(remote.key), "'remote' is not a key of " + where + ": each port's remote is the peer host's address",
            "remove it; to give one tunnel another remote, write that port by hand under the switch's 'ports:'");
    ok = false;
  }
  std::string type;
  if (const auto t = Reader::get(item.value, "type")) {
    if (auto s = r.string(t, "'type'")) {
      if (std::find(kTunnelTypes.begin(), kTunnelTypes.end(), *s) != kTunnelTypes.end()) {
        type = *s;
      } else {
        auto hint = did_you_mean(*s, kTunnelTypes);
        r.error(t, "'" + *s + "' is not a tunnel type", hint.empty() ? "use " + one_of(kTunnelTypes) : hint);
      }
    }
  } else {
    r.error(item, where + " has no 'type'", "add 'type: vxlan' (or gre, geneve)");
  }
  if (type.empty()) ok = false;
  std::string key;
  if (const auto k = Reader::get(item.value, "key"); k && !type.empty()) {
    if (auto v = parse_tunnel_key(r, k, type, where))
      key = *v;
    else
      ok = false;
  }
  int dst_port = 0;
  if (const auto d = Reader::get(item.value, "dst_port"); d && !type.empty()) {
    if (auto v = parse_tunnel_dst_port(r, d, type, where))
      dst_port = *v;
    else
      ok = false;
  }
  std::string underlay;
  const auto underlay_entry = Reader::get(item.value, "underlay");
  if (underlay_entry) {
    if (auto s = r.string(underlay_entry, "'underlay'"))
      underlay = *s;
    else
      ok = false;
  }
  const auto switches = Reader::get(item.value, "switches");
  if (!switches) {
    r.error(item, where + " has no 'switches'",
            "list the ovs switches to join, one per host: switches: [br-tun1, br-tun2, br-tun3]");
    return;
  }
  auto members = members_of(r, st, switches, topo, where);
  if (members.empty() || !ok) return;

  if (!underlay.empty())
    for (const auto& m : members) {
      if (underlay_of(*m.host, underlay).empty()) {
        std::vector<std::string> names;
        for (const auto& i : m.host->interfaces) names.push_back(i.name);
        const auto* i = m.host->find_interface(underlay);
        r.error(underlay_entry,
                i ? "interface '" + underlay + "' of host " + m.host->name + " (of '" + m.sw->name +
                        "') has no IPv4 address"
                  : "host " + m.host->name + " (of '" + m.sw->name + "') has no interface '" + underlay + "'",
                i               ? "give it the host's underlay address, e.g. 'ipv4: 192.168.100.11/24'"
                : names.empty() ? "give each listed host its underlay interface under 'hosts:'"
                                : "interfaces of " + m.host->name + ": " + one_of(names));
        return;
      }
    }

  // The remote of every ordered pair, from the one network the two hosts share.
  std::map<std::pair<size_t, size_t>, std::string> remote;
  for (size_t i = 0; i < members.size(); ++i)
    for (size_t j = i + 1; j < members.size(); ++j) {
      const auto& x = *members[i].host;
      const auto& y = *members[j].host;
      const auto nets = shared_networks(x, y, underlay);
      const auto on = underlay.empty() ? std::string() : " on interface " + underlay;
      if (nets.empty()) {
        r.error(members[j].at,
                "hosts " + x.name + " (of '" + members[i].sw->name + "') and " + y.name + " (of '" +
                    members[j].sw->name + "') share no IPv4 network" + on + ", so " + where + " has no remote for them",
                "give both hosts an address on one underlay network (e.g. 192.168.100.11/24 and 192.168.100.12/24), "
                "or write these tunnel ports by hand with 'remote:'");
        ok = false;
      } else if (nets.size() > 1) {
        r.error(members[j].at,
                "hosts " + x.name + " and " + y.name + " share more than one IPv4 network" + on + " (" +
                    described(nets) + "), so " + where + " cannot choose their remotes",
                underlay.empty()
                    ? "say which interface carries the tunnels: 'underlay: " + nets.front().first.iface + "'"
                    : "write these tunnel ports by hand with 'remote:'");
        ok = false;
      } else {
        remote[{i, j}] = nets.front().second.prefix.addr.str();
        remote[{j, i}] = nets.front().first.prefix.addr.str();
      }
    }
  if (!ok) return;

  for (size_t i = 0; i < members.size(); ++i) {
    auto& sw = *members[i].sw;
    for (size_t j = 0; j < members.size(); ++j) {
      if (i == j) continue;
      OvsPortSpec port;
      port.name = tunnel_port_name(type, members[j].host->name);
      port.type = type;
      port.remote_ip = remote.at({i, j});
      port.tunnel_key = key;
      port.dst_port = dst_port;
      port.pos = Reader::pos(members[i].at);
      const auto* same = sw.ovs->find_port(port.name);
      const bool bond = std::any_of(sw.ovs->bonds.begin(), sw.ovs->bonds.end(),
                                    [&](const OvsBondSpec& b) { return b.name == port.name; });
      if (same || bond) {
        const auto by = st.tunnel_ports.find(sw.name + ":" + port.name);
        const auto earlier = by == st.tunnel_ports.end() ? std::string() : by->second;
        r.error(members[i].at,
                where + " makes port '" + port.name + "' on ovs '" + sw.name + "' (towards host " +
                    members[j].host->name + "), which " +
                    (bond              ? "has a bond of that name"
                     : earlier.empty() ? "has it written by hand at line " + std::to_string(same->pos.line)
                                       : earlier + " makes too"),
                bond              ? "rename the bond: tunnel ports are named " + tunnel_port_name(type, "<host>")
                : earlier.empty() ? "remove the hand-written port (this item makes it the same way), or take '" +
                                        sw.name + "' out of the list"
                                  : "list each pair of switches in one tunnels item only");
        continue;
      }
      st.tunnel_ports[sw.name + ":" + port.name] = where;
      sw.ovs->ports.push_back(std::move(port));
    }
  }
}

}  // namespace

void parse_tunnels(Reader& r, ParseState& st, const Entry& tunnels, Topology& topo) {
  if (!tunnels || tunnels.value.IsNull() || !r.is_list(tunnels, "'tunnels'")) return;
  int number = 0;
  for (const auto& item : tunnels.value) parse_item(r, st, Entry(item), ++number, topo);
}

}  // namespace netrig
