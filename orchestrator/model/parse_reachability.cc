// The `reachability:` check: a matrix from nodes (rows, the keys of `expect`) to targets (columns,
// `to`), one expected verdict per cell: allow, deny, or '-' (not tried).
#include "model/parse_internal.h"

namespace netrig {
namespace {

const std::vector<std::string> kReachKeys = {"to", "expect"};
const std::vector<std::string> kColumnKeys = {"target", "protocol", "port"};
const std::vector<std::string> kReachProtocols = {"tcp", "udp", "icmp"};
const std::vector<std::string> kVerdicts = {"allow", "deny", "-"};

}  // namespace

bool parse_reachability(Reader& r, const ParseState& st, const Topology& topo, const Entry& body, CheckSpec& c) {
  c.type = CheckType::Reachability;
  const auto before = r.diagnostics().size();
  r.check_keys(body, kReachKeys, "'reachability'");
  if (r.diagnostics().size() > before) return false;
  const auto to = Reader::get(body.value, "to");
  const auto expect = Reader::get(body.value, "expect");
  const char* example = "to: [{target: web, port: 8080}], expect: {client: [allow]}";
  if (!to || !expect) {
    r.error(Entry(body.key), std::string("'reachability' needs '") + (to ? "expect" : "to") + "'",
            std::string("e.g. ") + example);
    return false;
  }
  if (!r.is_list(to, "'to'") || !r.is_map(expect, "'expect'")) return false;
  bool ok = true;
  const NodeKind netns = NodeKind::Netns;
  // Columns.
  for (const auto& item : to.value) {
    const Entry col(item);
    if (!r.is_map(col, "a 'to' target")) {
      ok = false;
      continue;
    }
    const auto b = r.diagnostics().size();
    r.check_keys(col, kColumnKeys, "a 'to' target");
    if (r.diagnostics().size() > b) {
      ok = false;
      continue;
    }
    ReachTarget t;
    t.pos = Reader::pos(col);
    const auto target = Reader::get(item, "target");
    if (!target) {
      r.error(col, "a 'to' target needs 'target'", "e.g. {target: web, port: 8080} (a node, node:iface or address)");
      ok = false;
      continue;
    }
    auto s = r.string(target, "'target'");
    if (!s) {
      ok = false;
      continue;
    }
    t.target = *s;
    if (!IpAddr::parse(*s)) {
      const auto colon = s->find(':');
      const auto node_name = s->substr(0, colon);
      if (st.broken.count(node_name)) {
        ok = false;
        continue;
      }
      const auto* node = topo.find_node(node_name);
      if (!node || !in_own_netns(node->kind)) {
        auto hint = did_you_mean(node_name, node_names(topo, &netns));
        r.error(target, "'target' names " + std::string(node ? "bridge '" : "unknown node '") + node_name + "'",
                hint.empty() ? "write a netns node, node:iface, or an address" : hint);
        ok = false;
        continue;
      }
      if (colon != std::string::npos && !node->find_interface(s->substr(colon + 1))) {
        r.error(target, "node '" + node_name + "' has no interface '" + s->substr(colon + 1) + "'",
                "use one of the node's interfaces");
        ok = false;
        continue;
      }
    }
    if (const auto p = Reader::get(item, "protocol")) {
      auto ps = r.string(p, "'protocol'");
      if (!ps || std::find(kReachProtocols.begin(), kReachProtocols.end(), *ps) == kReachProtocols.end()) {
        if (ps) {
          auto hint = did_you_mean(*ps, kReachProtocols);
          r.error(p, "unknown protocol '" + *ps + "'", hint.empty() ? "use tcp, udp or icmp (ping)" : hint);
        }
        ok = false;
        continue;
      }
      t.protocol = *ps;
    }
    const auto port = Reader::get(item, "port");
    if (t.protocol == "icmp" && port) {
      r.error(Entry(port.key), "an icmp target has no 'port'", "drop 'port', or write 'protocol: tcp' or 'udp'");
      ok = false;
      continue;
    }
    if (t.protocol != "icmp") {
      if (!port) {
        r.error(col, "a " + t.protocol + " target needs 'port'", "e.g. {target: " + t.target + ", port: 8080}");
        ok = false;
        continue;
      }
      auto v = r.integer(port, "'port'", 1, 65535);
      if (!v) {
        ok = false;
        continue;
      }
      t.port = static_cast<int>(*v);
      if (IpAddr::parse(t.target) && t.protocol == "udp") {
        r.error(target, "a udp target must be a node, not an address",
                "netrig answers UDP with its own listener, which it starts on the target node");
        ok = false;
        continue;
      }
    }
    c.reach_to.push_back(t);
  }
  if (!ok) return false;
  // Rows.
  for (const auto& row : r.entries(expect, "'expect'")) {
    const auto from = row.name();
    const auto* node = topo.find_node(from);
    if (st.broken.count(from)) {
      ok = false;
      continue;
    }
    if (!node || !in_own_netns(node->kind)) {
      auto hint = did_you_mean(from, node_names(topo, &netns));
      r.error(Entry(row.key), "'expect' names " + std::string(node ? "bridge '" : "unknown node '") + from + "'",
              hint.empty() ? "each key of 'expect' is a netns node the row's traffic starts from" : hint);
      ok = false;
      continue;
    }
    if (std::find(c.reach_from.begin(), c.reach_from.end(), from) != c.reach_from.end()) {
      r.error(Entry(row.key), "node '" + from + "' has two rows in 'expect'", "keep one");
      ok = false;
      continue;
    }
    if (!r.is_list(row, "the row of '" + from + "'")) {
      ok = false;
      continue;
    }
    if (row.value.size() != c.reach_to.size()) {
      r.error(row,
              "the row of '" + from + "' has " + std::to_string(row.value.size()) + " verdicts for " +
                  std::to_string(c.reach_to.size()) + " targets",
              "give one verdict (allow, deny or '-') per entry of 'to', in the same order");
      ok = false;
      continue;
    }
    std::vector<bool> allow;
    std::vector<bool> tried;
    size_t col = 0;
    for (const auto& cell : row.value) {
      const Entry e(cell);
      auto v = r.string(e, "a verdict");
      if (!v || std::find(kVerdicts.begin(), kVerdicts.end(), *v) == kVerdicts.end()) {
        if (v) {
          auto hint = did_you_mean(*v, kVerdicts);
          r.error(e, "unknown verdict '" + *v + "'",
                  hint.empty() ? "write allow, deny, or '-' to skip the cell" : hint);
        }
        ok = false;
        break;
      }
      const auto& t = c.reach_to[col];
      const auto target_node = IpAddr::parse(t.target) ? "" : t.target.substr(0, t.target.find(':'));
      if (*v != "-" && target_node == from) {
        r.error(e, "'" + from + "' cannot test itself: its own traffic never crosses the bridge",
                "write '-' in this cell");
        ok = false;
        break;
      }
      allow.push_back(*v == "allow");
      tried.push_back(*v != "-");
      ++col;
    }
    if (!ok) continue;
    c.reach_from.push_back(from);
    c.reach_allow.push_back(allow);
    c.reach_tried.push_back(tried);
  }
  if (ok && c.reach_from.empty()) {
    r.error(expect, "'expect' has no rows", std::string("e.g. ") + example);
    return false;
  }
  return ok;
}

}  // namespace netrig
