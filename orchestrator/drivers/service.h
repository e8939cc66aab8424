// A netns node's `services:`: long-running commands (an OpenFlow controller, a server) started
// detached inside the node's namespace once the node is configured. Output goes to
// <lab_dir>/services/<node>-<name>.log, the PID to <node>-<name>.pid. The service runs in its own
// process group; it is stopped by that group only, after checking that its PID is still a process
// in the node's namespace (never by name). Destroy kills it with the namespace's other processes,
// also after a kill -9 of netrig.
#pragma once

#include <sys/types.h>

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "plan/plan.h"

namespace netrig {

// `env -C <lab_dir>/services OVS_RUNDIR=... OVS_LOGDIR=... /bin/sh -c COMMAND`: a service works in
// the lab's services directory, and OVS programs (ovs-testcontroller) put their control socket
// and logs there instead of the host's /var/run/openvswitch. A simple command (no ; & | < > ( ) `
// $ or newline) is run as `exec COMMAND`, so its PID is the program's own.
std::vector<std::string> service_argv(const std::string& lab, const std::string& command);

std::string service_log(const std::string& lab, const std::string& node, const std::string& service);
std::string service_pid_file(const std::string& lab, const std::string& node, const std::string& service);

// Starts `/bin/sh -c COMMAND` in the node's namespace; `on_pid` gets the PID as soon as it is
// known (the deployer journals it). Writes the PID file, then watches it for a moment: throws with
// the service's log when it exits at once (command not found, port in use).
pid_t start_service(const Plan& plan, const std::string& node, const ServiceSpec& service,
                    const std::function<void(pid_t)>& on_pid = {});

// The running service's PID: from its PID file, alive and inside the node's namespace.
std::optional<pid_t> service_pid(const Plan& plan, const std::string& node, const std::string& service);

struct StopResult {
  pid_t pid = -1;       // -1: it was not running
  pid_t group = -1;     // its process group, which got the signals
  bool killed = false;  // SIGTERM was not enough within the grace time: SIGKILL
};
// SIGTERM to the service's process group, SIGKILL after `grace_s`; waits until it is gone and
// removes the PID file.
StopResult stop_service(const Plan& plan, const std::string& node, const std::string& service, double grace_s = 3);

}  // namespace netrig
