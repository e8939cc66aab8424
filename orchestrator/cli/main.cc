// netrig command line. Exit codes: cli/commands.h (kExitCodesText lists them for --help).
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <chrono>
#include <csignal>
#include <fstream>
#include <iostream>
#include <sstream>

#include "api/jobs.h"
#include "api/server.h"
#include "cli/commands.h"
#include "cli/event_sink.h"
#include "cli/set_link.h"
#include "cli/vm_commands.h"
#include "model/diagnostic.h"

namespace {

int run(int argc, char** argv) {
  using namespace netrig;
  CLI::App app{"netrig: topology file -> live virtual network, checked and torn down", "netrig"};
  app.require_subcommand(1);
  app.footer(kExitCodesText);
  app.set_version_flag("--version", "netrig 0.1.0");
  CommonOptions common;

  auto add_file = [&](CLI::App* cmd, bool required) {
    auto* opt = cmd->add_option("file", common.file, "topology file (default: the built-in default lab)");
    if (required) opt->required();
    cmd->add_option("--name", common.name, "lab name (overrides the file's name:, to run a copy beside it)");
    cmd->add_option("--tests", common.tests,
                    "tests overlay: a YAML file whose tests: (and images: stand-ins) are added to the topology's, "
                    "which stays unchanged (e.g. a containerlab file)");
  };
  auto add_output = [&](CLI::App* cmd) {
    cmd->add_option("-o,--output", common.output, "text or json")->check(CLI::IsMember({"text", "json"}));
  };

  auto* validate = app.add_subcommand("validate", "check a topology file; changes nothing");
  add_file(validate, false);
  add_output(validate);

  auto* plan = app.add_subcommand("plan", "list the steps a deploy would run (dry run)");
  add_file(plan, false);
  add_output(plan);

  auto* deploy = app.add_subcommand("deploy", "create the lab");
  add_file(deploy, false);
  deploy->add_option("--workers", common.workers, "parallel deploy workers (default: 4 per CPU, 4 to 16)")
      ->check(CLI::Range(1, 64));

  api::ServeOptions serve_options;
  auto add_serve = [&](CLI::App* cmd) {
    cmd->add_option("--listen", serve_options.listen, "HOST:PORT to listen on (default 127.0.0.1:8787: loopback only)");
    cmd->add_option("--token-file", serve_options.token_file,
                    "file (mode 0600) holding the bearer token every POST/DELETE needs; without it serve is read-only");
    cmd->add_option("--cors-origin", serve_options.cors_origin, "send Access-Control-Allow-Origin for this origin");
    cmd->add_option("--poll-interval", serve_options.poll_interval_s, "seconds between status/counter refreshes")
        ->check(CLI::Range(0.05, 60.0));
    cmd->add_option("--threads", serve_options.threads, "HTTP workers kept ready (more start as connections need them)")
        ->check(CLI::Range(1, 256));
    cmd->add_option("--max-threads", serve_options.max_threads,
                    "the most HTTP workers (each open connection, e.g. an event stream, holds one)")
        ->check(CLI::Range(2, 4096));
    cmd->add_option("--topologies", serve_options.topology_dirs,
                    "directory whose topology files POST /api/v1/labs may deploy by name (repeatable)");
    cmd->add_flag("--allow-posted-topologies", serve_options.allow_posted_topologies,
                  "let POST /api/v1/labs carry the topology itself: its exec: commands run as root here");
    cmd->add_option("--jobs-dir", serve_options.jobs_dir,
                    "where job records are kept (default /run/netrig-serve/jobs)");
  };
  bool deploy_serve = false;
  deploy->add_flag("--serve", deploy_serve, "after the deploy, serve the HTTP status API (see serve)");
  add_serve(deploy);
  auto* serve = app.add_subcommand("serve", "HTTP status API and live page for the deployed labs");
  add_serve(serve);

  auto* inspect = app.add_subcommand("inspect", "show deployed labs, or one lab's nodes and devices");
  inspect->add_option("lab", common.lab, "lab name");
  add_output(inspect);

  auto* exec = app.add_subcommand(
      "exec",
      "run a command inside a node: netrig exec [LAB:]NODE -- CMD... (or LAB NODE -- CMD...); NODE 'local' is "
      "the lab's switch namespace, with OVS_RUNDIR set for ovs-vsctl/ovs-ofctl/ovs-appctl");
  std::vector<std::string> exec_target;
  exec->add_option("target", exec_target, "[LAB:]NODE, or LAB NODE; the lab may be left out when only one is deployed")
      ->required()
      ->expected(1, 2);
  // Everything after `--` is the command, untouched by option parsing.
  std::vector<std::string> exec_cmd;
  for (int i = 1; i < argc; ++i) {
    if (std::string(argv[i]) != "--") continue;
    exec_cmd.assign(argv + i + 1, argv + argc);
    argc = i;
    break;
  }

  auto* test = app.add_subcommand("test", "deploy, run the tests: block, destroy; exit 0 only if all pass");
  add_file(test, false);
  add_output(test);
  test->add_flag("--keep", common.keep, "leave the lab running after the checks");
  test->add_option("--junit", common.junit, "write a JUnit XML report to this file");
  test->add_option("--json-report", common.json_report, "write the JSON report to this file");
  test->add_option("--artifacts", common.artifacts,
                   "directory for capture pcaps (default ./netrig-artifacts/<lab>; kept after destroy)");
  test->add_option("--workers", common.workers, "parallel deploy workers (default: 4 per CPU, 4 to 16)")
      ->check(CLI::Range(1, 64));
  test->add_option("--parallel", common.parallel, "checks run at once")->check(CLI::Range(1, 256));
  test->add_flag("--allow-no-checks", common.allow_no_checks,
                 "deploy and destroy a file with no tests: and exit 0 (without it: exit 6)");

  auto* check = app.add_subcommand("check", "run a deployed lab's tests: block again; results kept in its state dir");
  check->add_option("lab", common.lab, "lab name")->required();
  add_output(check);
  check->add_option("--junit", common.junit, "write a JUnit XML report to this file");
  check->add_option("--json-report", common.json_report, "write the JSON report to this file");
  check->add_option("--artifacts", common.artifacts, "directory for capture pcaps (default ./netrig-artifacts/<lab>)");
  check->add_option("--only", common.only, "run only the checks of this type (ping, connect, ...)");
  check->add_option("--parallel", common.parallel, "checks run at once")->check(CLI::Range(1, 256));

  auto* destroy = app.add_subcommand("destroy", "remove a lab (by name or file), or every lab with --all");
  destroy->add_option("lab", common.lab, "lab name or topology file");
  destroy->add_flag("--all", common.all, "destroy every lab netrig has deployed");

  auto* set_link = app.add_subcommand(
      "set-link", "set a running lab's link end down/up or impair it with netem: netrig set-link [LAB:]NODE:IFACE ...");
  SetLinkOptions set_link_options;
  set_link
      ->add_option("end", set_link_options.target,
                   "LAB:NODE:IFACE, LAB:BRIDGE:NODE:IFACE (LAB: may go when one lab runs)")
      ->required();
  set_link->add_flag_function(
      "--down", [&](int64_t) { set_link_options.up = false; }, "clear IFF_UP on the device");
  set_link->add_flag_function(
      "--up", [&](int64_t) { set_link_options.up = true; }, "set IFF_UP again");
  set_link->add_option("--delay", set_link_options.delay, "netem delay, e.g. 50ms");
  set_link->add_option("--jitter", set_link_options.jitter, "netem jitter around the delay, e.g. 5ms");
  set_link->add_option("--loss", set_link_options.loss, "netem loss, e.g. 1%");
  set_link->add_option("--duplicate", set_link_options.duplicate, "netem duplication, e.g. 1%");
  set_link->add_option("--reorder", set_link_options.reorder, "netem reordering (needs --delay), e.g. 25%");
  set_link->add_option("--corrupt", set_link_options.corrupt, "netem corruption, e.g. 0.1%");
  set_link->add_flag("--clear", set_link_options.clear, "remove the impairment");

  auto* apply = app.add_subcommand("apply", "change a running lab's security groups to what the file says");
  add_file(apply, true);
  auto* console = app.add_subcommand("console", "attach to a vm node's serial console: netrig console [LAB:]NODE");
  std::string console_target;
  bool console_log = false;
  console->add_option("target", console_target, "[LAB:]NODE (a vm node)")->required();
  console->add_flag("--log", console_log, "print the console log instead of attaching");

  auto* doctor = app.add_subcommand("doctor", "what this host supports and which path netrig takes");
  add_output(doctor);

  auto* graph = app.add_subcommand("graph", "draw the topology: Mermaid, Graphviz DOT, or SVG/PNG (needs graphviz)");
  add_file(graph, false);
  graph->add_option("-f,--format", common.format, "mermaid (default), dot, svg or png (png: redirect stdout to a file)")
      ->check(CLI::IsMember({"mermaid", "dot", "svg", "png"}));

  auto* schema = app.add_subcommand(
      "schema",
      "print the JSON Schema of topology files (or of the JSON report), e.g. for an editor: netrig schema > "
      "topology.schema.json, then '# yaml-language-server: $schema=topology.schema.json' atop a lab");
  std::string schema_which = "topology";
  schema->add_option("which", schema_which, "topology (default) or report")
      ->check(CLI::IsMember({"topology", "report"}));

  auto* help = app.add_subcommand("help", "show the help of netrig, or of one verb: netrig help [VERB]");
  std::string help_verb;
  help->add_option("verb", help_verb, "the verb to explain");

  std::vector<std::string> verbs;
  for (const auto* sub : app.get_subcommands([](const CLI::App*) { return true; })) verbs.push_back(sub->get_name());
  // No verb at all: the usage (what git and ip do), not CLI11's "A subcommand is required".
  if (argc == 1) {
    std::cerr << app.help();
    return kExitBadInput;
  }
  // A typo of a verb: say which one was meant instead of "A subcommand is required".
  if (argc > 1 && argv[1][0] != '-' && std::find(verbs.begin(), verbs.end(), argv[1]) == verbs.end()) {
    std::cerr << "netrig: '" << argv[1] << "' is not a netrig verb\n";
    if (auto hint = closest_match(argv[1], verbs); !hint.empty())
      std::cerr << "  hint: did you mean 'netrig " << hint << "'?\n";
    std::cerr << "  verbs:";
    for (const auto& v : verbs) std::cerr << " " << v;
    std::cerr << "\n  see: netrig help\n";
    return kExitBadInput;
  }

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    int code = app.exit(e);
    return code == 0 ? 0 : kExitBadInput;
  }
  if (*help) {
    if (help_verb.empty()) {
      std::cout << app.help();
      return kExitOk;
    }
    for (auto* sub : app.get_subcommands([](const CLI::App*) { return true; }))
      if (sub->get_name() == help_verb) {
        std::cout << sub->help("netrig");
        return kExitOk;
      }
    std::cerr << "netrig: no verb '" << help_verb << "'";
    if (auto hint = closest_match(help_verb, verbs); !hint.empty()) std::cerr << "; did you mean '" << hint << "'?";
    std::cerr << "\n";
    return kExitBadInput;
  }

  install_interrupt_handlers(*test || *deploy || *destroy || *apply);
  try {
    if (*validate) return cmd_validate(common);
    if (*plan) return cmd_plan(common);
    if (*deploy) {
      int rc = cmd_deploy(common);
      return rc == kExitOk && deploy_serve ? api::serve(serve_options) : rc;
    }
    if (*serve) return api::serve(serve_options);
    if (*inspect) return cmd_inspect(common);
    if (*exec) return cmd_exec(common, exec_target, exec_cmd);
    if (*test) return cmd_test(common);
    if (*check) return cmd_check(common);
    if (*destroy) return cmd_destroy(common);
    if (*apply) return cmd_apply(common);
    if (*set_link) return require_root() ? cmd_set_link(common, set_link_options) : kExitEnvironment;
    if (*doctor) return cmd_doctor(common);
    if (*console) return cmd_console(console_target, console_log);
    if (*graph) return cmd_graph(common);
    if (*schema) return cmd_schema(schema_which);
  } catch (const std::exception& e) {
    std::cerr << "netrig: error: " << e.what() << "\n";
    return kExitEnvironment;
  }
  return kExitBadInput;
}

}  // namespace

// A job of `netrig serve` learns its exit code from this file when that serve is gone (api/jobs.h).
int main(int argc, char** argv) {
  netrig::api::record_job_process();
  const int rc = run(argc, argv);
  netrig::record_job_exit(rc);
  return rc;
}
