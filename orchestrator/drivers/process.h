// Running commands inside a node: fork, setns into the node's network namespace, exec
// (Boost.Process). Output is read with a deadline; on timeout the command's process group is killed.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "util/text.h"  // shell_join, for the callers that quote argv for evidence

namespace netrig {

struct ExecResult {
  std::vector<std::string> argv;
  int exit_code = -1;  // 128+signal when killed by a signal
  bool timed_out = false;
  bool interrupted = false;  // stopped early because netrig got SIGINT/SIGTERM (see interrupt.h)
  std::string output;        // stdout and stderr, interleaved
  double seconds = 0;
};

// Runs argv in /run/netns/<netns> ("" = the host namespace). Never throws for the command's own
// failure; throws SystemError if it cannot be started. When netrig is interrupted (SIGINT/SIGTERM)
// the command's process group is killed at once and `interrupted` is set.
ExecResult run_in_netns(const std::string& netns, const std::vector<std::string>& argv, double timeout_s);

// A line a Background command printed, and when it arrived (seconds on the steady clock).
struct TimedLine {
  double at = 0;
  std::string text;
};
double steady_seconds();

// A command left running in a node while netrig does something else (tcpdump for a capture,
// an iperf3 server). It gets its own process group; it is stopped by its PID (that group) only,
// never by name. The destructor stops it if stop() was not called.
class Background {
 public:
  // Starts argv in /run/netns/<netns> and, when `ready` is not empty, waits up to ready_timeout_s
  // for that text in its output (tcpdump's "listening on"). Throws SystemError if it cannot be
  // started, exits first, or never says `ready` (the message carries its output).
  Background(const std::string& netns, const std::vector<std::string>& argv, const std::string& ready,
             double ready_timeout_s);
  ~Background();
  Background(const Background&) = delete;
  Background& operator=(const Background&) = delete;

  int pid() const;
  // Reads what the command printed meanwhile, waiting up to wait_ms for something. Every complete
  // line of its output is stamped with the time it was read, so a command that reports as it goes
  // (iperf3 --forceflush) tells when each report was made, to the reader's polling (~ms).
  void pump(int wait_ms);
  std::vector<TimedLine> timed_lines() const;
  // Sends `sig` to the process group, waits up to timeout_s for the command to exit (SIGKILL
  // after that) and returns its exit code and all its output.
  ExecResult stop(int sig, double timeout_s);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// Whether a program is on PATH (or, with a '/', exists and is executable).
bool installed(const std::string& program);

}  // namespace netrig
