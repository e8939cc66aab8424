// Security groups as nftables rulesets (pure text; applied by the deployer in the lab's local
// namespace, where the lab's bridges live) and a pure evaluator that names the rule deciding a
// flow. Design and measurements: docs/design-security-groups.md.
//
// Two tables, loaded in one transaction:
//  * `table inet netrig_sg`: br_netfilter hands bridged IPv4/IPv6 to the inet forward hook, which
//    has conntrack; it only classifies: established/related -> meta mark 0x5e1, invalid -> 0x5e2.
//  * `table bridge netrig_sg`: sees the ports (iifname/oifname). Accepts by the mark, then applies
//    the source port's egress groups and the destination port's ingress groups. One chain per
//    group and direction (sg_<group>_in/_out), one per grouped port (port<N>_in/_out), member sets
//    sg_<group>_v4/_v6 for remote_group rules, and a comment on each rule naming group and rule.
// An update replaces the bridge table only, in one transaction: the classifier (and with it every
// established connection) is never touched.
#pragma once

#include <string>
#include <vector>

#include "plan/plan.h"

namespace netrig {

inline constexpr const char* kSgTable = "netrig_sg";
inline constexpr unsigned kSgMarkEstablished = 0x5e1;
inline constexpr unsigned kSgMarkInvalid = 0x5e2;
inline constexpr unsigned kSgMarkEgressOk = 0x5e3;

// A bridge port with security groups: the member interface and the bridge-side veth end.
struct SgPort {
  std::string node;
  std::string iface;
  std::string device;  // kernel name of the bridge-side end
  std::string bridge;  // kernel name of its bridge
  std::vector<std::string> groups;
  std::vector<IpAddr> addresses;
  std::string mac;
  bool port_security = false;  // MAC/IP source checks (off for routers, which forward others' packets)
};

std::vector<SgPort> security_group_ports(const Plan& plan);

// "" when no interface has a group. Otherwise both tables, creating or replacing them.
std::string security_group_ruleset(const Plan& plan);

// The bridge table alone, replacing the running one in one transaction (`netrig apply`).
std::string security_group_update(const Plan& plan);

// Deleting both tables (a lab whose file no longer has groups).
std::string security_group_removal();

// The namespace that holds the lab's bridges, where the tables live.
std::string security_group_netns(const Plan& plan);

// "" when two plans deploy the same lab apart from security groups (and tests); otherwise what
// differs, in words ("step 'link a:eth0 <-> br0' differs").
std::string non_security_group_difference(const Plan& running, const Plan& wanted);

// "web#2 ingress tcp/22 from 203.0.113.0/24": the label a rule carries as its nft comment.
std::string sg_rule_label(const SecurityGroup& group, size_t index);

// What the groups decide for a new flow (a pure model of the ruleset above).
struct SgDecision {
  bool allow = true;
  bool filtered = false;  // a grouped port took part
  std::string rule;       // the deciding rule's label, or "default deny ingress", or why unfiltered
};

// A flow from `src` (node:iface with address src_addr) to `dst` (node:iface, address dst_addr).
// Either interface may be ungrouped or unknown ("" node: an address outside the lab's ports).
SgDecision evaluate_security_groups(const Topology& topo, const std::string& src_node, const std::string& src_iface,
                                    const IpAddr& src_addr, const std::string& dst_node, const std::string& dst_iface,
                                    const IpAddr& dst_addr, const std::string& protocol, int port);

struct PlanBuilder;  // plan/plan_builder.h
// The planner's security-group stage: one nftables transaction where the bridges live, once every
// port exists; before the start-up commands, which then already meet the rules.
void plan_security_groups(PlanBuilder& b);

}  // namespace netrig
