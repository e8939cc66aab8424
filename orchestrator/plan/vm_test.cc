#include "plan/vm.h"

#include <gtest/gtest.h>

#include <algorithm>

#include "model/parser.h"
#include "plan/dhcp_client.h"
#include "plan/plan.h"

namespace netrig {
namespace {

const char* kLab = R"(name: t
topology:
  nodes:
    br0: {kind: bridge}
    g1:
      kind: vm
      memory: 192
      cpus: 2
      router: true
      interfaces:
        eth0: {ipv4: 10.0.0.1/24, mac: "52:54:00:AA:00:01", mtu: 1400}
        eth1: {ipv4: 10.1.0.1/24}
      routes:
        - {dst: 10.9.0.0/16, via: 10.1.0.9}
    h:
      interfaces:
        eth0: {ipv4: 10.0.0.2/24}
    br1: {kind: bridge}
  links:
    - endpoints: ["g1:eth0", "br0"]
    - endpoints: ["h:eth0", "br0"]
    - endpoints: ["br1", "g1:eth1"]
)";

TEST(VmPlan, TapLinksHaveNoCreateLinkStepAndStartVmWaitsForTheBridges) {
  auto plan = make_plan(parse_topology(kLab, "t.yaml"));
  int create_links = 0, start_vm = -1;
  for (const auto& s : plan.steps) {
    create_links += s.kind == StepKind::CreateLink;
    if (s.kind == StepKind::StartVm) start_vm = s.id;
  }
  EXPECT_EQ(create_links, 1);  // h:eth0 only
  ASSERT_GE(start_vm, 0);
  const auto& after = plan.steps[start_vm].after;
  for (const auto* name : {"br0", "br1"}) {
    bool found = false;
    for (int id : after) found |= plan.steps[id].target == name && plan.steps[id].kind == StepKind::CreateBridge;
    EXPECT_TRUE(found) << name;
  }
  auto links = vm_links(plan, "g1");
  ASSERT_EQ(links.size(), 2u);
  EXPECT_EQ(links[0]->b.iface, "eth0");
  EXPECT_EQ(links[0]->a.device, "g1-eth0");
  EXPECT_EQ(links[0]->a.netns, plan.local_netns());
  EXPECT_EQ(links[0]->a.bridge, plan.bridge_device("br0"));
  EXPECT_EQ(links[1]->a.bridge, plan.bridge_device("br1"));
  // The configure step comes after StartVm.
  for (const auto& s : plan.steps)
    if (s.kind == StepKind::ConfigureNode && s.target == "g1") {
      EXPECT_EQ(s.after.front(), start_vm);
    }
}

TEST(VmPlan, ConfigureScriptGolden) {
  auto plan = make_plan(parse_topology(kLab, "t.yaml"));
  auto script = vm_configure_script(plan, *plan.topology.find_node("g1"));
  const auto mac1 = plan.macs.at("g1:eth1");
  EXPECT_EQ(script,
            "set -e\n"
            "for d in /sys/class/net/*; do\n"
            "  case $(cat $d/address) in\n"
            "    52:54:00:aa:00:01) ip link set dev ${d##*/} name nrtmp0 ;;\n"
            "    " +
                mac1 +
                ") ip link set dev ${d##*/} name nrtmp1 ;;\n"
                "  esac\n"
                "done\n"
                "ip link set dev nrtmp0 name eth0\n"
                "ip link set dev eth0 mtu 1400 up\n"
                "ip link set dev nrtmp1 name eth1\n"
                "ip link set dev eth1 up\n"
                "sysctl -qw net.ipv4.ip_forward=1 net.ipv6.conf.all.forwarding=1\n"
                "ip addr add 10.0.0.1/24 dev eth0\n"
                "ip addr add 10.1.0.1/24 dev eth1\n"
                "ip route add 10.9.0.0/16 via 10.1.0.9\n");
}

TEST(VmPlan, ADhcpInterfaceRunsUdhcpcInTheGuestBeforeTheRoutes) {
  auto plan = make_plan(parse_topology(R"(name: t
topology:
  nodes:
    br0: {kind: bridge, dhcp: {range: 10.5.0.100-10.5.0.150, prefix: 24, gateway: 10.5.0.1}}
    g1:
      kind: vm
      interfaces:
        eth0: {dhcp: true}
      routes: [{dst: 10.9.0.0/16, dev: eth0}]
  links:
    - endpoints: ["g1:eth0", "br0"]
)",
                                       "t.yaml"));
  auto script = vm_configure_script(plan, *plan.topology.find_node("g1"));
  const auto write =
      script.find("cat >/run/netrig-udhcpc <<'NETRIG_EOF'\n" + std::string(kUdhcpcScript) + "NETRIG_EOF\n");
  const auto run = script.find("busybox udhcpc -i eth0 -f -q -n -t 5 -T 2 -A 1 -s /run/netrig-udhcpc -x hostname:g1\n");
  const auto route = script.find("ip route add 10.9.0.0/16 dev eth0\n");
  ASSERT_NE(write, std::string::npos) << script;
  ASSERT_NE(run, std::string::npos) << script;
  ASSERT_NE(route, std::string::npos) << script;
  EXPECT_LT(write, run);
  EXPECT_LT(run, route);
  EXPECT_EQ(script.substr(0, write).find("ip addr add"), std::string::npos) << "no static address on a dhcp interface";
  // The plan orders the guest's configuration after the bridge's DHCP server.
  int server = -1, configure = -1;
  for (const auto& step : plan.steps) {
    if (step.kind == StepKind::StartDhcp) server = step.id;
    if (step.kind == StepKind::ConfigureNode && step.target == "g1") configure = step.id;
  }
  ASSERT_GE(server, 0);
  ASSERT_GE(configure, 0);
  const auto& after = plan.steps[configure].after;
  EXPECT_NE(std::find(after.begin(), after.end(), server), after.end());
}

TEST(VmPlan, QemuArgvGolden) {
  VmLaunch vm;
  vm.name = "netrig-t-g1";
  vm.memory_mib = 192;
  vm.cpus = 2;
  vm.kernel = "/img/vmlinux";
  vm.initrd = "/img/initrd.cpio";
  vm.cmdline = "console=ttyS0 netrig.name=g1";
  vm.console_socket = "/run/netrig/t/vm-g1/console.sock";
  vm.console_log = "/run/netrig/t/vm-g1/console.log";
  vm.agent_socket = "/run/netrig/t/vm-g1/agent.sock";
  vm.nics = {{7, "52:54:00:aa:00:01"}, {8, "52:54:00:aa:00:02", true}};
  std::string line;
  for (const auto& a : qemu_argv(vm)) line += (line.empty() ? "" : " ") + a;
  EXPECT_EQ(line,
            "qemu-system-x86_64 -name netrig-t-g1 -nodefaults -no-user-config -display none -machine q35 -accel tcg "
            "-cpu max -smp 2 -m 192 -kernel /img/vmlinux -initrd /img/initrd.cpio -append console=ttyS0 "
            "netrig.name=g1 -chardev "
            "socket,id=con,path=/run/netrig/t/vm-g1/console.sock,server=on,wait=off,logfile=/run/netrig/t/vm-g1/"
            "console.log -serial chardev:con -device virtio-serial-pci -chardev "
            "socket,id=agent,path=/run/netrig/t/vm-g1/agent.sock,server=on,wait=off -device "
            "virtserialport,chardev=agent,name=org.netrig.agent.0 -netdev tap,id=n0,fd=7 -device "
            "virtio-net-pci,netdev=n0,mac=52:54:00:aa:00:01 -netdev tap,id=n1,fd=8 -device "
            "virtio-net-pci,netdev=n1,mac=52:54:00:aa:00:02,csum=off");
}

TEST(VmPlan, ParsesMachineSettings) {
  auto topo = parse_topology(kLab, "t.yaml");
  const auto* g = topo.find_node("g1");
  EXPECT_EQ(g->kind, NodeKind::Vm);
  EXPECT_EQ(g->vm.memory_mib, 192);
  EXPECT_EQ(g->vm.cpus, 2);
  EXPECT_EQ(topo.find_node("h")->vm.memory_mib, 128);
}

}  // namespace
}  // namespace netrig
