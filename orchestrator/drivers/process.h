// Running commands inside a node: fork, setns into the node's network namespace, exec
// (Boost.Process). Output is read with a deadline; on timeout the command's process group is killed.
#pragma once

#include <string>
#include <vector>

namespace netrig {

struct ExecResult {
  std::vector<std::string> argv;
  int exit_code = -1;  // 128+signal when killed by a signal
  bool timed_out = false;
  bool interrupted = false;  // stopped early because netrig got SIGINT/SIGTERM (see interrupt.h)
  std::string output;  // stdout and stderr, interleaved
  double seconds = 0;
};

// Runs argv in /run/netns/<netns> ("" = the host namespace). Never throws for the command's own
// failure; throws SystemError if it cannot be started. When netrig is interrupted (SIGINT/SIGTERM)
// the command's process group is killed at once and `interrupted` is set.
ExecResult run_in_netns(const std::string& netns, const std::vector<std::string>& argv, double timeout_s);

// The command as a shell line, quoted where needed (for evidence and dry runs).
std::string shell_join(const std::vector<std::string>& argv);

}  // namespace netrig
