#include "plan/impairment.h"

#include <cmath>
#include <cstdio>

namespace netrig {
namespace {

std::string time_text(uint64_t us) {
  char text[32];
  if (us % 1000000 == 0)
    std::snprintf(text, sizeof text, "%llus", static_cast<unsigned long long>(us / 1000000));
  else if (us % 1000 == 0)
    std::snprintf(text, sizeof text, "%llums", static_cast<unsigned long long>(us / 1000));
  else
    std::snprintf(text, sizeof text, "%lluus", static_cast<unsigned long long>(us));
  return text;
}

std::string percent_text(double p) {
  char text[32];
  std::snprintf(text, sizeof text, "%g%%", p);
  return text;
}

}  // namespace

uint32_t netem_probability(double percent) {
  if (percent <= 0) return 0;
  if (percent >= 100) return UINT32_MAX;
  return static_cast<uint32_t>(std::llround(percent / 100.0 * UINT32_MAX));
}

std::string netem_tc_command(const std::string& netns, const std::string& device, const LinkImpairment& m) {
  std::string cmd = "tc " + (netns.empty() ? std::string() : "-n " + netns + " ") + "qdisc ";
  if (m.clear) return cmd + "del dev " + device + " root";
  cmd += "replace dev " + device + " root netem";
  if (m.delay_us) {
    cmd += " delay " + time_text(*m.delay_us);
    if (m.jitter_us) cmd += " " + time_text(*m.jitter_us);
  }
  if (m.loss_pct) cmd += " loss " + percent_text(*m.loss_pct);
  if (m.duplicate_pct) cmd += " duplicate " + percent_text(*m.duplicate_pct);
  if (m.reorder_pct) cmd += " reorder " + percent_text(*m.reorder_pct);
  if (m.corrupt_pct) cmd += " corrupt " + percent_text(*m.corrupt_pct);
  return cmd;
}

}  // namespace netrig
