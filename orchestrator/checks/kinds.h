// The check kinds: one attempt each, no retry (the runner retries).
#pragma once

#include <map>
#include <optional>
#include <shared_mutex>

#include "checks/result.h"
#include "checks/runner.h"
#include "plan/plan.h"

namespace netrig {

CheckResult ping_once(const Plan& plan, const CheckSpec& check, const std::string& address);
CheckResult connect_once(const Plan& plan, const CheckSpec& check, const std::string& address);
CheckResult exec_once(const Plan& plan, const CheckSpec& check);
// mtu: the path MTU to `address`, probed with DF-set pings between the protocol's minimum and the
// MTU of the interface the node's route leaves by.
CheckResult mtu_once(const Plan& plan, const CheckSpec& check, const std::string& address);
// connect from a vm node: nc in the guest (connect_vm.cc).
CheckResult connect_from_vm(const Plan& plan, const CheckSpec& check, const std::string& address);
// Retries unreached pairs itself, in rounds, until the check's timeout.
CheckResult pingall_run(const Plan& plan, const CheckSpec& check);

// capture: tcpdump on the check's device while its traffic runs; the pcap is kept under
// options.artifacts_dir and its matching packets counted.
CheckResult capture_once(const Plan& plan, const CheckSpec& check, const CheckOptions& options);
// iperf3: a one-shot server in the target node (stopped by PID), the client in the check's node.
// Runs one at a time (a shared CPU would make concurrent measurements meaningless).
CheckResult iperf3_once(const Plan& plan, const CheckSpec& check);
// Why an iperf3 check cannot measure what the file shapes: its path crosses an ovs port with qos or
// ingress policing on the userspace datapath, where neither acts. "" when it can.
std::string ovs_qos_not_acting(const Plan& plan, const CheckSpec& check);

// reachability: every cell of the matrix probed at once (tcp connect, udp echo, one ping), each
// retried until it matches or the check's timeout passes; the deciding security-group rule named.
CheckResult reachability_run(const Plan& plan, const CheckSpec& check);

// iperf3 checks hold it exclusively, captures shared: a bandwidth test would flood a capture's
// buffers and a capture would slow the measurement.
std::shared_mutex& measurement_lock();

// "N packets dropped by kernel" from tcpdump's closing statistics; -1 when absent.
int parse_tcpdump_drops(const std::string& output);

// Where a capture listens: namespace ("" = the host's) and kernel device name. Throws if the plan
// has no such device.
struct CaptureDevice {
  std::string netns;
  std::string device;
};
CaptureDevice capture_device(const Plan& plan, const CheckSpec& check);

// What a pcap file holds, counted against a BPF filter.
struct PcapCount {
  int total = 0;            // packets in the file
  int matched = 0;          // packets the filter accepts
  int tagged = 0;           // matching packets with an 802.1Q / 802.1ad tag
  std::map<int, int> vids;  // VID of the outer tag -> matching packets with it
  std::string error;        // the file cannot be read or the filter does not compile
};
PcapCount count_pcap(const std::string& file, const std::string& filter);
// Why the counted packets do not meet the check's expect/count/none, vlan and tagged ("" = they do).
std::string capture_problem(const CheckSpec& check, const PcapCount& count);
// One line: "6 of 14 packets match 'icmp', 0 tagged".
std::string describe_count(const CheckSpec& check, const PcapCount& count);

struct Iperf3Summary {
  bool parsed = false;
  std::string error;  // iperf3's own "error" field, or why the JSON could not be read
  std::string protocol;
  double seconds = 0;
  double sent_mbps = 0;
  double received_mbps = 0;  // what the receiver got: the figure the bounds apply to
  int retransmits = 0;       // tcp
  double lost_pct = 0;       // udp
  double jitter_ms = 0;      // udp
};
// Parses `iperf3 -c ... -J` output (3.x).
Iperf3Summary parse_iperf3_json(const std::string& json);
std::string describe_iperf3(const Iperf3Summary& s);
// Its figures for the JSON report (docs/report-format.md): seconds, sent_mbps, received_mbps, and
// retransmits (tcp) or jitter_ms and lost_pct (udp).
std::map<std::string, double> iperf3_figures(const Iperf3Summary& s);

struct PingSummary {
  int transmitted = 0;
  int received = 0;
  double loss_pct = 100;
  double rtt_min_ms = 0;
  double rtt_avg_ms = 0;
  double rtt_max_ms = 0;
  double rtt_mdev_ms = 0;
  bool parsed = false;
  // From the reply lines (`ping -D`: "[epoch] 64 bytes from ...: icmp_seq=N"): the most
  // consecutive echo requests without a reply, and the longest time between two replies (0 when
  // fewer than two replies came back).
  int longest_lost_run = 0;
  double longest_gap_s = 0;
};
// Parses iputils ping's summary lines (and, with -D, the reply lines).
PingSummary parse_ping_output(const std::string& output);

// ping -4|-6 -c COUNT -i INTERVAL -W 1 -D -O -n ADDRESS
std::vector<std::string> ping_argv(const CheckSpec& check, const std::string& address);
// The verdict on one ping run's output against the check's expect and bounds.
CheckResult judge_ping(const CheckSpec& check, const std::string& output, int exit_code);

}  // namespace netrig

#include <atomic>
#include <memory>
#include <thread>

namespace netrig {

// A TCP or UDP listener netrig opens on the target node for a connect check (`listen: true`).
// TCP connections are accepted and closed; UDP datagrams are echoed back.
class Listener {
 public:
  Listener(const std::string& netns, const std::string& protocol, const std::string& address, int port);
  ~Listener();
  Listener(const Listener&) = delete;
  Listener& operator=(const Listener&) = delete;

 private:
  int fd_ = -1;
  bool udp_ = false;
  std::atomic<bool> stop_{false};
  std::thread thread_;
};

}  // namespace netrig

namespace netrig {

// `listen: true` on a vm node: `nc -lk` in the guest (tcp only), stopped by its PID.
class VmListener {
 public:
  VmListener(const Plan& plan, const std::string& node, const std::string& protocol, const std::string& address,
             int port);
  ~VmListener();
  VmListener(const VmListener&) = delete;
  VmListener& operator=(const VmListener&) = delete;

 private:
  std::string lab_, node_, pid_;
};

}  // namespace netrig
