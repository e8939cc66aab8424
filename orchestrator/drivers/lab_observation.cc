#include "drivers/lab_observation.h"

#include <linux/if.h>

#include <fstream>
#include <sstream>

#include "drivers/netlink.h"
#include "drivers/netns.h"
#include "drivers/ovs.h"
#include "plan/qos.h"

namespace netrig {
namespace {

// The counters of every device in a namespace: /proc/thread-self/net follows the calling thread's
// network namespace, so enter it and read.
std::map<std::string, InterfaceCounters> counters_in(const std::string& netns) {
  try {
    NetnsGuard guard(netns);
    std::ifstream in("/proc/thread-self/net/dev");
    std::stringstream text;
    text << in.rdbuf();
    auto counters = parse_proc_net_dev(text.str());
    NetlinkSocket socket;  // opened inside the namespace
    for (const auto& link : socket.dump_links()) {
      auto c = counters.find(link.name);
      if (c == counters.end()) continue;
      c->second.up = (link.flags & IFF_UP) != 0;
      c->second.carrier = (link.flags & IFF_LOWER_UP) != 0;
    }
    return counters;
  } catch (const std::exception&) {
    return {};  // the namespace is gone: no counters, and the node shows as missing
  }
}

}  // namespace

std::map<std::string, InterfaceCounters> parse_proc_net_dev(const std::string& text) {
  std::map<std::string, InterfaceCounters> out;
  std::istringstream lines(text);
  std::string line;
  while (std::getline(lines, line)) {
    auto colon = line.find(':');
    if (colon == std::string::npos) continue;  // the two header lines
    std::string name = line.substr(0, colon);
    name.erase(0, name.find_first_not_of(' '));
    std::istringstream fields(line.substr(colon + 1));
    uint64_t f[16] = {};
    int n = 0;
    while (n < 16 && fields >> f[n]) ++n;
    if (n < 16 || name.empty()) continue;
    // rx: bytes packets errs drop fifo frame compressed multicast; tx: bytes packets errs drop ...
    out[name] = InterfaceCounters{f[0], f[1], f[3], f[2], f[8], f[9], f[11], f[10]};
  }
  return out;
}

LabObservation observe_lab(const Plan& plan, bool with_counters) {
  LabObservation o;
  const auto& t = plan.topology;
  o.meta = read_lab_meta(t.name);
  o.state_dir = lab_dir(t.name);
  o.ovs_db = ovs_db(plan);
  for (const auto& n : t.nodes) {
    bool present = false;
    if (n.kind == NodeKind::Bridge) {
      present = device_exists(plan.switch_netns(n.name), plan.bridge_device(n.name));
    } else if (n.kind == NodeKind::Ovs) {
      present = device_exists(plan.switch_netns(n.name), plan.ovs_name(n.name));
    } else {
      present = netns_exists(plan.netns_of(n.name));
      for (const auto& i : n.interfaces)
        if (i.dhcp) {
          auto leased = current_ipv4(plan.netns_of(n.name), i.kernel_name);
          o.leased[n.name + ":" + i.name] = leased ? std::optional<std::string>(leased->str()) : std::nullopt;
        }
    }
    if (present) o.present.insert(n.name);
  }
  o.leases = read_leases(t.name);
  o.with_counters = with_counters;
  if (with_counters) {
    std::set<std::string> namespaces;
    for (const auto& n : t.nodes)
      if (in_own_netns(n.kind) && o.present.count(n.name)) namespaces.insert(plan.netns_of(n.name));
    for (const auto& l : plan.links)
      for (const auto* e : {&l.a, &l.b})
        if (!e->netns.empty()) namespaces.insert(e->netns);
    for (const auto& ns : namespaces)
      if (netns_exists(ns)) o.counters[ns] = counters_in(ns);
    for (const auto& n : t.nodes) {
      if (!in_own_netns(n.kind) || !o.present.count(n.name)) continue;
      const auto netns = plan.netns_of(n.name);
      for (const auto& i : n.interfaces) {
        if (!i.qos) continue;
        if (i.qos->egress)
          o.qos.push_back({n.name, i.name, netns, i.kernel_name, "egress", read_tc_stats(netns, i.kernel_name)});
        if (i.qos->ingress) {
          const auto ifb = qos_ifb_name(i.kernel_name);
          o.qos.push_back({n.name, i.name, netns, ifb, "ingress", read_tc_stats(netns, ifb)});
        }
      }
    }
  }
  return o;
}

}  // namespace netrig
