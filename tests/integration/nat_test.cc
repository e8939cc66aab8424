// Integration tests of NAT routers against the real kernel: the NAT labs leave the host's own
// nftables ruleset and routing tables exactly as they were (the lab's table lives only in the
// router's namespace), and a NAT lab with a wrong expectation fails with exit 1.
#include "harness.h"

namespace netrig_it {
namespace {

class NatTest : public NetrigTest {};

// The nft binary, "" when there is none (the host's ruleset cannot be read then).
std::string find_nft() {
  for (const char* p : {"/usr/sbin/nft", "/sbin/nft", "/usr/bin/nft", "/bin/nft"})
    if (access(p, X_OK) == 0) return p;
  return "";
}

// What a NAT lab could disturb on the host if it went wrong: its nftables ruleset and its routes.
struct HostTables {
  std::string nft, route4, route6;
  std::set<std::string> devices;  // host devices when the routes were read
};

HostTables host_tables() {
  HostTables t;
  auto nft = run({find_nft(), "list", "ruleset"}, 20);
  EXPECT_EQ(nft.exit_code, 0) << nft.describe();
  t.nft = nft.out;
  for (const auto& l : host_links()) t.devices.insert(l.name);
  t.route4 = ip({"-4", "route", "show", "table", "all"}).out;
  t.route6 = ip({"-6", "route", "show", "table", "all"}).out;
  return t;
}

void expect_same_tables(const HostTables& before, const HostTables& after, const std::string& when) {
  EXPECT_EQ(before.nft, after.nft) << "host nft ruleset changed " << when;
  EXPECT_EQ(stable_routes(before.route4, before.devices, after.devices),
            stable_routes(after.route4, before.devices, after.devices))
      << "host IPv4 routes changed " << when;
  EXPECT_EQ(stable_routes(before.route6, before.devices, after.devices),
            stable_routes(after.route6, before.devices, after.devices))
      << "host IPv6 routes changed " << when;
}

TEST_F(NatTest, NatLabsLeaveTheHostRulesetAndRoutesAsBefore) {
  if (find_nft().empty()) GTEST_SKIP() << "no nft binary to read the host's ruleset";
  for (const char* file : {"lecture24-nat.yaml", "lecture26-nat.yaml"}) {
    SCOPED_TRACE(file);
    auto& lab = new_lab(topology_path(file));
    auto before = snapshot(lab.lab());
    auto tables = host_tables();
    auto r = netrig({"test", topology_path(file), "--name", lab.lab()}, 120);
    EXPECT_EQ(r.exit_code, 0) << r.describe();
    expect_same_tables(tables, host_tables(), std::string("by netrig test ") + file);
    expect_same_host(lab.lab(), before, std::string("after netrig test ") + file);
  }
}

TEST_F(NatTest, TheTableIsInTheRouterOnlyWhileTheLabRuns) {
  if (find_nft().empty()) GTEST_SKIP() << "no nft binary to read the host's ruleset";
  const auto file = topology_path("lecture24-nat.yaml");
  auto& lab = new_lab(file);
  auto before = snapshot(lab.lab());
  auto tables = host_tables();
  auto r = netrig({"deploy", file, "--name", lab.lab()}, 120);
  ASSERT_EQ(r.exit_code, 0) << r.describe();

  auto inside = netrig({"exec", lab.lab(), "nat", "--", "nft", "list", "ruleset"});
  EXPECT_EQ(inside.exit_code, 0) << inside.describe();
  EXPECT_NE(inside.out.find("table ip netrig"), std::string::npos) << inside.describe();
  EXPECT_NE(inside.out.find("masquerade"), std::string::npos) << inside.describe();
  EXPECT_NE(inside.out.find("dnat to 10.24.0.12:80"), std::string::npos) << inside.describe();
  auto forwarding = netrig({"exec", lab.lab(), "nat", "--", "cat", "/proc/sys/net/ipv4/ip_forward"});
  EXPECT_EQ(forwarding.out, "1\n") << forwarding.describe();
  // Other nodes have no table, and the host's ruleset and routes are untouched while it runs.
  auto guest = netrig({"exec", lab.lab(), "vm1", "--", "nft", "list", "ruleset"});
  EXPECT_EQ(guest.out.find("netrig"), std::string::npos) << guest.describe();
  expect_same_tables(tables, host_tables(), "while the lab is deployed");

  auto d = netrig({"destroy", lab.lab()});
  EXPECT_EQ(d.exit_code, 0) << d.describe();
  expect_same_tables(tables, host_tables(), "after destroy");
  expect_same_host(lab.lab(), before, "after destroy");
}

TEST_F(NatTest, AWrongExpectationInANatLabFails) {
  // The outside seeing a guest's private address would mean NAT did not happen.
  auto text = read_file(topology_path("lecture24-nat.yaml"));
  text += R"(  - name: wrong on purpose - the outside sees vm1's private address
    exec: {node: vm1, cmd: "nc -w 2 203.0.113.100 7000 </dev/null", output: "peer=\\[10\\.24\\.0\\.11\\]"}
    timeout: 1
)";
  const auto file = tmp_.file("wrong.yaml");
  write_file(file, text);
  auto& lab = new_lab(file);
  auto before = snapshot(lab.lab());
  auto r = netrig({"test", file, "--name", lab.lab()}, 120);
  EXPECT_EQ(r.exit_code, 1) << r.describe();
  EXPECT_NE(r.out.find("wrong on purpose"), std::string::npos) << r.describe();
  expect_same_host(lab.lab(), before, "after the failing test");
}

}  // namespace
}  // namespace netrig_it
