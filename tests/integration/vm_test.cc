// kind: vm against real QEMU guests (TCG): a lab of a guest and a namespace node on one bridge
// deploys, its checks (exec, ping, connect, capture, iperf3) run inside the guest, a wrong
// expectation fails; SIGKILL of netrig while a
// guest boots, then `netrig destroy`, leaves no QEMU process, namespace, device or state behind.
// Skipped (with the reason) when QEMU or the guest image is missing.
#include "drivers/vm.h"

#include <signal.h>

#include <thread>

#include "harness.h"

namespace netrig_it {
namespace {

class VmTest : public NetrigTest {
 protected:
  CmdResult test_lab(const char* text);
  void SetUp() override {
    NetrigTest::SetUp();
    if (IsSkipped()) return;
    if (access("/usr/bin/qemu-system-x86_64", X_OK) != 0) GTEST_SKIP() << "qemu-system-x86_64 is not installed";
    netrig::NodeSpec vm;
    if (netrig::vm_image_dir(vm).empty())
      GTEST_SKIP() << "no guest image in " << netrig::default_image_dir() << " (bash images/build.sh)";
  }
};

const char* kLab = R"(name: vmt
topology:
  nodes:
    br0: {kind: bridge}
    g1:
      kind: vm
      interfaces:
        eth0: {ipv4: 10.70.0.1/24, mtu: 1400}
      routes:
        - {dst: 10.71.0.0/16, via: 10.70.0.2}
      exec: ["echo started > /tmp/started"]
    h1:
      interfaces:
        eth0: {ipv4: 10.70.0.2/24}
  links:
    - endpoints: ["g1:eth0", "br0"]
    - endpoints: ["h1:eth0", "br0"]
tests:
  - name: guest to namespace
    ping: {from: g1, to: h1, count: 2}
  - name: namespace to guest
    ping: {from: h1, to: g1, count: 2}
  - name: the guest has the file's MTU, route and exec
    exec: {node: g1, cmd: "cat /sys/class/net/eth0/mtu /tmp/started; ip route show 10.71.0.0/16", output: "1400\nstarted\n10.71.0.0/16 via 10.70.0.2"}
  - name: a listener in the guest
    connect: {from: h1, to: g1, port: 8080, listen: true}
  - name: tcpdump in the guest sees the pings
    capture:
      node: g1
      iface: eth0
      filter: icmp and src 10.70.0.2
      expect: {min: 2}
      traffic:
        ping: {from: h1, to: g1, count: 2}
  - name: iperf3 from the guest
    iperf3: {from: g1, to: h1, seconds: 2, min_mbps: 1}
  - name: iperf3 to a server in the guest
    iperf3: {from: h1, to: g1, seconds: 2, min_mbps: 1}
  - name: lab modules load on first use
    exec: {node: g1, cmd: "ip link add nb0 type bond && ip link add nbr0 type bridge && ip link add ngre0 type gre local 10.70.0.1 remote 10.70.0.9 && tc qdisc add dev lo root netem delay 1ms && tc qdisc add dev nbr0 root htb && echo loaded", output: "loaded"}
  - name: WRONG on purpose, the guest is reachable
    ping: {from: h1, to: g1, count: 1, expect: fail}
    timeout: 2
)";

// PIDs of live (non-zombie) QEMU processes of this lab: -name netrig-<lab>-<node>.
std::vector<int> lab_qemus(const std::string& lab) {
  std::vector<int> out;
  for (const auto& e : fs::directory_iterator("/proc")) {
    const auto name = e.path().filename().string();
    if (name.find_first_not_of("0123456789") != std::string::npos) continue;
    auto cmdline = read_file(e.path().string() + "/cmdline");
    if (cmdline.find(std::string("-name") + '\0' + "netrig-" + lab + "-") == std::string::npos) continue;
    auto stat = read_file(e.path().string() + "/stat");
    auto paren = stat.rfind(')');
    if (paren != std::string::npos && paren + 2 < stat.size() && stat[paren + 2] == 'Z') continue;
    out.push_back(std::stoi(name));
  }
  return out;
}

// `netrig test` of a lab written from `text`; afterwards no QEMU of the lab runs and the host is
// as before.
CmdResult VmTest::test_lab(const char* text) {
  const auto file = tmp_.file("vm.yaml");
  write_file(file, text);
  auto& lab = new_lab(file);
  auto before = snapshot(lab.lab());
  auto r = netrig({"test", file, "--name", lab.lab()}, 240);
  EXPECT_TRUE(lab_qemus(lab.lab()).empty());
  expect_same_host(lab.lab(), before, "after netrig test of a vm lab");
  return r;
}

TEST_F(VmTest, GuestLabChecksRunInsideTheGuestAndAWrongExpectationFails) {
  auto r = test_lab(kLab);
  EXPECT_EQ(r.exit_code, 1) << r.describe();
  for (const char* name : {"guest to namespace", "namespace to guest", "the guest has the file's MTU, route and exec",
                           "a listener in the guest", "tcpdump in the guest sees the pings", "iperf3 from the guest",
                           "iperf3 to a server in the guest", "lab modules load on first use"})
    EXPECT_NE(r.out.find(std::string("PASS  ") + name), std::string::npos) << name << "\n" << r.describe();
  EXPECT_NE(r.out.find("FAIL  WRONG on purpose"), std::string::npos) << r.describe();
  EXPECT_NE(r.out.find("8 passed, 1 failed"), std::string::npos) << r.describe();
}

// A guest's NIC on an Open vSwitch access port: the TAP becomes the port, VLAN tags apply to it.
const char* kOvsLab = R"(name: vmo
topology:
  nodes:
    s1:
      kind: ovs
      ports:
        g1p: {tag: 10}
        h1p: {tag: 10}
        h2p: {tag: 20}
    g1:
      kind: vm
      interfaces:
        eth0: {ipv4: 10.72.0.1/24}
    h1: {interfaces: {eth0: {ipv4: 10.72.0.2/24}}}
    h2: {interfaces: {eth0: {ipv4: 10.72.0.3/24}}}
  links:
    - endpoints: ["g1:eth0", "s1:g1p"]
    - endpoints: ["h1:eth0", "s1:h1p"]
    - endpoints: ["h2:eth0", "s1:h2p"]
tests:
  - name: guest to its VLAN
    ping: {from: g1, to: h1, count: 2}
  - name: its VLAN to the guest
    ping: {from: h1, to: g1, count: 2}
  - name: not to another VLAN
    ping: {from: g1, to: h2, count: 2, expect: fail}
  - name: TCP from the guest through the userspace datapath
    iperf3: {from: g1, to: h1, seconds: 1, min_mbps: 1}
  - name: the guest's switch port carries its pings
    capture:
      bridge: s1
      port: g1:eth0
      filter: icmp and src 10.72.0.1
      expect: {min: 2}
      traffic:
        ping: {from: g1, to: h1, count: 2}
)";

TEST_F(VmTest, GuestOnAnOvsAccessPort) {
  auto r = test_lab(kOvsLab);
  EXPECT_EQ(r.exit_code, 0) << r.describe();
  EXPECT_NE(r.out.find("5 passed, 0 failed"), std::string::npos) << r.describe();
}

TEST_F(VmTest, SigkillWhileGuestsBootThenDestroyLeavesNothing) {
  const auto file = tmp_.file("vm.yaml");
  write_file(file, kLab);
  auto& lab = new_lab(file);
  auto before = snapshot(lab.lab());
  {
    Child deploy({netrig_binary(), "deploy", file, "--name", lab.lab()});
    // Kill netrig once QEMU runs (the guest is booting, netrig waits for its agent).
    const auto start = std::chrono::steady_clock::now();
    while (lab_qemus(lab.lab()).empty() && seconds_since(start) < 60)
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    ASSERT_FALSE(lab_qemus(lab.lab()).empty()) << "QEMU never started\n" << deploy.wait(1).describe();
    deploy.signal(SIGKILL);
    auto r = deploy.wait(10);
    EXPECT_EQ(r.signal, SIGKILL) << r.describe();
  }
  // The guest outlives netrig (it is the lab's, in the lab's namespace) until destroy.
  EXPECT_FALSE(lab_qemus(lab.lab()).empty());
  auto d = netrig({"destroy", lab.lab()});
  EXPECT_EQ(d.exit_code, 0) << d.describe();
  EXPECT_TRUE(lab_qemus(lab.lab()).empty()) << "a QEMU of the lab survived destroy";
  expect_same_host(lab.lab(), before, "after SIGKILL during boot and destroy");
  // No TAP left in any namespace: the lab's namespaces are gone, and the host has none of its devices.
  auto links = ip({"-o", "link", "show", "type", "tun"});
  EXPECT_EQ(links.out.find(lab.lab()), std::string::npos) << links.out;
}

}  // namespace
}  // namespace netrig_it
