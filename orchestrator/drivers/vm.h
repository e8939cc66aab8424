// The direct-QEMU driver for `kind: vm` nodes: TAP devices on the lab's bridges, QEMU started
// (daemonized) inside the node's own namespace, readiness = the guest's agent answers.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "drivers/lab_state.h"
#include "drivers/process.h"
#include "model/ip.h"
#include "plan/plan.h"

namespace netrig {

// Where a VM's sockets and console log live: <lab_dir>/vm-<node> (a hash when that is too long
// for a unix socket path).
std::string vm_run_dir(const std::string& lab, const std::string& node);
std::string vm_agent_socket(const std::string& lab, const std::string& node);
std::string vm_console_socket(const std::string& lab, const std::string& node);
std::string vm_console_log(const std::string& lab, const std::string& node);

// The guest image directory a node boots: its `image:`, else $NETRIG_IMAGE_DIR/current, else
// /var/cache/netrig/images/current. Empty when it has no vmlinux/initrd.cpio/cmdline.
std::string vm_image_dir(const NodeSpec& node);
std::string default_image_dir();

// The guest image a vm node boots (vm_image_dir) and its kernel command line (its `cmdline` file,
// trailing blanks cut). Throws saying how to build it when there is none. Both drivers start here.
struct GuestImage {
  std::string dir;
  std::string cmdline;
};
GuestImage guest_image(const NodeSpec& node);

// Both drivers' readiness loop: polls the guest's agent at `socket` every 200 ms until it answers
// `true`. Throws with the console's last lines when `stopped()` returns why the guest died, on an
// interrupt, or after timeout_s from `started` (`what` names the accelerator/driver in the message).
void wait_for_agent(const std::string& lab, const std::string& node, const std::string& socket,
                    std::chrono::steady_clock::time_point started, double timeout_s, const std::string& what,
                    const std::function<std::string()>& stopped);

// "tcg" or "kvm", with the reason (docs/design-vms.md §2): KVM only when a probe boots the image's
// kernel under KVM to /init within 5 s (on these machines /dev/kvm opens but KVM guests hang).
// The verdict is cached in <image root>/accel.txt. NETRIG_VM_ACCEL=tcg skips the probe; =kvm makes
// a failed probe an error.
struct Accel {
  std::string name;
  std::string reason;
};
Accel vm_accelerator();

// StartVm: creates the VM's TAPs on their bridges (journaled as lab links, non-persistent: they
// vanish with QEMU), starts QEMU in the node's namespace and waits up to timeout_s for the agent.
// Throws with the console's last lines when the guest does not answer.
void start_vm(const Plan& plan, const NodeSpec& node, Journal& journal, const std::string& mark, double timeout_s);

// Plugs a VM's TAP (ifindex `index`, in the current namespace, the plan's link.a.device) into its
// place: enslaved to its Linux bridge or left as the ovs switch's port, with MTU and the lab's mark,
// up. Both drivers use it: the direct one right after creating the TAP, libvirt's after the move.
void plug_tap(int index, const PlannedLink& link, const std::string& mark);

// ConfigureNode of a VM: vm_configure_script through the agent.
void configure_vm(const Plan& plan, const NodeSpec& node);

// A command in the guest through its agent (sh -c).
ExecResult vm_exec(const std::string& lab, const std::string& node, const std::string& command, double timeout_s);

// The first global IPv4 address of a guest's interface (a DHCP lease), asked through the agent.
std::optional<IpAddr> guest_ipv4(const std::string& lab, const std::string& node, const std::string& device);

// The last `lines` lines of the VM's console log.
std::string vm_console_tail(const std::string& lab, const std::string& node, int lines);

// Seconds deploy waits for a guest's agent: $NETRIG_VM_BOOT_TIMEOUT or 120.
double vm_boot_timeout();

}  // namespace netrig

namespace netrig {

// Whether PID is the QEMU of this lab's VM (its -name in /proc/PID/cmdline).
bool vm_process_matches(pid_t pid, const std::string& lab, const std::string& node);

// Waits until none of the PIDs exists any more (or is a zombie), at most timeout_s.
void wait_gone(const std::vector<pid_t>& pids, double timeout_s);

}  // namespace netrig
