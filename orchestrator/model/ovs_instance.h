// Which Open vSwitch a lab's `kind: ovs` switches live in (settings.ovs), and what that means for
// their names. Pure.
//
// By default a lab starts its own ovsdb-server + ovs-vswitchd in its namespace <lab>-local, where
// the switches and their ports are devices that nothing else on the host can see, so their names
// are the file's. With `settings: {ovs: system}` (or a socket path) the switches are made in an
// Open vSwitch that already runs in the host's namespace: its bridges, ports and their devices are
// shared with everything else on the host, so each name gets a per-lab prefix (system_ovs_name).
#pragma once

#include <string>

namespace netrig {

struct Topology;

// Debian's (and OVS's default) database socket of the system's Open vSwitch.
inline constexpr const char* kSystemOvsDb = "unix:/var/run/openvswitch/db.sock";

// "" when `db` (after "system" is replaced by kSystemOvsDb) can be used; else why not. Only a
// unix socket on this machine: a tcp:/ssl: database could be another machine's, whose switch ports
// could not be this machine's devices.
std::string ovs_db_problem(const std::string& db);

// The daemons' run directory: the socket's directory (where ovs-vswitchd keeps <bridge>.mgmt and
// its control socket, as OVS_RUNDIR).
std::string ovs_rundir_of(const std::string& db);

bool uses_system_ovs(const Topology& topo);

// The prefix a lab's names get in the system's OVS (settings.ovs_prefix): "" by default, so the
// switches and ports have the file's names, as the lectures' `ovs-vsctl add-br ubuntu_br` does
// (and exec checks that name them work unchanged); the given prefix; or with "auto" a per-lab
// "<tag>-" (4 hex digits of a hash of the lab's name), so two labs or two copies of one lab with
// the same switch names can share the system's OVS.
std::string system_ovs_prefix(const Topology& topo);

// The name a switch, port or bond `name` has in the system's OVS and, for bridges and link ports,
// as a device in the host's namespace: prefix + name, shortened to 15 characters with a hash of
// `name` when longer.
std::string system_ovs_name(const std::string& prefix, const std::string& name);

// "" when `prefix` can be settings.ovs_prefix ("auto" or up to 8 characters a device name takes).
std::string ovs_prefix_problem(const std::string& prefix);

}  // namespace netrig
