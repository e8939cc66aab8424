// iperf3: a one-shot server (`iperf3 -s -1`) on the target node, stopped by its PID afterwards;
// the client on the check's node with -J, its JSON summary checked against min/max Mbit/s. Either
// node may be a vm: the command then runs in the guest through its agent.
#include <signal.h>

#include <cstdio>
#include <mutex>
#include <nlohmann/json.hpp>

#include "checks/kinds.h"
#include "drivers/node_background.h"
#include "drivers/node_exec.h"
#include "drivers/process.h"

namespace netrig {

std::shared_mutex& measurement_lock() {
  static std::shared_mutex lock;
  return lock;
}

Iperf3Summary parse_iperf3_json(const std::string& text) {
  Iperf3Summary s;
  auto j = nlohmann::json::parse(text, nullptr, false);
  if (j.is_discarded() || !j.is_object()) {
    s.error = "iperf3 printed no JSON";
    return s;
  }
  if (j.contains("error") && j["error"].is_string()) {
    s.error = j["error"].get<std::string>();
    return s;
  }
  const auto& start = j.value("start", nlohmann::json::object());
  const auto& test = start.value("test_start", nlohmann::json::object());
  s.protocol = test.value("protocol", std::string("TCP")) == "UDP" ? "udp" : "tcp";
  const auto& end = j.value("end", nlohmann::json::object());
  auto mbps = [](const nlohmann::json& sum) { return sum.value("bits_per_second", 0.0) / 1e6; };
  if (s.protocol == "tcp") {
    if (!end.contains("sum_sent") || !end.contains("sum_received")) {
      s.error = "iperf3's JSON has no end.sum_sent / end.sum_received";
      return s;
    }
    s.sent_mbps = mbps(end["sum_sent"]);
    s.received_mbps = mbps(end["sum_received"]);
    s.retransmits = end["sum_sent"].value("retransmits", 0);
    s.seconds = end["sum_received"].value("seconds", 0.0);
  } else {
    if (!end.contains("sum")) {
      s.error = "iperf3's JSON has no end.sum";
      return s;
    }
    const auto& sum = end["sum"];
    s.sent_mbps = mbps(end.value("sum_sent", sum));
    s.lost_pct = sum.value("lost_percent", 0.0);
    s.jitter_ms = sum.value("jitter_ms", 0.0);
    s.seconds = sum.value("seconds", 0.0);
    // Newer iperf3s report the receiver's side; older ones only the sender's rate and the loss.
    s.received_mbps = end.contains("sum_received") ? mbps(end["sum_received"]) : mbps(sum) * (1 - s.lost_pct / 100);
  }
  s.parsed = true;
  return s;
}

std::string describe_iperf3(const Iperf3Summary& s) {
  char buf[256];
  if (s.protocol == "udp")
    std::snprintf(buf, sizeof buf, "udp %.1f s: sent %.2f Mbit/s, received %.2f Mbit/s, loss %.2f%%, jitter %.3f ms",
                  s.seconds, s.sent_mbps, s.received_mbps, s.lost_pct, s.jitter_ms);
  else
    std::snprintf(buf, sizeof buf, "tcp %.1f s: sent %.2f Mbit/s, received %.2f Mbit/s, %d retransmits", s.seconds,
                  s.sent_mbps, s.received_mbps, s.retransmits);
  return buf;
}

std::map<std::string, double> iperf3_figures(const Iperf3Summary& s) {
  std::map<std::string, double> f = {
      {"seconds", s.seconds}, {"sent_mbps", s.sent_mbps}, {"received_mbps", s.received_mbps}};
  if (s.protocol == "udp") {
    f["jitter_ms"] = s.jitter_ms;
    f["lost_pct"] = s.lost_pct;
  } else {
    f["retransmits"] = s.retransmits;
  }
  return f;
}

static std::string number(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%g", v);
  return buf;
}

CheckResult iperf3_once(const Plan& plan, const CheckSpec& check) {
  // One measurement at a time: two at once on a shared CPU would measure each other, and would
  // fight over the server port.
  CheckResult r;
  if (!installed("iperf3")) {
    r.status = CheckStatus::Skipped;
    r.message = "iperf3 is not installed (Debian: apt-get install iperf3)";
    return r;
  }
  std::unique_lock lock(measurement_lock());
  const auto server_node = check.target.substr(0, check.target.find(':'));
  const auto address = resolve_target(plan.topology, check.target, 0);
  const auto port = std::to_string(check.port);
  std::vector<std::string> server_argv = {"iperf3", "-s", "-1", "-p", port, "--forceflush"};
  NodeBackground server(plan, server_node, server_argv, "Server listening", is_vm(plan, server_node) ? 15 : 5);

  const auto secs = std::to_string(static_cast<int>(check.seconds));
  std::vector<std::string> argv = {"iperf3", "-c", address, "-p", port, "-t", secs, "-J", "--connect-timeout", "3000"};
  if (check.protocol == "udp") {
    argv.push_back("-u");
    if (check.bitrate_mbps) argv.insert(argv.end(), {"-b", number(*check.bitrate_mbps) + "M"});
  }
  auto run = run_on_node(plan, check.node, argv, check.seconds + 10);
  auto stopped = server.stop(SIGTERM, 2);
  auto summary = parse_iperf3_json(run.output);
  r.evidence.push_back({on_node_text(plan, check.node, argv),
                        summary.parsed ? describe_iperf3(summary) + "\n" : run.output, run.exit_code, run.seconds});
  r.evidence.push_back(
      {on_node_text(plan, server_node, server_argv) + " (stopped by PID)",
       stopped.output.size() > 4000 ? stopped.output.substr(stopped.output.size() - 4000) : stopped.output,
       stopped.exit_code, stopped.seconds});
  if (summary.parsed) r.figures = iperf3_figures(summary);
  std::string why;
  if (run.timed_out) why = "iperf3 client timed out";
  if (run.interrupted) why = "interrupted";
  if (why.empty() && !summary.parsed) why = "iperf3: " + summary.error;
  if (why.empty() && check.min_mbps && summary.received_mbps < *check.min_mbps)
    why = number(summary.received_mbps) + " Mbit/s received, expected at least " + number(*check.min_mbps);
  if (why.empty() && check.max_mbps && summary.received_mbps > *check.max_mbps)
    why = number(summary.received_mbps) + " Mbit/s received, expected at most " + number(*check.max_mbps);
  r.status = why.empty() ? CheckStatus::Passed : CheckStatus::Failed;
  r.message = why.empty() ? describe_iperf3(summary) : why;
  return r;
}

}  // namespace netrig
