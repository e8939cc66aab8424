// Integration tests of DHCP against the real kernel: dnsmasq in the lab's own namespace hands the
// `dhcp: true` nodes their addresses, checks and inspect see the leases, and destroy leaves no
// dnsmasq (by the PID netrig recorded) and no lease file. A lab whose range is too small for its
// clients fails to deploy and is rolled back.
#include <ctime>
#include <nlohmann/json.hpp>

#include "harness.h"

namespace netrig_it {
namespace {

class DhcpTest : public NetrigTest {};

std::string lab_file(const std::string& name) { return source_dir() + "/tests/labs/" + name; }

bool has_dnsmasq() {
  for (const char* p : {"/usr/sbin/dnsmasq", "/usr/bin/dnsmasq", "/sbin/dnsmasq"})
    if (access(p, X_OK) == 0) return true;
  return false;
}

// Whether `pid` is still a live (non-zombie) process.
bool alive(pid_t pid) {
  auto stat = read_file("/proc/" + std::to_string(pid) + "/stat");
  if (stat.empty()) return false;
  auto paren = stat.rfind(')');
  return paren == std::string::npos || paren + 2 >= stat.size() || stat[paren + 2] != 'Z';
}

TEST_F(DhcpTest, NodesLeaseAddressesInspectShowsThemDestroyLeavesNothing) {
  if (!has_dnsmasq()) GTEST_SKIP() << "dnsmasq is not installed (Debian: dnsmasq-base)";
  const auto file = lab_file("dhcp.yaml");
  auto& lab = new_lab(file);
  auto before = snapshot(lab.lab());
  auto r = netrig({"deploy", file, "--name", lab.lab()}, 120);
  ASSERT_EQ(r.exit_code, 0) << r.describe();

  const auto dir = state_dir(lab.lab());
  const auto leases_file = dir + "/dhcp-lan.leases";
  const pid_t pid = static_cast<pid_t>(std::stol(read_file(dir + "/dhcp-lan.pid")));
  ASSERT_GT(pid, 1);
  EXPECT_TRUE(alive(pid));
  EXPECT_NE(read_file("/proc/" + std::to_string(pid) + "/comm").find("dnsmasq"), std::string::npos);
  // dnsmasq runs in the lab's namespace, not the host's.
  EXPECT_NE(fs::read_symlink("/proc/" + std::to_string(pid) + "/ns/net"), fs::read_symlink("/proc/self/ns/net"));

  // The leased address, as the node has it, is in the range and shows in inspect's JSON.
  auto addr = netrig({"exec", lab.lab(), "h2", "--", "ip", "-4", "-o", "addr", "show", "dev", "eth0"});
  ASSERT_EQ(addr.exit_code, 0) << addr.describe();
  std::smatch m;
  ASSERT_TRUE(std::regex_search(addr.out, m, std::regex(R"(inet (10\.24\.0\.(\d+))/24)"))) << addr.out;
  const std::string leased = m[1];
  int host = std::stoi(m[2]);
  EXPECT_GE(host, 100);
  EXPECT_LE(host, 150);

  auto inspect = netrig({"inspect", lab.lab(), "--output", "json"});
  ASSERT_EQ(inspect.exit_code, 0) << inspect.describe();
  auto j = nlohmann::json::parse(inspect.out);
  bool found = false;
  for (const auto& l : j["leases"])
    if (l["ip"] == leased) {
      found = true;
      EXPECT_EQ(l["mac"], "02:00:00:24:00:02");
      EXPECT_EQ(l["hostname"], "h2");
      EXPECT_EQ(l["bridge"], "lan");
      EXPECT_GT(l["expiry"].get<long long>(), static_cast<long long>(std::time(nullptr)));
    }
  EXPECT_TRUE(found) << inspect.out;
  EXPECT_EQ(j["leases"].size(), 2u) << inspect.out;
  auto table = netrig({"inspect", lab.lab()});
  EXPECT_NE(table.out.find("DHCP leases"), std::string::npos) << table.out;
  EXPECT_NE(table.out.find(leased), std::string::npos) << table.out;

  auto ping = netrig({"exec", lab.lab(), "r1", "--", "ping", "-c", "1", "-W", "2", leased});
  EXPECT_EQ(ping.exit_code, 0) << ping.describe();

  auto d = netrig({"destroy", lab.lab()});
  EXPECT_EQ(d.exit_code, 0) << d.describe();
  for (int i = 0; i < 50 && alive(pid); ++i) std::this_thread::sleep_for(std::chrono::milliseconds(20));
  EXPECT_FALSE(alive(pid)) << "dnsmasq " << pid << " survived destroy";
  EXPECT_FALSE(fs::exists(leases_file));
  expect_same_host(lab.lab(), before, "after destroy");

  // `netrig test`: the checks reach the DHCP nodes by the addresses they leased (resolved when the
  // check runs), and the lab is gone again afterwards.
  auto t = netrig({"test", file, "--name", lab.lab()}, 120);
  EXPECT_EQ(t.exit_code, 0) << t.describe();
  EXPECT_NE(t.out.find("3 passed"), std::string::npos) << t.describe();
  expect_same_host(lab.lab(), before, "after netrig test");
}

TEST_F(DhcpTest, NoLeaseFailsTheDeployAndRollsBack) {
  if (!has_dnsmasq()) GTEST_SKIP() << "dnsmasq is not installed (Debian: dnsmasq-base)";
  TempDir tmp;
  const auto file = tmp.file("small.yaml");
  write_file(file, R"(name: small
topology:
  nodes:
    lan:
      kind: bridge
      dhcp: {range: 10.25.0.100-10.25.0.100}
    h1: {interfaces: {eth0: {dhcp: true}}}
    h2: {interfaces: {eth0: {dhcp: true}}}
  links:
    - endpoints: ["h1:eth0", "lan"]
    - endpoints: ["h2:eth0", "lan"]
)");
  auto& lab = new_lab(file);
  auto before = snapshot(lab.lab());
  auto r = netrig({"deploy", file, "--name", lab.lab()}, 120);
  EXPECT_NE(r.exit_code, 0) << r.describe();
  EXPECT_NE(r.err.find("no DHCP lease for h"), std::string::npos) << r.describe();
  EXPECT_FALSE(fs::exists(state_dir(lab.lab())));
  expect_same_host(lab.lab(), before, "after the failed deploy");
}

TEST_F(DhcpTest, Lecture24NatWithDhcpPassesAndLeavesTheHostAsBefore) {
  if (!has_dnsmasq()) GTEST_SKIP() << "dnsmasq is not installed (Debian: dnsmasq-base)";
  const auto file = topology_path("lecture24-nat-dhcp.yaml");
  auto& lab = new_lab(file);
  auto before = snapshot(lab.lab());
  auto r = netrig({"test", file, "--name", lab.lab()}, 120);
  EXPECT_EQ(r.exit_code, 0) << r.describe();
  EXPECT_NE(r.out.find("7 passed"), std::string::npos) << r.describe();
  expect_same_host(lab.lab(), before, "after netrig test lecture24-nat-dhcp.yaml");
}

}  // namespace
}  // namespace netrig_it
