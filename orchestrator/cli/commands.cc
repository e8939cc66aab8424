#include "cli/commands.h"

#include <net/if.h>
#include <sched.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <csignal>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <iomanip>
#include <iostream>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <sstream>

#include "checks/runner.h"
#include "cli/default_topology.h"
#include "cli/event_sink.h"
#include "cli/file_order.h"
#include "cli/graph_render.h"
#include "cli/local_exec.h"
#include "cli/progress.h"
#include "cli/vm_commands.h"
#include "drivers/container.h"
#include "drivers/deployer.h"
#include "drivers/dhcp.h"
#include "drivers/doctor.h"
#include "drivers/interrupt.h"
#include "drivers/lab_state.h"
#include "drivers/netlink.h"
#include "drivers/netns.h"
#include "drivers/node_exec.h"
#include "drivers/ovs.h"
#include "model/names.h"
#include "model/parser.h"
#include "plan/dry_run.h"
#include "plan/endpoints.h"
#include "reports/graph.h"
#include "reports/lab_checks.h"
#include "reports/lab_status.h"
#include "reports/report.h"

namespace netrig {
namespace {

using clock_type = std::chrono::steady_clock;
using nlohmann::json;

double since(clock_type::time_point start) { return std::chrono::duration<double>(clock_type::now() - start).count(); }

struct Loaded {
  Topology topology;
  std::string text;
  std::string tests_file;  // --tests, absolute
  std::string tests_text;
};

// "file:line:col: warning: ..." for what the file asks and netrig does not do.
void print_warnings(const Topology& topo) {
  for (const auto& w : topo.warnings) {
    std::cerr << w.file;
    if (w.pos.line > 0) std::cerr << ":" << w.pos.line << ":" << w.pos.col;
    std::cerr << ": warning: " << w.message << "\n";
    if (!w.hint.empty()) std::cerr << "  hint: " << w.hint << "\n";
  }
}

// Reads and validates the topology; on errors prints them all (and hands them to `diagnostics`,
// when given) and returns nullopt.
std::optional<Loaded> load(const CommonOptions& o, std::vector<Diagnostic>* diagnostics = nullptr) {
  Loaded loaded;
  std::string file = o.file.empty() ? kDefaultTopologyName : o.file;
  if (o.file.empty()) {
    loaded.text = kDefaultTopology;
  } else {
    std::ifstream in(o.file);
    if (!in) {
      Diagnostic d{o.file,
                   {},
                   std::string("cannot read the topology file: ") + std::strerror(errno),
                   "check the path; `netrig validate` with no file checks the built-in default lab"};
      std::cerr << o.file << ": error: " << d.message << "\n  hint: " << d.hint << "\n";
      if (diagnostics) diagnostics->push_back(d);
      return std::nullopt;
    }
    std::stringstream s;
    s << in.rdbuf();
    loaded.text = s.str();
  }
  ParseOptions options{o.name};
  if (!o.tests.empty()) {
    std::ifstream in(o.tests);
    if (!in) {
      Diagnostic d{
          o.tests, {}, std::string("cannot read the tests overlay: ") + std::strerror(errno), "check the path"};
      std::cerr << o.tests << ": error: " << d.message << "\n  hint: " << d.hint << "\n";
      if (diagnostics) diagnostics->push_back(d);
      return std::nullopt;
    }
    std::stringstream s;
    s << in.rdbuf();
    loaded.tests_file = options.tests_file = std::filesystem::absolute(o.tests).lexically_normal().string();
    loaded.tests_text = options.tests_text = s.str();
  }
  try {
    loaded.topology = parse_topology(loaded.text, file, options);
    print_warnings(loaded.topology);
    // Flows are OVS's language: ovs-ofctl itself checks them, before anything is deployed.
    if (auto flows = check_ovs_flows(loaded.topology); !flows.empty()) throw TopologyError(flows, loaded.text);
  } catch (const TopologyError& e) {
    if (diagnostics) *diagnostics = e.diagnostics();
    std::cerr << e.render();
    std::cerr << e.diagnostics().size() << " error" << (e.diagnostics().size() == 1 ? "" : "s")
              << "; nothing was changed on this host\n";
    return std::nullopt;
  }
  return loaded;
}

}  // namespace

bool require_root() {
  if (geteuid() == 0) return true;
  std::cerr << "netrig: error: deploying a lab needs root (network namespaces and links)\n"
            << "  hint: run it with sudo; `netrig doctor` shows what this host supports\n";
  return false;
}

// Loads a deployed lab's plan from the copy of its topology kept in its state directory.
std::optional<Plan> deployed_plan(const std::string& lab) {
  if (!lab_exists(lab)) {
    std::cerr << "netrig: error: no lab named '" << lab << "' is deployed\n";
    auto labs = list_labs();
    if (!labs.empty()) {
      auto hint = did_you_mean(lab, labs);
      std::cerr << "  hint: " << (hint.empty() ? "deployed labs: " : hint);
      if (hint.empty())
        for (const auto& l : labs) std::cerr << l << " ";
      std::cerr << "\n";
    }
    return std::nullopt;
  }
  auto meta = read_lab_meta(lab);
  auto text = read_lab_topology(lab);
  ParseOptions options{lab};
  if (auto overlay = read_lab_tests_overlay(lab)) {
    options.tests_file = overlay->file;
    options.tests_text = overlay->text;
  }
  try {
    return make_plan(parse_topology(text, meta ? meta->file : lab, options));
  } catch (const TopologyError& e) {
    std::cerr << "netrig: error: the stored topology of lab '" << lab << "' does not parse: " << e.what() << "\n";
    return std::nullopt;
  }
}

namespace {

// Why a deploy did not happen, and the exit code that says so.
struct DeployFailure {
  std::string why;
  int exit_code;
};

// Deploys; on failure prints why and returns it (everything made so far is gone by then): 128+N
// for a signal, 5 for a deploy-time exec: that failed, 4 for a lab of that name deployed meanwhile
// (two deploys at once: the state directory is claimed atomically, one wins), 3 otherwise.
std::optional<DeployFailure> deploy_plan(const Plan& plan, const CommonOptions& o, const Loaded& loaded,
                                         Progress& progress) {
  DeployOptions options;
  options.workers = o.workers;
  options.topology_text = loaded.text;
  options.tests_file = loaded.tests_file;
  options.tests_text = loaded.tests_text;
  std::mutex failed_mutex;
  std::optional<StepKind> failed_kind;
  options.on_step = [&](const Step& step, StepEvent event, const std::string& error) {
    progress.step(step, event, error);
    emit_step_event(plan.topology.name, step, event, error);
    std::lock_guard lock(failed_mutex);
    if (event == StepEvent::Failed && !failed_kind) failed_kind = step.kind;
  };
  auto code = [&] {
    return interrupted()                      ? kExitSignalBase + interrupt_signal()
           : failed_kind == StepKind::RunExec ? kExitDeployExec
                                              : kExitEnvironment;
  };
  try {
    deploy(plan, options);
  } catch (const LabExistsError& e) {
    progress.finish();
    std::cerr << "netrig: error: " << e.what() << "\n"
              << "  hint: another netrig deployed it meanwhile; or run a copy beside it with --name\n";
    return DeployFailure{e.what(), kExitLabExists};
  } catch (const DeployError& e) {
    progress.finish();
    std::cerr << "netrig: error: deploy of lab '" << plan.topology.name << "' failed at " << e.what() << "\n"
              << "  everything created so far has been removed\n";
    return DeployFailure{e.what(), code()};
  } catch (const std::exception& e) {
    progress.finish();
    std::cerr << "netrig: error: " << e.what() << "\n";
    return DeployFailure{e.what(), code()};
  }
  progress.finish();
  return std::nullopt;
}

// The files --junit and --json-report ask for.
void write_report_files(const TestRun& run, const CommonOptions& o) {
  if (!o.junit.empty()) {
    std::ofstream out(o.junit);
    // GitLab resolves [[ATTACHMENT|path]] against $CI_PROJECT_DIR; elsewhere, relative to where
    // netrig ran (the CI job's working directory).
    const char* project = std::getenv("CI_PROJECT_DIR");
    out << junit_report(run, project && *project ? std::string(project) : std::filesystem::current_path().string());
    if (!out) std::cerr << "netrig: warning: cannot write " << o.junit << "\n";
  }
  if (!o.json_report.empty()) {
    std::ofstream out(o.json_report);
    out << json_report_text(run);
    if (!out) std::cerr << "netrig: warning: cannot write " << o.json_report << "\n";
  }
}

// Runs the lab's tests: block into run (results, check_seconds), printing each line as it finishes
// unless the output is JSON, and sending each result to serve's event stream when it asked.
void run_lab_checks(const Plan& plan, const CommonOptions& o, TestRun& run) {
  const bool json_out = o.output == "json";
  auto start = clock_type::now();
  CheckOptions check_options;
  check_options.parallel = o.parallel;
  check_options.artifacts_dir =
      std::filesystem::absolute(o.artifacts.empty() ? std::filesystem::path("netrig-artifacts") / run.lab
                                                    : std::filesystem::path(o.artifacts))
          .string();
  FileOrderPrinter printer(plan.topology, [](const std::string& text) { std::cout << text << std::flush; });
  check_options.on_result = [&](const CheckResult& r) {
    emit_check_event(run.lab, r);
    if (!json_out) printer.add(r);
  };
  // Also after a signal: each check not run then is reported as such, none is left out.
  run.results = run_checks(plan, check_options);
  if (!json_out) printer.flush();
  run.check_seconds = since(start);
}

}  // namespace

int exec_in_node(const CommonOptions& o, const std::string& node, const std::vector<std::string>& cmd);

namespace {
std::atomic<int> first_signal{0};
}

int interrupt_signal() { return first_signal.load(); }

void install_interrupt_handlers(bool catch_sigpipe) {
  struct sigaction sa {};
  sa.sa_handler = [](int signo) {
    int none = 0;
    interrupted() = true;
    if (first_signal.compare_exchange_strong(none, signo) || signo == SIGPIPE) return;
    // A second Ctrl-C does not cut the clean-up short (a half-destroyed lab is worse than a slow
    // exit): say so, with the way out. write(2) is async-signal-safe; iostreams are not.
    static const char kMessage[] =
        "netrig: still cleaning up; it exits once the lab is destroyed (kill -9 stops it at once, then run "
        "`netrig destroy LAB`)\n";
    [[maybe_unused]] auto n = write(STDERR_FILENO, kMessage, sizeof kMessage - 1);
  };
  sigemptyset(&sa.sa_mask);
  // SIGPIPE too: `netrig test lab.yaml | head -1` must destroy the lab, not die with it deployed
  // (a write to the closed pipe then fails with EPIPE, and the run winds down as for Ctrl-C).
  for (int signo : {SIGINT, SIGTERM, SIGHUP}) sigaction(signo, &sa, nullptr);
  if (catch_sigpipe) sigaction(SIGPIPE, &sa, nullptr);
}

int cmd_validate(const CommonOptions& o) {
  std::vector<Diagnostic> diagnostics;
  auto loaded = load(o, &diagnostics);
  if (!loaded) {
    // The same diagnostic objects as the JSON report's (docs/report-format.md).
    if (o.output == "json")
      std::cout << json{{"file", o.file.empty() ? kDefaultTopologyName : o.file},
                        {"valid", false},
                        {"diagnostics", diagnostics_json(diagnostics)}}
                       .dump(2)
                << "\n";
    return kExitBadInput;
  }
  const auto& t = loaded->topology;
  if (o.output == "json") {
    json j = {{"file", o.file.empty() ? kDefaultTopologyName : o.file},
              {"lab", t.name},
              {"valid", true},
              {"diagnostics", json::array()},
              {"nodes", t.nodes.size()},
              {"links", t.links.size()},
              {"tests", t.checks.size()},
              {"actions", t.actions.size()}};
    if (t.containerlab) j["containerlab"] = true;
    if (!t.warnings.empty()) {  // what the file asks and netrig does not do (containerlab keys)
      j["warnings"] = json::array();
      for (const auto& w : t.warnings)
        j["warnings"].push_back(
            {{"file", w.file}, {"line", w.pos.line}, {"column", w.pos.col}, {"message", w.message}, {"hint", w.hint}});
    }
    std::cout << j.dump(2) << "\n";
  } else {
    std::cout << (o.file.empty() ? kDefaultTopologyName : o.file) << ": lab '" << t.name
              << "' is valid: " << t.nodes.size() << " nodes, " << t.links.size() << " links, " << t.checks.size()
              << " tests" << (t.actions.empty() ? "" : ", " + std::to_string(t.actions.size()) + " actions") << "\n";
  }
  return kExitOk;
}

int cmd_plan(const CommonOptions& o) {
  auto loaded = load(o);
  if (!loaded) return kExitBadInput;
  auto plan = make_plan(loaded->topology);
  if (o.output == "json")
    std::cout << plan_json(plan).dump(2) << "\n";
  else
    std::cout << plan_text(plan);
  return kExitOk;
}

int cmd_deploy(const CommonOptions& o) {
  auto loaded = load(o);
  if (!loaded) return kExitBadInput;
  if (!require_root()) return kExitEnvironment;
  auto plan = make_plan(loaded->topology);
  if (lab_exists(plan.topology.name)) {
    std::cerr << "netrig: error: a lab named '" << plan.topology.name << "' is already deployed\n"
              << "  hint: remove it (netrig destroy " << plan.topology.name
              << "), or deploy a copy beside it with --name\n";
    return kExitLabExists;
  }
  Progress progress(plan.steps, "deploy " + plan.topology.name);
  auto start = clock_type::now();
  if (auto failure = deploy_plan(plan, o, *loaded, progress)) return failure->exit_code;
  std::cout << "lab '" << plan.topology.name << "' deployed: " << plan.steps.size() << " steps in " << std::fixed
            << std::setprecision(3) << since(start) << " s\n";
  return kExitOk;
}

int cmd_inspect(const CommonOptions& o) {
  if (o.lab.empty()) {
    std::vector<LabListEntry> labs;
    for (const auto& l : list_labs()) labs.push_back({l, read_lab_meta(l)});
    if (o.output == "json")
      std::cout << lab_list(labs).dump(2) << "\n";
    else
      std::cout << lab_list_text(labs);
    return kExitOk;
  }
  auto plan = deployed_plan(o.lab);
  if (!plan) return kExitBadInput;
  auto status = lab_status(*plan, observe_lab(*plan, false));
  if (o.output == "json")
    std::cout << status.dump(2) << "\n";
  else
    std::cout << lab_status_text(*plan, status);
  return kExitOk;
}

int cmd_exec(const CommonOptions& o, const std::vector<std::string>& target, const std::vector<std::string>& cmd) {
  if (cmd.empty()) {
    std::cerr << "netrig: error: no command to run\n  hint: netrig exec [LAB:]NODE -- COMMAND [ARGS...]\n";
    return kExitBadInput;
  }
  if (!require_root()) return kExitEnvironment;
  // LAB NODE, LAB:NODE, or NODE when exactly one lab is deployed.
  std::string lab = o.lab, node;
  if (target.size() == 2) {
    lab = target[0];
    node = target[1];
  } else if (auto colon = target[0].find(':'); colon != std::string::npos) {
    lab = target[0].substr(0, colon);
    node = target[0].substr(colon + 1);
  } else {
    node = target[0];
    auto labs = list_labs();
    if (labs.size() != 1) {
      std::cerr << "netrig: error: " << (labs.empty() ? "no lab is deployed" : "several labs are deployed") << "\n";
      if (!labs.empty()) {
        std::cerr << "  hint: name the lab: netrig exec LAB:" << node << " -- ...; deployed:";
        for (const auto& l : labs) std::cerr << " " << l;
        std::cerr << "\n";
      }
      return kExitBadInput;
    }
    lab = labs[0];
  }
  CommonOptions with_lab = o;
  with_lab.lab = lab;
  return exec_in_node(with_lab, node, cmd);
}

int exec_in_node(const CommonOptions& o, const std::string& node, const std::vector<std::string>& cmd) {
  auto plan = deployed_plan(o.lab);
  if (!plan) return kExitBadInput;
  const auto* spec = plan->topology.find_node(node);
  // The switches' namespace, with the OVS tools pointed at the lab's switches (as exec checks on an
  // ovs switch).
  // An ovs switch on a host: that host's namespace and OVS.
  if (spec && spec->kind == NodeKind::Ovs && !spec->host.empty()) return exec_in_node(o, spec->host, cmd);
  if (node == kLocalHost || (spec && spec->kind == NodeKind::Ovs)) return exec_in_local_host(*plan, cmd);
  if (spec && spec->kind == NodeKind::Vm) return exec_in_vm(*plan, node, cmd);
  if (!spec || !in_own_netns(spec->kind)) {
    std::vector<std::string> names;
    for (const auto& n : plan->topology.nodes)
      if (n.kind != NodeKind::Bridge) names.push_back(n.name);
    std::cerr << "netrig: error: lab '" << o.lab << "' has no netns, container, vm or ovs node '" << node << "'\n";
    auto hint = did_you_mean(node, names);
    if (!hint.empty()) std::cerr << "  hint: " << hint << "\n";
    return kExitBadInput;
  }
  // Become the command, inside the node: stdin/stdout stay the terminal's.
  int fd = open_netns(plan->netns_of(node));
  if (setns(fd, CLONE_NEWNET) != 0) {
    std::cerr << "netrig: error: setns: " << std::strerror(errno) << "\n";
    return kExitEnvironment;
  }
  if (spec->is_host)  // a host's switches: the OVS tools pointed at its own daemons
    for (const auto& kv : local_host_env(*plan, node)) {
      auto eq = kv.find('=');
      setenv(kv.substr(0, eq).c_str(), kv.substr(eq + 1).c_str(), 1);
    }
  std::vector<std::string> words = cmd;
  if (spec->kind == NodeKind::Container) {  // into the container's mount, PID, UTS and IPC namespaces
    try {
      words = in_container(*plan, node, cmd);
    } catch (const std::exception& e) {
      std::cerr << "netrig: error: " << e.what() << "\n";
      return kExitEnvironment;
    }
  }
  std::vector<char*> argv;
  for (const auto& c : words) argv.push_back(const_cast<char*>(c.c_str()));
  argv.push_back(nullptr);
  execvp(argv[0], argv.data());
  std::cerr << "netrig: error: cannot run " << cmd[0] << ": " << std::strerror(errno) << "\n";
  return 127;
}

namespace {

int signal_exit() { return kExitSignalBase + interrupt_signal(); }

// Ends `netrig test` before the checks' verdict: the reports CI asked for still say why, as one
// errored test case.
int stop_test(TestRun& run, const CommonOptions& o, int code, const std::string& case_name, const std::string& why) {
  run.exit_code = code;
  run.stopped_because = why;
  add_stop_result(run, case_name, why);
  write_report_files(run, o);
  if (o.output == "json") std::cout << json_report_text(run) << std::flush;
  return code;
}

std::string host_name() {
  char name[256] = {};
  return gethostname(name, sizeof name - 1) == 0 ? name : "";
}

}  // namespace

int cmd_test(const CommonOptions& o) {
  TestRun run;
  run.file = o.file.empty() ? kDefaultTopologyName : o.file;
  run.lab = o.name.empty() ? std::filesystem::path(run.file).stem().string() : o.name;
  run.host = host_name();
  run.started = std::chrono::system_clock::now();
  auto loaded = load(o, &run.diagnostics);
  if (!loaded)
    return stop_test(
        run, o, kExitBadInput, "validate " + run.file,
        run.file + " is not a valid topology (see `netrig validate " + run.file + "`); nothing was changed");
  auto plan = make_plan(loaded->topology);
  run.lab = plan.topology.name;
  if (plan.topology.checks.empty() && !o.allow_no_checks) {
    std::cerr << run.file << ": error: lab '" << run.lab << "' has no tests: block, so there is nothing to check\n"
              << "  hint: add checks under tests:, or pass --allow-no-checks to deploy and destroy it anyway\n";
    return stop_test(run, o, kExitNoChecks, "tests of " + run.lab, "the file has no tests: block; nothing was checked");
  }
  if (!require_root()) return stop_test(run, o, kExitEnvironment, "deploy " + run.lab, "deploying a lab needs root");
  if (lab_exists(run.lab)) {
    std::cerr << "netrig: error: a lab named '" << run.lab << "' is already deployed\n"
              << "  hint: remove it (netrig destroy " << run.lab << "), or run a copy beside it with --name\n";
    return stop_test(run, o, kExitLabExists, "deploy " + run.lab, "a lab named '" + run.lab + "' is already deployed");
  }
  if (interrupted())
    return stop_test(run, o, signal_exit(), "deploy " + run.lab,
                     std::string("stopped by ") + strsignal(interrupt_signal()) + " before the deploy");

  Progress progress(plan.steps, "deploy " + run.lab);
  auto start = clock_type::now();
  if (auto failure = deploy_plan(plan, o, *loaded, progress)) {
    // Everything made so far is gone; CI still gets its reports.
    run.deploy_seconds = since(start);
    return stop_test(run, o, failure->exit_code, "deploy " + run.lab, failure->why);
  }
  run.deploy_seconds = since(start);
  const bool json_out = o.output == "json";
  if (!json_out)
    std::cout << "lab '" << run.lab << "' deployed in " << std::fixed << std::setprecision(3) << run.deploy_seconds
              << " s; running " << plan.topology.checks.size()
              << (plan.topology.checks.size() == 1 ? " check" : " checks")
              << (plan.topology.actions.empty() ? ""
                                                : " and " + std::to_string(plan.topology.actions.size()) +
                                                      (plan.topology.actions.size() == 1 ? " action" : " actions"))
              << "\n"
              << std::flush;

  run_lab_checks(plan, o, run);

  // A signal ends in a clean destroy even with --keep: nobody is there to use the lab.
  const bool keep = o.keep && !interrupted();
  if (!keep) {
    if (!json_out && interrupted())
      std::cerr << "netrig: " << strsignal(interrupt_signal()) << ": destroying lab '" << run.lab << "'\n";
    start = clock_type::now();
    destroy_lab(run.lab);
    run.destroy_seconds = since(start);
  }
  run.exit_code = interrupted() ? signal_exit() : run.all_passed() ? kExitOk : kExitCheckFailed;
  if (interrupted()) run.stopped_because = std::string("stopped by ") + strsignal(interrupt_signal());
  if (keep) save_lab_checks(run);  // serve's labs/{lab}/checks shows them
  if (json_out) {
    std::cout << json_report_text(run);
  } else {
    std::cout << text_summary(run);
    if (keep) std::cout << "lab '" << run.lab << "' kept; remove it with: netrig destroy " << run.lab << "\n";
  }
  std::cout << std::flush;
  write_report_files(run, o);
  return run.exit_code;
}

int cmd_check(const CommonOptions& o) {
  if (!require_root()) return kExitEnvironment;
  auto plan = deployed_plan(o.lab);
  if (!plan) return kExitBadInput;
  if (!o.only.empty()) {
    if (!plan->topology.actions.empty()) {
      std::cerr << "netrig: error: lab '" << o.lab << "' has actions between its checks; --only cannot split them\n"
                << "  hint: run them all: netrig check " << o.lab << "\n";
      return kExitBadInput;
    }
    std::erase_if(plan->topology.checks, [&](const CheckSpec& c) { return to_string(c.type) != o.only; });
    if (plan->topology.checks.empty()) {
      std::cerr << "netrig: error: lab '" << o.lab << "' has no checks of type '" << o.only << "'\n";
      return kExitBadInput;
    }
  }
  TestRun run;
  run.lab = plan->topology.name;
  auto meta = read_lab_meta(o.lab);
  run.file = meta ? meta->file : o.lab;
  run.host = host_name();
  run.started = std::chrono::system_clock::now();
  if (o.output != "json")
    std::cout << "lab '" << run.lab << "': running " << plan->topology.checks.size() << " checks\n" << std::flush;
  run_lab_checks(*plan, o, run);
  run.exit_code = interrupted() ? signal_exit() : run.all_passed() ? kExitOk : kExitCheckFailed;
  if (interrupted()) run.stopped_because = std::string("stopped by ") + strsignal(interrupt_signal());
  if (!save_lab_checks(run)) std::cerr << "netrig: warning: lab '" << run.lab << "' is gone; results not kept\n";
  if (o.output == "json") {
    std::cout << json_report_text(run);
  } else {
    for (const auto& r : run.results)
      if ((r.status == CheckStatus::Failed || r.status == CheckStatus::Error) && r.table.empty())
        std::cout << text_details(r);
    std::cout << text_summary(run);
  }
  write_report_files(run, o);
  return run.exit_code;
}

int cmd_destroy(const CommonOptions& o) {
  if (!require_root()) return kExitEnvironment;
  std::vector<std::string> labs;
  if (o.all) {
    labs = list_labs();
  } else if (!o.lab.empty()) {
    std::string lab = o.lab;
    // A topology file names its lab.
    if (!lab_exists(lab) && std::filesystem::is_regular_file(lab)) {
      CommonOptions file_options = o;
      file_options.file = lab;
      auto loaded = load(file_options);
      if (!loaded) return kExitBadInput;
      lab = loaded->topology.name;
    }
    if (!lab_exists(lab)) {
      std::cerr << "netrig: nothing to destroy: no lab named '" << lab << "' is deployed\n";
      return kExitOk;
    }
    labs.push_back(lab);
  } else {
    std::cerr << "netrig: error: name a lab (or its topology file), or pass --all\n";
    return kExitBadInput;
  }
  int rc = kExitOk;
  for (const auto& lab : labs) {
    auto start = clock_type::now();
    auto report = destroy_lab(lab);
    if (!report.incomplete.empty()) {
      std::cerr << "netrig: error: lab '" << lab << "' not completely destroyed: " << report.incomplete << "\n";
      rc = kExitEnvironment;
      continue;
    }
    std::cout << "lab '" << lab << "' destroyed: " << report.namespaces << " namespaces, " << report.processes
              << " processes";
    if (report.ovs_bridges)
      std::cout << ", " << report.ovs_bridges << (report.ovs_bridges == 1 ? " bridge" : " bridges")
                << " of the system's Open vSwitch";
    if (report.host_devices)
      std::cout << ", " << report.host_devices << (report.host_devices == 1 ? " host device" : " host devices");
    std::cout << " in " << std::fixed << std::setprecision(3) << since(start) << " s\n";
    for (const auto& ns : report.foreign_namespaces)
      std::cerr << "netrig: note: namespace '" << ns << "' is not lab '" << lab
                << "''s (it lacks the lab's mark): left alone\n";
  }
  return rc;
}

int cmd_doctor(const CommonOptions& o) {
  auto caps = probe_host();
  if (o.output == "json") {
    json out = json::array();
    for (const auto& c : caps)
      out.push_back({{"feature", c.feature}, {"available", c.available}, {"detail", c.detail}});
    std::cout << out.dump(2) << "\n";
  } else {
    for (const auto& c : caps)
      std::cout << (c.available ? "  ok   " : "  --   ") << std::left << std::setw(26) << c.feature << c.detail << "\n";
  }
  return geteuid() == 0 ? kExitOk : kExitEnvironment;
}

int cmd_graph(const CommonOptions& o) {
  auto loaded = load(o);
  if (!loaded) return kExitBadInput;
  if (o.format == "mermaid" || o.format == "dot") {
    std::cout << (o.format == "dot" ? dot_graph(loaded->topology) : mermaid_graph(loaded->topology));
    return kExitOk;
  }
  if (o.format == "png" && isatty(STDOUT_FILENO)) {
    std::cerr << "netrig: a PNG is binary; not writing it to the terminal\n  hint: netrig graph -f png "
              << (o.file.empty() ? "" : o.file + " ") << "> lab.png\n";
    return kExitBadInput;
  }
  try {
    std::cout << render_dot(dot_graph(loaded->topology), o.format) << std::flush;
  } catch (const RenderError& e) {
    std::cerr << "netrig: error: " << e.what() << "\n";
    return kExitEnvironment;
  }
  return kExitOk;
}

}  // namespace netrig
