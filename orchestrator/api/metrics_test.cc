#include "api/metrics.h"

#include <gtest/gtest.h>
#include <sys/wait.h>

#include <cstdio>
#include <filesystem>
#include <fstream>

namespace netrig::api {
namespace {

using nlohmann::json;

std::shared_ptr<LabSnapshot> two_node_lab() {
  auto s = std::make_shared<LabSnapshot>();
  s->lab = "lab-1";
  s->status = json::parse(R"({
    "lab": "lab-1", "status": "deployed", "file": "topologies/a \"b\".yaml", "created": 1800000000,
    "nodes": [
      {"name": "sw", "kind": "bridge", "present": true, "netns": "lab-1-local", "device": "lab-1-sw"},
      {"name": "a", "kind": "netns", "present": true, "netns": "lab-1-a"},
      {"name": "b", "kind": "netns", "present": false, "netns": "lab-1-b"}],
    "links": [
      {"a": {"node": "a", "iface": "eth0", "netns": "lab-1-a", "device": "eth0"},
       "b": {"node": "sw", "iface": "", "netns": "lab-1-local", "device": "lab-1-a-eth0"}},
      {"a": {"node": "b", "iface": "eth0", "netns": "lab-1-b", "device": "eth0"},
       "b": {"node": "sw", "iface": "", "netns": "lab-1-local", "device": "lab-1-b-eth0"}}],
    "qos": [
      {"node": "a", "interface": "eth0", "device": "eth0", "direction": "egress", "object": "qdisc", "handle": "1:",
       "parent": "root", "kind": "htb", "bytes": 9000, "packets": 9, "drops": 0, "overlimits": 3, "requeues": 0,
       "qlen": 0, "backlog": 0},
      {"node": "a", "interface": "eth0", "device": "eth0", "direction": "egress", "object": "class",
       "handle": "1:10", "parent": "1:1", "kind": "htb", "class": "fast", "rate_bps": 7500000, "bytes": 6000,
       "packets": 6, "drops": 1, "overlimits": 2, "requeues": 0, "qlen": 1, "backlog": 1500},
      {"node": "a", "interface": "eth0", "device": "ifb-eth0", "direction": "ingress", "object": "qdisc",
       "handle": "1:", "parent": "root", "kind": "tbf", "bytes": 420, "packets": 5, "drops": 0, "overlimits": 0,
       "requeues": 0, "qlen": 0, "backlog": 0}]})");
  InterfaceCounters up;
  up.up = up.carrier = true;
  up.rx_bytes = 1234;
  up.tx_packets = 7;
  s->counters["lab-1-a"]["eth0"] = up;
  s->counters["lab-1-a"]["lo"] = up;
  s->counters["lab-1-local"]["lab-1-a-eth0"] = up;
  InterfaceCounters down;  // b's namespace is gone: only the switch side is seen, without carrier
  down.up = true;
  s->counters["lab-1-local"]["lab-1-b-eth0"] = down;
  s->checks = json::parse(R"({"passed": 1, "failed": 1, "errors": 0, "skipped": 0, "exit_code": 1,
    "timings": {"deploy": 0.25, "checks": 1.5, "destroy": 0},
    "checks": [{"name": "a reaches b", "type": "ping", "status": "failed", "seconds": 1.25},
               {"name": "a reaches b", "type": "ping", "status": "passed", "seconds": 0.5}]})");
  return s;
}

bool has_line(const std::string& text, const std::string& line) {
  return text.find("\n" + line + "\n") != std::string::npos || text.rfind(line + "\n", 0) == 0;
}

TEST(Metrics, LabsNodesLinksCountersAndChecks) {
  auto text = metrics_text({two_node_lab()}, ServeStats{42, 1});
  EXPECT_TRUE(has_line(text, "netrig_labs 1")) << text;
  EXPECT_TRUE(has_line(text, "netrig_events_total 42"));
  EXPECT_TRUE(has_line(text, "netrig_jobs_running 1"));
  EXPECT_TRUE(has_line(text, R"(netrig_lab_info{lab="lab-1",status="deployed",file="topologies/a \"b\".yaml"} 1)"));
  EXPECT_TRUE(has_line(text, R"(netrig_lab_nodes{lab="lab-1",kind="netns"} 2)"));
  EXPECT_TRUE(has_line(text, R"(netrig_node_present{lab="lab-1",node="b",kind="netns"} 0)"));
  EXPECT_TRUE(has_line(text, R"(netrig_lab_links{lab="lab-1"} 2)"));
  EXPECT_TRUE(has_line(text, R"(netrig_lab_links_up{lab="lab-1"} 1)"));
  EXPECT_TRUE(has_line(text, R"(netrig_link_up{lab="lab-1",link="a:eth0--sw"} 1)"));
  EXPECT_TRUE(has_line(text, R"(netrig_link_up{lab="lab-1",link="b:eth0--sw"} 0)"));
  EXPECT_TRUE(has_line(
      text, R"(netrig_interface_receive_bytes_total{lab="lab-1",node="a",netns="lab-1-a",device="eth0"} 1234)"));
  EXPECT_TRUE(has_line(
      text, R"(netrig_interface_carrier{lab="lab-1",node="local",netns="lab-1-local",device="lab-1-b-eth0"} 0)"));
  EXPECT_EQ(text.find("device=\"lo\""), std::string::npos) << "loopback is not a lab interface";
  EXPECT_TRUE(has_line(text, R"(netrig_lab_checks{lab="lab-1",status="failed"} 1)"));
  EXPECT_TRUE(has_line(text, R"(netrig_lab_deploy_duration_seconds{lab="lab-1"} 0.25)"));
  EXPECT_TRUE(has_line(text, R"(netrig_lab_checks_duration_seconds{lab="lab-1"} 1.5)"));
  // Two checks of one name stay two series.
  EXPECT_TRUE(has_line(text, R"(netrig_check_status{lab="lab-1",check="a reaches b",type="ping",status="failed"} 1)"));
  EXPECT_TRUE(
      has_line(text, R"(netrig_check_status{lab="lab-1",check="a reaches b#2",type="ping",status="passed"} 1)"));
  EXPECT_TRUE(has_line(text, R"(netrig_check_duration_seconds{lab="lab-1",check="a reaches b",type="ping"} 1.25)"));
}

TEST(Metrics, QosClassAndQdiscCounters) {
  auto text = metrics_text({two_node_lab()}, {});
  const std::string cls =
      R"({lab="lab-1",node="a",interface="eth0",device="eth0",direction="egress",handle="1:10",kind="htb",class="fast"})";
  EXPECT_TRUE(has_line(text, "netrig_qos_class_bytes_total" + cls + " 6000")) << text;
  EXPECT_TRUE(has_line(text, "netrig_qos_class_packets_total" + cls + " 6"));
  EXPECT_TRUE(has_line(text, "netrig_qos_class_drops_total" + cls + " 1"));
  EXPECT_TRUE(has_line(text, "netrig_qos_class_overlimits_total" + cls + " 2"));
  EXPECT_TRUE(has_line(text, "netrig_qos_class_backlog_bytes" + cls + " 1500"));
  EXPECT_TRUE(has_line(text, "netrig_qos_class_queue_packets" + cls + " 1"));
  EXPECT_TRUE(has_line(
      text,
      R"(netrig_qos_qdisc_bytes_total{lab="lab-1",node="a",interface="eth0",device="ifb-eth0",direction="ingress",handle="1:",kind="tbf"} 420)"));
}

TEST(Metrics, EachFamilyHasOneHelpAndTypeBeforeItsSamples) {
  auto second = two_node_lab();
  second->lab = "lab-2";
  auto text = metrics_text({two_node_lab(), second}, {});
  auto first_type = text.find("# TYPE netrig_link_up gauge");
  ASSERT_NE(first_type, std::string::npos);
  EXPECT_EQ(text.find("# TYPE netrig_link_up", first_type + 1), std::string::npos) << text;
  auto lab2 = text.find(R"(netrig_link_up{lab="lab-2")");
  EXPECT_GT(lab2, first_type);
  EXPECT_LT(lab2, text.find("# HELP", first_type + 30)) << "lab-2's samples follow lab-1's in one block";
}

TEST(Metrics, LabelValuesEscaped) { EXPECT_EQ(escape_label_value("a\\b\"c\nd"), "a\\\\b\\\"c\\nd"); }

// The real consumer: Prometheus' own linter. CI installs it (ci/setup.sh); elsewhere this skips.
TEST(Metrics, PromtoolAcceptsTheText) {
  if (std::system("command -v promtool >/dev/null 2>&1") != 0)
    GTEST_SKIP() << "promtool not installed (Debian package prometheus; ci/setup.sh installs it)";
  auto second = two_node_lab();
  second->lab = "lab-2";
  second->checks.reset();
  const auto path = std::filesystem::temp_directory_path() / ("netrig-metrics-" + std::to_string(getpid()) + ".txt");
  {
    std::ofstream out(path);
    out << metrics_text({two_node_lab(), second}, ServeStats{3, 0});
  }
  const std::string cmd = "promtool check metrics < " + path.string() + " 2>&1";
  FILE* p = popen(cmd.c_str(), "r");
  ASSERT_NE(p, nullptr);
  std::string said;
  char buf[512];
  while (size_t n = fread(buf, 1, sizeof buf, p)) said.append(buf, n);
  int status = pclose(p);
  std::filesystem::remove(path);
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << said;
  EXPECT_EQ(said, "") << "promtool lints nothing";
}

}  // namespace
}  // namespace netrig::api
