// Deploy progress. On a terminal: one status line, redrawn. Otherwise (CI logs): plain lines as
// things happen — one when each stage (a kind of step: namespaces, links, VMs, ...) starts, one when
// a slow step (a VM boot, a daemon, a user's exec:) starts and when it ends — and every failure.
#pragma once

#include <chrono>
#include <cstddef>
#include <map>
#include <mutex>
#include <string>
#include <vector>

#include "drivers/deployer.h"

namespace netrig {

class Progress {
 public:
  Progress(const std::vector<Step>& steps, std::string title);
  Progress(const std::vector<Step>& steps, std::string title, bool tty);  // for tests
  void step(const Step& step, StepEvent event, const std::string& error);
  void finish();

  // The plain line for an event, "" when none is printed (no TTY). Exposed for tests.
  std::string plain_line(const Step& step, StepEvent event, const std::string& error);

 private:
  size_t total_;
  size_t done_ = 0;
  std::string title_;
  bool tty_;
  bool drawn_ = false;
  std::map<StepKind, size_t> per_kind_;
  std::map<StepKind, bool> stage_started_;
  std::map<int, std::chrono::steady_clock::time_point> slow_started_;
  std::mutex mutex_;
};

// Steps that may take seconds: VM boots, daemons, a user's exec:, OVS start.
bool is_slow_step(StepKind kind);

}  // namespace netrig
