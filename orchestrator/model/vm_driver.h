// Which driver starts a lab's vm nodes (docs/topology-reference.md "settings"): the built-in
// direct-QEMU driver, or libvirt through its C API at a URI.
#pragma once

#include <string>

namespace netrig {

struct Topology;

inline constexpr const char* kDefaultLibvirtUri = "qemu:///system";

// "" when `uri` is a libvirt URI netrig can use; else why not. netrig plugs a guest's TAPs into the
// lab's bridges in this machine's namespace <lab>-local and talks to its agent through a unix socket
// in the lab's state directory, so the QEMU driver must run here: qemu:///system, qemu:///session,
// qemu+unix:///... are fine; a remote host (qemu+ssh://host/system, qemu+tcp://...) is refused.
std::string libvirt_uri_problem(const std::string& uri);

// The driver for the lab's vms: $NETRIG_VM_DRIVER, else settings.vm_driver, else "direct".
std::string effective_vm_driver(const Topology& topo);
// $NETRIG_LIBVIRT_URI, else settings.libvirt_uri, else qemu:///system.
std::string effective_libvirt_uri(const Topology& topo);

}  // namespace netrig
