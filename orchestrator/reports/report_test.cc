#include "reports/report.h"

#include <gtest/gtest.h>

namespace netrig {
namespace {

TestRun sample_run() {
  TestRun run;
  run.lab = "lab<1>";
  run.file = "lab.yaml";
  CheckResult pass;
  pass.name = "h1 reaches h2";
  pass.type = "ping";
  pass.status = CheckStatus::Passed;
  pass.message = "3/3 received";
  pass.evidence.push_back({"ping -c 3 10.0.0.2", "3 packets transmitted, 3 received", 0, 0.4});
  CheckResult fail = pass;
  fail.name = "a \"quoted\" & <odd> name";
  fail.status = CheckStatus::Failed;
  fail.message = "unreachable";
  CheckResult skip = pass;
  skip.name = "needs a kernel feature";
  skip.status = CheckStatus::Skipped;
  skip.message = "no 8021q";
  run.results = {pass, fail, skip};
  return run;
}

TEST(Report, CountsAndVerdict) {
  auto run = sample_run();
  EXPECT_EQ(run.count(CheckStatus::Passed), 1);
  EXPECT_EQ(run.count(CheckStatus::Failed), 1);
  EXPECT_FALSE(run.all_passed());
  run.results.erase(run.results.begin() + 1);
  EXPECT_TRUE(run.all_passed()) << "a skipped check is not a failure";
}

TEST(Report, JunitEscapesAndMarksFailures) {
  auto xml = junit_report(sample_run());
  EXPECT_NE(xml.find("<testsuites name=\"netrig\" tests=\"3\" failures=\"1\" errors=\"0\" time="), std::string::npos)
      << xml;
  // junit-10.xsd has no `skipped` on <testsuites>: the count is on the <testsuite>.
  EXPECT_NE(xml.find("tests=\"3\" failures=\"1\" errors=\"0\" skipped=\"1\""), std::string::npos) << xml;
  EXPECT_EQ(xml.find("<testsuites name=\"netrig\" tests=\"3\" failures=\"1\" errors=\"0\" skipped"), std::string::npos);
  EXPECT_NE(xml.find("name=\"a &quot;quoted&quot; &amp; &lt;odd&gt; name\""), std::string::npos);
  // GitLab shows the body, not the message: the body starts with it.
  EXPECT_NE(xml.find("<failure message=\"unreachable\" type=\"ping\">unreachable\n\n$ ping -c 3"), std::string::npos)
      << xml;
  EXPECT_NE(xml.find("<skipped message=\"no 8021q\"/>"), std::string::npos);
  EXPECT_NE(xml.find("testsuite name=\"lab&lt;1&gt;\""), std::string::npos);
  EXPECT_EQ(xml.find("<odd>"), std::string::npos);
}

TEST(Report, JsonCarriesEvidence) {
  auto j = json_report(sample_run());
  EXPECT_EQ(j["ok"], false);
  EXPECT_EQ(j["failed"], 1);
  ASSERT_EQ(j["checks"].size(), 3u);
  EXPECT_EQ(j["checks"][1]["status"], "failed");
  EXPECT_EQ(j["checks"][0]["evidence"][0]["command"], "ping -c 3 10.0.0.2");
}

TEST(Report, TextShowsEvidenceOnlyForFailures) {
  auto text = text_report(sample_run());
  EXPECT_NE(text.find("FAIL  a \"quoted\""), std::string::npos);
  EXPECT_NE(text.find("lab<1>: 1 passed, 1 failed, 1 skipped"), std::string::npos);
  // evidence printed once: under the failure, not under the pass or the skip
  auto first = text.find("$ ping -c 3");
  ASSERT_NE(first, std::string::npos);
  EXPECT_EQ(text.find("$ ping -c 3", first + 1), std::string::npos);
}

// A capture's pcap: in the JSON's artifacts array, as a JUnit attachment line in system-out
// (Jenkins' junit-attachments and GitLab read [[ATTACHMENT|path]]), under the text line.
TEST(Report, ArtifactsInEveryFormat) {
  auto run = sample_run();
  run.results[1].type = "capture";
  run.results[1].artifacts = {"/tmp/arts/lab/h2 & icmp.pcap"};
  auto j = json_report(run);
  EXPECT_EQ(j["checks"][1]["artifacts"], nlohmann::json::array({"/tmp/arts/lab/h2 & icmp.pcap"}));
  EXPECT_EQ(j["checks"][0]["artifacts"], nlohmann::json::array());
  auto xml = junit_report(run);
  auto out = xml.find("<system-out>", xml.find("odd"));
  auto attachment = xml.find("[[ATTACHMENT|/tmp/arts/lab/h2 &amp; icmp.pcap]]");
  ASSERT_NE(attachment, std::string::npos) << xml;
  EXPECT_GT(attachment, out);
  EXPECT_LT(attachment, xml.find("</system-out>", out));
  EXPECT_NE(text_report(run).find("      artifact: /tmp/arts/lab/h2 & icmp.pcap\n"), std::string::npos);
}

}  // namespace
}  // namespace netrig

namespace netrig {
namespace {

// Actions are reported in order, marked as actions, with their outcome; background checks and
// measured figures are in the JSON.
TEST(Report, ActionsAndBackgroundChecks) {
  TestRun run;
  run.lab = "lab";
  CheckResult down;
  down.name = "link h2:eth0 down";
  down.type = "link";
  down.step = "action";
  down.status = CheckStatus::Passed;
  down.message = "device eth0 in namespace lab-h2 set down";
  down.started_s = 1.25;
  CheckResult bg;
  bg.name = "steady";
  bg.type = "ping";
  bg.background = true;
  bg.status = CheckStatus::Failed;
  bg.message = "more than 2 lost";
  bg.figures = {{"lost", 11}, {"longest_gap_s", 1.2}};
  CheckResult skipped = down;
  skipped.name = "link h2:eth0 up";
  skipped.status = CheckStatus::Skipped;
  skipped.message = "not run: action 'x' failed";
  run.results = {down, bg, skipped};
  EXPECT_EQ(text_line(down).rfind("DONE  [action] link h2:eth0 down — device eth0", 0), 0u) << text_line(down);
  EXPECT_EQ(text_line(bg).rfind("FAIL  steady [background] — more than 2 lost", 0), 0u) << text_line(bg);
  EXPECT_NE(text_summary(run).find("1 passed, 1 failed, 1 skipped (1 check and 2 actions)"), std::string::npos)
      << text_summary(run);
  auto j = json_report(run);
  EXPECT_EQ(j["checks"][0]["step"], "action");
  EXPECT_EQ(j["checks"][0]["type"], "link");
  EXPECT_DOUBLE_EQ(j["checks"][0]["started"].get<double>(), 1.25);
  EXPECT_EQ(j["checks"][0]["figures"], nlohmann::json::object()) << "figures is always there, empty when none";
  EXPECT_EQ(j["checks"][1]["background"], true);
  EXPECT_DOUBLE_EQ(j["checks"][1]["figures"]["lost"].get<double>(), 11);
  EXPECT_EQ(j["ok"], false);
  auto x = junit_report(run);
  EXPECT_NE(x.find("classname=\"lab.action.link\" name=\"link h2:eth0 down\""), std::string::npos) << x;
  EXPECT_NE(x.find("<skipped message=\"not run: action &apos;x&apos; failed\"/>"), std::string::npos) << x;
  EXPECT_LT(x.find("link h2:eth0 down"), x.find("steady"));
}

}  // namespace
}  // namespace netrig
