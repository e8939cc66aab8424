// OVS bonds against the real daemons: `exec` checks and actions on an ovs switch run in the lab's
// switch namespace with the lab's OVS environment (so ovs-vsctl/ovs-appctl reach its own daemons),
// an exec action changes the bond mode as the lecture does, and a check that expects the wrong
// state of the bond fails. The lecture 25 bond labs themselves run in lifecycle_test.
#include "harness.h"

namespace netrig_it {
namespace {

class OvsBondTest : public NetrigTest {
 protected:
  void SetUp() override {
    NetrigTest::SetUp();
    if (IsSkipped()) return;
    for (const char* tool :
         {"/usr/sbin/ovs-vswitchd", "/usr/sbin/ovsdb-server", "/usr/bin/ovs-vsctl", "/usr/bin/ovs-appctl"})
      if (access(tool, X_OK) != 0) GTEST_SKIP() << tool << " is not installed (Debian: openvswitch-switch)";
  }
};

TEST_F(OvsBondTest, ExecOnTheSwitchSeesAndChangesTheLabsOwnBondAndAWrongExpectationFails) {
  const auto file = tmp_.file("bond.yaml");
  write_file(file, R"(name: bd
topology:
  nodes:
    br0:
      kind: ovs
      bonds:
        bond0: {members: [b0m1, b0m2], bond_mode: balance-tcp, lacp: active}
    br1:
      kind: ovs
      bonds:
        bond1: {members: [b1m1, b1m2], bond_mode: balance-tcp, lacp: active}
  links:
    - endpoints: ["br0:b0m1", "br1:b1m1"]
    - endpoints: ["br0:b0m2", "br1:b1m2"]
tests:
  - name: LACP negotiated
    timeout: 20
    exec: {node: br0, cmd: "ovs-appctl lacp/show bond0", output: "status: active negotiated"}
  - name: wrong mode expected
    timeout: 1
    exec: {node: br0, cmd: "ovs-appctl bond/show bond0", output: "bond_mode: active-backup"}
  - action: {exec: br0, cmd: "ovs-vsctl set Port bond0 bond_mode=balance-slb"}
  - name: mode changed
    timeout: 5
    exec: {node: br0, cmd: "ovs-appctl bond/show bond0", output: "bond_mode: balance-slb"}
  - name: the other switch kept its mode
    exec: {node: br1, cmd: "ovs-vsctl get Port bond1 bond_mode", output: "balance-tcp"}
)");
  auto& lab = new_lab(file);
  auto before = snapshot(lab.lab());
  auto r = netrig({"test", file, "--name", lab.lab()}, 120);
  EXPECT_EQ(r.exit_code, 1) << r.describe();
  EXPECT_NE(r.out.find("PASS  LACP negotiated"), std::string::npos) << r.describe();
  EXPECT_NE(r.out.find("FAIL  wrong mode expected — output does not match /bond_mode: active-backup/"),
            std::string::npos)
      << r.describe();
  EXPECT_NE(r.out.find("PASS  mode changed"), std::string::npos) << r.describe();
  EXPECT_NE(r.out.find("PASS  the other switch kept its mode"), std::string::npos) << r.describe();
  EXPECT_NE(r.out.find("4 passed, 1 failed"), std::string::npos) << r.describe();
  expect_same_host(lab.lab(), before, "after netrig test");
}

}  // namespace
}  // namespace netrig_it
