#include "drivers/node_exec.h"

#include <stdexcept>

#include "drivers/container.h"
#include "drivers/ovs.h"
#include "drivers/vm.h"
#include "model/names.h"

namespace netrig {

bool is_vm(const Plan& plan, const std::string& node) {
  const auto* n = plan.topology.find_node(node);
  return n && n->kind == NodeKind::Vm;
}

bool is_ovs(const Plan& plan, const std::string& node) {
  const auto* n = plan.topology.find_node(node);
  return n && n->kind == NodeKind::Ovs;
}

bool is_container(const Plan& plan, const std::string& node) {
  const auto* n = plan.topology.find_node(node);
  return n && n->kind == NodeKind::Container;
}

std::vector<std::string> local_host_env(const Plan& plan, const std::string& host) {
  for (const auto& n : plan.topology.nodes)
    if (n.kind == NodeKind::Ovs && plan.host_of(n.name) == host) return ovs_env(plan, host);
  return {};
}

namespace {

// env OVS_RUNDIR=<lab's ovs dir> ... ARGV: ovs-vsctl, ovs-ofctl and ovs-appctl reach the lab's daemons.
std::vector<std::string> with_ovs_env(const Plan& plan, const std::vector<std::string>& argv,
                                      const std::string& host = kLocalHost) {
  std::vector<std::string> out = {"env"};
  for (const auto& v : ovs_env(plan, host)) out.push_back(v);
  out.insert(out.end(), argv.begin(), argv.end());
  return out;
}

// `local` or a host: the command under `env OVS_RUNDIR=...` when that host has ovs switches.
std::vector<std::string> with_local_env(const Plan& plan, const std::string& node,
                                        const std::vector<std::string>& argv) {
  const auto* n = plan.topology.find_node(node);
  const bool host = node == kLocalHost || (n && n->is_host);
  if (!host || local_host_env(plan, node).empty()) return argv;
  return with_ovs_env(plan, argv, node);
}

}  // namespace

ExecResult run_on_node(const Plan& plan, const std::string& node, const std::vector<std::string>& argv,
                       double timeout_s) {
  if (is_ovs(plan, node)) {
    auto r = run_in_netns(plan.switch_netns(node), with_ovs_env(plan, argv, plan.host_of(node)), timeout_s);
    r.argv = argv;
    return r;
  }
  if (is_container(plan, node)) {
    auto r = run_in_netns(plan.netns_of(node), in_container(plan, node, argv), timeout_s);
    r.argv = argv;
    return r;
  }
  if (!is_vm(plan, node)) {
    auto r = run_in_netns(plan.netns_of(node), with_local_env(plan, node, argv), timeout_s);
    r.argv = argv;
    return r;
  }
  // `sh -c CMD` stays CMD (no second level of quoting); anything else is quoted word by word.
  std::string line = argv.size() == 3 && argv[0] == "/bin/sh" && argv[1] == "-c" ? argv[2] : shell_join(argv);
  auto r = vm_exec(plan.topology.name, node, line, timeout_s);
  r.argv = argv;
  return r;
}

std::string on_node_text(const Plan& plan, const std::string& node, const std::vector<std::string>& argv) {
  if (is_vm(plan, node)) return "in guest " + node + ": " + shell_join(argv);
  if (is_container(plan, node)) return "in container " + node + ": " + shell_join(argv);
  if (is_ovs(plan, node))
    return "ip netns exec " + plan.switch_netns(node) + " env " + ovs_env(plan, plan.host_of(node)).front() + " " +
           shell_join(argv);
  return "ip netns exec " + plan.netns_of(node) + " " + shell_join(with_local_env(plan, node, argv));
}

void run_deploy_exec(const Plan& plan, const NodeSpec& node) {
  for (const auto& cmd : node.exec) {
    auto result =
        node.kind == NodeKind::Vm ? vm_exec(plan.topology.name, node.name, cmd, 60.0)
        : node.kind == NodeKind::Container
            ? run_in_netns(plan.netns_of(node.name), in_container(plan, node.name, {"/bin/sh", "-c", cmd}), 60.0)
            : run_in_netns(plan.netns_of(node.name), {"/bin/sh", "-c", cmd}, 60.0);
    if (result.exit_code != 0)
      throw std::runtime_error("exec on " + node.name + ": '" + cmd + "' exited with " +
                               std::to_string(result.exit_code) + (result.timed_out ? " (timed out)" : "") +
                               (result.interrupted ? " (interrupted)" : "") +
                               (result.output.empty() ? "" : ": " + result.output));
  }
}

}  // namespace netrig
