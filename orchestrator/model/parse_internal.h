// The topology parser's parts, each in its own file: nodes (parse_nodes.cc), interfaces
// (parse_interfaces.cc), routes (parse_routes.cc), links and lab-wide checks (parse_links.cc), the
// tests: block (parse_checks.cc). parser.cc reads the top level and calls them. Internal to model/.
#pragma once

#include <functional>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "model/topology.h"
#include "model/yaml_reader.h"

namespace netrig {

// What `defaults:` and `kinds:` set, kept as YAML so a node's own value wins and errors point at
// the line that holds the inherited value.
struct NodeDefaults {
  std::map<std::string, Entry> defaults;
  std::map<std::string, std::map<std::string, Entry>> kinds;
  std::map<std::string, std::map<std::string, Entry>> groups;  // containerlab's `topology: groups:`
};

struct ParseState {
  NodeDefaults inherit;
  // "node" and "node:iface" whose definition already had an error: references to them stay quiet,
  // so one mistake gives one message.
  std::set<std::string> broken;
  // Every "node:iface" some endpoint names, valid or not (an interface named by a broken link is
  // not reported again as unconnected).
  std::set<std::string> mentioned;
  // "switch:port" of each port topology.tunnels made -> the item that made it ("tunnels item 2").
  std::map<std::string, std::string> tunnel_ports;
};

// Why `name` is not a valid node or lab name ("" when it is): letters, digits, '_', '.', '-',
// starting with a letter or digit, at most max_len characters.
std::string name_problem(const std::string& name, size_t max_len);

// "; the first 'x' is at line N" style pointer to an earlier definition.
std::string first_at(const std::string& what, SourcePos pos);

void parse_inherited(Reader& r, const Entry& topology, NodeDefaults& out);
void parse_groups(Reader& r, const Entry& topology, NodeDefaults& out);
// A container node's keys (parse_container.cc); `get` finds each key on the node or inherited.
void parse_container(Reader& r, NodeSpec& node, const std::function<Entry(const std::string&)>& get);
void parse_nodes(Reader& r, ParseState& st, const Entry& nodes, Topology& topo);
void parse_interfaces(Reader& r, ParseState& st, const Entry& interfaces, NodeSpec& node);
// `qos:` of an interface (parse_qos.cc); `where` names the interface in messages.
void parse_interface_qos(Reader& r, const Entry& qos, InterfaceSpec& iface, const std::string& where);
void parse_route(Reader& r, NodeSpec& node, const Entry& item);
// `nat:` of a netns node; after its interfaces and `router`.
void parse_nat(Reader& r, NodeSpec& node, const Entry& nat);
// `dhcp:` of a bridge (parse_dhcp.cc).
void parse_dhcp_server(Reader& r, NodeSpec& node, const Entry& dhcp);
bool dhcp_in_range(const DhcpServerSpec& d, const IpAddr& a);
// A node of kind ovs (parse_ovs.cc): everything but 'kind'.
void parse_ovs_switch(Reader& r, ParseState& st, const Entry& body, NodeSpec& node);
// Container keys (image, cmd, env, binds, ...) and vm keys on a node of a kind without them (netns,
// bridge, ovs; container-only keys on a vm): one error each, whose hint never suggests another
// kind (parse_nodes.cc). Returns the keys it reported, which are then not "unknown".
std::vector<std::string> report_foreign_keys(Reader& r, const Entry& body, const NodeSpec& node,
                                             const std::string& kind);
// The endpoint 'switch:port' of an ovs switch: port name rules ("" when fine).
std::string ovs_port_problem(const std::string& port);
// After the links: bond members and declared ports are linked, patch peers match.
void check_ovs(Reader& r, const ParseState& st, const Topology& topo);
// An ovs port's qos: and ingress_policing_rate/_burst (model/parse_ovs_qos.cc), and the flows'
// enqueue/set_queue against the queues the switch's ports have.
void parse_ovs_port_qos(Reader& r, const Entry& port_body, OvsPortSpec& port, const std::string& where);
void check_ovs_flow_queues(Reader& r, const NodeSpec& node);
// settings.ovs (parse_ovs_settings.cc): the lab's own OVS daemons, or the system's at a socket.
void parse_ovs_settings(Reader& r, const Entry& settings, Topology& topo);
// With the system's OVS, what would reach into the host's namespace: addresses on internal ports,
// controllers listening on every host address (parse_ovs_settings.cc).
void check_system_ovs(Reader& r, const ParseState& st, const Topology& topo);
// `services:` of a netns node (parse_services.cc): a mapping name -> command.
void parse_services(Reader& r, NodeSpec& node, const Entry& services);
// Whether the lab has switches, and so the local host namespace `local` where exec checks and
// actions can run (parse_services.cc).
bool has_local_host(const Topology& topo);
// memory/cpus/image of a `kind: vm` node (parse_vm.cc).
void parse_vm(Reader& r, NodeSpec& node, const Entry& body);
// What a VM cannot do: links to anything but a bridge, DHCP clients, NAT (parse_vm.cc).
void check_vms(Reader& r, const ParseState& st, const Topology& topo);
// topology.hosts (model/parse_hosts.cc): each a namespace node marked is_host, parsed before the
// nodes so that `host:` can name them; check_hosts needs the links (a cable joins one host's parts).
void parse_hosts(Reader& r, ParseState& st, const Entry& hosts, Topology& topo);
void check_hosts(Reader& r, const ParseState& st, const Topology& topo);
// A gre, vxlan or geneve port (model/parse_ovs.cc).
bool is_tunnel(const OvsPortSpec& port);
// A tunnel port's `key` (a number up to the type's maximum, or flow) and `dst_port` (vxlan and
// geneve only), for ports and for topology.tunnels; `where` names the place in messages.
std::optional<std::string> parse_tunnel_key(Reader& r, const Entry& key, const std::string& type,
                                            const std::string& where);
std::optional<int> parse_tunnel_dst_port(Reader& r, const Entry& dst_port, const std::string& type,
                                         const std::string& where);
// topology.tunnels (model/parse_tunnels.cc): each item expands, after the nodes are parsed, into the
// tunnel ports of a point-to-point link or a full mesh between ovs switches on different hosts, as
// if written by hand under each switch's ports (named by tunnel_port_name).
void parse_tunnels(Reader& r, ParseState& st, const Entry& tunnels, Topology& topo);
// `host: NAME` of a node or switch (the name is checked by check_hosts).
void parse_placement(Reader& r, const Entry& body, NodeSpec& node);
// settings.vm_driver and settings.libvirt_uri (model/parse_vm_settings.cc).
void parse_vm_settings(Reader& r, const Entry& settings, Topology& topo);
void parse_links(Reader& r, ParseState& st, const Entry& links, Topology& topo);
// Lab-wide rules: every interface is linked; no address twice on one network or one node.
void check_lab(Reader& r, const ParseState& st, const Topology& topo);
// `topology: security_groups:` (parse_security_groups.cc); membership lists on interfaces and
// nodes; the lab-wide membership rules once links are known.
void parse_security_groups(Reader& r, ParseState& st, const Entry& groups, Topology& topo);
void parse_membership(Reader& r, const Entry& list, std::vector<std::string>& groups, std::vector<SourcePos>& pos);
void check_security_groups(Reader& r, const ParseState& st, const Topology& topo);
// The body of a `reachability:` check (parse_reachability.cc).
bool parse_reachability(Reader& r, const ParseState& st, const Topology& topo, const Entry& body, CheckSpec& c);
void parse_checks(Reader& r, const ParseState& st, const Entry& tests, Topology& topo);
// An `action:` or `wait:` item of tests: (parse_actions.cc); `names` holds the tests' names so far.
void parse_action_step(Reader& r, const ParseState& st, const Entry& item, Topology& topo,
                       std::map<std::string, SourcePos>& names, const std::optional<std::string>& name);
// After the whole tests: block: each wait names an earlier background check, once.
void check_waits(Reader& r, const Topology& topo);

// A tests overlay (netrig --tests FILE): `tests:` checked against the topology, `images:` stand-ins
// for images the file names that are not in the local store (model/parse_overlay.cc).
void parse_tests_overlay(Reader& r, ParseState& st, const Entry& root, const std::string& file, Topology& topo);

// Names of the nodes of one kind (all kinds when `only` is null), for did-you-mean hints.
std::vector<std::string> node_names(const Topology& topo, const NodeKind* only = nullptr);

}  // namespace netrig
