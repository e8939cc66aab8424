#include "checks/actions.h"

#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <stdexcept>
#include <thread>

#include "drivers/interrupt.h"
#include "drivers/link_state.h"
#include "drivers/netem.h"
#include "drivers/node_exec.h"
#include "drivers/process.h"
#include "drivers/service.h"
#include "plan/endpoints.h"
#include "plan/impairment.h"

namespace netrig {
namespace {

using clock_type = std::chrono::steady_clock;

// The device carrying a link end; run_action turns the throw into an Error result.
auto link_end_device(const Plan& plan, const std::string& end) {
  auto dev = resolve_endpoint(plan, end);
  if (!dev) throw std::runtime_error("the plan has no link end '" + end + "'");
  return *dev;
}

CheckResult link_action(const Plan& plan, const ActionSpec& a) {
  CheckResult r;
  const auto dev = link_end_device(plan, a.target);
  const char* state = a.up ? "up" : "down";
  const auto where = dev.netns.empty() ? std::string("the host") : "namespace " + dev.netns;
  const auto start = clock_type::now();
  set_link_state(dev.netns, dev.device, a.up);
  r.evidence.push_back({"ip " + (dev.netns.empty() ? "" : "-n " + dev.netns + " ") + "link set " + dev.device + " " +
                            state + "   (rtnetlink RTM_NEWLINK, IFF_UP " + (a.up ? "set" : "cleared") + ")",
                        "", 0, std::chrono::duration<double>(clock_type::now() - start).count()});
  r.target = (dev.netns.empty() ? "" : dev.netns + ":") + dev.device;
  r.status = CheckStatus::Passed;
  r.message = "device " + dev.device + " in " + where + " set " + state;
  return r;
}

// impair: netem on the link end's egress (or removed again). A kernel without netem makes the action
// skipped with the reason, and the sequence skips what follows (checks/sequence.cc): a check meant
// to run over an impaired link never passes over an unimpaired one.
CheckResult impair_action(const Plan& plan, const ActionSpec& a) {
  CheckResult r;
  const auto dev = link_end_device(plan, a.target);
  const auto tc = netem_tc_command(dev.netns, dev.device, a.impair);
  r.target = (dev.netns.empty() ? "" : dev.netns + ":") + dev.device;
  const auto start = clock_type::now();
  try {
    apply_impairment(dev.netns, dev.device, a.impair);
    r.status = CheckStatus::Passed;
    r.message = a.impair.clear ? "impairment of " + dev.device + " removed" : "netem on " + dev.device;
  } catch (const NetemUnavailable& e) {
    r.status = CheckStatus::Skipped;
    r.message = e.what();
  }
  r.evidence.push_back({tc + "   (rtnetlink RTM_NEWQDISC / RTM_DELQDISC)", "", 0,
                        std::chrono::duration<double>(clock_type::now() - start).count()});
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

// service: stopped (SIGTERM to its process group, by the PID netrig recorded) or started again.
CheckResult service_action(const Plan& plan, const ActionSpec& a) {
  CheckResult r;
  const auto colon = a.target.find(':');
  const auto node = a.target.substr(0, colon), name = a.target.substr(colon + 1);
  const auto* n = plan.topology.find_node(node);
  const ServiceSpec* spec = nullptr;
  if (n)
    for (const auto& sv : n->services)
      if (sv.name == name) spec = &sv;
  if (!spec) {
    r.status = CheckStatus::Error;
    r.message = "the lab has no service '" + a.target + "'";
    return r;
  }
  r.target = plan.netns_of(node);
  const auto start = clock_type::now();
  try {
    if (a.up) {
      if (auto pid = service_pid(plan, node, name)) {
        r.status = CheckStatus::Failed;
        r.message = "service " + a.target + " is already running (PID " + std::to_string(*pid) + ")";
        return r;
      }
      pid_t pid = start_service(plan, node, *spec);
      r.evidence.push_back({describe_action(plan, a), "PID " + std::to_string(pid), 0,
                            std::chrono::duration<double>(clock_type::now() - start).count()});
      r.status = CheckStatus::Passed;
      r.message = "service " + a.target + " started, PID " + std::to_string(pid);
      return r;
    }
    auto stopped = stop_service(plan, node, name);
    if (stopped.pid < 0) {
      r.status = CheckStatus::Failed;
      r.message = "service " + a.target + " is not running";
      return r;
    }
    r.evidence.push_back({"kill -TERM -" + std::to_string(stopped.group) + "   (the process group of PID " +
                              std::to_string(stopped.pid) + ", from its PID file)",
                          stopped.killed ? "SIGKILL after the grace time" : "", 0,
                          std::chrono::duration<double>(clock_type::now() - start).count()});
    r.status = CheckStatus::Passed;
    r.message = "service " + a.target + " (PID " + std::to_string(stopped.pid) + ") stopped" +
                (stopped.killed ? " with SIGKILL" : "");
  } catch (const std::exception& e) {
    r.status = CheckStatus::Failed;
    r.message = e.what();
  }
  return r;
}

}  // namespace

const std::vector<ActionRunner>& action_runners() {
  static const std::vector<ActionRunner> table = {
      {"link", &link_action}, {"impair", &impair_action},   {"sleep", &sleep_action},
      {"exec", &exec_action}, {"service", &service_action},
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
