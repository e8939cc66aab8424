#include "reports/report.h"

#include <cstdio>
#include <sstream>

namespace netrig {

int TestRun::count(CheckStatus status) const {
  int n = 0;
  for (const auto& r : results) n += r.status == status;
  return n;
}

bool TestRun::all_passed() const { return count(CheckStatus::Failed) == 0 && count(CheckStatus::Error) == 0; }

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

std::string text_summary(const TestRun& run) {
  std::ostringstream out;
  out << run.lab << ": " << run.count(CheckStatus::Passed) << " passed, "
      << run.count(CheckStatus::Failed) + run.count(CheckStatus::Error) << " failed, "
      << run.count(CheckStatus::Skipped) << " skipped";
  int actions = 0;
  for (const auto& r : run.results) actions += r.step == "action";
  if (actions) out << " (" << actions << " of them actions)";
  out << " (deploy " << seconds(run.deploy_seconds) << " s, checks " << seconds(run.check_seconds) << " s, destroy "
      << seconds(run.destroy_seconds) << " s)\n";
  return out.str();
}

std::string text_report(const TestRun& run) {
  std::string out;
  for (const auto& r : run.results) out += text_line(r) + "\n" + text_details(r);
  return out + text_summary(run);
}

nlohmann::json json_report(const TestRun& run) {
  nlohmann::json checks = nlohmann::json::array();
  for (const auto& r : run.results) {
    nlohmann::json evidence = nlohmann::json::array();
    for (const auto& e : r.evidence)
      evidence.push_back(
          {{"command", e.command}, {"output", e.output}, {"exit_code", e.exit_code}, {"seconds", e.seconds}});
    checks.push_back({{"name", r.name},
                      {"type", r.type},
                      {"node", r.node},
                      {"target", r.target},
                      {"status", to_string(r.status)},
                      {"message", r.message},
                      {"attempts", r.attempts},
                      {"seconds", r.seconds},
                      {"evidence", evidence},
                      {"artifacts", r.artifacts},
                      {"step", r.step},
                      {"background", r.background},
                      {"started", r.started_s}});
    if (!r.figures.empty()) checks.back()["figures"] = r.figures;
    if (!r.cells.empty()) {
      nlohmann::json cells = nlohmann::json::array();
      for (const auto& c : r.cells)
        cells.push_back({{"from", c.from},
                         {"to", c.to},
                         {"address", c.address},
                         {"protocol", c.protocol},
                         {"port", c.port},
                         {"expected", c.expected},
                         {"observed", c.observed},
                         {"outcome", c.outcome},
                         {"rule", c.rule},
                         {"passed", c.passed},
                         {"seconds", c.seconds}});
      checks.back()["cells"] = cells;
    }
  }
  return {
      {"lab", run.lab},
      {"file", run.file},
      {"passed", run.count(CheckStatus::Passed)},
      {"failed", run.count(CheckStatus::Failed)},
      {"errors", run.count(CheckStatus::Error)},
      {"skipped", run.count(CheckStatus::Skipped)},
      {"ok", run.all_passed()},
      {"timings", {{"deploy", run.deploy_seconds}, {"checks", run.check_seconds}, {"destroy", run.destroy_seconds}}},
      {"checks", checks}};
}

static std::string xml_escape(const std::string& s) {
  std::string out;
  for (unsigned char c : s) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&apos;";
        break;
      default:
        if (c < 0x20 && c != '\n' && c != '\t' && c != '\r')
          out += "?";  // not allowed in XML 1.0
        else
          out += static_cast<char>(c);
    }
  }
  return out;
}

std::string junit_report(const TestRun& run) {
  std::ostringstream x;
  x << "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n";
  size_t cases = run.results.size(), failures = static_cast<size_t>(run.count(CheckStatus::Failed));
  for (const auto& r : run.results)
    for (const auto& c : r.cells) {
      ++cases;
      failures += !c.passed;
    }
  x << "<testsuites name=\"netrig\" tests=\"" << cases << "\" failures=\"" << failures << "\" errors=\""
    << run.count(CheckStatus::Error) << "\" skipped=\"" << run.count(CheckStatus::Skipped) << "\" time=\""
    << seconds(run.check_seconds) << "\">\n";
  x << "  <testsuite name=\"" << xml_escape(run.lab) << "\" tests=\"" << cases << "\" failures=\"" << failures
    << "\" errors=\"" << run.count(CheckStatus::Error) << "\" skipped=\"" << run.count(CheckStatus::Skipped)
    << "\" time=\"" << seconds(run.check_seconds) << "\">\n";
  x << "    <properties>\n      <property name=\"file\" value=\"" << xml_escape(run.file) << "\"/>\n"
    << "      <property name=\"deploy_seconds\" value=\"" << seconds(run.deploy_seconds) << "\"/>\n"
    << "      <property name=\"destroy_seconds\" value=\"" << seconds(run.destroy_seconds)
    << "\"/>\n    </properties>\n";
  for (const auto& r : run.results) {
    const auto kind = (r.step == "action" ? "action." : "") + r.type;
    x << "    <testcase classname=\"" << xml_escape(run.lab + "." + kind) << "\" name=\"" << xml_escape(r.name)
      << "\" time=\"" << seconds(r.seconds) << "\">\n";
    std::string evidence;
    for (const auto& e : r.evidence)
      evidence += "$ " + e.command + "\n" + e.output + (e.output.empty() || e.output.back() == '\n' ? "" : "\n");
    if (r.status == CheckStatus::Failed)
      x << "      <failure message=\"" << xml_escape(r.message) << "\" type=\"" << r.type << "\">"
        << xml_escape(evidence) << "</failure>\n";
    else if (r.status == CheckStatus::Error)
      x << "      <error message=\"" << xml_escape(r.message) << "\" type=\"" << r.type << "\">" << xml_escape(evidence)
        << "</error>\n";
    else if (r.status == CheckStatus::Skipped)
      x << "      <skipped message=\"" << xml_escape(r.message) << "\"/>\n";
    // Jenkins (junit-attachments) and GitLab attach files named this way in system-out.
    for (const auto& a : r.artifacts) evidence += "[[ATTACHMENT|" + a + "]]\n";
    x << "      <system-out>" << xml_escape(evidence) << "</system-out>\n";
    x << "    </testcase>\n";
    // A reachability matrix: one test case per cell as well.
    for (const auto& c : r.cells) {
      const auto cell = c.from + " -> " + c.to + " " + c.protocol + (c.port ? "/" + std::to_string(c.port) : "");
      x << "    <testcase classname=\"" << xml_escape(run.lab + ".reachability." + r.name) << "\" name=\""
        << xml_escape(cell) << "\" time=\"" << seconds(c.seconds) << "\">\n";
      const auto text = c.observed + ": " + c.outcome + "; expected " + c.expected + "; rule: " + c.rule;
      if (!c.passed) x << "      <failure message=\"" << xml_escape(text) << "\" type=\"reachability\"/>\n";
      x << "      <system-out>" << xml_escape(text) << "</system-out>\n    </testcase>\n";
    }
  }
  x << "  </testsuite>\n</testsuites>\n";
  return x.str();
}

}  // namespace netrig
