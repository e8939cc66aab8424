#include "plan/nat.h"

#include "plan/plan_builder.h"

namespace netrig {
namespace {

std::string quoted_iface(const NodeSpec& node, const std::string& iface) {
  const auto* i = node.find_interface(iface);
  return "\"" + (i ? i->kernel_name : iface) + "\"";
}

// iptables -t nat -A PREROUTING -i IN [-d TO] -p PROTO --dport PORT -j DNAT --to-destination FWD[:P]
std::string dnat_rule(const NodeSpec& node, const NatRule& r) {
  std::string s = "iifname " + quoted_iface(node, r.iface);
  if (r.to) s += " ip daddr " + r.to->str();
  if (!r.protocol.empty())
    s += r.port ? " " + r.protocol + " dport " + std::to_string(*r.port) : " meta l4proto " + r.protocol;
  s += " dnat to " + r.forward->str();
  if (r.forward_port) s += ":" + std::to_string(*r.forward_port);
  return s;
}

// A /32 source is written as a bare address, as nft lists it back.
std::string source(const IpPrefix& p) { return p.len == 32 ? p.addr.str() : p.str(); }

}  // namespace

std::string nat_ruleset(const NodeSpec& node) {
  if (node.nat.empty()) return "";
  std::vector<std::string> pre, post, masquerade;
  for (const auto& r : node.nat) {
    const auto dev = quoted_iface(node, r.iface);
    switch (r.type) {
      case NatType::Dnat:
        pre.push_back(dnat_rule(node, r));
        break;
      case NatType::Floating:
        // iptables -t nat -A PREROUTING -i OUT -d OUTSIDE -j DNAT --to-destination INSIDE
        pre.push_back("iifname " + dev + " ip daddr " + r.outside->str() + " dnat to " + r.inside->str());
        // iptables -t nat -A POSTROUTING -o OUT -s INSIDE -j SNAT --to-source OUTSIDE
        post.push_back("oifname " + dev + " ip saddr " + r.inside->str() + " snat to " + r.outside->str());
        break;
      case NatType::Snat:
        post.push_back("oifname " + dev + " ip saddr " + source(*r.from) + " snat to " + r.to->str());
        break;
      case NatType::Masquerade:
        // iptables -t nat -A POSTROUTING -o OUT -s FROM -j MASQUERADE
        masquerade.push_back("oifname " + dev + " ip saddr " + source(*r.from) + " masquerade");
        break;
    }
  }
  post.insert(post.end(), masquerade.begin(), masquerade.end());
  std::string s = std::string("table ") + kNatFamily + " " + kNatTable + " {\n";
  s += "\tchain prerouting {\n\t\ttype nat hook prerouting priority dstnat; policy accept;\n";
  for (const auto& r : pre) s += "\t\t" + r + "\n";
  s += "\t}\n\tchain postrouting {\n\t\ttype nat hook postrouting priority srcnat; policy accept;\n";
  for (const auto& r : post) s += "\t\t" + r + "\n";
  s += "\t}\n}\n";
  return s;
}

void plan_node_nat(PlanBuilder& b, const NodeSpec& node) {
  if (node.nat.empty()) return;
  // NAT rules in the node's own nftables table, once its interfaces exist and are up.
  b.plan.nat[node.name] = nat_ruleset(node);
  b.configured.push_back(
      b.add(StepKind::ConfigureNat, node.name, {b.configured.back()},
            "ip netns exec " + b.plan.netns_of(node.name) + " nft -f - <<EOF\n" + b.plan.nat[node.name] + "EOF"));
}

}  // namespace netrig
