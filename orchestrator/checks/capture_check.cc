// capture: tcpdump -w on a lab device while the check's own traffic runs; the pcap is kept as an
// artifact and read back with libpcap to count the packets a BPF filter accepts. On a vm node's
// interface tcpdump runs in the guest and the pcap comes back through the agent.
#include <pcap/pcap.h>
#include <signal.h>

#include <chrono>
#include <filesystem>
#include <mutex>
#include <thread>

#include "checks/kinds.h"
#include "drivers/node_background.h"
#include "drivers/node_exec.h"
#include "drivers/process.h"
#include "drivers/system_error.h"

namespace netrig {

namespace fs = std::filesystem;

CaptureDevice capture_device(const Plan& plan, const CheckSpec& check) {
  if (check.bridge.empty()) {
    const auto* node = plan.topology.find_node(check.node);
    const auto* iface = node ? node->find_interface(check.iface) : nullptr;
    if (!iface) throw SystemError("node '" + check.node + "' has no interface '" + check.iface + "'", ENODEV);
    return {plan.netns_of(check.node), iface->kernel_name};
  }
  if (check.bridge_port.empty()) return {plan.switch_netns(check.bridge), plan.bridge_device(check.bridge)};
  for (const auto& link : plan.links)
    for (const auto* pair : {&link.a, &link.b}) {
      const LinkEnd& x = *pair;
      const LinkEnd& y = pair == &link.a ? link.b : link.a;
      if (x.node == check.bridge && x.iface.empty() &&
          ((y.iface.empty() ? y.node : y.node + ":" + y.iface) == check.bridge_port ||
           (!x.ovs.empty() && x.port == check.bridge_port)))
        return {x.netns, x.device};
    }
  throw SystemError("bridge '" + check.bridge + "' has no port '" + check.bridge_port + "'", ENODEV);
}

PcapCount count_pcap(const std::string& file, const std::string& filter) {
  PcapCount count;
  char errbuf[PCAP_ERRBUF_SIZE] = "";
  pcap_t* p = pcap_open_offline(file.c_str(), errbuf);
  if (!p) {
    count.error = errbuf;
    return count;
  }
  bpf_program program{};
  bool have_program = false;
  if (!filter.empty()) {
    static std::mutex compile_mutex;  // older libpcaps share the parser's state
    std::lock_guard lock(compile_mutex);
    if (pcap_compile(p, &program, filter.c_str(), 1, PCAP_NETMASK_UNKNOWN) != 0) {
      count.error = "filter '" + filter + "': " + pcap_geterr(p);
      pcap_close(p);
      return count;
    }
    have_program = true;
  }
  const bool ethernet = pcap_datalink(p) == DLT_EN10MB;
  pcap_pkthdr* header = nullptr;
  const u_char* data = nullptr;
  int rc;
  while ((rc = pcap_next_ex(p, &header, &data)) == 1) {
    ++count.total;
    if (have_program && !pcap_offline_filter(&program, header, data)) continue;
    ++count.matched;
    if (!ethernet || header->caplen < 16) continue;
    const int ethertype = data[12] << 8 | data[13];
    if (ethertype == 0x8100 || ethertype == 0x88a8) {
      ++count.tagged;
      ++count.vids[(data[14] << 8 | data[15]) & 0x0fff];
    }
  }
  // A capture stopped by a signal may end in a partial record: what came before still counts.
  if (rc == PCAP_ERROR && count.total == 0) count.error = pcap_geterr(p);
  if (have_program) pcap_freecode(&program);
  pcap_close(p);
  return count;
}

int parse_tcpdump_drops(const std::string& output) {
  static const std::string kDropped = " packets dropped by kernel";
  auto at = output.find(kDropped);
  if (at == std::string::npos) return -1;
  auto begin = output.find_last_not_of("0123456789", at - 1);
  begin = begin == std::string::npos ? 0 : begin + 1;
  if (begin == at) return -1;
  return std::stoi(output.substr(begin, at - begin));
}

static std::string packets(int n) { return std::to_string(n) + (n == 1 ? " packet" : " packets"); }

std::string describe_count(const CheckSpec& check, const PcapCount& count) {
  std::string s = check.filter.empty()
                      ? packets(count.matched) + " captured"
                      : std::to_string(count.matched) + " of " + packets(count.total) + " match '" + check.filter + "'";
  s += ", " + std::to_string(count.tagged) + " tagged";
  if (!count.vids.empty()) {
    s += " (";
    bool first = true;
    for (const auto& [vid, n] : count.vids) {
      s += (first ? "VLAN " : ", VLAN ") + std::to_string(vid) + ": " + std::to_string(n);
      first = false;
    }
    s += ")";
  }
  return s;
}

std::string capture_problem(const CheckSpec& check, const PcapCount& count) {
  const std::string what = check.filter.empty() ? "" : " matching '" + check.filter + "'";
  if (check.min_packets && count.matched < *check.min_packets)
    return packets(count.matched) + what + ", expected at least " + std::to_string(*check.min_packets);
  if (check.max_packets && count.matched > *check.max_packets)
    return *check.max_packets == 0
               ? packets(count.matched) + what + ", expected none"
               : packets(count.matched) + what + ", expected at most " + std::to_string(*check.max_packets);
  const int untagged = count.matched - count.tagged;
  if (check.vlan) {
    auto it = count.vids.find(*check.vlan);
    const int with = it == count.vids.end() ? 0 : it->second;
    if (with < count.matched)
      return std::to_string(count.matched - with) + " of " + packets(count.matched) + what + " lack the 802.1Q tag " +
             std::to_string(*check.vlan) + " (" + std::to_string(untagged) + " untagged)";
  }
  if (check.tagged && *check.tagged && untagged > 0)
    return std::to_string(untagged) + " of " + packets(count.matched) + what + " carry no 802.1Q tag";
  if (check.tagged && !*check.tagged && count.tagged > 0)
    return std::to_string(count.tagged) + " of " + packets(count.matched) + what + " carry an 802.1Q tag";
  return "";
}

static std::string file_part(const std::string& name) {
  std::string out;
  for (char ch : name) out += std::isalnum(static_cast<unsigned char>(ch)) || ch == '-' || ch == '.' ? ch : '_';
  return out.substr(0, 120);
}

CheckResult capture_once(const Plan& plan, const CheckSpec& check, const CheckOptions& options) {
  CheckResult r;
  if (!installed("tcpdump")) {
    r.status = CheckStatus::Skipped;
    r.message = "tcpdump is not installed (Debian: apt-get install tcpdump)";
    return r;
  }
  const auto where = capture_device(plan, check);
  fs::path dir = options.artifacts_dir.empty() ? fs::temp_directory_path() / "netrig-artifacts" / plan.topology.name
                                               : fs::path(options.artifacts_dir);
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) throw SystemError("create artifacts directory " + dir.string() + ": " + ec.message(), ec.value());
  const auto pcap = fs::absolute(dir / (file_part(check.name) + ".pcap")).string();
  fs::remove(pcap, ec);
  // The filter runs in the kernel too: a busy device (another lab's iperf3, a flood) must not
  // overflow tcpdump's buffer with packets the check does not count. -Z root: do not drop to the
  // tcpdump user, who may not write here. --immediate-mode: nothing left in the kernel's ring
  // buffer when tcpdump is stopped.
  // On a vm node's interface, tcpdump runs in the guest and the pcap is fetched afterwards.
  const bool in_guest = check.bridge.empty() && is_vm(plan, check.node);
  const auto written = in_guest ? guest_temp_path("capture.pcap") : pcap;
  std::vector<std::string> argv = {"tcpdump", "-i", where.device, "-w",   written,
                                   "-U",      "-n", "-Z",         "root", "--immediate-mode"};
  if (!check.filter.empty()) argv.push_back(check.filter);
  std::shared_lock measuring(measurement_lock());
  const auto shown = in_guest ? on_node_text(plan, check.node, argv)
                              : (where.netns.empty() ? "" : "ip netns exec " + where.netns + " ") + shell_join(argv);
  auto tcpdump = in_guest ? std::make_unique<NodeBackground>(plan, check.node, argv, "listening on", 15)
                          : std::make_unique<NodeBackground>(where.netns, argv, "listening on", 5);

  std::vector<Evidence> traffic_evidence;
  std::string traffic_problem;
  for (const auto& t : check.traffic) {
    auto tr = run_check_once(plan, t, options);
    for (auto& e : tr.evidence) traffic_evidence.push_back(e);
    if (tr.status != CheckStatus::Passed) traffic_problem = "traffic (" + t.name + "): " + tr.message;
  }
  // Let the last replies arrive, then capture for the rest of `duration`.
  std::this_thread::sleep_for(std::chrono::duration<double>(std::max(0.2, check.duration_s)));
  auto stopped = tcpdump->stop(SIGTERM, 3);
  r.evidence.push_back({shown, stopped.output, stopped.exit_code, stopped.seconds});
  for (auto& e : traffic_evidence) r.evidence.push_back(e);
  if (in_guest) {
    if (auto problem = fetch_guest_file(plan, check.node, written, pcap); !problem.empty()) {
      r.status = CheckStatus::Error;
      r.message = problem;
      return r;
    }
  }
  if (fs::exists(pcap)) r.artifacts.push_back(pcap);

  auto count = count_pcap(pcap, check.filter);
  if (!count.error.empty()) {
    r.status = CheckStatus::Error;
    r.message = "cannot read " + pcap + ": " + count.error;
    return r;
  }
  const auto summary = describe_count(check, count);
  r.figures = {{"packets", count.total}, {"packets_matched", count.matched}, {"packets_tagged", count.tagged}};
  r.evidence.push_back(
      {"read " + pcap + (check.filter.empty() ? "" : " with filter '" + check.filter + "'"), summary + "\n", 0, 0});
  if (int drops = parse_tcpdump_drops(stopped.output); drops > 0) {
    r.status = CheckStatus::Failed;
    r.message = "tcpdump dropped " + packets(drops) + " (kernel buffer full), the count is not reliable; " + summary;
    return r;
  }
  if (!traffic_problem.empty()) {
    r.status = CheckStatus::Failed;
    r.message = traffic_problem + "; " + summary;
    return r;
  }
  auto problem = capture_problem(check, count);
  r.status = problem.empty() ? CheckStatus::Passed : CheckStatus::Failed;
  r.message = problem.empty() ? summary : problem;
  return r;
}

}  // namespace netrig
