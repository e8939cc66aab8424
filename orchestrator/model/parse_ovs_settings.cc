// settings.ovs: whose Open vSwitch the lab's ovs switches live in (model/ovs_instance.h).
#include "model/ovs_instance.h"
#include "model/parse_internal.h"

namespace netrig {

void parse_ovs_settings(Reader& r, const Entry& settings, Topology& topo) {
  if (const auto p = Reader::get(settings.value, "ovs_prefix"))
    if (auto s = r.string(p, "'ovs_prefix'")) {
      if (auto why = ovs_prefix_problem(*s); !why.empty())
        r.error(p, "'ovs_prefix' is '" + *s + "': " + why,
                "write 'ovs_prefix: auto' (a per-lab prefix) or a short one such as 'ovs_prefix: a-'");
      else if (!Reader::get(settings.value, "ovs"))
        r.error(p, "'ovs_prefix' is set but 'ovs' is not",
                "it prefixes the lab's names in the system's Open vSwitch: add 'ovs: system', or remove it");
      else
        topo.ovs_prefix = *s;
    }
  const auto v = Reader::get(settings.value, "ovs");
  if (!v) return;
  auto s = r.string(v, "'ovs'");
  if (!s) return;
  if (*s == "lab") {  // the default, said out loud
    if (!topo.ovs_prefix.empty())
      r.error(v, "'ovs' is 'lab' but 'ovs_prefix' is set", "ovs_prefix is for 'ovs: system'; remove one");
    topo.ovs_prefix.clear();
    return;
  }
  const std::string db = *s == "system" ? kSystemOvsDb : *s;
  if (auto why = ovs_db_problem(db); !why.empty()) {
    r.error(v, "'ovs' is '" + *s + "': " + why,
            "write 'ovs: system' (the system's Open vSwitch at /var/run/openvswitch/db.sock), 'ovs: "
            "unix:/path/db.sock', or leave it out so the lab starts its own daemons");
    return;
  }
  topo.ovs_db = db;
  topo.ovs_db_pos = Reader::pos(v);
}

void check_system_ovs(Reader& r, const ParseState& st, const Topology& topo) {
  if (!uses_system_ovs(topo)) return;
  for (const auto& node : topo.nodes) {
    if (!node.ovs || st.broken.count(node.name)) continue;
    for (const auto& p : node.ovs->ports)
      if (p.type == "internal" && !p.addresses.empty())
        r.error(p.pos,
                "internal port '" + p.name + "' of ovs '" + node.name +
                    "' has an address, and with settings.ovs the switch's internal ports are devices in the "
                    "host's own namespace: the address would change the host's routes",
                "drop its ipv4/ipv6 (an address-less internal port is fine), or remove settings.ovs so the lab "
                "runs its own Open vSwitch in <lab>-local, where addresses are the lab's");
    for (size_t i = 0; i < node.ovs->controllers.size(); ++i) {
      const auto& c = node.ovs->controllers[i];
      if (c.rfind("ptcp:", 0) != 0) continue;
      // ptcp:PORT[:IP]: without an IP, or with one that is not loopback, the host listens to its network.
      const auto rest = c.substr(5);
      const auto colon = rest.find(':');
      const auto ip = colon == std::string::npos ? std::string() : rest.substr(colon + 1);
      if (ip.rfind("127.", 0) != 0)
        r.error(i < node.ovs->controller_pos.size() ? node.ovs->controller_pos[i] : node.pos,
                "ovs '" + node.name + "' has controller '" + c +
                    "': with settings.ovs the system's ovs-vswitchd would listen on " +
                    (ip.empty() ? "every address of the host" : ip) + ", the host's network",
                "listen on loopback only (ptcp:6653:127.0.0.1), or remove settings.ovs");
    }
  }
}

}  // namespace netrig
