// The planner's working state, shared by its stages. make_plan (plan/planner.cc) runs the stages
// in a fixed order; each feature's stage is a plan_<feature>(PlanBuilder&) in that feature's file
// (plan/ovs.cc, plan/vm.cc, plan/dhcp_server.cc, ...). A stage adds steps with add() and records
// the ids later stages wait for in the fields below. Step ids are the order steps were added in.
#pragma once

#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "plan/plan.h"

namespace netrig {

struct PlanBuilder {
  explicit PlanBuilder(const Topology& topology) { plan.topology = topology; }

  Plan plan;
  int local = -1;                                    // the CreateNetns step of the local host namespace
  std::map<std::string, int> create;                 // node -> its create step (a VM's: StartVm)
  std::map<std::string, std::vector<int>> vm_after;  // VM -> steps its TAPs need (its bridges)
  std::map<std::string, std::vector<int>> links_of;  // node -> its CreateLink steps
  std::map<std::string, int> start_ovs;              // host -> its StartOvs (or ConnectOvs) step
  std::map<std::string, int> underlay;               // host -> its ConfigureUnderlay step
  std::vector<int> switches;                         // ConfigureOvs steps of switches not waiting for services
  std::vector<const NodeSpec*> controlled;           // switches configured after the services (plan/ovs.h)
  std::vector<int> dhcp_servers;                     // StartDhcp steps
  std::vector<int> configured;                       // what the start-up commands wait for
  std::vector<int> services;                         // StartService steps
  std::set<std::string> local_devices = {"lo"};      // device names taken in the local namespace
  std::map<std::string, std::string> system_names;   // with settings.ovs: name -> "switch[:port]"

  // Appends a step; returns its id.
  int add(StepKind kind, const std::string& target, std::vector<int> after, std::string detail);
  // Device names in the local namespace must be unique (and not "lo"); a name that is taken falls
  // back to `alternative`.
  std::string local_device(const std::string& wanted, const std::string& alternative);
  // With settings.ovs: the lab-unique name of switch `sw` (name "") or of its port `name`, recorded
  // in Plan::ovs_names. Shortened names could meet: that is refused rather than guessed around.
  std::string system_name(const std::string& sw, const std::string& name, const std::string& base);
  // The equivalent `ip` commands of a veth link; one to a switch is made from inside its namespace.
  std::string link_detail(const PlannedLink& link) const;
};

// Words joined by spaces, unquoted (what a dry run shows of an ovs-vsctl transaction).
std::string join_words(const std::vector<std::string>& argv);

}  // namespace netrig
