// The command line of a bridge's DHCP server (dnsmasq), built once: the driver runs it and
// `netrig plan` prints it, so the dry run shows exactly what the deploy starts.
#pragma once

#include <string>
#include <vector>

#include "model/topology.h"

namespace netrig {

// dnsmasq for one bridge's `dhcp:`: DHCP only (no DNS), in the foreground, bound to `iface`, its
// leases and PID file in `dir` (the lab's state directory; the plan prints "<state>").
std::vector<std::string> dnsmasq_argv(const DhcpServerSpec& d, const std::string& iface, const std::string& dir,
                                      const std::string& bridge);

struct PlanBuilder;  // plan/plan_builder.h
// The planner's DHCP stage: per bridge with `dhcp:`, the namespace <lab>-dhcp+<bridge>, a veth from
// it to the bridge and a StartDhcp step (PlanBuilder::dhcp_servers; DHCP clients wait for them).
void plan_dhcp_servers(PlanBuilder& b);

}  // namespace netrig
