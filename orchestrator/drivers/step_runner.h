// Runs a plan's steps in dependency order on a bounded pool of worker threads. Pure scheduling:
// what a step does is the caller's `apply`, so the ordering, the bound and the stop-on-failure
// rules are unit-tested without root (step_runner_test.cc).
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "plan/plan.h"

namespace netrig {

enum class StepEvent { Started, Done, Failed };

struct StepRunHooks {
  // Called for each step as it starts, ends or fails (one call at a time, from the worker).
  std::function<void(const Step&, StepEvent, const std::string& error)> on_step;
  // Polled before each step starts: true ends the run as a failure "interrupted" of the step that
  // would have started next.
  std::function<bool()> interrupted;
  // Test seam for crash tests: once this many steps are done no further step starts and the
  // workers block for good (the process is killed from outside); negative = never.
  long stall_after = -1;
};

struct StepRunResult {
  bool ok = true;
  int failed_step = -1;  // the step that failed (or would have started when interrupted)
  std::string error;
  size_t done = 0;  // steps that completed
};

// Starts a step once every step in its `after` is done, with at most `workers` steps applying at
// once. `apply` throws to fail its step; after the first failure no step starts, the ones running
// finish, and the result names the first failure. Step ids must be their indices in `steps`.
StepRunResult run_steps(const std::vector<Step>& steps, int workers, const std::function<void(const Step&)>& apply,
                        const StepRunHooks& hooks = {});

}  // namespace netrig
