#include "plan/services.h"

#include "plan/plan_builder.h"

namespace netrig {

void plan_services(PlanBuilder& b) {
  for (const auto& node : b.plan.topology.nodes) {
    if (node.services.empty()) continue;
    std::vector<int> after;
    for (const auto& s : b.plan.steps)
      if ((s.kind == StepKind::ConfigureNode || s.kind == StepKind::ConfigureNat ||
           s.kind == StepKind::StartContainer) &&
          s.target == node.name)
        after.push_back(s.id);
    for (const auto& sv : node.services) {
      const int id =
          b.add(StepKind::StartService, node.name + ":" + sv.name, after,
                "ip netns exec " + b.plan.netns_of(node.name) + " sh -c '" + sv.command + "' >><state>/services/" +
                    node.name + "-" + sv.name + ".log 2>&1 & (PID in " + "<state>/services/" + node.name + "-" +
                    sv.name + ".pid; cwd and OVS_RUNDIR <state>/services)");
      b.configured.push_back(id);
      b.services.push_back(id);
    }
  }
}

}  // namespace netrig
