#include "cli/progress.h"

#include <unistd.h>

#include <cstdio>

namespace netrig {

Progress::Progress(size_t total, std::string title)
    : total_(total), title_(std::move(title)), tty_(isatty(STDERR_FILENO) == 1) {}

void Progress::step(const Step& step, StepEvent event, const std::string& error) {
  if (event == StepEvent::Failed) {
    if (drawn_) std::fprintf(stderr, "\r\033[K");
    std::fprintf(stderr, "failed: %s: %s\n", step.describe().c_str(), error.c_str());
    return;
  }
  if (event != StepEvent::Done) return;
  ++done_;
  if (!tty_) return;
  std::fprintf(stderr, "\r\033[K%s [%zu/%zu] %s", title_.c_str(), done_, total_, step.describe().c_str());
  drawn_ = true;
}

void Progress::finish() {
  if (drawn_) std::fprintf(stderr, "\r\033[K");
  drawn_ = false;
}

}  // namespace netrig
