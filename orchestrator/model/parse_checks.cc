// The tests: block: ping, connect, exec, pingall, capture and iperf3 checks, resolved against the
// nodes.
#include <algorithm>
#include <cstdlib>
#include <regex>

#include "model/bpf.h"
#include "model/names.h"
#include "model/parse_internal.h"

namespace netrig {
namespace {

const std::vector<std::string> kTestKeys = {"name",   "timeout",      "ping", "connect", "exec", "pingall",   "capture",
                                            "iperf3", "reachability", "mtu",  "action",  "wait", "background"};
const std::vector<std::string> kCheckTypes = {"ping",    "connect", "exec",         "pingall",
                                              "capture", "iperf3",  "reachability", "mtu"};
const std::vector<std::string> kCaptureKeys = {"node",  "iface", "bridge", "port",   "filter",   "expect",
                                               "count", "none",  "vlan",   "tagged", "duration", "traffic"};
const std::vector<std::string> kTrafficKeys = {"ping", "exec"};
const std::vector<std::string> kIperfKeys = {"from",     "to",      "seconds", "protocol", "port",      "min_mbps",
                                             "max_mbps", "bitrate", "flows",   "ratio",    "tolerance", "omit"};
const std::vector<std::string> kIperfFlowKeys = {"from", "min_mbps", "max_mbps"};
const std::vector<std::string> kPingKeys = {"from",    "to",     "count",    "expect",  "max_loss",
                                            "max_rtt", "family", "interval", "max_lost"};
// The check types that can run in the background (across later actions).
const std::vector<std::string> kBackgroundTypes = {"ping", "exec"};
const std::vector<std::string> kConnectKeys = {"from", "to", "port", "protocol", "expect", "listen"};
const std::vector<std::string> kExecKeys = {"node", "cmd", "exit", "output"};
const std::vector<std::string> kPingAllKeys = {"nodes", "family"};
const std::vector<std::string> kMtuKeys = {"from", "to", "expect", "min", "max", "family"};
// The smallest packet every IPv4 / IPv6 link must carry (RFC 791, RFC 8200).
constexpr int kMinMtu4 = 68, kMinMtu6 = 1280, kMaxMtu = 65535;
const NodeKind kNetns = NodeKind::Netns;

std::string regex_problem(std::regex_constants::error_type code) {
  namespace rc = std::regex_constants;
  switch (code) {
    case rc::error_paren:
      return "unmatched '(' or ')'";
    case rc::error_brack:
      return "unmatched '[' or ']'";
    case rc::error_brace:
      return "unmatched '{' or '}'";
    case rc::error_badbrace:
      return "invalid repetition count in '{...}'";
    case rc::error_range:
      return "invalid character range";
    case rc::error_ctype:
      return "invalid character class";
    case rc::error_collate:
      return "invalid collating element";
    case rc::error_escape:
      return "invalid escape or trailing '\\'";
    case rc::error_backref:
      return "invalid back reference";
    case rc::error_badrepeat:
      return "'*', '+', '?' or '{' with nothing to repeat";
    default:
      return "too complex";
  }
}

// A `dhcp: true` interface counts as having an IPv4 address: checks resolve it once leased.
bool has_address(const NodeSpec& node, const std::string& iface, int family) {
  for (const auto& i : node.interfaces)
    if (iface.empty() || i.name == iface) {
      if (i.dhcp && family != 6) return true;
      for (const auto& a : i.addresses)
        if (!family || a.addr.family == family) return true;
    }
  return false;
}

std::string default_name(const CheckSpec& c) {
  bool neg = c.expect == Expect::Failure;
  switch (c.type) {
    case CheckType::Ping:
      return "ping " + c.node + (neg ? " -/-> " : " -> ") + c.target;
    case CheckType::Connect:
      return c.protocol + " " + c.node + " -> " + c.target + ":" + std::to_string(c.port) + (neg ? " closed" : " open");
    case CheckType::Exec:
      return "exec " + c.node + ": " + c.command;
    case CheckType::PingAll:
      return "pingall " + (c.nodes.empty() ? std::string("all nodes") : std::to_string(c.nodes.size()) + " nodes");
    case CheckType::Capture:
      return "capture " +
             (c.bridge.empty() ? c.node + ":" + c.iface
                               : c.bridge + (c.bridge_port.empty() ? "" : ":" + c.bridge_port)) +
             (c.filter.empty() ? "" : " '" + c.filter + "'");
    case CheckType::Iperf3:
      if (!c.flows.empty()) {
        std::string from;
        for (const auto& f : c.flows) from += (from.empty() ? "" : "+") + f.node;
        return "iperf3 " + c.protocol + " " + from + " -> " + c.target;
      }
      return "iperf3 " + c.protocol + " " + c.node + " -> " + c.target;
    case CheckType::Reachability:
      return "reachability " + std::to_string(c.reach_from.size()) + "x" + std::to_string(c.reach_to.size());
    case CheckType::Mtu:
      return "mtu " + c.node + " -> " + c.target;
  }
  return "";
}

class CheckParser {
 public:
  CheckParser(Reader& r, const ParseState& st, const Topology& topo) : r_(r), st_(st), topo_(topo) {}

  // `check` is the entry under the check's type key (ping:, connect:, ...).
  bool parse(const Entry& check, CheckSpec& c) {
    const auto type = check.name();
    if (type == "pingall") {
      c.type = CheckType::PingAll;
      return (check.value.IsNull() || r_.is_map(check, "'pingall'")) && pingall(check, c);
    }
    if (!r_.is_map(check, "'" + type + "'")) return false;
    if (type == "ping") return ping(check, c);
    if (type == "connect") return connect(check, c);
    if (type == "capture") return capture(check, c);
    if (type == "iperf3") return iperf3(check, c);
    if (type == "reachability") return parse_reachability(r_, st_, topo_, check, c);
    if (type == "mtu") return mtu(check, c);
    c.type = CheckType::Exec;
    return exec(check, c);
  }

 private:
  Entry get(const Entry& body, const std::string& key) { return Reader::get(body.value, key); }

  // Checks the body's keys, then that the required ones are there (not reported when a key was
  // misspelt: the unknown key is the mistake to show).
  bool keys(const Entry& check, const std::vector<std::string>& allowed, const std::vector<std::string>& required,
            const std::string& example) {
    const auto before = r_.diagnostics().size();
    r_.check_keys(check, allowed, "'" + check.name() + "'");
    const bool misspelt = r_.diagnostics().size() > before;
    bool ok = true;
    for (const auto& k : required) {
      if (get(check, k)) continue;
      ok = false;
      if (misspelt) continue;
      r_.error(Entry(check.key), "'" + check.name() + "' needs '" + k + "'", "e.g. " + example);
    }
    return ok;
  }

  std::string bridge_hint(const std::string& bridge) {
    for (const auto& l : topo_.links) {
      if (l.a.node == bridge && !l.b.iface.empty())
        return "run it from a node linked to it, such as '" + l.b.node + "'";
      if (l.b.node == bridge && !l.a.iface.empty())
        return "run it from a node linked to it, such as '" + l.a.node + "'";
    }
    return "run it from a netns node";
  }

  bool netns_node(const Entry& at, const std::string& what, std::string& out) {
    auto s = r_.string(at, what);
    if (!s || st_.broken.count(*s)) return false;
    const NodeSpec* node = topo_.find_node(*s);
    if (!node) {
      auto hint = did_you_mean(*s, node_names(topo_, &kNetns));
      r_.error(at, what + " names unknown node '" + *s + "'",
               hint.empty() ? "use a netns node from 'topology.nodes'" : hint);
      return false;
    }
    if (!in_own_netns(node->kind) && node->kind != NodeKind::Vm) {
      r_.error(at, what + " names bridge '" + *s + "', but checks run on netns nodes", bridge_hint(*s));
      return false;
    }
    out = *s;
    return true;
  }

  // An exec check's node: a netns or vm node, or `local` (the lab's switch namespace) when the lab
  // has switches.
  bool exec_node(const Entry& at, std::string& out) {
    if (at && at.value.IsScalar() && at.value.Scalar() == kLocalHost) {
      if (!has_local_host(topo_)) {
        r_.error(
            at, "'node' is 'local', but this lab has no switches and so no local host namespace",
            "'local' is <lab>-local, where a lab's bridges and ovs switches live; run the command in a netns node");
        return false;
      }
      out = kLocalHost;
      return true;
    }
    return netns_node(at, "'node'", out);
  }

  // An address, a node (its first address) or node:iface.
  bool target(const Entry& at, int family, std::string& out) {
    auto s = r_.string(at, "'to'");
    if (!s) return false;
    const auto fam = "IPv" + std::to_string(family);
    if (auto addr = IpAddr::parse(*s)) {
      if (family && addr->family != family) {
        r_.error(at,
                 "'to' is an IPv" + std::to_string(addr->family) + " address but 'family' is " + std::to_string(family),
                 "drop 'family', or test an " + fam + " address");
        return false;
      }
      out = *s;
      return true;
    }
    if (auto slash = s->find('/'); slash != std::string::npos && IpAddr::parse(s->substr(0, slash))) {
      r_.error(at, "'to' takes an address without a prefix length, not '" + *s + "'",
               "write 'to: " + s->substr(0, slash) + "'");
      return false;
    }
    if (std::count(s->begin(), s->end(), ':') > 1) {
      r_.error(at, "'" + *s + "' is not a valid IPv6 address", "write an address, a node name, or node:interface");
      return false;
    }
    const auto colon = s->find(':');
    const auto node_name = s->substr(0, colon);
    const auto iface = colon == std::string::npos ? "" : s->substr(colon + 1);
    if (st_.broken.count(node_name) || st_.broken.count(*s)) return false;
    const NodeSpec* node = topo_.find_node(node_name);
    if (!node) {
      auto hint = did_you_mean(node_name, node_names(topo_, &kNetns));
      r_.error(at, "'to' names unknown node '" + node_name + "'",
               hint.empty() ? "write an address, a node name, or node:interface" : hint);
      return false;
    }
    if (!in_own_netns(node->kind) && node->kind != NodeKind::Vm) {
      r_.error(at, "'to' names bridge '" + node_name + "', which has no address",
               "test a netns node linked to it, or an address");
      return false;
    }
    if (!iface.empty() && !node->find_interface(iface)) {
      std::vector<std::string> names;
      for (const auto& i : node->interfaces) names.push_back(i.name);
      auto hint = did_you_mean(iface, names);
      r_.error(at, "'to' names interface '" + iface + "', which node '" + node_name + "' does not declare",
               hint.empty() ? "use one of the node's interfaces" : hint);
      return false;
    }
    if (!has_address(*node, iface, family)) {
      r_.error(
          at, "'" + *s + "' has no " + (family ? fam + " " : "") + "address to test against",
          family ? "give it an " + fam + " address, or drop 'family'" : "give its interface an ipv4 or ipv6 address");
      return false;
    }
    out = *s;
    return true;
  }

  bool family(const Entry& body, int& out) {
    const auto f = get(body, "family");
    if (!f) return true;
    auto v = r_.integer(f, "'family'", 0, 1000);
    if (!v) return false;
    if (*v != 4 && *v != 6) {
      r_.error(f, "'family' must be 4 or 6, not " + std::to_string(*v), "4 tests IPv4 addresses, 6 IPv6 ones");
      return false;
    }
    out = static_cast<int>(*v);
    return true;
  }

  bool expect(const Entry& body, const std::string& type, const std::string& yes, const std::string& no, CheckSpec& c) {
    const auto e = get(body, "expect");
    if (!e) return true;
    auto s = r_.string(e, "'expect'");
    if (!s) return false;
    if (*s == yes || *s == no) {
      c.expect = *s == yes ? Expect::Success : Expect::Failure;
      return true;
    }
    auto hint = did_you_mean(*s, {yes, no});
    r_.error(e, "'expect' of a " + type + " check must be '" + yes + "' or '" + no + "', not '" + *s + "'",
             hint.empty() ? "'" + yes + "' is the default; '" + no + "' passes when the check does not hold" : hint);
    return false;
  }

  bool integer(const Entry& body, const std::string& key, int min, int max, int& out) {
    const auto e = get(body, key);
    if (!e) return true;
    auto v = r_.integer(e, "'" + key + "'", min, max);
    if (v) out = static_cast<int>(*v);
    return v.has_value();
  }

  // `from` (a node), `family` and `to` (a target of that family): what ping and mtu share.
  bool from_to_family(const Entry& body, CheckSpec& c) {
    const bool family_ok = family(body, c.family);
    bool ok = netns_node(get(body, "from"), "'from'", c.node) && family_ok;
    if (family_ok) ok &= target(get(body, "to"), c.family, c.target);
    return ok;
  }

  bool ping(const Entry& body, CheckSpec& c) {
    c.type = CheckType::Ping;
    if (!keys(body, kPingKeys, {"from", "to"}, "ping: {from: h1, to: h2}")) return false;
    bool ok = from_to_family(body, c);
    ok &= integer(body, "count", 1, 1000, c.count);
    if (const auto v = get(body, "max_loss")) {
      auto n = r_.number(v, "'max_loss' (percent)", 0, 100);
      ok &= n.has_value();
      c.max_loss_pct = n.value_or(0);
    }
    if (const auto v = get(body, "max_rtt")) {
      auto n = r_.number(v, "'max_rtt' (milliseconds)", 0, 60000);
      ok &= n.has_value();
      if (n) c.max_rtt_ms = *n;
    }
    if (const auto v = get(body, "interval")) {
      auto n = r_.number(v, "'interval' (seconds)", 0.01, 60);
      ok &= n.has_value();
      c.interval_s = n.value_or(c.interval_s);
    }
    if (const auto v = get(body, "max_lost")) {
      int lost = 0;
      ok &= integer(body, "max_lost", 0, 1000, lost);
      c.max_lost = lost;
      if (!get(body, "max_loss")) c.max_loss_pct = 100;  // the count bound alone
      if (ok && lost >= c.count) {
        r_.error(v, "'max_lost' (" + std::to_string(lost) + ") is not below 'count' (" + std::to_string(c.count) + ")",
                 "it would pass with no reply at all; lower it, or raise 'count'");
        ok = false;
      }
    }
    ok &= expect(body, "ping", "reach", "fail", c);
    return ok;
  }

  // mtu: {from, to, expect: N | min: N, max: N, family}: the largest packet that crosses from `from`
  // to `to` unfragmented (DF set), found by probing.
  bool mtu(const Entry& body, CheckSpec& c) {
    c.type = CheckType::Mtu;
    if (!keys(body, kMtuKeys, {"from", "to"}, "mtu: {from: a1, to: a2, expect: 1450}")) return false;
    bool ok = from_to_family(body, c);
    const int floor = c.family == 6 ? kMinMtu6 : kMinMtu4;
    const auto bound = [&](const char* key, std::optional<int>& out) {
      const auto e = get(body, key);
      if (!e) return true;
      auto v = r_.integer(e, "'" + std::string(key) + "' (bytes)", floor, kMaxMtu);
      if (v) out = static_cast<int>(*v);
      return v.has_value();
    };
    if (const auto e = get(body, "expect"); e && (get(body, "min") || get(body, "max"))) {
      r_.error(e, "'expect' and 'min'/'max' both bound the path MTU",
               "give the exact MTU with 'expect', or a range with 'min' and 'max'");
      return false;
    }
    std::optional<int> exact;
    ok &= bound("expect", exact) && bound("min", c.mtu_min) && bound("max", c.mtu_max);
    if (exact) c.mtu_min = c.mtu_max = exact;
    if (ok && c.mtu_min && c.mtu_max && *c.mtu_min > *c.mtu_max) {
      r_.error(get(body, "min"),
               "'min' (" + std::to_string(*c.mtu_min) + ") is above 'max' (" + std::to_string(*c.mtu_max) + ")",
               "swap them, or give the exact MTU with 'expect'");
      ok = false;
    }
    if (ok && !c.mtu_min && !c.mtu_max) {
      r_.error(Entry(body.key), "'mtu' needs 'expect', 'min' or 'max'",
               "say what the path must carry, e.g. 'expect: 1450' for VXLAN over a 1500-byte underlay");
      ok = false;
    }
    return ok;
  }

  // `protocol: tcp|udp` (optional; the check's default stays when absent).
  bool protocol(const Entry& body, CheckSpec& c) {
    const auto value = get(body, "protocol");
    if (!value) return true;
    auto s = r_.string(value, "'protocol'");
    if (s && (*s == "tcp" || *s == "udp")) {
      c.protocol = *s;
      return true;
    }
    if (s) {
      auto hint = did_you_mean(*s, {"tcp", "udp"});
      r_.error(value, "unknown protocol '" + *s + "'", hint.empty() ? "use tcp or udp" : hint);
    }
    return false;
  }

  bool connect(const Entry& body, CheckSpec& c) {
    c.type = CheckType::Connect;
    if (!keys(body, kConnectKeys, {"from", "to", "port"}, "connect: {from: h1, to: h2, port: 80}")) return false;
    bool ok = netns_node(get(body, "from"), "'from'", c.node);
    ok &= target(get(body, "to"), 0, c.target);
    ok &= integer(body, "port", 1, 65535, c.port);
    ok &= protocol(body, c);
    if (const auto v = get(body, "listen")) {
      auto b = r_.boolean(v, "'listen'");
      ok &= b.has_value();
      c.listen = b.value_or(false);
    }
    ok &= expect(body, "connect", "open", "closed", c);
    if (ok && c.protocol == "udp" && c.expect == Expect::Success && !c.listen) {
      r_.error(get(body, "protocol"), "a udp connect check that expects 'open' needs 'listen: true'",
               "UDP has no handshake: netrig can only see an answer from its own listener");
      return false;
    }
    if (ok && c.listen && IpAddr::parse(c.target)) {
      r_.error(get(body, "to"), "'listen: true' needs 'to' to be a node, not an address",
               "write the node name so netrig knows where to start the listener");
      return false;
    }
    return ok;
  }

  bool exec(const Entry& body, CheckSpec& c) {
    if (!keys(body, kExecKeys, {"node", "cmd"}, "exec: {node: h1, cmd: \"ip route\"}")) return false;
    // An ovs switch runs the command in the lab's switch namespace with the OVS tools aimed at its
    // daemons (drivers/node_exec.h): `exec: {node: br0, cmd: "ovs-appctl bond/show"}`; so does
    // `local`, the lab's switch namespace itself.
    bool ok = false;
    if (auto n = r_.string(get(body, "node"), "'node'");
        n && topo_.find_node(*n) && topo_.find_node(*n)->kind == NodeKind::Ovs) {
      c.node = *n;
      ok = true;
    } else {
      ok = exec_node(get(body, "node"), c.node);
    }
    const auto cmd = get(body, "cmd");
    if (auto s = r_.string(cmd, "'cmd'")) {
      c.command = *s;
      if (s->find_first_not_of(" \t\n") == std::string::npos) {
        r_.error(cmd, "'cmd' is empty", "write the shell command to run inside the node");
        ok = false;
      }
    } else {
      ok = false;
    }
    int code = 0;
    if (get(body, "exit")) {
      ok &= integer(body, "exit", 0, 255, code);
      c.exit_code = code;
    }
    if (const auto v = get(body, "output")) {
      if (auto s = r_.string(v, "'output'")) {
        try {
          std::regex test(*s, std::regex::extended);
          c.output_regex = *s;
        } catch (const std::regex_error& e) {
          r_.error(v, "'output' is not a valid regular expression: " + regex_problem(e.code()),
                   "it is a POSIX extended regex (as grep -E); put '\\' before a character to match it literally");
          ok = false;
        }
      } else {
        ok = false;
      }
    }
    if (!c.exit_code && !c.output_regex) c.exit_code = 0;
    return ok;
  }

  // A node's interface, by the file's name.
  bool node_iface(const Entry& at, const NodeSpec& node, std::string& out) {
    auto s = r_.string(at, "'iface'");
    if (!s) return false;
    if (node.find_interface(*s)) {
      out = *s;
      return true;
    }
    std::vector<std::string> names;
    for (const auto& i : node.interfaces) names.push_back(i.name);
    auto hint = did_you_mean(*s, names);
    r_.error(at, "node '" + node.name + "' has no interface '" + *s + "'",
             hint.empty()
                 ? (names.empty() ? "give the node an interface linked to something" : "use one of: " + one_of(names))
                 : hint);
    return false;
  }

  // The ports of a bridge, as capture's `port:` names them: node:iface, or the other bridge.
  std::vector<std::string> bridge_ports(const std::string& bridge) {
    std::vector<std::string> ports;
    for (const auto& l : topo_.links) {
      const Endpoint* other = l.a.node == bridge && l.a.iface.empty()   ? &l.b
                              : l.b.node == bridge && l.b.iface.empty() ? &l.a
                                                                        : nullptr;
      if (other) ports.push_back(other->iface.empty() ? other->node : other->node + ":" + other->iface);
      for (const auto* e : {&l.a, &l.b})  // an ovs switch's ports also go by their own names
        if (e->node == bridge && !e->port.empty()) ports.push_back(e->port);
    }
    return ports;
  }

  bool capture_place(const Entry& body, CheckSpec& c) {
    const auto node = get(body, "node"), bridge = get(body, "bridge"), iface = get(body, "iface"),
               port = get(body, "port");
    if (!node == !bridge) {
      r_.error(node ? Entry(bridge.key) : Entry(body.key),
               node ? "'capture' takes 'node' or 'bridge', not both" : "'capture' needs 'node' or 'bridge'",
               "e.g. 'capture: {node: h2, iface: eth1, ...}' or 'capture: {bridge: br0, port: h1:eth1, ...}'");
      return false;
    }
    if (node) {
      if (port) {
        r_.error(Entry(port.key), "'port' is for captures on a bridge", "write 'iface' for a node's interface");
        return false;
      }
      if (!netns_node(node, "'node'", c.node)) return false;
      const NodeSpec* n = topo_.find_node(c.node);
      if (iface) return node_iface(iface, *n, c.iface);
      if (n->interfaces.size() == 1) {
        c.iface = n->interfaces[0].name;
        return true;
      }
      r_.error(Entry(body.key), "'capture' on node '" + c.node + "' needs 'iface'",
               "the node has " + std::to_string(n->interfaces.size()) + " interfaces; name the one to listen on");
      return false;
    }
    if (iface) {
      r_.error(Entry(iface.key), "'iface' is for captures on a node",
               "write 'port: NODE:IFACE' for the bridge port that node's link uses");
      return false;
    }
    auto b = r_.string(bridge, "'bridge'");
    if (!b || st_.broken.count(*b)) return false;
    const NodeSpec* n = topo_.find_node(*b);
    if (!n || (n->kind != NodeKind::Bridge && n->kind != NodeKind::Ovs)) {  // a Linux bridge or an ovs switch
      const NodeKind kind = NodeKind::Bridge;
      auto hint = did_you_mean(*b, node_names(topo_, &kind));
      r_.error(bridge,
               n ? std::string("'bridge' names ") + (n->kind == NodeKind::Vm ? "vm" : "netns") + " node '" + *b + "'"
                 : "'bridge' names unknown bridge '" + *b + "'",
               n ? "write 'node: " + *b + "' and 'iface' to capture inside a node"
                 : (hint.empty() ? "use a node of kind bridge" : hint));
      return false;
    }
    c.bridge = *b;
    c.node = *b;
    if (!port) return true;
    auto p = r_.string(port, "'port'");
    if (!p) return false;
    auto ports = bridge_ports(*b);
    if (std::find(ports.begin(), ports.end(), *p) == ports.end()) {
      auto hint = did_you_mean(*p, ports);
      r_.error(port, "bridge '" + *b + "' has no port '" + *p + "'",
               hint.empty() ? (ports.empty() ? "link something to the bridge" : "use one of: " + one_of(ports)) : hint);
      return false;
    }
    c.bridge_port = *p;
    return true;
  }

  bool capture_expect(const Entry& body, CheckSpec& c) {
    std::vector<Entry> given;
    for (const char* k : {"expect", "count", "none"})
      if (auto e = get(body, k)) given.push_back(e);
    if (given.empty()) {
      c.min_packets = 1;  // default: at least one matching packet
      return true;
    }
    if (given.size() > 1) {
      r_.error(Entry(given[1].key), "'capture' takes one of 'expect', 'count' and 'none', not two",
               "'count: N' is 'expect: {min: N, max: N}'; 'none: true' is 'count: 0'");
      return false;
    }
    const auto& e = given[0];
    if (e.name() == "none") {
      auto v = r_.boolean(e, "'none'");
      if (!v) return false;
      if (!*v) {
        r_.error(e, "'none: false' says nothing", "write 'expect: {min: 1}' to want some packets, or drop it");
        return false;
      }
      c.min_packets = 0;
      c.max_packets = 0;
      return true;
    }
    if (e.name() == "count") {
      int n = 0;
      if (!integer(body, "count", 0, 1000000, n)) return false;
      c.min_packets = c.max_packets = n;
      return true;
    }
    if (!r_.is_map(e, "'expect' of a capture")) return false;
    r_.check_keys(e, {"min", "max"}, "'expect'");
    int lo = 0, hi = 0;
    bool ok = true;
    if (get(e, "min") && (ok &= integer(e, "min", 0, 1000000, lo))) c.min_packets = lo;
    if (get(e, "max") && (ok &= integer(e, "max", 0, 1000000, hi))) c.max_packets = hi;
    if (!ok) return false;
    if (!c.min_packets && !c.max_packets) {
      r_.error(e, "'expect' of a capture needs 'min' or 'max'", "e.g. 'expect: {min: 3}' or 'expect: {max: 0}'");
      return false;
    }
    if (c.min_packets && c.max_packets && *c.min_packets > *c.max_packets) {
      r_.error(get(e, "max"), "'max' (" + std::to_string(hi) + ") is below 'min' (" + std::to_string(lo) + ")",
               "no packet count can pass; swap them");
      return false;
    }
    return true;
  }

  bool capture(const Entry& body, CheckSpec& c) {
    c.type = CheckType::Capture;
    const auto before = r_.diagnostics().size();
    r_.check_keys(body, kCaptureKeys, "'capture'");
    if (r_.diagnostics().size() > before) return false;
    bool ok = capture_place(body, c);
    if (const auto f = get(body, "filter")) {
      if (auto s = r_.string(f, "'filter'")) {
        c.filter = *s;
        if (auto problem = bpf_problem(*s); !problem.empty()) {
          r_.error(f, "'filter' is not a valid BPF expression: " + problem,
                   "it is tcpdump's filter syntax, e.g. 'icmp', 'vlan 101 and icmp', 'tcp port 80'");
          ok = false;
        }
      } else {
        ok = false;
      }
    }
    ok &= capture_expect(body, c);
    if (const auto v = get(body, "vlan")) {
      const auto vid = r_.vlan_id(v, "'vlan'");
      ok &= vid.has_value();
      if (vid) c.vlan = *vid;
    }
    if (const auto t = get(body, "tagged")) {
      auto b = r_.boolean(t, "'tagged'");
      ok &= b.has_value();
      c.tagged = b;
      if (b && !*b && c.vlan) {
        r_.error(t, "'tagged: false' contradicts 'vlan: " + std::to_string(*c.vlan) + "'",
                 "'vlan: VID' already says every packet is tagged; drop one of them");
        ok = false;
      }
    }
    if (const auto d = get(body, "duration")) {
      auto v = r_.number(d, "'duration' (seconds)", 0, 600);
      ok &= v.has_value();
      c.duration_s = v.value_or(0);
    }
    const auto traffic = get(body, "traffic");
    if (traffic) {
      if (!r_.is_map(traffic, "'traffic'")) return false;
      const auto b2 = r_.diagnostics().size();
      r_.check_keys(traffic, kTrafficKeys, "'traffic'");
      if (r_.diagnostics().size() > b2) return false;
      std::vector<Entry> gens;
      for (const auto& k : kTrafficKeys)
        if (auto e = get(traffic, k)) gens.push_back(e);
      if (gens.size() != 1) {
        r_.error(gens.empty() ? Entry(traffic.key) : Entry(gens[1].key),
                 gens.empty() ? "'traffic' is empty" : "'traffic' has two generators",
                 "give it exactly one of: " + one_of(kTrafficKeys) + ", e.g. 'traffic: {ping: {from: h1, to: h2}}'");
        return false;
      }
      CheckSpec t;
      t.pos = Reader::pos(gens[0]);
      if (!parse(gens[0], t)) return false;
      t.timeout_s = std::min(c.timeout_s, 10.0);
      t.name = default_name(t);
      c.traffic.push_back(t);
    } else if (ok && c.duration_s <= 0) {
      r_.error(Entry(body.key), "'capture' needs 'traffic' or a 'duration'",
               "e.g. 'traffic: {ping: {from: h1, to: h2, count: 3}}', run while tcpdump listens");
      return false;
    }
    return ok;
  }

  bool iperf3(const Entry& body, CheckSpec& c) {
    c.type = CheckType::Iperf3;
    const bool group = static_cast<bool>(get(body, "flows"));
    if (!keys(body, kIperfKeys, group ? std::vector<std::string>{"to"} : std::vector<std::string>{"from", "to"},
              "iperf3: {from: h1, to: h2, seconds: 2, min_mbps: 100}"))
      return false;
    bool ok = group ? iperf3_flows(body, c) : netns_node(get(body, "from"), "'from'", c.node);
    for (const char* k : {"ratio", "tolerance"})
      if (!group && get(body, k)) {
        r_.error(get(body, k), "'" + std::string(k) + "' is for a group of flows",
                 "start several clients together: 'flows: [{from: h1}, {from: h2}], ratio: [3, 1]'");
        ok = false;
      }
    const auto to = get(body, "to");
    if (target(to, 0, c.target) && IpAddr::parse(c.target)) {
      r_.error(to, "'to' of iperf3 must be a node, not an address",
               "write the node name so netrig knows where to start the iperf3 server");
      ok = false;
    } else if (c.target.empty()) {
      ok = false;
    }
    int secs = 2;
    ok &= integer(body, "seconds", 1, 60, secs);
    c.seconds = secs;
    ok &= integer(body, "omit", 0, 10, c.omit_s);
    c.port = 5201;
    ok &= integer(body, "port", 1, 65535, c.port);
    ok &= protocol(body, c);
    for (const char* k : {"min_mbps", "max_mbps", "bitrate"}) {
      const auto v = get(body, k);
      if (!v) continue;
      auto n = r_.number(v, "'" + std::string(k) + "' (Mbit/s)", 0, 1000000);
      ok &= n.has_value();
      if (!n) continue;
      (std::string(k) == "min_mbps" ? c.min_mbps : std::string(k) == "max_mbps" ? c.max_mbps : c.bitrate_mbps) = *n;
    }
    if (ok && c.bitrate_mbps && c.protocol != "udp") {
      r_.error(Entry(get(body, "bitrate").key), "'bitrate' is for udp",
               "TCP sends as fast as it can; write 'protocol: udp' to send at a fixed rate");
      return false;
    }
    if (ok && c.min_mbps && c.max_mbps && *c.min_mbps > *c.max_mbps) {
      r_.error(get(body, "max_mbps"), "'max_mbps' is below 'min_mbps'", "no rate can pass; swap them");
      return false;
    }
    return ok;
  }

  // flows: [{from: h1}, {from: h2, min_mbps: 1}], ratio: [3, 1], tolerance: 15% (or 0.15).
  bool iperf3_flows(const Entry& body, CheckSpec& c) {
    const auto flows = get(body, "flows");
    if (get(body, "from")) {
      r_.error(get(body, "from"), "'from' and 'flows' of iperf3 exclude each other",
               "name each client in 'flows: [{from: h1}, {from: h2}]'");
      return false;
    }
    if (!r_.is_list(flows, "'flows' of iperf3")) return false;
    bool ok = true;
    for (const auto& item : flows.value) {
      Entry f(item);
      if (!r_.is_map(f, "a flow of iperf3")) return false;
      r_.check_keys(f, kIperfFlowKeys, "a flow of iperf3");
      CheckSpec::Iperf3Flow flow;
      flow.pos = Reader::pos(f);
      if (!get(f, "from")) {
        r_.error(f, "a flow of iperf3 needs 'from'", "e.g. {from: h1}");
        ok = false;
        continue;
      }
      ok &= netns_node(get(f, "from"), "'from'", flow.node);
      for (auto [k, field] :
           {std::pair<const char*, std::optional<double>*>{"min_mbps", &flow.min_mbps}, {"max_mbps", &flow.max_mbps}})
        if (auto v = get(f, k)) {
          *field = r_.number(v, "'" + std::string(k) + "' (Mbit/s)", 0, 1000000);
          ok &= field->has_value();
        }
      c.flows.push_back(flow);
    }
    if (ok && (c.flows.size() < 2 || c.flows.size() > 8)) {
      r_.error(flows, "'flows' of iperf3 has " + std::to_string(c.flows.size()) + " flows",
               "give 2 to 8 (one flow is 'from:' alone)");
      return false;
    }
    if (ok) c.node = c.flows.front().node;
    if (const auto ratio = get(body, "ratio")) {
      if (!r_.is_list(ratio, "'ratio' of iperf3")) return false;
      for (const auto& w : ratio.value) {
        auto v = r_.number(Entry(w), "a weight of 'ratio'", 0.001, 1000000);
        if (!v) return false;
        c.ratio.push_back(*v);
      }
      if (c.ratio.size() != c.flows.size()) {
        r_.error(ratio,
                 "'ratio' has " + std::to_string(c.ratio.size()) + " weights for " + std::to_string(c.flows.size()) +
                     " flows",
                 "one weight per flow, in the flows' order, e.g. ratio: [3, 1, 6]");
        return false;
      }
    }
    if (const auto t = get(body, "tolerance")) {
      auto text = r_.string(t, "'tolerance'");
      if (!text) return false;
      std::string s = *text;
      const bool pct = !s.empty() && s.back() == '%';
      if (pct) s.pop_back();
      char* end = nullptr;
      const double v = std::strtod(s.c_str(), &end);
      if (s.empty() || *end || !(v > 0) || v >= (pct ? 100 : 1)) {
        r_.error(t, "'tolerance' " + *text + " is not a fraction between 0 and 1 or a percentage below 100%",
                 "e.g. tolerance: 15% (each flow's share within 15 % of its weight's)");
        return false;
      }
      c.ratio_tolerance = pct ? v / 100 : v;
      if (c.ratio.empty()) {
        r_.error(t, "'tolerance' without 'ratio'", "give the split to expect, e.g. ratio: [3, 1, 6]");
        return false;
      }
    }
    return ok;
  }

  // pingall probes IPv4 unless 'family: 6' (checks/pingall_check.cc).
  bool pingall(const Entry& body, CheckSpec& c) {
    if (body.value.IsMap()) r_.check_keys(body, kPingAllKeys, "'pingall'");
    bool ok = family(body, c.family);
    const int fam = c.family ? c.family : 4;
    const auto with = "an IPv" + std::to_string(fam) + " address";
    const auto nodes = get(body, "nodes");
    if (!nodes || (nodes.value.IsScalar() && nodes.value.Scalar() == "all")) {
      size_t count = 0;
      for (const auto& n : topo_.nodes) count += in_own_netns(n.kind) && has_address(n, "", fam);
      if (ok && count < 2) {
        r_.error(nodes ? nodes : Entry(body.key),
                 "pingall needs at least 2 netns nodes with " + with + ", the lab has " + std::to_string(count),
                 fam == 4 ? "give the nodes IPv4 addresses, write 'family: 6' for IPv6, or use a ping check"
                          : "give the nodes IPv6 addresses, or use a ping check");
        return false;
      }
      return ok;
    }
    if (!nodes.value.IsSequence()) {
      r_.error(nodes, "'nodes' of pingall must be 'all' or a list of nodes, not " + Reader::describe(nodes.value),
               "write 'nodes: all' or 'nodes: [h1, h2, h3]'");
      return false;
    }
    std::set<std::string> seen;
    for (const auto& item : nodes.value) {
      std::string name;
      if (!netns_node(Entry(item), "'nodes'", name)) {
        ok = false;
      } else if (!seen.insert(name).second) {
        r_.error(Entry(item), "node '" + name + "' is listed twice in 'nodes'", "remove one of them");
        ok = false;
      } else if (!has_address(*topo_.find_node(name), "", fam)) {
        r_.error(Entry(item), "node '" + name + "' has no IPv" + std::to_string(fam) + " address to ping",
                 fam == 4 ? "give it one, leave it out of 'nodes', or write 'family: 6'"
                          : "give it one, or leave it out of 'nodes'");
        ok = false;
      } else {
        c.nodes.push_back(name);
      }
    }
    if (ok && c.nodes.size() < 2) {
      r_.error(nodes, "pingall needs at least 2 nodes, not " + std::to_string(c.nodes.size()),
               "list two or more nodes, or write 'nodes: all'");
      return false;
    }
    return ok;
  }

  Reader& r_;
  const ParseState& st_;
  const Topology& topo_;
};

}  // namespace

void parse_checks(Reader& r, const ParseState& st, const Entry& tests, Topology& topo) {
  if (!tests || tests.value.IsNull() || !r.is_list(tests, "'tests'")) return;
  CheckParser parser(r, st, topo);
  std::map<std::string, SourcePos> names;
  for (const auto& node : tests.value) {
    const Entry item(node);
    if (!r.is_map(item, "a test")) continue;
    const auto before = r.diagnostics().size();
    r.check_keys(item, kTestKeys, "a test");
    const bool unknown_keys = r.diagnostics().size() > before;
    CheckSpec c;
    c.pos = Reader::pos(item);
    const auto name = Reader::get(node, "name");
    std::optional<std::string> name_text;
    if (name && (name_text = r.string(name, "'name'")) && name_text->empty()) {
      r.error(name, "test name is empty", "describe what the test shows, or leave 'name:' out");
      continue;
    }
    const std::string label = name_text ? "test '" + *name_text + "'" : "test";
    std::vector<Entry> found;
    for (const auto& t : kCheckTypes)
      if (auto e = Reader::get(node, t)) found.push_back(e);
    if (auto step = Reader::get(node, "action") ? Reader::get(node, "action") : Reader::get(node, "wait")) {
      if (!found.empty() || (Reader::get(node, "action") && Reader::get(node, "wait"))) {
        const auto other = found.empty() ? Reader::get(node, "wait") : found[0];
        r.error(Entry(other.key), label + " has '" + step.name() + "' and '" + other.name() + "'",
                "a test is one check, one action or one wait; split it");
        continue;
      }
      if (!name || name_text) parse_action_step(r, st, item, topo, names, name_text);
      continue;
    }
    if (found.empty()) {
      if (!unknown_keys) r.error(item, label + " has no check", "give it exactly one of: " + one_of(kCheckTypes));
      continue;
    }
    if (found.size() > 1) {
      r.error(Entry(found[1].key), label + " has two checks, '" + found[0].name() + "' and '" + found[1].name() + "'",
              "a test runs exactly one check; split it into two tests");
      continue;
    }
    bool ok = true;
    if (const auto timeout = Reader::get(node, "timeout")) {
      auto v = r.number(timeout, "'timeout' (seconds)", 0, 3600);
      ok = v.has_value();
      c.timeout_s = v.value_or(c.timeout_s);
    }
    if (const auto bg = Reader::get(node, "background")) {
      auto v = r.boolean(bg, "'background'");
      ok &= v.has_value();
      c.background = v.value_or(false);
      const auto type = found[0].name();
      if (c.background && std::find(kBackgroundTypes.begin(), kBackgroundTypes.end(), type) == kBackgroundTypes.end()) {
        r.error(Entry(bg.key), "'" + type + "' cannot run in the background",
                "background checks are " + one_of(kBackgroundTypes) + "; run the " + type +
                    " check in a phase of its own between actions");
        ok = false;
      } else if (c.background && type == "ping" && Reader::get(node, "timeout")) {
        r.error(Entry(Reader::get(node, "timeout").key), "'timeout' has no meaning for a background ping",
                "it runs once, 'count' echo requests every 'interval' seconds; set those instead");
        ok = false;
      }
    }
    if (!parser.parse(found[0], c) || !ok || (name && !name_text)) continue;
    c.name = name_text ? *name_text : default_name(c);
    if (auto [it, fresh] = names.emplace(c.name, Reader::pos(name ? name : item)); !fresh) {
      r.error(name ? name : item, "duplicate test name '" + c.name + "'",
              first_at(c.name, it->second) + "; give each test its own 'name:'");
      continue;
    }
    topo.checks.push_back(c);
  }
  check_waits(r, topo);
}

}  // namespace netrig
