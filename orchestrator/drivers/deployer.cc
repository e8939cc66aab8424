#include "drivers/deployer.h"

#include <unistd.h>

#include <cstdlib>
#include <ctime>
#include <memory>

#include "drivers/interrupt.h"
#include "drivers/kernel_steps.h"
#include "drivers/lab_state.h"
#include "drivers/step_runner.h"

namespace netrig {

namespace {

// Test seam for crash tests: NETRIG_TEST_STALL_AFTER_STEPS=N makes the deploy stop making
// progress once N steps are done, so a test can SIGKILL it at a known point.
long stall_after() {
  const char* env = std::getenv("NETRIG_TEST_STALL_AFTER_STEPS");
  return env && *env ? std::strtol(env, nullptr, 10) : -1;
}

}  // namespace

void deploy(const Plan& plan, const DeployOptions& options, StepDriver& driver) {
  const auto& lab = plan.topology.name;
  driver.check_runnable(plan);  // images, runc, tini: before anything exists
  // Claiming the state directory is atomic: of two deploys of one lab name, one wins.
  if (!claim_lab_dir(lab))
    throw LabExistsError("lab '" + lab + "' is already deployed (state in " + lab_dir(lab) +
                         "); destroy it first with: netrig destroy " + lab);
  write_lab_meta({lab, plan.topology.file, "deploying", static_cast<long long>(std::time(nullptr)), getpid()});
  write_lab_topology(lab, options.topology_text);
  if (!options.tests_file.empty()) write_lab_tests_overlay(lab, {options.tests_file, options.tests_text});
  auto journal = std::make_unique<Journal>(lab);

  StepRunHooks hooks;
  hooks.on_step = options.on_step;
  hooks.interrupted = [] { return interrupted().load(); };
  static const long stall = stall_after();
  hooks.stall_after = stall;
  auto result = run_steps(
      plan.steps, options.workers, [&](const Step& step) { driver.apply(plan, step, *journal); }, hooks);
  if (result.ok) {
    std::string why;
    if (int broken = driver.verify(plan, &why); broken >= 0) result = {false, broken, why, result.done};
  }
  if (!result.ok) {
    journal.reset();
    driver.roll_back(lab);
    throw DeployError(plan.steps[result.failed_step], result.error);
  }
  write_lab_meta({lab, plan.topology.file, "deployed", static_cast<long long>(std::time(nullptr)), getpid()});
}

void deploy(const Plan& plan, const DeployOptions& options) { deploy(plan, options, *kernel_step_driver()); }

}  // namespace netrig
