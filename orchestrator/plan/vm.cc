#include "plan/vm.h"

#include <algorithm>
#include <cctype>

#include "plan/dhcp_client.h"
#include "plan/plan_builder.h"

namespace netrig {

std::vector<std::string> qemu_argv(const VmLaunch& vm) {
  std::vector<std::string> a = {
      "qemu-system-x86_64",
      "-name",
      vm.name,
      "-nodefaults",
      "-no-user-config",
      "-display",
      "none",
      "-machine",
      "q35",
      "-accel",
      vm.accel,
      "-cpu",
      "max",
      "-smp",
      std::to_string(vm.cpus),
      "-m",
      std::to_string(vm.memory_mib),
      "-kernel",
      vm.kernel,
      "-initrd",
      vm.initrd,
      "-append",
      vm.cmdline,
      "-chardev",
      "socket,id=con,path=" + vm.console_socket + ",server=on,wait=off,logfile=" + vm.console_log,
      "-serial",
      "chardev:con",
      "-device",
      "virtio-serial-pci",
      "-chardev",
      "socket,id=agent,path=" + vm.agent_socket + ",server=on,wait=off",
      "-device",
      "virtserialport,chardev=agent,name=org.netrig.agent.0"};
  for (size_t i = 0; i < vm.nics.size(); ++i) {
    const auto id = "n" + std::to_string(i);
    a.insert(a.end(), {"-netdev", "tap,id=" + id + ",fd=" + std::to_string(vm.nics[i].fd), "-device",
                       "virtio-net-pci,netdev=" + id + ",mac=" + vm.nics[i].mac +
                           (vm.nics[i].full_checksums ? ",csum=off" : "")});
  }
  return a;
}

std::vector<const PlannedLink*> vm_links(const Plan& plan, const std::string& node) {
  std::vector<const PlannedLink*> out;
  const auto* spec = plan.topology.find_node(node);
  if (!spec) return out;
  for (const auto& iface : spec->interfaces)
    for (const auto& l : plan.links)
      if (l.tap && l.b.node == node && l.b.iface == iface.name) out.push_back(&l);
  return out;
}

std::string vm_configure_script(const Plan& plan, const NodeSpec& node) {
  std::string s = "set -e\n";
  auto lower = [](std::string v) {
    std::transform(v.begin(), v.end(), v.begin(), [](unsigned char c) { return std::tolower(c); });
    return v;
  };
  // Two passes (to temporary names first) so a NIC may take a name another one has now.
  const auto links = vm_links(plan, node.name);
  if (!links.empty()) {
    s += "for d in /sys/class/net/*; do\n  case $(cat $d/address) in\n";
    for (size_t i = 0; i < links.size(); ++i)
      s += "    " + lower(*links[i]->b.mac) + ") ip link set dev ${d##*/} name nrtmp" + std::to_string(i) + " ;;\n";
    s += "  esac\ndone\n";
    for (size_t i = 0; i < links.size(); ++i) {
      const auto& end = links[i]->b;
      s += "ip link set dev nrtmp" + std::to_string(i) + " name " + end.device + "\n";
      s += "ip link set dev " + end.device + (end.mtu ? " mtu " + std::to_string(*end.mtu) : "") + " up\n";
    }
  }
  if (node.router) s += "sysctl -qw net.ipv4.ip_forward=1 net.ipv6.conf.all.forwarding=1\n";
  for (const auto& sc : node.sysctls) s += "sysctl -qw " + sc.key + "=" + sc.value + "\n";
  for (const auto& i : node.interfaces)
    for (const auto& a : i.addresses)
      s += "ip addr add " + a.str() + " dev " + i.kernel_name + (a.addr.family == 6 ? " nodad" : "") + "\n";
  if (auto it = plan.neighbors.find(node.name); it != plan.neighbors.end())
    for (const auto& n : it->second)
      s += "ip neigh replace " + n.address.str() + " lladdr " + n.mac + " dev " + n.device + " nud permanent\n";
  // DHCP clients once the NICs are up, before routes (a route may go via the leased network):
  // busybox udhcpc with netrig's lease script, as in netns nodes; -t 5 -T 2: 10 s at most.
  bool script = false;
  for (const auto& i : node.interfaces) {
    if (!i.dhcp) continue;
    if (!script)
      s += std::string("cat >/run/netrig-udhcpc <<'NETRIG_EOF'\n") + kUdhcpcScript +
           "NETRIG_EOF\nchmod 755 /run/netrig-udhcpc\n";
    script = true;
    s += "busybox udhcpc -i " + i.kernel_name +
         " -f -q -n -t 5 -T 2 -A 1 -s /run/netrig-udhcpc -x hostname:" + node.name + "\n";
  }
  for (const auto& r : node.routes) {
    s += "ip route add " + (r.dst.len ? r.dst.str() : std::string(r.dst.addr.family == 6 ? "::/0" : "default"));
    if (r.via) s += " via " + r.via->str();
    if (!r.dev.empty()) s += " dev " + node.find_interface(r.dev)->kernel_name;
    if (r.metric) s += " metric " + std::to_string(*r.metric);
    s += "\n";
  }
  return s;
}

void plan_vms(PlanBuilder& b) {
  for (const auto& node : b.plan.topology.nodes) {
    if (node.kind != NodeKind::Vm) continue;
    auto after = b.vm_after[node.name];
    after.push_back(b.create.at(node.name));
    std::sort(after.begin(), after.end());
    after.erase(std::unique(after.begin(), after.end()), after.end());
    std::string detail = "ip netns exec " + b.plan.netns_of(node.name) + " qemu-system-x86_64 -m " +
                         std::to_string(node.vm.memory_mib) + " -smp " + std::to_string(node.vm.cpus);
    for (const auto& l : b.plan.links)
      if (l.tap && l.b.node == node.name)
        detail += " -netdev tap,fd=<" + l.a.device + " on " + l.a.bridge + "> -device virtio-net-pci,mac=" + *l.b.mac;
    detail += "; wait for the agent";
    b.create[node.name] = b.add(StepKind::StartVm, node.name, after, detail);
  }
}

}  // namespace netrig
