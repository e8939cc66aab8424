// `kind: vm` nodes through libvirt, pure part: the domain XML of one guest.
#pragma once

#include <string>
#include <vector>

#include "plan/plan.h"

namespace netrig {

// netrig's XML namespace for the lab's ownership in a domain's <metadata>.
inline constexpr const char* kLibvirtMetadataUri = "https://netrig.invalid/xmlns/libvirt-owner/1";

// What the libvirt driver starts for one guest: the same machine as the direct driver's (q35,
// PVH vmlinux, -cpu max, no default devices), but QEMU is libvirt's child in the host namespace.
struct LibvirtDomainSpec {
  std::string name;           // netrig-<lab>-<node> (vm_domain_name)
  std::string type = "qemu";  // "qemu" (TCG) or "kvm" (only when the KVM probe passed)
  int memory_mib = 128;
  int cpus = 1;
  std::string kernel;  // <image>/vmlinux
  std::string initrd;  // <image>/initrd.cpio
  std::string cmdline;
  std::string console_socket;  // the serial console: a unix socket (netrig console) ...
  std::string console_log;     // ... logged to this file (by virtlogd)
  std::string agent_socket;    // the virtio-serial port org.netrig.agent.0 (netrig-agent)
  struct Nic {
    std::string tap;  // the TAP libvirt creates in the host namespace (moved to <lab>-local after start)
    std::string mac;
    int mtu = 0;  // 0: leave the default
    // No checksum offload (virtio-net csum=off, libvirt <host csum='off'/>): for ports of a
    // userspace-datapath OVS switch, as the direct driver (plan/vm.h VmLaunch::Nic).
    bool full_checksums = false;
  };
  std::vector<Nic> nics;
  // The lab's ownership, in <metadata>: destroy finds the lab's domains by it.
  std::string lab;
  std::string node;
  std::string version;
};

// The <domain> document for virDomainCreateXML (a transient domain: nothing persistent to leak).
std::string libvirt_domain_xml(const LibvirtDomainSpec& spec);

// The <metadata> child element alone (what virDomainGetMetadata returns for kLibvirtMetadataUri).
std::string libvirt_owner_xml(const std::string& lab, const std::string& node, const std::string& version);

// Whether the metadata element (as virDomainGetMetadata gives it back for kLibvirtMetadataUri) says
// the domain is lab's node.
bool libvirt_owner_matches(const std::string& metadata, const std::string& lab, const std::string& node);

// The name of the TAP libvirt creates for a vm's interface in the host namespace: "nrv" and 8 hex
// digits of a hash of lab, node and interface, so no two labs' TAPs meet there. The driver moves it
// into <lab>-local right after the domain starts and renames it to the plan's device name.
std::string libvirt_tap_name(const std::string& lab, const std::string& node, const std::string& iface);

// Everything of a guest's domain that does not come from the plan.
struct LibvirtInputs {
  std::string image_dir;  // holds vmlinux and initrd.cpio
  std::string cmdline;    // the image's kernel command line (netrig.name= is appended)
  std::string type = "qemu";
  std::string run_dir;  // vm_run_dir: console.sock, console.log, agent.sock
  std::string version;  // netrig's version, for the metadata
};
LibvirtDomainSpec libvirt_domain_spec(const Plan& plan, const NodeSpec& node, const LibvirtInputs& in);

}  // namespace netrig
