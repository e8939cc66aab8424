// What a deployed lab looks like right now: the facts `inspect` and the HTTP API show, gathered
// from the kernel and the lab's state dir. reports/lab_status.h turns them into the lab's status.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "drivers/dhcp.h"
#include "drivers/lab_state.h"
#include "drivers/tc_stats.h"
#include "plan/plan.h"

namespace netrig {

// One device's counters and flags, as /proc/net/dev and IFF_UP / IFF_LOWER_UP give them.
struct InterfaceCounters {
  uint64_t rx_bytes = 0, rx_packets = 0, rx_drops = 0, rx_errors = 0;
  uint64_t tx_bytes = 0, tx_packets = 0, tx_drops = 0, tx_errors = 0;
  bool up = false;       // IFF_UP: administratively up
  bool carrier = false;  // IFF_LOWER_UP: the link has carrier (a veth whose peer is up)
};

// The qdisc and class counters of one interface with qos: (egress: on the interface; ingress: on
// its ifb device, plan/qos.h).
struct QosObservation {
  std::string node, interface;  // the file's names
  std::string netns, device;    // where the counters were read
  std::string direction;        // egress | ingress
  std::vector<TcStats> stats;
};

struct LabObservation {
  std::optional<LabMeta> meta;
  std::string state_dir;
  std::string ovs_db;                                        // the lab's OVS database socket
  std::set<std::string> present;                             // nodes whose namespace or device exists
  std::map<std::string, std::optional<std::string>> leased;  // "node:iface" with dhcp -> its IPv4
  std::vector<DhcpLease> leases;
  // Only when asked (the API): netns -> device -> counters, for every namespace of the lab.
  bool with_counters = false;
  std::map<std::string, std::map<std::string, InterfaceCounters>> counters;
  std::vector<QosObservation> qos;  // with the counters: every interface with qos:, in file order
};

// Looks at the lab (namespaces, devices, leases; counters and qdisc/class counters when
// with_counters).
LabObservation observe_lab(const Plan& plan, bool with_counters);

// /proc/net/dev's text -> device -> counters. Pure.
std::map<std::string, InterfaceCounters> parse_proc_net_dev(const std::string& text);

}  // namespace netrig
