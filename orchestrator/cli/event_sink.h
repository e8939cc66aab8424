// Events for `netrig serve`: when serve runs netrig for a job it passes the job's events file
// (opened O_APPEND) as $NETRIG_EVENT_FD, and deploy steps and check results go there as one JSON
// object per line (api/jobs.cc tails it into the event stream; a file, not a pipe, so the job runs
// on when serve dies and the next serve reads on). Without the variable nothing is written.
#pragma once

#include <nlohmann/json.hpp>
#include <string>

#include "checks/result.h"
#include "drivers/deployer.h"

namespace netrig {

// When serve runs netrig as a job it also sets $NETRIG_JOB_EXIT_FILE: the exit code goes there
// ({"exit_code": N, "finished": unix seconds}, written atomically), so a serve started after the
// one that launched the job (killed meanwhile) still learns the job's real outcome.
void record_job_exit(int exit_code);

void emit_event(const std::string& type, nlohmann::json data);
void emit_step_event(const std::string& lab, const Step& step, StepEvent event, const std::string& error);
void emit_check_event(const std::string& lab, const CheckResult& result);

}  // namespace netrig
