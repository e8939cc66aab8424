#include <cstdio>
#include <map>
#include <regex>
#include <sstream>

#include "checks/kinds.h"
#include "drivers/node_exec.h"

namespace netrig {

PingSummary parse_ping_output(const std::string& output) {
  PingSummary s;
  std::smatch m;
  static const std::regex counts(R"((\d+) packets transmitted, (\d+) (packets )?received)");
  if (std::regex_search(output, m, counts)) {
    s.transmitted = std::stoi(m[1]);
    s.received = std::stoi(m[2]);
    s.loss_pct = s.transmitted ? 100.0 * (s.transmitted - s.received) / s.transmitted : 100;
    s.parsed = true;
  }
  static const std::regex rtt(R"(= ([\d.]+)/([\d.]+)/([\d.]+)/([\d.]+) ms)");
  if (std::regex_search(output, m, rtt)) {
    s.rtt_min_ms = std::stod(m[1]);
    s.rtt_avg_ms = std::stod(m[2]);
    s.rtt_max_ms = std::stod(m[3]);
    s.rtt_mdev_ms = std::stod(m[4]);
  }
  // Replies by sequence number (a duplicate keeps the first), with their -D timestamp if any.
  static const std::regex reply(R"((?:\[([\d.]+)\] )?\d+ bytes from .*icmp_seq=(\d+))");
  std::map<int, double> replies;
  std::istringstream lines(output);
  for (std::string line; std::getline(lines, line);)
    if (std::regex_search(line, m, reply)) replies.emplace(std::stoi(m[2]), m[1].matched ? std::stod(m[1]) : -1);
  int last = 0;
  double last_time = -1;
  for (const auto& [seq, time] : replies) {
    s.longest_lost_run = std::max(s.longest_lost_run, seq - last - 1);
    if (last_time >= 0 && time >= 0) s.longest_gap_s = std::max(s.longest_gap_s, time - last_time);
    last = seq;
    last_time = time;
  }
  if (s.parsed) s.longest_lost_run = std::max(s.longest_lost_run, s.transmitted - last);
  return s;
}

std::vector<std::string> ping_argv(const CheckSpec& check, const std::string& address) {
  char interval[32];
  std::snprintf(interval, sizeof interval, "%g", check.interval_s);
  return {"ping", address.find(':') != std::string::npos ? "-6" : "-4",
          "-c",   std::to_string(check.count),
          "-i",   interval,
          "-W",   "1",
          "-D",   "-O",
          "-n",   address};
}

CheckResult judge_ping(const CheckSpec& check, const std::string& output, int exit_code) {
  CheckResult r;
  auto s = parse_ping_output(output);
  char text[200];
  const int lost = s.transmitted - s.received;
  std::snprintf(text, sizeof text, "%d/%d received, %.0f%% loss", s.received, s.transmitted, s.loss_pct);
  std::string summary = text;
  if (s.received) {
    std::snprintf(text, sizeof text, ", rtt avg %.3f ms max %.3f ms", s.rtt_avg_ms, s.rtt_max_ms);
    summary += text;
  }
  if (s.parsed && lost > 0 && s.received > 0) {
    std::snprintf(text, sizeof text, ", %d lost, at most %d in a row", lost, s.longest_lost_run);
    summary += text;
    if (s.longest_gap_s > 0) {
      std::snprintf(text, sizeof text, ", longest gap between replies %.3f s", s.longest_gap_s);
      summary += text;
    }
  }
  if (s.parsed) {
    r.figures = {{"sent", s.transmitted},
                 {"received", s.received},
                 {"lost", lost},
                 {"loss_pct", s.loss_pct},
                 {"longest_lost_run", s.longest_lost_run}};
    if (s.longest_gap_s > 0) r.figures["longest_gap_s"] = s.longest_gap_s;
    if (s.received) {
      r.figures["rtt_min_ms"] = s.rtt_min_ms;
      r.figures["rtt_avg_ms"] = s.rtt_avg_ms;
      r.figures["rtt_max_ms"] = s.rtt_max_ms;
      r.figures["rtt_mdev_ms"] = s.rtt_mdev_ms;
    }
  }
  if (!s.parsed) {
    r.status = CheckStatus::Failed;
    r.message = "ping gave no summary (exit " + std::to_string(exit_code) + ")";
    if (check.expect == Expect::Failure) {
      r.status = CheckStatus::Passed;
      r.message = "no reply: " + r.message;
    }
    return r;
  }
  if (check.expect == Expect::Failure) {
    r.status = s.received == 0 ? CheckStatus::Passed : CheckStatus::Failed;
    r.message = (s.received == 0 ? "unreachable as expected: " : "reachable but expected not to be: ") + summary;
    return r;
  }
  if (s.received == 0) {
    r.status = CheckStatus::Failed;
    r.message = "unreachable: " + summary;
  } else if (check.max_lost && lost > *check.max_lost) {
    r.status = CheckStatus::Failed;
    r.message = "more than " + std::to_string(*check.max_lost) + " lost: " + summary;
  } else if (s.loss_pct > check.max_loss_pct) {
    r.status = CheckStatus::Failed;
    std::snprintf(text, sizeof text, "loss above %.0f%%: ", check.max_loss_pct);
    r.message = text + summary;
  } else if (check.max_rtt_ms && s.rtt_max_ms > *check.max_rtt_ms) {
    r.status = CheckStatus::Failed;
    std::snprintf(text, sizeof text, "rtt above %.3f ms: ", *check.max_rtt_ms);
    r.message = text + summary;
  } else {
    r.status = CheckStatus::Passed;
    r.message = summary;
  }
  return r;
}

CheckResult ping_once(const Plan& plan, const CheckSpec& check, const std::string& address) {
  auto argv = ping_argv(check, address);
  auto run = run_on_node(plan, check.node, argv, 5.0 + check.count * std::max(1.0, check.interval_s));
  auto r = judge_ping(check, run.output, run.exit_code);
  r.evidence.push_back({on_node_text(plan, check.node, argv), run.output, run.exit_code, run.seconds});
  return r;
}

}  // namespace netrig
