// The reports of a real run, read by their real consumers: a lab whose exec check prints bytes that
// are not UTF-8 (`printf '\377\376'`), next to a ping, a pingall and a check that fails. The JSON
// report must parse as strict UTF-8 and validate against docs/report.schema.json, the JUnit file
// against the Jenkins xunit plugin's junit-10.xsd, `junitparser verify` must say failed; netrig
// exits 1 (the checks' verdict), not 3, and leaves nothing behind.
#include <nlohmann/json.hpp>

#include "harness.h"

namespace netrig_it {
namespace {

using nlohmann::json;

class ReportsTest : public NetrigTest {};

const char* kLab = R"(name: it-reports
topology:
  nodes:
    sw: {kind: bridge}
    a:
      interfaces:
        eth0: {ipv4: 10.97.0.1/24}
    b:
      interfaces:
        eth0: {ipv4: 10.97.0.2/24}
  links:
    - endpoints: ["a:eth0", "sw"]
    - endpoints: ["b:eth0", "sw"]
tests:
  - name: a reaches b
    ping: {from: a, to: b, count: 2, interval: 0.2}
  - name: binary output
    exec: {node: a, cmd: "printf '\\377\\376\\033[0m\\001'; echo tail", output: "tail"}
  - name: binary output that fails
    timeout: 1
    exec: {node: b, cmd: "printf 'x\\377y'", output: "hello"}
  - name: everyone
    pingall: {}
)";

TEST_F(ReportsTest, BinaryOutputKeepsTheVerdictAndReportsStayValid) {
  const auto file = tmp_.file("reports.yaml");
  write_file(file, kLab);
  auto& lab = new_lab(file);
  auto before = snapshot(lab.lab());
  const auto junit = tmp_.file("report.xml");
  const auto json_file = tmp_.file("report.json");
  auto r = netrig({"test", file, "--name", lab.lab(), "--junit", junit, "--json-report", json_file}, 90);
  EXPECT_EQ(r.exit_code, 1) << "the failing exec check's verdict, not 'environment'\n" << r.describe();

  const auto text = read_file(json_file);
  ASSERT_FALSE(text.empty()) << r.describe();
  auto j = json::parse(text, nullptr, false);  // nlohmann rejects invalid UTF-8
  ASSERT_FALSE(j.is_discarded()) << text;
  ASSERT_EQ(j["checks"].size(), 4u) << j.dump(2);
  EXPECT_EQ(j["exit_code"], 1);
  EXPECT_EQ(j["checks"][0]["status"], "passed");
  EXPECT_GT(j["checks"][0]["figures"]["rtt_avg_ms"].get<double>(), 0) << j["checks"][0].dump(2);
  EXPECT_EQ(j["checks"][0]["figures"]["received"], 2);
  EXPECT_EQ(j["checks"][1]["status"], "passed") << j["checks"][1].dump(2);
  EXPECT_EQ(j["checks"][2]["status"], "failed") << j["checks"][2].dump(2);
  EXPECT_TRUE(j["checks"][1].contains("notes")) << j["checks"][1].dump(2);
  EXPECT_NE(j["notes"].dump().find("U+FFFD"), std::string::npos) << j["notes"].dump();
  EXPECT_EQ(j["checks"][3]["figures"]["pairs_reached"], 2) << j["checks"][3].dump(2);
  EXPECT_EQ(j["checks"][3]["matrix"]["nodes"].size(), 2u) << j["checks"][3].dump(2);
  for (const char* name : {"rtt_min_ms", "rtt_max_ms", "rtt_mdev_ms", "loss_pct"})
    EXPECT_TRUE(j["checks"][0]["figures"][name].is_number()) << name << ": " << j["checks"][0].dump(2);
  const auto& rtt = j["checks"][3]["matrix"]["rtt_ms"];
  EXPECT_TRUE(rtt[0][0].is_null() && rtt[1][1].is_null()) << "the diagonal is not probed: " << rtt.dump();
  EXPECT_GT(rtt[0][1].get<double>(), 0) << rtt.dump();
  EXPECT_GT(rtt[1][0].get<double>(), 0) << rtt.dump();
  EXPECT_EQ(j["host"].get<std::string>().empty(), false);

  const auto xml = read_file(junit);
  ASSERT_FALSE(xml.empty());
  // The real consumers (ci/setup.sh installs them). One that is missing makes the test skipped
  // with its name, after everything else was checked: never a silent pass.
  std::vector<std::string> missing;
  if (access("/usr/bin/xmllint", X_OK) == 0) {
    auto v = run({"/usr/bin/xmllint", "--noout", "--schema", source_dir() + "/tests/data/junit-10.xsd", junit});
    EXPECT_EQ(v.exit_code, 0) << v.describe() << xml;
  } else {
    missing.push_back("xmllint (libxml2-utils)");
  }
  if (run({"/usr/bin/python3", "-c", "import junitparser"}).exit_code == 0) {
    auto v = run({"/usr/bin/python3", "-m", "junitparser", "verify", junit});
    EXPECT_EQ(v.exit_code, 1) << "one check failed\n" << v.describe();
    // junitparser's own reading of the cases: 4 checks, the third failed, none skipped.
    auto counts = run({"/usr/bin/python3", "-c",
                       "import sys\nfrom junitparser import JUnitXml, Failure, Error, Skipped\n"
                       "cases = [c for s in JUnitXml.fromfile(sys.argv[1]) for c in s]\n"
                       "kind = lambda c: next((type(r).__name__ for r in c.result), 'Passed')\n"
                       "print(len(cases), ' '.join(kind(c) for c in cases))",
                       junit});
    EXPECT_EQ(counts.out, "4 Passed Passed Failure Passed\n") << counts.describe() << xml;
  } else {
    missing.push_back("junitparser (python3-junitparser)");
  }
  if (run({"/usr/bin/python3", "-c", "import jsonschema"}).exit_code == 0) {
    auto v = run({"/usr/bin/python3", "-c",
                  "import json,sys,jsonschema; jsonschema.validate(json.load(open(sys.argv[2], encoding='utf-8')), "
                  "json.load(open(sys.argv[1])), cls=jsonschema.Draft202012Validator)",
                  source_dir() + "/docs/report.schema.json", json_file});
    EXPECT_EQ(v.exit_code, 0) << v.describe();
  } else {
    missing.push_back("jsonschema (python3-jsonschema)");
  }
  expect_same_host(lab.lab(), before, "after netrig test");
  if (!missing.empty()) {
    std::string names;
    for (const auto& m : missing) names += (names.empty() ? "" : ", ") + m;
    GTEST_SKIP() << "report consumers not installed (ci/setup.sh installs them): " << names;
  }
}

}  // namespace
}  // namespace netrig_it
