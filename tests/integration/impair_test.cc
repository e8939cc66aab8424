// Link impairments at run time: `action: {impair: ...}` in a tests: sequence and `netrig set-link`
// on a deployed lab. This machine's kernel has no netem: there the action must be reported skipped
// with the reason and the checks after it skipped too (never passed over an unimpaired link), and
// set-link --delay must exit 3 saying so. On a kernel with netem the delay must show in the RTT.
// set-link --down/--up works everywhere. Nothing is left behind.
#include <nlohmann/json.hpp>

#include "harness.h"

namespace netrig_it {
namespace {

using nlohmann::json;

class ImpairTest : public NetrigTest {};

const char* kLab = R"(name: it-impair
topology:
  nodes:
    a:
      interfaces:
        eth0: {ipv4: 10.96.0.1/24}
    b:
      interfaces:
        eth0: {ipv4: 10.96.0.2/24}
  links:
    - endpoints: ["a:eth0", "b:eth0"]
tests:
  - ping: {from: a, to: b, count: 2, interval: 0.2}
  - action: {impair: "a:eth0", delay: 100ms}
  - name: slow
    exec: {node: a, cmd: "ping -c 3 -i 0.2 -q 10.96.0.2 | awk -F/ '/rtt/ {exit !($5 >= 100)}'"}
  - action: {impair: "a:eth0", clear: true}
)";

TEST_F(ImpairTest, ImpairActionActsOrIsSkippedWithTheRestNeverPassed) {
  const auto file = tmp_.file("impair.yaml");
  write_file(file, kLab);
  auto& lab = new_lab(file);
  auto before = snapshot(lab.lab());
  const auto report = tmp_.file("impair.json");
  auto r = netrig({"test", file, "--name", lab.lab(), "--json-report", report}, 90);
  auto j = json::parse(read_file(report), nullptr, false);
  ASSERT_FALSE(j.is_discarded()) << r.describe();
  ASSERT_EQ(j["checks"].size(), 4u) << j.dump(2);
  EXPECT_EQ(j["checks"][0]["status"], "passed") << j["checks"][0].dump(2);
  const auto& impair = j["checks"][1];
  if (impair["status"] == "skipped") {
    EXPECT_NE(impair["message"].get<std::string>().find("no netem"), std::string::npos) << impair.dump(2);
    for (int i : {2, 3}) {
      EXPECT_EQ(j["checks"][i]["status"], "skipped") << j["checks"][i].dump(2);
      EXPECT_NE(j["checks"][i]["message"].get<std::string>().find("could not run here"), std::string::npos)
          << j["checks"][i].dump(2);
    }
  } else {
    EXPECT_EQ(impair["status"], "passed") << impair.dump(2);
    EXPECT_EQ(j["checks"][2]["status"], "passed") << "the RTT through a 100 ms netem: " << j["checks"][2].dump(2);
    EXPECT_EQ(j["checks"][3]["status"], "passed") << j["checks"][3].dump(2);
    EXPECT_EQ(r.exit_code, 0) << r.describe();
  }
  expect_same_host(lab.lab(), before, "after netrig test with impairments");
}

TEST_F(ImpairTest, SetLinkOnADeployedLab) {
  const auto file = tmp_.file("impair.yaml");
  write_file(file, kLab);
  auto& lab = new_lab(file);
  auto before = snapshot(lab.lab());
  ASSERT_EQ(netrig({"deploy", file, "--name", lab.lab()}, 60).exit_code, 0);
  const auto end = lab.lab() + ":a:eth0";
  const auto ns = lab.lab() + "-a";
  auto flags = [&] { return ip({"-n", ns, "-o", "link", "show", "eth0"}).out; };

  auto down = netrig({"set-link", end, "--down"});
  EXPECT_EQ(down.exit_code, 0) << down.describe();
  EXPECT_EQ(flags().find(",UP"), std::string::npos) << flags();
  auto up = netrig({"set-link", end, "--up"});
  EXPECT_EQ(up.exit_code, 0) << up.describe();
  EXPECT_NE(flags().find(",UP"), std::string::npos) << flags();

  auto delay = netrig({"set-link", end, "--delay", "50ms", "--loss", "1%"});
  const auto qdisc = run({"/usr/sbin/tc", "-n", ns, "qdisc", "show", "dev", "eth0"}).out;
  if (delay.exit_code == 3) {
    EXPECT_NE(delay.out.find("no netem"), std::string::npos) << delay.describe();
    EXPECT_EQ(qdisc.find("netem"), std::string::npos) << qdisc;
  } else {
    EXPECT_EQ(delay.exit_code, 0) << delay.describe();
    EXPECT_NE(qdisc.find("netem"), std::string::npos) << qdisc;
    EXPECT_NE(qdisc.find("delay 50ms"), std::string::npos) << qdisc;
  }
  auto clear = netrig({"set-link", end, "--clear"});
  EXPECT_EQ(clear.exit_code, 0) << clear.describe();
  EXPECT_EQ(run({"/usr/sbin/tc", "-n", ns, "qdisc", "show", "dev", "eth0"}).out.find("netem"), std::string::npos);

  // Bad input: exit 2, nothing changed.
  EXPECT_EQ(netrig({"set-link", end, "--loss", "150%"}).exit_code, 2);
  EXPECT_EQ(netrig({"set-link", end, "--jitter", "5ms"}).exit_code, 2);
  EXPECT_EQ(netrig({"set-link", end}).exit_code, 2);
  auto unknown = netrig({"set-link", lab.lab() + ":a:eth9", "--down"});
  EXPECT_EQ(unknown.exit_code, 2) << unknown.describe();
  EXPECT_NE(unknown.err.find("a:eth0"), std::string::npos) << "lists the link ends\n" << unknown.describe();
  EXPECT_NE(flags().find(",UP"), std::string::npos) << flags();

  EXPECT_EQ(netrig({"destroy", lab.lab()}, 60).exit_code, 0);
  expect_same_host(lab.lab(), before, "after set-link and destroy");
}

}  // namespace
}  // namespace netrig_it
