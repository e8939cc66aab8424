// GET /metrics of a serve watching a deployed, checked lab: Prometheus' own linter (promtool)
// accepts it, and the figures are the lab's (links up, a ping's packets, the checks' results).
#include <nlohmann/json.hpp>

#include "api_serve.h"
#include "harness.h"

namespace netrig_it {
namespace {

const char* kLab = R"(name: it-metrics
topology:
  nodes:
    sw: {kind: bridge}
    a:
      interfaces:
        eth0: {ipv4: 10.97.3.1/24}
    b:
      interfaces:
        eth0: {ipv4: 10.97.3.2/24}
  links:
    - endpoints: ["a:eth0", "sw"]
    - endpoints: ["b:eth0", "sw"]
tests:
  - name: a reaches b
    ping: {from: a, to: b, count: 2, interval: 0.2}
  - name: b fails on purpose
    exec: {node: b, cmd: "false"}
)";

// The value of the sample `series` (name{labels}) in the exposition text; -1 when absent.
double sample(const std::string& text, const std::string& series) {
  std::istringstream lines(text);
  for (std::string line; std::getline(lines, line);)
    if (line.rfind(series + " ", 0) == 0) return std::stod(line.substr(series.size() + 1));
  return -1;
}

class ApiMetricsTest : public NetrigTest {};

TEST_F(ApiMetricsTest, PromtoolAcceptsItAndItCountsTheLab) {
  const auto promtool = run({"/bin/sh", "-c", "command -v promtool"}, 10).out;
  if (promtool.empty()) GTEST_SKIP() << "promtool not installed (Debian package prometheus; ci/setup.sh installs it)";
  const auto file = tmp_.file("metrics.yaml");
  write_file(file, kLab);
  auto& lab = new_lab(file);
  auto d = netrig({"deploy", file, "--name", lab.lab()}, 60);
  ASSERT_EQ(d.exit_code, 0) << d.describe();
  auto c = netrig({"check", lab.lab(), "--artifacts", tmp_.file("artifacts")}, 60);
  ASSERT_EQ(c.exit_code, 1) << c.describe();
  Serve serve({"--poll-interval", "0.2"});
  ASSERT_TRUE(serve.listening()) << serve.child().err();
  serve.get("/api/v1/labs/" + lab.lab());  // the lab's snapshot is built

  auto r = serve.get("/metrics");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->get_header_value("Content-Type"), "text/plain; version=0.0.4; charset=utf-8");
  const auto text_file = tmp_.file("metrics.txt");
  write_file(text_file, r->body);
  auto lint = run({"/bin/sh", "-c", "promtool check metrics < '" + text_file + "'"}, 30);
  EXPECT_EQ(lint.exit_code, 0) << lint.describe() << "\n" << r->body;
  EXPECT_EQ(lint.out + lint.err, "") << "promtool lints nothing";

  const std::string l = "lab=\"" + lab.lab() + "\"";
  const auto& body = r->body;
  EXPECT_GE(sample(body, "netrig_labs"), 1) << body;
  EXPECT_EQ(sample(body, "netrig_lab_links{" + l + "}"), 2) << body;
  EXPECT_EQ(sample(body, "netrig_lab_links_up{" + l + "}"), 2) << body;
  EXPECT_EQ(sample(body, "netrig_lab_nodes{" + l + ",kind=\"netns\"}"), 2) << body;
  EXPECT_EQ(sample(body, "netrig_node_present{" + l + ",node=\"a\",kind=\"netns\"}"), 1) << body;
  EXPECT_EQ(sample(body, "netrig_lab_checks{" + l + ",status=\"passed\"}"), 1) << body;
  EXPECT_EQ(sample(body, "netrig_lab_checks{" + l + ",status=\"failed\"}"), 1) << body;
  EXPECT_EQ(sample(body, "netrig_check_status{" + l + ",check=\"b fails on purpose\",type=\"exec\",status=\"failed\"}"),
            1)
      << body;
  EXPECT_GT(sample(body, "netrig_check_duration_seconds{" + l + ",check=\"a reaches b\",type=\"ping\"}"), 0) << body;
  // The ping's packets left a's eth0; find its series by its labels.
  const std::string tx = "netrig_interface_transmit_packets_total{" + l + ",node=\"a\",";
  auto at = body.find(tx);
  ASSERT_NE(at, std::string::npos) << body;
  auto line = body.substr(at, body.find('\n', at) - at);
  EXPECT_NE(line.find("device=\"eth0\"}"), std::string::npos) << line;
  EXPECT_GE(std::stod(line.substr(line.rfind(' ') + 1)), 2) << line;

  // A link taken down shows within a refresh.
  const auto plan = netrig::make_plan(netrig::parse_topology(kLab, file, {lab.lab()}));
  ip({"-n", plan.netns_of("a"), "link", "set", "eth0", "down"});
  double up = 2;
  for (int i = 0; i < 50 && up != 1; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    auto again = serve.get("/metrics");
    if (again) up = sample(again->body, "netrig_lab_links_up{" + l + "}");
  }
  EXPECT_EQ(up, 1);
}

}  // namespace
}  // namespace netrig_it
