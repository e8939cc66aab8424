// Runs a lab's checks: in parallel, each retried until it holds or its timeout passes.
#pragma once

#include <chrono>
#include <functional>
#include <vector>

#include "checks/result.h"
#include "plan/plan.h"

namespace netrig {

struct CheckOptions {
  int parallel = 8;
  double retry_interval_s = 0.5;
  std::function<void(const CheckResult&)> on_result;  // called as each check finishes
  // Where captures keep their pcap files (created when needed). "" = <tmp>/netrig-artifacts/<lab>.
  std::string artifacts_dir;
  // When the tests began (CheckResult::started_s counts from it); run_checks sets it when unset.
  std::chrono::steady_clock::time_point epoch{};
};

// Runs the tests: block in order (checks/sequence.h): phases of parallel checks, separated by
// actions; background checks across phases. Results in file order, actions included.
std::vector<CheckResult> run_checks(const Plan& plan, const CheckOptions& options);

// Runs these checks in parallel, each retried until it holds or its timeout passes. Results in the
// same order; on_result is called as each finishes.
std::vector<CheckResult> run_check_set(const Plan& plan, const std::vector<const CheckSpec*>& checks,
                                       const CheckOptions& options);

// A signal (netrig interrupted) cut a check short: unless it had already passed (or was skipped),
// it is an error "interrupted before its verdict (so far: ...)", never a pass or a failure of the
// lab. Pure; exposed for tests.
void mark_interrupted(CheckResult& result, bool interrupted);
// A check that never started: skipped, "not run: <why>".
CheckResult not_run(const CheckSpec& check, const std::string& why);

// One attempt of one check (no retry). Exposed for tests.
CheckResult run_check_once(const Plan& plan, const CheckSpec& check, const CheckOptions& options = {});

// The address a check target names: an address as is, a node's first address, or node:iface's.
// family 4/6 restricts the choice; 0 takes the first.
std::string resolve_target(const Topology& topology, const std::string& target, int family);

}  // namespace netrig
