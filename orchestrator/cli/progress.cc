#include "cli/progress.h"

#include <unistd.h>

#include <cstdio>

namespace netrig {

bool is_slow_step(StepKind kind) {
  return kind == StepKind::StartVm || kind == StepKind::StartService || kind == StepKind::StartDhcp ||
         kind == StepKind::RunExec || kind == StepKind::StartOvs;
}

Progress::Progress(const std::vector<Step>& steps, std::string title)
    : Progress(steps, std::move(title), isatty(STDERR_FILENO) == 1) {}

Progress::Progress(const std::vector<Step>& steps, std::string title, bool tty)
    : total_(steps.size()), title_(std::move(title)), tty_(tty) {
  for (const auto& s : steps) ++per_kind_[s.kind];
}

std::string Progress::plain_line(const Step& step, StepEvent event, const std::string& error) {
  if (event == StepEvent::Failed) return "failed: " + step.describe() + ": " + error + "\n";
  if (tty_) return "";
  std::string out;
  char buf[64];
  if (event == StepEvent::Started) {
    if (!stage_started_[step.kind]) {
      stage_started_[step.kind] = true;
      const size_t n = per_kind_[step.kind];
      out +=
          title_ + ": stage " + to_string(step.kind) + " (" + std::to_string(n) + (n == 1 ? " step" : " steps") + ")\n";
    }
    if (is_slow_step(step.kind)) {
      slow_started_[step.id] = std::chrono::steady_clock::now();
      out += title_ + ":   " + step.describe() + " ...\n";
    }
  } else if (event == StepEvent::Done) {
    if (auto it = slow_started_.find(step.id); it != slow_started_.end()) {
      std::snprintf(buf, sizeof buf, " done in %.3f s",
                    std::chrono::duration<double>(std::chrono::steady_clock::now() - it->second).count());
      out +=
          title_ + ":   " + step.describe() + buf + " [" + std::to_string(done_) + "/" + std::to_string(total_) + "]\n";
    }
  }
  return out;
}

void Progress::step(const Step& step, StepEvent event, const std::string& error) {
  std::lock_guard lock(mutex_);
  if (event == StepEvent::Done) ++done_;
  const auto line = plain_line(step, event, error);
  if (!line.empty()) {
    if (drawn_) std::fprintf(stderr, "\r\033[K");
    drawn_ = false;
    std::fputs(line.c_str(), stderr);
    std::fflush(stderr);
  }
  if (!tty_ || event != StepEvent::Done) return;
  std::fprintf(stderr, "\r\033[K%s [%zu/%zu] %s", title_.c_str(), done_, total_, step.describe().c_str());
  drawn_ = true;
}

void Progress::finish() {
  std::lock_guard lock(mutex_);
  if (drawn_) std::fprintf(stderr, "\r\033[K");
  drawn_ = false;
}

}  // namespace netrig
