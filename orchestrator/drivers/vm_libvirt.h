// The libvirt driver for `kind: vm` nodes (settings.vm_driver: libvirt): transient domains made
// through libvirt's C API from plan/libvirt_xml.h, QEMU as libvirtd's child in the host namespace.
// Each NIC is a TAP libvirt creates in the host namespace under a lab-unique name; right after the
// domain starts netrig moves it into <lab>-local under the plan's device name and plugs it into its
// bridge, so it ends up exactly like the direct driver's TAPs. The console and netrig-agent are
// unix sockets in the VM's run directory (vm_run_dir), the same paths as the direct driver's, so
// vm_exec, netrig exec/console and the checks work unchanged.
#pragma once

#include <string>
#include <vector>

#include "drivers/lab_state.h"
#include "plan/plan.h"

namespace netrig {

// Journal ops: "libvirt-domain" (name = domain, netns = the connection URI), written before the
// domain is created; "libvirt-tap" (name = the host-namespace TAP), before libvirt creates it.
inline constexpr const char* kJournalLibvirtDomain = "libvirt-domain";
inline constexpr const char* kJournalLibvirtTap = "libvirt-tap";

// Starts the guest's domain, moves its TAPs into the lab, and waits up to timeout_s for its agent.
// Throws with the console's last lines when the guest does not answer, or with the reason when
// libvirtd cannot be reached at the lab's URI.
void start_vm_libvirt(const Plan& plan, const NodeSpec& node, Journal& journal, const std::string& mark,
                      double timeout_s);

// Destroys the lab's domains recorded in its journal (only those whose metadata says they are this
// lab's node) and deletes journaled TAPs still in the host namespace. Returns how many domains it
// destroyed; a domain it could not reach is reported on stderr.
int destroy_libvirt_domains(const std::string& lab, const std::vector<JournalEntry>& entries);

// What `netrig doctor` says about libvirt at `uri`.
struct LibvirtHealth {
  bool reachable = false;
  std::string detail;            // version, or why it cannot be reached
  bool reprobe_problem = false;  // docs/design-vms.md §1: every domain start re-probes QEMU
  std::string reprobe_detail;    // the diagnosis with the fix, or what was measured
};
LibvirtHealth libvirt_health(const std::string& uri);

// The static part of the diagnosis: /dev/kvm exists but group kvm cannot read and write it
// (libvirt's QEMU user is in group kvm). "" when fine.
std::string kvm_permission_problem();

// Whether a libvirtd answers at `uri` ("" when it does, else the reason).
std::string libvirt_unreachable(const std::string& uri);

}  // namespace netrig
