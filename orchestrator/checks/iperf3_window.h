// The flows of an iperf3 group measured over one common window. Clients started together still
// start and end a little apart, and a flow's own average then includes moments when it ran alone
// or with fewer rivals, which biases the split. Each server reports its received rate every half
// second as it goes (`iperf3 -s --forceflush -i 0.5 -f k`); netrig stamps each report line with
// the time it read it, which places every interval in time, and takes each flow's rate over the
// time all flows ran (after their warm-up). Pure; tested in iperf3_window_test.cc.
#pragma once

#include <string>
#include <vector>

#include "drivers/process.h"

namespace netrig {

struct Iperf3Interval {
  double start = 0, end = 0;  // seconds on the clock of the stamps
  double mbps = 0;            // received in that interval
};

// The interval reports of a server's text output, each ending when its line was read. Warm-up
// ("(omitted)") intervals, the summary ("receiver"/"sender") and empty intervals are left out;
// when the output has [SUM] lines (several streams), only those count.
std::vector<Iperf3Interval> iperf3_server_intervals(const std::vector<TimedLine>& lines);

struct Iperf3Window {
  double start = 0, end = 0;
  std::vector<double> mbps;  // each flow's rate over [start, end]
  std::string problem;       // "" or why there is no common window of at least min_seconds
  double seconds() const { return end - start; }
};

// From the latest first report to the earliest last one; an interval cut by the window counts
// pro rata, a missing one as nothing received.
Iperf3Window iperf3_common_window(const std::vector<std::vector<Iperf3Interval>>& flows, double min_seconds);

}  // namespace netrig
