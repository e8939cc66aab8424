// Test reports: plain text for people, JSON for tools, JUnit XML for CI systems. Every writer is a
// pure function of a TestRun (the HTTP API reuses them); docs/report-format.md describes the JSON
// and JUnit formats, docs/report.schema.json is the JSON's schema.
#pragma once

#include <chrono>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "checks/result.h"
#include "model/diagnostic.h"

namespace netrig {

// The JSON report's "format_version": bumped when a key changes meaning or goes away (adding keys
// does not bump it; readers ignore keys they do not know).
inline constexpr int kReportFormatVersion = 1;

struct TestRun {
  std::string lab;
  std::string file;
  std::string host;                               // the machine's host name
  std::chrono::system_clock::time_point started;  // when `netrig test` began (epoch = unknown)
  std::string netrig_version;                     // "" = this build's
  double deploy_seconds = 0;
  double check_seconds = 0;
  double destroy_seconds = 0;
  std::vector<CheckResult> results;
  // How the run ended, when it did not get as far as the checks' verdict: the exit code netrig
  // returns (-1 = not decided yet: the checks' verdict decides), its name (exit_code_name) and why.
  int exit_code = -1;
  std::string stopped_because;
  std::vector<Diagnostic> diagnostics;  // an invalid topology file's errors (exit 2)
  std::vector<std::string> notes;       // things the reader should know (bytes replaced, ...)

  int count(CheckStatus status) const;
  bool all_passed() const;  // no failed or error (skipped is reported, not a failure)
};

// A run that ended before any check ran (invalid file, host cannot run it, deploy failed, ...):
// one errored test case named `case_name` carries `message` and the diagnostics, so a CI page
// shows why.
void add_stop_result(TestRun& run, const std::string& case_name, const std::string& message);

std::string text_report(const TestRun& run);
std::string text_line(const CheckResult& result);  // one line per check, for progress output
// What goes under a check's line: its artifacts, and its evidence when it failed.
std::string text_details(const CheckResult& result);
// The closing line: counts and timings.
std::string text_summary(const TestRun& run);

// The JSON report (docs/report-format.md). Always valid UTF-8: bytes that are not are replaced
// with U+FFFD and a note says so.
nlohmann::json json_report(const TestRun& run);
std::string json_report_text(const TestRun& run);  // json_report, indented, with a final newline
// The diagnostics of an invalid file as JSON (`netrig validate -o json`, the report's "diagnostics").
nlohmann::json diagnostics_json(const std::vector<Diagnostic>& diagnostics);

// JUnit XML (valid against the Jenkins xunit plugin's junit-10.xsd, read by Jenkins' junit plugin,
// GitLab and junitparser). Artifact paths are written relative to `attachment_base` when they lie
// under it (GitLab resolves [[ATTACHMENT|path]] against $CI_PROJECT_DIR), absolute otherwise.
std::string junit_report(const TestRun& run, const std::string& attachment_base = "");

// RFC 3339 UTC with milliseconds: 2026-12-07T03:12:00.123Z.
std::string rfc3339(std::chrono::system_clock::time_point t);

}  // namespace netrig
