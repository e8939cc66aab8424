// `netrig exec LAB local -- CMD` against real labs: the command runs in <lab>-local, where the lab's
// switches and OVS daemons live, and ovs-vsctl / ovs-ofctl / ovs-appctl reach the lab's own
// daemons through OVS_RUNDIR without --db= or a socket path. A lab without switches has no such
// namespace: a clear error, exit 2.
#include <sys/stat.h>

#include "harness.h"

namespace netrig_it {
namespace {

class OvsLocalExecTest : public NetrigTest {
 protected:
  void SetUp() override {
    NetrigTest::SetUp();
    if (IsSkipped()) return;
    for (const char* tool :
         {"/usr/sbin/ovs-vswitchd", "/usr/bin/ovs-vsctl", "/usr/bin/ovs-ofctl", "/usr/bin/ovs-appctl"})
      if (access(tool, X_OK) != 0) GTEST_SKIP() << tool << " is not installed (Debian: openvswitch-switch)";
  }
};

TEST_F(OvsLocalExecTest, OvsToolsReachTheLabsOwnDaemonsWithoutDb) {
  const auto file = topology_path("lecture25-ovs-bond.yaml");
  auto& lab = new_lab(file);
  auto before = snapshot(lab.lab());
  auto d = netrig({"deploy", file, "--name", lab.lab()}, 60);
  ASSERT_EQ(d.exit_code, 0) << d.describe();

  // LAB local -- ...: the lab's database, with both bridges and their bonds.
  auto show = netrig({"exec", lab.lab(), "local", "--", "ovs-vsctl", "show"});
  EXPECT_EQ(show.exit_code, 0) << show.describe();
  for (const char* want : {"Bridge br0", "Bridge br1", "Port bond0", "Port bond1", "Interface b0m2"})
    EXPECT_NE(show.out.find(want), std::string::npos) << want << "\n" << show.describe();
  auto labs_id =
      netrig({"exec", lab.lab(), "local", "--", "ovs-vsctl", "get", "bridge", "br0", "external_ids:netrig-lab"});
  EXPECT_EQ(labs_id.out, lab.lab() + "\n") << labs_id.describe();

  // LAB:local -- ovs-ofctl: the bridge's management socket in the lab's rundir.
  auto flows = netrig({"exec", lab.lab() + ":local", "--", "ovs-ofctl", "dump-flows", "br0"});
  EXPECT_EQ(flows.exit_code, 0) << flows.describe();
  EXPECT_NE(flows.out.find("actions=NORMAL"), std::string::npos) << flows.describe();

  // ovs-appctl finds ovs-vswitchd's control socket from its PID file in the lab's rundir.
  auto bond = netrig({"exec", lab.lab(), "local", "--", "ovs-appctl", "bond/show", "bond0"});
  EXPECT_EQ(bond.exit_code, 0) << bond.describe();
  EXPECT_NE(bond.out.find("bond_mode: active-backup"), std::string::npos) << bond.describe();
  EXPECT_NE(bond.out.find("member b0m1: enabled"), std::string::npos) << bond.describe();
  auto dbs = netrig({"exec", lab.lab(), "local", "--", "ovs-appctl", "-t", "ovsdb-server", "ovsdb-server/list-dbs"});
  EXPECT_EQ(dbs.exit_code, 0) << dbs.describe();
  EXPECT_NE(dbs.out.find("Open_vSwitch"), std::string::npos) << dbs.describe();

  // It is the lab's namespace: the switch ports are there, and the environment says where OVS is.
  auto links = netrig({"exec", lab.lab(), "local", "--", "ip", "-o", "link", "show", "b0m1"});
  EXPECT_EQ(links.exit_code, 0) << links.describe();
  auto env = netrig({"exec", lab.lab(), "local", "--", "sh", "-c", "echo $OVS_RUNDIR"});
  EXPECT_EQ(env.out, state_dir(lab.lab()) + "/ovs\n") << env.describe();
  // The command's exit code is netrig's.
  auto fails = netrig({"exec", lab.lab(), "local", "--", "ovs-vsctl", "br-exists", "nope"});
  EXPECT_EQ(fails.exit_code, 2) << fails.describe();

  auto t = netrig({"destroy", lab.lab()}, 60);
  EXPECT_EQ(t.exit_code, 0) << t.describe();
  expect_same_host(lab.lab(), before, "after destroy");
}

TEST_F(OvsLocalExecTest, ALabWithoutSwitchesHasNoLocalNamespace) {
  const auto file = tmp_.file("pair.yaml");
  write_file(file, R"(name: pair
topology:
  nodes:
    h1: {interfaces: {eth0: {ipv4: 10.0.9.1/24}}}
    h2: {interfaces: {eth0: {ipv4: 10.0.9.2/24}}}
  links:
    - endpoints: ["h1:eth0", "h2:eth0"]
)");
  auto& lab = new_lab(file);
  auto before = snapshot(lab.lab());
  auto d = netrig({"deploy", file, "--name", lab.lab()}, 60);
  ASSERT_EQ(d.exit_code, 0) << d.describe();
  auto r = netrig({"exec", lab.lab(), "local", "--", "ip", "link"});
  EXPECT_EQ(r.exit_code, 2) << r.describe();
  EXPECT_NE(r.err.find("lab '" + lab.lab() + "' has no local host namespace: it has no switches"), std::string::npos)
      << r.describe();
  EXPECT_EQ(r.out, "") << r.describe();
  auto t = netrig({"destroy", lab.lab()}, 60);
  EXPECT_EQ(t.exit_code, 0) << t.describe();
  expect_same_host(lab.lab(), before, "after destroy");
}

}  // namespace
}  // namespace netrig_it
