// Integration tests of failure paths: a deploy that fails half-way in the kernel rolls back
// completely, and a wrong expectation makes `netrig test` fail with reports that say so, while the
// lab is still destroyed.
#include <nlohmann/json.hpp>

#include "harness.h"

namespace netrig_it {
namespace {

using nlohmann::json;

class FailureTest : public NetrigTest {};

bool process_alive(pid_t pid) {
  std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
  if (!stat) return false;
  std::string line;
  std::getline(stat, line);
  auto close = line.rfind(')');
  return close != std::string::npos && close + 2 < line.size() && line[close + 2] != 'Z';
}

// Done when: a topology that passes validation but fails in the kernel half-way makes `netrig
// deploy` exit 3, say which step failed, and leave nothing behind.
TEST_F(FailureTest, DeployThatFailsHalfWayRollsBackCompletely) {
  const auto pidfile = tmp_.file("sleeper.pid");
  const auto file = tmp_.file("rollback.yaml");
  write_file(file, R"(name: it-rollback
topology:
  nodes:
    sw: {kind: bridge}
    a:
      interfaces:
        eth0: {ipv4: 10.99.0.1/24}
        eth1: {ipv4: 10.99.1.1/30}
    b:
      interfaces:
        eth0: {ipv4: 10.99.0.2/24}
        eth1: {ipv4: 10.99.1.2/30}
      exec:
        # A process left running inside the node: the rollback must not leave it behind.
        - "sleep 300 </dev/null >/dev/null 2>&1 & echo $! > )" +
                       pidfile + R"("
        - "exit 1"
  links:
    - endpoints: ["a:eth0", "sw"]
    - endpoints: ["b:eth0", "sw"]
    - endpoints: ["a:eth1", "b:eth1"]
)");
  auto& lab = new_lab(file);
  auto before = snapshot(lab.lab());

  auto v = netrig({"validate", file, "--name", lab.lab()});
  ASSERT_EQ(v.exit_code, 0) << "the topology must be valid for this test\n" << v.describe();

  auto r = netrig({"deploy", file, "--name", lab.lab()});
  EXPECT_EQ(r.exit_code, 5) << "a deploy-time exec: failing has its own exit code" << r.describe();
  EXPECT_NE(r.err.find("exec b"), std::string::npos) << "stderr does not name the failed step\n" << r.describe();
  EXPECT_NE(r.err.find("exit 1"), std::string::npos) << "stderr does not name the failed command\n" << r.describe();
  EXPECT_NE(r.err.find("removed"), std::string::npos) << r.describe();
  expect_same_host(lab.lab(), before, "after the failed deploy");

  // The step did run in the kernel before failing, and what it started is gone too.
  auto pid_text = read_file(pidfile);
  ASSERT_FALSE(pid_text.empty()) << "the exec step never ran";
  pid_t sleeper = static_cast<pid_t>(std::stol(pid_text));
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(2);
  while (process_alive(sleeper) && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  EXPECT_FALSE(process_alive(sleeper)) << "the process started by exec (pid " << sleeper << ") outlived the rollback";
  if (process_alive(sleeper)) ::kill(sleeper, SIGKILL);  // we know it is ours: its pid came from our file

  // `netrig test` on the same file fails the same way (exit 5) and also leaves nothing.
  auto t = netrig({"test", file, "--name", lab.lab(), "--allow-no-checks"});  // it has no tests:
  EXPECT_EQ(t.exit_code, 5) << t.describe();
  expect_same_host(lab.lab(), before, "after the failed test run");
}

// Done when: a wrong expectation fails — exit 1, a <failure> in the JUnit file, "ok": false in the
// JSON report — and destroy still ran.
TEST_F(FailureTest, WrongExpectationFailsWithReportsAndStillDestroys) {
  const auto file = tmp_.file("isolated.yaml");
  write_file(file, R"(name: it-isolated
topology:
  nodes:
    left: {kind: bridge}
    right: {kind: bridge}
    a:
      interfaces:
        eth0: {ipv4: 10.98.0.1/24}
    b:
      interfaces:
        eth0: {ipv4: 10.98.0.2/24}
  links:
    - endpoints: ["a:eth0", "left"]
    - endpoints: ["b:eth0", "right"]
tests:
  - name: a has its address
    exec: {node: a, cmd: "ip -o addr show eth0", output: "10.98.0.1/24"}
  - name: a reaches b (wrong on purpose; they are on separate bridges)
    ping: {from: a, to: b, count: 1}
    timeout: 1
)");
  auto& lab = new_lab(file);
  auto before = snapshot(lab.lab());
  const auto junit = tmp_.file("report.xml");
  const auto json_file = tmp_.file("report.json");

  auto r =
      netrig({"test", file, "--name", lab.lab(), "--output", "json", "--junit", junit, "--json-report", json_file}, 60);
  EXPECT_EQ(r.exit_code, 1) << r.describe();

  auto j = json::parse(r.out, nullptr, false);
  ASSERT_FALSE(j.is_discarded()) << "stdout is not JSON\n" << r.describe();
  EXPECT_EQ(j["ok"], false) << j.dump(2);
  auto from_file = json::parse(read_file(json_file), nullptr, false);
  ASSERT_FALSE(from_file.is_discarded()) << read_file(json_file);
  EXPECT_EQ(from_file["ok"], false) << from_file.dump(2);

  auto xml = read_file(junit);
  ASSERT_FALSE(xml.empty()) << "no JUnit file written";
  EXPECT_NE(xml.find("<failure"), std::string::npos) << xml;
  EXPECT_NE(xml.find("a reaches b"), std::string::npos) << xml;
  // Exactly one failure: the check that holds is reported as passing.
  EXPECT_EQ(xml.find("<failure"), xml.rfind("<failure")) << xml;

  expect_same_host(lab.lab(), before, "after the failing netrig test");

  // The plain-text run says what failed, and exits 1 too.
  auto text = netrig({"test", file, "--name", lab.lab()}, 60);
  EXPECT_EQ(text.exit_code, 1) << text.describe();
  EXPECT_NE(text.out.find("FAIL"), std::string::npos) << text.describe();
  expect_same_host(lab.lab(), before, "after the second failing netrig test");
}

}  // namespace
}  // namespace netrig_it
