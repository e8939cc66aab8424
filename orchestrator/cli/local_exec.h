// netrig exec LAB local -- CMD: a command inside the lab's own host namespace <lab>-local, where
// its switches and OVS daemons live, with OVS's environment pointing at the lab's OVS state.
#pragma once

#include <string>
#include <vector>

#include "plan/plan.h"

namespace netrig {

// Becomes `cmd` inside plan.local_netns(); when the lab has ovs switches, with OVS_RUNDIR,
// OVS_DBDIR, OVS_LOGDIR and OVS_SYSCONFDIR set to the lab's OVS directory, so `ovs-vsctl show`,
// `ovs-ofctl dump-flows br0` and `ovs-appctl bond/show` reach the lab's daemons. Returns only on
// failure (exit code): kExitBadInput when the lab has no switches and so no such namespace.
int exec_in_local_host(const Plan& plan, const std::vector<std::string>& cmd);

}  // namespace netrig
