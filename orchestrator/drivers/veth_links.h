// The CreateLink step: one veth pair of the plan, its ends made where they live (a node's
// namespace, the switch namespace of its host, or the host's own namespace for a system OVS port)
// and enslaved to their Linux bridges.
#pragma once

#include <string>

#include "drivers/lab_state.h"
#include "drivers/netlink.h"
#include "plan/plan.h"

namespace netrig {

// `host` is a socket opened in the host's namespace. Ends in the host's namespace (settings.ovs) are
// journaled before they are made and carry the lab's mark; every other end goes with its namespace.
void create_veth_link(const PlannedLink& link, const std::string& lab, Journal& journal, NetlinkSocket& host);

}  // namespace netrig
