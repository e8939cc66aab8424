#include "plan/plan_builder.h"

#include <stdexcept>

#include "model/names.h"
#include "model/ovs_instance.h"

namespace netrig {

namespace {

std::string end_detail(const LinkEnd& e, const std::string& here) {
  std::string s = e.device;
  if (e.netns != here) s += " netns " + e.netns;
  if (e.mac) s += " address " + *e.mac;
  if (e.mtu) s += " mtu " + std::to_string(*e.mtu);
  return s;
}

}  // namespace

int PlanBuilder::add(StepKind kind, const std::string& target, std::vector<int> after, std::string detail) {
  Step step;
  step.id = static_cast<int>(plan.steps.size());
  step.kind = kind;
  step.target = target;
  step.after = std::move(after);
  step.detail = std::move(detail);
  plan.steps.push_back(std::move(step));
  return plan.steps.back().id;
}

std::string PlanBuilder::local_device(const std::string& wanted, const std::string& alternative) {
  auto name = short_kernel_name(wanted);
  if (local_devices.count(name)) name = short_kernel_name(alternative);
  if (!local_devices.insert(name).second)
    throw std::logic_error("device name " + name + " used twice in the local namespace");
  return name;
}

std::string PlanBuilder::system_name(const std::string& sw, const std::string& name, const std::string& base) {
  const auto key = name.empty() ? sw : sw + ":" + name;
  if (auto it = plan.ovs_names.find(key); it != plan.ovs_names.end()) return it->second;
  auto system = system_ovs_name(system_ovs_prefix(plan.topology), base);
  if (auto [it, fresh] = system_names.emplace(system, key); !fresh)
    throw std::runtime_error("'" + key + "' and '" + it->second + "' would both be '" + system +
                             "' in the system's Open vSwitch; rename one (names over " +
                             std::to_string(kMaxIfName - 5) + " characters are shortened)");
  plan.ovs_names[key] = system;
  return system;
}

std::string PlanBuilder::link_detail(const PlannedLink& l) const {
  const std::string here = l.a.bridge.empty() ? "" : l.a.netns;
  const std::string ip = here.empty() ? "ip " : "ip -n " + here + " ";
  std::string s = ip + "link add " + end_detail(l.a, here) + " type veth peer name " + end_detail(l.b, here);
  if (!l.a.bridge.empty()) s += "; " + ip + "link set " + l.a.device + " master " + l.a.bridge;
  if (!l.b.bridge.empty()) s += "; " + ip + "link set " + l.b.device + " master " + l.b.bridge;
  return s;
}

std::string join_words(const std::vector<std::string>& argv) {
  std::string s;
  for (const auto& a : argv) s += (s.empty() ? "" : " ") + a;
  return s;
}

}  // namespace netrig
