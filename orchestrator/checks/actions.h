// Runtime actions of the tests (`action:` steps): one table row per kind, each a function that
// does the action once and says how it went. `wait` is not here: the sequence (checks/sequence.h)
// runs it, since it waits for the sequence's own background checks.
#pragma once

#include <string>
#include <vector>

#include "checks/result.h"
#include "plan/plan.h"

namespace netrig {

using ActionFn = CheckResult (*)(const Plan& plan, const ActionSpec& action);

struct ActionRunner {
  const char* kind;  // ActionSpec::kind
  ActionFn run;
};

// link (IFF_UP down/up on a link end, through rtnetlink), sleep, exec (a command whose failure
// fails the action). Extend by adding a row (and the parser's row in model/parse_actions.cc).
const std::vector<ActionRunner>& action_runners();

// Runs the action through its row. Fills name, type (the kind), step ("action"), target and
// seconds; an exception becomes an Error result.
CheckResult run_action(const Plan& plan, const ActionSpec& action);

}  // namespace netrig
