#include "checks/iperf3_window.h"

#include <algorithm>
#include <cstdio>
#include <regex>

namespace netrig {

std::vector<Iperf3Interval> iperf3_server_intervals(const std::vector<TimedLine>& lines) {
  // "[  5]   1.00-1.50   sec  1.14 MBytes  19048 Kbits/sec                  "
  // "[SUM]   1.00-1.50   sec  ...", UDP adds jitter and loss after the rate.
  static const std::regex report(
      R"(^\[\s*(\d+|SUM)\]\s+([0-9.]+)-([0-9.]+)\s+sec\s+[0-9.]+\s+\S*Bytes\s+([0-9.]+)\s+([KMGT]?)bits/sec(.*)$)");
  std::vector<Iperf3Interval> streams, sums;
  for (const auto& line : lines) {
    std::smatch m;
    if (!std::regex_match(line.text, m, report)) continue;
    const std::string rest = m[6];
    if (rest.find("omitted") != std::string::npos || rest.find("receiver") != std::string::npos ||
        rest.find("sender") != std::string::npos)
      continue;
    const double from = std::stod(m[2]), to = std::stod(m[3]);
    if (to - from < 0.005) continue;  // iperf3 3.12 prints an empty interval right after the warm-up
    const std::string unit = m[5];
    const double scale = unit == "K" ? 1e-3 : unit == "M" ? 1 : unit == "G" ? 1e3 : unit == "T" ? 1e6 : 1e-6;
    (m[1] == "SUM" ? sums : streams).push_back({line.at - (to - from), line.at, std::stod(m[4]) * scale});
  }
  return sums.empty() ? streams : sums;
}

Iperf3Window iperf3_common_window(const std::vector<std::vector<Iperf3Interval>>& flows, double min_seconds) {
  Iperf3Window w;
  if (flows.empty()) {
    w.problem = "no flows";
    return w;
  }
  bool first = true;
  for (size_t i = 0; i < flows.size(); ++i) {
    if (flows[i].empty()) {
      w.problem = "flow " + std::to_string(i + 1) + "'s server reported no interval";
      return w;
    }
    const double s = flows[i].front().start, e = flows[i].back().end;
    w.start = first ? s : std::max(w.start, s);
    w.end = first ? e : std::min(w.end, e);
    first = false;
  }
  if (w.seconds() < min_seconds) {
    char buf[160];
    std::snprintf(buf, sizeof buf, "the flows ran together for %.2f s only (at least %.2g s needed)",
                  std::max(0.0, w.seconds()), min_seconds);
    w.problem = buf;
    return w;
  }
  for (const auto& flow : flows) {
    double megabits = 0;
    for (const auto& iv : flow)
      megabits += iv.mbps * std::max(0.0, std::min(iv.end, w.end) - std::max(iv.start, w.start));
    w.mbps.push_back(megabits / w.seconds());
  }
  return w;
}

}  // namespace netrig
