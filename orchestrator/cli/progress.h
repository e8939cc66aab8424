// Deploy progress: a redrawn status line on a terminal, nothing but failures in plain output (CI).
#pragma once

#include <cstddef>
#include <string>

#include "drivers/deployer.h"

namespace netrig {

class Progress {
 public:
  Progress(size_t total, std::string title);
  void step(const Step& step, StepEvent event, const std::string& error);
  void finish();

 private:
  size_t total_;
  size_t done_ = 0;
  std::string title_;
  bool tty_;
  bool drawn_ = false;
};

}  // namespace netrig
