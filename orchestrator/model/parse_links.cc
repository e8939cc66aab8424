// topology.links (two phases, as containerlab: raw endpoint text -> resolved Endpoint) and the
// lab-wide rules that need the links: every interface linked, no address twice on one network.
#include <functional>

#include "model/parse_internal.h"

namespace netrig {
namespace {

const std::vector<std::string> kLinkKeys = {"endpoints", "mtu"};

// Union-find over string keys: bridges joined by links, interfaces on one layer-2 network.
class Segments {
 public:
  std::string find(const std::string& x) {
    auto it = parent_.find(x);
    if (it == parent_.end() || it->second == x) return parent_[x] = x;
    return it->second = find(it->second);
  }
  void join(const std::string& a, const std::string& b) { parent_[find(a)] = find(b); }

 private:
  std::map<std::string, std::string> parent_;
};

std::string segment_key(const Endpoint& e) { return e.iface.empty() ? "bridge " + e.node : e.node + ":" + e.iface; }

std::optional<Endpoint> parse_endpoint(Reader& r, ParseState& st, const Entry& at, const Topology& topo) {
  auto text = r.string(at, "an endpoint");
  if (!text) return std::nullopt;
  Endpoint ep;
  ep.pos = Reader::pos(at);
  const auto colon = text->find(':');
  ep.node = text->substr(0, colon);
  if (colon != std::string::npos) {
    ep.iface = text->substr(colon + 1);
    st.mentioned.insert(*text);
  }
  if (st.broken.count(ep.node) || st.broken.count(*text)) return std::nullopt;  // already reported
  const NodeSpec* node = topo.find_node(ep.node);
  if (!node) {
    auto hint = did_you_mean(ep.node, node_names(topo));
    r.error(at, "endpoint '" + *text + "' names unknown node '" + ep.node + "'",
            hint.empty() ? "declare the node under 'topology.nodes'" : hint);
    return std::nullopt;
  }
  if (node->kind == NodeKind::Ovs) {
    // 'switch:port' names the switch's port for this link (OVS port and device name).
    ep.port = ep.iface;
    ep.iface.clear();
    if (colon == std::string::npos) return ep;
    if (auto why = ovs_port_problem(ep.port); !why.empty()) {
      r.error(at, "port name '" + ep.port + "' in endpoint '" + *text + "' is not valid: " + why,
              "name the port with up to 15 letters, digits, '_', '.' or '-', e.g. '" + ep.node + ":first_br'");
      return std::nullopt;
    }
    return ep;
  }
  if (node->kind == NodeKind::Bridge) {
    if (colon == std::string::npos) return ep;
    r.error(at, "endpoint '" + *text + "' names an interface of bridge '" + ep.node + "'",
            "write just '" + ep.node + "'; netrig names the bridge's ports itself");
    return std::nullopt;
  }
  if (ep.iface.empty()) {
    for (const auto& i : node->interfaces) st.mentioned.insert(ep.node + ":" + i.name);  // one of them was meant
    r.error(at, "endpoint '" + *text + "' of netns node '" + ep.node + "' needs an interface",
            node->interfaces.empty() ? "declare one under the node's 'interfaces:' and write '" + ep.node + ":eth0'"
                                     : "write it as '" + ep.node + ":" + node->interfaces.front().name + "'");
    return std::nullopt;
  }
  if (!node->find_interface(ep.iface)) {
    for (const auto& i : node->interfaces) st.mentioned.insert(ep.node + ":" + i.name);  // one of them was meant
    std::vector<std::string> names;
    for (const auto& i : node->interfaces) names.push_back(i.name);
    auto hint = did_you_mean(ep.iface, names);
    r.error(
        at,
        "endpoint '" + *text + "' names interface '" + ep.iface + "', which node '" + ep.node + "' does not declare",
        hint.empty() ? "add '" + ep.iface + ":' under the node's 'interfaces:'" : hint);
    return std::nullopt;
  }
  return ep;
}

}  // namespace

void parse_links(Reader& r, ParseState& st, const Entry& links, Topology& topo) {
  if (!links || links.value.IsNull() || !r.is_list(links, "'links'")) return;
  std::map<std::string, SourcePos> used;  // "node:iface" -> where first linked
  Segments bridges;
  for (const auto& node : links.value) {
    const Entry item(node);
    if (!r.is_map(item, "a link")) continue;
    r.check_keys(item, kLinkKeys, "a link");
    const auto endpoints = Reader::get(node, "endpoints");
    if (!endpoints) {
      r.error(item, "link has no 'endpoints'", "write endpoints: [\"a:eth0\", \"b:eth0\"]");
      continue;
    }
    if (!r.is_list(endpoints, "'endpoints'")) continue;
    if (endpoints.value.size() != 2) {
      for (const auto& e : endpoints.value)
        if (e.IsScalar()) st.mentioned.insert(e.Scalar());
      r.error(endpoints, "a link has exactly 2 endpoints, not " + std::to_string(endpoints.value.size()),
              "to join more than two nodes, link each of them to a bridge");
      continue;
    }
    auto a = parse_endpoint(r, st, Entry(endpoints.value[0]), topo);
    auto b = parse_endpoint(r, st, Entry(endpoints.value[1]), topo);
    if (!a || !b) continue;
    if (a->node == b->node && a->iface == b->iface) {
      r.error(endpoints,
              a->iface.empty() ? "link joins bridge '" + a->node + "' to itself"
                               : "link joins '" + a->node + ":" + a->iface + "' to itself",
              "a link needs two different ends");
      continue;
    }
    bool ok = true;
    for (const auto* ep : {&*a, &*b}) {
      if (ep->iface.empty() && ep->port.empty()) continue;
      auto key = ep->node + ":" + (ep->iface.empty() ? ep->port : ep->iface);
      if (auto [it, fresh] = used.emplace(key, ep->pos); !fresh) {
        r.error(ep->pos,
                std::string(ep->iface.empty() ? "port '" : "interface '") + key +
                    "' is already used by the link at line " + std::to_string(it->second.line),
                ep->iface.empty() ? "a switch port joins one link; give this link another port name"
                                  : "an interface joins one link; add another interface to the node");
        ok = false;
      }
    }
    if (!ok) continue;
    const bool ovs_pair =
        topo.find_node(a->node)->kind == NodeKind::Ovs || topo.find_node(b->node)->kind == NodeKind::Ovs;
    if (a->iface.empty() && b->iface.empty() && !ovs_pair) {  // OVS: parallel links make bonds
      if (bridges.find(a->node) == bridges.find(b->node)) {
        r.error(endpoints, "link between bridges '" + a->node + "' and '" + b->node + "' makes a loop",
                "they are already connected; remove this link (a loop without STP floods the lab with copies)");
        continue;
      }
      bridges.join(a->node, b->node);
    }
    LinkSpec link{*a, *b, std::nullopt, Reader::pos(item)};
    if (const auto mtu = Reader::get(node, "mtu")) {
      auto v = r.integer(mtu, "'mtu'", 68, 65535);
      if (!v) continue;
      link.mtu = static_cast<int>(*v);
    }
    topo.links.push_back(link);
  }
}

namespace {

// DHCP: one server per network; `dhcp: true` needs one; static addresses stay clear of the range
// and of the server's address; no node takes the name of a server's namespace.
void check_dhcp(Reader& r, const ParseState& st, const Topology& topo, Segments& segments,
                const std::set<std::string>& linked) {
  std::map<std::string, const NodeSpec*> server_of;  // segment -> bridge with `dhcp:`
  std::set<std::string> broken;                      // segments whose server had an error
  for (const auto& node : topo.nodes)
    if (st.broken.count("dhcp " + node.name)) broken.insert(segments.find("bridge " + node.name));
  for (const auto& node : topo.nodes) {
    if (!node.dhcp) continue;
    auto [it, fresh] = server_of.emplace(segments.find("bridge " + node.name), &node);
    if (!fresh)
      r.error(node.dhcp->pos,
              "bridge '" + node.name + "' and bridge '" + it->second->name +
                  "' are one network and both have a DHCP server",
              "keep 'dhcp' on one of them; two servers would hand out conflicting leases");
    if (const auto* clash = topo.find_node("dhcp-" + node.name))
      r.error(clash->pos,
              "node name 'dhcp-" + node.name + "' is taken by the DHCP server of bridge '" + node.name + "'",
              "rename the node");
  }
  for (const auto& node : topo.nodes) {
    for (const auto& iface : node.interfaces) {
      const auto label = node.name + ":" + iface.name;
      if (!linked.count(label)) continue;
      auto it = server_of.find(segments.find(label));
      if (iface.dhcp && it == server_of.end() && !broken.count(segments.find(label)))
        r.error(iface.pos, "interface '" + label + "' has 'dhcp: true' but no DHCP server on its network",
                "link it to a bridge that has 'dhcp: {range: FIRST-LAST}'");
      if (it == server_of.end()) continue;
      const auto& d = *it->second->dhcp;
      for (size_t i = 0; i < iface.addresses.size(); ++i) {
        const auto& a = iface.addresses[i].addr;
        if (dhcp_in_range(d, a))
          r.error(iface.address_pos[i],
                  "static address " + a.str() + " of '" + label + "' is inside the DHCP range of bridge '" +
                      it->second->name + "' (" + d.first.str() + "-" + d.last.str() + ")",
                  "the server could hand it to another node; pick an address outside the range");
        else if (a == d.server)
          r.error(iface.address_pos[i],
                  "static address " + a.str() + " of '" + label + "' is the DHCP server's address on bridge '" +
                      it->second->name + "'",
                  "pick another address, or move the server with 'server: ADDR' under the bridge's 'dhcp'");
      }
    }
  }
}

}  // namespace

void check_lab(Reader& r, const ParseState& st, const Topology& topo) {
  Segments segments;
  std::set<std::string> linked;
  for (const auto& l : topo.links) {
    segments.join(segment_key(l.a), segment_key(l.b));
    linked.insert(segment_key(l.a));
    linked.insert(segment_key(l.b));
  }
  std::map<std::string, std::string> owner;  // "<segment or node> <address>" -> node:iface
  for (const auto& node : topo.nodes) {
    for (const auto& iface : node.interfaces) {
      const auto label = node.name + ":" + iface.name;
      if (!linked.count(label) && !st.mentioned.count(label))
        r.error(iface.pos, "interface '" + label + "' is not connected by any link",
                "add a link with endpoint \"" + label + "\" (to a bridge or another node), or remove the interface");
      for (size_t i = 0; i < iface.addresses.size(); ++i) {
        const auto addr = iface.addresses[i].addr.str();
        auto [net, new_on_net] = owner.emplace(segments.find(label) + " " + addr, label);
        auto [own, new_on_node] = owner.emplace("node " + node.name + " " + addr, label);
        if (!new_on_net || !new_on_node)
          r.error(iface.address_pos[i],
                  "address " + addr + " is already used by " + (new_on_net ? own : net)->second +
                      (new_on_net ? " on the same node" : " on the same network"),
                  "every interface needs its own address");
      }
    }
  }
  check_dhcp(r, st, topo, segments, linked);
}

}  // namespace netrig
