// Model -> ordered, reversible steps. Pure: names every kernel object the lab will create.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "model/topology.h"

namespace netrig {

enum class StepKind {
  CreateNetns,
  CreateBridge,
  CreateLink,
  ConfigureNode,
  ConfigureNat,
  StartDhcp,
  RunExec,
  StartOvs,
  ConnectOvs,
  ConfigureOvs,
  ConfigureSecurityGroups,
  StartVm,
  StartService,
  ConfigureQos,
  StartContainer,
  ConfigureUnderlay
};
const char* to_string(StepKind kind);

// One end of a veth pair.
struct LinkEnd {
  std::string netns;   // namespace name: the node's, or the lab's local host namespace (switch side)
  std::string device;  // kernel name in that namespace
  std::string bridge;  // kernel name of the bridge it joins ("" if none)
  std::string node;    // user's node name
  std::string iface;   // user's interface name ("" on a bridge side)
  std::string ovs;     // the ovs switch (user's name) this end is a port of
  std::string port;    // on an ovs switch: the port's name in the file (or netrig's); device is its
                       // name in OVS and the kernel (the same, but for settings.ovs: model/ovs_instance.h)
  std::optional<std::string> mac;
  std::optional<int> mtu;
};

struct PlannedLink {
  LinkEnd a;  // the end created first: the switch side when either end is a switch
  LinkEnd b;
  // A VM's NIC: `a` is a TAP device on the bridge (opened by the VM's StartVm step and handed to
  // QEMU), `b` the guest's interface (netns = the namespace QEMU runs in). No CreateLink step.
  bool tap = false;
};

// A permanent ARP/ND entry a node gets when settings.static_neighbors is on.
struct NeighborEntry {
  std::string device;  // kernel name of the node's interface
  IpAddr address;
  std::string mac;
};

struct Step {
  int id = 0;
  StepKind kind = StepKind::CreateNetns;
  std::string target;            // node name, bridge name or link label
  std::vector<int> after;        // ids of steps that must finish first
  int link = -1;                 // CreateLink: index into Plan::links
  std::string describe() const;  // one line for dry runs and progress
  std::string detail;            // what it will do, in `ip` terms
};

struct Plan {
  Topology topology;
  std::vector<PlannedLink> links;
  std::vector<Step> steps;
  std::map<std::string, std::vector<NeighborEntry>> neighbors;  // node -> its static entries
  std::map<std::string, std::string> macs;                      // "node:iface" -> MAC
  std::map<std::string, std::string> nat;                       // node -> its nftables ruleset (plan/nat.h)
  std::map<std::string, std::string> bridges;                   // bridge node -> its device in the local namespace
  bool uses_local_host = false;  // the lab has switches not placed on a host, so it gets <lab>-local
  // A host's underlay interface that carries tunnels: "host:iface" -> the OVS bridge (made in that
  // host's OVS, the interface its port) whose internal device takes the interface's addresses, as
  // OVS's own tunnelling needs on the userspace datapath (and works with on the kernel's).
  std::map<std::string, std::string> underlay_bridges;
  std::string security_groups;  // the nftables ruleset of the lab's security groups (plan/security_groups.h)
  // With settings.ovs (the system's Open vSwitch): "switch" and "switch:port" (ports, bonds,
  // internal and patch ports) -> the lab-unique name in OVS and the host's namespace.
  std::map<std::string, std::string> ovs_names;

  // The name of ovs switch `sw` (no `name`) or of its port/bond `name` in OVS: the file's (the
  // bridge's shortened to 15 characters), or with settings.ovs the lab-unique one.
  std::string ovs_name(const std::string& sw, const std::string& name = "") const;
  // Where the lab's ovs switches and their ports are: <lab>-local, or "" (the host's namespace)
  // with settings.ovs.
  std::string ovs_netns() const;
  // The host a node or switch is on (topology.hosts; kLocalHost when not placed).
  std::string host_of(const std::string& node) const;
  // The namespace of a host (<lab>-local for kLocalHost).
  std::string host_netns(const std::string& host) const;
  // Where switch `sw` and its ports are: its host's namespace (ovs_netns() for one on local).
  std::string switch_netns(const std::string& sw) const;

  std::string netns_of(const std::string& node) const;
  // The lab's implicit host namespace <lab>-local (model/names.h), where its switches live.
  std::string local_netns() const;
  // A bridge's device name inside local_netns().
  std::string bridge_device(const std::string& bridge) const;
};

Plan make_plan(const Topology& topology);

// The lab-owned node that serves DHCP on a bridge with `dhcp:`: namespace <lab>-dhcp+<bridge>,
// one interface (eth0) linked to the bridge. Not in Plan::topology's nodes.
std::string dhcp_node_name(const std::string& bridge);
inline constexpr const char* kDhcpServerIface = "eth0";

// A floating (1:1 NAT) rule's public address, added as a /32 to the router's outside interface so
// the router answers ARP for it.
struct FloatingAddress {
  std::string device;  // kernel name
  IpPrefix address;
};
std::vector<FloatingAddress> floating_addresses(const NodeSpec& node);

// The stable locally administered MAC netrig gives an interface that has none in the file.
std::string derived_mac(const std::string& lab, const std::string& node, const std::string& iface);

}  // namespace netrig
