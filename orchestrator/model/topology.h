// The resolved topology: pure data, produced by the parser, consumed by the planner.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "model/ip.h"

namespace netrig {

// 1-based line and column in the topology file; 0 when unknown.
struct SourcePos {
  int line = 0;
  int col = 0;
};

enum class NodeKind { Netns, Bridge, Ovs, Vm, Container };
const char* to_string(NodeKind kind);
// Nodes whose interfaces live in their own network namespace, set up by netrig over netlink:
// netns nodes and container nodes (whose container joins that namespace).
inline bool in_own_netns(NodeKind kind) { return kind == NodeKind::Netns || kind == NodeKind::Container; }

// QoS of a node interface (`qos:`, model/parse_qos.cc; built by plan/qos.cc). Rates in bit/s,
// sizes in bytes, as tc's units resolve them.
struct QosLeaf {
  std::string kind;               // pfifo, bfifo, sfq, fq_codel, netem ("" = the kernel's default pfifo)
  std::optional<uint32_t> limit;  // pfifo: packets; bfifo: bytes
  SourcePos pos;
};

struct HtbClassSpec {
  std::string name;
  uint64_t rate = 0;                               // bit/s, resolved (a percentage is of the parent's rate)
  uint64_t ceil = 0;                               // bit/s; default: the parent's ceil
  std::optional<uint32_t> burst, cburst, quantum;  // bytes
  std::optional<uint32_t> prio;
  QosLeaf leaf;
  std::vector<HtbClassSpec> children;
  SourcePos pos;
};

struct QosFilterSpec {
  std::optional<IpPrefix> src, dst;
  std::string protocol;  // "", tcp, udp, icmp
  std::optional<int> sport, dport;
  std::optional<int> dscp;  // 0..63
  std::string class_name;
  SourcePos pos;
};

struct EgressQos {
  std::string kind;  // htb, tbf, or a classless leaf kind (pfifo, bfifo, sfq, fq_codel, netem)
  // htb: the root class (rate = ceil) and its children; default class by name ("" = unclassified
  // traffic goes out unshaped, as tc's default 0).
  HtbClassSpec root;
  std::string default_class;
  std::vector<QosFilterSpec> filters;
  // tbf
  uint64_t rate = 0;
  uint32_t burst = 0;  // bytes
  uint32_t latency_us = 50000;
  QosLeaf leaf;  // a classless root
  SourcePos pos;
};

struct IngressQos {
  std::string method = "ifb";  // ifb (ifb device in the node + mirred redirect + tbf) or police
  uint64_t rate = 0;
  uint32_t burst = 0;
  SourcePos pos;
};

struct QosSpec {
  std::optional<EgressQos> egress;
  std::optional<IngressQos> ingress;
  SourcePos pos;
};

struct InterfaceSpec {
  std::string name;         // as the user wrote it (may be longer than the kernel allows)
  std::string kernel_name;  // the name the device gets inside the node (<= 15 chars)
  std::vector<IpPrefix> addresses;
  std::vector<SourcePos> address_pos;  // where each address stands in the file
  std::optional<std::string> mac;
  std::optional<int> mtu;
  bool dhcp = false;  // `dhcp: true`: the address comes from the bridge's DHCP server at deploy time
  // Security groups of this interface's bridge port (names in Topology::security_groups), from the
  // interface's own `security_groups:` and its node's, in file order, without repeats.
  std::vector<std::string> security_groups;
  std::vector<SourcePos> security_group_pos;
  std::optional<QosSpec> qos;
  SourcePos pos;
};

struct RouteSpec {
  IpPrefix dst;               // 0.0.0.0/0 or ::/0 for "default"
  std::optional<IpAddr> via;  // gateway
  std::string dev;            // interface name (user name), optional
  std::optional<int> metric;
  SourcePos pos;
};

struct SysctlSpec {
  std::string key;  // dotted form, e.g. net.ipv4.ip_forward
  std::string value;
  SourcePos pos;
};

// One NAT rule of a router (`nat:` on a node). IPv4 only; rendered into the node's own nftables
// table by plan/nat.cc.
enum class NatType { Masquerade, Snat, Dnat, Floating };

struct NatRule {
  NatType type = NatType::Masquerade;
  std::string iface;                // user name: `out` (masquerade, snat, floating) or `in` (dnat)
  std::optional<IpPrefix> from;     // masquerade/snat: source network or address matched
  std::optional<IpAddr> to;         // snat: the new source; dnat: the destination matched (optional)
  std::string protocol;             // dnat: "tcp" or "udp" ("" = any, only without ports)
  std::optional<int> port;          // dnat: destination port matched
  std::optional<IpAddr> forward;    // dnat: the new destination
  std::optional<int> forward_port;  // dnat: the new destination port (default: unchanged)
  std::optional<IpAddr> inside;     // floating: the private address
  std::optional<IpAddr> outside;    // floating: the public address
  SourcePos pos;
};

// A bridge's DHCP server (`dhcp:` on a bridge): dnsmasq in the lab-owned namespace
// <lab>-dhcp+<bridge>, joined to the bridge by a veth (plan/plan.h dhcp_node_name). IPv4 only.
struct DhcpServerSpec {
  IpAddr first;  // the range handed out: first..last
  IpAddr last;
  IpPrefix subnet;                // the network (host bits cleared)
  IpAddr server;                  // the server's own address (first usable address unless `server:`)
  std::optional<IpAddr> gateway;  // option 3 (router)
  std::string lease = "1h";       // dnsmasq lease time: 45m, 1h, 12h, infinite
  SourcePos pos;
};

// Open vSwitch (`kind: ovs`, model/parse_ovs.cc). VLAN settings of a port or a bond, as OVS's Port
// table has them.
struct OvsVlan {
  std::optional<int> tag;   // access VLAN, or the native VLAN of a trunk
  std::vector<int> trunks;  // VLANs a trunk carries (empty = all)
  std::string vlan_mode;    // "" (OVS's default), access, trunk, native-tagged, native-untagged
};

// OVS QoS of a port (lecture 27): a QoS row of `type` with queues (Queue rows) that flows pick with
// enqueue:PORT:Q or set_queue:Q. Rates in bit/s, as OVS's other-config wants them.
struct OvsQueueSpec {
  uint32_t id = 0;
  std::optional<uint64_t> min_rate, max_rate;
  std::optional<int> priority;  // linux-htb only: lower is served first
  SourcePos pos;
};

struct OvsQosSpec {
  std::string type = "linux-htb";  // or linux-hfsc
  std::optional<uint64_t> max_rate;
  std::vector<OvsQueueSpec> queues;
  SourcePos pos;
  const OvsQueueSpec* find_queue(uint32_t id) const;
};

// A port of an ovs switch: a link's switch end (named by the endpoint 'switch:port'), an internal
// port (a device on the switch with addresses, e.g. a gateway) or a patch port to another switch.
struct OvsPortSpec {
  std::string name;  // OVS port and device name (<= 15 characters)
  OvsVlan vlan;
  std::string type;                    // "" (a link's veth), "internal", "patch", "gre", "vxlan" or "geneve"
  std::string peer_switch, peer_port;  // patch: the other end
  std::vector<IpPrefix> addresses;     // internal
  // A tunnel port (gre, vxlan, geneve) to another host: the remote end's underlay address, the
  // tunnel id ("" = none; a number; "flow" = set by flows with set_tunnel / set_field:->tun_id) and
  // the UDP port (vxlan, geneve; 0 = OVS's default).
  std::string remote_ip;
  std::string tunnel_key;
  int dst_port = 0;
  std::optional<OvsQosSpec> qos;  // egress shaping with queues
  // Interface ingress_policing_rate (kbit/s) and _burst (kbit): what arrives above the rate is dropped.
  std::optional<uint64_t> policing_rate_kbps, policing_burst_kbit;
  SourcePos pos;
};

// A bond: one OVS port made of several links' switch ends.
struct OvsBondSpec {
  std::string name;
  std::vector<std::string> members;  // port names that links use
  std::string mode;                  // bond_mode: active-backup, balance-slb, balance-tcp
  std::string lacp;                  // "", active, passive, off
  std::string primary;               // active-backup: the member used while it is up (bond-primary)
  std::optional<int> rebalance_ms;   // balance-slb/tcp: other_config:bond-rebalance-interval
  OvsVlan vlan;
  SourcePos pos;
};

struct OvsFlowSpec {
  std::string text;  // one flow in ovs-ofctl syntax
  SourcePos pos;
};

struct OvsSwitchSpec {
  std::vector<std::string> protocols;  // OpenFlow10..OpenFlow15; empty = OVS's default
  std::string fail_mode;               // "", secure, standalone
  std::vector<std::string> controllers;
  std::vector<SourcePos> controller_pos;  // where each controller is written
  std::string connection_mode;            // "", in-band, out-of-band (Controller connection_mode)
  std::vector<int> flood_vlans;           // VLANs without MAC learning: every frame floods
  std::optional<int> mac_aging_time;
  std::optional<int> mac_table_size;
  std::string datapath;  // "" = kernel where the module is loaded, userspace (netdev) otherwise
  std::vector<OvsPortSpec> ports;
  std::vector<OvsBondSpec> bonds;
  std::vector<OvsFlowSpec> flows;

  const OvsPortSpec* find_port(const std::string& port) const;
};

// A security group (`topology: security_groups:`): stateful rules enforced on the bridge port of
// every member interface, in the lab's local namespace (plan/security_groups.h). Ingress is denied
// unless a rule of one of the port's groups allows it; egress is allowed unless one of the port's
// groups has egress rules, which then list what may leave.
enum class SgDirection { Ingress, Egress };

struct SgRule {
  SgDirection direction = SgDirection::Ingress;
  std::string protocol = "any";  // tcp, udp, icmp or any
  int port_min = 0;              // tcp/udp destination port range; 0..0 = every port
  int port_max = 0;
  std::optional<IpPrefix> remote;  // the peer's network (host bits clear); none + no group = anywhere
  std::string remote_group;        // the peer is a member of this group
  SourcePos pos;
};

struct SecurityGroup {
  std::string name;
  std::vector<SgRule> rules;
  SourcePos pos;
};

// A `kind: vm` node's machine: a QEMU guest booted from the image built by images/build.sh.
struct VmSpec {
  int memory_mib = 128;
  int cpus = 1;
  std::string image;  // directory with vmlinux, initrd.cpio, cmdline; "" = the built image
};

// A long-running command of a netns node (`services:`): started by netrig once the node's links and
// addresses are up, its output in the lab's state dir, stopped with the lab (drivers/service.h).
struct ServiceSpec {
  std::string name;     // unique in the node; names its log and PID file
  std::string command;  // /bin/sh -c, exec'd so the PID is the service's own
  SourcePos pos;
};

// A `kind: container` (containerlab: `kind: linux`) node's container, run with runc in the node's
// network namespace (drivers/container.h); the root filesystem is an overlay on a local image.
struct BindSpec {
  std::string host;       // absolute (relative paths are resolved against the topology file)
  std::string container;  // absolute path inside the container
  bool read_only = false;
  SourcePos pos;
};

struct ContainerSpec {
  std::string image = "netrig/debian";  // a name in the local image store (model/image_ref.h)
  SourcePos image_pos;
  std::optional<std::vector<std::string>> entrypoint;  // unset: the image's
  std::optional<std::vector<std::string>> cmd;         // unset: the image's
  std::vector<std::pair<std::string, std::string>> env;
  std::vector<BindSpec> binds;
  std::string user;  // "" (the image's), NAME, UID, or UID:GID
  std::optional<long long> memory_bytes;
  std::optional<double> cpus;
  std::map<std::string, std::string> labels;  // containerlab's labels: kept, shown by inspect
};

struct NodeSpec {
  std::string name;
  NodeKind kind = NodeKind::Netns;
  std::vector<InterfaceSpec> interfaces;
  std::vector<RouteSpec> routes;
  std::vector<SysctlSpec> sysctls;
  std::vector<std::string> exec;
  std::vector<ServiceSpec> services;  // netns and container nodes
  std::optional<int> mtu;             // bridges only
  bool router = false;                // forwarding on (net.ipv4.ip_forward, net.ipv6.conf.all.forwarding)
  std::vector<NatRule> nat;
  std::optional<DhcpServerSpec> dhcp;  // bridges only
  std::optional<OvsSwitchSpec> ovs;    // kind ovs only
  VmSpec vm;                           // kind vm only
  ContainerSpec container;             // kind container only
  // `host: NAME`: the simulated physical machine (topology.hosts) the node or switch is on; "" = the
  // implicit host `local`. A switch on a host lives in that host's namespace, with its OVS.
  std::string host;
  SourcePos host_pos;
  // An entry of topology.hosts: a namespace with underlay interfaces, holding its switches.
  bool is_host = false;
  SourcePos pos;

  const InterfaceSpec* find_interface(const std::string& iface) const;
};

struct Endpoint {
  std::string node;
  std::string iface;  // empty when the endpoint is a bridge
  std::string port;   // switch: the port named in 'switch:port' ("" = netrig names it); ovs, and Linux
                      // bridges of containerlab files (its device name in <lab>-local)
  SourcePos pos;
};

struct LinkSpec {
  Endpoint a;
  Endpoint b;
  std::optional<int> mtu;
  SourcePos pos;
};

enum class CheckType { Ping, Connect, Exec, PingAll, Capture, Iperf3, Reachability, Mtu };
const char* to_string(CheckType type);

enum class Expect { Success, Failure };

// A column of a reachability matrix: a target (node, node:iface or address) and what is tried.
struct ReachTarget {
  std::string target;
  std::string protocol = "tcp";  // tcp, udp or icmp (ping)
  int port = 0;                  // tcp/udp
  SourcePos pos;
};

struct CheckSpec {
  std::string name;
  CheckType type = CheckType::Ping;
  std::string node;    // where the check runs (ping/connect: from; exec: node)
  std::string target;  // ping/connect: address, node name or node:iface as written
  Expect expect = Expect::Success;
  double timeout_s = 10;  // retry until this much time has passed
  // ping
  int count = 3;
  double max_loss_pct = 0;
  std::optional<double> max_rtt_ms;
  int family = 0;  // 4, 6 or 0 (whatever the target resolves to)
  // connect
  std::string protocol = "tcp";
  int port = 0;
  bool listen = false;  // netrig opens a listener on the target node
  // exec
  std::string command;
  std::optional<int> exit_code;
  std::optional<std::string> output_regex;
  // pingall (empty = every netns node that has an address)
  std::vector<std::string> nodes;
  // capture: where tcpdump listens. node + iface (inside a node), or bridge (the bridge device
  // itself) with an optional port (node:iface or a bridge: the host-side device of that link).
  std::string iface;
  std::string bridge;
  std::string bridge_port;
  std::string filter;              // BPF expression; "" = every packet
  std::optional<int> min_packets;  // expect.min / count / none (max 0)
  std::optional<int> max_packets;  // expect.max / count / none
  std::optional<int> vlan;         // every matching packet carries an 802.1Q tag with this VID
  std::optional<bool> tagged;      // every matching packet carries a tag (true) or none does (false)
  double duration_s = 0;           // keep capturing this long after the traffic
  std::vector<CheckSpec> traffic;  // capture: the ping or exec run while tcpdump listens (0 or 1)
  // iperf3 (from: node, target: to; protocol tcp|udp; port)
  double seconds = 2;
  std::optional<double> min_mbps;
  std::optional<double> max_mbps;
  std::optional<double> bitrate_mbps;  // udp: -b
  int omit_s = 0;                      // warm-up seconds iperf3 runs first and leaves out (-O)
  // iperf3 flow group: several clients started together towards `target` (each its own server
  // port, port + i); min/max then bound each flow's own rate, and `ratio` (one weight per flow)
  // the split: every flow's share of the total within `ratio_tolerance` (relative) of its weight's.
  struct Iperf3Flow {
    std::string node;
    std::optional<double> min_mbps, max_mbps;
    SourcePos pos;
  };
  std::vector<Iperf3Flow> flows;
  std::vector<double> ratio;
  double ratio_tolerance = 0.15;
  // sequencing (checks/sequence.h): a background check starts at its place in `tests:` and keeps
  // running across later actions; it runs once (no retry) and its verdict is collected when it
  // ends (at `wait: NAME` or the end of the tests).
  bool background = false;
  double interval_s = 0.2;      // ping: -i
  std::optional<int> max_lost;  // ping: most lost echo requests that still pass
  // mtu (from: node, target: to): the path MTU found must lie in [mtu_min, mtu_max] (bytes of an IP
  // packet; `expect: N` sets both).
  std::optional<int> mtu_min, mtu_max;
  // reachability: rows are `reach_from` nodes, columns `reach_to`; reach_allow[row][col] is the
  // expected verdict of the cell (true = allow).
  std::vector<std::string> reach_from;
  std::vector<ReachTarget> reach_to;
  std::vector<std::vector<bool>> reach_allow;
  std::vector<std::vector<bool>> reach_tried;  // false where the file says '-'
  SourcePos pos;
};

// A step of `tests:` that is not a check: an action (link down/up, sleep, exec) or a wait for a
// background check. Actions split the checks into phases: the checks between two actions run in
// parallel; an action runs once the phase before it has finished, and before the next starts.
// The kinds are a table (model/parse_actions.cc parses, checks/actions.cc runs); add a kind to
// both.
// `action: {impair: NODE:IFACE, ...}`: netem on a link end's egress at run time (checks/actions.cc).
// Unset fields are not impaired; `clear` removes the impairment again. (A rate limit is a `qos:`
// tbf at deploy time: libnl-route has no setter for netem's rate.)
struct LinkImpairment {
  std::optional<uint64_t> delay_us, jitter_us;
  // Percentages, 0-100.
  std::optional<double> loss_pct, duplicate_pct, reorder_pct, corrupt_pct;
  bool clear = false;
};

struct ActionSpec {
  std::string kind;  // "link", "impair", "sleep", "exec", "service", "wait"
  std::string name;  // unique among the tests' names
  // link: the endpoint as `links:` writes it (node:iface) or a bridge side (bridge:node:iface,
  // bridge:other-bridge); exec: the node; service: NODE:SERVICE; wait: the background check's name.
  std::string target;
  bool up = true;                // link: state up / down; service: started / stopped
  double seconds = 0;            // sleep
  std::string command;           // exec: /bin/sh -c
  std::optional<int> exit_code;  // exec: expected exit code (default 0)
  double timeout_s = 10;         // exec: time limit of the command
  LinkImpairment impair;         // impair (target: the link end, as for link)
  size_t at = 0;                 // how many of Topology::checks come before it in the file
  SourcePos pos;
};

// What the file asks for that netrig does not do (containerlab keys it cannot honour): printed as
// "file:line:col: warning: ..." by validate/plan/deploy/test, never an error.
struct TopologyWarning {
  std::string file;
  SourcePos pos;
  std::string message;
  std::string hint;
};

struct Topology {
  std::string name;  // lab name: prefixes everything the lab creates
  std::string file;  // absolute path of the topology file ("" for built-ins)
  std::vector<NodeSpec> nodes;
  std::vector<LinkSpec> links;
  std::vector<CheckSpec> checks;
  std::vector<ActionSpec> actions;  // in file order; each knows its place among the checks (`at`)
  std::vector<SecurityGroup> security_groups;
  // settings.static_neighbors: every node gets permanent ARP/ND entries for its L2 peers (as
  // Mininet's autoStaticArp). Needed past ~1,000 peer pairs: the kernel's neighbour tables hold
  // gc_thresh3 (1024) dynamic entries for all namespaces together.
  bool static_neighbors = false;
  // settings.vm_driver and settings.libvirt_uri (model/vm_driver.h): which driver starts the lab's
  // vm nodes. Empty: the default (direct; $NETRIG_VM_DRIVER / $NETRIG_LIBVIRT_URI override).
  std::string vm_driver;
  std::string libvirt_uri;
  // settings.ovs (model/ovs_instance.h): "" = the lab starts its own ovsdb-server + ovs-vswitchd in
  // <lab>-local (the default); else the database socket ("unix:/path/db.sock") of an Open vSwitch
  // already running in the host's namespace ("system": Debian's /var/run/openvswitch/db.sock).
  std::string ovs_db;
  SourcePos ovs_db_pos;
  std::string ovs_prefix;  // settings.ovs_prefix: "", a prefix, or "auto" (system_ovs_prefix)
  // The file is containerlab's (model/parse_clab.h): read with containerlab's keys and meanings.
  bool containerlab = false;
  std::vector<TopologyWarning> warnings;  // in file order

  const NodeSpec* find_node(const std::string& node) const;
  const SecurityGroup* find_security_group(const std::string& group) const;
};

}  // namespace netrig
