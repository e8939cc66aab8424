#include <cstdio>
#include <regex>
#include <sstream>

#include "checks/kinds.h"
#include "drivers/process.h"

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
    s.rtt_avg_ms = std::stod(m[2]);
    s.rtt_max_ms = std::stod(m[3]);
  }
  return s;
}

CheckResult ping_once(const Plan& plan, const CheckSpec& check, const std::string& address) {
  CheckResult r;
  std::vector<std::string> argv = {"ping", address.find(':') != std::string::npos ? "-6" : "-4",
                                   "-c",   std::to_string(check.count),
                                   "-i",   "0.2",
                                   "-W",   "1",
                                   "-n",   address};
  auto run = run_in_netns(plan.netns_of(check.node), argv, 5.0 + check.count);
  r.evidence.push_back(
      {"ip netns exec " + plan.netns_of(check.node) + " " + shell_join(argv), run.output, run.exit_code, run.seconds});
  auto s = parse_ping_output(run.output);
  char text[160];
  std::snprintf(text, sizeof text, "%d/%d received, %.0f%% loss", s.received, s.transmitted, s.loss_pct);
  std::string summary = text;
  if (s.received) {
    std::snprintf(text, sizeof text, ", rtt avg %.3f ms max %.3f ms", s.rtt_avg_ms, s.rtt_max_ms);
    summary += text;
  }
  if (!s.parsed) {
    r.status = CheckStatus::Failed;
    r.message = "ping gave no summary (exit " + std::to_string(run.exit_code) + ")";
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

}  // namespace netrig
