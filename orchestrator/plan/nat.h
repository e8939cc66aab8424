// A router's `nat:` rules as one nftables ruleset: pure text, applied by drivers/nftables.cc inside
// the node's own namespace. The table lives only there; deleting the namespace removes it.
#pragma once

#include <string>

#include "model/topology.h"

namespace netrig {

// The table every NAT router gets, in its own namespace: `table ip netrig`.
inline constexpr const char* kNatFamily = "ip";
inline constexpr const char* kNatTable = "netrig";

// The ruleset for `nft -f`: table ip netrig with a prerouting (dstnat) chain for dnat and floating
// rules and a postrouting (srcnat) chain for floating, snat and masquerade rules, in that order, so
// a server's fixed address wins over the network's masquerade. "" when the node has no NAT.
std::string nat_ruleset(const NodeSpec& node);

struct PlanBuilder;  // plan/plan_builder.h
// The planner's NAT stage for one node (after its configuration): its nftables table (Plan::nat)
// and a ConfigureNat step.
void plan_node_nat(PlanBuilder& b, const NodeSpec& node);

}  // namespace netrig
