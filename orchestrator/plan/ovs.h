// Open vSwitch, pure: a switch of kind ovs -> the ovs-vsctl transaction that creates it with its
// settings, ports and bonds, and the flows file ovs-ofctl loads. The lab's OVS daemons run in
// the lab's local host namespace <lab>-local (drivers/ovs.h starts them); every switch-side link
// end is a device there, named after its port. With settings.ovs the switches are made in the
// system's OVS instead, and their ports are devices in the host's namespace with lab-unique names
// (model/ovs_instance.h).
#pragma once

#include <map>
#include <string>
#include <vector>

#include "plan/plan.h"

namespace netrig {

// The switch's link ports: the ends in Plan::links whose `ovs` is `sw`, in link order (each has
// the port's name in the file, `port`, and in OVS and the kernel, `device`).
std::vector<const LinkEnd*> ovs_link_ends(const Plan& plan, const std::string& sw);

// ovs-vsctl's arguments after `ovs-vsctl --db=...`: one transaction (commands joined by "--") that
// creates the bridge with its datapath, OpenFlow versions, fail mode, flood VLANs, MAC learning
// settings and the lab's external-id, then its ports (link ports with their VLAN settings,
// internal and patch ports), bonds and controllers. Settings go in with the bridge, so the
// bridge never runs with other OpenFlow versions than the file's.
// With settings.ovs every name is the lab-unique one (Plan::ovs_name) and ports carry the lab's
// external-id too, so destroy can tell the lab's rows from everything else in the system's OVS.
// Equivalent: ovs-vsctl -- add-br BR -- set bridge BR datapath_type=netdev ... -- add-port BR p tag=101 ...
std::vector<std::string> ovs_switch_transaction(const Plan& plan, const NodeSpec& sw, const std::string& datapath);

// The ovs switch ports with qos or ingress policing that traffic from node `from` to node `to`
// crosses ("switch:port"), along the path of fewest links (enough for a lab's trees of switches and
// routers; a lab with several equal paths gets the first found). Pure.
std::vector<std::string> ovs_qos_ports_between(const Topology& topo, const std::string& from, const std::string& to);

// The -O argument of ovs-ofctl for the switch ("" = OVS's default versions).
std::string ovs_ofctl_protocols(const OvsSwitchSpec& sw);

// The flows, one per line, as `ovs-ofctl add-flows BR FILE` reads them; with settings.ovs, the
// switch's port names in them are its lab-unique ones (rename_flow_ports).
std::string ovs_flows_text(const Plan& plan, const NodeSpec& sw);

// `flow` with every port name of `names` (file name -> OVS name) that stands where ovs-ofctl reads a
// port replaced: in_port=P, output:P, output(port=P,...), enqueue:P:Q, enqueue(P,Q), resubmit:P,
// resubmit(P,T), bundle/bundle_load members:P,Q, and P alone as an action (output to P), quoted or
// not. Other words that happen to equal a port name (a field, an action keyword) stay. With
// `unquote`, a quoted name loses its quotes (for replacing names with port numbers, which ovs-ofctl
// reads only unquoted).
std::string rename_flow_ports(const std::string& flow, const std::map<std::string, std::string>& names,
                              bool unquote = false);

// The planner's OVS stages (plan/plan_builder.h).
struct PlanBuilder;
// A host's OVS daemons, once, in its namespace (local's in <lab>-local); or, with settings.ovs, one
// look at the system's OVS (it answers, and no bridge or device has the lab's names yet). Returns
// that step's id (the same for every call with one host).
int plan_ovs_daemons(PlanBuilder& b, const std::string& host);
// A host with tunnel ports: each underlay interface (one whose network holds a tunnel's remote;
// every addressed one when none does) becomes the port of an OVS bridge of that host whose
// internal device takes the interface's addresses (ConfigureNode puts them there), so OVS routes
// and resolves the tunnels' outer packets itself. Fills PlanBuilder::underlay.
void plan_underlays(PlanBuilder& b);
// A ConfigureOvs step per ovs switch, after its daemons and links. In a lab that runs services, a
// switch with a controller is left for plan_controlled_switches (PlanBuilder::controlled).
void plan_switches(PlanBuilder& b);
// The switches with a controller, after the other switches and the services (a controller the lab
// runs then already listens, and the management switch reaches it), so the first connection
// attempt succeeds instead of waiting out OVS's reconnect backoff.
void plan_controlled_switches(PlanBuilder& b);

}  // namespace netrig
