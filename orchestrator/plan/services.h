// The planner's services stage: a StartService step per service of a node, once the node is
// configured (links up, addresses, routes, NAT, its container); before the start-up commands,
// which may use them (PlanBuilder::services; switches with a controller wait for them too).
#pragma once

namespace netrig {

struct PlanBuilder;  // plan/plan_builder.h

void plan_services(PlanBuilder& b);

}  // namespace netrig
