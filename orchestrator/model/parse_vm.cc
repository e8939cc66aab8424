// `kind: vm` nodes: their machine settings and what a guest cannot do (yet).
#include "model/parse_internal.h"

namespace netrig {

void parse_vm(Reader& r, NodeSpec& node, const Entry& body) {
  if (auto m = Reader::get(body.value, "memory"))
    if (auto v = r.integer(m, "'memory' (MiB)", 128, 16384)) node.vm.memory_mib = static_cast<int>(*v);
  if (auto c = Reader::get(body.value, "cpus"))
    if (auto v = r.integer(c, "'cpus'", 1, 16)) node.vm.cpus = static_cast<int>(*v);
  if (auto i = Reader::get(body.value, "image"))
    if (auto v = r.string(i, "'image'")) {
      if (v->empty() || (*v)[0] != '/')
        r.error(i, "'image' of vm '" + node.name + "' must be an absolute directory path",
                "leave it out to use the image built by images/build.sh, or name a directory holding vmlinux, "
                "initrd.cpio and cmdline");
      else
        node.vm.image = *v;
    }
}

void check_vms(Reader& r, const ParseState& st, const Topology& topo) {
  (void)st;
  for (const auto& node : topo.nodes) {
    if (node.kind != NodeKind::Vm) continue;
    if (!node.nat.empty())
      r.error(node.nat.front().pos, "vm '" + node.name + "' cannot have 'nat'",
              "the guest image has no nftables; put the NAT on a netns router in front of the guests");
  }
  for (const auto& link : topo.links) {
    for (const auto* pair : {&link.a, &link.b}) {
      const auto& self = *pair;
      const auto& other = pair == &link.a ? link.b : link.a;
      const auto* node = topo.find_node(self.node);
      const auto* peer = topo.find_node(other.node);
      if (!node || !peer || node->kind != NodeKind::Vm || peer->kind == NodeKind::Bridge || peer->kind == NodeKind::Ovs)
        continue;
      r.error(self.pos,
              "interface '" + self.node + ":" + self.iface + "' of vm '" + self.node + "' is linked to " +
                  to_string(peer->kind) + " node '" + other.node + "', not to a bridge or an ovs switch",
              "a guest's NIC is a TAP device on a bridge or an ovs switch: add a bridge node and link both '" +
                  self.node + ":" + self.iface + "' and '" + other.node + ":" + other.iface + "' to it");
    }
  }
}

}  // namespace netrig
