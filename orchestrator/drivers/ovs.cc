#include "drivers/ovs.h"

#include <linux/ethtool.h>
#include <linux/sockios.h>
#include <net/if.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <thread>

#include "drivers/dhcp.h"
#include "drivers/lab_state.h"
#include "drivers/netlink.h"
#include "drivers/netns.h"
#include "drivers/system_error.h"
#include "plan/ovs.h"

namespace netrig {

namespace fs = std::filesystem;

namespace {

constexpr const char* kSchema = "/usr/share/openvswitch/vswitch.ovsschema";

std::string read_text(const std::string& path) {
  std::ifstream in(path);
  return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

bool alive(pid_t pid) {
  if (kill(pid, 0) != 0) return false;
  auto stat = read_text("/proc/" + std::to_string(pid) + "/stat");
  auto close_paren = stat.rfind(')');
  return !(close_paren != std::string::npos && close_paren + 2 < stat.size() && stat[close_paren + 2] == 'Z');
}

// Waits until `ready` holds or the daemon exits; throws with its log.
void wait_for(const std::string& what, pid_t pid, const std::string& log, const std::function<bool()>& ready) {
  for (int i = 0; i < 200; ++i) {
    if (ready()) return;
    if (!alive(pid)) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(25));
  }
  auto text = read_text(log);
  throw std::runtime_error(what + " did not start" + (text.empty() ? std::string() : ": " + text));
}

std::vector<std::string> daemon_env(const std::string& dir) {
  std::vector<std::string> argv = {"env"};
  for (const auto& v : ovs_env_of(dir)) argv.push_back(v);
  return argv;
}

}  // namespace

std::string ovs_dir(const std::string& lab) { return lab_dir(lab) + "/ovs"; }

std::vector<std::string> ovs_env_of(const std::string& dir) {
  return {"OVS_RUNDIR=" + dir, "OVS_DBDIR=" + dir, "OVS_LOGDIR=" + dir, "OVS_SYSCONFDIR=" + dir};
}

std::vector<std::string> ovs_env(const std::string& lab) { return ovs_env_of(ovs_dir(lab)); }

std::string ovs_default_datapath() { return fs::exists("/sys/module/openvswitch") ? "system" : "netdev"; }

std::string ovs_datapath_reason() {
  return ovs_default_datapath() == "system"
             ? "openvswitch module loaded: ovs switches use the kernel datapath"
             : "no openvswitch module: ovs switches use the userspace datapath (datapath_type=netdev)";
}

std::string ovs_mgmt_socket(const std::string& lab, const std::string& bridge) {
  return "unix:" + ovs_dir(lab) + "/" + bridge + ".mgmt";
}

ExecResult ovs_vsctl(const std::string& lab, const std::vector<std::string>& args, double timeout_s) {
  std::vector<std::string> argv = {"ovs-vsctl", "--db=unix:" + ovs_dir(lab) + "/db.sock",
                                   "--timeout=" + std::to_string(static_cast<int>(timeout_s))};
  argv.insert(argv.end(), args.begin(), args.end());
  return run_in_netns("", argv, timeout_s + 5);
}

ExecResult ovs_ofctl(const std::string& lab, const std::vector<std::string>& args, double timeout_s) {
  std::vector<std::string> argv = {"ovs-ofctl"};
  argv.insert(argv.end(), args.begin(), args.end());
  (void)lab;
  return run_in_netns("", argv, timeout_s);
}

OvsDaemons start_ovs_daemons(const std::string& lab, const std::string& netns,
                             const std::function<void(const std::string&, pid_t)>& on_pid) {
  for (const char* tool : {"ovsdb-tool", "ovsdb-server", "ovs-vswitchd", "ovs-vsctl"})
    if (!installed(tool))
      throw std::runtime_error(std::string(tool) +
                               " is not installed (Debian: apt-get install openvswitch-switch openvswitch-common)");
  const auto dir = ovs_dir(lab);
  fs::create_directories(dir);
  const auto db = dir + "/conf.db";
  auto created = run_in_netns("", {"ovsdb-tool", "create", db, kSchema}, 30);
  if (created.exit_code != 0) throw std::runtime_error("ovsdb-tool create " + db + ": " + created.output);

  OvsDaemons d;
  auto argv = daemon_env(dir);
  argv.insert(argv.end(), {"ovsdb-server", db, "--remote=punix:" + dir + "/db.sock",
                           "--pidfile=" + dir + "/ovsdb-server.pid", "--log-file=" + dir + "/ovsdb-server.log"});
  d.ovsdb = spawn_in_netns(netns, argv, dir + "/ovsdb-server.out");
  on_pid("ovsdb-server", d.ovsdb);
  wait_for("ovsdb-server", d.ovsdb, dir + "/ovsdb-server.out", [&] { return fs::exists(dir + "/db.sock"); });
  auto init = ovs_vsctl(lab, {"--no-wait", "init"});
  if (init.exit_code != 0) throw std::runtime_error("ovs-vsctl init: " + init.output);

  argv = daemon_env(dir);
  argv.insert(argv.end(), {"ovs-vswitchd", "unix:" + dir + "/db.sock", "--pidfile=" + dir + "/ovs-vswitchd.pid",
                           "--log-file=" + dir + "/ovs-vswitchd.log"});
  d.vswitchd = spawn_in_netns(netns, argv, dir + "/ovs-vswitchd.out");
  on_pid("ovs-vswitchd", d.vswitchd);
  wait_for("ovs-vswitchd", d.vswitchd, dir + "/ovs-vswitchd.out",
           [&] { return fs::exists(dir + "/ovs-vswitchd." + std::to_string(d.vswitchd) + ".ctl"); });
  return d;
}

std::vector<Diagnostic> check_ovs_flows(const Topology& topo) {
  std::vector<Diagnostic> out;
  if (!installed("ovs-ofctl")) return out;
  for (const auto& node : topo.nodes) {
    if (!node.ovs || node.ovs->flows.empty()) continue;
    const auto& o = *node.ovs;
    // One ovs-ofctl run per rejected flow at most: it stops at the first bad line; drop it, go on.
    std::vector<size_t> left(o.flows.size());
    for (size_t i = 0; i < left.size(); ++i) left[i] = i;
    char tmpl[] = "/tmp/netrig-flows-XXXXXX";
    int fd = mkstemp(tmpl);
    if (fd < 0) return out;
    close(fd);
    const std::string file = tmpl;
    while (!left.empty()) {
      {
        std::ofstream f(file, std::ios::trunc);
        for (size_t i : left) f << o.flows[i].text << "\n";
      }
      std::vector<std::string> argv = {"ovs-ofctl"};
      if (auto v = ovs_ofctl_protocols(o); !v.empty()) argv.insert(argv.end(), {"-O", v});
      argv.insert(argv.end(), {"parse-flows", file});
      auto r = run_in_netns("", argv, 30);
      if (r.exit_code == 0) break;
      // "ovs-ofctl: FILE:N: message"
      auto at = r.output.find(file + ":");
      size_t line = 0;
      std::string message = r.output;
      if (at != std::string::npos) {
        auto rest = r.output.substr(at + file.size() + 1);
        try {
          line = std::stoul(rest);
        } catch (const std::exception&) {
          line = 0;
        }
        auto colon = rest.find(": ");
        if (colon != std::string::npos) message = rest.substr(colon + 2);
      }
      while (!message.empty() && (message.back() == '\n' || message.back() == ' ')) message.pop_back();
      if (line == 0 || line > left.size()) {
        out.push_back({topo.file, o.flows[left.front()].pos,
                       "ovs-ofctl rejects the flows of ovs '" + node.name + "': " + message,
                       "write flows in ovs-ofctl syntax (man ovs-fields, ovs-actions)"});
        break;
      }
      const auto& flow = o.flows[left[line - 1]];
      out.push_back(
          {topo.file, flow.pos, "ovs-ofctl rejects flow '" + flow.text + "': " + message,
           "write it in ovs-ofctl syntax (man ovs-fields, ovs-actions), e.g. 'priority=10,ip,actions=NORMAL'"});
      left.erase(left.begin() + static_cast<long>(line - 1));
    }
    std::remove(file.c_str());
  }
  return out;
}

void disable_tx_checksum(const std::string& device) {
  int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (fd < 0) throw_errno("socket for ethtool");
  ethtool_value value{};
  value.cmd = ETHTOOL_STXCSUM;
  value.data = 0;
  ifreq ifr{};
  std::strncpy(ifr.ifr_name, device.c_str(), IFNAMSIZ - 1);
  ifr.ifr_data = reinterpret_cast<char*>(&value);
  int rc = ioctl(fd, SIOCETHTOOL, &ifr);
  int err = errno;
  close(fd);
  if (rc != 0) {
    errno = err;
    throw_errno("ethtool -K " + device + " tx off");
  }
}

bool ovs_userspace(const Plan& plan, const std::string& sw) {
  const auto* node = plan.topology.find_node(sw);
  if (!node || !node->ovs) return false;
  return (node->ovs->datapath.empty() ? ovs_default_datapath() : node->ovs->datapath) == "netdev";
}

void configure_ovs_switch(const Plan& plan, const NodeSpec& sw) {
  const auto& lab = plan.topology.name;
  const auto& o = *sw.ovs;
  const auto datapath = o.datapath.empty() ? ovs_default_datapath() : o.datapath;
  const bool userspace = datapath == "netdev";
  const auto local = plan.local_netns();
  // A vm's TAP does not exist yet: the VM's start makes it later, and ovs-vswitchd opens the port
  // when it appears. Its checksums are the guest's business (VmLaunch::Nic::full_checksums).
  std::set<std::string> taps;
  for (const auto& l : plan.links)
    if (l.tap && l.a.ovs == sw.name) taps.insert(l.a.device);
  std::vector<std::string> ports;
  for (const auto& dev : ovs_link_ports(plan, sw.name))
    if (!taps.count(dev)) ports.push_back(dev);
  {
    NetnsGuard inside(local);
    NetlinkSocket nl;
    std::map<std::string, int> index;
    for (const auto& l : nl.dump_links()) index[l.name] = l.index;
    std::vector<NlRequest> requests;
    for (const auto& dev : ports) {
      if (!index.count(dev)) throw std::runtime_error("port device " + dev + " missing in " + local);
      if (userspace) disable_tx_checksum(dev);
      requests.push_back(build_link_set(index.at(dev), true, std::nullopt));
    }
    nl.execute(requests);
  }
  if (userspace)  // the other end of each link: a node's interface (or another switch's port)
    for (const auto& l : plan.links)
      for (const auto* pair : {&l.a, &l.b}) {
        const LinkEnd& x = *pair;
        const LinkEnd& y = pair == &l.a ? l.b : l.a;
        if (x.ovs != sw.name || y.netns.empty() || l.tap) continue;
        NetnsGuard inside(y.netns);
        disable_tx_checksum(y.device);
      }

  auto r = ovs_vsctl(lab, ovs_switch_transaction(plan, sw, datapath));
  if (r.exit_code != 0)
    throw std::runtime_error("ovs-vsctl for ovs '" + sw.name + "' exited with " + std::to_string(r.exit_code) + ": " +
                             r.output);

  std::vector<std::pair<std::string, IpPrefix>> addresses;
  for (const auto& p : o.ports)
    if (p.type == "internal")
      for (const auto& a : p.addresses) addresses.push_back({p.name, a});
  bool internal = false;
  for (const auto& p : o.ports) internal |= p.type == "internal";
  if (internal) {
    NetnsGuard inside(local);
    NetlinkSocket nl;
    std::map<std::string, int> index;
    for (const auto& l : nl.dump_links()) index[l.name] = l.index;
    std::vector<NlRequest> requests;
    for (const auto& p : o.ports) {
      if (p.type != "internal") continue;
      if (!index.count(p.name)) throw std::runtime_error("internal port " + p.name + " did not appear in " + local);
      if (userspace) try {
          disable_tx_checksum(p.name);
        } catch (const std::exception&) {  // a tap that keeps its offloads: the local host's own traffic only
        }
      requests.push_back(build_link_set(index.at(p.name), true, std::nullopt));
      for (const auto& a : p.addresses) requests.push_back(build_address_add(index.at(p.name), a));
    }
    nl.execute(requests);
  }

  if (o.flows.empty()) return;
  const auto br = ovs_switch_name(sw);
  const auto file = ovs_dir(lab) + "/" + br + ".flows";
  {
    std::ofstream out(file);
    out << ovs_flows_text(o);
    if (!out) throw std::runtime_error("write " + file);
  }
  std::vector<std::string> args;
  if (auto v = ovs_ofctl_protocols(o); !v.empty()) args = {"-O", v};
  args.insert(args.end(), {"add-flows", ovs_mgmt_socket(lab, br), file});
  auto f = ovs_ofctl(lab, args);
  if (f.exit_code != 0) throw std::runtime_error("ovs-ofctl add-flows on ovs '" + sw.name + "': " + f.output);
}

}  // namespace netrig
