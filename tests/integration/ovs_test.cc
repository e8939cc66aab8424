// Open vSwitch labs against the real kernel, through the netrig binary: the lab's own ovsdb-server
// and ovs-vswitchd run in <lab>-local and die with the lab (also after a kill -9 of netrig);
// lecture 25's VLAN experiment passes, and a capture that expects the wrong VLAN fails; TCP
// crosses the userspace datapath (checksum offload off) and an internal port serves as gateway.
#include <sys/stat.h>

#include "harness.h"

namespace netrig_it {
namespace {

class OvsTest : public NetrigTest {
 protected:
  void SetUp() override {
    NetrigTest::SetUp();
    if (IsSkipped()) return;
    for (const char* tool : {"/usr/sbin/ovs-vswitchd", "/usr/sbin/ovsdb-server", "/usr/bin/ovs-vsctl"})
      if (access(tool, X_OK) != 0) GTEST_SKIP() << tool << " is not installed (Debian: openvswitch-switch)";
  }

  // The PIDs in the lab's OVS PID files (while it is deployed).
  static std::vector<pid_t> ovs_pids(const std::string& lab) {
    std::vector<pid_t> pids;
    for (const char* f : {"ovsdb-server.pid", "ovs-vswitchd.pid"}) {
      std::ifstream in(state_dir(lab) + "/ovs/" + f);
      pid_t pid = 0;
      if (in >> pid) pids.push_back(pid);
    }
    return pids;
  }
  static bool running(pid_t pid) {
    std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
    std::string line;
    if (!std::getline(stat, line)) return false;
    auto close_paren = line.rfind(')');
    return close_paren == std::string::npos || line[close_paren + 2] != 'Z';
  }
  static ino_t netns_inode_of(const std::string& path) {
    struct stat st {};
    return stat(path.c_str(), &st) == 0 ? st.st_ino : 0;
  }
};

TEST_F(OvsTest, LectureVlanLabPassesAndDestroyLeavesNoDaemonDatabaseOrSocket) {
  const auto file = topology_path("lecture25-ovs-vlan.yaml");
  auto& lab = new_lab(file);
  auto before = snapshot(lab.lab());
  auto d = netrig({"deploy", file, "--name", lab.lab()}, 60);
  ASSERT_EQ(d.exit_code, 0) << d.describe();
  auto pids = ovs_pids(lab.lab());
  ASSERT_EQ(pids.size(), 2u) << "no PID files in " << state_dir(lab.lab()) << "/ovs";
  const ino_t local = netns_inode_of("/run/netns/" + lab.lab() + "-local");
  ASSERT_NE(local, 0u);
  for (pid_t pid : pids) {
    EXPECT_TRUE(running(pid)) << pid;
    // The daemons run in the lab's local host namespace, not the host's.
    EXPECT_EQ(netns_inode_of("/proc/" + std::to_string(pid) + "/ns/net"), local) << pid;
  }
  EXPECT_TRUE(fs::exists(state_dir(lab.lab()) + "/ovs/conf.db"));
  EXPECT_TRUE(fs::exists(state_dir(lab.lab()) + "/ovs/db.sock"));

  auto t = netrig({"destroy", lab.lab()}, 60);
  ASSERT_EQ(t.exit_code, 0) << t.describe();
  for (pid_t pid : pids) EXPECT_FALSE(running(pid)) << "OVS daemon " << pid << " survived destroy";
  EXPECT_FALSE(fs::exists(state_dir(lab.lab()))) << "database and sockets left behind";
  expect_same_host(lab.lab(), before, "after destroy");

  // The whole lab, with its ten capture checks of the lecture's three observations.
  auto r = netrig({"test", file, "--name", lab.lab(), "--artifacts", tmp_.file("arts")}, 180);
  EXPECT_EQ(r.exit_code, 0) << r.describe();
  EXPECT_NE(r.out.find("10 passed, 0 failed"), std::string::npos) << r.describe();
  expect_same_host(lab.lab(), before, "after netrig test");
}

TEST_F(OvsTest, CaptureExpectingTheWrongVlanFails) {
  auto text = read_file(topology_path("lecture25-ovs-vlan.yaml"));
  const std::string right = "      vlan: 103\n";
  auto at = text.find(right);
  ASSERT_NE(at, std::string::npos);
  text.replace(at, right.size(), "      vlan: 102\n");  // second_if really gets VLAN 103
  const auto file = tmp_.file("wrong.yaml");
  write_file(file, text);
  auto& lab = new_lab(file);
  auto before = snapshot(lab.lab());
  auto r = netrig({"test", file, "--name", lab.lab(), "--artifacts", tmp_.file("arts")}, 180);
  EXPECT_EQ(r.exit_code, 1) << r.describe();
  EXPECT_NE(r.out.find("FAIL  1 second_if receives VLAN 103 tagged 103"), std::string::npos) << r.describe();
  EXPECT_NE(r.out.find("lack the 802.1Q tag 102"), std::string::npos) << r.describe();
  EXPECT_NE(r.out.find("9 passed, 1 failed"), std::string::npos) << r.describe();
  expect_same_host(lab.lab(), before, "after netrig test");
}

TEST_F(OvsTest, TcpCrossesTheUserspaceDatapathAndAnInternalPortIsTheGateway) {
  const auto file = tmp_.file("gw.yaml");
  write_file(file, R"(name: gw
topology:
  nodes:
    sw:
      kind: ovs
      protocols: [OpenFlow10, OpenFlow13]
      ports:
        gw: {type: internal, ipv4: 10.0.7.254/24, tag: 10}
        p1: {tag: 10}
        p2: {tag: 10}
        p3: {tag: 20}
    h1: {interfaces: {eth0: {ipv4: 10.0.7.1/24}}}
    h2: {interfaces: {eth0: {ipv4: 10.0.7.2/24}}}
    h3: {interfaces: {eth0: {ipv4: 10.0.7.3/24}}}
  links:
    - endpoints: ["h1:eth0", "sw:p1"]
    - endpoints: ["h2:eth0", "sw:p2"]
    - endpoints: ["h3:eth0", "sw:p3"]
tests:
  - ping: {from: h1, to: 10.0.7.254}
  - connect: {from: h1, to: h2, port: 8080, listen: true}
  - iperf3: {from: h2, to: h1, seconds: 1, min_mbps: 5}
  - name: VLAN 20 is apart
    ping: {from: h3, to: h1, count: 2, expect: fail}
)");
  auto& lab = new_lab(file);
  auto before = snapshot(lab.lab());
  auto r = netrig({"test", file, "--name", lab.lab()}, 120);
  EXPECT_EQ(r.exit_code, 0) << r.describe();
  EXPECT_NE(r.out.find("4 passed, 0 failed"), std::string::npos) << r.describe();
  expect_same_host(lab.lab(), before, "after netrig test");
}

TEST_F(OvsTest, FlowsOvsRejectsAreReportedAtTheirLineBeforeAnythingIsDeployed) {
  const auto file = tmp_.file("flows.yaml");
  write_file(file, R"(name: fl
topology:
  nodes:
    sw:
      kind: ovs
      protocols: [OpenFlow13]
      flows:
        - priority=100,icmp,nw_dst=10.0.8.3,actions=dorp
        - priority=0,actions=NORMAL
        - priority=5,ip,nw_dts=10.0.8.3,actions=NORMAL
    h1: {interfaces: {eth0: {ipv4: 10.0.8.1/24}}}
  links:
    - endpoints: ["h1:eth0", "sw"]
)");
  auto& lab = new_lab(file);
  auto before = snapshot(lab.lab());
  auto r = netrig({"deploy", file, "--name", lab.lab()});
  EXPECT_EQ(r.exit_code, 2) << r.describe();
  EXPECT_NE(r.err.find(file + ":8:11: error: ovs-ofctl rejects flow 'priority=100,icmp,nw_dst=10.0.8.3,actions=dorp': "
                              "unknown action dorp"),
            std::string::npos)
      << r.describe();
  EXPECT_NE(r.err.find(file + ":10:11: error: ovs-ofctl rejects flow"), std::string::npos) << r.describe();
  EXPECT_NE(r.err.find("2 errors; nothing was changed"), std::string::npos) << r.describe();
  expect_same_host(lab.lab(), before, "after a rejected deploy");
}

TEST_F(OvsTest, KillDashNineAfterTheDaemonsStartThenDestroyStopsThem) {
  const auto file = topology_path("lecture25-ovs-vlan.yaml");
  auto& lab = new_lab(file);
  auto before = snapshot(lab.lab());
  std::vector<pid_t> pids;
  {
    // One worker, steps in ready order: the seven namespaces, then the OVS daemons (8 steps).
    Child deploy({netrig_binary(), "deploy", file, "--name", lab.lab(), "--workers", "1"},
                 {{"NETRIG_TEST_STALL_AFTER_STEPS", "8"}});
    auto stalled = deploy.wait_for(R"(netrig: test stall after (\d+) steps)", 20);
    ASSERT_TRUE(stalled.has_value()) << deploy.wait(1).describe();
    // The step waits for ovsdb-server's socket, not for ovs-vswitchd (the switches' transactions
    // do): give the daemon a moment to write its PID file.
    for (int i = 0; i < 100 && (pids = ovs_pids(lab.lab())).size() < 2; ++i) usleep(50000);
    deploy.signal(SIGKILL);
    deploy.wait(10);
  }
  ASSERT_EQ(pids.size(), 2u);
  for (pid_t pid : pids) EXPECT_TRUE(running(pid)) << "the daemons outlive netrig deploy";
  auto d = netrig({"destroy", lab.lab()});
  EXPECT_EQ(d.exit_code, 0) << d.describe();
  for (pid_t pid : pids) EXPECT_FALSE(running(pid)) << "OVS daemon " << pid << " survived destroy";
  expect_same_host(lab.lab(), before, "after SIGKILL and destroy");
}

}  // namespace
}  // namespace netrig_it
