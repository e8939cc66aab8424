// containerlab topology files mapped onto netrig's model (see parse_clab.h). Each key containerlab
// knows is in a table: supported (mapped below), or not honoured, with the warning that says what
// netrig does instead. Keys containerlab does not know are errors, as in netrig's own files.
#include "model/parse_clab.h"

#include <algorithm>
#include <regex>

#include "model/names.h"

namespace netrig {
namespace {

struct KeyRule {
  const char* key;
  const char* unsupported;  // nullptr: supported; else why netrig does not honour it
};

const std::vector<KeyRule> kTopRules = {
    {"name", nullptr},
    {"topology", nullptr},
    {"mgmt", nullptr},
    {"tests", nullptr},  // netrig's own checks may be added to a containerlab file
    {"prefix", "netrig names everything it creates after the lab ('<lab>-<node>' namespaces); prefix is not used"},
    {"settings", "containerlab's settings (certificate authority, image pull) have no netrig counterpart"},
    {"debug", "netrig has no debug switch in the file"},
};

const std::vector<KeyRule> kTopologyRules = {
    {"nodes", nullptr}, {"links", nullptr}, {"defaults", nullptr}, {"kinds", nullptr}, {"groups", nullptr}};

// A node's keys (also what defaults:, kinds: and groups: may set).
const std::vector<KeyRule> kNodeRules = {
    {"kind", nullptr},
    {"group", nullptr},
    {"image", nullptr},
    {"cmd", nullptr},
    {"entrypoint", nullptr},
    {"env", nullptr},
    {"binds", nullptr},
    {"user", nullptr},
    {"labels", nullptr},
    {"memory", nullptr},
    {"cpu", nullptr},
    {"exec", nullptr},
    {"mgmt-ipv4", nullptr},
    {"mgmt-ipv6", nullptr},
    {"network-mode", nullptr},  // none is honoured; the others are warnings (below)
    {"type", "node types choose a vendor system's variant; a Linux container has none"},
    {"startup-config", "netrig loads no vendor startup configuration; bind the file into place with 'binds:'"},
    {"enforce-startup-config", "netrig loads no vendor startup configuration"},
    {"suppress-startup-config", "netrig loads no vendor startup configuration"},
    {"startup-delay", "netrig starts every container as soon as its network is up"},
    {"auto-remove", "netrig removes containers when the lab is destroyed, not when they exit"},
    {"restart-policy", "netrig does not restart a container that exits"},
    {"config", "netrig has no configuration engine for vendor systems"},
    {"image-pull-policy", "netrig never pulls: images come from its local store (images/build-container.sh)"},
    {"license", "netrig runs no licensed vendor systems"},
    {"position", "netrig's graph places nodes itself"},
    {"hostname", "a netrig container's hostname is its node name"},
    {"volumes", "netrig mounts only 'binds:'"},
    {"devices", "netrig passes no host devices into containers"},
    {"cap-add", "netrig gives containers a fixed set of capabilities (NET_ADMIN, NET_RAW and docker's defaults)"},
    {"privileged", "netrig runs no privileged containers"},
    {"cgroupns-mode", "netrig sets up the container's cgroup itself"},
    {"cgroup-parent", "netrig puts each container in its own cgroup netrig-<lab>-<node>"},
    {"pid-mode", "every netrig container has its own PID namespace"},
    {"tmpfs", "netrig mounts only 'binds:'"},
    {"security-opts", "netrig applies no extra security options"},
    {"shm-size", "netrig gives containers the runtime's default /dev/shm"},
    {"ports", "netrig publishes no ports on the host; reach the node from inside the lab (netrig exec)"},
    {"env-files", "netrig reads only 'env:'"},
    {"runtime", "netrig runs every container with runc"},
    {"cpu-set", "netrig does not pin containers to CPUs"},
    {"sysctls", "containerlab's sysctls are not applied to the container"},
    {"extras", "containerlab's vendor extras have no netrig counterpart"},
    {"stages", "netrig deploys in its own stages (network, then containers, then exec)"},
    {"dns", "netrig writes no resolv.conf into containers"},
    {"certificate", "netrig issues no TLS certificates"},
    {"healthcheck", "netrig runs no health checks; write an exec check in the tests"},
    {"credentials", "netrig logs into no vendor systems"},
    {"username", "netrig logs into no vendor systems"},
    {"password", "netrig logs into no vendor systems"},
    {"identity-file", "netrig logs into no vendor systems"},
    {"aliases", "netrig writes no names into /etc/hosts"},
    {"components", "netrig runs no multi-component vendor systems"},
    {"link-apply-mode", "netrig creates every link before the container starts"},
};

const std::vector<KeyRule> kMgmtRules = {
    {"network", nullptr},
    {"bridge", nullptr},
    {"ipv4-subnet", nullptr},
    {"ipv6-subnet", nullptr},
    {"ipv4_subnet", nullptr},
    {"ipv6_subnet", nullptr},
    {"mtu", nullptr},
    {"ipv4-gw", "the management bridge has no address: nothing routes from the lab to the host or out"},
    {"ipv6-gw", "the management bridge has no address: nothing routes from the lab to the host or out"},
    {"ipv4-range", "netrig hands out management addresses from the whole subnet"},
    {"ipv6-range", "netrig hands out management addresses from the whole subnet"},
    {"external-access", "the management network never reaches the host's network"},
    {"skip-when-unused", "netrig makes the management bridge only when a container uses it"},
    {"driver-opts", "the management bridge is netrig's own, not a docker network"},
};

const std::vector<KeyRule> kLinkRules = {
    {"endpoints", nullptr},
    {"endpoint", nullptr},
    {"type", nullptr},
    {"mtu", nullptr},
    {"host-interface", nullptr},
    {"ipv4", nullptr},
    {"ipv6", nullptr},
    {"labels", "link labels are not used by netrig"},
    {"vars", "link variables are for containerlab's startup-config templates, which netrig does not have"},
    {"remote", nullptr},
    {"vni", nullptr},
    {"udp-port", nullptr},
    {"parent", nullptr},
    {"mode", nullptr},
};

const std::vector<KeyRule> kEndpointRules = {
    {"node", nullptr},
    {"interface", nullptr},
    {"mac", nullptr},
    {"ipv4", nullptr},
    {"ipv6", nullptr},
    {"vars", "link variables are for containerlab's startup-config templates, which netrig does not have"}};

// containerlab's kinds netrig runs; every other kind is a vendor system netrig cannot run.
const std::vector<std::string> kClabKinds = {"linux", "bridge", "ovs-bridge", "host"};

std::vector<std::string> keys_of(const std::vector<KeyRule>& rules) {
  std::vector<std::string> keys;
  for (const auto& k : rules) keys.push_back(k.key);
  return keys;
}

const KeyRule* find_rule(const std::vector<KeyRule>& rules, const std::string& key) {
  for (const auto& k : rules)
    if (key == k.key) return &k;
  return nullptr;
}

// Unknown keys are errors (with did-you-mean); known ones netrig does not honour are warnings.
void check_clab_keys(Reader& r, const Entry& map, const std::vector<KeyRule>& rules, const std::string& where) {
  if (!map.value.IsMap()) return;
  r.check_keys(map, keys_of(rules), where);
  for (const auto& e : r.entries(map, where))
    if (const auto* rule = find_rule(rules, e.name()); rule && rule->unsupported)
      r.warn(Entry(e.key), "'" + e.name() + "' of " + where + " is not honoured: " + rule->unsupported);
}

struct ClabNode {
  Entry body;
  std::string kind;      // containerlab's kind
  std::string net_mode;  // network-mode
};

class ClabParser {
 public:
  ClabParser(Reader& r, ParseState& st, Topology& topo) : r_(r), st_(st), topo_(topo) {}

  void run(const Entry& root) {
    check_clab_keys(r_, root, kTopRules, "the top level");
    parse_mgmt(Reader::get(root.value, "mgmt"));
    const auto topology = Reader::get(root.value, "topology");
    if (!topology) {
      r_.error(root, "missing 'topology:' section", "add 'topology:' with 'nodes:' and 'links:' under it");
      return;
    }
    if (!r_.is_map(topology, "'topology'")) return;
    check_clab_keys(r_, topology, kTopologyRules, "'topology'");
    parse_inheritance(topology);
    const auto nodes = Reader::get(topology.value, "nodes");
    if (!nodes) {
      r_.error(Entry(topology.key), "missing 'nodes:' under 'topology'",
               "list the lab's nodes under 'topology: nodes:'");
      return;
    }
    parse_nodes(nodes);
    add_mgmt_network();
    if (const auto links = Reader::get(topology.value, "links");
        links && !links.value.IsNull() && r_.is_list(links, "'links'"))
      for (const auto& l : links.value) parse_link(Entry(l));
    check_lab(r_, st_, topo_);
  }

 private:
  // --- inheritance: node > group > kinds[kind] > defaults, as containerlab resolves it ---
  void parse_inheritance(const Entry& topology) {
    if (const auto d = Reader::get(topology.value, "defaults"); d && r_.is_map(d, "'defaults'", true)) {
      check_clab_keys(r_, d, kNodeRules, "'defaults'");
      for (const auto& e : r_.entries(d, "'defaults'")) defaults_.emplace(e.name(), e);
    }
    if (const auto k = Reader::get(topology.value, "kinds"); k && r_.is_map(k, "'kinds'", true))
      for (const auto& kind : r_.entries(k, "'kinds'")) {
        if (!r_.is_map(kind, "kind '" + kind.name() + "'", true)) continue;
        check_clab_keys(r_, kind, kNodeRules, "kind '" + kind.name() + "'");
        for (const auto& e : r_.entries(kind, "kind '" + kind.name() + "'")) kinds_[kind.name()].emplace(e.name(), e);
      }
    if (const auto g = Reader::get(topology.value, "groups"); g && r_.is_map(g, "'groups'", true))
      for (const auto& group : r_.entries(g, "'groups'")) {
        if (!r_.is_map(group, "group '" + group.name() + "'", true)) continue;
        check_clab_keys(r_, group, kNodeRules, "group '" + group.name() + "'");
        for (const auto& e : r_.entries(group, "group '" + group.name() + "'"))
          groups_[group.name()].emplace(e.name(), e);
      }
  }

  Entry field(const Entry& body, const std::string& kind, const std::string& key) const {
    if (auto own = Reader::get(body.value, key)) return own;
    if (auto g = Reader::get(body.value, "group"); g && g.value.IsScalar())
      if (auto group = groups_.find(g.value.Scalar()); group != groups_.end())
        if (auto f = group->second.find(key); f != group->second.end()) return f->second;
    if (auto k = kinds_.find(kind); k != kinds_.end())
      if (auto f = k->second.find(key); f != k->second.end()) return f->second;
    if (auto f = defaults_.find(key); f != defaults_.end()) return f->second;
    return {};
  }

  // --- mgmt: a lab-owned bridge in <lab>-local with containerlab's addresses, never the host's ---
  void parse_mgmt(const Entry& mgmt) {
    if (!mgmt || !r_.is_map(mgmt, "'mgmt'", true)) return;
    check_clab_keys(r_, mgmt, kMgmtRules, "'mgmt'");
    if (auto n = Reader::get(mgmt.value, "network")) {
      if (auto s = r_.string(n, "'network'")) mgmt_name_ = *s, mgmt_at_ = n;
    }
    if (auto b = Reader::get(mgmt.value, "bridge")) {
      if (auto s = r_.string(b, "'bridge'")) mgmt_name_ = *s, mgmt_at_ = b;
    }
    if (mgmt_at_) {
      r_.warn(mgmt_at_,
              "the management network '" + mgmt_name_ + "' is a bridge the lab makes in its namespace " +
                  host_netns_name(topo_.name, kLocalHost) +
                  ": containerlab uses the docker network or host bridge of that name",
              "netrig never joins a lab to the host's networks");
      if (auto why = name_problem(mgmt_name_, kMaxIfName); !why.empty()) {
        r_.error(mgmt_at_, "management network name '" + mgmt_name_ + "' is not valid here: " + why,
                 "netrig makes a bridge of that name in the lab's namespace; use up to 15 letters, digits, '_', '.' "
                 "or '-'");
        mgmt_name_ = kClabMgmtNetwork;
      }
    }
    for (const char* key : {"ipv4-subnet", "ipv4_subnet", "ipv6-subnet", "ipv6_subnet"}) {
      auto e = Reader::get(mgmt.value, key);
      if (!e) continue;
      const int family = key[3] == '4' ? 4 : 6;
      auto s = r_.string(e, std::string("'") + key + "'");
      if (!s) continue;
      auto p = IpPrefix::parse(*s);
      if (!p || p->addr.family != family || p->len > (family == 4 ? 30 : 126)) {
        r_.error(e, std::string("'") + key + "' is not an IPv" + std::to_string(family) + " subnet: '" + *s + "'",
                 family == 4 ? "write it as 172.20.20.0/24" : "write it as 3fff:172:20:20::/64");
        continue;
      }
      (family == 4 ? subnet4_ : subnet6_) = p->network();
    }
    if (auto m = Reader::get(mgmt.value, "mtu"))
      if (auto v = r_.integer(m, "'mtu'", 68, 65535)) mgmt_mtu_ = static_cast<int>(*v);
  }

  // --- nodes ---
  void parse_nodes(const Entry& nodes) {
    if (!r_.is_map(nodes, "'nodes'", true)) return;
    if (nodes.value.IsNull() || nodes.value.size() == 0) {
      r_.error(nodes, "'nodes' is empty", "add at least one node, e.g. 'l1: {kind: linux, image: alpine:3}'");
      return;
    }
    std::map<std::string, SourcePos> seen;
    for (const auto& item : r_.entries(nodes, "'nodes'")) {
      const auto name = item.name();
      if (auto [it, fresh] = seen.emplace(name, Reader::pos(item.key)); !fresh) {
        r_.error(Entry(item.key), "duplicate node name '" + name + "'", first_at(name, it->second));
        continue;
      }
      if (auto why = name_problem(name, 64); !why.empty() || name == kLocalHost) {
        r_.error(Entry(item.key),
                 "node name '" + name +
                     "' is not valid: " + (why.empty() ? "'local' is the lab's own namespace in netrig" : why),
                 "use up to 64 letters, digits, '_', '.' or '-', starting with a letter or digit");
        st_.broken.insert(name);
        continue;
      }
      parse_node(item);
    }
  }

  void parse_node(const Entry& body) {
    NodeSpec node;
    node.name = body.name();
    node.pos = Reader::pos(body.key);
    const std::string where = "node '" + node.name + "'";
    if (!r_.is_map(body, where, true)) {
      st_.broken.insert(node.name);
      return;
    }
    check_clab_keys(r_, body, kNodeRules, where);
    ClabNode c{body, "", ""};
    if (auto g = Reader::get(body.value, "group"))
      if (auto name = r_.string(g, "'group'"); name && !groups_.count(*name))
        r_.error(g, "node '" + node.name + "' names unknown group '" + *name + "'",
                 "define it under 'topology: groups:'");
    const auto k = field(body, "", "kind");
    if (!k) {
      r_.error(Entry(body.key), "node '" + node.name + "' has no kind",
               "containerlab needs one on every node (kind: linux), or under 'topology: defaults:'");
      st_.broken.insert(node.name);
      return;
    }
    auto kind = r_.string(k, "'kind'");
    if (!kind) {
      st_.broken.insert(node.name);
      return;
    }
    c.kind = *kind;
    if (std::find(kClabKinds.begin(), kClabKinds.end(), c.kind) == kClabKinds.end()) {
      r_.error(k, "netrig cannot run kind '" + c.kind + "' (node '" + node.name + "')",
               "netrig runs containerlab's linux, bridge, ovs-bridge and host kinds; a vendor system's kind needs "
               "that vendor's image and runtime (docs/coming-from-containerlab.md)");
      st_.broken.insert(node.name);
      return;
    }
    auto get = [&](const std::string& key) { return field(body, c.kind, key); };
    if (c.kind == "linux") {
      node.kind = NodeKind::Container;
      // Docker turns IPv4 forwarding on in the host's namespace and a new namespace inherits it, so
      // containerlab's linux nodes forward IPv4 (FRR labs rely on it); netrig's own namespaces
      // start with the kernel's default (off), so the node sets it.
      node.sysctls.push_back({"net.ipv4.ip_forward", "1", node.pos});
      parse_container(r_, node, get);
      if (auto e = get("exec"))
        for (auto& [cmd, at] : r_.strings(e, "'exec'"))
          if (cmd.find_first_not_of(" \t\n") != std::string::npos) node.exec.push_back(cmd);
      if (auto nm = get("network-mode"))
        if (auto s = r_.string(nm, "'network-mode'")) {
          c.net_mode = *s;
          if (*s != "none")
            r_.warn(nm,
                    "network-mode '" + *s + "' of node '" + node.name +
                        "' is not honoured: it runs in its own "
                        "network namespace " +
                        netns_name(topo_.name, node.name) + " with a management interface",
                    "netrig never puts a lab node into the host's or another node's network namespace");
        }
    } else {
      // Container keys on a bridge or host are kept by containerlab for nothing: say so.
      for (const char* key : {"image", "cmd", "entrypoint", "env", "binds", "user", "memory", "cpu", "labels",
                              "mgmt-ipv4", "mgmt-ipv6", "network-mode"})
        if (auto e = Reader::get(body.value, key))
          r_.warn(Entry(e.key), "'" + std::string(key) + "' of " + c.kind + " node '" + node.name +
                                    "' is not honoured: only linux nodes run a container");
      if (c.kind == "bridge") {
        node.kind = NodeKind::Bridge;
        r_.warn(Entry(body.key),
                "bridge '" + node.name + "' is made by the lab, in its namespace " +
                    host_netns_name(topo_.name, kLocalHost) +
                    ": containerlab uses a bridge of that name that already exists on the host",
                "netrig neither needs nor touches a host bridge; see its ports with: netrig exec " + topo_.name +
                    ":local -- ip link");
      } else if (c.kind == "ovs-bridge") {
        node.kind = NodeKind::Ovs;
        node.ovs = OvsSwitchSpec{};
        r_.warn(Entry(body.key), "ovs-bridge '" + node.name + "' is made in the lab's own Open vSwitch (in " +
                                     host_netns_name(topo_.name, kLocalHost) +
                                     "): containerlab uses a bridge of that name in the host's Open vSwitch");
      } else {  // host
        node.kind = NodeKind::Netns;
        host_nodes_.insert(node.name);
        r_.warn(Entry(body.key),
                "host node '" + node.name + "' is the lab's namespace " + netns_name(topo_.name, node.name) +
                    ", not the host's own: netrig never adds devices to or runs commands in the host's namespace");
        if (auto e = get("exec"))
          for (auto& [cmd, at] : r_.strings(e, "'exec'"))
            if (cmd.find_first_not_of(" \t\n") != std::string::npos) node.exec.push_back(cmd);
      }
    }
    nodes_[node.name] = c;
    topo_.nodes.push_back(std::move(node));
  }

  NodeSpec* node(const std::string& name) {
    for (auto& n : topo_.nodes)
      if (n.name == name) return &n;
    return nullptr;
  }

  // --- the management network: eth0 of every linux node on the lab's bridge ---
  static IpAddr nth(const IpPrefix& net, uint64_t n) {
    IpAddr a = net.addr;
    for (int i = a.byte_len() - 1; i >= 0 && n; --i) {
      uint64_t v = a.bytes[i] + (n & 0xff);
      a.bytes[i] = static_cast<uint8_t>(v);
      n = (n >> 8) + (v >> 8);
    }
    return a;
  }

  std::optional<IpAddr> mgmt_address(const std::string& node_name, const Entry& e, const IpPrefix& subnet) {
    auto s = r_.string(e, "'" + e.name() + "'");
    if (!s) return std::nullopt;
    auto a = IpAddr::parse(*s);
    if (!a || a->family != subnet.addr.family) {
      r_.error(e,
               "'" + e.name() + "' of node '" + node_name + "' is not an IPv" + std::to_string(subnet.addr.family) +
                   " address: '" + *s + "'",
               "write an address of the management subnet " + subnet.str() + ", without a prefix length");
      return std::nullopt;
    }
    if (!subnet.contains(*a) || *a == subnet.addr || *a == nth(subnet, 1)) {
      r_.error(e,
               "'" + e.name() + "' " + *s + " of node '" + node_name +
                   "' is not a host address of the management subnet " + subnet.str(),
               "pick one from " + nth(subnet, 2).str() + " on (" + nth(subnet, 1).str() +
                   " is the gateway's, as in containerlab)");
      return std::nullopt;
    }
    return a;
  }

  void add_mgmt_network() {
    std::vector<NodeSpec*> members;
    for (auto& n : topo_.nodes)
      if (n.kind == NodeKind::Container && nodes_[n.name].net_mode != "none") members.push_back(&n);
    if (members.empty()) return;
    if (const auto* clash = topo_.find_node(mgmt_name_)) {
      r_.error(mgmt_at_ ? Reader::pos(mgmt_at_) : clash->pos,
               "the management network '" + mgmt_name_ + "' has the name of node '" + mgmt_name_ + "'",
               "name the management bridge otherwise with 'mgmt: {bridge: NAME}'");
      return;
    }
    // Addresses given with mgmt-ipv4/6 first, then the others in node order from .2 (containerlab
    // keeps .1 for the gateway).
    struct Want {
      std::optional<IpAddr> v4, v6;
    };
    std::map<std::string, Want> want;
    std::set<std::string> taken;
    for (auto* n : members) {
      const auto& c = nodes_[n->name];
      if (auto e = Reader::get(c.body.value, "mgmt-ipv4"))
        if ((want[n->name].v4 = mgmt_address(n->name, e, subnet4_)))
          if (!taken.insert(want[n->name].v4->str()).second)
            r_.error(e, "management address " + want[n->name].v4->str() + " is given to two nodes",
                     "every node needs its own");
      if (auto e = Reader::get(c.body.value, "mgmt-ipv6"))
        if ((want[n->name].v6 = mgmt_address(n->name, e, subnet6_)))
          if (!taken.insert(want[n->name].v6->str()).second)
            r_.error(e, "management address " + want[n->name].v6->str() + " is given to two nodes",
                     "every node needs its own");
    }
    uint64_t next4 = 2, next6 = 2;
    auto next = [&](const IpPrefix& subnet, uint64_t& i) -> std::optional<IpAddr> {
      const uint64_t hosts = subnet.addr.family == 4 ? (uint64_t{1} << (32 - subnet.len)) - 1 : ~uint64_t{0};
      for (; i < hosts; ++i)
        if (auto a = nth(subnet, i); !taken.count(a.str())) {
          ++i;
          return a;
        }
      return std::nullopt;
    };
    NodeSpec bridge;
    bridge.name = mgmt_name_;
    bridge.kind = NodeKind::Bridge;
    bridge.pos = mgmt_at_ ? Reader::pos(mgmt_at_) : SourcePos{};
    if (mgmt_mtu_) bridge.mtu = mgmt_mtu_;
    for (auto* n : members) {
      auto& w = want[n->name];
      if (!w.v4) w.v4 = next(subnet4_, next4);
      if (!w.v6) w.v6 = next(subnet6_, next6);
      if (!w.v4) {
        r_.error(n->pos, "the management subnet " + subnet4_.str() + " has no address left for node '" + n->name + "'",
                 "give the lab a larger one with 'mgmt: {ipv4-subnet: ...}'");
        continue;
      }
      if (n->find_interface("eth0")) continue;  // cannot happen: links come later
      InterfaceSpec eth0;
      eth0.name = eth0.kernel_name = "eth0";
      eth0.pos = n->pos;
      eth0.addresses.push_back(IpPrefix{*w.v4, subnet4_.len});
      eth0.address_pos.push_back(n->pos);
      if (w.v6) {
        eth0.addresses.push_back(IpPrefix{*w.v6, subnet6_.len});
        eth0.address_pos.push_back(n->pos);
      }
      if (mgmt_mtu_) eth0.mtu = mgmt_mtu_;
      n->interfaces.push_back(eth0);
      mgmt_links_.push_back(n->name);
    }
    topo_.nodes.push_back(bridge);
    for (const auto& name : mgmt_links_) {
      LinkSpec l;
      l.a = Endpoint{name, "eth0", "", topo_.find_node(name)->pos};
      l.b = Endpoint{mgmt_name_, "", "", bridge.pos};
      l.pos = l.a.pos;
      topo_.links.push_back(l);
      mgmt_ifaces_.insert(name + ":eth0");
    }
  }

  // --- links: both forms; an endpoint creates its interface ---
  struct RawEnd {
    std::string node, iface;
    Entry at;  // the endpoint (string or mapping)
    std::optional<std::string> mac;
    std::vector<std::pair<std::string, Entry>> addresses;
  };

  std::optional<RawEnd> end_from_string(const Entry& e) {
    auto text = r_.string(e, "an endpoint");
    if (!text) return std::nullopt;
    RawEnd end;
    end.at = e;
    const auto colon = text->find(':');
    end.node = text->substr(0, colon);
    if (colon != std::string::npos) end.iface = text->substr(colon + 1);
    return end;
  }

  std::optional<RawEnd> end_from_map(const Entry& e) {
    if (!r_.is_map(e, "an endpoint")) return std::nullopt;
    check_clab_keys(r_, e, kEndpointRules, "an endpoint");
    RawEnd end;
    end.at = e;
    auto n = Reader::get(e.value, "node");
    auto i = Reader::get(e.value, "interface");
    if (!n) {
      r_.error(e, "endpoint has no 'node'", "write {node: l1, interface: eth1}");
      return std::nullopt;
    }
    if (auto s = r_.string(n, "'node'")) end.node = *s;
    if (i)
      if (auto s = r_.string(i, "'interface'")) end.iface = *s;
    if (auto m = Reader::get(e.value, "mac"))
      if (auto s = r_.string(m, "'mac'")) {
        static const std::regex mac("[0-9a-fA-F]{2}(:[0-9a-fA-F]{2}){5}");
        if (std::regex_match(*s, mac))
          end.mac = *s;
        else
          r_.error(m, "'" + *s + "' is not a MAC address", "write six hex bytes, e.g. 02:00:00:00:00:01");
      }
    for (const char* key : {"ipv4", "ipv6"})
      if (auto a = Reader::get(e.value, key))
        for (auto& item : r_.strings(a, std::string("'") + key + "'")) end.addresses.push_back(item);
    return end;
  }

  void parse_link(const Entry& item) {
    if (!r_.is_map(item, "a link")) return;
    check_clab_keys(r_, item, kLinkRules, "a link");
    std::string type = "veth";
    if (auto t = Reader::get(item.value, "type")) {
      auto s = r_.string(t, "'type'");
      if (!s) return;
      type = *s;
      if (type == "macvlan" || type == "vxlan" || type == "vxlan-stitched") {
        r_.warn(t,
                "link type '" + type +
                    "' is not created: netrig never attaches a lab to the host's "
                    "interfaces or to other machines",
                "reach the node from inside the lab instead");
        return;
      }
      if (type == "dummy") {
        r_.warn(t,
                "link type 'dummy' is not created: netrig has no dummy interfaces (this host's kernel "
                "may lack the module)",
                "link the interface to a bridge, or add it with an exec: command where the kernel has dummy");
        return;
      }
      if (type != "veth" && type != "host" && type != "mgmt-net") {
        auto hint = did_you_mean(type, {"veth", "host", "mgmt-net", "dummy", "macvlan", "vxlan", "vxlan-stitched"});
        r_.error(t, "unknown link type '" + type + "'",
                 hint.empty() ? "containerlab's link types are veth, host, mgmt-net, dummy, macvlan, vxlan and "
                                "vxlan-stitched"
                              : hint);
        return;
      }
    }
    std::vector<RawEnd> ends;
    if (type == "veth") {
      const auto endpoints = Reader::get(item.value, "endpoints");
      if (!endpoints) {
        r_.error(item, "link has no 'endpoints'", "write endpoints: [\"l1:eth1\", \"l2:eth1\"]");
        return;
      }
      if (!r_.is_list(endpoints, "'endpoints'")) return;
      if (endpoints.value.size() != 2) {
        r_.error(endpoints, "a link has exactly 2 endpoints, not " + std::to_string(endpoints.value.size()),
                 "to join more than two nodes, link each of them to a bridge");
        return;
      }
      for (const auto& e : endpoints.value) {
        auto end = e.IsMap() ? end_from_map(Entry(e)) : end_from_string(Entry(e));
        if (!end) return;
        ends.push_back(*end);
      }
      // The brief form's addresses: ipv4: [a, b] / ipv6: [a, b], one per endpoint.
      for (const char* key : {"ipv4", "ipv6"})
        if (auto a = Reader::get(item.value, key)) {
          auto list = r_.strings(a, std::string("'") + key + "'");
          if (list.size() > 2)
            r_.error(a,
                     std::string("'") + key + "' lists " + std::to_string(list.size()) + " addresses for 2 endpoints",
                     "one per endpoint, in the order of 'endpoints'; \"\" for none");
          for (size_t i = 0; i < list.size() && i < 2; ++i)
            if (!list[i].first.empty()) ends[i].addresses.push_back(list[i]);
        }
    } else {  // host, mgmt-net: one endpoint, the other end is host-interface on the host / mgmt bridge
      const auto e = Reader::get(item.value, "endpoint");
      const auto hi = Reader::get(item.value, "host-interface");
      if (!e || !hi) {
        r_.error(item, "a '" + type + "' link needs 'endpoint' and 'host-interface'",
                 "write type: " + type + ", host-interface: NAME, endpoint: {node: l1, interface: eth1}");
        return;
      }
      auto end = end_from_map(e);
      auto host_if = r_.string(hi, "'host-interface'");
      if (!end || !host_if) return;
      ends.push_back(*end);
      RawEnd other;
      other.node = type == "host" ? "host" : "mgmt-net";
      other.iface = *host_if;
      other.at = hi;
      ends.push_back(other);
    }
    LinkSpec link;
    link.pos = Reader::pos(item);
    if (const auto mtu = Reader::get(item.value, "mtu")) {
      auto v = r_.integer(mtu, "'mtu'", 68, 65535);
      if (!v) return;
      link.mtu = static_cast<int>(*v);
    }
    auto a = resolve(ends[0]);
    auto b = resolve(ends[1]);
    if (!a || !b) return;
    if (a->node == b->node && a->iface == b->iface && a->port == b->port) {
      r_.error(ends[0].at, "link joins '" + a->node + (a->iface.empty() ? "" : ":" + a->iface) + "' to itself",
               "a link needs two different ends");
      return;
    }
    link.a = *a;
    link.b = *b;
    topo_.links.push_back(link);
  }

  // The implicit node standing for containerlab's host in host: endpoints and host links.
  NodeSpec* host_node(const Entry& at) {
    if (auto* n = node("host")) return n->kind == NodeKind::Netns ? n : nullptr;
    NodeSpec n;
    n.name = "host";
    n.kind = NodeKind::Netns;
    n.pos = Reader::pos(at);
    host_nodes_.insert("host");
    topo_.nodes.push_back(n);
    return &topo_.nodes.back();
  }

  std::optional<Endpoint> resolve(const RawEnd& raw) {
    Endpoint ep;
    ep.pos = Reader::pos(raw.at);
    const std::string text = raw.node + ":" + raw.iface;
    st_.mentioned.insert(text);
    if (st_.broken.count(raw.node)) return std::nullopt;
    NodeSpec* n = node(raw.node);
    if (!n && raw.node == "mgmt-net") {
      if (!topo_.find_node(mgmt_name_) || topo_.find_node(mgmt_name_)->kind != NodeKind::Bridge) {
        r_.error(raw.at, "endpoint '" + text + "' joins the management network, which this lab does not have",
                 "the management bridge exists when a linux node uses it");
        return std::nullopt;
      }
      n = node(mgmt_name_);
    } else if (!n && raw.node == "macvlan") {
      r_.warn(raw.at, "macvlan endpoint '" + text +
                          "' is not created: netrig never attaches a lab to the host's "
                          "interfaces");
      return std::nullopt;
    } else if (raw.node == "host" && (!n || implicit_host_)) {
      n = host_node(raw.at);
      implicit_host_ = true;
      r_.warn(raw.at,
              "host end '" + raw.iface + "' is made in the lab's namespace " + netns_name(topo_.name, "host") +
                  ", not in the host's own",
              "netrig never adds devices to the host's namespace; see it with: netrig exec " + topo_.name +
                  ":host -- ip link");
    }
    if (!n) {
      auto hint = did_you_mean(raw.node, node_names(topo_));
      r_.error(raw.at, "endpoint '" + text + "' names unknown node '" + raw.node + "'",
               hint.empty() ? "declare the node under 'topology.nodes'" : hint);
      return std::nullopt;
    }
    ep.node = n->name;
    if (n->kind == NodeKind::Bridge || n->kind == NodeKind::Ovs) {
      // containerlab names the bridge's own port: 'br-01:l1-eth1' creates port l1-eth1.
      if (!raw.iface.empty()) {
        if (auto why = ifname_problem(raw.iface); !why.empty() || raw.iface.size() > kMaxIfName) {
          r_.error(raw.at,
                   "port name '" + raw.iface + "' of '" + text +
                       "' is not valid: " + (why.empty() ? "it is longer than 15 characters" : why),
                   "a bridge port is a device in the lab's namespace: up to 15 characters");
          return std::nullopt;
        }
        ep.port = raw.iface;
        if (auto [it, fresh] = ports_.emplace(raw.iface, ep.pos); !fresh) {
          r_.error(raw.at,
                   "port '" + raw.iface + "' is already used by the link at line " + std::to_string(it->second.line),
                   "a bridge port joins one link, and port names are devices of one namespace (<lab>-local): give "
                   "this link another port name");
          return std::nullopt;
        }
      }
      if (!raw.addresses.empty())
        r_.error(raw.addresses.front().second, "endpoint '" + text + "' is a bridge port, which has no address",
                 "put the address on the node's end of the link");
      return ep;
    }
    if (raw.iface.empty()) {
      r_.error(raw.at, "endpoint '" + raw.node + "' needs an interface", "write it as '" + raw.node + ":eth1'");
      return std::nullopt;
    }
    if (auto why = ifname_problem(raw.iface); !why.empty()) {
      r_.error(raw.at, "interface name '" + raw.iface + "' of '" + text + "' is not valid: " + why,
               "name it like eth1");
      return std::nullopt;
    }
    if (mgmt_ifaces_.count(text)) {
      r_.error(raw.at, "interface '" + text + "' is the management interface of linux node '" + n->name + "'",
               "eth0 joins the management network, as in containerlab; link eth1 and up (or give the node "
               "network-mode: none)");
      return std::nullopt;
    }
    if (auto [it, fresh] = used_.emplace(text, ep.pos); !fresh) {
      r_.error(raw.at,
               "interface '" + text + "' is already used by the link at line " + std::to_string(it->second.line),
               "an interface joins one link; use another interface name");
      return std::nullopt;
    }
    ep.iface = raw.iface;
    InterfaceSpec iface;  // created by the endpoint, as containerlab does
    iface.name = raw.iface;
    iface.kernel_name = short_kernel_name(raw.iface);
    iface.pos = ep.pos;
    iface.mac = raw.mac;
    for (const auto& [text_addr, at] : raw.addresses) {
      auto p = IpPrefix::parse(text_addr);
      if (!p) {
        r_.error(at, "'" + text_addr + "' is not an address with a prefix length", "write it as 192.168.0.1/24");
        continue;
      }
      iface.addresses.push_back(*p);
      iface.address_pos.push_back(Reader::pos(at));
    }
    for (const auto& other : n->interfaces)
      if (other.kernel_name == iface.kernel_name) {
        r_.error(
            raw.at,
            "interface '" + text + "' would get the kernel name '" + iface.kernel_name + "' of '" + other.name + "'",
            "shorten one of the names to at most 15 characters");
        return std::nullopt;
      }
    n->interfaces.push_back(iface);
    return ep;
  }

  Reader& r_;
  ParseState& st_;
  Topology& topo_;
  std::map<std::string, Entry> defaults_;
  std::map<std::string, std::map<std::string, Entry>> kinds_, groups_;
  std::map<std::string, ClabNode> nodes_;
  std::set<std::string> host_nodes_;
  bool implicit_host_ = false;  // node "host" stands for containerlab's host (not declared)
  std::string mgmt_name_ = kClabMgmtNetwork;
  Entry mgmt_at_;
  IpPrefix subnet4_ = *IpPrefix::parse(kClabMgmtIpv4);
  IpPrefix subnet6_ = *IpPrefix::parse(kClabMgmtIpv6);
  std::optional<int> mgmt_mtu_;
  std::vector<std::string> mgmt_links_;
  std::map<std::string, SourcePos> used_;   // "node:iface" -> where first linked
  std::map<std::string, SourcePos> ports_;  // bridge port devices named by endpoints -> where
  std::set<std::string> mgmt_ifaces_;       // "node:eth0" of every linux node on the management network
};

bool ends_with(const std::string& s, const std::string& tail) {
  return s.size() >= tail.size() && s.compare(s.size() - tail.size(), tail.size(), tail) == 0;
}

}  // namespace

bool is_clab_file(const std::string& file, const YAML::Node& root) {
  if (ends_with(file, ".clab.yml") || ends_with(file, ".clab.yaml")) return true;
  // Reader::get, not operator[]: a missing key's node throws on every use but IsDefined().
  auto get = [](const YAML::Node& map, const char* key) -> YAML::Node {
    if (!map.IsDefined() || !map.IsMap()) return YAML::Node(YAML::NodeType::Undefined);
    return Reader::get(map, key).value;
  };
  if (!root.IsDefined() || !root.IsMap()) return false;
  if (get(root, "mgmt").IsDefined() || get(root, "prefix").IsDefined()) return true;
  if (get(root, "tests").IsDefined() || get(root, "settings").IsDefined()) return false;
  const auto topology = get(root, "topology");
  bool clab_only = false;
  if (const auto nodes = get(topology, "nodes"); nodes.IsDefined() && nodes.IsMap())
    for (const auto& n : nodes) {
      if (get(n.second, "interfaces").IsDefined()) return false;
      if (const auto k = get(n.second, "kind"); k.IsDefined() && k.IsScalar())
        clab_only |= k.Scalar() == "host" || k.Scalar() == "ovs-bridge";
    }
  if (const auto links = get(topology, "links"); links.IsDefined() && links.IsSequence())
    for (const auto& l : links) clab_only |= get(l, "type").IsDefined();
  return clab_only;
}

void parse_clab(Reader& r, ParseState& st, const Entry& root, Topology& topo) {
  topo.containerlab = true;
  ClabParser(r, st, topo).run(root);
}

}  // namespace netrig
