// The tests: block as a sequence. Actions split the checks into phases: the checks of one phase run
// in parallel (each retried until its timeout, as before), an action runs once the phase before it
// has finished and before the next phase starts. A background check starts with its phase and keeps
// running across later phases; it runs once, and its verdict is collected when it ends: at
// `wait: NAME`, or at the end. A failed action stops the sequence: background checks still running
// are stopped, and every later step is reported as skipped, with the reason.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "checks/result.h"
#include "checks/runner.h"
#include "plan/plan.h"

namespace netrig {

// Results in file order (checks and actions interleaved as written).
std::vector<CheckResult> run_sequence(const Plan& plan, const CheckOptions& options);

// One check running in the background. The constructor returns once it has started (a ping has
// printed its header, i.e. sends its first echo request now).
class BackgroundCheck {
 public:
  BackgroundCheck(const Plan& plan, const CheckSpec& check, const CheckOptions& options);
  ~BackgroundCheck();
  BackgroundCheck(const BackgroundCheck&) = delete;
  BackgroundCheck& operator=(const BackgroundCheck&) = delete;

  // Waits for it to end and returns its result (once; later calls return the same).
  CheckResult wait();
  // Stops it early (SIGINT to the process group it started); its result becomes skipped with `why`.
  void cancel(const std::string& why);

 private:
  struct State;
  std::shared_ptr<State> state_;
};

}  // namespace netrig
