// JUnit XML, valid against the Jenkins xunit plugin's junit-10.xsd (tests/data/junit-10.xsd) and
// shaped for what the CI systems read: GitLab shows a <failure>'s body but not its message, so the
// body starts with the message; Jenkins' junit-attachments and GitLab attach the files named
// [[ATTACHMENT|path]] in <system-out>.
#include <cstdio>
#include <filesystem>
#include <sstream>

#include "reports/report.h"
#include "reports/text_safety.h"
#include "util/text.h"

namespace netrig {

namespace {

// Escapes for an attribute or text node, after making the text valid XML 1.0 characters; counts
// the bytes replaced.
struct Escaper {
  size_t replaced = 0;
  std::string operator()(const std::string& s) { return xml_escape(clean_xml_text(s, &replaced)); }
};

std::string seconds(double s) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.3f", s < 0 ? 0 : s);
  return buf;
}

std::string attachment_path(const std::string& path, const std::string& base) {
  if (base.empty()) return path;
  namespace fs = std::filesystem;
  const auto rel = fs::path(path).lexically_relative(fs::path(base));
  if (rel.empty() || *rel.begin() == "..") return path;
  return rel.string();
}

std::string evidence_text(const CheckResult& r) {
  std::string text;
  for (const auto& e : r.evidence)
    text += "$ " + e.command + "\n" + e.output + (e.output.empty() || e.output.back() == '\n' ? "" : "\n");
  return text;
}

}  // namespace

std::string junit_report(const TestRun& run, const std::string& attachment_base) {
  Escaper esc;
  std::ostringstream cases_xml;
  size_t cases = 0, failures = 0, errors = 0, skipped = 0;
  for (const auto& r : run.results) {
    ++cases;
    failures += r.status == CheckStatus::Failed;
    errors += r.status == CheckStatus::Error;
    skipped += r.status == CheckStatus::Skipped;
    const size_t replaced_before = esc.replaced;
    const auto kind = (r.step == "action" ? "action." : "") + r.type;
    cases_xml << "    <testcase classname=\"" << esc(run.lab + "." + kind) << "\" name=\"" << esc(r.name)
              << "\" time=\"" << seconds(r.seconds) << "\">\n";
    const auto evidence = evidence_text(r);
    // The message first in the body too: GitLab shows only the body.
    const auto body = r.message + (evidence.empty() ? "" : "\n\n" + evidence);
    if (r.status == CheckStatus::Failed)
      cases_xml << "      <failure message=\"" << esc(r.message) << "\" type=\"" << esc(r.type) << "\">" << esc(body)
                << "</failure>\n";
    else if (r.status == CheckStatus::Error)
      cases_xml << "      <error message=\"" << esc(r.message) << "\" type=\"" << esc(r.type) << "\">" << esc(body)
                << "</error>\n";
    else if (r.status == CheckStatus::Skipped)
      cases_xml << "      <skipped message=\"" << esc(r.message) << "\"/>\n";
    std::string out = evidence;
    for (const auto& a : r.artifacts) out += "[[ATTACHMENT|" + attachment_path(a, attachment_base) + "]]\n";
    cases_xml << "      <system-out>" << esc(out) << "</system-out>\n";
    if (const size_t replaced = esc.replaced - replaced_before)
      cases_xml << "      <system-err>netrig: " << esc(replacement_note(replaced)) << "</system-err>\n";
    cases_xml << "    </testcase>\n";
    // A reachability matrix: one test case per cell as well.
    for (const auto& c : r.cells) {
      ++cases;
      failures += !c.passed;
      const auto cell = c.from + " -> " + c.to + " " + c.protocol + (c.port ? "/" + std::to_string(c.port) : "");
      cases_xml << "    <testcase classname=\"" << esc(run.lab + ".reachability." + r.name) << "\" name=\"" << esc(cell)
                << "\" time=\"" << seconds(c.seconds) << "\">\n";
      const auto text = c.observed + ": " + c.outcome + "; expected " + c.expected + "; rule: " + c.rule;
      if (!c.passed)
        cases_xml << "      <failure message=\"" << esc(text) << "\" type=\"reachability\">" << esc(text)
                  << "</failure>\n";
      cases_xml << "      <system-out>" << esc(text) << "</system-out>\n    </testcase>\n";
    }
  }
  const double total = run.deploy_seconds + run.check_seconds + run.destroy_seconds;
  std::ostringstream x;
  x << "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n";
  // junit-10.xsd allows no `skipped` on <testsuites>; it is on the <testsuite>.
  x << "<testsuites name=\"netrig\" tests=\"" << cases << "\" failures=\"" << failures << "\" errors=\"" << errors
    << "\" time=\"" << seconds(total) << "\">\n";
  x << "  <testsuite name=\"" << esc(run.lab) << "\" tests=\"" << cases << "\" failures=\"" << failures
    << "\" errors=\"" << errors << "\" skipped=\"" << skipped << "\" time=\"" << seconds(total) << "\"";
  if (run.started.time_since_epoch().count() != 0) x << " timestamp=\"" << rfc3339(run.started) << "\"";
  if (!run.host.empty()) x << " hostname=\"" << esc(run.host) << "\"";
  if (!run.file.empty()) x << " file=\"" << esc(run.file) << "\"";
  x << ">\n";
  x << "    <properties>\n      <property name=\"file\" value=\"" << esc(run.file) << "\"/>\n"
    << "      <property name=\"deploy_seconds\" value=\"" << seconds(run.deploy_seconds) << "\"/>\n"
    << "      <property name=\"check_seconds\" value=\"" << seconds(run.check_seconds) << "\"/>\n"
    << "      <property name=\"destroy_seconds\" value=\"" << seconds(run.destroy_seconds) << "\"/>\n";
  if (run.exit_code >= 0) x << "      <property name=\"exit_code\" value=\"" << run.exit_code << "\"/>\n";
  for (const auto& note : run.notes) x << "      <property name=\"note\" value=\"" << esc(note) << "\"/>\n";
  x << "    </properties>\n" << cases_xml.str();
  x << "  </testsuite>\n</testsuites>\n";
  return x.str();
}

}  // namespace netrig
