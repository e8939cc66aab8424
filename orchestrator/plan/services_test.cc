// A node's services: planned once the node is configured, before the start-up commands; a switch's
// controllers with a connection mode become Controller rows made in the switch's transaction.
#include <gtest/gtest.h>

#include "model/parser.h"
#include "plan/endpoints.h"
#include "plan/ovs.h"
#include "plan/plan.h"

namespace netrig {
namespace {

const char* kLab = R"(name: t
topology:
  nodes:
    br0:
      kind: ovs
      fail_mode: secure
      controller: [tcp:10.0.9.100:6653, tcp:10.0.9.101:6653]
      connection_mode: out-of-band
    mgmt:
      kind: ovs
      ports:
        gw: {type: internal, ipv4: 10.0.9.1/24}
    ctl:
      interfaces: {eth0: {ipv4: 10.0.9.100/24}}
      services:
        controller: ovs-testcontroller ptcp:6653
        web: python3 -m http.server 80
      exec: "true"
    h1: {interfaces: {eth0: {ipv4: 10.0.1.1/24}}}
  links:
    - endpoints: ["h1:eth0", "br0:p1"]
    - endpoints: ["ctl:eth0", "mgmt:pctl"]
tests:
  - action: {exec: local, cmd: "ovs-vsctl show"}
  - action: {service: "ctl:controller", state: stopped}
  - exec: {node: local, cmd: "ovs-ofctl dump-flows br0"}
  - action: {service: "ctl:controller", state: started}
)";

std::string joined(const std::vector<std::string>& v) {
  std::string s;
  for (const auto& a : v) s += (s.empty() ? "" : " ") + a;
  return s;
}

TEST(Services, StartOnceTheirNodeIsConfiguredAndBeforeItsStartUpCommands) {
  auto plan = make_plan(parse_topology(kLab, "t.yaml"));
  const auto& ctl = *plan.topology.find_node("ctl");
  ASSERT_EQ(ctl.services.size(), 2u);
  EXPECT_EQ(ctl.services[0].name, "controller");
  EXPECT_EQ(ctl.services[0].command, "ovs-testcontroller ptcp:6653");
  EXPECT_EQ(ctl.services[1].name, "web");
  int configure = -1, exec = -1;
  std::vector<int> services;
  for (const auto& s : plan.steps) {
    if (s.kind == StepKind::ConfigureNode && s.target == "ctl") configure = s.id;
    if (s.kind == StepKind::RunExec) exec = s.id;
    if (s.kind == StepKind::StartService) services.push_back(s.id);
  }
  ASSERT_EQ(services.size(), 2u);
  ASSERT_GE(configure, 0);
  ASSERT_GE(exec, 0);
  const auto& first = plan.steps[services[0]];
  EXPECT_EQ(first.describe(), "service ctl:controller");
  EXPECT_EQ(first.after, std::vector<int>{configure});
  EXPECT_EQ(first.detail,
            "ip netns exec t-ctl sh -c 'ovs-testcontroller ptcp:6653' >><state>/services/ctl-controller.log 2>&1 & "
            "(PID in <state>/services/ctl-controller.pid; cwd and OVS_RUNDIR <state>/services)");
  const auto& after_exec = plan.steps[exec].after;
  for (int id : services) EXPECT_NE(std::find(after_exec.begin(), after_exec.end(), id), after_exec.end());
}

TEST(Services, ActionsStopAndStartThemAndExecRunsInTheLocalHost) {
  auto plan = make_plan(parse_topology(kLab, "t.yaml"));
  const auto& a = plan.topology.actions;
  ASSERT_EQ(a.size(), 3u);
  EXPECT_EQ(a[0].kind, "exec");
  EXPECT_EQ(a[0].target, "local");
  EXPECT_EQ(describe_action(plan, a[0]), "ip netns exec t-local sh -c 'ovs-vsctl show'");
  EXPECT_EQ(a[1].kind, "service");
  EXPECT_EQ(a[1].name, "service ctl:controller stopped");
  EXPECT_FALSE(a[1].up);
  EXPECT_EQ(describe_action(plan, a[1]), "kill -TERM -<process group of PID in <state>/services/ctl-controller.pid>");
  EXPECT_EQ(a[2].name, "service ctl:controller started");
  EXPECT_TRUE(a[2].up);
  EXPECT_EQ(describe_action(plan, a[2]), "ip netns exec t-ctl sh -c 'ovs-testcontroller ptcp:6653' &");
  ASSERT_EQ(plan.topology.checks.size(), 1u);
  EXPECT_EQ(plan.topology.checks[0].node, "local");
}

TEST(OvsController, ConnectionModeMakesControllerRowsInTheSwitchTransaction) {
  auto plan = make_plan(parse_topology(kLab, "t.yaml"));
  EXPECT_EQ(joined(ovs_switch_transaction(plan, *plan.topology.find_node("br0"), "netdev")),
            "-- add-br br0 -- set bridge br0 datapath_type=netdev fail_mode=secure external_ids:netrig-lab=t "
            "-- add-port br0 p1 "
            "-- --id=@c0 create controller target=\"tcp:10.0.9.100:6653\" connection_mode=out-of-band "
            "-- --id=@c1 create controller target=\"tcp:10.0.9.101:6653\" connection_mode=out-of-band "
            "-- set bridge br0 controller=@c0,@c1");
}

}  // namespace
}  // namespace netrig
