// The dry run: a plan as `netrig plan` prints it (text, or JSON with -o json). Pure.
#pragma once

#include <nlohmann/json.hpp>
#include <string>

#include "plan/plan.h"

namespace netrig {

// Steps in order with their dependencies and what each does, then the test phases' actions.
std::string plan_text(const Plan& plan);
// {"lab", "steps": [{id, kind, target, after, does}], "actions": [...]}.
nlohmann::json plan_json(const Plan& plan);

}  // namespace netrig
