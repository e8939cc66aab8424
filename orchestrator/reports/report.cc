#include "reports/report.h"

#include <cstdio>
#include <ctime>
#include <sstream>

namespace netrig {

int TestRun::count(CheckStatus status) const {
  int n = 0;
  for (const auto& r : results) n += r.status == status;
  return n;
}

bool TestRun::all_passed() const { return count(CheckStatus::Failed) == 0 && count(CheckStatus::Error) == 0; }

void add_stop_result(TestRun& run, const std::string& case_name, const std::string& message) {
  CheckResult r;
  r.name = case_name;
  r.type = "netrig";
  r.step = "netrig";
  r.status = CheckStatus::Error;
  r.message = message;
  r.attempts = 1;
  r.seconds = run.deploy_seconds;
  for (const auto& d : run.diagnostics) {
    Evidence e;
    e.command = d.headline();
    e.output = d.hint.empty() ? "" : "hint: " + d.hint + "\n";
    r.evidence.push_back(e);
  }
  run.results.push_back(r);
}

std::string rfc3339(std::chrono::system_clock::time_point t) {
  using namespace std::chrono;
  const auto ms = duration_cast<milliseconds>(t.time_since_epoch()).count();
  std::time_t secs = static_cast<std::time_t>(ms / 1000);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[40];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
                tm.tm_hour, tm.tm_min, tm.tm_sec, static_cast<int>(ms % 1000));
  return buf;
}

static std::string seconds(double s) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.3f", s);
  return buf;
}

std::string text_line(const CheckResult& r) {
  const char* tag = r.status == CheckStatus::Passed    ? "PASS"
                    : r.status == CheckStatus::Skipped ? "SKIP"
                    : r.status == CheckStatus::Failed  ? "FAIL"
                                                       : "ERROR";
  if (r.step == "action" && r.status == CheckStatus::Passed) tag = "DONE";
  std::string line = std::string(tag) + "  " + (r.step == "action" ? "[action] " : "") + r.name +
                     (r.background ? " [background]" : "") + " — " + r.message + " (" + seconds(r.seconds) + " s";
  if (r.attempts > 1) line += ", " + std::to_string(r.attempts) + " attempts";
  return line + ")";
}

std::string text_details(const CheckResult& r) {
  std::ostringstream out;
  for (const auto& a : r.artifacts) out << "      artifact: " << a << "\n";
  for (const auto& line : r.table) out << "      " << line << "\n";
  if (r.table.empty() && (r.status == CheckStatus::Failed || r.status == CheckStatus::Error)) {
    for (const auto& e : r.evidence) {
      out << "      $ " << e.command << "\n";
      std::istringstream lines(e.output);
      std::string l;
      while (std::getline(lines, l)) out << "      " << l << "\n";
    }
  }
  return out.str();
}

static std::string counted(int n, const char* one, const char* many) {
  return std::to_string(n) + " " + (n == 1 ? one : many);
}

std::string text_summary(const TestRun& run) {
  std::ostringstream out;
  out << run.lab << ": " << run.count(CheckStatus::Passed) << " passed, "
      << run.count(CheckStatus::Failed) + run.count(CheckStatus::Error) << " failed, "
      << run.count(CheckStatus::Skipped) << " skipped";
  // The counts cover checks and actions (sequenced steps such as "link down"); say how many of each.
  int actions = 0, checks = 0;
  for (const auto& r : run.results) {
    actions += r.step == "action";
    checks += r.step == "check";
  }
  if (actions)
    out << " (" << counted(checks, "check", "checks") << " and " << counted(actions, "action", "actions") << ")";
  out << " (deploy " << seconds(run.deploy_seconds) << " s, checks " << seconds(run.check_seconds) << " s, destroy "
      << seconds(run.destroy_seconds) << " s)\n";
  return out.str();
}

std::string text_report(const TestRun& run) {
  std::string out;
  for (const auto& r : run.results) out += text_line(r) + "\n" + text_details(r);
  return out + text_summary(run);
}

}  // namespace netrig
