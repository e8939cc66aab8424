#include "plan/plan.h"

#include <algorithm>
#include <cstdio>
#include <functional>
#include <map>
#include <set>
#include <stdexcept>

#include "model/names.h"
#include "model/ovs_instance.h"
#include "plan/container.h"
#include "plan/dhcp_server.h"
#include "plan/nat.h"
#include "plan/ovs.h"
#include "plan/qos.h"
#include "plan/security_groups.h"
#include "plan/vm.h"
#include "util/text.h"

namespace netrig {

const char* to_string(StepKind kind) {
  switch (kind) {
    case StepKind::CreateNetns:
      return "netns";
    case StepKind::CreateBridge:
      return "bridge";
    case StepKind::CreateLink:
      return "link";
    case StepKind::ConfigureNode:
      return "configure";
    case StepKind::ConfigureNat:
      return "nat";
    case StepKind::StartDhcp:
      return "dhcp";
    case StepKind::RunExec:
      return "exec";
    case StepKind::StartOvs:
      return "ovs-daemons";
    case StepKind::ConnectOvs:
      return "ovs-connect";
    case StepKind::ConfigureOvs:
      return "ovs";
    case StepKind::ConfigureSecurityGroups:
      return "security-groups";
    case StepKind::StartVm:
      return "vm";
    case StepKind::StartService:
      return "service";
    case StepKind::ConfigureQos:
      return "qos";
    case StepKind::StartContainer:
      return "container";
    case StepKind::ConfigureUnderlay:
      return "underlay";
  }
  return "?";
}

std::string dhcp_node_name(const std::string& bridge) { return "dhcp-" + bridge; }

std::string Step::describe() const { return std::string(to_string(kind)) + " " + target; }

std::string Plan::netns_of(const std::string& node) const { return netns_name(topology.name, node); }

std::string Plan::local_netns() const { return host_netns_name(topology.name, kLocalHost); }

std::string Plan::bridge_device(const std::string& bridge) const {
  auto it = bridges.find(bridge);
  return it != bridges.end() ? it->second : short_kernel_name(bridge);
}

std::string Plan::ovs_name(const std::string& sw, const std::string& name) const {
  auto it = ovs_names.find(name.empty() ? sw : sw + ":" + name);
  if (it != ovs_names.end()) return it->second;
  return name.empty() ? short_kernel_name(sw) : name;
}

std::string Plan::ovs_netns() const { return uses_system_ovs(topology) ? "" : local_netns(); }

std::string Plan::host_of(const std::string& node) const {
  const auto* n = topology.find_node(node);
  return n && !n->host.empty() ? n->host : kLocalHost;
}

std::string Plan::host_netns(const std::string& host) const {
  return host == kLocalHost ? local_netns() : netns_of(host);
}

std::string Plan::switch_netns(const std::string& sw) const {
  const auto host = host_of(sw);
  if (host != kLocalHost) return netns_of(host);
  const auto* n = topology.find_node(sw);
  return n && n->kind == NodeKind::Ovs ? ovs_netns() : local_netns();
}

std::string derived_mac(const std::string& lab, const std::string& node, const std::string& iface) {
  const std::string key = lab + "\n" + node + "\n" + iface;
  uint32_t h1 = fnv1a32(key), h2 = fnv1a32(key + "\n");
  char mac[18];
  std::snprintf(mac, sizeof mac, "02:%02x:%02x:%02x:%02x:%02x", h1 >> 24, (h1 >> 16) & 0xff, (h1 >> 8) & 0xff,
                h1 & 0xff, h2 >> 24);
  return mac;
}

namespace {

std::string end_label(const Endpoint& e) { return e.iface.empty() ? e.node : e.node + ":" + e.iface; }

std::string trimmed(std::string s) {
  while (!s.empty() && s.back() == '\n') s.pop_back();
  return s;
}

class Planner {
 public:
  explicit Planner(const Topology& topo) { plan_.topology = topo; }

  Plan run() {
    refuse_undeployable_qos();
    assign_macs();
    const auto& topo = plan_.topology;
    // The lab's own host namespace holds its switches and the switch side of their links.
    int local = -1;
    for (const auto& node : topo.nodes)
      plan_.uses_local_host |= (node.kind == NodeKind::Bridge || node.kind == NodeKind::Ovs) && node.host.empty();
    if (plan_.uses_local_host)
      local = add(StepKind::CreateNetns, kLocalHost, {},
                  "ip netns add " + plan_.netns_of(kLocalHost) + "; ip netns exec " + plan_.netns_of(kLocalHost) +
                      " sysctl net.ipv6.conf.{all,default}.disable_ipv6=1");
    for (const auto& node : topo.nodes)  // names in the local namespace that ports cannot take
      if (node.ovs) {
        local_devices_.insert(short_kernel_name(node.name));
        for (const auto& p : node.ovs->ports) local_devices_.insert(p.name);
        if (uses_system_ovs(topo)) {  // lab-unique names in the system's OVS (link ports: ovs_end)
          system_name(node.name, "", node.name);
          for (const auto& p : node.ovs->ports) system_name(node.name, p.name, p.name);
          for (const auto& b : node.ovs->bonds) system_name(node.name, b.name, b.name);
        }
      }
    for (const auto& l : topo.links)
      for (const auto* e : {&l.a, &l.b})
        if (!e->port.empty()) local_devices_.insert(e->port);
    local_ = local;
    for (const auto& node : topo.nodes) {
      if (in_own_netns(node.kind) || node.kind == NodeKind::Vm) {  // a VM's QEMU runs in its own
        create_[node.name] = add(StepKind::CreateNetns, node.name, {}, "ip netns add " + plan_.netns_of(node.name));
      } else if (node.kind == NodeKind::Ovs) {
        create_[node.name] = start_ovs(node.host.empty() ? kLocalHost : node.host);
      } else {
        auto dev = local_device(node.name, "br-" + node.name);
        plan_.bridges[node.name] = dev;
        const int where = node.host.empty() ? local : create_.at(node.host);
        create_[node.name] = add(StepKind::CreateBridge, node.name, {where},
                                 "ip -n " + plan_.switch_netns(node.name) + " link add " + dev + " type bridge" +
                                     (node.mtu ? " mtu " + std::to_string(*node.mtu) : ""));
      }
    }
    std::map<std::string, std::vector<int>> links_of;  // node -> CreateLink step ids
    for (size_t i = 0; i < topo.links.size(); ++i) {
      const auto& spec = topo.links[i];
      auto planned = plan_link(spec, i);
      plan_.links.push_back(planned);
      std::vector<int> after = {create_.at(spec.a.node)};
      if (spec.b.node != spec.a.node) after.push_back(create_.at(spec.b.node));
      if (planned.tap) {  // made by the VM's StartVm step
        vm_after_[planned.b.node].insert(vm_after_[planned.b.node].end(), after.begin(), after.end());
        continue;
      }
      std::string label = end_label(spec.a) + " <-> " + end_label(spec.b);
      int id = add(StepKind::CreateLink, label, after, link_detail(planned));
      plan_.steps[id].link = static_cast<int>(i);
      links_of[spec.a.node].push_back(id);
      links_of[spec.b.node].push_back(id);
    }
    if (topo.static_neighbors) plan_neighbors();
    const auto underlay = plan_underlays(links_of);  // host -> its ConfigureUnderlay step
    std::vector<int> switches;                       // ConfigureOvs steps
    // In a lab that runs services, a switch with a controller is configured last (below): after the
    // services (a controller the lab runs then already listens) and the other switches (the
    // management switch that reaches it), so its first connection attempt succeeds instead of
    // waiting out OVS's reconnect backoff.
    bool services = false;
    for (const auto& node : topo.nodes) services |= !node.services.empty();
    std::vector<const NodeSpec*> controlled;
    auto configure_ovs = [&](const NodeSpec& node, std::vector<int> after) {
      after.push_back(create_.at(node.name));
      for (int id : links_of[node.name]) after.push_back(id);
      return add(StepKind::ConfigureOvs, node.name, after,
                 "ovs-vsctl " + shell_join_plain(ovs_switch_transaction(plan_, node, "<datapath>")) +
                     (node.ovs->flows.empty() ? ""
                                              : "; ovs-ofctl add-flows " + plan_.ovs_name(node.name) + " <" +
                                                    std::to_string(node.ovs->flows.size()) + " flows>"));
    };
    for (const auto& node : topo.nodes) {
      if (node.kind != NodeKind::Ovs) continue;
      if (services && !node.ovs->controllers.empty())
        controlled.push_back(&node);
      else
        switches.push_back(configure_ovs(node, {}));
    }
    // DHCP servers: a namespace per bridge with `dhcp:`, a veth to the bridge, dnsmasq in it.
    std::vector<int> dhcp_servers;
    for (const auto& node : topo.nodes) {
      if (!node.dhcp) continue;
      const auto server = dhcp_node_name(node.name);
      const auto ns = plan_.netns_of(server);
      int netns = add(StepKind::CreateNetns, server, {}, "ip netns add " + ns);
      PlannedLink link;
      link.b.netns = ns;
      link.b.device = kDhcpServerIface;
      link.b.node = server;
      link.b.iface = kDhcpServerIface;
      link.b.mac = derived_mac(topo.name, server, kDhcpServerIface);
      link.a.netns = plan_.switch_netns(node.name);
      link.a.device = local_device(server, server + "-" + std::to_string(plan_.links.size()));
      link.a.bridge = plan_.bridge_device(node.name);
      link.a.node = node.name;
      plan_.links.push_back(link);
      int id = add(StepKind::CreateLink, node.name + " <-> " + server + ":" + kDhcpServerIface,
                   {create_.at(node.name), netns}, link_detail(link));
      plan_.steps[id].link = static_cast<int>(plan_.links.size() - 1);
      const auto& d = *node.dhcp;
      std::string detail = "ip -n " + ns + " addr add " + d.server.str() + "/" + std::to_string(d.subnet.len) +
                           " dev " + kDhcpServerIface + "; ip netns exec " + ns + " " +
                           shell_join(dnsmasq_argv(d, kDhcpServerIface, "<state>", node.name));
      dhcp_servers.push_back(add(StepKind::StartDhcp, node.name, {id}, detail));
    }
    // VMs: TAPs on their bridges, QEMU started, the agent answering.
    for (const auto& node : topo.nodes) {
      if (node.kind != NodeKind::Vm) continue;
      auto after = vm_after_[node.name];
      after.push_back(create_.at(node.name));
      std::sort(after.begin(), after.end());
      after.erase(std::unique(after.begin(), after.end()), after.end());
      std::string detail = "ip netns exec " + plan_.netns_of(node.name) + " qemu-system-x86_64 -m " +
                           std::to_string(node.vm.memory_mib) + " -smp " + std::to_string(node.vm.cpus);
      for (const auto& l : plan_.links)
        if (l.tap && l.b.node == node.name)
          detail += " -netdev tap,fd=<" + l.a.device + " on " + l.a.bridge + "> -device virtio-net-pci,mac=" + *l.b.mac;
      detail += "; wait for the agent";
      create_[node.name] = add(StepKind::StartVm, node.name, after, detail);
    }
    std::vector<int> configured = switches;
    for (const auto& node : topo.nodes) {
      if (!in_own_netns(node.kind) && node.kind != NodeKind::Vm) continue;
      std::vector<int> after = {create_.at(node.name)};
      for (int id : links_of[node.name]) after.push_back(id);
      if (auto u = underlay.find(node.name); u != underlay.end()) after.push_back(u->second);
      bool client = false;
      for (const auto& i : node.interfaces) client |= i.dhcp;
      if (client) after.insert(after.end(), dhcp_servers.begin(), dhcp_servers.end());
      configured.push_back(add(StepKind::ConfigureNode, node.name, after, configure_detail(node)));
      if (auto qos = qos_objects(node); !qos.empty())  // once its interfaces exist and are up
        configured.push_back(add(StepKind::ConfigureQos, node.name, {configured.back()},
                                 trimmed(qos_commands(qos, plan_.netns_of(node.name)))));
      if (node.kind == NodeKind::Container)  // once its network is configured: cmd sees its addresses
        configured.push_back(add(StepKind::StartContainer, node.name, {configured.back()}, container_detail(node)));
      if (node.nat.empty()) continue;
      // NAT rules in the node's own nftables table, once its interfaces exist and are up.
      plan_.nat[node.name] = nat_ruleset(node);
      configured.push_back(
          add(StepKind::ConfigureNat, node.name, {configured.back()},
              "ip netns exec " + plan_.netns_of(node.name) + " nft -f - <<EOF\n" + plan_.nat[node.name] + "EOF"));
    }
    // Security groups: one nftables transaction where the bridges live, once every port exists;
    // before the start-up commands, which then already meet the rules.
    plan_.security_groups = security_group_ruleset(plan_);
    if (!plan_.security_groups.empty()) {
      std::vector<int> after;
      for (const auto& s : plan_.steps)
        if (s.kind == StepKind::CreateLink || s.kind == StepKind::CreateBridge) after.push_back(s.id);
      configured.push_back(
          add(StepKind::ConfigureSecurityGroups, "security groups", after,
              "ip netns exec " + plan_.local_netns() + " nft -f - <<EOF\n" + plan_.security_groups + "EOF"));
    }
    // Services: each once its node is configured (links up, addresses, routes, NAT); before the
    // start-up commands, which may use them.
    const auto before_controlled = configured;  // the other switches, the nodes, the services
    plan_services(configured);
    std::vector<int> started(configured.begin() + static_cast<long>(before_controlled.size()), configured.end());
    for (const auto* node : controlled) {
      auto after = switches;
      after.insert(after.end(), started.begin(), started.end());
      configured.push_back(configure_ovs(*node, after));
    }
    // Start-up commands run once the whole network is up, as users expect of `exec`.
    for (const auto& node : topo.nodes) {
      if ((!in_own_netns(node.kind) && node.kind != NodeKind::Vm) || node.exec.empty()) continue;
      std::string detail;
      for (const auto& cmd : node.exec) detail += (detail.empty() ? "" : "; ") + cmd;
      add(StepKind::RunExec, node.name, configured,
          (node.kind == NodeKind::Vm          ? "in guest " + node.name + ": "
           : node.kind == NodeKind::Container ? "in container " + node.name + ": "
                                              : "ip netns exec " + plan_.netns_of(node.name) + " ") +
              detail);
    }
    return std::move(plan_);
  }

 private:
  // What qos: can say but netrig does not build yet: refused before anything is created.
  void refuse_undeployable_qos() const {
    for (const auto& node : plan_.topology.nodes)
      if (node.ovs && uses_system_ovs(plan_.topology))
        for (const auto& p : node.ovs->ports)
          if (p.qos)
            throw std::runtime_error("port '" + node.name + ":" + p.name +
                                     "' has qos:, which netrig does not build in the system's Open vSwitch "
                                     "(settings.ovs) yet: QoS and Queue rows outlive their port there and need "
                                     "their own removal; remove settings.ovs so the lab runs its own OVS");
    for (const auto& node : plan_.topology.nodes)
      for (const auto& i : node.interfaces) {
        if (!i.qos) continue;
        const auto where = "interface '" + node.name + ":" + i.name + "'";
        if (node.kind != NodeKind::Netns)
          throw std::runtime_error(where +
                                   " has qos:, which netrig deploys on namespace nodes only (not yet in "
                                   "VM guests); shape the VM's traffic on the link's other end instead");
        if (i.qos->ingress && i.qos->ingress->method == "police")
          throw std::runtime_error(where +
                                   " has ingress method: police, which netrig does not build (libnl-route "
                                   "has no police action, and this kernel has no act_police); use method: ifb");
      }
  }

  int add(StepKind kind, const std::string& target, std::vector<int> after, std::string detail) {
    Step step;
    step.id = static_cast<int>(plan_.steps.size());
    step.kind = kind;
    step.target = target;
    step.after = std::move(after);
    step.detail = std::move(detail);
    plan_.steps.push_back(std::move(step));
    return plan_.steps.back().id;
  }

  void plan_services(std::vector<int>& configured) {
    for (const auto& node : plan_.topology.nodes) {
      if (node.services.empty()) continue;
      std::vector<int> after;
      for (const auto& s : plan_.steps)
        if ((s.kind == StepKind::ConfigureNode || s.kind == StepKind::ConfigureNat ||
             s.kind == StepKind::StartContainer) &&
            s.target == node.name)
          after.push_back(s.id);
      for (const auto& sv : node.services)
        configured.push_back(add(StepKind::StartService, node.name + ":" + sv.name, after,
                                 "ip netns exec " + plan_.netns_of(node.name) + " sh -c '" + sv.command +
                                     "' >><state>/services/" + node.name + "-" + sv.name + ".log 2>&1 & (PID in " +
                                     "<state>/services/" + node.name + "-" + sv.name +
                                     ".pid; cwd and OVS_RUNDIR <state>/services)"));
    }
  }

  // The lab's OVS daemons, once, in the local host namespace; or, with settings.ovs, one look at
  // the system's OVS (it answers, and no bridge or device has the lab's names yet).
  // A host's OVS daemons, once, in its namespace (local's in <lab>-local); or, with settings.ovs,
  // one look at the system's OVS (it answers, and no bridge or device has the lab's names yet).
  int start_ovs(const std::string& host) {
    if (auto it = start_ovs_.find(host); it != start_ovs_.end()) return it->second;
    if (host == kLocalHost && uses_system_ovs(plan_.topology)) {
      return start_ovs_[host] = add(StepKind::ConnectOvs, "system", {local_},
                                    "ovs-vsctl --db=" + plan_.topology.ovs_db +
                                        " list-br (it answers; no bridge or port has one of the lab's names); ip "
                                        "link (no device has one either)");
    }
    const auto ns = plan_.host_netns(host);
    const auto dir = std::string("<state>/") + ovs_dir_name(host);
    return start_ovs_[host] = add(StepKind::StartOvs, host, {host == kLocalHost ? local_ : create_.at(host)},
                                  "ip netns exec " + ns + " ovsdb-server " + dir + "/conf.db; ip netns exec " + ns +
                                      " ovs-vswitchd unix:" + dir + "/db.sock");
  }

  // A host with tunnel ports: each underlay interface (one whose network holds a tunnel's remote;
  // every addressed one when none does) becomes the port of an OVS bridge of that host whose
  // internal device takes the interface's addresses (ConfigureNode puts them there), so OVS routes
  // and resolves the tunnels' outer packets itself.
  std::map<std::string, int> plan_underlays(std::map<std::string, std::vector<int>>& links_of) {
    std::map<std::string, int> steps;
    for (const auto& host : plan_.topology.nodes) {
      if (!host.is_host) continue;
      std::vector<IpAddr> remotes;
      for (const auto& sw : plan_.topology.nodes)
        if (sw.ovs && sw.host == host.name)
          for (const auto& p : sw.ovs->ports)
            if (!p.remote_ip.empty()) remotes.push_back(*IpAddr::parse(p.remote_ip));
      if (remotes.empty()) continue;
      std::vector<const InterfaceSpec*> chosen, addressed;
      for (const auto& i : host.interfaces) {
        if (i.addresses.empty()) continue;
        addressed.push_back(&i);
        bool holds = false;
        for (const auto& a : i.addresses)
          for (const auto& r : remotes) holds |= a.contains(r);
        if (holds) chosen.push_back(&i);
      }
      if (chosen.empty()) chosen = addressed;
      if (chosen.empty()) continue;
      std::vector<int> after = {start_ovs(host.name)};
      for (int id : links_of[host.name]) after.push_back(id);
      std::string detail;
      for (const auto* i : chosen) {
        const auto bridge = local_device("u-" + i->kernel_name, "ul-" + host.name + "-" + i->kernel_name);
        plan_.underlay_bridges[host.name + ":" + i->name] = bridge;
        detail += std::string(detail.empty() ? "" : "; ") + "ovs-vsctl -- add-br " + bridge + " -- set bridge " +
                  bridge + " datapath_type=<datapath> -- add-port " + bridge + " " + i->kernel_name +
                  " (the addresses of " + i->kernel_name + " go on " + bridge + ")";
      }
      steps[host.name] = add(StepKind::ConfigureUnderlay, host.name, after, detail);
    }
    return steps;
  }

  static std::string shell_join_plain(const std::vector<std::string>& argv) {
    std::string s;
    for (const auto& a : argv) s += (s.empty() ? "" : " ") + a;
    return s;
  }

  // A switch-side end on an ovs switch: a device in the local namespace named after its port.
  LinkEnd ovs_end(const Endpoint& sw, const std::string& towards, const std::optional<int>& mtu) {
    LinkEnd end;
    end.netns = plan_.switch_netns(sw.node);
    std::string name = sw.port.empty() ? short_kernel_name(towards) : sw.port;
    for (int i = 1; sw.port.empty() && local_devices_.count(name); ++i)
      name = short_kernel_name(towards + "-" + std::to_string(i));
    local_devices_.insert(name);
    end.port = name;
    end.device = uses_system_ovs(plan_.topology) ? system_name(sw.node, name, name) : name;
    end.node = sw.node;
    end.ovs = sw.node;
    end.mtu = mtu;
    return end;
  }

  // With settings.ovs: the lab-unique name of switch `sw` (name "") or of its port `name`, recorded
  // in Plan::ovs_names. Shortened names could meet: that is refused rather than guessed around.
  std::string system_name(const std::string& sw, const std::string& name, const std::string& base) {
    const auto key = name.empty() ? sw : sw + ":" + name;
    if (auto it = plan_.ovs_names.find(key); it != plan_.ovs_names.end()) return it->second;
    auto system = system_ovs_name(system_ovs_prefix(plan_.topology), base);
    if (auto [it, fresh] = system_names_.emplace(system, key); !fresh)
      throw std::runtime_error("'" + key + "' and '" + it->second + "' would both be '" + system +
                               "' in the system's Open vSwitch; rename one (names over " +
                               std::to_string(kMaxIfName - 5) + " characters are shortened)");
    plan_.ovs_names[key] = system;
    return system;
  }

  // Device names in the local namespace must be unique (and not "lo"); a name that is taken falls
  // back to `alternative`.
  std::string local_device(const std::string& wanted, const std::string& alternative) {
    auto name = short_kernel_name(wanted);
    if (local_devices_.count(name)) name = short_kernel_name(alternative);
    if (!local_devices_.insert(name).second)
      throw std::logic_error("device name " + name + " used twice in the local namespace");
    return name;
  }

  LinkEnd node_end(const Endpoint& e, const std::optional<int>& link_mtu) {
    const auto* node = plan_.topology.find_node(e.node);
    const auto* iface = node->find_interface(e.iface);
    LinkEnd end;
    end.netns = plan_.netns_of(e.node);
    end.device = iface->kernel_name;
    end.node = e.node;
    end.iface = e.iface;
    end.mac = plan_.macs.at(e.node + ":" + e.iface);
    end.mtu = iface->mtu ? iface->mtu : link_mtu;
    return end;
  }

  LinkEnd bridge_end(const Endpoint& bridge, const std::string& towards, size_t index, const std::optional<int>& mtu) {
    if (plan_.topology.find_node(bridge.node)->kind == NodeKind::Ovs) return ovs_end(bridge, towards, mtu);
    LinkEnd end;
    end.netns = plan_.switch_netns(bridge.node);
    // A port the file names (containerlab's 'br-01:l1-eth1') is that device; the parser keeps
    // these names unique, and they are reserved before netrig names any other device.
    end.device = bridge.port.empty() ? local_device(towards, towards + "-" + std::to_string(index)) : bridge.port;
    end.bridge = plan_.bridge_device(bridge.node);
    end.node = bridge.node;
    end.mtu = mtu;
    return end;
  }

  PlannedLink plan_link(const LinkSpec& spec, size_t index) {
    const auto& topo = plan_.topology;
    auto is_switch = [&](const std::string& n) {
      auto k = topo.find_node(n)->kind;
      return k == NodeKind::Bridge || k == NodeKind::Ovs;
    };
    bool a_bridge = is_switch(spec.a.node);
    bool b_bridge = is_switch(spec.b.node);
    PlannedLink link;
    if (a_bridge && b_bridge) {
      link.a = bridge_end(spec.a, spec.a.node + "-" + spec.b.node, index, spec.mtu);
      link.b = bridge_end(spec.b, spec.b.node + "-" + spec.a.node, index, spec.mtu);
    } else if (a_bridge || b_bridge) {
      const auto& bridge = a_bridge ? spec.a : spec.b;
      const auto& node = a_bridge ? spec.b : spec.a;
      link.b = node_end(node, spec.mtu);
      // The switch side takes the node's MTU so the bridge does not clamp it.
      link.a = bridge_end(bridge, node.node + "-" + node.iface, index, link.b.mtu);
      link.tap = topo.find_node(node.node)->kind == NodeKind::Vm;
    } else {
      link.a = node_end(spec.a, spec.mtu);
      link.b = node_end(spec.b, spec.mtu);
    }
    return link;
  }

  // Every node interface gets a MAC: the file's, or a stable derived one (same file, same MACs).
  void assign_macs() {
    std::set<std::string> used;
    for (const auto& node : plan_.topology.nodes)
      for (const auto& iface : node.interfaces)
        if (iface.mac) used.insert(*iface.mac);
    for (const auto& node : plan_.topology.nodes) {
      for (const auto& iface : node.interfaces) {
        std::string mac = iface.mac ? *iface.mac : derived_mac(plan_.topology.name, node.name, iface.name);
        for (int salt = 1; !iface.mac && used.count(mac); ++salt)
          mac = derived_mac(plan_.topology.name, node.name, iface.name + "#" + std::to_string(salt));
        used.insert(mac);
        plan_.macs[node.name + ":" + iface.name] = mac;
      }
    }
  }

  // L2 segments: bridges joined by bridge-to-bridge links form one; a node-to-node link is its own.
  // Within a segment, each interface gets a permanent entry for every peer address in its subnets.
  void plan_neighbors() {
    const auto& topo = plan_.topology;
    std::map<std::string, std::string> parent;  // union-find over bridge names and "link#i"
    std::function<std::string(const std::string&)> find = [&](const std::string& x) {
      auto it = parent.find(x);
      if (it == parent.end() || it->second == x) return parent[x] = x;
      return it->second = find(it->second);
    };
    struct Member {
      std::string node, iface;
    };
    std::map<std::string, std::vector<Member>> members;  // segment key -> interfaces
    std::vector<std::pair<std::string, Member>> pending;
    for (size_t i = 0; i < topo.links.size(); ++i) {
      const auto& l = topo.links[i];
      bool a_br = l.a.iface.empty(), b_br = l.b.iface.empty();
      if (a_br && b_br) {
        parent[find(l.a.node)] = find(l.b.node);
      } else if (a_br || b_br) {
        const auto& n = a_br ? l.b : l.a;
        pending.push_back({a_br ? l.a.node : l.b.node, {n.node, n.iface}});
      } else {
        auto key = "link#" + std::to_string(i);
        pending.push_back({key, {l.a.node, l.a.iface}});
        pending.push_back({key, {l.b.node, l.b.iface}});
      }
    }
    for (auto& [key, m] : pending) members[find(key)].push_back(m);
    for (const auto& [segment, list] : members) {
      for (const auto& a : list) {
        const auto* ai = topo.find_node(a.node)->find_interface(a.iface);
        for (const auto& b : list) {
          if (a.node == b.node) continue;
          const auto* bi = topo.find_node(b.node)->find_interface(b.iface);
          for (const auto& peer : bi->addresses) {
            bool same_subnet = false;
            for (const auto& own : ai->addresses) same_subnet |= own.contains(peer.addr);
            if (same_subnet)
              plan_.neighbors[a.node].push_back({ai->kernel_name, peer.addr, plan_.macs.at(b.node + ":" + b.iface)});
          }
        }
      }
    }
  }

  static std::string end_detail(const LinkEnd& e, const std::string& here) {
    std::string s = e.device;
    if (e.netns != here) s += " netns " + e.netns;
    if (e.mac) s += " address " + *e.mac;
    if (e.mtu) s += " mtu " + std::to_string(*e.mtu);
    return s;
  }

  // The equivalent `ip` commands; a link to a switch is made from inside the local namespace.
  std::string link_detail(const PlannedLink& l) const {
    const std::string here = l.a.bridge.empty() ? "" : l.a.netns;
    const std::string ip = here.empty() ? "ip " : "ip -n " + here + " ";
    std::string s = ip + "link add " + end_detail(l.a, here) + " type veth peer name " + end_detail(l.b, here);
    if (!l.a.bridge.empty()) s += "; " + ip + "link set " + l.a.device + " master " + l.a.bridge;
    if (!l.b.bridge.empty()) s += "; " + ip + "link set " + l.b.device + " master " + l.b.bridge;
    return s;
  }

  std::string container_detail(const NodeSpec& node) const {
    const auto id = container_id(plan_.topology.name, node.name);
    return "mount -t overlay (lower: image " + node.container.image + ", upper: <state>/containers/" + node.name +
           "/upper) <state>/containers/" + node.name + "/rootfs; runc --root <state>/runc run -d " + id +
           " (network namespace " + plan_.netns_of(node.name) + ", own mount/PID/UTS/IPC, hostname " + node.name +
           ", PID 1 tini)";
  }

  std::string configure_detail(const NodeSpec& node) {
    if (node.kind == NodeKind::Vm) return "in guest " + node.name + " (agent): " + vm_configure_script(plan_, node);
    std::string ns = "ip -n " + plan_.netns_of(node.name) + " ";
    std::string s = ns + "link set lo up";
    for (const auto& sc : node.sysctls) s += "; sysctl " + sc.key + "=" + sc.value;
    if (node.router) s += "; sysctl net.ipv4.ip_forward=1; sysctl net.ipv6.conf.all.forwarding=1";
    for (const auto& i : node.interfaces)
      for (const auto& a : i.addresses) s += "; " + ns + "addr add " + a.str() + " dev " + i.kernel_name;
    for (const auto& i : node.interfaces)
      if (i.dhcp)
        s += "; ip netns exec " + plan_.netns_of(node.name) + " busybox udhcpc -i " + i.kernel_name +
             " -f -q -n -s <state>/udhcpc.script";
    for (const auto& f : floating_addresses(node)) s += "; " + ns + "addr add " + f.address.str() + " dev " + f.device;
    if (auto it = plan_.neighbors.find(node.name); it != plan_.neighbors.end())
      s += "; " + std::to_string(it->second.size()) + " × " + ns +
           "neigh add <peer> lladdr <mac> dev <if> nud permanent";
    for (const auto& r : node.routes) {
      s += "; " + ns + "route add " + (r.dst.len ? r.dst.str() : "default");
      if (r.via) s += " via " + r.via->str();
      if (!r.dev.empty()) s += " dev " + node.find_interface(r.dev)->kernel_name;
      if (r.metric) s += " metric " + std::to_string(*r.metric);
    }
    return s;
  }

  Plan plan_;
  std::map<std::string, int> create_;                 // node -> its create step (a VM's: StartVm)
  std::map<std::string, std::vector<int>> vm_after_;  // VM -> steps its TAPs need (its bridges)
  std::set<std::string> local_devices_ = {"lo"};
  std::map<std::string, std::string> system_names_;  // with settings.ovs: name -> "switch[:port]"
  int local_ = -1;                                   // the CreateNetns step of the local host namespace
  std::map<std::string, int> start_ovs_;             // host -> its StartOvs (or ConnectOvs) step
};

}  // namespace

Plan make_plan(const Topology& topology) { return Planner(topology).run(); }

std::vector<FloatingAddress> floating_addresses(const NodeSpec& node) {
  std::vector<FloatingAddress> out;
  for (const auto& r : node.nat)
    if (r.type == NatType::Floating)
      out.push_back({node.find_interface(r.iface)->kernel_name, IpPrefix{*r.outside, 32}});
  return out;
}

}  // namespace netrig
