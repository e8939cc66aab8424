// Runs a plan against the kernel (deploy) and undoes it from the journal (destroy).
#pragma once

#include <functional>
#include <stdexcept>
#include <string>

#include "plan/plan.h"

namespace netrig {

enum class StepEvent { Started, Done, Failed };

struct DeployOptions {
  int workers = 4;
  std::string topology_text;  // kept in the state dir so inspect/exec/test work later
  std::string tests_file;     // the tests overlay (netrig --tests), kept beside it
  std::string tests_text;
  std::function<void(const Step&, StepEvent, const std::string& error)> on_step;
};

// Thrown when a step fails; by then everything done so far has been rolled back.
class DeployError : public std::runtime_error {
 public:
  DeployError(const Step& step, const std::string& error)
      : std::runtime_error("step '" + step.describe() + "': " + error), step_(step.describe()) {}
  const std::string& step() const { return step_; }

 private:
  std::string step_;
};

// Thrown when a lab of that name is already deployed (its state directory exists: claiming it is
// atomic, so of two deploys started at once exactly one gets this). Nothing was changed.
class LabExistsError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// Creates every object of the plan on a bounded worker pool, in dependency order; each object is
// journaled before it is created. Throws LabExistsError if the lab already exists.
void deploy(const Plan& plan, const DeployOptions& options);

struct DestroyReport {
  int namespaces = 0;
  int processes = 0;
  int ovs_bridges = 0;   // bridges removed from the system's OVS (settings.ovs)
  int host_devices = 0;  // devices removed from the host's namespace (settings.ovs)
  // Journaled namespaces that exist but do not carry the lab's mark (their loopback's alias): a
  // name another lab or the user holds (a deploy that failed creating it journaled it first).
  // Left alone: neither their processes nor the namespace are touched.
  std::vector<std::string> foreign_namespaces;
  // What could not be removed (a system OVS that does not answer): the lab's state is kept so a
  // later destroy can finish; empty when the lab is gone.
  std::string incomplete;
};

// Kills the processes inside the lab's journaled namespaces, removes the lab's bridges from a
// system OVS (settings.ovs), deletes those namespaces (newest first; with them every device of the
// lab inside them), then the lab's devices left in the host's namespace (journaled and carrying
// the lab's alias or interface group), then the state directory. Safe to run after a crash, twice,
// or on a lab half made.
DestroyReport destroy_lab(const std::string& lab);

// The ownership mark a namespace carries (its loopback's alias: ownership_mark(lab) for one a lab
// made); "" when it has none. The namespace must exist.
std::string netns_mark(const std::string& netns);

}  // namespace netrig
