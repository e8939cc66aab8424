// Interface qos: through the API: GET /api/v1/labs/{lab} lists each qdisc and class of the lab's
// shaped interfaces with tc's counters (classes by their name in the file), and /metrics exposes
// them per class and qdisc, linted by promtool. Traffic from real pings: srv's egress HTB sends
// what goes to a through class "fast" (u32 by destination); b's ingress goes through its ifb's tbf.
#include <nlohmann/json.hpp>

#include "api_serve.h"
#include "harness.h"

namespace netrig_it {
namespace {

using nlohmann::json;

const char* kLab = R"(name: it-api-qos
topology:
  nodes:
    lan: {kind: bridge}
    a: {interfaces: {eth0: 10.27.19.11/24}}
    b:
      interfaces:
        eth0:
          ipv4: 10.27.19.12/24
          qos: {ingress: {rate: 40mbit}}
    srv:
      interfaces:
        eth0:
          ipv4: 10.27.19.10/24
          qos:
            egress:
              htb:
                rate: 100mbit
                default: slow
                classes:
                  fast: {rate: 75%, ceil: 100%}
                  slow: {rate: 25%, ceil: 100%}
              filters:
                - {dst: 10.27.19.11, class: fast}
  links:
    - endpoints: ["a:eth0", "lan"]
    - endpoints: ["b:eth0", "lan"]
    - endpoints: ["srv:eth0", "lan"]
)";

double sample(const std::string& text, const std::string& series) {
  std::istringstream lines(text);
  for (std::string line; std::getline(lines, line);)
    if (line.rfind(series + " ", 0) == 0) return std::stod(line.substr(series.size() + 1));
  return -1;
}

const json* find_entry(const json& qos, const std::string& node, const std::string& direction,
                       const std::string& object, const std::string& cls = "") {
  for (const auto& e : qos)
    if (e["node"] == node && e["direction"] == direction && e["object"] == object &&
        (cls.empty() || (e["class"].is_string() && e["class"] == cls)))
      return &e;
  return nullptr;
}

class ApiQosTest : public NetrigTest {};

TEST_F(ApiQosTest, LabStatusAndMetricsShowPerClassCounters) {
  const auto file = tmp_.file("qos.yaml");
  write_file(file, kLab);
  auto& lab = new_lab(file);
  auto d = netrig({"deploy", file, "--name", lab.lab()}, 120);
  ASSERT_EQ(d.exit_code, 0) << d.describe();
  // 20 pings of 1000 bytes from srv to a (class fast) and to b (b's ingress).
  for (const char* to : {"10.27.19.11", "10.27.19.12"}) {
    auto p = netrig({"exec", lab.lab(), "srv", "--", "ping", "-q", "-c", "20", "-i", "0.01", "-s", "1000", to}, 30);
    ASSERT_EQ(p.exit_code, 0) << p.describe();
  }
  Serve serve({"--jobs-dir", tmp_.file("jobs"), "--poll-interval", "0.2"});
  ASSERT_TRUE(serve.listening()) << serve.child().err();
  auto status = serve.get_json("/api/v1/labs/" + lab.lab());
  ASSERT_TRUE(status.is_object()) << status;
  const auto& qos = status["qos"];
  ASSERT_TRUE(qos.is_array()) << status.dump(2);

  const auto* fast = find_entry(qos, "srv", "egress", "class", "fast");
  const auto* slow = find_entry(qos, "srv", "egress", "class", "slow");
  const auto* root = find_entry(qos, "srv", "egress", "qdisc");
  ASSERT_TRUE(fast && slow && root) << qos.dump(2);
  EXPECT_EQ((*root)["kind"], "htb");
  EXPECT_EQ((*fast)["interface"], "eth0");
  EXPECT_EQ((*fast)["rate_bps"], 75000000);
  EXPECT_GE((*fast)["packets"].get<uint64_t>(), 20u) << fast->dump();
  EXPECT_GE((*fast)["bytes"].get<uint64_t>(), 20u * 1000) << fast->dump();
  // What went to b is not a's: it left through the default class.
  EXPECT_GE((*slow)["bytes"].get<uint64_t>(), 20u * 1000) << slow->dump();
  const auto* ingress = find_entry(qos, "b", "ingress", "qdisc");
  ASSERT_TRUE(ingress) << qos.dump(2);
  EXPECT_EQ((*ingress)["kind"], "tbf");
  EXPECT_NE((*ingress)["device"], "eth0") << "counted on b's ifb";
  EXPECT_GE((*ingress)["bytes"].get<uint64_t>(), 20u * 1000) << ingress->dump();
  EXPECT_EQ(find_entry(qos, "a", "egress", "qdisc"), nullptr) << "a has no qos:";

  auto r = serve.get("/metrics");
  ASSERT_TRUE(r);
  const auto& text = r->body;
  const std::string series = "netrig_qos_class_bytes_total{lab=\"" + lab.lab() +
                             "\",node=\"srv\",interface=\"eth0\",device=\"eth0\",direction=\"egress\",handle=\"" +
                             (*fast)["handle"].get<std::string>() + "\",kind=\"htb\",class=\"fast\"}";
  EXPECT_GE(sample(text, series), 20000) << series << "\n" << text.substr(0, 3000);
  EXPECT_NE(text.find("netrig_qos_qdisc_bytes_total{lab=\"" + lab.lab() + "\",node=\"b\""), std::string::npos);
  auto promtool = run({"/bin/sh", "-c", "command -v promtool"}, 10).out;
  if (promtool.empty()) {
    std::cout << "promtool not installed: /metrics not linted\n";
    return;
  }
  const auto path = tmp_.file("metrics.txt");
  write_file(path, text);
  auto lint = run({"/bin/sh", "-c", "promtool check metrics < '" + path + "'"}, 30);
  EXPECT_EQ(lint.exit_code, 0) << lint.describe();
  EXPECT_EQ(lint.out + lint.err, "") << "promtool lints nothing";
}

}  // namespace
}  // namespace netrig_it
