// The lab's own Open vSwitch: ovsdb-server + ovs-vswitchd started detached inside the lab's local
// host namespace, with their database, sockets, logs and PID files in <lab_dir>/ovs (nothing in
// /var/run/openvswitch). Destroy kills them with the namespace's other processes (they are in a
// journaled namespace, so this works after a kill -9 of netrig too) and removes the directory.
#pragma once

#include <sys/types.h>

#include <functional>
#include <string>
#include <vector>

#include "drivers/process.h"
#include "model/diagnostic.h"
#include "plan/plan.h"

namespace netrig {

// <lab_dir>/ovs: conf.db, db.sock, <bridge>.mgmt, logs, PID files, and each daemon's control
// socket under OVS's default name (<daemon>.<pid>.ctl), so ovs-appctl finds it from the PID file.
std::string ovs_dir(const std::string& lab);

// OVS_RUNDIR, OVS_DBDIR, OVS_LOGDIR and OVS_SYSCONFDIR ("NAME=VALUE") pointing at ovs_dir(lab):
// with them ovs-vsctl, ovs-ofctl and ovs-appctl reach the lab's own daemons without --db= or a
// socket path (`netrig exec LAB local -- ovs-vsctl show`).
std::vector<std::string> ovs_env(const std::string& lab);
std::vector<std::string> ovs_env_of(const std::string& dir);

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
// journals it). Throws with the daemon's log when one does not come up.
OvsDaemons start_ovs_daemons(const std::string& lab, const std::string& netns,
                             const std::function<void(const std::string&, pid_t)>& on_pid);

// ovs-vsctl / ovs-ofctl against the lab's own daemons.
ExecResult ovs_vsctl(const std::string& lab, const std::vector<std::string>& args, double timeout_s = 30);
ExecResult ovs_ofctl(const std::string& lab, const std::vector<std::string>& args, double timeout_s = 30);
// unix:<ovs_dir>/<bridge>.mgmt: the bridge's OpenFlow management socket.
std::string ovs_mgmt_socket(const std::string& lab, const std::string& bridge);

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
