#include "drivers/deployer.h"

#include <fcntl.h>
#include <net/if.h>
#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <deque>
#include <fstream>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <thread>

#include "drivers/container.h"
#include "drivers/dhcp.h"
#include "drivers/fd.h"
#include "drivers/interrupt.h"
#include "drivers/lab_state.h"
#include "drivers/netlink.h"
#include "drivers/netns.h"
#include "drivers/nftables.h"
#include "drivers/ovs.h"
#include "drivers/process.h"
#include "drivers/qos.h"
#include "drivers/service.h"
#include "drivers/system_error.h"
#include "drivers/vm.h"
#include "drivers/vm_libvirt.h"
#include "model/names.h"
#include "model/ovs_instance.h"
#include "model/vm_driver.h"
#include "plan/security_groups.h"
#include "util/files.h"
#include "util/proc.h"

namespace netrig {

namespace {

void write_sysctl(const std::string& key, const std::string& value) {
  std::string path = "/proc/sys/" + key;
  std::replace(path.begin() + 10, path.end(), '.', '/');
  int fd = open(path.c_str(), O_WRONLY | O_CLOEXEC);
  if (fd < 0) throw_errno("sysctl " + key);
  Fd guard(fd);
  if (write(fd, value.data(), value.size()) < 0) throw_errno("sysctl " + key + "=" + value);
}

class Deployer {
 public:
  Deployer(const Plan& plan, const DeployOptions& options)
      : plan_(plan), options_(options), lab_(plan.topology.name), mark_(ownership_mark(lab_)) {}

  void run() {
    // Claiming the state directory is atomic: of two deploys of one lab name, one wins.
    check_containers_runnable(plan_);  // images, runc, tini: before anything exists
    if (!claim_lab_dir(lab_))
      throw LabExistsError("lab '" + lab_ + "' is already deployed (state in " + lab_dir(lab_) +
                           "); destroy it first with: netrig destroy " + lab_);
    write_lab_meta({lab_, plan_.topology.file, "deploying", static_cast<long long>(std::time(nullptr)), getpid()});
    write_lab_topology(lab_, options_.topology_text);
    if (!options_.tests_file.empty()) write_lab_tests_overlay(lab_, {options_.tests_file, options_.tests_text});
    journal_ = std::make_unique<Journal>(lab_);

    remaining_deps_.resize(plan_.steps.size());
    dependents_.resize(plan_.steps.size());
    for (const auto& step : plan_.steps) {
      remaining_deps_[step.id] = static_cast<int>(step.after.size());
      for (int dep : step.after) dependents_[dep].push_back(step.id);
      if (step.after.empty()) ready_.push_back(step.id);
    }
    int workers = std::max(1, std::min<int>(options_.workers, static_cast<int>(plan_.steps.size())));
    std::vector<std::thread> threads;
    for (int i = 0; i < workers; ++i) threads.emplace_back([this] { work(); });
    for (auto& t : threads) t.join();
    if (!failed_) check_containers_stayed_up();

    if (failed_) {
      journal_.reset();
      destroy_lab(lab_);
      throw DeployError(plan_.steps[failed_step_], failure_);
    }
    write_lab_meta({lab_, plan_.topology.file, "deployed", static_cast<long long>(std::time(nullptr)), getpid()});
  }

 private:
  // Test seam for crash tests: NETRIG_TEST_STALL_AFTER_STEPS=N makes the deploy stop making
  // progress once N steps are done, so a test can SIGKILL it at a known point.
  static long stall_after() {
    const char* env = std::getenv("NETRIG_TEST_STALL_AFTER_STEPS");
    return env && *env ? std::strtol(env, nullptr, 10) : -1;
  }

  void work() {
    static const long stall = stall_after();
    NetlinkSocket host;  // opened in the host's namespace, where every worker starts
    for (;;) {
      int id;
      {
        std::unique_lock lock(mutex_);
        // Wait for work; stop on failure, or when nothing is ready and nothing runs (all done).
        cv_.wait(lock, [&] { return failed_ || !ready_.empty() || running_ == 0; });
        if (failed_ || ready_.empty()) return;
        if (stall >= 0 && static_cast<long>(done_) >= stall) {
          lock.unlock();
          if (!stalled_.exchange(true)) std::fprintf(stderr, "netrig: test stall after %zu steps\n", done_);
          for (;;) pause();
        }
        if (interrupted()) {
          failed_ = true;
          failed_step_ = ready_.front();
          failure_ = "interrupted";
          cv_.notify_all();
          return;
        }
        id = ready_.front();
        ready_.pop_front();
        ++running_;
      }
      const auto& step = plan_.steps[id];
      notify(step, StepEvent::Started, "");
      std::string error;
      try {
        execute(step, host);
      } catch (const std::exception& e) {
        error = e.what();
      }
      {
        std::lock_guard lock(mutex_);
        --running_;
        if (!error.empty()) {
          if (!failed_) {
            failed_ = true;
            failed_step_ = id;
            failure_ = error;
          }
        } else {
          ++done_;
          for (int next : dependents_[id])
            if (--remaining_deps_[next] == 0) ready_.push_back(next);
        }
      }
      cv_.notify_all();
      notify(step, error.empty() ? StepEvent::Done : StepEvent::Failed, error);
    }
  }

  // Every container still runs kContainerSettle after it started (a missing or failing command has
  // ended it by then). Waits only for the ones started last, once, instead of each start sleeping.
  void check_containers_stayed_up() {
    for (const auto& [id, up] : containers_up_) {
      std::this_thread::sleep_until(up + kContainerSettle);
      const auto& step = plan_.steps[id];
      if (auto why = container_stopped(plan_, *plan_.topology.find_node(step.target)); !why.empty()) {
        failed_ = true;
        failed_step_ = id;
        failure_ = why;
        return;
      }
    }
  }

  void notify(const Step& step, StepEvent event, const std::string& error) {
    if (!options_.on_step) return;
    std::lock_guard lock(notify_mutex_);
    options_.on_step(step, event, error);
  }

  void execute(const Step& step, NetlinkSocket& host) {
    switch (step.kind) {
      case StepKind::CreateNetns: {
        auto ns = plan_.netns_of(step.target);
        journal_->record({"netns", ns, "", 0});
        create_netns(ns);
        NetnsGuard inside(ns);
        if (const auto* n = plan_.topology.find_node(step.target); step.target == kLocalHost || (n && n->is_host)) {
          // A switches' namespace: no IPv6 on bridges and ports (no RS/MLD noise in captures).
          write_sysctl("net.ipv6.conf.all.disable_ipv6", "1");
          write_sysctl("net.ipv6.conf.default.disable_ipv6", "1");
        }
        // The namespace's ownership mark, at once: its loopback's alias (destroy_lab checks it before
        // touching the namespace). Loopback comes up here in the local namespace (for daemons that
        // listen there: OVS controllers), in a node's when configure_node runs.
        NetlinkSocket in_ns;
        in_ns.execute(build_link_set(static_cast<int>(if_nametoindex("lo")), step.target == kLocalHost, mark_));
        break;
      }
      case StepKind::CreateBridge: {
        // Inside the local namespace, which goes away whole on destroy: nothing to journal.
        const auto* node = plan_.topology.find_node(step.target);
        LinkAttrs attrs;
        attrs.name = plan_.bridge_device(step.target);
        attrs.mtu = node->mtu;
        NetnsGuard inside(plan_.switch_netns(step.target));
        NetlinkSocket local;
        local.execute(build_bridge_create(attrs));
        break;
      }
      case StepKind::CreateLink:
        create_link(plan_.links[step.link], host);
        break;
      case StepKind::ConfigureNode:
        if (const auto* node = plan_.topology.find_node(step.target); node->kind == NodeKind::Vm)
          configure_vm(plan_, *node);
        else
          configure_node(*node);
        break;
      case StepKind::StartContainer: {
        const auto up = start_container(plan_, *plan_.topology.find_node(step.target), *journal_);
        std::lock_guard lock(mutex_);
        containers_up_.emplace_back(step.id, up);
        break;
      }
      case StepKind::StartVm:
        if (const auto driver = effective_vm_driver(plan_.topology); driver == "libvirt")
          start_vm_libvirt(plan_, *plan_.topology.find_node(step.target), *journal_, mark_, vm_boot_timeout());
        else if (driver == "direct")
          start_vm(plan_, *plan_.topology.find_node(step.target), *journal_, mark_, vm_boot_timeout());
        else
          throw std::runtime_error("NETRIG_VM_DRIVER is '" + driver + "': direct or libvirt");
        break;
      case StepKind::ConfigureNat:
        // The table lives in the node's namespace only and goes with it: nothing to journal.
        nft_apply(plan_.netns_of(step.target), plan_.nat.at(step.target));
        break;
      case StepKind::ConfigureQos:
        // In the node's namespace (its interfaces and ifb devices): goes with it, nothing to journal.
        apply_qos(plan_.netns_of(step.target), qos_objects(*plan_.topology.find_node(step.target)));
        break;
      case StepKind::ConfigureSecurityGroups:
        configure_security_groups();
        break;
      case StepKind::StartDhcp:
        start_dhcp(*plan_.topology.find_node(step.target));
        break;
      case StepKind::RunExec:
        run_exec(*plan_.topology.find_node(step.target));
        break;
      case StepKind::StartService: {
        // Journaled by PID as it starts; destroy kills it with its node's namespace's processes.
        const auto colon = step.target.find(':');
        const auto node = step.target.substr(0, colon);
        for (const auto& sv : plan_.topology.find_node(node)->services)
          if (sv.name == step.target.substr(colon + 1))
            start_service(plan_, node, sv, [&](pid_t pid) {
              journal_->record({"service", step.target, plan_.netns_of(node), static_cast<uint32_t>(pid)});
            });
        break;
      }
      case StepKind::StartOvs:
        // Journaled by PID as they start; destroy kills them with their host namespace's processes.
        start_ovs_daemons(lab_, step.target, plan_.host_netns(step.target), [&](const std::string& name, pid_t pid) {
          journal_->record({"ovs", name, plan_.host_netns(step.target), static_cast<uint32_t>(pid)});
        });
        break;
      case StepKind::ConfigureUnderlay:
        // In the host's own OVS, which goes with its namespace: nothing to journal.
        configure_underlay(plan_, step.target);
        break;
      case StepKind::ConnectOvs:
        connect_system_ovs(plan_);
        break;
      case StepKind::ConfigureOvs:
        if (uses_system_ovs(plan_.topology))  // a bridge in the system's OVS: journaled before it is made
          journal_->record({"ovs-bridge", plan_.ovs_name(step.target), plan_.topology.ovs_db, 0});
        configure_ovs_switch(plan_, *plan_.topology.find_node(step.target));
        break;
    }
  }

  // The lab's security groups, in the namespace that holds its bridges. Goes with that namespace.
  void configure_security_groups() {
    // br_netfilter hands bridged IPv4/IPv6 to the inet hooks (conntrack) only when these are on;
    // they are per namespace, and this namespace is the lab's.
    const auto ns = security_group_netns(plan_);
    {
      NetnsGuard inside(ns);
      write_sysctl("net.bridge.bridge-nf-call-iptables", "1");
      write_sysctl("net.bridge.bridge-nf-call-ip6tables", "1");
    }
    nft_apply(ns, plan_.security_groups);
  }

  // The bridge's DHCP server: address its namespace's interface, start dnsmasq there, wait until
  // it has written its PID file (it is then listening).
  void start_dhcp(const NodeSpec& bridge) {
    const auto& d = *bridge.dhcp;
    const auto ns = plan_.netns_of(dhcp_node_name(bridge.name));
    {
      NetnsGuard inside(ns);
      NetlinkSocket nl;
      std::map<std::string, int> index;
      for (const auto& l : nl.dump_links()) index[l.name] = l.index;
      std::vector<NlRequest> requests;
      requests.push_back(build_link_set(index.at("lo"), true, mark_));
      requests.push_back(build_link_set(index.at(kDhcpServerIface), true, std::nullopt));
      requests.push_back(build_address_add(index.at(kDhcpServerIface), IpPrefix{d.server, d.subnet.len}));
      nl.execute(requests);
    }
    const auto dir = lab_dir(lab_);
    const auto pid_file = dhcp_pid_file(lab_, bridge.name);
    pid_t pid =
        spawn_in_netns(ns, dnsmasq_argv(d, kDhcpServerIface, dir, bridge.name), dir + "/dhcp-" + bridge.name + ".log");
    journal_->record({"dhcp", bridge.name, ns, static_cast<uint32_t>(pid)});
    for (int i = 0; i < 100; ++i) {
      if (!process_running(pid)) break;
      std::ifstream in(pid_file);
      long written = 0;
      if (in >> written && written == pid) return;
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    const auto text = read_file(dir + "/dhcp-" + bridge.name + ".log");
    throw std::runtime_error(
        "dnsmasq for bridge '" + bridge.name + "' did not start" +
        (text.empty() ? std::string(" (is dnsmasq installed? Debian: dnsmasq-base)") : ": " + text));
  }

  // An end in the namespace the request is sent from (`here`) is made there and comes up with its
  // switch; an end elsewhere is made directly in its node's namespace, down until configure_node.
  // An end in the host's namespace (a port of the system's OVS, settings.ovs) is made in the lab's
  // interface group, so it is known as the lab's from the moment it exists.
  LinkAttrs end_attrs(const LinkEnd& end, const std::string& here, std::unique_ptr<Fd>& ns_fd) const {
    LinkAttrs attrs;
    attrs.name = end.device;
    attrs.mac = end.mac;
    attrs.mtu = end.mtu;
    if (end.netns.empty()) attrs.group = ownership_group(lab_);
    if (end.netns != here) {
      if (end.netns.empty()) {
        attrs.netns_fd = host_netns_fd();
      } else {
        ns_fd = std::make_unique<Fd>(open_netns(end.netns));
        attrs.netns_fd = ns_fd->fd;
      }
      attrs.up = false;
    }
    return attrs;
  }

  // Every end in a lab namespace goes with it, so those are not journaled. An end in the host's
  // namespace (settings.ovs) is journaled before it is made, and marked with the lab's alias.
  // A link to a Linux bridge is made from inside the local namespace, where the bridge is.
  void create_link(const PlannedLink& link, NetlinkSocket& host) {
    std::vector<std::string> in_host;
    for (const auto* e : {&link.a, &link.b})
      if (e->netns.empty()) {
        journal_->record({"link", e->device, "", ownership_group(lab_)});
        in_host.push_back(e->device);
      }
    if (link.a.bridge.empty()) {
      std::unique_ptr<Fd> fd_a, fd_b;
      auto a = end_attrs(link.a, "", fd_a);
      auto b = end_attrs(link.b, "", fd_b);
      b.up = false;  // a veth peer cannot come up before it is paired; its switch or node brings it up
      std::vector<NlRequest> requests;
      requests.push_back(build_veth_create(a, b));
      for (const auto& dev : in_host) requests.push_back(build_link_alias(dev, mark_));
      host.execute(requests);
      if (!link.b.bridge.empty()) {  // a system OVS port to a Linux bridge in <lab>-local
        NetnsGuard inside(link.b.netns);
        enslave(NetlinkSocket(), link.b);
      }
      return;
    }
    if (!in_host.empty()) {  // a Linux bridge in <lab>-local to a system OVS port in the host's namespace
      std::unique_ptr<Fd> unused;
      NetnsGuard inside(link.a.netns);
      NetlinkSocket local;
      auto a = end_attrs(link.a, link.a.netns, unused);
      auto b = end_attrs(link.b, link.a.netns, unused);
      b.up = false;
      a.master = device_index(link.a.bridge);
      local.execute(build_veth_create(a, b));
      for (const auto& dev : in_host) host.execute(build_link_alias(dev, mark_));
      return;
    }
    const auto& here = link.a.netns;
    NetnsGuard inside(here);
    NetlinkSocket local;
    std::unique_ptr<Fd> fd_a, fd_b;
    auto a = end_attrs(link.a, here, fd_a);
    auto b = end_attrs(link.b, here, fd_b);
    b.up = false;  // a veth peer cannot come up before it is paired; the enslave step or the node brings it up
    a.master = device_index(link.a.bridge);
    local.execute(build_veth_create(a, b));
    // Only the first device of a new veth pair takes IFLA_MASTER; enslave the peer afterwards.
    if (!link.b.bridge.empty()) enslave(local, link.b);
  }

  // ip link set END master BRIDGE up, in the namespace the calling thread is in.
  static void enslave(NetlinkSocket&& socket, const LinkEnd& end) { enslave(socket, end); }
  static void enslave(NetlinkSocket& socket, const LinkEnd& end) {
    auto ifi_req = build_link_set(device_index(end.device), true, std::nullopt);
    ifi_req.put_u32(IFLA_MASTER, static_cast<uint32_t>(device_index(end.bridge)));
    ifi_req.description = "enslave " + end.device + " to " + end.bridge;
    socket.execute(std::move(ifi_req));
  }

  // The index of a device in the namespace the calling thread is in.
  static int device_index(const std::string& device) {
    int index = static_cast<int>(if_nametoindex(device.c_str()));
    if (index == 0) throw_errno("find " + device);
    return index;
  }

  void configure_node(const NodeSpec& node) {
    NetnsGuard inside(plan_.netns_of(node.name));
    if (node.router) {
      write_sysctl("net.ipv4.ip_forward", "1");
      write_sysctl("net.ipv6.conf.all.forwarding", "1");
    }
    for (const auto& s : node.sysctls) write_sysctl(s.key, s.value);
    NetlinkSocket nl;
    std::map<std::string, int> index;
    for (const auto& l : nl.dump_links()) index[l.name] = l.index;
    std::vector<NlRequest> requests;
    requests.push_back(build_link_set(index.at("lo"), true, mark_));
    for (const auto& iface : node.interfaces) {
      int ifindex = index.count(iface.kernel_name) ? index[iface.kernel_name] : 0;
      if (!ifindex) throw std::runtime_error("interface " + iface.kernel_name + " missing in " + node.name);
      requests.push_back(build_link_set(ifindex, true, std::nullopt));
      // A host's underlay interface: its addresses on the OVS bridge it is the port of.
      if (auto u = plan_.underlay_bridges.find(node.name + ":" + iface.name); u != plan_.underlay_bridges.end()) {
        if (!index.count(u->second))
          throw std::runtime_error("underlay bridge " + u->second + " missing in " + node.name);
        ifindex = index.at(u->second);
        requests.push_back(build_link_set(ifindex, true, std::nullopt));
      }
      for (const auto& a : iface.addresses) requests.push_back(build_address_add(ifindex, a));
    }
    for (const auto& f : floating_addresses(node)) requests.push_back(build_address_add(index.at(f.device), f.address));
    if (auto it = plan_.neighbors.find(node.name); it != plan_.neighbors.end())
      for (const auto& n : it->second) requests.push_back(build_neighbor_add(index.at(n.device), n.address, n.mac));
    nl.execute(requests);
    requests.clear();
    // DHCP clients once the interfaces are up, before routes (a route may go via the leased network).
    for (const auto& iface : node.interfaces)
      if (iface.dhcp) dhcp_client(lab_, plan_.netns_of(node.name), node.name, iface.kernel_name, 10.0);
    for (const auto& r : node.routes) {
      std::optional<int> dev;
      if (!r.dev.empty()) dev = index.at(node.find_interface(r.dev)->kernel_name);
      auto metric = r.metric ? std::optional<uint32_t>(static_cast<uint32_t>(*r.metric)) : std::nullopt;
      requests.push_back(build_route_add(r.dst, r.via, dev, metric));
    }
    nl.execute(requests);
  }

  void run_exec(const NodeSpec& node) {
    for (const auto& cmd : node.exec) {
      auto result =
          node.kind == NodeKind::Vm ? vm_exec(lab_, node.name, cmd, 60.0)
          : node.kind == NodeKind::Container
              ? run_in_netns(plan_.netns_of(node.name), in_container(plan_, node.name, {"/bin/sh", "-c", cmd}), 60.0)
              : run_in_netns(plan_.netns_of(node.name), {"/bin/sh", "-c", cmd}, 60.0);
      if (result.exit_code != 0)
        throw std::runtime_error("exec on " + node.name + ": '" + cmd + "' exited with " +
                                 std::to_string(result.exit_code) + (result.timed_out ? " (timed out)" : "") +
                                 (result.interrupted ? " (interrupted)" : "") +
                                 (result.output.empty() ? "" : ": " + result.output));
    }
  }

  const Plan& plan_;
  const DeployOptions& options_;
  std::string lab_;
  std::string mark_;
  std::unique_ptr<Journal> journal_;

  std::mutex mutex_;
  std::condition_variable cv_;
  std::deque<int> ready_;
  std::vector<int> remaining_deps_;
  std::vector<std::vector<int>> dependents_;
  size_t done_ = 0;
  size_t running_ = 0;
  bool failed_ = false;
  std::atomic<bool> stalled_{false};
  int failed_step_ = -1;
  std::string failure_;
  std::vector<std::pair<int, std::chrono::steady_clock::time_point>> containers_up_;  // StartContainer steps done
  std::mutex notify_mutex_;
};

// The journaled host-namespace devices ("link" entries without a namespace) that are still there
// and are the lab's: alias netrig:<lab>, or the lab's interface group (made so in the creating
// request). A device with the same name that is not the lab's is left alone.
int delete_host_devices(const std::string& lab, const std::vector<JournalEntry>& entries) {
  std::set<std::string> journaled;
  for (const auto& e : entries)
    if (e.op == "link" && e.netns.empty()) journaled.insert(e.name);
  if (journaled.empty()) return 0;
  const auto mark = ownership_mark(lab);
  const auto group = ownership_group(lab);
  NetlinkSocket host;
  std::vector<NlRequest> requests;
  for (const auto& l : host.dump_links())
    if (journaled.count(l.name) && (l.alias == mark || (l.group == group && l.alias.empty())))
      requests.push_back(build_link_delete(l.name));
  if (requests.empty()) return 0;
  int deleted = 0;
  for (const auto& r : host.transact(requests))  // a veth's peer goes with it: ENODEV is fine
    deleted += r.error == 0;
  return deleted;
}

}  // namespace

void deploy(const Plan& plan, const DeployOptions& options) { Deployer(plan, options).run(); }

std::string netns_mark(const std::string& netns) {
  NetnsGuard inside(netns);
  NetlinkSocket in_ns;
  for (const auto& link : in_ns.dump_links())
    if (link.name == "lo") return link.alias;
  return "";
}

DestroyReport destroy_lab(const std::string& lab) {
  DestroyReport report;
  std::vector<std::string> namespaces;
  const auto entries = Journal::read(lab);
  // Only namespaces that carry this lab's mark: a journaled name may be another's (the deploy
  // that failed creating it journaled it first), and its processes and devices are not ours.
  const auto mark = ownership_mark(lab);
  std::vector<std::string> placeholders;  // journaled names whose file never got its namespace
  for (const auto& e : entries) {
    if (e.op == "netns" && netns_is_placeholder(e.name)) placeholders.push_back(e.name);
    if (e.op != "netns" || !netns_exists(e.name)) continue;
    if (netns_mark(e.name) == mark)
      namespaces.push_back(e.name);
    else
      report.foreign_namespaces.push_back(e.name);
  }

  // 0. Containers (runc delete --force by the lab's ids), then their overlay mounts.
  std::string mounts_left;
  report.processes += destroy_containers(lab, entries, &mounts_left);

  // 1. Processes living in the lab's namespaces (daemons, exec, checks) would keep them alive.
  std::vector<ino_t> inodes;
  for (const auto& ns : namespaces) inodes.push_back(netns_inode(ns));
  // A process may fork between the scan and the kill (QEMU daemonizing, a shell's child): scan
  // again until a scan finds nobody (bounded).
  std::vector<pid_t> killed;
  auto gone_or_zombie = [](pid_t pid) { return !process_running(pid); };
  for (int round = 0; round < 5; ++round) {
    std::vector<pid_t> found;
    for (pid_t pid : pids_in_netns(inodes))
      if (pid != getpid() && !gone_or_zombie(pid)) found.push_back(pid);
    if (found.empty()) break;
    std::vector<pid_t> now;
    for (pid_t pid : found)
      if (kill(pid, SIGKILL) == 0) ++report.processes, now.push_back(pid);
    // SIGKILL is asynchronous: a many-threaded daemon (ovs-vswitchd) takes a moment to die. Wait
    // (up to 3 s) until each is gone or a zombie, so destroy returns with no lab process left.
    for (int i = 0; i < 300 && !now.empty(); ++i) {
      std::erase_if(now, gone_or_zombie);
      if (!now.empty()) std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    killed.insert(killed.end(), found.begin(), found.end());
  }
  // A VM's QEMU outside its namespace (should not happen): by PID, only if it is that lab's QEMU.
  for (const auto& e : entries)
    if (e.op == "vm" && e.value > 0 && vm_process_matches(static_cast<pid_t>(e.value), lab, e.name) &&
        kill(static_cast<pid_t>(e.value), SIGKILL) == 0) {
      ++report.processes;
      killed.push_back(static_cast<pid_t>(e.value));
    }
  // Guests started through libvirt: their domains, by the URI and name in the journal.
  report.processes += destroy_libvirt_domains(lab, entries);
  // Their TAP devices and sockets go when they have exited: wait for that (bounded).
  wait_gone(killed, 5.0);

  // 2. Bridges in a system OVS (settings.ovs): the journaled ones that carry the lab's mark.
  int unreachable = 0;
  report.ovs_bridges = destroy_system_ovs_bridges(lab, entries, &unreachable);

  // 3. Namespaces, newest first. Every device of the lab lives in one of them (switches and their
  //    ports in <lab>-local), so deleting them removes the devices too...
  for (auto it = namespaces.rbegin(); it != namespaces.rend(); ++it) {
    if (!netns_exists(*it)) continue;
    delete_netns(*it);
    ++report.namespaces;
  }
  //    A deploy killed inside create_netns (file made, namespace not yet mounted on it) leaves an
  //    empty file: not a namespace, nothing in it, so it goes without a mark to check.
  for (const auto& name : placeholders)
    if (netns_is_placeholder(name)) delete_netns(name), ++report.namespaces;
  // 4. ...but for a system OVS's ports, made in the host's namespace: the journaled names still
  //    there that are the lab's by alias or interface group (a veth whose peer was in a lab
  //    namespace went with it; one between two switches did not).
  report.host_devices = delete_host_devices(lab, entries);
  if (!mounts_left.empty()) {  // remove_all would cross into a mount that stays
    report.incomplete = mounts_left + "the lab's state is kept; run `netrig destroy " + lab + "` again";
    return report;
  }
  if (unreachable) {
    report.incomplete = std::to_string(unreachable) +
                        " Open vSwitch database(s) did not answer; the lab's state is kept so that "
                        "`netrig destroy " +
                        lab + "` can finish once it answers";
    return report;
  }
  remove_lab_dir(lab);
  return report;
}

}  // namespace netrig
