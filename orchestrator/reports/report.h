// Test reports: plain text for people, JSON for tools, JUnit XML for CI systems.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "checks/result.h"

namespace netrig {

struct TestRun {
  std::string lab;
  std::string file;
  double deploy_seconds = 0;
  double check_seconds = 0;
  double destroy_seconds = 0;
  std::vector<CheckResult> results;

  int count(CheckStatus status) const;
  bool all_passed() const;  // no failed or error (skipped is reported, not a failure)
};

std::string text_report(const TestRun& run);
std::string text_line(const CheckResult& result);  // one line per check, for progress output
// What goes under a check's line: its artifacts, and its evidence when it failed.
std::string text_details(const CheckResult& result);
// The closing line: counts and timings.
std::string text_summary(const TestRun& run);
nlohmann::json json_report(const TestRun& run);
std::string junit_report(const TestRun& run);

}  // namespace netrig
