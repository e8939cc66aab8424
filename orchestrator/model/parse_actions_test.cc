// The tests: block's actions, waits and background checks, as the parser resolves them.
#include <gtest/gtest.h>

#include "model/parser.h"

namespace netrig {
namespace {

const char* kLab = R"(name: t
topology:
  nodes:
    lan: {kind: bridge}
    h1: {interfaces: {eth0: {ipv4: 10.0.0.1/24}}}
    h2: {interfaces: {eth0: {ipv4: 10.0.0.2/24}}}
  links:
    - endpoints: ["h1:eth0", "lan"]
    - endpoints: ["h2:eth0", "lan"]
tests:
  - ping: {from: h1, to: h2}
  - action: {link: "h2:eth0", state: down}
  - name: cut
    ping: {from: h1, to: h2, expect: fail}
  - name: steady
    background: true
    ping: {from: h1, to: h2, interval: 0.1, count: 50, max_lost: 12}
  - action: {sleep: 1.5}
  - name: port up
    action: {link: "lan:h2:eth0", state: up}
  - action: {link: "h2:eth0", state: up}
  - wait: steady
  - action: {exec: h1, cmd: "ip neigh flush dev eth0", exit: 0}
    timeout: 3
  - name: bg exec
    background: true
    exec: {node: h2, cmd: "sleep 1"}
)";

TEST(ParseActions, ActionsKnowTheirPlaceAmongTheChecks) {
  auto topo = parse_topology(kLab, "t.yaml");
  ASSERT_EQ(topo.checks.size(), 4u);
  ASSERT_EQ(topo.actions.size(), 6u);
  const auto& a = topo.actions;
  EXPECT_EQ(a[0].kind, "link");
  EXPECT_EQ(a[0].name, "link h2:eth0 down");
  EXPECT_EQ(a[0].target, "h2:eth0");
  EXPECT_FALSE(a[0].up);
  EXPECT_EQ(a[0].at, 1u);  // after the first ping
  EXPECT_EQ(a[0].pos.line, 12);
  EXPECT_EQ(a[1].kind, "sleep");
  EXPECT_EQ(a[1].name, "sleep 1.5 s");
  EXPECT_DOUBLE_EQ(a[1].seconds, 1.5);
  EXPECT_EQ(a[1].at, 3u);
  EXPECT_EQ(a[2].name, "port up");
  EXPECT_EQ(a[2].target, "lan:h2:eth0");
  EXPECT_TRUE(a[2].up);
  EXPECT_EQ(a[3].at, 3u);
  EXPECT_EQ(a[4].kind, "wait");
  EXPECT_EQ(a[4].target, "steady");
  EXPECT_EQ(a[4].name, "wait steady");
  EXPECT_EQ(a[5].kind, "exec");
  EXPECT_EQ(a[5].target, "h1");
  EXPECT_EQ(a[5].command, "ip neigh flush dev eth0");
  EXPECT_EQ(a[5].exit_code, 0);
  EXPECT_DOUBLE_EQ(a[5].timeout_s, 3);
  EXPECT_EQ(a[5].at, 3u);
}

TEST(ParseActions, BackgroundChecksAndPingBounds) {
  auto topo = parse_topology(kLab, "t.yaml");
  const auto& steady = topo.checks[2];
  EXPECT_EQ(steady.name, "steady");
  EXPECT_TRUE(steady.background);
  EXPECT_DOUBLE_EQ(steady.interval_s, 0.1);
  EXPECT_EQ(steady.count, 50);
  EXPECT_EQ(steady.max_lost, 12);
  EXPECT_DOUBLE_EQ(steady.max_loss_pct, 100) << "max_lost alone replaces the percentage bound";
  EXPECT_FALSE(topo.checks[0].background);
  EXPECT_DOUBLE_EQ(topo.checks[0].interval_s, 0.2);
  EXPECT_FALSE(topo.checks[0].max_lost);
  EXPECT_TRUE(topo.checks[3].background);
  EXPECT_EQ(topo.checks[3].type, CheckType::Exec);
}

TEST(ParseActions, DefaultActionNamesMayRepeatExplicitNamesMayNot) {
  std::string text = std::string(kLab) + "  - action: {link: \"h2:eth0\", state: down}\n";
  EXPECT_NO_THROW(parse_topology(text, "t.yaml"));
  text = std::string(kLab) + "  - name: cut\n    action: {sleep: 1}\n";
  try {
    parse_topology(text, "t.yaml");
    FAIL() << "a second 'cut' was accepted";
  } catch (const TopologyError& e) {
    EXPECT_EQ(e.diagnostics().at(0).message, "duplicate test name 'cut'");
  }
}

TEST(ParseActions, WithoutActionsNothingChanges) {
  auto topo = parse_topology(
      "name: t\ntopology:\n  nodes:\n    h1: {interfaces: {eth0: {ipv4: 10.0.0.1/24}}}\n"
      "    h2: {interfaces: {eth0: {ipv4: 10.0.0.2/24}}}\n  links:\n    - endpoints: [\"h1:eth0\", \"h2:eth0\"]\n"
      "tests:\n  - ping: {from: h1, to: h2}\n",
      "t.yaml");
  EXPECT_TRUE(topo.actions.empty());
  EXPECT_FALSE(topo.checks.at(0).background);
}

// An ovs switch runs exec checks and actions (in <lab>-local, with the lab's OVS environment); a
// Linux bridge still does not.
TEST(ParseActions, ExecRunsOnAnOvsSwitchButNotOnALinuxBridge) {
  const std::string lab = R"(name: t
topology:
  nodes:
    br0: {kind: ovs}
    lan: {kind: bridge}
    h1: {interfaces: {eth0: {ipv4: 10.0.0.1/24}}}
    h2: {interfaces: {eth0: {ipv4: 10.0.0.2/24}}}
  links:
    - endpoints: ["h1:eth0", "br0"]
    - endpoints: ["h2:eth0", "lan"]
tests:
  - action: {exec: br0, cmd: "ovs-vsctl set Port bond0 bond_mode=balance-slb"}
  - exec: {node: br0, cmd: "ovs-appctl bond/show", output: "balance-slb"}
)";
  auto topo = parse_topology(lab, "t.yaml");
  ASSERT_EQ(topo.actions.size(), 1u);
  EXPECT_EQ(topo.actions.at(0).target, "br0");
  ASSERT_EQ(topo.checks.size(), 1u);
  EXPECT_EQ(topo.checks.at(0).node, "br0");
  for (const std::string bad : {"  - exec: {node: lan, cmd: \"true\"}\n", "  - action: {exec: lan, cmd: \"true\"}\n"}) {
    try {
      parse_topology(lab + bad, "t.yaml");
      FAIL() << "exec on the Linux bridge was accepted: " << bad;
    } catch (const TopologyError& e) {
      EXPECT_NE(e.diagnostics().at(0).message.find("bridge 'lan'"), std::string::npos) << e.diagnostics().at(0).message;
    }
  }
}

TEST(ParseActions, ImpairTakesNetemSettingsOrClear) {
  const std::string text = std::string(kLab) +
                           "  - action: {impair: \"h1:eth0\", delay: 50ms, jitter: 5ms, loss: 1.5%, duplicate: 1%, "
                           "reorder: 25%, corrupt: 0.1%}\n  - action: {impair: \"lan:h2:eth0\", clear: true}\n";
  auto topo = parse_topology(text, "t.yaml");
  ASSERT_EQ(topo.actions.size(), 8u);
  const auto& a = topo.actions[6];
  EXPECT_EQ(a.kind, "impair");
  EXPECT_EQ(a.name, "impair h1:eth0");
  EXPECT_EQ(a.impair.delay_us, 50000u);
  EXPECT_EQ(a.impair.jitter_us, 5000u);
  EXPECT_DOUBLE_EQ(*a.impair.loss_pct, 1.5);
  EXPECT_DOUBLE_EQ(*a.impair.reorder_pct, 25);
  EXPECT_DOUBLE_EQ(*a.impair.corrupt_pct, 0.1);
  EXPECT_FALSE(a.impair.clear);
  EXPECT_TRUE(topo.actions[7].impair.clear);
  EXPECT_EQ(topo.actions[7].target, "lan:h2:eth0");
}

TEST(ParseActions, BadImpairmentsAreRefusedAtTheirPlace) {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"{impair: \"h1:eth0\", loss: 150%}", "'loss' must be a percentage from 0% to 100%, not '150%'"},
      {"{impair: \"h1:eth0\", loss: 2}", "'loss' must be a percentage from 0% to 100%, not '2'"},
      {"{impair: \"h1:eth0\", delay: 5 parsecs}", "'delay' is not a time"},
      {"{impair: \"h1:eth0\", jitter: 5ms}", "'jitter' needs 'delay'"},
      {"{impair: \"h1:eth0\"}", "'impair' says nothing to do"},
      {"{impair: \"h1:eth0\", clear: true, loss: 1%}", "'impair' with 'clear: true' takes no other setting"},
      {"{impair: \"h1:eth9\", loss: 1%}", "'h1:eth9' is not a linked interface of node 'h1'"},
  };
  for (const auto& [action, want] : cases) {
    try {
      parse_topology(std::string(kLab) + "  - action: " + action + "\n", "t.yaml");
      ADD_FAILURE() << "accepted: " << action;
    } catch (const TopologyError& e) {
      const auto& d = e.diagnostics().at(0);
      EXPECT_NE(d.message.find(want), std::string::npos) << action << " -> " << d.message;
      EXPECT_EQ(d.pos.line, 28) << action << " -> " << d.message;
    }
  }
}

}  // namespace
}  // namespace netrig
