// A command left running on a node while netrig does something else (tcpdump for a capture, an
// iperf3 server), whatever the node is: Background in its namespace for netns nodes, a process
// started through the agent for vm nodes. Both are stopped by their own PID only.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "drivers/process.h"
#include "plan/plan.h"

namespace netrig {

// The shell lines the guest side runs (pure; tested in node_background_test.cc). `dir` is a
// directory in the guest that holds the command's pid, exit code and output.
std::string guest_start_script(const std::vector<std::string>& argv, const std::string& dir);
std::string guest_ready_script(const std::string& dir, const std::string& ready, double timeout_s);
std::string guest_stop_script(const std::string& dir, int sig, double timeout_s);

class NodeBackground {
 public:
  // Starts argv on the node and, when `ready` is not empty, waits up to ready_timeout_s for that
  // text in its output. Throws SystemError if it cannot start, exits first or never says `ready`.
  NodeBackground(const Plan& plan, const std::string& node, const std::vector<std::string>& argv,
                 const std::string& ready, double ready_timeout_s);
  // The same in a namespace that is no node's (a bridge's, in the lab's local namespace).
  NodeBackground(const std::string& netns, const std::vector<std::string>& argv, const std::string& ready,
                 double ready_timeout_s);
  ~NodeBackground();
  NodeBackground(const NodeBackground&) = delete;
  NodeBackground& operator=(const NodeBackground&) = delete;

  // Sends `sig`, waits up to timeout_s for the command to exit (SIGKILL after that) and returns
  // its exit code and output.
  ExecResult stop(int sig, double timeout_s);

  // Whether its output can be read as it comes (netns and container nodes; a vm guest's output is
  // read only at stop()), and Background::pump / timed_lines for those.
  bool live() const { return local_ != nullptr; }
  void pump(int wait_ms);
  std::vector<TimedLine> timed_lines() const;

 private:
  std::unique_ptr<Background> local_;  // netns node
  std::string lab_, node_, dir_;       // vm node: the guest directory of the command
  bool stopped_ = false;
};

// A file in a vm guest (a pcap tcpdump wrote there), copied to `host_path` through the agent and
// removed from the guest. Returns "" or what went wrong.
std::string fetch_guest_file(const Plan& plan, const std::string& node, const std::string& guest_path,
                             const std::string& host_path);

// A fresh path under /tmp in guests, unique within this netrig process.
std::string guest_temp_path(const std::string& stem);

}  // namespace netrig
