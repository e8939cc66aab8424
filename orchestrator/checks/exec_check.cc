#include <regex>

#include "checks/kinds.h"
#include "drivers/node_exec.h"

namespace netrig {

CheckResult exec_once(const Plan& plan, const CheckSpec& check) {
  CheckResult r;
  std::vector<std::string> argv = {"/bin/sh", "-c", check.command};
  auto run = run_on_node(plan, check.node, argv, std::max(1.0, check.timeout_s));
  r.evidence.push_back({on_node_text(plan, check.node, argv), run.output, run.exit_code, run.seconds});
  std::string why;
  if (run.timed_out) why = "timed out";
  if (run.interrupted) why = "interrupted";
  if (why.empty() && check.exit_code && run.exit_code != *check.exit_code)
    why = "exit code " + std::to_string(run.exit_code) + ", expected " + std::to_string(*check.exit_code);
  if (why.empty() && check.output_regex &&
      !std::regex_search(run.output, std::regex(*check.output_regex, std::regex::extended)))
    why = "output does not match /" + *check.output_regex + "/";
  r.status = why.empty() ? CheckStatus::Passed : CheckStatus::Failed;
  r.message = why.empty() ? "exit code " + std::to_string(run.exit_code) +
                                (check.output_regex ? ", output matches /" + *check.output_regex + "/" : "")
                          : why;
  return r;
}

}  // namespace netrig
