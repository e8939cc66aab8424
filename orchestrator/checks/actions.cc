#include "checks/actions.h"

#include <chrono>
#include <cstdio>
#include <thread>

#include "drivers/interrupt.h"
#include "drivers/link_state.h"
#include "drivers/node_exec.h"
#include "drivers/process.h"
#include "plan/endpoints.h"

namespace netrig {
namespace {

using clock_type = std::chrono::steady_clock;

CheckResult link_action(const Plan& plan, const ActionSpec& a) {
  CheckResult r;
  auto dev = resolve_endpoint(plan, a.target);
  if (!dev) {
    r.status = CheckStatus::Error;
    r.message = "the plan has no link end '" + a.target + "'";
    return r;
  }
  const char* state = a.up ? "up" : "down";
  const auto where = dev->netns.empty() ? std::string("the host") : "namespace " + dev->netns;
  const auto start = clock_type::now();
  set_link_state(dev->netns, dev->device, a.up);
  r.evidence.push_back({"ip " + (dev->netns.empty() ? "" : "-n " + dev->netns + " ") + "link set " + dev->device + " " +
                            state + "   (rtnetlink RTM_NEWLINK, IFF_UP " + (a.up ? "set" : "cleared") + ")",
                        "", 0, std::chrono::duration<double>(clock_type::now() - start).count()});
  r.target = (dev->netns.empty() ? "" : dev->netns + ":") + dev->device;
  r.status = CheckStatus::Passed;
  r.message = "device " + dev->device + " in " + where + " set " + state;
  return r;
}

CheckResult sleep_action(const Plan&, const ActionSpec& a) {
  CheckResult r;
  const auto until =
      clock_type::now() + std::chrono::duration_cast<clock_type::duration>(std::chrono::duration<double>(a.seconds));
  while (clock_type::now() < until && !interrupted())
    std::this_thread::sleep_for(
        std::min<clock_type::duration>(until - clock_type::now(), std::chrono::milliseconds(50)));
  char text[64];
  std::snprintf(text, sizeof text, "slept %g s", a.seconds);
  r.status = interrupted() ? CheckStatus::Error : CheckStatus::Passed;
  r.message = interrupted() ? "interrupted" : text;
  return r;
}

CheckResult exec_action(const Plan& plan, const ActionSpec& a) {
  CheckResult r;
  std::vector<std::string> argv = {"/bin/sh", "-c", a.command};
  auto run = run_on_node(plan, a.target, argv, a.timeout_s);  // a vm node: through its agent
  r.evidence.push_back({on_node_text(plan, a.target, argv), run.output, run.exit_code, run.seconds});
  const int want = a.exit_code.value_or(0);
  std::string why;
  if (run.timed_out) why = "timed out after " + std::to_string(static_cast<int>(a.timeout_s)) + " s";
  if (run.interrupted) why = "interrupted";
  if (why.empty() && run.exit_code != want)
    why = "exit code " + std::to_string(run.exit_code) + ", expected " + std::to_string(want);
  r.status = why.empty() ? CheckStatus::Passed : CheckStatus::Failed;
  r.message = why.empty() ? "exit code " + std::to_string(run.exit_code) : why;
  return r;
}

}  // namespace

const std::vector<ActionRunner>& action_runners() {
  static const std::vector<ActionRunner> table = {
      {"link", &link_action},
      {"sleep", &sleep_action},
      {"exec", &exec_action},
  };
  return table;
}

CheckResult run_action(const Plan& plan, const ActionSpec& action) {
  const auto start = clock_type::now();
  CheckResult r;
  const ActionRunner* runner = nullptr;
  for (const auto& row : action_runners())
    if (action.kind == row.kind) runner = &row;
  try {
    if (!runner) {
      r.status = CheckStatus::Error;
      r.message = "netrig has no runner for action kind '" + action.kind + "'";
    } else {
      r = runner->run(plan, action);
    }
  } catch (const std::exception& e) {
    r.status = CheckStatus::Error;
    r.message = e.what();
  }
  r.name = action.name;
  r.type = action.kind;
  r.step = "action";
  r.node = action.kind == "exec" ? action.target : "";
  if (r.target.empty()) r.target = action.kind == "exec" ? action.command : action.target;
  r.attempts = 1;
  r.seconds = std::chrono::duration<double>(clock_type::now() - start).count();
  return r;
}

}  // namespace netrig
