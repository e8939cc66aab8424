#include "plan/plan.h"

#include <map>
#include <set>
#include <stdexcept>

#include "model/names.h"

namespace netrig {

const char* to_string(StepKind kind) {
  switch (kind) {
    case StepKind::CreateNetns: return "netns";
    case StepKind::CreateBridge: return "bridge";
    case StepKind::CreateLink: return "link";
    case StepKind::ConfigureNode: return "configure";
    case StepKind::RunExec: return "exec";
  }
  return "?";
}

std::string Step::describe() const { return std::string(to_string(kind)) + " " + target; }

std::string Plan::netns_of(const std::string& node) const { return netns_name(topology.name, node); }

std::string Plan::bridge_device(const std::string& bridge) const { return lab_device_name(topology.name, bridge); }

namespace {

std::string end_label(const Endpoint& e) { return e.iface.empty() ? e.node : e.node + ":" + e.iface; }

class Planner {
 public:
  explicit Planner(const Topology& topo) { plan_.topology = topo; }

  Plan run() {
    const auto& topo = plan_.topology;
    for (const auto& node : topo.nodes) {
      if (node.kind == NodeKind::Netns) {
        create_[node.name] = add(StepKind::CreateNetns, node.name, {},
                                 "ip netns add " + plan_.netns_of(node.name));
      } else {
        auto dev = plan_.bridge_device(node.name);
        claim(dev, "bridge " + node.name);
        create_[node.name] = add(StepKind::CreateBridge, node.name, {},
                                 "ip link add " + dev + " type bridge" +
                                     (node.mtu ? " mtu " + std::to_string(*node.mtu) : ""));
      }
    }
    std::map<std::string, std::vector<int>> links_of;  // node -> CreateLink step ids
    for (size_t i = 0; i < topo.links.size(); ++i) {
      const auto& spec = topo.links[i];
      auto planned = plan_link(spec, i);
      plan_.links.push_back(planned);
      std::string label = end_label(spec.a) + " <-> " + end_label(spec.b);
      std::vector<int> after = {create_.at(spec.a.node)};
      if (spec.b.node != spec.a.node) after.push_back(create_.at(spec.b.node));
      int id = add(StepKind::CreateLink, label, after, link_detail(planned));
      plan_.steps[id].link = static_cast<int>(i);
      links_of[spec.a.node].push_back(id);
      links_of[spec.b.node].push_back(id);
    }
    std::vector<int> configured;
    for (const auto& node : topo.nodes) {
      if (node.kind != NodeKind::Netns) continue;
      std::vector<int> after = {create_.at(node.name)};
      for (int id : links_of[node.name]) after.push_back(id);
      configured.push_back(add(StepKind::ConfigureNode, node.name, after, configure_detail(node)));
    }
    // Start-up commands run once the whole network is up, as users expect of `exec`.
    for (const auto& node : topo.nodes) {
      if (node.kind != NodeKind::Netns || node.exec.empty()) continue;
      std::string detail;
      for (const auto& cmd : node.exec) detail += (detail.empty() ? "" : "; ") + cmd;
      add(StepKind::RunExec, node.name, configured, "ip netns exec " + plan_.netns_of(node.name) + " " + detail);
    }
    return std::move(plan_);
  }

 private:
  int add(StepKind kind, const std::string& target, std::vector<int> after, std::string detail) {
    Step step;
    step.id = static_cast<int>(plan_.steps.size());
    step.kind = kind;
    step.target = target;
    step.after = std::move(after);
    step.detail = std::move(detail);
    plan_.steps.push_back(std::move(step));
    return plan_.steps.back().id;
  }

  // Host-side device names must be unique; a derived name that collides gets the link index.
  std::string claim(const std::string& device, const std::string& owner) {
    if (!host_devices_.insert(device).second) throw std::logic_error("device name " + device + " used twice (" + owner + ")");
    return device;
  }

  std::string host_device(const std::string& wanted, size_t link_index) {
    auto name = lab_device_name(plan_.topology.name, wanted);
    if (host_devices_.count(name)) name = lab_device_name(plan_.topology.name, wanted + "-" + std::to_string(link_index));
    return claim(name, wanted);
  }

  LinkEnd node_end(const Endpoint& e, const std::optional<int>& link_mtu) {
    const auto* node = plan_.topology.find_node(e.node);
    const auto* iface = node->find_interface(e.iface);
    LinkEnd end;
    end.netns = plan_.netns_of(e.node);
    end.device = iface->kernel_name;
    end.node = e.node;
    end.iface = e.iface;
    end.mac = iface->mac;
    end.mtu = iface->mtu ? iface->mtu : link_mtu;
    return end;
  }

  LinkEnd bridge_end(const Endpoint& bridge, const std::string& towards, size_t index, const std::optional<int>& mtu) {
    LinkEnd end;
    end.device = host_device(towards, index);
    end.bridge = plan_.bridge_device(bridge.node);
    end.node = bridge.node;
    end.mtu = mtu;
    return end;
  }

  PlannedLink plan_link(const LinkSpec& spec, size_t index) {
    const auto& topo = plan_.topology;
    bool a_bridge = topo.find_node(spec.a.node)->kind == NodeKind::Bridge;
    bool b_bridge = topo.find_node(spec.b.node)->kind == NodeKind::Bridge;
    PlannedLink link;
    if (a_bridge && b_bridge) {
      link.a = bridge_end(spec.a, spec.a.node + "-" + spec.b.node, index, spec.mtu);
      link.b = bridge_end(spec.b, spec.b.node + "-" + spec.a.node, index, spec.mtu);
    } else if (a_bridge || b_bridge) {
      const auto& bridge = a_bridge ? spec.a : spec.b;
      const auto& node = a_bridge ? spec.b : spec.a;
      link.b = node_end(node, spec.mtu);
      // The host side takes the node's MTU so the bridge does not clamp it.
      link.a = bridge_end(bridge, node.node + "-" + node.iface, index, link.b.mtu);
    } else {
      link.a = node_end(spec.a, spec.mtu);
      link.b = node_end(spec.b, spec.mtu);
    }
    return link;
  }

  static std::string end_detail(const LinkEnd& e) {
    std::string s = e.device;
    if (!e.netns.empty()) s += " netns " + e.netns;
    if (e.mac) s += " address " + *e.mac;
    if (e.mtu) s += " mtu " + std::to_string(*e.mtu);
    return s;
  }

  static std::string link_detail(const PlannedLink& l) {
    std::string s = "ip link add " + end_detail(l.a) + " type veth peer name " + end_detail(l.b);
    if (!l.a.bridge.empty()) s += "; ip link set " + l.a.device + " master " + l.a.bridge;
    if (!l.b.bridge.empty()) s += "; ip link set " + l.b.device + " master " + l.b.bridge;
    return s;
  }

  std::string configure_detail(const NodeSpec& node) {
    std::string ns = "ip -n " + plan_.netns_of(node.name) + " ";
    std::string s = ns + "link set lo up";
    for (const auto& sc : node.sysctls) s += "; sysctl " + sc.key + "=" + sc.value;
    for (const auto& i : node.interfaces)
      for (const auto& a : i.addresses) s += "; " + ns + "addr add " + a.str() + " dev " + i.kernel_name;
    for (const auto& r : node.routes) {
      s += "; " + ns + "route add " + (r.dst.len ? r.dst.str() : "default");
      if (r.via) s += " via " + r.via->str();
      if (!r.dev.empty()) s += " dev " + node.find_interface(r.dev)->kernel_name;
      if (r.metric) s += " metric " + std::to_string(*r.metric);
    }
    return s;
  }

  Plan plan_;
  std::map<std::string, int> create_;  // node -> its create step
  std::set<std::string> host_devices_;
};

}  // namespace

Plan make_plan(const Topology& topology) { return Planner(topology).run(); }

}  // namespace netrig
