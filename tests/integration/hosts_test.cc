// Lecture 28 against the real kernel and real Open vSwitch: three namespace hosts, each with its
// own ovsdb-server + ovs-vswitchd, tenant networks over VXLAN tunnels (the shipped lab; the
// lifecycle test runs both shipped lecture 28 labs' checks). Here: what the checks do not show —
// each host's OVS is its own, the tunnel's MTU is what the headers leave, a wrong expectation
// fails, destroy leaves nothing; and the `tunnels:` shorthand's lab builds the same switches.
#include <sys/stat.h>

#include <nlohmann/json.hpp>

#include "harness.h"

namespace netrig_it {
namespace {

class HostsTest : public NetrigTest {};

// The PIDs of processes named `comm` whose network namespace is /run/netns/<netns>.
std::vector<pid_t> processes_in(const std::string& netns, const std::string& comm) {
  struct stat ns;
  std::vector<pid_t> out;
  if (stat(("/run/netns/" + netns).c_str(), &ns) != 0) return out;
  for (const auto& e : fs::directory_iterator("/proc")) {
    const auto name = e.path().filename().string();
    if (name.find_first_not_of("0123456789") != std::string::npos) continue;
    struct stat st;
    if (stat((e.path() / "ns/net").c_str(), &st) != 0 || st.st_ino != ns.st_ino) continue;
    std::ifstream in(e.path() / "comm");
    std::string c;
    std::getline(in, c);
    if (c == comm) out.push_back(static_cast<pid_t>(std::stoi(name)));
  }
  return out;
}

TEST_F(HostsTest, EachHostRunsItsOwnOvsAndTheTunnelLeavesRoomForItsHeaders) {
  const auto file = topology_path("lecture28-vxlan.yaml");
  auto& lab = new_lab(file);
  auto before = snapshot(lab.lab());
  auto d = netrig({"deploy", file, "--name", lab.lab()}, 120);
  ASSERT_EQ(d.exit_code, 0) << d.describe();

  std::set<pid_t> vswitchds;
  for (const char* host : {"hv1", "hv2", "hv3"}) {
    auto pids = processes_in(lab.lab() + "-" + host, "ovs-vswitchd");
    EXPECT_EQ(pids.size(), 1u) << host << " should run one ovs-vswitchd of its own";
    vswitchds.insert(pids.begin(), pids.end());
  }
  EXPECT_EQ(vswitchds.size(), 3u);
  EXPECT_TRUE(processes_in(lab.lab() + "-local", "ovs-vswitchd").empty()) << "local has only the underlay bridge";

  // `exec HOST` reaches that host's OVS: its own bridges, none of another host's.
  auto br = netrig({"exec", lab.lab(), "hv1", "--", "ovs-vsctl", "list-br"});
  EXPECT_EQ(br.exit_code, 0) << br.describe();
  EXPECT_NE(br.out.find("br-int1"), std::string::npos) << br.out;
  EXPECT_NE(br.out.find("br-tun1"), std::string::npos) << br.out;
  EXPECT_NE(br.out.find("u-eth0"), std::string::npos) << br.out;
  EXPECT_EQ(br.out.find("br-tun2"), std::string::npos) << br.out;

  // VXLAN takes 50 bytes of the 1500-byte underlay: a 1450-byte packet crosses, 1451 does not.
  auto fits =
      netrig({"exec", lab.lab(), "a1", "--", "ping", "-c", "2", "-W", "1", "-M", "do", "-s", "1422", "10.28.0.2"});
  EXPECT_EQ(fits.exit_code, 0) << fits.describe();
  auto too_big =
      netrig({"exec", lab.lab(), "a1", "--", "ping", "-c", "2", "-W", "1", "-M", "do", "-s", "1423", "10.28.0.2"});
  EXPECT_NE(too_big.exit_code, 0) << too_big.describe();
  // The file's mtu check finds the same boundary by itself, and reports it as a number.
  const auto json = tmp_.file("check.json");
  auto c = netrig({"check", lab.lab(), "--json-report", json}, 120);
  EXPECT_EQ(c.exit_code, 0) << c.describe();
  auto report = nlohmann::json::parse(read_file(json), nullptr, false);
  ASSERT_TRUE(report.is_object()) << read_file(json);
  int mtu_checks = 0;
  for (const auto& check : report["checks"]) {
    if (check.value("type", "") != "mtu") continue;
    ++mtu_checks;
    EXPECT_EQ(check.value("status", ""), "passed") << check.dump(2);
    EXPECT_EQ(check["figures"].value("path_mtu", 0.0), 1450) << check.dump(2);
    EXPECT_EQ(check["figures"].value("interface_mtu", 0.0), 1500) << check.dump(2);
    EXPECT_NE(check.value("message", "").find("a 1451-byte one does not"), std::string::npos) << check.dump(2);
  }
  EXPECT_EQ(mtu_checks, 1) << report.dump(2);

  auto x = netrig({"destroy", lab.lab()}, 60);
  EXPECT_EQ(x.exit_code, 0) << x.describe();
  expect_same_host(lab.lab(), before, "after destroying a lab of three hosts");
}

// topologies/lecture28-vxlan-mesh.yaml: the hand-written lab's tunnel ports made by one
// `topology: tunnels:` item. On the live switches they are the same ports with the same remotes and
// key, the file's flows (which name them) load, and every check of the lab passes as in the original.
TEST_F(HostsTest, TheTunnelsShorthandMakesTheHandWrittenPortsOnTheLiveSwitches) {
  const auto file = topology_path("lecture28-vxlan-mesh.yaml");
  auto& lab = new_lab(file);
  auto before = snapshot(lab.lab());
  auto d = netrig({"deploy", file, "--name", lab.lab()}, 120);
  ASSERT_EQ(d.exit_code, 0) << d.describe();

  const std::vector<std::pair<std::string, std::vector<std::pair<std::string, std::string>>>> expected = {
      {"hv1", {{"vx-hv2", "192.168.100.12"}, {"vx-hv3", "192.168.100.13"}}},
      {"hv2", {{"vx-hv1", "192.168.100.11"}, {"vx-hv3", "192.168.100.13"}}},
      {"hv3", {{"vx-hv1", "192.168.100.11"}, {"vx-hv2", "192.168.100.12"}}}};
  int n = 0;
  for (const auto& [host, ports] : expected) {
    const auto br = "br-tun" + std::to_string(++n);
    auto list = netrig({"exec", lab.lab(), host, "--", "ovs-vsctl", "list-ports", br});
    EXPECT_EQ(list.exit_code, 0) << list.describe();
    EXPECT_EQ(list.out, "to-int\n" + ports[0].first + "\n" + ports[1].first + "\n") << host;
    for (const auto& [port, remote] : ports) {
      auto o = netrig({"exec", lab.lab(), host, "--", "ovs-vsctl", "get", "interface", port, "type", "options"});
      EXPECT_EQ(o.exit_code, 0) << o.describe();
      EXPECT_EQ(o.out, "vxlan\n{key=flow, remote_ip=\"" + remote + "\"}\n") << host << " " << port;
    }
    // The flows naming the generated ports are loaded (table 0 sends each tunnel to table 3).
    auto flows = netrig({"exec", lab.lab(), host, "--", "ovs-ofctl", "--names", "dump-flows", br, "table=0"});
    EXPECT_EQ(flows.exit_code, 0) << flows.describe();
    EXPECT_NE(flows.out.find("in_port=\"" + ports[0].first + "\""), std::string::npos) << flows.out;
  }

  const auto json = tmp_.file("check.json");
  auto c = netrig({"check", lab.lab(), "--json-report", json}, 120);
  EXPECT_EQ(c.exit_code, 0) << c.describe();
  auto report = nlohmann::json::parse(read_file(json), nullptr, false);
  ASSERT_TRUE(report.is_object()) << read_file(json);
  EXPECT_EQ(report.value("passed", -1), 10) << report.dump(2);
  EXPECT_EQ(report.value("failed", -1), 0) << report.dump(2);
  for (const auto& check : report["checks"])
    if (check.value("type", "") == "mtu") EXPECT_EQ(check["figures"].value("path_mtu", 0.0), 1450) << check.dump(2);

  auto x = netrig({"destroy", lab.lab()}, 60);
  EXPECT_EQ(x.exit_code, 0) << x.describe();
  expect_same_host(lab.lab(), before, "after destroying the mesh lab");
}

TEST_F(HostsTest, ACheckExpectingTenantAToReachTenantBFails) {
  const auto file = topology_path("lecture28-gre.yaml");
  const auto overlay = tmp_.file("wrong.yaml");
  write_file(overlay, R"(tests:
  - name: a1 reaches b2 (it must not)
    ping: {from: a1, to: 10.28.0.12, count: 2}
  - name: a1 reaches a2
    ping: {from: a1, to: 10.28.0.2, count: 2}
)");
  auto& lab = new_lab(file);
  auto before = snapshot(lab.lab());
  const auto json = tmp_.file("report.json");
  auto r = netrig({"test", file, "--tests", overlay, "--name", lab.lab(), "--json-report", json}, 120);
  EXPECT_EQ(r.exit_code, 1) << r.describe();
  auto report = nlohmann::json::parse(read_file(json), nullptr, false);
  ASSERT_TRUE(report.is_object()) << read_file(json);
  // The file's own ten checks pass (its mtu check finds keyed GRE's 1458); of the overlay's two,
  // the cross-tenant one fails.
  EXPECT_EQ(report.value("failed", -1), 1) << report.dump(2);
  EXPECT_EQ(report.value("passed", -1), 11) << report.dump(2);
  for (const auto& c : report["checks"])
    if (c.value("type", "") == "mtu") EXPECT_EQ(c["figures"].value("path_mtu", 0.0), 1458) << c.dump(2);
  for (const auto& c : report["checks"])
    if (c.value("status", "") == "failed") EXPECT_EQ(c.value("name", ""), "a1 reaches b2 (it must not)") << c.dump(2);
  expect_same_host(lab.lab(), before, "after the failed test");
}

}  // namespace
}  // namespace netrig_it
