// A real OpenFlow controller started by the lab (a node's `services:`): lecture 25's controller lab
// passes through `netrig test` (hosts talk only through the flows the controller installs; stopping
// it stops new traffic in secure mode); the service runs in its node's namespace with its PID file
// and log in the lab's state dir, and destroy leaves no controller process; a service that cannot
// start fails the deploy, which rolls everything back.
#include <sys/stat.h>

#include "harness.h"

namespace netrig_it {
namespace {

class OvsControllerTest : public NetrigTest {
 protected:
  void SetUp() override {
    NetrigTest::SetUp();
    if (IsSkipped()) return;
    for (const char* tool : {"/usr/sbin/ovs-vswitchd", "/usr/bin/ovs-vsctl", "/usr/bin/ovs-testcontroller"})
      if (access(tool, X_OK) != 0)
        GTEST_SKIP() << tool << " is not installed (Debian: openvswitch-switch openvswitch-testcontroller)";
  }
  static bool running(pid_t pid) {
    std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
    std::string line;
    if (!std::getline(stat, line)) return false;
    auto close_paren = line.rfind(')');
    return close_paren == std::string::npos || line[close_paren + 2] != 'Z';
  }
  static ino_t inode_of(const std::string& path) {
    struct stat st {};
    return stat(path.c_str(), &st) == 0 ? st.st_ino : 0;
  }
  // PIDs whose command line mentions `word`, among the processes of one network namespace.
  static std::vector<pid_t> pids_in(const std::string& netns, const std::string& word) {
    std::vector<pid_t> out;
    const ino_t ns = inode_of("/run/netns/" + netns);
    if (ns == 0) return out;
    for (const auto& e : fs::directory_iterator("/proc")) {
      const auto name = e.path().filename().string();
      if (name.find_first_not_of("0123456789") != std::string::npos) continue;
      if (inode_of(e.path().string() + "/ns/net") != ns) continue;
      auto cmdline = read_file(e.path().string() + "/cmdline");
      if (cmdline.find(word) != std::string::npos) out.push_back(std::stoi(name));
    }
    return out;
  }
};

TEST_F(OvsControllerTest, LectureControllerLabPassesAndDestroyLeavesNoController) {
  const auto file = topology_path("lecture25-ovs-controller.yaml");
  auto& lab = new_lab(file);
  auto before = snapshot(lab.lab());
  auto start = std::chrono::steady_clock::now();
  auto r = netrig({"test", file, "--name", lab.lab(), "--keep"}, 180);
  const double test_s = seconds_since(start);
  EXPECT_EQ(r.exit_code, 0) << r.describe();
  EXPECT_NE(r.out.find("9 passed, 0 failed, 0 skipped (6 checks and 3 actions)"), std::string::npos) << r.describe();
  // The evidence shows the stop by PID and the flows the controller installed.
  EXPECT_NE(r.out.find("DONE  [action] stop the controller — service ctl:controller (PID "), std::string::npos)
      << r.describe();
  EXPECT_NE(r.out.find("PASS  h1 -> h3 was never learned, and no controller answers"), std::string::npos)
      << r.describe();
  EXPECT_NE(r.out.find("PASS  the controller installed the h1 -> h2 flow"), std::string::npos) << r.describe();

  // --keep: the controller started again by the last action runs in ctl's namespace; its PID file
  // and log are in the lab's state dir; its control socket too, not in /var/run/openvswitch.
  const auto svc = state_dir(lab.lab()) + "/services";
  std::ifstream pid_file(svc + "/ctl-controller.pid");
  pid_t pid = 0;
  ASSERT_TRUE(pid_file >> pid) << "no PID file in " << svc;
  EXPECT_TRUE(running(pid));
  EXPECT_EQ(inode_of("/proc/" + std::to_string(pid) + "/ns/net"), inode_of("/run/netns/" + lab.lab() + "-ctl"));
  auto controllers = pids_in(lab.lab() + "-ctl", "ovs-testcontroller");
  ASSERT_FALSE(controllers.empty()) << "no ovs-testcontroller in " << lab.lab() << "-ctl";
  bool socket_in_lab = false;
  for (const auto& e : fs::directory_iterator(svc))
    socket_in_lab |= e.path().filename().string().rfind("ovs-testcontroller.", 0) == 0;
  EXPECT_TRUE(socket_in_lab) << "ovs-testcontroller's control socket is not in " << svc;
  for (pid_t p : controllers)
    EXPECT_FALSE(fs::exists("/var/run/openvswitch/ovs-testcontroller." + std::to_string(p) + ".ctl"));
  EXPECT_TRUE(fs::exists(svc + "/ctl-controller.log"));

  start = std::chrono::steady_clock::now();
  auto d = netrig({"destroy", lab.lab()}, 60);
  const double destroy_s = seconds_since(start);
  EXPECT_EQ(d.exit_code, 0) << d.describe();
  EXPECT_FALSE(running(pid)) << "the controller survived destroy";
  for (pid_t p : controllers) EXPECT_FALSE(running(p)) << "ovs-testcontroller " << p << " survived destroy";
  expect_same_host(lab.lab(), before, "after destroy");
  std::printf("[ figures ] netrig test (deploy + 6 checks + 3 actions) %.2f s, destroy %.3f s\n", test_s, destroy_s);
}

TEST_F(OvsControllerTest, DeployThenDestroyKillsTheControllerByNamespace) {
  const auto file = topology_path("lecture25-ovs-controller.yaml");
  auto& lab = new_lab(file);
  auto before = snapshot(lab.lab());
  auto start = std::chrono::steady_clock::now();
  auto d = netrig({"deploy", file, "--name", lab.lab()}, 60);
  const double deploy_s = seconds_since(start);
  ASSERT_EQ(d.exit_code, 0) << d.describe();
  auto controllers = pids_in(lab.lab() + "-ctl", "ovs-testcontroller");
  ASSERT_FALSE(controllers.empty());
  // The switch connects to it over the management network (out-of-band: no hidden in-band flows).
  auto connected = netrig({"exec", lab.lab(), "local", "--", "ovs-vsctl", "--timeout=20", "wait-until", "controller",
                           "br0", "is_connected=true"},
                          30);
  EXPECT_EQ(connected.exit_code, 0) << connected.describe();
  auto hidden = netrig({"exec", lab.lab(), "local", "--", "ovs-appctl", "bridge/dump-flows", "br0"});
  EXPECT_EQ(hidden.exit_code, 0) << hidden.describe();
  EXPECT_EQ(hidden.out.find("priority=180"), std::string::npos) << "in-band hidden flows\n" << hidden.describe();

  start = std::chrono::steady_clock::now();
  auto t = netrig({"destroy", lab.lab()}, 60);
  const double destroy_s = seconds_since(start);
  EXPECT_EQ(t.exit_code, 0) << t.describe();
  for (pid_t p : controllers) EXPECT_FALSE(running(p)) << "ovs-testcontroller " << p << " survived destroy";
  expect_same_host(lab.lab(), before, "after destroy");
  std::printf("[ figures ] deploy %.3f s, destroy %.3f s\n", deploy_s, destroy_s);
}

TEST_F(OvsControllerTest, AServiceThatExitsAtOnceFailsTheDeployAndRollsBack) {
  auto text = read_file(topology_path("lecture25-ovs-controller.yaml"));
  const std::string good = "controller: ovs-testcontroller ptcp:6653";
  auto at = text.find(good);
  ASSERT_NE(at, std::string::npos);
  text.replace(at, good.size(), "controller: ovs-testcontroller --no-such-option");
  const auto file = tmp_.file("bad.yaml");
  write_file(file, text);
  auto& lab = new_lab(file);
  auto before = snapshot(lab.lab());
  auto d = netrig({"deploy", file, "--name", lab.lab()}, 60);
  EXPECT_EQ(d.exit_code, 3) << d.describe();
  EXPECT_NE(d.err.find("service 'controller' of node 'ctl' exited at once"), std::string::npos) << d.describe();
  EXPECT_NE(d.err.find("no-such-option"), std::string::npos) << "the service's own message\n" << d.describe();
  EXPECT_NE(d.err.find("everything created so far has been removed"), std::string::npos) << d.describe();
  expect_same_host(lab.lab(), before, "after a failed deploy");
}

}  // namespace
}  // namespace netrig_it
