// settings.static_neighbors: a permanent ARP/ND entry on each interface for every peer address in
// its subnets on the same L2 segment (Plan::neighbors; configure_node adds them).
#pragma once

namespace netrig {

struct PlanBuilder;

void plan_neighbors(PlanBuilder& b);

}  // namespace netrig
