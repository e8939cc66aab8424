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

// Creates every object of the plan on a bounded worker pool, in dependency order; each object is
// journaled before it is created. Throws std::runtime_error if the lab already exists.
void deploy(const Plan& plan, const DeployOptions& options);

struct DestroyReport {
  int namespaces = 0;
  int processes = 0;
};

// Kills the processes inside the lab's journaled namespaces, deletes those namespaces (newest
// first; with them every device of the lab), then the state directory. Safe to run after a crash,
// twice, or on a lab half made.
DestroyReport destroy_lab(const std::string& lab);

}  // namespace netrig
