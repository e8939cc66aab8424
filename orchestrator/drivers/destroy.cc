#include "drivers/destroy.h"

#include <signal.h>
#include <unistd.h>

#include <chrono>
#include <set>
#include <thread>

#include "drivers/container.h"
#include "drivers/lab_state.h"
#include "drivers/netlink.h"
#include "drivers/netns.h"
#include "drivers/ovs.h"
#include "drivers/process.h"
#include "drivers/system_error.h"
#include "drivers/vm.h"
#include "drivers/vm_libvirt.h"
#include "model/names.h"
#include "util/proc.h"

namespace netrig {

namespace {

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
