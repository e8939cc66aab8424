// The libvirt driver (settings.vm_driver: libvirt) against a real libvirtd and TCG guests: a lab of
// two guests and a namespace node on one bridge passes its checks through `netrig test`; SIGKILL of
// netrig during deploy, then `netrig destroy`, leaves no domain, QEMU, TAP or namespace behind.
// SKIPPED with the reason when libvirtd is not reachable, QEMU or the guest image is missing, or
// /dev/kvm makes every libvirt domain start re-probe QEMU (~50 s; ci/setup.sh fixes it).
#include "drivers/vm_libvirt.h"

#include <libvirt/libvirt.h>
#include <libvirt/virterror.h>
#include <net/if.h>
#include <signal.h>

#include <thread>

#include "drivers/vm.h"
#include "harness.h"
#include "model/names.h"
#include "plan/libvirt_xml.h"

namespace netrig_it {
namespace {

const char* kUri = "qemu:///system";

// Whether libvirt at kUri has a domain of that name (any state).
bool domain_exists(const std::string& name) {
  virConnectPtr c = virConnectOpen(kUri);
  if (!c) return false;
  virDomainPtr d = virDomainLookupByName(c, name.c_str());
  const bool found = d != nullptr;
  if (d) virDomainFree(d);
  virConnectClose(c);
  return found;
}

void destroy_domain(const std::string& name) {
  virConnectPtr c = virConnectOpen(kUri);
  if (!c) return;
  if (virDomainPtr d = virDomainLookupByName(c, name.c_str())) {
    virDomainDestroy(d);
    virDomainFree(d);
  }
  virConnectClose(c);
}

// PIDs of live QEMU processes libvirt started for this lab (-name guest=netrig-<lab>-<node>,...).
std::vector<int> lab_qemus(const std::string& lab) {
  std::vector<int> out;
  for (const auto& e : fs::directory_iterator("/proc")) {
    const auto name = e.path().filename().string();
    if (name.find_first_not_of("0123456789") != std::string::npos) continue;
    auto cmdline = read_file(e.path().string() + "/cmdline");
    if (cmdline.find("guest=" + netrig::vm_domain_name(lab, "")) == std::string::npos) continue;
    auto stat = read_file(e.path().string() + "/stat");
    auto paren = stat.rfind(')');
    if (paren != std::string::npos && paren + 2 < stat.size() && stat[paren + 2] == 'Z') continue;
    out.push_back(std::stoi(name));
  }
  return out;
}

const std::vector<std::pair<std::string, std::string>> kGuests = {{"g1", "eth0"}, {"g2", "eth0"}};

class VmLibvirtTest : public NetrigTest {
 protected:
  void SetUp() override {
    NetrigTest::SetUp();
    if (IsSkipped()) return;
    if (access("/usr/bin/qemu-system-x86_64", X_OK) != 0) GTEST_SKIP() << "qemu-system-x86_64 is not installed";
    netrig::NodeSpec vm;
    if (netrig::vm_image_dir(vm).empty())
      GTEST_SKIP() << "no guest image in " << netrig::default_image_dir() << " (bash images/build.sh)";
    if (auto why = netrig::libvirt_unreachable(kUri); !why.empty())
      GTEST_SKIP() << "libvirtd is not reachable at " << kUri << ": " << why << " (bash ci/libvirt.sh starts it)";
    if (auto why = netrig::kvm_permission_problem(); !why.empty()) GTEST_SKIP() << why;
  }
  void TearDown() override {
    // Last resort for what LabGuard does not know: the lab's domains (a failure if any is left).
    for (const auto& lab : labs_)
      for (const auto& [node, iface] : kGuests)
        if (auto name = netrig::vm_domain_name(lab, node); domain_exists(name)) {
          ADD_FAILURE() << "domain " << name << " survived; destroyed by hand";
          destroy_domain(name);
        }
    NetrigTest::TearDown();
  }
  std::string lab_for(const std::string& file) {
    auto& guard = new_lab(file);
    labs_.push_back(guard.lab());
    return guard.lab();
  }
  std::vector<std::string> labs_;
};

const char* kLab = R"(name: lvt
settings: {vm_driver: libvirt, libvirt_uri: "qemu:///system"}
topology:
  nodes:
    br0: {kind: bridge}
    g1:
      kind: vm
      interfaces:
        eth0: {ipv4: 10.72.0.1/24, mtu: 1400}
    g2:
      kind: vm
      interfaces:
        eth0: {ipv4: 10.72.0.2/24}
    h1:
      interfaces:
        eth0: {ipv4: 10.72.0.3/24}
  links:
    - endpoints: ["g1:eth0", "br0"]
    - endpoints: ["g2:eth0", "br0"]
    - endpoints: ["h1:eth0", "br0"]
tests:
  - name: guest to guest
    ping: {from: g1, to: g2, count: 2}
  - name: namespace to guest
    ping: {from: h1, to: g2, count: 2}
  - name: the guest runs its own kernel with the file's MTU
    exec: {node: g1, cmd: "uname -r; cat /sys/class/net/eth0/mtu", output: "-amd64\n1400"}
  - name: a listener in a guest
    connect: {from: g1, to: g2, port: 8080, listen: true}
  - name: WRONG on purpose, the guest is reachable
    ping: {from: h1, to: g1, count: 1, expect: fail}
    timeout: 2
)";

void expect_no_host_taps(const std::string& lab) {
  for (const auto& [node, iface] : kGuests) {
    auto tap = netrig::libvirt_tap_name(lab, node, iface);
    EXPECT_EQ(if_nametoindex(tap.c_str()), 0u) << "TAP " << tap << " is in the host namespace";
  }
}

TEST_F(VmLibvirtTest, TwoGuestLabPassesAndAWrongExpectationFails) {
  const auto file = tmp_.file("lv.yaml");
  write_file(file, kLab);
  const auto lab = lab_for(file);
  auto before = snapshot(lab);
  auto r = netrig({"test", file, "--name", lab}, 400);
  EXPECT_EQ(r.exit_code, 1) << r.describe();
  for (const char* name : {"guest to guest", "namespace to guest", "the guest runs its own kernel with the file's MTU",
                           "a listener in a guest"})
    EXPECT_NE(r.out.find(std::string("PASS  ") + name), std::string::npos) << name << "\n" << r.describe();
  EXPECT_NE(r.out.find("FAIL  WRONG on purpose"), std::string::npos) << r.describe();
  EXPECT_NE(r.out.find("4 passed, 1 failed"), std::string::npos) << r.describe();
  for (const auto& [node, iface] : kGuests) EXPECT_FALSE(domain_exists(netrig::vm_domain_name(lab, node))) << node;
  EXPECT_TRUE(lab_qemus(lab).empty());
  expect_no_host_taps(lab);
  expect_same_host(lab, before, "after netrig test of a libvirt vm lab");
}

TEST_F(VmLibvirtTest, SigkillDuringDeployThenDestroyLeavesNoDomainQemuTapOrNamespace) {
  const auto file = tmp_.file("lv.yaml");
  write_file(file, kLab);
  const auto lab = lab_for(file);
  auto before = snapshot(lab);
  const auto g1 = netrig::vm_domain_name(lab, "g1");
  {
    Child deploy({netrig_binary(), "deploy", file, "--name", lab});
    // Kill netrig as soon as libvirt has a domain of the lab (its TAPs may not have moved yet).
    const auto start = std::chrono::steady_clock::now();
    while (!domain_exists(g1) && !domain_exists(netrig::vm_domain_name(lab, "g2")) && seconds_since(start) < 120)
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    ASSERT_TRUE(domain_exists(g1) || domain_exists(netrig::vm_domain_name(lab, "g2"))) << "no domain was created\n"
                                                                                       << deploy.wait(1).describe();
    deploy.signal(SIGKILL);
    auto r = deploy.wait(10);
    EXPECT_EQ(r.signal, SIGKILL) << r.describe();
  }
  EXPECT_FALSE(lab_qemus(lab).empty()) << "the guest should outlive netrig until destroy";
  auto d = netrig({"destroy", lab}, 120);
  EXPECT_EQ(d.exit_code, 0) << d.describe();
  for (const auto& [node, iface] : kGuests)
    EXPECT_FALSE(domain_exists(netrig::vm_domain_name(lab, node))) << node << " survived destroy";
  EXPECT_TRUE(lab_qemus(lab).empty()) << "a QEMU of the lab survived destroy";
  expect_no_host_taps(lab);
  expect_same_host(lab, before, "after SIGKILL during a libvirt deploy and destroy");
}

}  // namespace
}  // namespace netrig_it
