// DHCP: dnsmasq serving a bridge from the lab-owned namespace <lab>-dhcp+<bridge> (started detached,
// its PID journaled; destroy_lab kills it with the namespace's other processes), busybox udhcpc in
// a node for `dhcp: true`, and the lease files `inspect` shows. Leases live in the lab's state dir.
#pragma once

#include <sys/types.h>

#include <optional>
#include <string>
#include <vector>

#include "drivers/lab_state.h"
#include "model/topology.h"
#include "plan/dhcp_server.h"  // dnsmasq_argv
#include "plan/plan.h"

namespace netrig {

// The StartDhcp step: addresses the server's interface in <lab>-dhcp+<bridge> (loopback with the
// lab's mark), starts dnsmasq there (its PID journaled) and returns once it has written its PID
// file, i.e. listens; throws with its log when it does not start.
void start_dhcp_server(const Plan& plan, const NodeSpec& bridge, Journal& journal, const std::string& mark);

std::string dhcp_lease_file(const std::string& lab, const std::string& bridge);
std::string dhcp_pid_file(const std::string& lab, const std::string& bridge);

// Runs busybox udhcpc for one interface of a node and returns the leased address; throws with the
// client's output when no lease arrives within timeout_s.
IpPrefix dhcp_client(const std::string& lab, const std::string& netns, const std::string& node,
                     const std::string& device, double timeout_s);

// The IPv4 address an interface has right now (what DHCP gave it), read with netlink.
std::optional<IpAddr> current_ipv4(const std::string& netns, const std::string& device);

struct DhcpLease {
  std::string bridge;
  long long expiry = 0;  // Unix time; 0 = infinite
  std::string mac;
  std::string ip;
  std::string hostname;  // "*" when the client sent none
};

// dnsmasq lease-file lines: "<expiry> <mac> <ip> <hostname> <client-id>".
std::vector<DhcpLease> parse_leases(const std::string& bridge, const std::string& text);
// Every lease of a deployed lab (all its dhcp-<bridge>.leases files), sorted by bridge and IP.
std::vector<DhcpLease> read_leases(const std::string& lab);

}  // namespace netrig
