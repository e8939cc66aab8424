// The lab's own Open vSwitch: ovsdb-server + ovs-vswitchd started detached inside the lab's local
// host namespace, with their database, sockets, logs and PID files in <lab_dir>/ovs (nothing in
// /var/run/openvswitch). Destroy kills them with the namespace's other processes (they are in a
// journaled namespace, so this works after a kill -9 of netrig too) and removes the directory.
//
// Or, with settings.ovs, an Open vSwitch that already runs in the host's namespace (the system's):
// netrig starts no daemon, journals each bridge before it creates it, marks the bridge and its
// ports with external_ids:netrig-lab=<lab>, and destroy deletes exactly the journaled bridges that
// carry that mark (destroy_system_ovs_bridges).
#pragma once

#include <sys/types.h>

#include <functional>
#include <string>
#include <vector>

#include "drivers/lab_state.h"
#include "drivers/process.h"
#include "model/diagnostic.h"
#include "model/names.h"
#include "plan/plan.h"

namespace netrig {

// <lab_dir>/ovs: conf.db, db.sock, <bridge>.mgmt, logs, PID files, and each daemon's control
// socket under OVS's default name (<daemon>.<pid>.ctl), so ovs-appctl finds it from the PID file.
// A host's own OVS (another host than local: <lab_dir>/ovs-<host>).
std::string ovs_dir(const std::string& lab, const std::string& host = kLocalHost);

// The environment ("NAME=VALUE") under which ovs-vsctl, ovs-ofctl and ovs-appctl reach the lab's
// switches without --db= or a socket path (`netrig exec LAB local -- ovs-vsctl show`): OVS_RUNDIR,
// OVS_DBDIR, OVS_LOGDIR and OVS_SYSCONFDIR at ovs_dir(lab) for the lab's own daemons; OVS_RUNDIR at
// the socket's directory with settings.ovs.
std::vector<std::string> ovs_env(const Plan& plan, const std::string& host = kLocalHost);
std::vector<std::string> ovs_env_of(const std::string& dir);

// The database the lab's switches are in: unix:<ovs_dir>/db.sock, or settings.ovs.
std::string ovs_db(const Plan& plan, const std::string& host = kLocalHost);

// "system" (kernel datapath) when the openvswitch module is loaded, "netdev" (userspace) otherwise.
std::string ovs_default_datapath();
// Why that datapath, for doctor.
std::string ovs_datapath_reason();
// Whether the lab's ovs switch `sw` (user's name) runs on the userspace (netdev) datapath.
bool ovs_userspace(const Plan& plan, const std::string& sw);

struct OvsDaemons {
  pid_t ovsdb = -1;
  pid_t vswitchd = -1;
};

// Creates the database and starts ovsdb-server, then ovs-vswitchd, inside `netns` (detached; they
// outlive this command). `on_pid` is called with each PID as soon as it is known (the deployer
// journals it). Waits for ovsdb-server's socket (throws with its log when it does not come up), not
// for ovs-vswitchd: configure_ovs_switch's transaction waits for that, and reports its log.
OvsDaemons start_ovs_daemons(const std::string& lab, const std::string& host, const std::string& netns,
                             const std::function<void(const std::string&, pid_t)>& on_pid);

// A host's underlay interfaces with tunnels (Plan::underlay_bridges): each made the port of its
// OVS bridge in that host's OVS, on the datapath of the host's switches. Its addresses go on the
// bridge's internal device when ConfigureNode runs.
// Equivalent: ovs-vsctl -- add-br u-eth0 -- set bridge u-eth0 datapath_type=netdev -- add-port u-eth0 eth0
void configure_underlay(const Plan& plan, const std::string& host);

// ovs-vsctl against the lab's switches' database (or any `db`); ovs-ofctl.
ExecResult ovs_vsctl(const Plan& plan, const std::vector<std::string>& args, double timeout_s = 30,
                     const std::string& host = kLocalHost);
ExecResult ovs_vsctl_at(const std::string& db, const std::vector<std::string>& args, double timeout_s = 30);
ExecResult ovs_ofctl(const std::vector<std::string>& args, double timeout_s = 30);
// unix:<run dir>/<bridge>.mgmt: the bridge's OpenFlow management socket.
std::string ovs_mgmt_socket(const Plan& plan, const std::string& bridge, const std::string& host = kLocalHost);

// settings.ovs, before anything of the lab is made there: the system's OVS answers at its socket,
// and neither its database nor the host's namespace has a bridge, port or device by one of the
// lab's names. Throws saying what is wrong and what to do.
void connect_system_ovs(const Plan& plan);

// The bridges `entries` journal as made in a system OVS ("ovs-bridge": name, database): deletes,
// in one transaction per database, those whose external_ids:netrig-lab is `lab` — never another
// bridge. Returns how many went; a database that does not answer is reported on stderr and
// counted in `unreachable`.
int destroy_system_ovs_bridges(const std::string& lab, const std::vector<JournalEntry>& entries, int* unreachable);

// One switch: link ports up (with TX checksum offload off on both ends of each link on the
// userspace datapath, which does not fill in checksums the kernel left to the NIC), the bridge and
// its ports in one ovsdb transaction, internal ports' addresses, and its flows in one add-flows.
void configure_ovs_switch(const Plan& plan, const NodeSpec& sw);

// Every ovs switch's flows checked by `ovs-ofctl [-O VERSIONS] parse-flows` before anything is
// deployed; each flow OVS rejects becomes a diagnostic at that flow's line and column with OVS's
// own message. Empty when all parse (or when ovs-ofctl is not installed: deploy reports that).
std::vector<Diagnostic> check_ovs_flows(const Topology& topo);

// ethtool -K <device> tx off, in the calling thread's network namespace.
void disable_tx_checksum(const std::string& device);

}  // namespace netrig
