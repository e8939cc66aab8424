// Open vSwitch, pure: a switch of kind ovs -> the ovs-vsctl transaction that creates it with its
// settings, ports and bonds, and the flows file ovs-ofctl loads. The lab's OVS daemons run in
// the lab's local host namespace <lab>-local (drivers/ovs.h starts them); every switch-side link
// end is a device there, named after its port.
#pragma once

#include <string>
#include <vector>

#include "plan/plan.h"

namespace netrig {

// The OVS bridge name (also a device in the local namespace) of an ovs switch.
std::string ovs_switch_name(const NodeSpec& sw);

// The device names of the switch's link ports (ends in Plan::links whose `ovs` is this switch).
std::vector<std::string> ovs_link_ports(const Plan& plan, const std::string& sw);

// ovs-vsctl's arguments after `ovs-vsctl --db=...`: one transaction (commands joined by "--") that
// creates the bridge with its datapath, OpenFlow versions, fail mode, flood VLANs, MAC learning
// settings and the lab's external-id, then its ports (link ports with their VLAN settings,
// internal and patch ports), bonds and controllers. Settings go in with the bridge, so the
// bridge never runs with other OpenFlow versions than the file's.
// Equivalent: ovs-vsctl -- add-br BR -- set bridge BR datapath_type=netdev ... -- add-port BR p tag=101 ...
std::vector<std::string> ovs_switch_transaction(const Plan& plan, const NodeSpec& sw, const std::string& datapath);

// The -O argument of ovs-ofctl for the switch ("" = OVS's default versions).
std::string ovs_ofctl_protocols(const OvsSwitchSpec& sw);

// The flows, one per line, as `ovs-ofctl add-flows BR FILE` reads them.
std::string ovs_flows_text(const OvsSwitchSpec& sw);

}  // namespace netrig
