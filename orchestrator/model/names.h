// Kernel names: interface names are limited to 15 characters (IFNAMSIZ - 1). Names that fit are
// kept; longer ones get a stable short form, so the same file always yields the same devices.
#pragma once

#include <cstdint>
#include <string>

namespace netrig {

constexpr size_t kMaxIfName = 15;

uint32_t fnv1a32(const std::string& text);

// `name` itself when it fits, else its first 6 characters, '-', and 8 hex digits of its hash.
std::string short_kernel_name(const std::string& name);

// The tunnel port that topology.tunnels makes on a switch towards `peer_host`: "vx-<host>" (vxlan),
// "gre-<host>" (gre) or "gnv-<host>" (geneve), shortened by short_kernel_name past 15 characters
// (host rack12-hypervisor3: "vx-rac-" and 8 hex digits), so flows can name it; `netrig plan` shows it.
std::string tunnel_port_name(const std::string& type, const std::string& peer_host);

// Whether the kernel accepts `name` as an interface name (length aside).
bool is_valid_ifname_chars(const std::string& name);

// Why `name` cannot name an interface inside a node ("" when it can): empty, '.' or '..', a
// character the kernel refuses ('/', ':', whitespace, control or non-ASCII), 'lo' (every namespace
// has it), or longer than kMaxUserIfName. Length over 15 is fine: short_kernel_name shortens it.
std::string ifname_problem(const std::string& name);
constexpr size_t kMaxUserIfName = 64;

// The name of a node's network namespace under /run/netns: "<lab>-<node>", with every '-' in the
// node's name written '+' (a character no lab or node name may hold). The last '-' therefore
// separates lab and node, so no two (lab, node) pairs share a namespace: lab "x" / node "y-z" is
// "x-y+z", lab "x-y" / node "z" is "x-y-z". Node names without '-' (most) read as before.
std::string netns_name(const std::string& lab, const std::string& node);

// The simulated host every lab has implicitly: a lab-owned namespace "<lab>-local" that holds the
// lab's switches (Linux bridges, OVS and its daemons) and the switch-side end of every link to them.
// Labs create nothing in the host's own namespace. "local" is therefore not a valid node name.
inline constexpr const char* kLocalHost = "local";
std::string host_netns_name(const std::string& lab, const std::string& host);
// The directory (under the lab's state directory) of a host's own OVS: "ovs" for local, else
// "ovs-<host>".
std::string ovs_dir_name(const std::string& host);

// The name of a vm node's QEMU: its -name (direct driver) and its libvirt domain name.
std::string vm_domain_name(const std::string& lab, const std::string& node);

// The mark every device of the lab carries as its interface alias (ifalias).
std::string ownership_mark(const std::string& lab);
// The interface group the lab's devices in the host's namespace (with settings.ovs) are made in:
// set in the creating request itself, so a device is recognisable as the lab's even when a crash
// came before its alias was set. Never 0 (the default group); below 2^31 (iproute2 prints it signed).
uint32_t ownership_group(const std::string& lab);

}  // namespace netrig
