// Host safety of the firewall labs (issue 4): deploy + test + destroy of the NAT labs and the
// security-group lab leaves the host namespace's nftables ruleset, routes and policy rules as they
// were, and nothing of the lab's rules is ever visible there, also while the lab runs.
//
// Why comparing host-global state is sound although other engineers run labs at the same time:
//  * nftables: netrig never writes the host's ruleset. NAT tables live in router namespaces,
//    security-group tables in the lab's local namespace; no lab, ours or anyone's, adds to the
//    host's ruleset, so the listing must be byte-identical.
//  * routes: labs put no device in the host namespace (bridges and switch-side veth ends live in
//    <lab>-local), so no lab changes the host's routes either. A checkout from before that change,
//    run by someone else meanwhile, would still create host bridges, whose kernel-made routes
//    (fe80::/64, multicast, local) come and go with them. Those, and only those, are set aside:
//    routes of a device present in just one of the two snapshots. A route added to a device that
//    exists in both (the uplink) or one without a device still fails the test.
#include "harness.h"

namespace netrig_it {
namespace {

class HostSafetyTest : public NetrigTest {};

std::string find_nft() {
  for (const char* p : {"/usr/sbin/nft", "/sbin/nft", "/usr/bin/nft", "/bin/nft"})
    if (access(p, X_OK) == 0) return p;
  return "";
}

struct HostState {
  std::string nft, route4, route6, rules4, rules6;
  std::set<std::string> devices;
};

HostState host_state() {
  HostState s;
  auto nft = run({find_nft(), "list", "ruleset"}, 20);
  EXPECT_EQ(nft.exit_code, 0) << nft.describe();
  s.nft = nft.out;
  for (const auto& l : host_links()) s.devices.insert(l.name);
  s.route4 = ip({"-4", "route", "show", "table", "all"}).out;
  s.route6 = ip({"-6", "route", "show", "table", "all"}).out;
  s.rules4 = ip({"-4", "rule", "show"}).out;
  s.rules6 = ip({"-6", "rule", "show"}).out;
  return s;
}

void expect_same(const HostState& before, const HostState& after, const std::string& when) {
  EXPECT_EQ(before.nft, after.nft) << "host nft ruleset changed " << when;
  EXPECT_EQ(stable_routes(before.route4, before.devices, after.devices),
            stable_routes(after.route4, before.devices, after.devices))
      << "host IPv4 routes changed " << when;
  EXPECT_EQ(stable_routes(before.route6, before.devices, after.devices),
            stable_routes(after.route6, before.devices, after.devices))
      << "host IPv6 routes changed " << when;
  EXPECT_EQ(before.rules4, after.rules4) << "host IPv4 policy rules changed " << when;
  EXPECT_EQ(before.rules6, after.rules6) << "host IPv6 policy rules changed " << when;
}

TEST_F(HostSafetyTest, FirewallLabsLeaveTheHostRulesetRoutesAndRulesAsBefore) {
  if (find_nft().empty()) GTEST_SKIP() << "no nft binary to read the host's ruleset";
  for (const char* file : {"lecture24-nat.yaml", "lecture26-nat.yaml", "lecture26-security-groups.yaml"}) {
    SCOPED_TRACE(file);
    auto& lab = new_lab(topology_path(file));
    auto before = snapshot(lab.lab());
    auto host = host_state();
    auto d = netrig({"deploy", topology_path(file), "--name", lab.lab()}, 120);
    ASSERT_EQ(d.exit_code, 0) << d.describe();
    auto during = host_state();
    expect_same(host, during, std::string("while ") + file + " runs");
    EXPECT_EQ(during.nft.find("netrig"), std::string::npos) << during.nft;
    // The lab's checks run against the deployed lab (test --keep would redeploy; run them via test
    // on a copy is the other tests' job): destroy, then a full `netrig test` cycle.
    auto x = netrig({"destroy", lab.lab()});
    EXPECT_EQ(x.exit_code, 0) << x.describe();
    auto t = netrig({"test", topology_path(file), "--name", lab.lab()}, 240);
    EXPECT_EQ(t.exit_code, 0) << t.describe();
    expect_same(host, host_state(), std::string("after deploy, test and destroy of ") + file);
    expect_same_host(lab.lab(), before, std::string("after ") + file);
  }
}

}  // namespace
}  // namespace netrig_it
