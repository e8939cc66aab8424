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
#include <iostream>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <thread>

#include "drivers/lab_state.h"
#include "drivers/netlink.h"
#include "drivers/netns.h"
#include "drivers/system_error.h"
#include "model/ovs_instance.h"
#include "plan/ovs.h"
#include "util/files.h"
#include "util/proc.h"

namespace netrig {

namespace fs = std::filesystem;

namespace {

constexpr const char* kSchema = "/usr/share/openvswitch/vswitch.ovsschema";

// Waits until `ready` holds or the daemon exits; throws with its log.
void wait_for(const std::string& what, pid_t pid, const std::string& log, const std::function<bool()>& ready) {
  for (int i = 0; i < 1000; ++i) {
    if (ready()) return;
    if (!process_running(pid)) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  auto text = read_file(log);
  throw std::runtime_error(what + " did not start" + (text.empty() ? std::string() : ": " + text));
}

std::vector<std::string> daemon_env(const std::string& dir) {
  std::vector<std::string> argv = {"env"};
  for (const auto& v : ovs_env_of(dir)) argv.push_back(v);
  return argv;
}

}  // namespace

namespace {
// With settings.ovs the implicit host's switches are in the system's OVS; every other host runs its own.
bool in_system_ovs(const Plan& plan, const std::string& host) {
  return host == kLocalHost && uses_system_ovs(plan.topology);
}
}  // namespace

std::string ovs_dir(const std::string& lab, const std::string& host) { return lab_dir(lab) + "/" + ovs_dir_name(host); }

std::vector<std::string> ovs_env_of(const std::string& dir) {
  return {"OVS_RUNDIR=" + dir, "OVS_DBDIR=" + dir, "OVS_LOGDIR=" + dir, "OVS_SYSCONFDIR=" + dir};
}

std::vector<std::string> ovs_env(const Plan& plan, const std::string& host) {
  if (in_system_ovs(plan, host)) return {"OVS_RUNDIR=" + ovs_rundir_of(plan.topology.ovs_db)};
  return ovs_env_of(ovs_dir(plan.topology.name, host));
}

std::string ovs_db(const Plan& plan, const std::string& host) {
  return in_system_ovs(plan, host) ? plan.topology.ovs_db : "unix:" + ovs_dir(plan.topology.name, host) + "/db.sock";
}

std::string ovs_default_datapath() { return fs::exists("/sys/module/openvswitch") ? "system" : "netdev"; }

std::string ovs_datapath_reason() {
  return ovs_default_datapath() == "system"
             ? "openvswitch module loaded: ovs switches use the kernel datapath"
             : "no openvswitch module: ovs switches use the userspace datapath (datapath_type=netdev)";
}

std::string ovs_mgmt_socket(const Plan& plan, const std::string& bridge, const std::string& host) {
  const auto dir = in_system_ovs(plan, host) ? ovs_rundir_of(plan.topology.ovs_db) : ovs_dir(plan.topology.name, host);
  return "unix:" + dir + "/" + bridge + ".mgmt";
}

ExecResult ovs_vsctl_at(const std::string& db, const std::vector<std::string>& args, double timeout_s) {
  std::vector<std::string> argv = {"ovs-vsctl", "--db=" + db,
                                   "--timeout=" + std::to_string(static_cast<int>(timeout_s))};
  argv.insert(argv.end(), args.begin(), args.end());
  return run_in_netns("", argv, timeout_s + 5);
}

ExecResult ovs_vsctl(const Plan& plan, const std::vector<std::string>& args, double timeout_s,
                     const std::string& host) {
  return ovs_vsctl_at(ovs_db(plan, host), args, timeout_s);
}

ExecResult ovs_ofctl(const std::vector<std::string>& args, double timeout_s) {
  std::vector<std::string> argv = {"ovs-ofctl"};
  argv.insert(argv.end(), args.begin(), args.end());
  return run_in_netns("", argv, timeout_s);
}

OvsDaemons start_ovs_daemons(const std::string& lab, const std::string& host, const std::string& netns,
                             const std::function<void(const std::string&, pid_t)>& on_pid) {
  for (const char* tool : {"ovsdb-tool", "ovsdb-server", "ovs-vswitchd", "ovs-vsctl"})
    if (!installed(tool))
      throw std::runtime_error(std::string(tool) +
                               " is not installed (Debian: apt-get install openvswitch-switch openvswitch-common)");
  const auto dir = ovs_dir(lab, host);
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
  // No `ovs-vsctl init`: the first switch transaction makes the Open_vSwitch row as it goes.

  argv = daemon_env(dir);
  argv.insert(argv.end(), {"ovs-vswitchd", "unix:" + dir + "/db.sock", "--pidfile=" + dir + "/ovs-vswitchd.pid",
                           "--log-file=" + dir + "/ovs-vswitchd.log"});
  d.vswitchd = spawn_in_netns(netns, argv, dir + "/ovs-vswitchd.out");
  on_pid("ovs-vswitchd", d.vswitchd);
  // Not waited for here: each switch's transaction waits until ovs-vswitchd has applied it, which
  // it can only do once it is up (ovs_vswitchd_trouble says why when it never is).
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
    // ovs-ofctl parse-flows knows no switch, so no port names: each of the switch's names is checked
    // as a port number (1, 2, ... in file order), as add-flows on the running switch resolves it.
    std::map<std::string, std::string> numbers;
    for (const auto& p : o.ports) numbers.emplace(p.name, std::to_string(numbers.size() + 1));
    for (const auto& b : o.bonds) numbers.emplace(b.name, std::to_string(numbers.size() + 1));
    char tmpl[] = "/tmp/netrig-flows-XXXXXX";
    int fd = mkstemp(tmpl);
    if (fd < 0) return out;
    close(fd);
    const std::string file = tmpl;
    while (!left.empty()) {
      {
        std::ofstream f(file, std::ios::trunc);
        for (size_t i : left) f << rename_flow_ports(o.flows[i].text, numbers, true) << "\n";
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

namespace {

// For a lab's own daemons: the end of ovs-vswitchd's log, which says why it did not apply a
// transaction (it may not have come up at all). "" with settings.ovs or without a log.
std::string ovs_vswitchd_trouble(const Plan& plan, const std::string& host = kLocalHost) {
  if (in_system_ovs(plan, host)) return "";
  const auto dir = ovs_dir(plan.topology.name, host);
  auto text = read_file(dir + "/ovs-vswitchd.log") + read_file(dir + "/ovs-vswitchd.out");
  if (text.empty()) return "";
  if (text.size() > 2000) text = "..." + text.substr(text.size() - 2000);
  return "\novs-vswitchd's log (" + dir + "/ovs-vswitchd.log):\n" + text;
}

}  // namespace

void configure_underlay(const Plan& plan, const std::string& host) {
  std::string datapath = ovs_default_datapath();
  for (const auto& sw : plan.topology.nodes)
    if (sw.ovs && sw.host == host && !sw.ovs->datapath.empty()) {
      datapath = sw.ovs->datapath;
      break;
    }
  const auto* h = plan.topology.find_node(host);
  std::vector<std::string> args;
  for (const auto& i : h->interfaces) {
    auto it = plan.underlay_bridges.find(host + ":" + i.name);
    if (it == plan.underlay_bridges.end()) continue;
    const auto& br = it->second;
    args.insert(args.end(), {"--", "add-br", br, "--", "set", "bridge", br, "datapath_type=" + datapath, "--",
                             "add-port", br, i.kernel_name});
  }
  if (args.empty()) return;
  auto r = ovs_vsctl(plan, args, 30, host);
  if (r.exit_code != 0)
    throw std::runtime_error("ovs-vsctl for the underlay of host '" + host + "' exited with " +
                             std::to_string(r.exit_code) + ": " + r.output + ovs_vswitchd_trouble(plan, host));
}

void configure_ovs_switch(const Plan& plan, const NodeSpec& sw) {
  const auto& lab = plan.topology.name;
  const auto& o = *sw.ovs;
  const auto datapath = o.datapath.empty() ? ovs_default_datapath() : o.datapath;
  const bool userspace = datapath == "netdev";
  const auto host = plan.host_of(sw.name);
  const auto where = plan.switch_netns(sw.name);  // its ports: its host's namespace, or the machine's (settings.ovs)
  // A vm's TAP does not exist yet: the VM's start makes it later, and ovs-vswitchd opens the port
  // when it appears. Its checksums are the guest's business (VmLaunch::Nic::full_checksums).
  std::vector<std::string> ports;
  for (const auto& l : plan.links)
    for (const auto* e : {&l.a, &l.b})
      if (e->ovs == sw.name && !l.tap) ports.push_back(e->device);
  {
    NetnsGuard inside(where);
    NetlinkSocket nl;
    std::map<std::string, int> index;
    for (const auto& l : nl.dump_links()) index[l.name] = l.index;
    std::vector<NlRequest> requests;
    for (const auto& dev : ports) {
      if (!index.count(dev))
        throw std::runtime_error("port device " + dev + " missing in " +
                                 (where.empty() ? std::string("the host's namespace") : where));
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
        if (x.ovs != sw.name || l.tap) continue;
        NetnsGuard inside(y.netns);
        disable_tx_checksum(y.device);
      }

  const auto br = plan.ovs_name(sw.name);
  auto r = ovs_vsctl(plan, ovs_switch_transaction(plan, sw, datapath), 30, host);
  if (r.exit_code != 0)
    throw std::runtime_error("ovs-vsctl for ovs '" + sw.name + "' exited with " + std::to_string(r.exit_code) + ": " +
                             r.output + ovs_vswitchd_trouble(plan, host));

  bool internal = false;
  for (const auto& p : o.ports) internal |= p.type == "internal";
  if (internal) {
    NetnsGuard inside(where);
    NetlinkSocket nl;
    std::map<std::string, int> index;
    for (const auto& l : nl.dump_links()) index[l.name] = l.index;
    std::vector<NlRequest> requests;
    for (const auto& p : o.ports) {
      if (p.type != "internal") continue;
      const auto dev = plan.ovs_name(sw.name, p.name);
      if (!index.count(dev)) throw std::runtime_error("internal port " + dev + " did not appear");
      if (userspace) try {
          disable_tx_checksum(dev);
        } catch (const std::exception&) {  // a tap that keeps its offloads: the local host's own traffic only
        }
      requests.push_back(build_link_set(index.at(dev), true, std::nullopt));
      for (const auto& a : p.addresses) requests.push_back(build_address_add(index.at(dev), a));
    }
    nl.execute(requests);
  }

  if (o.flows.empty()) return;
  fs::create_directories(ovs_dir(lab, host));
  const auto file = ovs_dir(lab, host) + "/" + br + ".flows";
  {
    std::ofstream out(file);
    out << ovs_flows_text(plan, sw);
    if (!out) throw std::runtime_error("write " + file);
  }
  std::vector<std::string> args;
  if (auto v = ovs_ofctl_protocols(o); !v.empty()) args = {"-O", v};
  args.insert(args.end(), {"add-flows", ovs_mgmt_socket(plan, br, host), file});
  auto f = ovs_ofctl(args);
  if (f.exit_code != 0) throw std::runtime_error("ovs-ofctl add-flows on ovs '" + sw.name + "': " + f.output);
}

namespace {

// name -> external_ids:netrig-lab ("" without one) of every row of `table` in `db`.
std::optional<std::map<std::string, std::string>> rows_with_lab(const std::string& db, const std::string& table,
                                                                std::string* error) {
  auto r = ovs_vsctl_at(db, {"--format=json", "--columns=name,external_ids", "list", table}, 5);
  if (r.exit_code != 0) {
    if (error) {
      *error = r.timed_out ? "no answer in 5 s" : r.output;
      while (!error->empty() && (error->back() == '\n' || error->back() == ' ')) error->pop_back();
    }
    return std::nullopt;
  }
  std::map<std::string, std::string> out;
  try {
    auto j = nlohmann::json::parse(r.output);
    for (const auto& row : j.at("data")) {
      std::string lab;
      for (const auto& kv : row.at(1).at(1))
        if (kv.at(0) == "netrig-lab") lab = kv.at(1).get<std::string>();
      out[row.at(0).get<std::string>()] = lab;
    }
  } catch (const std::exception& e) {
    if (error) *error = std::string("unexpected ovs-vsctl output: ") + e.what();
    return std::nullopt;
  }
  return out;
}

}  // namespace

void connect_system_ovs(const Plan& plan) {
  if (!installed("ovs-vsctl"))
    throw std::runtime_error("ovs-vsctl is not installed (Debian: apt-get install openvswitch-switch)");
  const auto& db = plan.topology.ovs_db;
  std::string why;
  auto bridges = rows_with_lab(db, "Bridge", &why);
  if (!bridges)
    throw std::runtime_error("the system's Open vSwitch does not answer at " + db + " (settings.ovs): " + why +
                             " — start it (Debian: service openvswitch-switch start), or remove settings.ovs so the "
                             "lab runs its own");
  auto ports = rows_with_lab(db, "Port", &why);
  if (!ports) throw std::runtime_error("ovs-vsctl list Port at " + db + ": " + why);
  // Every name the lab will use in that database, and every device it will make in the host's namespace.
  std::map<std::string, std::string> names;  // OVS name -> what it is in the file
  for (const auto& [key, name] : plan.ovs_names) names[name] = key;
  std::set<std::string> devices;
  for (const auto& l : plan.links)
    for (const auto* e : {&l.a, &l.b})
      if (e->netns.empty()) devices.insert(e->device);
  for (const auto& [name, key] : names) {
    const std::map<std::string, std::string>* rows = bridges->count(name) ? &*bridges
                                                     : ports->count(name) ? &*ports
                                                                          : nullptr;
    if (!rows) continue;
    const auto& owner = rows->at(name);
    throw std::runtime_error(
        "the system's Open vSwitch already has a " + std::string(rows == &*bridges ? "bridge" : "port") + " named " +
        name + " (this lab's '" + key + "')" +
        (owner == plan.topology.name
             ? ": it is this lab's, left by an earlier deploy — run: netrig destroy " + owner
             : (owner.empty() ? std::string(", which is not a lab's") : ", which belongs to lab '" + owner + "'") +
                   ": rename the switch or port, or give this lab its own names with settings.ovs_prefix: auto"));
  }
  NetlinkSocket host;
  for (const auto& l : host.dump_links())
    if (devices.count(l.name) || names.count(l.name))
      throw std::runtime_error("the host's namespace already has a device named " + l.name +
                               (l.alias.empty() ? "" : " (alias '" + l.alias + "')") +
                               ", which this lab's switches need with settings.ovs: rename that switch or port, or "
                               "give this lab its own names with settings.ovs_prefix: auto");
}

int destroy_system_ovs_bridges(const std::string& lab, const std::vector<JournalEntry>& entries, int* unreachable) {
  std::map<std::string, std::set<std::string>> by_db;  // database -> journaled bridge names
  for (const auto& e : entries)
    if (e.op == "ovs-bridge") by_db[e.netns].insert(e.name);
  int removed = 0;
  for (const auto& [db, names] : by_db) {
    std::string why;
    auto rows = rows_with_lab(db, "Bridge", &why);
    if (!rows) {
      std::cerr << "netrig: warning: cannot reach the Open vSwitch at " << db << " to remove lab " << lab
                << "'s bridges (" << why << "); when it answers again, run netrig destroy " << lab << " once more\n";
      if (unreachable) ++*unreachable;
      continue;
    }
    std::vector<std::string> args;
    for (const auto& name : names) {
      auto it = rows->find(name);
      if (it == rows->end()) continue;  // never made, or already gone
      if (it->second != lab) {
        std::cerr << "netrig: warning: bridge " << name << " at " << db << " is not lab " << lab
                  << "'s (external_ids:netrig-lab=" << (it->second.empty() ? "<none>" : it->second)
                  << "); left alone\n";
        continue;
      }
      args.insert(args.end(), {"--", "--if-exists", "del-br", name});
      ++removed;
    }
    if (args.empty()) continue;
    // Waits (bounded) until ovs-vswitchd has removed the bridges' devices too.
    auto r = ovs_vsctl_at(db, args, 10);
    if (r.exit_code != 0)
      std::cerr << "netrig: warning: ovs-vsctl del-br at " << db << ": "
                << (r.timed_out ? "ovs-vswitchd did not confirm within 10 s" : r.output) << "\n";
  }
  return removed;
}

}  // namespace netrig
