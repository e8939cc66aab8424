// The CLI's commands. Each returns the process exit code.
#pragma once

#include <algorithm>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "plan/plan.h"

namespace netrig {

// Exit codes: each means one thing (README "Exit codes", kExitCodesText).
constexpr int kExitOk = 0;
constexpr int kExitCheckFailed = 1;   // a check failed or errored
constexpr int kExitBadInput = 2;      // invalid topology file or command line; nothing was changed
constexpr int kExitEnvironment = 3;   // this host cannot run it (not root, a deploy step failed)
constexpr int kExitLabExists = 4;     // a lab of that name is already deployed
constexpr int kExitDeployExec = 5;    // a deploy-time `exec:` of the file failed (the lab was rolled back)
constexpr int kExitNoChecks = 6;      // `netrig test` of a file with no tests: (see --allow-no-checks)
constexpr int kExitSignalBase = 128;  // + the signal: 129 SIGHUP, 130 SIGINT, 141 SIGPIPE, 143 SIGTERM

inline constexpr const char* kExitCodesText =
    "Exit codes:\n"
    "  0    ok: every check passed\n"
    "  1    a check failed or errored\n"
    "  2    invalid topology file or command line (nothing was changed)\n"
    "  3    this host cannot run it (not root, a deploy step failed; rolled back)\n"
    "  4    a lab of that name is already deployed (netrig destroy NAME, or --name)\n"
    "  5    a deploy-time exec: of the file failed (rolled back)\n"
    "  6    netrig test: the file has no tests: (pass --allow-no-checks to accept that)\n"
    "  128+N  stopped by signal N after destroying the lab: 129 SIGHUP, 130 SIGINT, 141 SIGPIPE, 143 SIGTERM\n";

// Deploy steps mostly wait (on the kernel's RCU grace periods, ovs-vsctl until vswitchd applied a
// transaction, runc's children), not compute: 4 per CPU, at least 4, at most 16. Measured by
// tests/bench/workers_sweep.py on 2 CPUs (docs/PERFORMANCE.md): 2 -> 8 workers made an 8-host
// overlay lab deploy 27 % faster and 50 containers 16 %, a star of 50 namespaces the same.
inline int default_workers() {
  const unsigned cpus = std::thread::hardware_concurrency();
  return static_cast<int>(std::clamp(cpus == 0 ? 4u : 4 * cpus, 4u, 16u));
}

struct CommonOptions {
  std::string file;  // "" = the built-in default topology
  std::string name;
  std::string tests;  // --tests OVERLAY.yaml (model/parse_overlay.cc)
  std::string lab;
  std::string output = "text";
  std::string format = "mermaid";
  std::string junit;
  std::string json_report;
  std::string artifacts;            // "" = ./netrig-artifacts/<lab>
  int workers = default_workers();  // 4 per CPU, 4 to 16
  int parallel = 16;
  std::string only;  // check: run only the checks of this type
  bool keep = false;
  bool all = false;
  bool allow_no_checks = false;
};

// SIGINT, SIGTERM, SIGHUP and SIGPIPE set the interrupted flag (drivers/interrupt.h): deploys roll
// back, checks stop, the lab is destroyed, and the command exits 128 + the signal. SIGPIPE only
// where a lab is at stake (test, deploy, destroy): `netrig plan | head` just ends, as any reader.
void install_interrupt_handlers(bool catch_sigpipe);
int interrupt_signal();  // the first signal that arrived, 0 if none

// Root, or an error saying to use sudo (false).
bool require_root();
// A deployed lab's plan, from the copy of its topology in its state directory; nullopt (after an
// error on stderr naming the deployed labs) when there is none.
std::optional<Plan> deployed_plan(const std::string& lab);

int cmd_validate(const CommonOptions& o);
int cmd_plan(const CommonOptions& o);
int cmd_deploy(const CommonOptions& o);
int cmd_inspect(const CommonOptions& o);
int cmd_exec(const CommonOptions& o, const std::vector<std::string>& target, const std::vector<std::string>& cmd);
int cmd_test(const CommonOptions& o);
// Runs a deployed lab's checks again (results also to <state dir>/checks.json and checks.xml).
int cmd_check(const CommonOptions& o);
int cmd_destroy(const CommonOptions& o);
int cmd_doctor(const CommonOptions& o);
int cmd_graph(const CommonOptions& o);
// cli/schema_command.cc: print the topology (or report) JSON Schema.
int cmd_schema(const std::string& which);
// cli/apply.cc: change a running lab's security groups.
int cmd_apply(const CommonOptions& o);

}  // namespace netrig
