// The reports against their real consumers, not against our own idea of them:
// - JUnit: the Jenkins xunit plugin's junit-10.xsd (tests/data/, `xmllint --schema`, Debian
//   libxml2-utils) and junitparser (Debian python3-junitparser): `junitparser verify` says pass or
//   fail, and junitparser's own reading of each test case gives the counts we claim.
// - JSON: docs/report.schema.json with Python's jsonschema (Debian python3-jsonschema).
// Each is skipped, with the reason, where its tool is missing. Runs as any user: pure code + files.
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>

#include "build_paths.h"
#include "reports/report.h"

namespace netrig {
namespace {

namespace fs = std::filesystem;

const std::string kPython = "/usr/bin/python3";  // Debian's, which sees python3-junitparser

struct Ran {
  int exit_code = -1;
  std::string out;
};

Ran sh(const std::string& command) {
  Ran r;
  FILE* p = popen((command + " 2>&1").c_str(), "r");
  if (!p) return r;
  char buf[4096];
  size_t n;
  while ((n = fread(buf, 1, sizeof buf, p)) > 0) r.out.append(buf, n);
  int status = pclose(p);
  r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return r;
}

bool python_has(const std::string& module) {
  return access(kPython.c_str(), X_OK) == 0 && sh(kPython + " -c 'import " + module + "'").exit_code == 0;
}

class ReportConsumers : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/netrig-report-XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
  }
  void TearDown() override {
    std::error_code ec;
    fs::remove_all(dir_, ec);
  }
  std::string write(const std::string& name, const std::string& text) {
    const auto path = dir_ + "/" + name;
    std::ofstream(path, std::ios::binary) << text;
    return path;
  }
  std::string dir_;
};

CheckResult result(const std::string& name, CheckStatus status, const std::string& message) {
  CheckResult r;
  r.name = name;
  r.type = "ping";
  r.node = "h1";
  r.target = "10.0.0.2";
  r.status = status;
  r.message = message;
  r.attempts = 1;
  r.seconds = 0.25;
  r.evidence.push_back({"ping -c 3 10.0.0.2", "3 packets transmitted, 3 received\n", 0, 0.2});
  return r;
}

TestRun base_run() {
  TestRun run;
  run.lab = "demo";
  run.file = "topologies/demo.yaml";
  run.host = "ci-runner-1";
  run.started = std::chrono::system_clock::time_point(std::chrono::milliseconds(1796613120123));
  run.deploy_seconds = 0.5;
  run.check_seconds = 1.25;
  run.destroy_seconds = 0.05;
  return run;
}

// The cases the issue names: passing, failing, skipped, error, binary output; plus an action, a
// reachability matrix, flows, a pingall matrix, and a run stopped before any check (exit 2).
std::vector<std::pair<std::string, TestRun>> sample_runs() {
  std::vector<std::pair<std::string, TestRun>> runs;
  auto passing = base_run();
  auto ping = result("h1 reaches h2", CheckStatus::Passed, "3/3 received, 0% loss");
  ping.figures = {{"sent", 3},          {"received", 3},       {"rtt_min_ms", 0.05}, {"rtt_avg_ms", 0.07},
                  {"rtt_max_ms", 0.09}, {"rtt_mdev_ms", 0.01}, {"loss_pct", 0}};
  passing.results.push_back(ping);
  auto action = result("link h2:eth0 down", CheckStatus::Passed, "set down");
  action.step = "action";
  action.type = "link";
  passing.results.push_back(action);
  runs.emplace_back("passing", passing);

  auto failing = base_run();
  failing.results.push_back(ping);
  failing.results.push_back(result("h1 reaches h3", CheckStatus::Failed, "unreachable: 0/3 received, 100% loss"));
  auto skipped = result("vlan on 8021q", CheckStatus::Skipped, "the kernel has no 8021q");
  skipped.evidence.clear();
  failing.results.push_back(skipped);
  failing.results.push_back(result("iperf3 h1 -> h2", CheckStatus::Error, "iperf3 printed no JSON"));
  auto flows = result("qos split", CheckStatus::Passed, "3 flows");
  flows.type = "iperf3";
  flows.flows = {{"gold", "h1", "10.0.0.2:5201", {{"received_mbps", 11.48}, {"retransmits", 0}}},
                 {"bronze", "h1", "10.0.0.2:5202", {{"received_mbps", 2.03}, {"retransmits", 3}}}};
  failing.results.push_back(flows);
  auto pingall = result("everyone", CheckStatus::Failed, "5/6 pairs reached");
  pingall.type = "pingall";
  pingall.matrix = {{"a", "b", "c"}, {{-1, 0.1, 0.2}, {0.1, -1, -1}, {0.3, 0.2, -1}}};
  failing.results.push_back(pingall);
  auto matrix = result("sg matrix", CheckStatus::Failed, "1 of 2 cells differ");
  matrix.type = "reachability";
  matrix.cells = {{"web1", "db1", "10.0.1.2", "tcp", 3306, "allow", "allow", "connected", "db#1", true, 0.01},
                  {"vm", "db1", "10.0.1.2", "tcp", 3306, "deny", "allow", "connected", "none", false, 0.01}};
  failing.results.push_back(matrix);
  auto capture = result("vlan capture", CheckStatus::Passed, "4 packets captured");
  capture.type = "capture";
  capture.artifacts = {"/builds/me/lab/netrig-artifacts/demo/vlan capture.pcap"};
  capture.figures = {{"packets", 4}, {"packets_matched", 4}, {"packets_tagged", 4}};
  failing.results.push_back(capture);
  runs.emplace_back("failing", failing);

  auto binary = base_run();
  auto exec = result("prints bytes", CheckStatus::Failed, "output does not match /hello/");
  exec.type = "exec";
  exec.evidence = {{"printf '\\377\\376'", std::string("\xFF\xFE\x01\x1B[0m\0tail\xC3", 11), 0, 0.01}};
  binary.results.push_back(exec);
  binary.notes.push_back("a note with a bad byte \xFF");
  runs.emplace_back("binary", binary);

  auto invalid = base_run();
  invalid.exit_code = 2;
  invalid.stopped_because = "the topology file is invalid";
  invalid.diagnostics.push_back({"lab.yaml", {3, 7}, "unknown key 'nodez'", "did you mean 'nodes'?"});
  add_stop_result(invalid, "validate lab.yaml", "1 error in lab.yaml");
  runs.emplace_back("invalid", invalid);
  return runs;
}

TEST_F(ReportConsumers, JunitIsValidAgainstJenkinsXunitSchema) {
  if (access("/usr/bin/xmllint", X_OK) != 0) GTEST_SKIP() << "xmllint missing (Debian: apt-get install libxml2-utils)";
  const auto xsd = std::string(NETRIG_SOURCE_DIR) + "/tests/data/junit-10.xsd";
  ASSERT_TRUE(fs::exists(xsd)) << xsd;
  for (const auto& [name, run] : sample_runs()) {
    const auto file = write(name + ".xml", junit_report(run, "/builds/me/lab"));
    auto r = sh("/usr/bin/xmllint --noout --schema " + xsd + " " + file);
    EXPECT_EQ(r.exit_code, 0) << name << ":\n" << r.out << "\n" << junit_report(run);
  }
}

TEST_F(ReportConsumers, JunitparserVerifiesAndCountsAsWeDo) {
  if (!python_has("junitparser")) GTEST_SKIP() << "junitparser missing (Debian: apt-get install python3-junitparser)";
  // junitparser's own reading: per test case, which result it sees; and the suite's attributes.
  const auto script = write("count.py", R"(import sys
from junitparser import JUnitXml, Failure, Error, Skipped
xml = JUnitXml.fromfile(sys.argv[1])
cases = failures = errors = skipped = 0
for suite in xml:
    for case in suite:
        cases += 1
        kinds = {type(r) for r in case.result}
        failures += Failure in kinds
        errors += Error in kinds
        skipped += Skipped in kinds
    print(suite.tests, suite.failures, suite.errors, suite.skipped)
print(cases, failures, errors, skipped)
)");
  const std::map<std::string, std::string> expected = {
      // passing: 2 cases; failing: 8 results + 2 reachability cells = 10 cases, failures: h1 reaches
      // h3, pingall, sg matrix + the one bad cell = 4, 1 error, 1 skipped.
      {"passing", "2 0 0 0\n2 0 0 0\n"},
      {"failing", "10 4 1 1\n10 4 1 1\n"},
      {"binary", "1 1 0 0\n1 1 0 0\n"},
      {"invalid", "1 0 1 0\n1 0 1 0\n"}};
  for (const auto& [name, run] : sample_runs()) {
    const auto file = write(name + ".xml", junit_report(run));
    auto counts = sh(kPython + " " + script + " " + file);
    EXPECT_EQ(counts.out, expected.at(name)) << name;
    auto verify = sh(kPython + " -m junitparser verify " + file);
    EXPECT_EQ(verify.exit_code, name == "passing" ? 0 : 1) << name << ": " << verify.out;
  }
}

TEST_F(ReportConsumers, JsonIsValidAgainstItsSchema) {
  if (!python_has("jsonschema")) GTEST_SKIP() << "jsonschema missing (Debian: apt-get install python3-jsonschema)";
  const auto schema = std::string(NETRIG_SOURCE_DIR) + "/docs/report.schema.json";
  const auto script = write("check.py", R"(import json, sys, jsonschema
schema = json.load(open(sys.argv[1]))
jsonschema.Draft202012Validator.check_schema(schema)
v = jsonschema.Draft202012Validator(schema, format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER)
bad = 0
for path in sys.argv[2:]:
    report = json.load(open(path, encoding="utf-8"))   # strict UTF-8: fails on any bad byte
    errors = list(v.iter_errors(report))
    for e in errors:
        print(path, "/".join(map(str, e.absolute_path)), e.message)
    if path.endswith("!.json") and not errors:
        print(path, "was accepted but must be rejected"); bad += 1
    if not path.endswith("!.json") and errors:
        bad += 1
sys.exit(1 if bad else 0)
)");
  std::string files;
  for (const auto& [name, run] : sample_runs()) files += " " + write(name + ".json", json_report_text(run));
  // The schema must reject what it exists to catch: a figure that is not a number, a status we do
  // not write, a missing format_version.
  auto j = json_report(sample_runs()[0].second);
  j["checks"][0]["figures"]["rtt_avg_ms"] = "0.07 ms";
  files += " " + write("figure-string!.json", j.dump());
  j = json_report(sample_runs()[0].second);
  j["checks"][0]["status"] = "ok";
  files += " " + write("status!.json", j.dump());
  j = json_report(sample_runs()[0].second);
  j.erase("format_version");
  files += " " + write("version!.json", j.dump());
  auto r = sh(kPython + " " + script + " " + schema + files);
  EXPECT_EQ(r.exit_code, 0) << r.out;
}

// printf '\377\376' in an exec check: the reports stay well-formed, say what they replaced, and
// keep the check's verdict.
TEST_F(ReportConsumers, BinaryOutputYieldsWellFormedReportsWithANote) {
  const auto runs = sample_runs();
  const auto& run = runs[2].second;
  const auto text = json_report_text(run);
  auto j = nlohmann::json::parse(text);  // throws on invalid UTF-8
  EXPECT_EQ(j["checks"][0]["status"], "failed");
  EXPECT_EQ(j["exit_code"], 1);
  ASSERT_TRUE(j["checks"][0].contains("notes")) << text;
  EXPECT_NE(j["checks"][0]["notes"][0].get<std::string>().find("U+FFFD"), std::string::npos);
  EXPECT_NE(j["checks"][0]["evidence"][0]["output"].get<std::string>().find("\xEF\xBF\xBD\xEF\xBF\xBD"),
            std::string::npos);
  EXPECT_NE(j["notes"].dump().find("U+FFFD"), std::string::npos);
  const auto xml = junit_report(run);
  EXPECT_EQ(xml.find('\xFF'), std::string::npos);
  EXPECT_EQ(xml.find('\x1B'), std::string::npos);
  EXPECT_EQ(xml.find(std::string(1, '\0')), std::string::npos);
  EXPECT_NE(xml.find("<system-err>netrig: "), std::string::npos) << xml;
  if (access("/usr/bin/xmllint", X_OK) == 0) {
    auto r = sh("/usr/bin/xmllint --noout " + write("binary.xml", xml));
    EXPECT_EQ(r.exit_code, 0) << r.out;
  }
}

// GitLab resolves [[ATTACHMENT|path]] against $CI_PROJECT_DIR: paths under the base are relative.
TEST_F(ReportConsumers, AttachmentsRelativeToTheProjectDir) {
  const auto runs = sample_runs();
  const auto xml = junit_report(runs[1].second, "/builds/me/lab");
  EXPECT_NE(xml.find("[[ATTACHMENT|netrig-artifacts/demo/vlan capture.pcap]]"), std::string::npos) << xml;
  const auto elsewhere = junit_report(runs[1].second, "/home/other");
  EXPECT_NE(elsewhere.find("[[ATTACHMENT|/builds/me/lab/netrig-artifacts/demo/vlan capture.pcap]]"), std::string::npos);
}

TEST_F(ReportConsumers, JsonHeaderFields) {
  auto j = json_report(sample_runs()[0].second);
  EXPECT_EQ(j["format"], "netrig-report");
  EXPECT_EQ(j["format_version"], kReportFormatVersion);
  EXPECT_EQ(j["netrig_version"], NETRIG_VERSION);
  EXPECT_EQ(j["host"], "ci-runner-1");
  EXPECT_EQ(j["started"], "2026-12-07T03:12:00.123Z");
  EXPECT_DOUBLE_EQ(j["checks"][0]["figures"]["rtt_mdev_ms"].get<double>(), 0.01);
}

}  // namespace
}  // namespace netrig
