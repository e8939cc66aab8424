// CLI commands for `kind: vm` nodes: exec through the agent and the serial console.
#pragma once

#include <string>
#include <vector>

#include "plan/plan.h"

namespace netrig {

// netrig exec on a vm node: the command (joined into one sh -c line) through the guest's agent;
// its output on stdout, its exit code as netrig's.
int exec_in_vm(const Plan& plan, const std::string& node, const std::vector<std::string>& cmd);

// netrig console [LAB:]NODE: attaches the terminal to the guest's serial console (Ctrl-] leaves);
// with --log, prints the console log instead.
int cmd_console(const std::string& target, bool log_only);

}  // namespace netrig
