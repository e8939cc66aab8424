// The links stage: a veth pair per link of the file, its ends named where they live (a node's
// interface, a Linux bridge's port, an ovs switch's port), a CreateLink step after both endpoints
// exist. A VM's link is its TAP, made by the VM's StartVm step (PlanBuilder::vm_after).
#pragma once

namespace netrig {

struct PlanBuilder;

void plan_links(PlanBuilder& b);

}  // namespace netrig
