// Events for `netrig serve`: when serve runs netrig for a job it passes a pipe as $NETRIG_EVENT_FD,
// and deploy steps and check results go there as one JSON object per line (api/jobs.cc reads them
// into the event stream). Without the variable nothing is written.
#pragma once

#include <nlohmann/json.hpp>
#include <string>

#include "checks/result.h"
#include "drivers/deployer.h"

namespace netrig {

void emit_event(const std::string& type, nlohmann::json data);
void emit_step_event(const std::string& lab, const Step& step, StepEvent event, const std::string& error);
void emit_check_event(const std::string& lab, const CheckResult& result);

}  // namespace netrig
