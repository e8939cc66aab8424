// What a check found, with its evidence.
#pragma once

#include <map>
#include <string>
#include <vector>

namespace netrig {

enum class CheckStatus { Passed, Failed, Skipped, Error };
const char* to_string(CheckStatus status);

struct Evidence {
  std::string command;  // what ran, as a shell line or a description of the socket operation
  std::string output;
  int exit_code = 0;
  double seconds = 0;
};

// One cell of a reachability matrix.
struct CellResult {
  std::string from;      // node
  std::string to;        // target as written
  std::string address;   // resolved address
  std::string protocol;  // tcp, udp, icmp
  int port = 0;
  std::string expected;  // allow or deny
  std::string observed;  // allow, deny, or error
  std::string outcome;   // what the probe saw: connected, refused, no answer, 1/1 received, ...
  std::string rule;      // the security-group rule that decides this flow (model), or why none does
  bool passed = false;
  double seconds = 0;  // how long the probe took (pingall: the pair's round-trip time)
};

// One flow of a measurement that runs several at once (iperf3 flow groups): its own figures, by
// name, as numbers (the same names as a single flow's: received_mbps, retransmits, ...).
struct FlowResult {
  std::string name;    // as the file names it, or "<node> -> <target>"
  std::string node;    // where its client ran ("" = the check's node)
  std::string target;  // address[:port] ("" = the check's target)
  std::map<std::string, double> figures;
};

// A pingall's full matrix: nodes[i] -> nodes[j] answered after rtt_ms[i][j] ms, or did not
// (negative); the diagonal is not probed (negative).
struct PairMatrix {
  std::vector<std::string> nodes;
  std::vector<std::vector<double>> rtt_ms;
};

struct CheckResult {
  std::string name;
  std::string type;    // ping, connect, exec, pingall, capture, iperf3
  std::string node;    // where it ran
  std::string target;  // resolved target (address[:port]) or command
  CheckStatus status = CheckStatus::Error;
  std::string message;  // why it passed / failed / was skipped, in one line
  int attempts = 0;
  double seconds = 0;
  std::vector<Evidence> evidence;      // the last attempt's, plus the first failing one when it differs
  std::vector<std::string> artifacts;  // absolute paths of files the check kept (a capture's pcap)
  // Sequencing (checks/sequence.h): "check" or "action" (then `type` is the action's kind: link,
  // sleep, exec, wait); whether the check ran in the background; when it started, in seconds after
  // the tests began.
  std::string step = "check";
  bool background = false;
  double started_s = 0;
  // Measured figures by name, as numbers, for the JSON report: names and units are listed in
  // docs/report-format.md (a ping's sent, received, loss_pct, rtt_avg_ms, ...). New checks add
  // their own names; readers ignore names they do not know.
  std::map<std::string, double> figures;
  std::vector<FlowResult> flows;   // per-flow figures of a check that measures several flows at once
  PairMatrix matrix;               // pingall: every pair (empty for other checks)
  std::vector<CellResult> cells;   // reachability: every cell, in row-major order
  std::vector<std::string> table;  // reachability: the matrix as text lines, shown in the text report
};

}  // namespace netrig
