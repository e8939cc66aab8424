// Running a command "on a node", whatever the node is: in its network namespace (netns nodes)
// or in the guest through its agent (vm nodes); for an ovs switch, in the lab's switch namespace
// <lab>-local with OVS_RUNDIR/OVS_DBDIR/OVS_LOGDIR/OVS_SYSCONFDIR set to the lab's OVS directory, so
// ovs-vsctl, ovs-ofctl and ovs-appctl reach the lab's own daemons (with settings.ovs: OVS_RUNDIR at
// the system OVS's run directory; the command still runs in <lab>-local, never in the host's
// namespace). The seam checks use.
#pragma once

#include <string>
#include <vector>

#include "drivers/process.h"
#include "model/names.h"
#include "plan/plan.h"

namespace netrig {

bool is_vm(const Plan& plan, const std::string& node);
bool is_ovs(const Plan& plan, const std::string& node);
bool is_container(const Plan& plan, const std::string& node);

// run_in_netns for netns nodes; the agent (argv quoted into one sh -c line) for vm nodes.
ExecResult run_on_node(const Plan& plan, const std::string& node, const std::vector<std::string>& argv,
                       double timeout_s);

// The environment ("NAME=VALUE") commands in the lab's local host namespace get (exec checks and
// actions on `local`, `netrig exec LAB local`): ovs_env(plan) when the lab has ovs switches, so
// ovs-vsctl, ovs-ofctl and ovs-appctl reach its daemons; none otherwise. run_on_node and
// on_node_text add it for node `local`.
std::vector<std::string> local_host_env(const Plan& plan, const std::string& host = kLocalHost);

// The RunExec step: a node's `exec:` commands after deploy, in order, each through /bin/sh -c on the
// node (in its container, in its guest); throws on the first that does not exit 0, with its output.
void run_deploy_exec(const Plan& plan, const NodeSpec& node);

// How the command is shown in evidence: "ip netns exec <ns> <cmd>" or "in guest <node>: <cmd>".
std::string on_node_text(const Plan& plan, const std::string& node, const std::vector<std::string>& argv);

}  // namespace netrig
