#include "drivers/dhcp.h"

#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <thread>

#include "drivers/lab_state.h"
#include "drivers/netlink.h"
#include "drivers/netns.h"
#include "drivers/process.h"
#include "drivers/system_error.h"
#include "plan/dhcp_client.h"
#include "plan/dhcp_server.h"
#include "util/files.h"
#include "util/proc.h"

namespace netrig {

namespace fs = std::filesystem;

std::string dhcp_lease_file(const std::string& lab, const std::string& bridge) {
  return lab_dir(lab) + "/dhcp-" + bridge + ".leases";
}

std::string dhcp_pid_file(const std::string& lab, const std::string& bridge) {
  return lab_dir(lab) + "/dhcp-" + bridge + ".pid";
}

namespace {

std::string client_script(const std::string& lab) {
  auto path = lab_dir(lab) + "/udhcpc.script";
  auto tmp = path + "." + std::to_string(getpid()) + "." + std::to_string(gettid());
  // O_CLOEXEC: a daemon another deploy thread forks meanwhile (dnsmasq) must not inherit this
  // write descriptor, or executing the script fails with ETXTBSY for as long as the daemon lives
  // and udhcpc silently leaves the lease unapplied.
  int fd = open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0755);
  if (fd < 0) throw SystemError("create " + tmp, errno);
  const std::string text = kUdhcpcScript;
  bool written = write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size());
  int err = errno;
  close(fd);
  if (!written) throw SystemError("write " + tmp, err);
  fs::rename(tmp, path);
  return path;
}

}  // namespace

IpPrefix dhcp_client(const std::string& lab, const std::string& netns, const std::string& node,
                     const std::string& device, double timeout_s) {
  auto script = client_script(lab);
  int tries = std::max(1, static_cast<int>(timeout_s / 2));
  // -f foreground, -q quit once bound, -n fail when no lease; -t/-T: tries every 2 s.
  std::vector<std::string> argv = {"busybox",
                                   "udhcpc",
                                   "-i",
                                   device,
                                   "-f",
                                   "-q",
                                   "-n",
                                   "-t",
                                   std::to_string(tries),
                                   "-T",
                                   "2",
                                   "-A",
                                   "1",
                                   "-s",
                                   script,
                                   "-x",
                                   "hostname:" + node};
  auto result = run_in_netns(netns, argv, timeout_s + 5);
  auto address = current_ipv4(netns, device);
  if (result.exit_code != 0 || !address) {
    std::string why = result.timed_out     ? "timed out"
                      : result.interrupted ? "interrupted"
                                           : "exited with " + std::to_string(result.exit_code);
    throw std::runtime_error("no DHCP lease for " + node + ":" + device + " within " +
                             std::to_string(static_cast<int>(timeout_s)) + " s (udhcpc " + why +
                             "); is the bridge's DHCP server running and its range not exhausted?" +
                             (result.output.empty() ? "" : " udhcpc said: " + result.output));
  }
  IpPrefix p{*address, 32};
  {
    NetnsGuard inside(netns);
    NetlinkSocket nl;
    int index = 0;
    for (const auto& l : nl.dump_links())
      if (l.name == device) index = l.index;
    for (const auto& a : nl.dump_addresses())
      if (a.index == index && a.prefix.addr == *address) p = a.prefix;
  }
  return p;
}

std::optional<IpAddr> current_ipv4(const std::string& netns, const std::string& device) {
  if (!netns_exists(netns)) return std::nullopt;
  NetnsGuard inside(netns);
  NetlinkSocket nl;
  int index = 0;
  for (const auto& l : nl.dump_links())
    if (l.name == device) index = l.index;
  if (!index) return std::nullopt;
  for (const auto& a : nl.dump_addresses())
    if (a.index == index && a.prefix.addr.family == 4 && !a.prefix.addr.is_link_local()) return a.prefix.addr;
  return std::nullopt;
}

std::vector<DhcpLease> parse_leases(const std::string& bridge, const std::string& text) {
  std::vector<DhcpLease> out;
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) {
    std::istringstream fields(line);
    DhcpLease l;
    l.bridge = bridge;
    std::string expiry;
    if (!(fields >> expiry >> l.mac >> l.ip)) continue;
    if (expiry.find_first_not_of("0123456789") != std::string::npos) continue;  // "duid ..." lines
    l.expiry = std::stoll(expiry);
    if (!(fields >> l.hostname)) l.hostname = "*";
    out.push_back(l);
  }
  return out;
}

std::vector<DhcpLease> read_leases(const std::string& lab) {
  std::vector<DhcpLease> out;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(lab_dir(lab), ec)) {
    auto name = entry.path().filename().string();
    const std::string prefix = "dhcp-", suffix = ".leases";
    if (name.size() <= prefix.size() + suffix.size() || name.rfind(prefix, 0) != 0 ||
        name.compare(name.size() - suffix.size(), suffix.size(), suffix) != 0)
      continue;
    std::ifstream in(entry.path());
    std::stringstream text;
    text << in.rdbuf();
    auto bridge = name.substr(prefix.size(), name.size() - prefix.size() - suffix.size());
    for (auto& l : parse_leases(bridge, text.str())) out.push_back(l);
  }
  auto key = [](const DhcpLease& l) {
    auto a = IpAddr::parse(l.ip);
    return std::make_pair(l.bridge, a ? a->bytes : std::array<uint8_t, 16>{});
  };
  std::sort(out.begin(), out.end(), [&](const DhcpLease& a, const DhcpLease& b) { return key(a) < key(b); });
  return out;
}

void start_dhcp_server(const Plan& plan, const NodeSpec& bridge, Journal& journal, const std::string& mark) {
  const auto& lab = plan.topology.name;
  const auto& d = *bridge.dhcp;
  const auto ns = plan.netns_of(dhcp_node_name(bridge.name));
  {
    NetnsGuard inside(ns);
    NetlinkSocket nl;
    std::map<std::string, int> index;
    for (const auto& l : nl.dump_links()) index[l.name] = l.index;
    std::vector<NlRequest> requests;
    requests.push_back(build_link_set(index.at("lo"), true, mark));
    requests.push_back(build_link_set(index.at(kDhcpServerIface), true, std::nullopt));
    requests.push_back(build_address_add(index.at(kDhcpServerIface), IpPrefix{d.server, d.subnet.len}));
    nl.execute(requests);
  }
  const auto dir = lab_dir(lab);
  const auto pid_file = dhcp_pid_file(lab, bridge.name);
  pid_t pid =
      spawn_in_netns(ns, dnsmasq_argv(d, kDhcpServerIface, dir, bridge.name), dir + "/dhcp-" + bridge.name + ".log");
  journal.record({"dhcp", bridge.name, ns, static_cast<uint32_t>(pid)});
  for (int i = 0; i < 100; ++i) {
    if (!process_running(pid)) break;
    std::ifstream in(pid_file);
    long written = 0;
    if (in >> written && written == pid) return;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  const auto text = read_file(dir + "/dhcp-" + bridge.name + ".log");
  throw std::runtime_error("dnsmasq for bridge '" + bridge.name + "' did not start" +
                           (text.empty() ? std::string(" (is dnsmasq installed? Debian: dnsmasq-base)") : ": " + text));
}

}  // namespace netrig
