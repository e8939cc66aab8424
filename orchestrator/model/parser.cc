#include "model/parser.h"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <regex>
#include <set>
#include <sstream>

#include "model/names.h"

namespace netrig {
namespace {

const std::vector<std::string> kTopKeys = {"name", "topology", "tests", "settings"};
const std::vector<std::string> kSettingsKeys = {"static_neighbors"};
const std::vector<std::string> kTopologyKeys = {"defaults", "kinds", "nodes", "links"};
const std::vector<std::string> kNodeKeys = {"kind", "interfaces", "routes", "sysctls", "exec", "mtu"};
const std::vector<std::string> kInheritedKeys = {"kind", "routes", "sysctls", "exec"};
const std::vector<std::string> kInterfaceKeys = {"ipv4", "ipv6", "mac", "mtu"};
const std::vector<std::string> kRouteKeys = {"dst", "via", "dev", "metric"};
const std::vector<std::string> kLinkKeys = {"endpoints", "mtu"};
const std::vector<std::string> kKinds = {"netns", "bridge"};
const std::vector<std::string> kTestKeys = {"name", "timeout", "ping", "connect", "exec", "pingall"};
const std::vector<std::string> kCheckTypes = {"ping", "connect", "exec", "pingall"};
const std::vector<std::string> kPingAllKeys = {"nodes", "family"};
const std::vector<std::string> kPingKeys = {"from", "to", "count", "expect", "max_loss", "max_rtt", "family"};
const std::vector<std::string> kConnectKeys = {"from", "to", "port", "protocol", "expect", "listen"};
const std::vector<std::string> kExecKeys = {"node", "cmd", "exit", "output"};

bool is_valid_object_name(const std::string& name) {
  static const std::regex pattern("[A-Za-z0-9][A-Za-z0-9_.-]*");
  return name.size() <= 64 && std::regex_match(name, pattern);
}

// Collects diagnostics while reading YAML nodes; every accessor reports what it could not read
// and returns nullopt/false so parsing goes on and all problems are listed at once.
class Reader {
 public:
  explicit Reader(std::string file) : file_(std::move(file)) {}

  std::vector<Diagnostic>& diagnostics() { return diagnostics_; }

  static SourcePos pos(const YAML::Node& node) {
    const auto mark = node.Mark();
    if (mark.line < 0) return {};
    return {mark.line + 1, mark.column + 1};
  }

  void error(SourcePos at, std::string message, std::string hint = "") {
    diagnostics_.push_back({file_, at, std::move(message), std::move(hint)});
  }
  void error(const YAML::Node& at, std::string message, std::string hint = "") {
    error(pos(at), std::move(message), std::move(hint));
  }

  static const char* type_name(const YAML::Node& node) {
    switch (node.Type()) {
      case YAML::NodeType::Map: return "a mapping";
      case YAML::NodeType::Sequence: return "a list";
      case YAML::NodeType::Scalar: return "a scalar";
      case YAML::NodeType::Null: return "nothing";
      default: return "an undefined value";
    }
  }

  bool is_map(const YAML::Node& node, const std::string& what, bool null_ok = false) {
    if (node.IsMap() || (null_ok && node.IsNull())) return true;
    error(node, what + " must be a mapping, not " + type_name(node),
          "write it as 'key: value' lines indented under it");
    return false;
  }

  bool is_list(const YAML::Node& node, const std::string& what) {
    if (node.IsSequence()) return true;
    error(node, what + " must be a list, not " + type_name(node), "write it as '- item' lines or [a, b]");
    return false;
  }

  // Reports unknown and duplicate keys of a mapping. Returns the keys in file order.
  void check_keys(const YAML::Node& map, const std::vector<std::string>& allowed, const std::string& where) {
    std::set<std::string> seen;
    for (const auto& item : map) {
      if (!item.first.IsScalar()) {
        error(item.first, "keys in " + where + " must be plain words");
        continue;
      }
      const auto key = item.first.as<std::string>();
      if (!seen.insert(key).second) error(item.first, "duplicate key '" + key + "' in " + where, "remove one of them");
      if (std::find(allowed.begin(), allowed.end(), key) == allowed.end()) {
        auto hint = did_you_mean(key, allowed);
        if (hint.empty()) {
          hint = "allowed keys here: ";
          for (size_t i = 0; i < allowed.size(); ++i) hint += (i ? ", " : "") + allowed[i];
        }
        error(item.first, "unknown key '" + key + "' in " + where, hint);
      }
    }
  }

  std::optional<std::string> string(const YAML::Node& node, const std::string& what) {
    if (node.IsScalar()) return node.Scalar();
    error(node, what + " must be a string, not " + type_name(node));
    return std::nullopt;
  }

  std::optional<long long> integer(const YAML::Node& node, const std::string& what, long long min, long long max) {
    if (node.IsScalar()) {
      const auto& text = node.Scalar();
      try {
        size_t used = 0;
        long long value = std::stoll(text, &used, 10);
        if (used == text.size()) {
          if (value < min || value > max) {
            error(node, what + " must be between " + std::to_string(min) + " and " + std::to_string(max) +
                            ", not " + text);
            return std::nullopt;
          }
          return value;
        }
      } catch (const std::exception&) {
      }
      error(node, what + " must be a whole number, not '" + text + "'");
      return std::nullopt;
    }
    error(node, what + " must be a whole number, not " + type_name(node));
    return std::nullopt;
  }

  std::optional<double> number(const YAML::Node& node, const std::string& what, double min, double max) {
    if (node.IsScalar()) {
      const auto& text = node.Scalar();
      try {
        size_t used = 0;
        double value = std::stod(text, &used);
        if (used == text.size()) {
          if (value < min || value > max) {
            std::ostringstream range;
            range << what << " must be between " << min << " and " << max << ", not " << text;
            error(node, range.str());
            return std::nullopt;
          }
          return value;
        }
      } catch (const std::exception&) {
      }
      error(node, what + " must be a number, not '" + text + "'");
      return std::nullopt;
    }
    error(node, what + " must be a number, not " + type_name(node));
    return std::nullopt;
  }

  std::optional<bool> boolean(const YAML::Node& node, const std::string& what) {
    if (node.IsScalar()) {
      const auto& t = node.Scalar();
      if (t == "true" || t == "yes" || t == "on") return true;
      if (t == "false" || t == "no" || t == "off") return false;
    }
    error(node, what + " must be true or false");
    return std::nullopt;
  }

  // A scalar or a list of scalars.
  std::vector<std::pair<std::string, YAML::Node>> strings(const YAML::Node& node, const std::string& what) {
    std::vector<std::pair<std::string, YAML::Node>> out;
    if (node.IsScalar()) {
      out.emplace_back(node.Scalar(), node);
    } else if (node.IsSequence()) {
      for (const auto& item : node)
        if (auto s = string(item, what)) out.emplace_back(*s, item);
    } else {
      error(node, what + " must be a string or a list of strings, not " + type_name(node));
    }
    return out;
  }

 private:
  std::string file_;
  std::vector<Diagnostic> diagnostics_;
};

// The node fields that `defaults` and `kinds` may set, kept as YAML so the node's own value wins.
struct Inherited {
  std::map<std::string, YAML::Node> fields;
};

class Parser {
 public:
  Parser(std::string file, const ParseOptions& options) : r_(std::move(file)), options_(options) {}

  Topology parse(const YAML::Node& root) {
    Topology topo;
    if (!r_.is_map(root, "the topology file")) return topo;
    r_.check_keys(root, kTopKeys, "the top level");
    parse_name(root, topo);
    const auto topology = root["topology"];
    if (!topology) {
      r_.error(root, "missing 'topology:' section", "add 'topology:' with 'nodes:' and 'links:' under it");
    } else if (r_.is_map(topology, "'topology'")) {
      r_.check_keys(topology, kTopologyKeys, "'topology'");
      parse_inherited(topology);
      parse_nodes(topology["nodes"], topology, topo);
      parse_links(topology["links"], topo);
      check_interfaces_linked(topo);
    }
    if (const auto settings = root["settings"]; settings && r_.is_map(settings, "'settings'", true)) {
      if (settings.IsMap()) r_.check_keys(settings, kSettingsKeys, "'settings'");
      if (const auto v = settings["static_neighbors"])
        if (auto b = r_.boolean(v, "'static_neighbors'")) topo.static_neighbors = *b;
    }
    if (const auto tests = root["tests"]) parse_tests(tests, topo);
    return topo;
  }

 private:
  void parse_name(const YAML::Node& root, Topology& topo) {
    if (!options_.lab_name.empty()) {
      topo.name = options_.lab_name;
      if (!is_valid_lab_name(topo.name))
        r_.error(SourcePos{}, "lab name '" + topo.name + "' given with --name is not valid",
                 "use up to 32 letters, digits, '_', '.' or '-', starting with a letter or digit");
      return;
    }
    const auto name = root["name"];
    if (!name) {
      r_.error(root, "missing 'name:' of the lab", "add 'name: mylab' at the top; it prefixes everything the lab creates");
      return;
    }
    if (auto s = r_.string(name, "'name'")) {
      topo.name = *s;
      if (!is_valid_lab_name(*s))
        r_.error(name, "lab name '" + *s + "' is not valid",
                 "use up to 32 letters, digits, '_', '.' or '-', starting with a letter or digit");
    }
  }

  void parse_inherited(const YAML::Node& topology) {
    if (const auto defaults = topology["defaults"]; defaults && r_.is_map(defaults, "'defaults'")) {
      r_.check_keys(defaults, kInheritedKeys, "'defaults'");
      for (const auto& item : defaults) defaults_.fields[item.first.as<std::string>()] = item.second;
    }
    if (const auto kinds = topology["kinds"]; kinds && r_.is_map(kinds, "'kinds'")) {
      r_.check_keys(kinds, kKinds, "'kinds'");
      for (const auto& kind : kinds) {
        const auto kind_name = kind.first.as<std::string>();
        if (!r_.is_map(kind.second, "kind '" + kind_name + "'", true)) continue;
        std::vector<std::string> allowed = {"routes", "sysctls", "exec"};
        r_.check_keys(kind.second, allowed, "kind '" + kind_name + "'");
        for (const auto& item : kind.second) kinds_[kind_name].fields[item.first.as<std::string>()] = item.second;
      }
    }
  }

  // The node's own field, else its kind's, else the defaults'.
  YAML::Node field(const YAML::Node& node, const std::string& kind, const std::string& key) {
    if (node.IsMap() && node[key]) return node[key];
    if (auto k = kinds_.find(kind); k != kinds_.end())
      if (auto f = k->second.fields.find(key); f != k->second.fields.end()) return f->second;
    if (auto f = defaults_.fields.find(key); f != defaults_.fields.end()) return f->second;
    return YAML::Node(YAML::NodeType::Undefined);
  }

  void parse_nodes(const YAML::Node& nodes, const YAML::Node& topology, Topology& topo) {
    if (!nodes) {
      r_.error(topology, "missing 'nodes:' in 'topology'", "list the lab's nodes and bridges under 'nodes:'");
      return;
    }
    if (!r_.is_map(nodes, "'nodes'")) return;
    std::set<std::string> seen;
    for (const auto& item : nodes) {
      const auto name = item.first.Scalar();
      if (!seen.insert(name).second) {
        r_.error(item.first, "duplicate node name '" + name + "'", "every node needs its own name");
        continue;
      }
      if (!is_valid_object_name(name)) {
        r_.error(item.first, "node name '" + name + "' is not valid",
                 "use letters, digits, '_', '.' or '-', starting with a letter or digit");
        continue;
      }
      topo.nodes.push_back(parse_node(name, item.first, item.second));
    }
  }

  NodeSpec parse_node(const std::string& name, const YAML::Node& key, const YAML::Node& body) {
    NodeSpec node;
    node.name = name;
    node.pos = Reader::pos(key);
    if (!r_.is_map(body, "node '" + name + "'", true)) return node;
    if (body.IsMap()) r_.check_keys(body, kNodeKeys, "node '" + name + "'");

    std::string kind = "netns";
    if (const auto k = field(body, "", "kind")) {
      if (auto s = r_.string(k, "'kind'")) {
        if (std::find(kKinds.begin(), kKinds.end(), *s) == kKinds.end()) {
          auto hint = did_you_mean(*s, kKinds);
          r_.error(k, "unknown kind '" + *s + "' for node '" + name + "'",
                   hint.empty() ? "kinds available: netns, bridge" : hint);
        } else {
          kind = *s;
        }
      }
    }
    node.kind = kind == "bridge" ? NodeKind::Bridge : NodeKind::Netns;

    if (node.kind == NodeKind::Bridge) {
      for (const char* key_name : {"interfaces", "routes", "sysctls", "exec"})
        if (body.IsMap() && body[key_name])
          r_.error(body[key_name], std::string("a bridge has no '") + key_name + "'",
                   "bridges only switch frames; put addresses, routes and commands on netns nodes");
      if (body.IsMap() && body["mtu"])
        if (auto mtu = r_.integer(body["mtu"], "'mtu'", 68, 65535)) node.mtu = static_cast<int>(*mtu);
      return node;
    }
    if (body.IsMap() && body["mtu"])
      r_.error(body["mtu"], "'mtu' belongs on an interface of netns node '" + name + "'",
               "set it under interfaces: <name>: mtu:, or on the link");

    if (const auto ifaces = body.IsMap() ? body["interfaces"] : YAML::Node(); ifaces && r_.is_map(ifaces, "'interfaces'", true)) {
      std::set<std::string> seen, kernel_names;
      for (const auto& item : ifaces) {
        auto iface = parse_interface(name, item.first, item.second);
        if (!seen.insert(iface.name).second) {
          r_.error(item.first, "duplicate interface '" + iface.name + "' on node '" + name + "'");
          continue;
        }
        if (!kernel_names.insert(iface.kernel_name).second) {
          r_.error(item.first, "interface '" + iface.name + "' on node '" + name +
                                   "' maps to a kernel name already in use: " + iface.kernel_name,
                   "shorten the interface name to 15 characters or fewer");
          continue;
        }
        node.interfaces.push_back(std::move(iface));
      }
    }
    if (const auto routes = field(body, kind, "routes"); routes && r_.is_list(routes, "'routes'"))
      for (const auto& item : routes) parse_route(node, item);
    if (const auto sysctls = field(body, kind, "sysctls"); sysctls && r_.is_map(sysctls, "'sysctls'", true))
      parse_sysctls(node, sysctls);
    if (const auto exec = field(body, kind, "exec"))
      for (auto& [cmd, at] : r_.strings(exec, "'exec'")) node.exec.push_back(cmd);
    return node;
  }

  InterfaceSpec parse_interface(const std::string& node, const YAML::Node& key, const YAML::Node& body) {
    InterfaceSpec iface;
    iface.name = key.Scalar();
    iface.pos = Reader::pos(key);
    if (!is_valid_ifname_chars(iface.name)) {
      r_.error(key, "interface name '" + iface.name + "' on node '" + node + "' is not valid",
               "interface names cannot be empty or contain '/', ':' or spaces");
    } else if (iface.name.size() > 64) {
      r_.error(key, "interface name '" + iface.name + "' is longer than 64 characters");
    }
    iface.kernel_name = short_kernel_name(iface.name);
    if (body.IsNull()) return iface;
    if (body.IsScalar()) {  // shorthand: eth0: 10.0.0.1/24
      add_address(iface, body, 0);
      return iface;
    }
    if (!r_.is_map(body, "interface '" + iface.name + "'")) return iface;
    r_.check_keys(body, kInterfaceKeys, "interface '" + node + ":" + iface.name + "'");
    if (const auto v4 = body["ipv4"])
      for (auto& [text, at] : r_.strings(v4, "'ipv4'")) add_address(iface, at, 4);
    if (const auto v6 = body["ipv6"])
      for (auto& [text, at] : r_.strings(v6, "'ipv6'")) add_address(iface, at, 6);
    if (const auto mac = body["mac"]) {
      static const std::regex pattern("[0-9a-fA-F]{2}(:[0-9a-fA-F]{2}){5}");
      if (auto s = r_.string(mac, "'mac'")) {
        if (!std::regex_match(*s, pattern))
          r_.error(mac, "'" + *s + "' is not a MAC address", "write six hex pairs, e.g. 02:00:00:00:00:01");
        else if (std::stoi(s->substr(0, 2), nullptr, 16) & 1)
          r_.error(mac, "'" + *s + "' is a multicast MAC address",
                   "the first byte must be even; 02:xx:xx:xx:xx:xx is a safe locally administered prefix");
        else
          iface.mac = *s;
      }
    }
    if (const auto mtu = body["mtu"])
      if (auto v = r_.integer(mtu, "'mtu'", 68, 65535)) iface.mtu = static_cast<int>(*v);
    return iface;
  }

  void add_address(InterfaceSpec& iface, const YAML::Node& at, int family) {
    const auto text = at.Scalar();
    auto prefix = IpPrefix::parse(text);
    if (!prefix) {
      auto bare = IpPrefix::parse(text, false);
      r_.error(at, "'" + text + "' is not an address with a prefix length",
               bare ? "add the prefix length, e.g. " + text + (bare->addr.family == 4 ? "/24" : "/64")
                    : "write it as 10.0.0.1/24 or fd00::1/64");
      return;
    }
    if (family && prefix->addr.family != family) {
      r_.error(at, "'" + text + "' is not an IPv" + std::to_string(family) + " address",
               std::string("put it under '") + (prefix->addr.family == 4 ? "ipv4" : "ipv6") + "'");
      return;
    }
    iface.addresses.push_back(*prefix);
    iface.address_pos.push_back(Reader::pos(at));
  }

  void parse_route(NodeSpec& node, const YAML::Node& item) {
    if (!r_.is_map(item, "a route")) return;
    r_.check_keys(item, kRouteKeys, "a route of node '" + node.name + "'");
    RouteSpec route;
    route.pos = Reader::pos(item);
    const auto dst = item["dst"];
    if (!dst) {
      r_.error(item, "route without 'dst'", "use 'dst: default' or a prefix such as 10.1.0.0/16");
      return;
    }
    const auto via = item["via"];
    std::optional<IpAddr> gateway;
    if (via) {
      if (auto s = r_.string(via, "'via'")) {
        gateway = IpAddr::parse(*s);
        if (!gateway) {
          r_.error(via, "'" + *s + "' is not an IP address", "a gateway is a bare address such as 10.0.0.254");
          return;
        }
      }
    }
    auto dst_text = r_.string(dst, "'dst'");
    if (!dst_text) return;
    if (*dst_text == "default" || *dst_text == "default6") {
      int family = *dst_text == "default6" ? 6 : (gateway ? gateway->family : 4);
      route.dst = *IpPrefix::parse(family == 4 ? "0.0.0.0/0" : "::/0");
    } else if (auto p = IpPrefix::parse(*dst_text, false)) {
      route.dst = *p;
    } else {
      r_.error(dst, "'" + *dst_text + "' is not a route destination", "use 'default' or a prefix such as 10.1.0.0/16");
      return;
    }
    if (gateway && gateway->family != route.dst.addr.family) {
      r_.error(via, "gateway " + gateway->str() + " and destination " + route.dst.str() + " are of different IP families");
      return;
    }
    route.via = gateway;
    if (const auto dev = item["dev"]) {
      if (auto s = r_.string(dev, "'dev'")) {
        if (!node.find_interface(*s)) {
          std::vector<std::string> names;
          for (const auto& i : node.interfaces) names.push_back(i.name);
          auto hint = did_you_mean(*s, names);
          r_.error(dev, "route names interface '" + *s + "', which node '" + node.name + "' does not have",
                   hint.empty() ? "declare it under the node's 'interfaces:'" : hint);
          return;
        }
        route.dev = *s;
      }
    }
    if (!gateway && route.dev.empty()) {
      r_.error(item, "route to " + route.dst.str() + " needs 'via' or 'dev'", "add 'via: <gateway address>'");
      return;
    }
    if (gateway) {
      bool reachable = false;
      for (const auto& i : node.interfaces)
        if (route.dev.empty() || i.name == route.dev)
          for (const auto& a : i.addresses) reachable |= a.contains(*gateway);
      if (!reachable) {
        r_.error(via, "gateway " + gateway->str() + " is not in any subnet of node '" + node.name + "'",
                 "the gateway must be on a directly connected network: give the node an address in its subnet");
        return;
      }
    }
    if (const auto metric = item["metric"])
      if (auto m = r_.integer(metric, "'metric'", 0, 4294967295LL)) route.metric = static_cast<int>(*m);
    node.routes.push_back(route);
  }

  void parse_sysctls(NodeSpec& node, const YAML::Node& sysctls) {
    static const std::regex pattern("[a-z0-9_]+(\\.[A-Za-z0-9_*-]+)+");
    for (const auto& item : sysctls) {
      SysctlSpec s;
      s.key = item.first.Scalar();
      s.pos = Reader::pos(item.first);
      if (!std::regex_match(s.key, pattern)) {
        r_.error(item.first, "'" + s.key + "' is not a sysctl name", "write it dotted, e.g. net.ipv4.ip_forward");
        continue;
      }
      if (s.key.rfind("net.", 0) != 0) {
        r_.error(item.first, "sysctl '" + s.key + "' is not per network namespace",
                 "only net.* sysctls can be set on a node; others would change the host");
        continue;
      }
      auto value = r_.string(item.second, "sysctl '" + s.key + "'");
      if (!value) continue;
      s.value = *value;
      node.sysctls.push_back(s);
    }
  }

  std::optional<Endpoint> parse_endpoint(const YAML::Node& at, const Topology& topo) {
    auto text = r_.string(at, "an endpoint");
    if (!text) return std::nullopt;
    Endpoint ep;
    ep.pos = Reader::pos(at);
    auto colon = text->find(':');
    ep.node = text->substr(0, colon);
    if (colon != std::string::npos) ep.iface = text->substr(colon + 1);
    const NodeSpec* node = topo.find_node(ep.node);
    if (!node) {
      std::vector<std::string> names;
      for (const auto& n : topo.nodes) names.push_back(n.name);
      auto hint = did_you_mean(ep.node, names);
      r_.error(at, "endpoint '" + *text + "' names unknown node '" + ep.node + "'",
               hint.empty() ? "declare the node under 'topology.nodes'" : hint);
      return std::nullopt;
    }
    if (node->kind == NodeKind::Bridge) {
      if (colon != std::string::npos) {
        r_.error(at, "endpoint '" + *text + "' names an interface of bridge '" + ep.node + "'",
                 "write just '" + ep.node + "'; netrig names the bridge's ports itself");
        return std::nullopt;
      }
      return ep;
    }
    if (colon == std::string::npos || ep.iface.empty()) {
      r_.error(at, "endpoint '" + *text + "' of netns node '" + ep.node + "' needs an interface",
               "write it as '" + ep.node + ":eth0'");
      return std::nullopt;
    }
    if (!node->find_interface(ep.iface)) {
      std::vector<std::string> names;
      for (const auto& i : node->interfaces) names.push_back(i.name);
      auto hint = did_you_mean(ep.iface, names);
      r_.error(at, "endpoint '" + *text + "' names interface '" + ep.iface + "', which node '" + ep.node +
                       "' does not declare",
               hint.empty() ? "add '" + ep.iface + ":' under the node's 'interfaces:'" : hint);
      return std::nullopt;
    }
    return ep;
  }

  void parse_links(const YAML::Node& links, Topology& topo) {
    if (!links) return;
    if (!r_.is_list(links, "'links'")) return;
    std::map<std::string, SourcePos> used;  // "node:iface" -> where first used
    for (const auto& item : links) {
      if (!r_.is_map(item, "a link")) continue;
      r_.check_keys(item, kLinkKeys, "a link");
      const auto endpoints = item["endpoints"];
      if (!endpoints) {
        r_.error(item, "link without 'endpoints'", "write endpoints: [\"a:eth0\", \"b:eth0\"]");
        continue;
      }
      if (!r_.is_list(endpoints, "'endpoints'")) continue;
      if (endpoints.size() != 2) {
        r_.error(endpoints, "a link has exactly 2 endpoints, not " + std::to_string(endpoints.size()),
                 "to join more than two nodes, link each of them to a bridge");
        continue;
      }
      auto a = parse_endpoint(endpoints[0], topo);
      auto b = parse_endpoint(endpoints[1], topo);
      if (!a || !b) continue;
      if (a->node == b->node && a->iface.empty()) {
        r_.error(endpoints, "link joins bridge '" + a->node + "' to itself");
        continue;
      }
      bool ok = true;
      for (const auto* ep : {&*a, &*b}) {
        if (ep->iface.empty()) continue;
        auto key = ep->node + ":" + ep->iface;
        auto [it, fresh] = used.emplace(key, ep->pos);
        if (!fresh) {
          r_.error(ep->pos, "interface '" + key + "' is already used by the link at line " +
                                std::to_string(it->second.line),
                   "an interface joins one link; add another interface to the node");
          ok = false;
        }
      }
      if (!ok) continue;
      LinkSpec link{*a, *b, std::nullopt, Reader::pos(item)};
      if (const auto mtu = item["mtu"])
        if (auto v = r_.integer(mtu, "'mtu'", 68, 65535)) link.mtu = static_cast<int>(*v);
      topo.links.push_back(link);
    }
    linked_ = std::move(used);
  }

  void check_interfaces_linked(const Topology& topo) {
    std::map<std::string, std::string> owner;  // address -> node:iface
    for (const auto& node : topo.nodes) {
      for (const auto& iface : node.interfaces) {
        if (!linked_.count(node.name + ":" + iface.name))
          r_.error(iface.pos, "interface '" + node.name + ":" + iface.name + "' is not connected by any link",
                   "add a link with endpoint \"" + node.name + ":" + iface.name + "\" or remove the interface");
        for (size_t i = 0; i < iface.addresses.size(); ++i) {
          const auto& a = iface.addresses[i];
          auto at = iface.address_pos[i];
          auto [it, fresh] = owner.emplace(a.addr.str(), node.name + ":" + iface.name);
          if (!fresh)
            r_.error(at, "address " + a.addr.str() + " is already used by " + it->second,
                     "every interface needs its own address");
        }
      }
    }
  }

  void parse_tests(const YAML::Node& tests, Topology& topo) {
    if (!r_.is_list(tests, "'tests'")) return;
    std::set<std::string> names;
    for (const auto& item : tests) {
      if (!r_.is_map(item, "a test")) continue;
      r_.check_keys(item, kTestKeys, "a test");
      CheckSpec check;
      check.pos = Reader::pos(item);
      std::vector<std::string> types;
      for (const auto& t : kCheckTypes)
        if (item[t]) types.push_back(t);
      if (types.size() != 1) {
        r_.error(item, types.empty() ? "test names no check" : "test names more than one check",
                 "give each test exactly one of: ping, connect, exec, pingall");
        continue;
      }
      const auto body = item[types[0]];
      check.type = types[0] == "ping"      ? CheckType::Ping
                   : types[0] == "connect" ? CheckType::Connect
                   : types[0] == "pingall" ? CheckType::PingAll
                                           : CheckType::Exec;
      if (!r_.is_map(body, "'" + types[0] + "'")) continue;
      if (const auto timeout = item["timeout"])
        if (auto v = r_.number(timeout, "'timeout'", 0, 3600)) check.timeout_s = *v;
      bool ok = check.type == CheckType::Ping      ? parse_ping(body, topo, check)
                : check.type == CheckType::Connect ? parse_connect(body, topo, check)
                : check.type == CheckType::PingAll ? parse_pingall(body, topo, check)
                                                   : parse_exec(body, topo, check);
      if (!ok) continue;
      if (const auto name = item["name"]) {
        if (auto s = r_.string(name, "'name'")) check.name = *s;
      } else {
        check.name = default_check_name(check);
      }
      if (!names.insert(check.name).second) {
        r_.error(item["name"] ? item["name"] : item, "duplicate test name '" + check.name + "'",
                 "give each test its own 'name:'");
        continue;
      }
      topo.checks.push_back(check);
    }
  }

  static std::string default_check_name(const CheckSpec& c) {
    bool neg = c.expect == Expect::Failure;
    switch (c.type) {
      case CheckType::Ping: return "ping " + c.node + (neg ? " -/-> " : " -> ") + c.target;
      case CheckType::Connect:
        return c.protocol + " " + c.node + " -> " + c.target + ":" + std::to_string(c.port) + (neg ? " closed" : " open");
      case CheckType::Exec: return "exec " + c.node + ": " + c.command;
      case CheckType::PingAll: return "pingall " + (c.nodes.empty() ? std::string("all nodes") : std::to_string(c.nodes.size()) + " nodes");
    }
    return "";
  }

  bool netns_node(const YAML::Node& at, const Topology& topo, const std::string& what, std::string& out) {
    auto s = r_.string(at, what);
    if (!s) return false;
    const NodeSpec* node = topo.find_node(*s);
    if (!node) {
      std::vector<std::string> names;
      for (const auto& n : topo.nodes) names.push_back(n.name);
      auto hint = did_you_mean(*s, names);
      r_.error(at, "test names unknown node '" + *s + "'", hint.empty() ? "use a node from 'topology.nodes'" : hint);
      return false;
    }
    if (node->kind != NodeKind::Netns) {
      r_.error(at, "checks run on netns nodes; '" + *s + "' is a " + to_string(node->kind));
      return false;
    }
    out = *s;
    return true;
  }

  // A target is an address, a node (its first address) or node:iface.
  bool target(const YAML::Node& at, const Topology& topo, std::string& out) {
    auto s = r_.string(at, "'to'");
    if (!s) return false;
    if (IpAddr::parse(*s)) {
      out = *s;
      return true;
    }
    auto colon = s->find(':');
    auto node_name = s->substr(0, colon);
    const NodeSpec* node = topo.find_node(node_name);
    if (!node || node->kind != NodeKind::Netns) {
      std::vector<std::string> names;
      for (const auto& n : topo.nodes)
        if (n.kind == NodeKind::Netns) names.push_back(n.name);
      auto hint = did_you_mean(node_name, names);
      r_.error(at, "'" + *s + "' is neither an IP address nor a netns node",
               hint.empty() ? "write an address, a node name, or node:interface" : hint);
      return false;
    }
    bool has_address = false;
    for (const auto& i : node->interfaces)
      if (colon == std::string::npos || i.name == s->substr(colon + 1)) has_address |= !i.addresses.empty();
    if (!has_address) {
      r_.error(at, "'" + *s + "' has no address to test against", "give the interface an ipv4 or ipv6 address");
      return false;
    }
    out = *s;
    return true;
  }

  bool parse_ping(const YAML::Node& body, const Topology& topo, CheckSpec& c) {
    r_.check_keys(body, kPingKeys, "'ping'");
    if (!require(body, {"from", "to"}, "ping")) return false;
    bool ok = netns_node(body["from"], topo, "'from'", c.node) & target(body["to"], topo, c.target);
    if (const auto v = body["count"]) ok &= assign_int(v, "'count'", 1, 1000, c.count);
    if (const auto v = body["max_loss"]) {
      if (auto n = r_.number(v, "'max_loss'", 0, 100)) c.max_loss_pct = *n; else ok = false;
    }
    if (const auto v = body["max_rtt"]) {
      if (auto n = r_.number(v, "'max_rtt' (milliseconds)", 0, 60000)) c.max_rtt_ms = *n; else ok = false;
    }
    if (const auto v = body["family"]) ok &= assign_int(v, "'family'", 4, 6, c.family) && (c.family == 4 || c.family == 6);
    if (const auto v = body["expect"]) ok &= expect(v, {"reach", "fail"}, c);
    return ok;
  }

  bool parse_connect(const YAML::Node& body, const Topology& topo, CheckSpec& c) {
    r_.check_keys(body, kConnectKeys, "'connect'");
    if (!require(body, {"from", "to", "port"}, "connect")) return false;
    bool ok = netns_node(body["from"], topo, "'from'", c.node) & target(body["to"], topo, c.target);
    ok &= assign_int(body["port"], "'port'", 1, 65535, c.port);
    if (const auto v = body["protocol"]) {
      auto s = r_.string(v, "'protocol'");
      if (s && (*s == "tcp" || *s == "udp")) {
        c.protocol = *s;
      } else {
        if (s) r_.error(v, "unknown protocol '" + *s + "'", "use tcp or udp");
        ok = false;
      }
    }
    if (const auto v = body["listen"]) {
      if (auto b = r_.boolean(v, "'listen'")) c.listen = *b; else ok = false;
    }
    if (const auto v = body["expect"]) ok &= expect(v, {"open", "closed"}, c);
    if (ok && c.protocol == "udp" && c.expect == Expect::Success && !c.listen) {
      r_.error(body, "a udp connect check that expects 'open' needs 'listen: true'",
               "UDP has no handshake: netrig can only see an answer from its own listener");
      ok = false;
    }
    if (ok && c.listen && c.target.find(':') == std::string::npos && IpAddr::parse(c.target)) {
      r_.error(body["to"], "'listen: true' needs 'to' to be a node, not an address",
               "write the node name so netrig knows where to start the listener");
      ok = false;
    }
    return ok;
  }

  // pingall: every listed node (default: every netns node with an address) pings every other.
  bool parse_pingall(const YAML::Node& body, const Topology& topo, CheckSpec& c) {
    r_.check_keys(body, kPingAllKeys, "'pingall'");
    bool ok = true;
    if (const auto v = body["family"]) ok &= assign_int(v, "'family'", 4, 6, c.family) && (c.family == 4 || c.family == 6);
    if (const auto nodes = body["nodes"]; nodes && !(nodes.IsScalar() && nodes.Scalar() == "all")) {
      if (!r_.is_list(nodes, "'nodes'")) return false;
      for (const auto& n : nodes) {
        std::string name;
        if (netns_node(n, topo, "a node of 'pingall'", name)) c.nodes.push_back(name);
        else ok = false;
      }
    }
    return ok;
  }

  bool parse_exec(const YAML::Node& body, const Topology& topo, CheckSpec& c) {
    r_.check_keys(body, kExecKeys, "'exec'");
    if (!require(body, {"node", "cmd"}, "exec")) return false;
    bool ok = netns_node(body["node"], topo, "'node'", c.node);
    if (auto s = r_.string(body["cmd"], "'cmd'")) c.command = *s; else ok = false;
    if (const auto v = body["exit"]) {
      int code = 0;
      if (assign_int(v, "'exit'", 0, 255, code)) c.exit_code = code; else ok = false;
    }
    if (const auto v = body["output"]) {
      if (auto s = r_.string(v, "'output'")) {
        try {
          std::regex test(*s, std::regex::extended);
          c.output_regex = *s;
        } catch (const std::regex_error& e) {
          r_.error(v, "'" + *s + "' is not a valid regular expression (" + e.what() + ")");
          ok = false;
        }
      } else {
        ok = false;
      }
    }
    if (!c.exit_code && !c.output_regex) c.exit_code = 0;
    return ok;
  }

  bool require(const YAML::Node& body, const std::vector<std::string>& keys, const std::string& what) {
    bool ok = true;
    for (const auto& k : keys)
      if (!body[k]) {
        r_.error(body, what + " check needs '" + k + "'");
        ok = false;
      }
    return ok;
  }

  bool assign_int(const YAML::Node& v, const std::string& what, int min, int max, int& out) {
    if (auto n = r_.integer(v, what, min, max)) {
      out = static_cast<int>(*n);
      return true;
    }
    return false;
  }

  bool expect(const YAML::Node& v, const std::vector<std::string>& words, CheckSpec& c) {
    auto s = r_.string(v, "'expect'");
    if (!s) return false;
    if (*s == words[0]) {
      c.expect = Expect::Success;
      return true;
    }
    if (*s == words[1]) {
      c.expect = Expect::Failure;
      return true;
    }
    r_.error(v, "'expect' must be '" + words[0] + "' or '" + words[1] + "', not '" + *s + "'");
    return false;
  }

  Reader r_;
  ParseOptions options_;
  Inherited defaults_;
  std::map<std::string, Inherited> kinds_;
  std::map<std::string, SourcePos> linked_;

 public:
  std::vector<Diagnostic>& diagnostics() { return r_.diagnostics(); }
};

}  // namespace

bool is_valid_lab_name(const std::string& name) {
  static const std::regex pattern("[A-Za-z0-9][A-Za-z0-9_.-]{0,31}");
  return std::regex_match(name, pattern);
}

Topology parse_topology(const std::string& text, const std::string& file, const ParseOptions& options) {
  YAML::Node root;
  try {
    root = YAML::Load(text);
  } catch (const YAML::ParserException& e) {
    Diagnostic d{file, {e.mark.line + 1, e.mark.column + 1}, "YAML syntax: " + e.msg,
                 "check the indentation and quoting on this line and the one before"};
    throw TopologyError({d}, text);
  }
  Parser parser(file, options);
  Topology topo = parser.parse(root);
  topo.file = file;
  auto& diagnostics = parser.diagnostics();
  if (!diagnostics.empty()) {
    std::stable_sort(diagnostics.begin(), diagnostics.end(), [](const Diagnostic& a, const Diagnostic& b) {
      return std::tie(a.pos.line, a.pos.col) < std::tie(b.pos.line, b.pos.col);
    });
    throw TopologyError(diagnostics, text);
  }
  return topo;
}

Topology load_topology(const std::string& path, const ParseOptions& options) {
  std::ifstream in(path);
  if (!in) {
    throw TopologyError({Diagnostic{path, {}, "cannot read the topology file", "check the path"}}, "");
  }
  std::stringstream text;
  text << in.rdbuf();
  return parse_topology(text.str(), path, options);
}

}  // namespace netrig
