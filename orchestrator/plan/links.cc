#include "plan/links.h"

#include "model/names.h"
#include "model/ovs_instance.h"
#include "plan/plan_builder.h"

namespace netrig {

namespace {

std::string end_label(const Endpoint& e) { return e.iface.empty() ? e.node : e.node + ":" + e.iface; }

// A switch-side end on an ovs switch: a device in the local namespace named after its port.
LinkEnd ovs_end(PlanBuilder& b, const Endpoint& sw, const std::string& towards, const std::optional<int>& mtu) {
  LinkEnd end;
  end.netns = b.plan.switch_netns(sw.node);
  std::string name = sw.port.empty() ? short_kernel_name(towards) : sw.port;
  for (int i = 1; sw.port.empty() && b.local_devices.count(name); ++i)
    name = short_kernel_name(towards + "-" + std::to_string(i));
  b.local_devices.insert(name);
  end.port = name;
  end.device = uses_system_ovs(b.plan.topology) ? b.system_name(sw.node, name, name) : name;
  end.node = sw.node;
  end.ovs = sw.node;
  end.mtu = mtu;
  return end;
}

LinkEnd node_end(PlanBuilder& b, const Endpoint& e, const std::optional<int>& link_mtu) {
  const auto* node = b.plan.topology.find_node(e.node);
  const auto* iface = node->find_interface(e.iface);
  LinkEnd end;
  end.netns = b.plan.netns_of(e.node);
  end.device = iface->kernel_name;
  end.node = e.node;
  end.iface = e.iface;
  end.mac = b.plan.macs.at(e.node + ":" + e.iface);
  end.mtu = iface->mtu ? iface->mtu : link_mtu;
  return end;
}

LinkEnd bridge_end(PlanBuilder& b, const Endpoint& bridge, const std::string& towards, size_t index,
                   const std::optional<int>& mtu) {
  if (b.plan.topology.find_node(bridge.node)->kind == NodeKind::Ovs) return ovs_end(b, bridge, towards, mtu);
  LinkEnd end;
  end.netns = b.plan.switch_netns(bridge.node);
  // A port the file names (containerlab's 'br-01:l1-eth1') is that device; the parser keeps
  // these names unique, and they are reserved before netrig names any other device.
  end.device = bridge.port.empty() ? b.local_device(towards, towards + "-" + std::to_string(index)) : bridge.port;
  end.bridge = b.plan.bridge_device(bridge.node);
  end.node = bridge.node;
  end.mtu = mtu;
  return end;
}

PlannedLink plan_link(PlanBuilder& b, const LinkSpec& spec, size_t index) {
  const auto& topo = b.plan.topology;
  auto is_switch = [&](const std::string& n) {
    auto k = topo.find_node(n)->kind;
    return k == NodeKind::Bridge || k == NodeKind::Ovs;
  };
  bool a_bridge = is_switch(spec.a.node);
  bool b_bridge = is_switch(spec.b.node);
  PlannedLink link;
  if (a_bridge && b_bridge) {
    link.a = bridge_end(b, spec.a, spec.a.node + "-" + spec.b.node, index, spec.mtu);
    link.b = bridge_end(b, spec.b, spec.b.node + "-" + spec.a.node, index, spec.mtu);
  } else if (a_bridge || b_bridge) {
    const auto& bridge = a_bridge ? spec.a : spec.b;
    const auto& node = a_bridge ? spec.b : spec.a;
    link.b = node_end(b, node, spec.mtu);
    // The switch side takes the node's MTU so the bridge does not clamp it.
    link.a = bridge_end(b, bridge, node.node + "-" + node.iface, index, link.b.mtu);
    link.tap = topo.find_node(node.node)->kind == NodeKind::Vm;
  } else {
    link.a = node_end(b, spec.a, spec.mtu);
    link.b = node_end(b, spec.b, spec.mtu);
  }
  return link;
}

}  // namespace

void plan_links(PlanBuilder& b) {
  const auto& topo = b.plan.topology;
  for (size_t i = 0; i < topo.links.size(); ++i) {
    const auto& spec = topo.links[i];
    auto planned = plan_link(b, spec, i);
    b.plan.links.push_back(planned);
    std::vector<int> after = {b.create.at(spec.a.node)};
    if (spec.b.node != spec.a.node) after.push_back(b.create.at(spec.b.node));
    if (planned.tap) {  // made by the VM's StartVm step
      b.vm_after[planned.b.node].insert(b.vm_after[planned.b.node].end(), after.begin(), after.end());
      continue;
    }
    std::string label = end_label(spec.a) + " <-> " + end_label(spec.b);
    int id = b.add(StepKind::CreateLink, label, after, b.link_detail(planned));
    b.plan.steps[id].link = static_cast<int>(i);
    b.links_of[spec.a.node].push_back(id);
    b.links_of[spec.b.node].push_back(id);
  }
}

}  // namespace netrig
