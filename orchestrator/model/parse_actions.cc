// The tests: block's steps that are not checks: `action:` (link down/up, sleep, exec, service) and
// `wait: NAME` (for a background check). Each action kind is one row of kActionKinds; the runner
// has the matching table (checks/actions.cc).
#include <algorithm>
#include <cstdlib>

#include "model/endpoints.h"
#include "model/names.h"
#include "model/parse_internal.h"
#include "model/parse_qos.h"

namespace netrig {
namespace {

class ActionParser;
using ParseFn = bool (ActionParser::*)(const Entry& body, ActionSpec& a);

struct ActionKind {
  const char* kind;
  std::vector<std::string> keys;  // the kind's own key first
  const char* example;
  ParseFn parse;
};

class ActionParser {
 public:
  ActionParser(Reader& r, const ParseState& st, const Topology& topo) : r_(r), st_(st), topo_(topo) {}

  bool link(const Entry& body, ActionSpec& a) {
    const auto at = get(body, "link");
    auto s = r_.string(at, "'link'");
    bool ok = s.has_value();
    if (s) {
      a.target = *s;
      ok = endpoint(at, *s);
    }
    const auto state = get(body, "state");
    if (!state) {
      r_.error(Entry(body.key), "'link' action needs 'state'", "e.g. 'action: {link: h1:eth0, state: down}'");
      return false;
    }
    auto v = r_.string(state, "'state'");
    if (!v) return false;
    if (*v != "up" && *v != "down") {
      auto hint = did_you_mean(*v, {"up", "down"});
      r_.error(state, "'state' must be 'up' or 'down', not '" + *v + "'",
               hint.empty() ? "'down' clears the device's IFF_UP flag, 'up' sets it again" : hint);
      return false;
    }
    a.up = *v == "up";
    if (ok) a.name = "link " + a.target + " " + *v;
    return ok;
  }

  bool sleep(const Entry& body, ActionSpec& a) {
    auto v = r_.number(get(body, "sleep"), "'sleep' (seconds)", 0, 3600);
    if (!v) return false;
    a.seconds = *v;
    char text[48];
    std::snprintf(text, sizeof text, "sleep %g s", *v);
    a.name = text;
    return true;
  }

  bool exec(const Entry& body, ActionSpec& a) {
    const auto node = get(body, "exec");
    bool ok = netns_node(node, a.target);
    const auto cmd = get(body, "cmd");
    if (!cmd) {
      r_.error(Entry(body.key), "'exec' action needs 'cmd'",
               "e.g. 'action: {exec: h1, cmd: \"ip link set eth0 down\"}'");
      return false;
    }
    if (auto s = r_.string(cmd, "'cmd'")) {
      a.command = *s;
      if (s->find_first_not_of(" \t\n") == std::string::npos) {
        r_.error(cmd, "'cmd' is empty", "write the shell command to run inside the node");
        ok = false;
      }
    } else {
      ok = false;
    }
    if (const auto e = get(body, "exit")) {
      auto v = r_.integer(e, "'exit'", 0, 255);
      ok &= v.has_value();
      if (v) a.exit_code = static_cast<int>(*v);
    }
    if (ok) a.name = "exec " + a.target + ": " + a.command;
    return ok;
  }

  // impair: a link end, as `link:` names it, and what netem does to its egress (delay, jitter,
  // loss, duplicate, reorder, corrupt), or `clear: true` to remove it.
  bool impair(const Entry& body, ActionSpec& a) {
    const auto at = get(body, "impair");
    auto s = r_.string(at, "'impair'");
    bool ok = s.has_value();
    if (s) {
      a.target = *s;
      ok = endpoint(at, *s);
      const auto* node = topo_.find_node(s->substr(0, s->find(':')));
      if (ok && node && (node->kind == NodeKind::Vm || node->kind == NodeKind::Ovs)) {
        r_.error(
            at,
            "'impair' on a " + std::string(node->kind == NodeKind::Vm ? "vm" : "ovs") + " node's end is not supported",
            "impair the other end of the link, or the bridge's side of it (bridge:node:interface)");
        ok = false;
      }
    }
    auto& m = a.impair;
    auto time = [&](const char* key, std::optional<uint64_t>& out) {
      const auto e = get(body, key);
      if (!e) return;
      auto text = r_.string(e, std::string("'") + key + "'");
      if (!text) return void(ok = false);
      std::string why;
      if (auto v = parse_qos_time(*text, why)) {
        out = *v;
      } else {
        r_.error(e, std::string("'") + key + "' is not a time: " + why, "e.g. 50ms, 1s, 200us");
        ok = false;
      }
    };
    auto percent = [&](const char* key, std::optional<double>& out) {
      const auto e = get(body, key);
      if (!e) return;
      auto text = r_.string(e, std::string("'") + key + "'");
      if (!text) return void(ok = false);
      std::string why;
      if (auto v = parse_percent(*text, why)) {
        out = *v;
      } else {
        r_.error(e, std::string("'") + key + "' must be a percentage from 0% to 100%, not '" + *text + "'",
                 std::string("e.g. '") + key + ": 1%'");
        ok = false;
      }
    };
    time("delay", m.delay_us);
    time("jitter", m.jitter_us);
    percent("loss", m.loss_pct);
    percent("duplicate", m.duplicate_pct);
    percent("reorder", m.reorder_pct);
    percent("corrupt", m.corrupt_pct);
    if (const auto e = get(body, "clear")) {
      auto v = r_.boolean(e, "'clear'");
      ok &= v.has_value();
      if (v) m.clear = *v;
    }
    const bool any = m.delay_us || m.jitter_us || m.loss_pct || m.duplicate_pct || m.reorder_pct || m.corrupt_pct;
    if (!ok) return false;  // a bad value was reported where it is
    if (m.clear && any) {
      r_.error(Entry(body.key), "'impair' with 'clear: true' takes no other setting",
               "clear in one action, impair again in the next");
      return false;
    }
    if (!m.clear && !any) {
      r_.error(Entry(body.key), "'impair' says nothing to do",
               "give delay, jitter, loss, duplicate, reorder or corrupt, or 'clear: true'");
      return false;
    }
    if (m.jitter_us && !m.delay_us) {
      r_.error(get(body, "jitter"), "'jitter' needs 'delay'", "e.g. 'delay: 50ms, jitter: 5ms'");
      ok = false;
    }
    if (m.reorder_pct && !m.delay_us) {
      r_.error(get(body, "reorder"), "'reorder' needs 'delay'",
               "netem reorders by sending some packets at once and delaying the rest");
      ok = false;
    }
    if (ok) a.name = "impair " + a.target + (m.clear ? " clear" : "");
    return ok;
  }

  // service: "NODE:NAME", state: stopped | started (drivers/service.h).
  bool service(const Entry& body, ActionSpec& a) {
    const auto at = get(body, "service");
    auto s = r_.string(at, "'service'");
    bool ok = s.has_value();
    if (s) {
      a.target = *s;
      ok = service_ref(at, *s);
    }
    const auto state = get(body, "state");
    if (!state) {
      r_.error(Entry(body.key), "'service' action needs 'state'",
               "e.g. 'action: {service: \"ctl:controller\", state: stopped}'");
      return false;
    }
    auto v = r_.string(state, "'state'");
    if (!v) return false;
    if (*v != "stopped" && *v != "started") {
      auto hint = did_you_mean(*v, {"stopped", "started"});
      r_.error(state, "'state' of a service must be 'stopped' or 'started', not '" + *v + "'",
               hint.empty() ? "'stopped' kills the service's process (by its PID), 'started' runs it again" : hint);
      return false;
    }
    a.up = *v == "started";
    if (ok) a.name = "service " + a.target + " " + *v;
    return ok;
  }

  static const std::vector<ActionKind>& kinds() {
    static const std::vector<ActionKind> table = {
        {"link", {"link", "state"}, "action: {link: h1:eth0, state: down}", &ActionParser::link},
        {"impair",
         {"impair", "delay", "jitter", "loss", "duplicate", "reorder", "corrupt", "clear"},
         "action: {impair: h1:eth0, delay: 50ms, loss: 1%}",
         &ActionParser::impair},
        {"sleep", {"sleep"}, "action: {sleep: 1.5}", &ActionParser::sleep},
        {"exec", {"exec", "cmd", "exit"}, "action: {exec: h1, cmd: \"ip link set eth0 down\"}", &ActionParser::exec},
        {"service",
         {"service", "state"},
         "action: {service: \"ctl:controller\", state: stopped}",
         &ActionParser::service},
    };
    return table;
  }

  // The body of `action:`: exactly one kind key, and that kind's keys.
  bool parse(const Entry& body, ActionSpec& a) {
    if (!r_.is_map(body, "'action'")) return false;
    std::vector<std::string> kind_names, all_keys;
    for (const auto& k : kinds()) {
      kind_names.push_back(k.kind);
      for (const auto& key : k.keys)
        if (std::find(all_keys.begin(), all_keys.end(), key) == all_keys.end()) all_keys.push_back(key);
    }
    std::vector<Entry> found;
    for (const auto& k : kinds())
      if (auto e = get(body, k.kind)) found.push_back(e);
    if (found.empty()) {
      // An unknown key is most likely a misspelt kind: name it with the kinds as the hint.
      for (const auto& e : r_.entries(body, "'action'")) {
        if (std::find(all_keys.begin(), all_keys.end(), e.name()) != all_keys.end()) continue;
        auto hint = did_you_mean(e.name(), kind_names);
        r_.error(Entry(e.key), "unknown action '" + e.name() + "'",
                 hint.empty() ? "an action is one of: " + one_of(kind_names) : hint);
        return false;
      }
      r_.error(Entry(body.key), "'action' names no action", "give it exactly one of: " + one_of(kind_names));
      return false;
    }
    if (found.size() > 1) {
      r_.error(Entry(found[1].key), "action has two kinds, '" + found[0].name() + "' and '" + found[1].name() + "'",
               "an action does one thing; split it into two actions");
      return false;
    }
    const auto& kind =
        *std::find_if(kinds().begin(), kinds().end(), [&](const ActionKind& k) { return k.kind == found[0].name(); });
    const auto before = r_.diagnostics().size();
    r_.check_keys(body, kind.keys, "a '" + std::string(kind.kind) + "' action");
    if (r_.diagnostics().size() > before) return false;
    a.kind = kind.kind;
    return (this->*kind.parse)(body, a);
  }

 private:
  Entry get(const Entry& body, const std::string& key) { return Reader::get(body.value, key); }

  bool netns_node(const Entry& at, std::string& out) {
    auto s = r_.string(at, "'exec'");
    if (!s || st_.broken.count(*s)) return false;
    if (*s == kLocalHost) {  // the lab's switch namespace, with the lab's OVS tools' environment
      if (!has_local_host(topo_)) {
        r_.error(
            at, "'exec' names 'local', but this lab has no switches and so no local host namespace",
            "'local' is <lab>-local, where a lab's bridges and ovs switches live; run the command in a netns node");
        return false;
      }
      out = *s;
      return true;
    }
    const NodeSpec* node = topo_.find_node(*s);
    const NodeKind netns = NodeKind::Netns;
    if (node && node->kind == NodeKind::Ovs) {  // runs in the switch namespace (drivers/node_exec.h)
      out = *s;
      return true;
    }
    if (!node || !in_own_netns(node->kind)) {
      auto hint = did_you_mean(*s, node_names(topo_, &netns));
      r_.error(at,
               node ? "'exec' names bridge '" + *s + "', but commands run in netns nodes"
                    : "'exec' names unknown node '" + *s + "'",
               hint.empty() ? "use a netns node from 'topology.nodes'" : hint);
      return false;
    }
    out = *s;
    return true;
  }

  // NODE:NAME, a service of a netns node.
  bool service_ref(const Entry& at, const std::string& ref) {
    const auto colon = ref.find(':');
    const auto node_name = ref.substr(0, colon);
    if (st_.broken.count(node_name)) return false;
    std::vector<std::string> all;
    for (const auto& n : topo_.nodes)
      for (const auto& sv : n.services) all.push_back(n.name + ":" + sv.name);
    const NodeSpec* node = topo_.find_node(node_name);
    if (node && colon != std::string::npos)
      for (const auto& sv : node->services)
        if (sv.name == ref.substr(colon + 1)) return true;
    auto hint = did_you_mean(ref, all);
    if (hint.empty()) hint = all.empty() ? "no node of this lab has 'services:'" : "the lab's services: " + one_of(all);
    r_.error(at, "'service' names no service '" + ref + "'", hint + " (write NODE:SERVICE)");
    return false;
  }

  // A link end (model/endpoints.h).
  bool endpoint(const Entry& at, const std::string& name) {
    const auto colon = name.find(':');
    const auto node_name = name.substr(0, colon);
    if (st_.broken.count(node_name) || st_.broken.count(name)) return false;
    const auto ends = link_end_names(topo_);
    if (find_link_end(ends, name)) return true;
    std::vector<std::string> names, of_node;
    for (const auto& e : ends) {
      names.push_back(e.name);
      if (e.name.substr(0, e.name.find(':')) == node_name) of_node.push_back(e.name);
    }
    const NodeSpec* node = topo_.find_node(node_name);
    std::string hint = did_you_mean(name, names);
    if (!node) {
      r_.error(
          at, "'link' names unknown node '" + node_name + "'",
          hint.empty() ? "write node:interface as 'links:' does, or bridge:node:interface for a bridge's side" : hint);
    } else if (node->kind == NodeKind::Bridge) {
      if (hint.empty())
        hint = of_node.empty() ? "bridge '" + node_name + "' has no links"
                               : "a bridge has one end per link, named by the link's other end: " + one_of(of_node);
      r_.error(at, "'" + name + "' is not an end of a link of bridge '" + node_name + "'", hint);
    } else {
      if (hint.empty())
        hint = of_node.empty() ? "node '" + node_name + "' has no links" : "use one of: " + one_of(of_node);
      r_.error(at, "'" + name + "' is not a linked interface of node '" + node_name + "'", hint);
    }
    return false;
  }

  Reader& r_;
  const ParseState& st_;
  const Topology& topo_;
};

}  // namespace

void parse_action_step(Reader& r, const ParseState& st, const Entry& item, Topology& topo,
                       std::map<std::string, SourcePos>& names, const std::optional<std::string>& name_text) {
  const YAML::Node& node = item.value;
  ActionSpec a;
  a.pos = Reader::pos(item);
  a.at = topo.checks.size();
  const auto action = Reader::get(node, "action"), wait = Reader::get(node, "wait");
  for (const char* key : {"background"})
    if (auto e = Reader::get(node, key)) {
      r.error(Entry(e.key), "'" + std::string(key) + "' is for checks, not for " + (action ? "an action" : "'wait'"),
              "put 'background: true' on the ping or exec check that should keep running");
      return;
    }
  bool ok = true;
  if (action) {
    ok = ActionParser(r, st, topo).parse(action, a);
  } else {
    a.kind = "wait";
    a.pos = Reader::pos(wait);
    auto s = r.string(wait, "'wait'");
    ok = s.has_value();
    a.target = s.value_or("");
    a.name = "wait " + a.target;
  }
  if (const auto timeout = Reader::get(node, "timeout")) {
    if (a.kind != "exec" && !a.kind.empty()) {
      r.error(Entry(timeout.key), "'timeout' is not a setting of a '" + a.kind + "' step",
              a.kind == "wait" ? "a wait lasts until the background check ends; bound the check itself"
                               : "only an exec action has a time limit (its command's)");
      ok = false;
    } else if (auto v = r.number(timeout, "'timeout' (seconds)", 0, 3600)) {
      a.timeout_s = std::max(1.0, *v);
    } else {
      ok = false;
    }
  }
  // An explicit name is unique among the tests; default names may repeat (down, up, down again).
  if (name_text) {
    const auto name = Reader::get(node, "name");
    if (auto [it, fresh] = names.emplace(*name_text, Reader::pos(name)); !fresh) {
      r.error(name, "duplicate test name '" + *name_text + "'",
              first_at(*name_text, it->second) + "; give each test its own 'name:'");
      return;
    }
    a.name = *name_text;
  }
  if (ok) topo.actions.push_back(a);
}

void check_waits(Reader& r, const Topology& topo) {
  std::map<std::string, SourcePos> waited;
  for (const auto& a : topo.actions) {
    if (a.kind != "wait") continue;
    auto it =
        std::find_if(topo.checks.begin(), topo.checks.end(), [&](const CheckSpec& c) { return c.name == a.target; });
    std::vector<std::string> background;
    for (const auto& c : topo.checks)
      if (c.background) background.push_back(c.name);
    if (it == topo.checks.end()) {
      auto hint = did_you_mean(a.target, background);
      r.error(a.pos, "'wait' names no background check '" + a.target + "'",
              !hint.empty()        ? hint
              : background.empty() ? "the tests have no background check; mark one with 'background: true'"
                                   : "wait for one of: " + one_of(background));
      continue;
    }
    if (!it->background) {
      r.error(a.pos, "'wait' names check '" + a.target + "', which does not run in the background",
              "add 'background: true' to it, or drop the wait: a foreground check has ended before the next step");
      continue;
    }
    if (static_cast<size_t>(it - topo.checks.begin()) >= a.at) {
      r.error(a.pos,
              "'wait' for '" + a.target + "' comes before the check starts (line " + std::to_string(it->pos.line) + ")",
              "move the wait below the check");
      continue;
    }
    if (auto [w, fresh] = waited.emplace(a.target, a.pos); !fresh)
      r.error(a.pos,
              "background check '" + a.target + "' is already waited for at line " + std::to_string(w->second.line),
              "a check ends once; drop this wait");
  }
}

}  // namespace netrig
