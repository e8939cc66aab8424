// What the deployer drives. The deployer (drivers/deployer.cc) owns the order — claim the lab's
// state directory, run the plan's steps in dependency order (drivers/step_runner.h), look that
// everything stayed up, roll back on any failure — and a StepDriver owns what each step does to a
// host and how a lab is undone. The real one (drivers/kernel_steps.h) acts on this machine's
// kernel; deployer_test.cc drives the deployer with a fake, without root.
#pragma once

#include <string>

#include "drivers/lab_state.h"
#include "plan/plan.h"

namespace netrig {

class StepDriver {
 public:
  virtual ~StepDriver() = default;
  // Before anything exists (images, runtimes): throws to refuse the deploy, having changed nothing.
  virtual void check_runnable(const Plan& plan) = 0;
  // Makes one step's objects, journaling each one that outlives its namespace before it is made.
  // Called from several worker threads at once; throws to fail the step.
  virtual void apply(const Plan& plan, const Step& step, Journal& journal) = 0;
  // Once every step is done: what must still hold (a container whose command ended). Returns the
  // id of the step whose object broke and why, or -1 when all is well.
  virtual int verify(const Plan& plan, std::string* why) = 0;
  // Undoes everything the lab's journal holds and removes its state directory (destroy_lab).
  virtual void roll_back(const std::string& lab) = 0;
};

}  // namespace netrig
