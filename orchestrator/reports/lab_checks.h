// The latest check run of a deployed lab, kept in its state dir (checks.json: the JSON report,
// checks.xml: the JUnit report) by `netrig test --keep` and `netrig check`, so `netrig serve`
// shows it without having run it.
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "reports/report.h"

namespace netrig {

// Writes both files (atomically: a reader never sees half a report); false when the lab's state
// dir is gone (the lab was destroyed).
bool save_lab_checks(const TestRun& run);
std::optional<nlohmann::json> load_lab_checks(const std::string& lab);
std::string lab_checks_junit_path(const std::string& lab);

}  // namespace netrig
