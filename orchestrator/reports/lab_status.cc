#include "reports/lab_status.h"

#include <ctime>
#include <iomanip>
#include <map>
#include <sstream>

#include "model/names.h"
#include "plan/qos.h"
#include "reports/lab_hosts.h"

namespace netrig {
namespace {

using nlohmann::json;

json counters_json(const InterfaceCounters& c) {
  return {{"rx_bytes", c.rx_bytes}, {"rx_packets", c.rx_packets}, {"rx_drops", c.rx_drops}, {"rx_errors", c.rx_errors},
          {"tx_bytes", c.tx_bytes}, {"tx_packets", c.tx_packets}, {"tx_drops", c.tx_drops}, {"tx_errors", c.tx_errors}};
}

// Counters of netns/device when they were observed; null otherwise.
json counters_of(const LabObservation& o, const std::string& netns, const std::string& device) {
  auto ns = o.counters.find(netns);
  if (ns == o.counters.end()) return nullptr;
  auto dev = ns->second.find(device);
  return dev == ns->second.end() ? json(nullptr) : counters_json(dev->second);
}

json vlan_json(const OvsVlan& v) {
  json j = json::object();
  if (v.tag) j["tag"] = *v.tag;
  if (!v.trunks.empty()) j["trunks"] = v.trunks;
  j["mode"] = !v.vlan_mode.empty() ? v.vlan_mode
              : !v.trunks.empty()  ? (v.tag ? "native-untagged" : "trunk")
              : v.tag              ? "access"
                                   : "trunk (all VLANs)";
  return j;
}

// The switches with their ports (the link ends on them), each port's VLAN settings and counters.
json switches_json(const Plan& plan, const LabObservation& o) {
  json out = json::array();
  for (const auto& n : plan.topology.nodes) {
    if (n.kind != NodeKind::Bridge && n.kind != NodeKind::Ovs) continue;
    json ports = json::array();
    for (const auto& l : plan.links)
      for (const auto* e : {&l.a, &l.b}) {
        bool on_this = n.kind == NodeKind::Bridge ? e->bridge == plan.bridge_device(n.name) : e->ovs == n.name;
        if (!on_this) continue;
        const auto* other = e == &l.a ? &l.b : &l.a;
        json port = {{"device", e->device},
                     {"netns", e->netns},
                     {"peer", other->iface.empty() ? other->node : other->node + ":" + other->iface}};
        if (n.kind == NodeKind::Ovs) {
          port["port"] = e->port;
          const OvsPortSpec* spec = n.ovs ? n.ovs->find_port(e->port) : nullptr;
          port["vlan"] = vlan_json(spec ? spec->vlan : OvsVlan{});
          if (n.ovs)
            for (const auto& b : n.ovs->bonds)
              for (const auto& m : b.members)
                if (m == e->port) {
                  port["bond"] = b.name;
                  port["vlan"] = vlan_json(b.vlan);
                }
        }
        if (o.with_counters) port["counters"] = counters_of(o, e->netns, e->device);
        ports.push_back(port);
      }
    json sw = {
        {"name", n.name}, {"kind", to_string(n.kind)}, {"present", o.present.count(n.name) > 0}, {"ports", ports}};
    if (n.kind == NodeKind::Ovs && n.ovs) {
      json extra = json::array();  // internal and patch ports: not link ends
      for (const auto& p : n.ovs->ports) {
        if (p.type.empty()) continue;
        json pj = {{"port", p.name}, {"type", p.type}, {"vlan", vlan_json(p.vlan)}};
        if (p.type == "patch") pj["peer"] = p.peer_switch + ":" + p.peer_port;
        json addrs = json::array();
        for (const auto& a : p.addresses) addrs.push_back(a.str());
        if (!addrs.empty()) pj["addresses"] = addrs;
        extra.push_back(pj);
      }
      sw["other_ports"] = extra;
      sw["fail_mode"] = n.ovs->fail_mode;
      sw["flows"] = n.ovs->flows.size();
    }
    out.push_back(sw);
  }
  return out;
}

// The file's class names by handle ("1:10" -> "fast") of an interface's egress htb tree.
void class_names(const EgressQos& e, const HtbClassSpec& c, std::map<std::string, const HtbClassSpec*>& out) {
  if (!c.name.empty())
    if (auto h = qos_class_handle(e, c.name); !h.empty()) out[h] = &c;
  for (const auto& child : c.children) class_names(e, child, out);
}

// Every qdisc and class of the lab's interfaces with qos: and its counters (tc -s), the classes
// named as in the file with their configured rate and ceil.
json qos_json(const Plan& plan, const LabObservation& o) {
  json out = json::array();
  for (const auto& q : o.qos) {
    const auto* node = plan.topology.find_node(q.node);
    const InterfaceSpec* iface = nullptr;
    if (node)
      for (const auto& i : node->interfaces)
        if (i.name == q.interface) iface = &i;
    std::map<std::string, const HtbClassSpec*> names;
    if (iface && iface->qos && iface->qos->egress && iface->qos->egress->kind == "htb" && q.direction == "egress")
      class_names(*iface->qos->egress, iface->qos->egress->root, names);
    for (const auto& s : q.stats) {
      json e = {{"node", q.node},           {"interface", q.interface}, {"device", q.device},
                {"direction", q.direction}, {"object", s.object},       {"handle", s.handle},
                {"parent", s.parent},       {"kind", s.kind},           {"bytes", s.bytes},
                {"packets", s.packets},     {"drops", s.drops},         {"overlimits", s.overlimits},
                {"requeues", s.requeues},   {"qlen", s.qlen},           {"backlog", s.backlog}};
      if (s.object == "class") {
        auto it = names.find(s.handle);
        e["class"] = it != names.end() ? json(it->second->name) : json(nullptr);
        if (it != names.end()) {
          e["rate_bps"] = it->second->rate;
          e["ceil_bps"] = it->second->ceil;
        }
      }
      out.push_back(e);
    }
  }
  return out;
}

}  // namespace

json lab_status(const Plan& plan, const LabObservation& o, StatusDetail detail) {
  const auto& t = plan.topology;
  const bool full = detail == StatusDetail::Full;
  json nodes = json::array();
  for (const auto& n : t.nodes) {
    json node = {{"name", n.name}, {"kind", to_string(n.kind)}};
    if (!n.host.empty()) node["host"] = n.host;
    if (n.is_host) node["is_host"] = true;
    const bool present = o.present.count(n.name) > 0;
    if (n.kind == NodeKind::Bridge) {
      node["device"] = plan.bridge_device(n.name);
      node["netns"] = plan.switch_netns(n.name);
      node["present"] = present;
    } else if (n.kind == NodeKind::Ovs) {
      node["device"] = plan.ovs_name(n.name);
      node["netns"] = plan.switch_netns(n.name);  // "" = the machine's: the system's OVS (settings.ovs)
      node["ovs_db"] = n.host.empty() ? o.ovs_db : "unix:" + o.state_dir + "/" + ovs_dir_name(n.host) + "/db.sock";
      node["present"] = present;
    } else {
      node["netns"] = plan.netns_of(n.name);
      node["present"] = present;
      json ifaces = json::array();
      for (const auto& i : n.interfaces) {
        json addrs = json::array();
        for (const auto& a : i.addresses) addrs.push_back(a.str());
        json iface = {{"name", i.name}, {"kernel_name", i.kernel_name}, {"addresses", addrs}};
        if (i.dhcp) {
          iface["dhcp"] = true;
          auto leased = o.leased.find(n.name + ":" + i.name);
          iface["leased"] = leased != o.leased.end() && leased->second ? json(*leased->second) : json(nullptr);
        }
        if (full && o.with_counters) iface["counters"] = counters_of(o, plan.netns_of(n.name), i.kernel_name);
        ifaces.push_back(iface);
      }
      node["interfaces"] = ifaces;
      if (full && n.kind == NodeKind::Vm) node["vm"] = {{"memory_mib", n.vm.memory_mib}, {"cpus", n.vm.cpus}};
      if (full && n.router) node["router"] = true;
      if (full && !n.services.empty()) {
        json services = json::array();
        for (const auto& s : n.services) services.push_back(s.name);
        node["services"] = services;
      }
    }
    nodes.push_back(node);
  }
  json links = json::array();
  for (const auto& l : plan.links) {
    auto end = [&](const LinkEnd& e) {
      json j{{"node", e.node}, {"iface", e.iface}, {"netns", e.netns}, {"device", e.device}, {"bridge", e.bridge}};
      if (!e.ovs.empty()) j["ovs_port"] = e.port;
      if (full && !e.ovs.empty()) j["ovs"] = e.ovs;
      return j;
    };
    json link = {{"a", end(l.a)}, {"b", end(l.b)}};
    if (full && l.tap) link["tap"] = true;
    links.push_back(link);
  }
  json leases = json::array();
  for (const auto& l : o.leases)
    leases.push_back(
        {{"bridge", l.bridge}, {"expiry", l.expiry}, {"mac", l.mac}, {"ip", l.ip}, {"hostname", l.hostname}});
  json status = {{"lab", t.name},
                 {"leases", leases},
                 {"status", o.meta ? o.meta->status : "unknown"},
                 {"file", o.meta ? o.meta->file : ""},
                 {"state_dir", o.state_dir},
                 {"local_netns", plan.uses_local_host ? plan.local_netns() : ""},
                 {"nodes", nodes},
                 {"links", links}};
  if (full) {
    status["switches"] = switches_json(plan, o);
    status["hosts"] = hosts_json(plan);
    status["tunnels"] = tunnels_json(plan);
    json groups = json::array();
    for (const auto& g : t.security_groups) groups.push_back(g.name);
    status["security_groups"] = groups;
    status["created"] = o.meta ? o.meta->created : 0;
    if (o.with_counters) status["qos"] = qos_json(plan, o);
  }
  return status;
}

std::string lab_status_text(const Plan& plan, const json& status) {
  std::ostringstream out;
  const auto& t = plan.topology;
  const auto& nodes = status["nodes"];
  const auto& leases = status["leases"];
  out << "lab " << t.name << " (" << status["status"].get<std::string>() << ", state in "
      << status["state_dir"].get<std::string>() << ")\n";
  out << std::left << std::setw(16) << "NODE" << std::setw(11) << "KIND" << std::setw(24) << "NETNS / DEVICE"
      << std::setw(34) << "INTERFACE (KERNEL NAME)"
      << "ADDRESSES\n";
  for (const auto& n : nodes) {
    std::string where = n.contains("netns") ? n["netns"].get<std::string>() : n["device"].get<std::string>();
    if (n["kind"] == "bridge" || n["kind"] == "ovs")
      where = n["device"].get<std::string>() + " in " + (where.empty() ? std::string("host") : where);
    if (!n["present"].get<bool>()) where += " (missing)";
    out << std::setw(16) << n["name"].get<std::string>() << std::setw(11) << n["kind"].get<std::string>()
        << std::setw(24) << where;
    bool first = true;
    if (n.contains("interfaces")) {
      for (const auto& i : n["interfaces"]) {
        if (!first) out << std::setw(48) << "";
        first = false;
        std::string name = i["name"].get<std::string>();
        if (i["kernel_name"] != i["name"]) name += " (" + i["kernel_name"].get<std::string>() + ")";
        std::string addrs;
        for (const auto& a : i["addresses"]) addrs += a.get<std::string>() + " ";
        if (i.contains("dhcp"))
          addrs += "dhcp" +
                   (i["leased"].is_string() ? " (" + i["leased"].get<std::string>() + ")" : std::string(" (no lease)"));
        out << std::setw(34) << name << addrs << "\n";
      }
    }
    if (first) out << "\n";
  }
  if (plan.uses_local_host) out << "switch ports (in namespace " << plan.local_netns() << " unless said):\n";
  for (const auto& l : plan.links)
    for (const auto* e : {&l.a, &l.b}) {
      const auto* other = e == &l.a ? &l.b : &l.a;
      const auto peer = other->iface.empty() ? other->node : other->node + ":" + other->iface;
      if (!e->bridge.empty())
        out << "  " << std::setw(16) << e->device << " port of " << e->bridge << " for " << peer << "\n";
      else if (!e->ovs.empty())
        out << "  " << std::setw(16) << e->device << " port of ovs " << e->ovs
            << (e->port != e->device ? " ('" + e->port + "' in the file)" : std::string()) << " for " << peer
            << (e->netns.empty() ? " (in the host's namespace: the system's Open vSwitch)" : "") << "\n";
    }
  if (!leases.empty()) {
    out << "DHCP leases:\n  " << std::setw(16) << "BRIDGE" << std::setw(18) << "IP" << std::setw(20) << "MAC"
        << std::setw(20) << "HOSTNAME"
        << "EXPIRES\n";
    for (const auto& l : leases) {
      std::string expires = "never";
      if (auto at = l["expiry"].get<long long>()) {
        std::time_t tt = static_cast<std::time_t>(at);
        char buf[32];
        std::strftime(buf, sizeof buf, "%Y-%m-%d %H:%M:%S UTC", std::gmtime(&tt));
        expires = buf;
      }
      out << "  " << std::setw(16) << l["bridge"].get<std::string>() << std::setw(18) << l["ip"].get<std::string>()
          << std::setw(20) << l["mac"].get<std::string>() << std::setw(20) << l["hostname"].get<std::string>()
          << expires << "\n";
    }
  }
  return out.str();
}

json lab_list(const std::vector<LabListEntry>& labs) {
  json out = json::array();
  for (const auto& l : labs)
    out.push_back(
        {{"lab", l.lab}, {"status", l.meta ? l.meta->status : "unknown"}, {"file", l.meta ? l.meta->file : ""}});
  return out;
}

std::string lab_list_text(const std::vector<LabListEntry>& labs) {
  std::ostringstream out;
  if (labs.empty()) out << "no labs deployed\n";
  for (const auto& l : labs)
    out << std::left << std::setw(24) << l.lab << std::setw(12) << (l.meta ? l.meta->status : "unknown")
        << (l.meta ? l.meta->file : "") << "\n";
  return out.str();
}

}  // namespace netrig
