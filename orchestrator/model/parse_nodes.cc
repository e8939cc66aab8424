// topology.defaults, topology.kinds and topology.nodes (interfaces and routes have their own files).
#include <algorithm>
#include <cctype>
#include <regex>

#include "model/names.h"
#include "model/parse_internal.h"

namespace netrig {
namespace {

const std::vector<std::string> kNodeKeys = {"host",   "kind", "interfaces", "routes",   "sysctls",
                                            "exec",   "mtu",  "router",     "nat",      "dhcp",
                                            "memory", "cpus", "image",      "services", "security_groups"};
// A container's own keys (model/parse_container.cc); `cpu` is containerlab's spelling of cpus.
const std::vector<std::string> kContainerKeys = {"image", "cmd",    "entrypoint", "env", "binds",
                                                 "user",  "memory", "cpus",       "cpu", "labels"};
const std::vector<std::string> kInheritedKeys = {"kind", "routes", "sysctls", "exec",   "image", "cmd", "entrypoint",
                                                 "env",  "binds",  "user",    "memory", "cpus",  "cpu", "labels"};
const std::vector<std::string> kKindKeys = {"routes", "sysctls", "exec"};
// containerlab's `kind: linux` is a container node.
const std::vector<std::string> kKinds = {"netns", "bridge", "ovs", "vm", "container", "linux"};

bool is_container_kind(const std::string& k) { return k == "container" || k == "linux"; }
const std::vector<std::string> kVmKeys = {"memory", "cpus", "image"};

bool is_kind(const std::string& s) { return std::find(kKinds.begin(), kKinds.end(), s) != kKinds.end(); }

// The node's own entry, else its group's (containerlab's `group:`), else its kind's, else the
// defaults'.
Entry field(const NodeDefaults& d, const Entry& body, const std::string& kind, const std::string& key) {
  if (auto own = Reader::get(body.value, key)) return own;
  if (auto g = Reader::get(body.value, "group"); g && g.value.IsScalar())
    if (auto group = d.groups.find(g.value.Scalar()); group != d.groups.end())
      if (auto f = group->second.find(key); f != group->second.end()) return f->second;
  if (auto k = d.kinds.find(kind); k != d.kinds.end())
    if (auto f = k->second.find(key); f != k->second.end()) return f->second;
  if (auto f = d.defaults.find(key); f != d.defaults.end()) return f->second;
  return {};
}

void parse_sysctls(Reader& r, NodeSpec& node, const Entry& sysctls) {
  static const std::regex pattern("[a-z0-9_]+(\\.[A-Za-z0-9_*-]+)+");
  std::map<std::string, SourcePos> seen;
  for (const auto& item : r.entries(sysctls, "'sysctls'")) {
    SysctlSpec s;
    s.key = item.name();
    s.pos = Reader::pos(item.key);
    if (auto [it, fresh] = seen.emplace(s.key, s.pos); !fresh) {
      r.error(s.pos, "sysctl '" + s.key + "' is set twice on node '" + node.name + "'", first_at(s.key, it->second));
      continue;
    }
    if (!std::regex_match(s.key, pattern)) {
      r.error(s.pos, "'" + s.key + "' is not a sysctl name", "write it dotted, e.g. net.ipv4.ip_forward");
      continue;
    }
    if (s.key.rfind("net.", 0) != 0) {
      r.error(s.pos, "sysctl '" + s.key + "' is not per network namespace",
              "only net.* sysctls can be set on a node; others would change the whole host");
      continue;
    }
    if (!item.value.IsScalar()) {
      r.error(item, "sysctl '" + s.key + "' needs a value, not " + Reader::describe(item.value),
              "write it as '" + s.key + ": 1'");
      continue;
    }
    s.value = item.value.Scalar();
    if (auto b = Reader::as_bool(item.value)) s.value = *b ? "1" : "0";  // as the kernel spells them
    node.sysctls.push_back(s);
  }
}

}  // namespace

// image, memory and cpus belong to containers and vms, cmd/env/binds/... to containers. On a node
// of another kind each is an error that says what the node is; a hint never says to change the
// node's kind: the kind is what the user meant, the key is what is out of place.
std::vector<std::string> report_foreign_keys(Reader& r, const Entry& body, const NodeSpec& node,
                                             const std::string& kind) {
  std::vector<std::string> found;
  const std::string what = kind == "ovs" ? "ovs switch '" + node.name + "'" : kind + " node '" + node.name + "'";
  const std::string a = kind == "ovs" ? "an ovs switch" : "a " + kind + " node";
  auto vm_key = [](const std::string& k) { return std::find(kVmKeys.begin(), kVmKeys.end(), k) != kVmKeys.end(); };
  for (const auto& key : kContainerKeys) {
    auto e = Reader::get(body.value, key);
    if (!e) continue;
    if (vm_key(key) && node.kind == NodeKind::Vm) continue;  // a vm's own (parse_vm.cc)
    found.push_back(key);
    if (vm_key(key))
      r.error(Entry(e.key), "'" + key + "' is a setting of container and vm nodes, not of " + what,
              key == "image" ? "remove it: " + a + " runs no image of its own"
                             : "remove it: " + a + " has no memory or CPU limit of its own");
    else
      r.error(Entry(e.key), "'" + key + "' is a setting of container nodes, not of " + what,
              node.kind == NodeKind::Vm
                  ? "remove it: a vm boots its image whole; run commands in the guest with 'exec:'"
                  : "remove it: " + a + " runs no image of its own");
  }
  return found;
}

namespace {

NodeSpec parse_node(Reader& r, ParseState& st, const Entry& body) {
  NodeSpec node;
  node.name = body.name();
  node.pos = Reader::pos(body.key);
  const std::string where = "node '" + node.name + "'";
  if (!r.is_map(body, where, true)) {
    st.broken.insert(node.name);
    return node;
  }
  std::string kind = "netns";
  if (const auto k = field(st.inherit, body, "", "kind")) {
    if (auto s = r.string(k, "'kind'"); s && is_kind(*s)) {
      kind = *s;
    } else {
      if (s) {
        auto hint = did_you_mean(*s, kKinds);
        r.error(k, "unknown kind '" + *s + "' for node '" + node.name + "'",
                hint.empty() ? "kinds available: " + one_of(kKinds) : hint);
      }
      st.broken.insert(node.name);
    }
  }
  node.kind = kind == "bridge" ? NodeKind::Bridge : kind == "vm" ? NodeKind::Vm : NodeKind::Netns;
  if (is_container_kind(kind)) {
    node.kind = NodeKind::Container;
    kind = "container";  // `kinds: container:` and `kinds: linux:` both apply
  }
  if (auto g = Reader::get(body.value, "group"))
    if (auto name = r.string(g, "'group'"); name && !st.inherit.groups.count(*name))
      r.error(g, "node '" + node.name + "' names unknown group '" + *name + "'",
              st.inherit.groups.empty() ? "define it under 'topology: groups:'" : "groups defined: " + one_of([&] {
                                                                                    std::vector<std::string> v;
                                                                                    for (const auto& [n, unused] :
                                                                                         st.inherit.groups)
                                                                                      v.push_back(n);
                                                                                    return v;
                                                                                  }()));
  parse_placement(r, body, node);
  if (kind == "ovs") {
    node.kind = NodeKind::Ovs;
    parse_ovs_switch(r, st, body, node);  // its own keys
    return node;
  }
  {
    auto keys = kNodeKeys;
    keys.insert(keys.end(), kContainerKeys.begin(), kContainerKeys.end());
    keys.push_back("group");
    r.check_keys(body, keys, where);
  }
  if (node.kind == NodeKind::Container) {
    parse_container(r, node, [&](const std::string& key) { return field(st.inherit, body, kind, key); });
  } else if (node.kind == NodeKind::Vm) {
    parse_vm(r, node, body);
  } else {
    report_foreign_keys(r, body, node, kind);
  }
  if (node.kind == NodeKind::Vm) report_foreign_keys(r, body, node, kind);

  if (node.kind == NodeKind::Bridge) {
    for (const char* key : {"interfaces", "routes", "sysctls", "exec", "router", "nat", "security_groups", "services"})
      if (auto e = Reader::get(body.value, key))
        r.error(Entry(e.key), "bridge '" + node.name + "' cannot have '" + key + "'",
                "a bridge only switches frames: put addresses, routes and commands on netns nodes and link them to '" +
                    node.name + "'");
    if (auto mtu = Reader::get(body.value, "mtu"))
      if (auto v = r.integer(mtu, "'mtu'", 68, 65535)) node.mtu = static_cast<int>(*v);
    if (auto dhcp = Reader::get(body.value, "dhcp")) {
      parse_dhcp_server(r, node, dhcp);
      if (!node.dhcp) st.broken.insert("dhcp " + node.name);  // its clients stay quiet
    }
    return node;
  }
  if (auto mtu = Reader::get(body.value, "mtu"))
    r.error(Entry(mtu.key), "'mtu' is not a setting of " + kind + " node '" + node.name + "'",
            "set it on an interface (interfaces: {eth0: {mtu: 9000}}) or on a link");

  if (auto dhcp = Reader::get(body.value, "dhcp"))
    r.error(Entry(dhcp.key), "'dhcp' is not a setting of " + kind + " node '" + node.name + "'",
            "a DHCP server belongs to a bridge ('dhcp: {range: 10.0.0.100-10.0.0.150}' on the bridge); a node gets "
            "an address from it with 'dhcp: true' on an interface (interfaces: {eth0: {dhcp: true}})");
  parse_interfaces(r, st, Reader::get(body.value, "interfaces"), node);
  if (const auto router = Reader::get(body.value, "router"))
    if (auto b = r.boolean(router, "'router'")) node.router = *b;
  if (const auto nat = Reader::get(body.value, "nat")) parse_nat(r, node, nat);
  if (const auto groups = Reader::get(body.value, "security_groups")) {
    // A node's groups apply to each of its interfaces, after the interface's own.
    std::vector<std::string> names;
    std::vector<SourcePos> pos;
    parse_membership(r, groups, names, pos);
    for (auto& iface : node.interfaces)
      for (size_t i = 0; i < names.size(); ++i)
        if (std::find(iface.security_groups.begin(), iface.security_groups.end(), names[i]) ==
            iface.security_groups.end()) {
          iface.security_groups.push_back(names[i]);
          iface.security_group_pos.push_back(pos[i]);
        }
  }
  if (const auto routes = field(st.inherit, body, kind, "routes"); routes && r.is_list(routes, "'routes'"))
    for (const auto& item : routes.value) parse_route(r, node, Entry(item));
  if (const auto sysctls = field(st.inherit, body, kind, "sysctls"); sysctls && r.is_map(sysctls, "'sysctls'", true))
    parse_sysctls(r, node, sysctls);
  if (const auto exec = field(st.inherit, body, kind, "exec")) {
    for (auto& [cmd, at] : r.strings(exec, "'exec'")) {
      if (cmd.find_first_not_of(" \t\n") == std::string::npos)
        r.error(at, "'exec' of node '" + node.name + "' has an empty command", "remove it or write the command");
      else
        node.exec.push_back(cmd);
    }
  }
  if (const auto services = Reader::get(body.value, "services")) parse_services(r, node, services);
  return node;
}

}  // namespace

std::string name_problem(const std::string& name, size_t max_len) {
  if (name.empty()) return "it is empty";
  if (!std::isalnum(static_cast<unsigned char>(name[0]))) return "it must start with a letter or digit";
  for (unsigned char c : name)
    if (!std::isalnum(c) && c != '_' && c != '.' && c != '-')
      return c == ' ' ? "spaces are not allowed" : std::string("'") + static_cast<char>(c) + "' is not allowed";
  if (name.size() > max_len)
    return "it has " + std::to_string(name.size()) + " characters, at most " + std::to_string(max_len) + " are allowed";
  return "";
}

std::string first_at(const std::string& what, SourcePos pos) {
  return "the first '" + what + "' is at line " + std::to_string(pos.line);
}

std::vector<std::string> node_names(const Topology& topo, const NodeKind* only) {
  std::vector<std::string> names;
  for (const auto& n : topo.nodes)
    if (!only || n.kind == *only) names.push_back(n.name);
  return names;
}

void parse_inherited(Reader& r, const Entry& topology, NodeDefaults& out) {
  if (const auto d = Reader::get(topology.value, "defaults"); d && r.is_map(d, "'defaults'", true)) {
    r.check_keys(d, kInheritedKeys, "'defaults'");
    for (const auto& e : r.entries(d, "'defaults'")) out.defaults.emplace(e.name(), e);
  }
  const auto kinds = Reader::get(topology.value, "kinds");
  if (!kinds || !r.is_map(kinds, "'kinds'", true)) return;
  std::set<std::string> seen;
  for (const auto& kind : r.entries(kinds, "'kinds'")) {
    const auto name = kind.name();
    if (!seen.insert(name).second) {
      r.error(Entry(kind.key), "duplicate key '" + name + "' in 'kinds'",
              "YAML keeps only one of them; remove the other");
      continue;
    }
    if (!is_kind(name)) {
      auto hint = did_you_mean(name, kKinds);
      r.error(Entry(kind.key), "unknown kind '" + name + "' in 'kinds'",
              hint.empty() ? "kinds available: " + one_of(kKinds) : hint);
      continue;
    }
    if (!r.is_map(kind, "kind '" + name + "'", true)) continue;
    if (name == "bridge" || name == "ovs") {
      for (const auto& e : r.entries(kind, "kind '" + name + "'"))
        r.error(Entry(e.key), "kind '" + name + "' cannot set '" + e.name() + "'",
                "bridges take no routes, sysctls or exec; set them under 'kinds: netns:'");
      continue;
    }
    if (is_container_kind(name)) {
      auto keys = kKindKeys;
      keys.insert(keys.end(), kContainerKeys.begin(), kContainerKeys.end());
      r.check_keys(kind, keys, "kind '" + name + "'");
      for (const auto& e : r.entries(kind, "kind '" + name + "'")) out.kinds["container"].emplace(e.name(), e);
      continue;
    }
    r.check_keys(kind, kKindKeys, "kind '" + name + "'");
    for (const auto& e : r.entries(kind, "kind '" + name + "'")) out.kinds[name].emplace(e.name(), e);
  }
}

void parse_groups(Reader& r, const Entry& topology, NodeDefaults& out) {
  const auto groups = Reader::get(topology.value, "groups");
  if (!groups || !r.is_map(groups, "'groups'", true)) return;
  for (const auto& group : r.entries(groups, "'groups'")) {
    const auto name = group.name();
    if (!r.is_map(group, "group '" + name + "'", true)) continue;
    r.check_keys(group, kInheritedKeys, "group '" + name + "'");
    auto& fields = out.groups[name];
    for (const auto& e : r.entries(group, "group '" + name + "'")) fields.emplace(e.name(), e);
  }
}

void parse_hosts(Reader& r, ParseState& st, const Entry& hosts, Topology& topo) {
  if (!hosts || !r.is_map(hosts, "'hosts'", true)) return;
  static const std::vector<std::string> kHostKeys = {"kind", "interfaces", "routes", "sysctls", "exec", "router"};
  for (const auto& item : r.entries(hosts, "'hosts'")) {
    const auto name = item.name();
    if (auto why = name_problem(name, 64); !why.empty() || name == kLocalHost) {
      r.error(Entry(item.key),
              "host name '" + name + "' is not valid: " + (why.empty() ? "'local' is the implicit host" : why),
              "use up to 64 letters, digits, '_', '.' or '-', starting with a letter or digit, other than 'local'");
      st.broken.insert(name);
      continue;
    }
    NodeSpec host;
    host.name = name;
    host.is_host = true;
    host.pos = Reader::pos(item.key);
    const std::string where = "host '" + name + "'";
    if (!r.is_map(item, where, true)) {
      st.broken.insert(name);
      continue;
    }
    r.check_keys(item, kHostKeys, where);
    if (auto k = Reader::get(item.value, "kind"))
      if (auto s = r.string(k, "'kind'"); s && *s != "netns") {
        r.error(k,
                *s == "vm" ? "host '" + name + "' has kind vm, which netrig does not build yet"
                           : "unknown host kind '" + *s + "' for host '" + name + "'",
                *s == "vm"
                    ? "hosts are namespaces (kind: netns) for now; a vm host (a guest kernel with its own OVS) is "
                      "planned"
                    : "host kinds: netns");
        st.broken.insert(name);
      }
    parse_interfaces(r, st, Reader::get(item.value, "interfaces"), host);
    if (const auto router = Reader::get(item.value, "router"))
      if (auto b = r.boolean(router, "'router'")) host.router = *b;
    if (const auto routes = Reader::get(item.value, "routes"); routes && r.is_list(routes, "'routes'"))
      for (const auto& route : routes.value) parse_route(r, host, Entry(route));
    if (const auto sysctls = Reader::get(item.value, "sysctls"); sysctls && r.is_map(sysctls, "'sysctls'", true))
      parse_sysctls(r, host, sysctls);
    if (const auto exec = Reader::get(item.value, "exec"))
      for (auto& [cmd, at] : r.strings(exec, "'exec'")) host.exec.push_back(cmd);
    topo.nodes.push_back(std::move(host));
  }
}

void parse_nodes(Reader& r, ParseState& st, const Entry& nodes, Topology& topo) {
  if (!r.is_map(nodes, "'nodes'", true)) return;
  if (nodes.value.IsNull() || nodes.value.size() == 0) {
    r.error(nodes, "'nodes' is empty",
            "add at least one node, indented under 'nodes:', e.g. 'h1: {interfaces: {eth0: 10.0.0.1/24}}'");
    return;
  }
  std::map<std::string, SourcePos> seen;
  for (const auto& item : r.entries(nodes, "'nodes'")) {
    const auto name = item.name();
    if (const auto* host = topo.find_node(name); host && host->is_host) {
      r.error(Entry(item.key), "node name '" + name + "' is also a host's",
              "a host and a node share one namespace name space; rename one (the host is at line " +
                  std::to_string(host->pos.line) + ")");
      continue;
    }
    if (auto [it, fresh] = seen.emplace(name, Reader::pos(item.key)); !fresh) {
      r.error(Entry(item.key), "duplicate node name '" + name + "'",
              first_at(name, it->second) + "; give every node its own name");
      continue;
    }
    if (auto why = name_problem(name, 64); !why.empty()) {
      r.error(Entry(item.key), "node name '" + name + "' is not valid: " + why,
              "use up to 64 letters, digits, '_', '.' or '-', starting with a letter or digit");
      st.broken.insert(name);
      continue;
    }
    if (name == kLocalHost) {
      r.error(Entry(item.key), "node name '" + name + "' is reserved",
              "'local' is the lab's implicit host, whose namespace <lab>-local holds the switches; rename the node");
      st.broken.insert(name);
      continue;
    }
    topo.nodes.push_back(parse_node(r, st, item));
  }
}

}  // namespace netrig
