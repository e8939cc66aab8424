// Placement on hosts (`host: NAME` of nodes and switches) and the rules that need the whole lab:
// a named host exists, a cable joins the parts of one host, tunnel ports are on hosts and point at
// another host's underlay address. The hosts themselves are parsed in parse_nodes.cc.
#include <set>

#include "model/names.h"
#include "model/ovs_instance.h"
#include "model/parse_internal.h"

namespace netrig {

void parse_placement(Reader& r, const Entry& body, NodeSpec& node) {
  const auto host = Reader::get(body.value, "host");
  if (!host) return;
  if (auto s = r.string(host, "'host'")) {
    node.host = *s == kLocalHost ? "" : *s;
    node.host_pos = Reader::pos(host.value);
  }
}

namespace {

// Where a link end is: the host a node or switch is placed on; a host itself, and what is not
// placed, are on `local` (a host's interfaces are its cables to the lab's physical network).
std::string location(const NodeSpec& n) { return n.is_host ? "" : n.host; }
std::string shown(const std::string& host) { return host.empty() ? kLocalHost : host; }

}  // namespace

void check_hosts(Reader& r, const ParseState& st, const Topology& topo) {
  std::vector<std::string> hosts;
  std::set<std::string> underlay;  // every IPv4 address of a host's interfaces
  for (const auto& n : topo.nodes)
    if (n.is_host) {
      hosts.push_back(n.name);
      for (const auto& i : n.interfaces)
        for (const auto& a : i.addresses)
          if (a.addr.family == 4) underlay.insert(a.addr.str());
    }
  for (const auto& n : topo.nodes) {
    if (n.host.empty()) continue;
    const auto* h = topo.find_node(n.host);
    if (!h || !h->is_host) {
      if (!st.broken.count(n.host))
        r.error(n.host_pos, "'" + n.name + "' is placed on host '" + n.host + "', which is not defined",
                hosts.empty() ? "define it under 'topology: hosts:' (e.g. 'hosts: {" + n.host +
                                    ": {interfaces: {eth0: {ipv4: 192.168.100.11/24}}}}')"
                              : "hosts defined: " + one_of(hosts));
      continue;
    }
    if (n.kind == NodeKind::Ovs && uses_system_ovs(topo))
      r.error(n.host_pos, "ovs '" + n.name + "' is placed on host '" + n.host + "' and settings.ovs is set",
              "the system's Open vSwitch runs in the machine's own namespace; a host runs its own OVS, so remove "
              "settings.ovs or the placement");
  }
  for (const auto& l : topo.links) {
    const auto* a = topo.find_node(l.a.node);
    const auto* b = topo.find_node(l.b.node);
    if (!a || !b || location(*a) == location(*b)) continue;
    r.error(l.pos,
            "this link joins '" + a->name + "' (on host " + shown(location(*a)) + ") and '" + b->name + "' (on host " +
                shown(location(*b)) + ")",
            "a cable joins the parts of one host; hosts reach each other over their underlay (a host's interface "
            "linked to a switch on local) and tunnel ports (type: vxlan, gre or geneve with remote:)");
  }
  for (const auto& n : topo.nodes) {
    if (!n.ovs) continue;
    for (const auto& p : n.ovs->ports) {
      if (!is_tunnel(p)) continue;
      if (n.host.empty())
        r.error(p.pos, "tunnel port '" + p.name + "' is on ovs '" + n.name + "', which is on no host",
                "place the switch on a host (host: hv1) whose interfaces carry the underlay address");
      else if (!p.remote_ip.empty() && !underlay.count(p.remote_ip))
        r.error(p.pos,
                "tunnel port '" + p.name + "' of ovs '" + n.name + "' has remote " + p.remote_ip +
                    ", which is no host's address",
                "write the underlay address of the host at the other end (an address of its interfaces)");
    }
  }
  // Security groups are one ruleset in <lab>-local: a member port on a host's switch is elsewhere.
  for (const auto& n : topo.nodes)
    for (const auto& i : n.interfaces) {
      if (i.security_groups.empty()) continue;
      for (const auto& l : topo.links)
        for (const auto& [mine, other] : {std::pair{&l.a, &l.b}, {&l.b, &l.a}}) {
          if (mine->node != n.name || mine->iface != i.name) continue;
          const auto* sw = topo.find_node(other->node);
          if (sw && !sw->host.empty())
            r.error(i.pos,
                    "interface '" + n.name + ":" + i.name + "' has security groups and is linked to '" + sw->name +
                        "' on host " + sw->host,
                    "netrig enforces security groups on switches of the implicit host local only (for now); link "
                    "it to a switch there or drop the groups");
        }
    }
}

}  // namespace netrig
