// Runs a plan: claims the lab, runs its steps through a StepDriver, rolls back on failure.
#pragma once

#include <functional>
#include <stdexcept>
#include <string>

#include "drivers/destroy.h"  // destroy_lab: what a deploy's rollback and `netrig destroy` run
#include "drivers/step_driver.h"
#include "drivers/step_runner.h"
#include "plan/plan.h"

namespace netrig {

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
// The same with another driver (deployer_test.cc's fake): claims the lab's state directory, runs
// the steps through `driver`, and on any failure (a step, verify, an interrupt) rolls back through
// it and throws DeployError naming the step.
void deploy(const Plan& plan, const DeployOptions& options, StepDriver& driver);

}  // namespace netrig
