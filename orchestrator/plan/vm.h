// `kind: vm` nodes, pure parts: the QEMU command line and the guest's configuration script.
#pragma once

#include <string>
#include <vector>

#include "plan/plan.h"

namespace netrig {

// What the direct-QEMU driver starts for one guest.
struct VmLaunch {
  std::string name;  // -name (netrig-<lab>-<node>)
  int memory_mib = 128;
  int cpus = 1;
  std::string accel = "tcg";  // "tcg" or "kvm"
  std::string kernel;         // vmlinux (PVH)
  std::string initrd;
  std::string cmdline;
  std::string console_socket;  // the serial console: a unix socket (netrig console) ...
  std::string console_log;     // ... logged to this file
  std::string agent_socket;    // the virtio-serial port org.netrig.agent.0
  struct Nic {
    int fd;           // an open TAP fd the child inherits
    std::string mac;  // guest MAC
    // No checksum offload between guest and TAP (virtio-net csum=off): for ports of a userspace
    // (netdev) OVS datapath, which forwards frames as they are and cannot finish a partial checksum.
    bool full_checksums = false;
  };
  std::vector<Nic> nics;
};

// qemu-system-x86_64's argv: q35 + PVH kernel (measured fastest under TCG, docs/design-vms.md),
// no firmware devices, the console and the agent on unix sockets, one virtio-net per NIC on its fd.
std::vector<std::string> qemu_argv(const VmLaunch& vm);

// The shell script (dash in the guest) that gives a booted guest its lab configuration: NICs
// renamed by MAC to the file's kernel names, MTU, addresses, forwarding, sysctls, static
// neighbours, routes. Runs once, through the agent.
std::string vm_configure_script(const Plan& plan, const NodeSpec& node);

// The planned links whose TAP ends belong to this VM (PlannedLink::tap), in interface order.
std::vector<const PlannedLink*> vm_links(const Plan& plan, const std::string& node);

struct PlanBuilder;  // plan/plan_builder.h
// The planner's VM stage: a StartVm step per VM (its TAPs on their bridges, QEMU, the agent
// answering), after its namespace and bridges; it becomes the VM's create step.
void plan_vms(PlanBuilder& b);

}  // namespace netrig
