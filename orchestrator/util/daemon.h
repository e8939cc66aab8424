// Starting a daemon: detached (a new session, reparented to init), stdin from /dev/null, stdout
// and stderr appended to a log file, its PID returned. Every long-running process a lab starts
// (dnsmasq, the OVS daemons, services) goes through here; drivers/netns.h's spawn_in_netns names
// the namespace.
#pragma once

#include <sys/types.h>

#include <string>
#include <vector>

namespace netrig {

// Starts argv (searched on PATH) as a daemon and returns its PID. With netns_fd >= 0 (not closed
// here) the daemon enters that network namespace before exec; -1 leaves it where the caller is.
// The process is not the caller's child: it outlives the caller until someone kills it. A program
// that cannot be executed exits 127 at once (its PID is still returned; the log is empty).
// Throws std::system_error when the log cannot be opened or fork fails.
pid_t spawn_daemon(const std::vector<std::string>& argv, const std::string& log_path, int netns_fd = -1);

}  // namespace netrig
