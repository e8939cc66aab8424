#include "drivers/vm_libvirt.h"

#include <libvirt/libvirt.h>
#include <libvirt/virterror.h>
#include <linux/rtnetlink.h>
#include <net/if.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <mutex>
#include <sstream>
#include <stdexcept>
#include <thread>

#include "build_paths.h"
#include "drivers/fd.h"
#include "drivers/interrupt.h"
#include "drivers/netlink.h"
#include "drivers/netns.h"
#include "drivers/ovs.h"
#include "drivers/vm.h"
#include "drivers/vm_agent.h"
#include "model/names.h"
#include "model/vm_driver.h"
#include "plan/libvirt_xml.h"
#include "plan/vm.h"
#include "util/files.h"

namespace fs = std::filesystem;

namespace netrig {

namespace {

using clock_type = std::chrono::steady_clock;

double since(clock_type::time_point t) { return std::chrono::duration<double>(clock_type::now() - t).count(); }

std::string last_error() {
  const char* m = virGetLastErrorMessage();
  return m ? m : "unknown libvirt error";
}

// libvirt prints every error to stderr by default; netrig reports them itself.
void quiet(void*, virErrorPtr) {}

// One connection per URI per process, shared by the deploy's worker threads (libvirt connections
// are thread-safe).
virConnectPtr connection(const std::string& uri, std::string* why = nullptr) {
  static std::mutex mutex;
  static std::map<std::string, virConnectPtr> open;
  std::lock_guard lock(mutex);
  virSetErrorFunc(nullptr, quiet);
  if (auto it = open.find(uri); it != open.end()) {
    if (virConnectIsAlive(it->second) == 1) return it->second;
    virConnectClose(it->second);
    open.erase(it);
  }
  virConnectPtr c = virConnectOpen(uri.c_str());
  if (!c) {
    if (why) *why = last_error();
    return nullptr;
  }
  return open[uri] = c;
}

struct Domain {
  virDomainPtr ptr = nullptr;
  explicit Domain(virDomainPtr p) : ptr(p) {}
  ~Domain() {
    if (ptr) virDomainFree(ptr);
  }
  Domain(const Domain&) = delete;
  Domain& operator=(const Domain&) = delete;
};

// Moves the TAP `host_name` from the host namespace into the bridge's namespace as link.a.device,
// then enslaves it, sets its MTU, marks it as the lab's and brings it up (as the direct driver's).
void adopt_tap(const std::string& host_name, const PlannedLink& link, const std::string& mark) {
  const int index = static_cast<int>(if_nametoindex(host_name.c_str()));
  if (index == 0) throw std::runtime_error("libvirt did not create TAP " + host_name + " in the host namespace");
  if (link.a.netns.empty()) {  // a port of the system's OVS (settings.ovs): it stays, renamed (down to rename)
    NetlinkSocket host;
    std::vector<NlRequest> requests;
    requests.push_back(build_link_updown(index, false));
    auto rename = build_link_set(index, false, std::nullopt);
    rename.put_str(IFLA_IFNAME, link.a.device);
    rename.description = "rename TAP " + host_name + " to " + link.a.device;
    requests.push_back(std::move(rename));
    host.execute(requests);
    plug_tap(index, link, mark);
    return;
  }
  {
    Fd target(open_netns(link.a.netns));
    NetlinkSocket host;
    auto move = build_link_set(index, false, std::nullopt);
    move.put_u32(IFLA_NET_NS_FD, static_cast<uint32_t>(target.fd));
    move.put_str(IFLA_IFNAME, link.a.device);
    move.description = "move TAP " + host_name + " into " + link.a.netns + " as " + link.a.device;
    host.execute(std::move(move));
  }
  NetnsGuard inside(link.a.netns);
  auto tap = NetlinkSocket().find_link(link.a.device);
  if (!tap) throw std::runtime_error("TAP " + link.a.device + " vanished after the move into " + link.a.netns);
  plug_tap(tap->index, link, mark);
}

}  // namespace

std::string kvm_permission_problem() {
  struct stat st {};
  if (stat("/dev/kvm", &st) != 0) return "";
  std::ifstream groups("/etc/group");
  long kvm_gid = -1;
  for (std::string line; std::getline(groups, line);)
    if (line.rfind("kvm:", 0) == 0) {
      auto a = line.find(':', 4);
      if (a != std::string::npos) kvm_gid = std::strtol(line.c_str() + a + 1, nullptr, 10);
    }
  // user = "root" in qemu.conf is the other remedy: QEMU (and the cache check) then run as root.
  std::ifstream conf("/etc/libvirt/qemu.conf");
  for (std::string line; std::getline(conf, line);) {
    line.erase(std::remove_if(line.begin(), line.end(), [](char c) { return c == ' ' || c == '\t'; }), line.end());
    if (line == "user=\"root\"" || line == "user=\"+0\"") return "";
  }
  const bool others_rw = (st.st_mode & 06) == 06;
  const bool group_rw = kvm_gid >= 0 && static_cast<long>(st.st_gid) == kvm_gid && (st.st_mode & 060) == 060;
  if (others_rw || group_rw) return "";
  char mode[8];
  std::snprintf(mode, sizeof mode, "%04o", st.st_mode & 07777);
  return std::string("/dev/kvm is ") + mode +
         (kvm_gid >= 0 && static_cast<long>(st.st_gid) == kvm_gid ? " group kvm" : " not group kvm") +
         " but libvirt runs QEMU as libvirt-qemu (group kvm): its capability probe (with CAP_DAC_OVERRIDE) "
         "sees KVM, its cache check (without) does not, so every domain start re-probes QEMU (~4 s x 13 "
         "lookups, ~50 s; docs/design-vms.md §1). Fix: chgrp kvm /dev/kvm && chmod 0660 /dev/kvm (what "
         "Debian's udev rule does; ci/setup.sh applies it), or user = \"root\" in /etc/libvirt/qemu.conf";
}

std::string libvirt_unreachable(const std::string& uri) {
  std::string why;
  return connection(uri, &why) ? "" : why;
}

LibvirtHealth libvirt_health(const std::string& uri) {
  LibvirtHealth h;
  std::string why;
  auto* c = connection(uri, &why);
  if (!c) {
    h.detail = "not reachable at " + uri + ": " + why +
               " (only settings.vm_driver: libvirt needs it; ci/setup.sh starts libvirtd)";
    return h;
  }
  h.reachable = true;
  unsigned long version = 0;
  virConnectGetLibVersion(c, &version);
  h.detail = uri + ": libvirt " + std::to_string(version / 1000000) + "." + std::to_string(version / 1000 % 1000) +
             "." + std::to_string(version % 1000);
  if (auto p = kvm_permission_problem(); !p.empty()) {
    h.reprobe_problem = true;
    h.reprobe_detail = p;
    return h;
  }
  // The dynamic check: a cached capability lookup takes ~0.04 s, a re-probing one ~4 s.
  char* caps = virConnectGetDomainCapabilities(c, nullptr, "x86_64", nullptr, "qemu", 0);
  free(caps);
  const auto t = clock_type::now();
  caps = virConnectGetDomainCapabilities(c, nullptr, "x86_64", nullptr, "qemu", 0);
  const double s = since(t);
  free(caps);
  char text[200];
  if (s > 1.0) {
    h.reprobe_problem = true;
    std::snprintf(
        text, sizeof text,
        "a second capability lookup took %.1f s: libvirt re-probes QEMU on every lookup (~13 per domain start; "
        "docs/design-vms.md §1)",
        s);
  } else {
    std::snprintf(text, sizeof text,
                  "QEMU capabilities cached (a lookup takes %.3f s); /dev/kvm is usable by group kvm", s);
  }
  h.reprobe_detail = text;
  return h;
}

void start_vm_libvirt(const Plan& plan, const NodeSpec& node, Journal& journal, const std::string& mark,
                      double timeout_s) {
  const auto& lab = plan.topology.name;
  const auto uri = effective_libvirt_uri(plan.topology);
  if (auto why = libvirt_uri_problem(uri); !why.empty())
    throw std::runtime_error("libvirt URI '" + uri + "' cannot be used for vm '" + node.name + "': " + why);
  const auto guest = guest_image(node);
  std::string why;
  auto* conn = connection(uri, &why);
  if (!conn)
    throw std::runtime_error("vm '" + node.name + "': libvirtd is not reachable at " + uri + ": " + why +
                             " (start it: bash " NETRIG_SOURCE_DIR
                             "/ci/libvirt.sh; or use settings.vm_driver: direct)");
  const auto dir = vm_run_dir(lab, node.name);
  fs::create_directories(dir);
  // KVM only when the probe booted a guest under it; libvirt's own view of KVM is not evidence
  // (docs/design-vms.md §1: with /dev/kvm fixed libvirt believes KVM works, and KVM guests hang here).
  const auto accel = vm_accelerator().name;
  LibvirtInputs in{guest.dir, guest.cmdline, accel == "kvm" ? "kvm" : "qemu", dir, NETRIG_VERSION};
  auto spec = libvirt_domain_spec(plan, node, in);
  const auto links = vm_links(plan, node.name);
  for (size_t i = 0; i < links.size(); ++i)
    spec.nics[i].full_checksums = !links[i]->a.ovs.empty() && ovs_userspace(plan, links[i]->a.ovs);
  const auto xml = libvirt_domain_xml(spec);
  std::ofstream(dir + "/domain.xml") << xml;

  for (const auto& nic : spec.nics) journal.record({kJournalLibvirtTap, nic.tap, "", 0});
  journal.record({kJournalLibvirtDomain, spec.name, uri, 0});
  const auto started = clock_type::now();
  Domain dom(virDomainCreateXML(conn, xml.c_str(), VIR_DOMAIN_NONE));
  const double create_s = since(started);
  if (!dom.ptr)
    throw std::runtime_error("vm '" + node.name + "': libvirt could not create domain " + spec.name + ": " +
                             last_error() + " (domain XML: " + dir + "/domain.xml)");
  {
    char text[64];
    std::snprintf(text, sizeof text, "%.3f\n", create_s);
    std::ofstream(dir + "/libvirt-create-seconds") << text;
  }
  if (create_s > 10.0) {
    auto p = kvm_permission_problem();
    std::cerr << "netrig: libvirt took " << static_cast<int>(create_s) << " s to create domain " << spec.name
              << (p.empty() ? std::string(" (see netrig doctor)") : ": " + p) << "\n";
  }
  for (size_t i = 0; i < links.size(); ++i) adopt_tap(spec.nics[i].tap, *links[i], mark);

  wait_for_agent(lab, node.name, spec.agent_socket, started, timeout_s, "libvirt " + spec.type, [&] {
    int state = 0, reason = 0;
    return virDomainGetState(dom.ptr, &state, &reason, 0) != 0 || state != VIR_DOMAIN_RUNNING
               ? "domain " + spec.name + " stopped during boot"
               : std::string();
  });
}

int destroy_libvirt_domains(const std::string& lab, const std::vector<JournalEntry>& entries) {
  int destroyed = 0;
  for (const auto& e : entries) {
    if (e.op != kJournalLibvirtDomain) continue;
    std::string why;
    auto* conn = connection(e.netns, &why);
    if (!conn) {
      std::cerr << "netrig: warning: cannot reach libvirt at " << e.netns << " to destroy domain " << e.name << ": "
                << why << "\n";
      continue;
    }
    Domain dom(virDomainLookupByName(conn, e.name.c_str()));
    if (!dom.ptr) continue;  // never created, or already gone (transient domains vanish when stopped)
    char* meta = virDomainGetMetadata(dom.ptr, VIR_DOMAIN_METADATA_ELEMENT, kLibvirtMetadataUri, 0);
    const std::string text = meta ? meta : "";
    free(meta);
    auto node = e.name.substr(std::min(e.name.size(), vm_domain_name(lab, "").size()));
    std::replace(node.begin(), node.end(), '+', '-');  // undo vm_domain_name's escape
    if (!libvirt_owner_matches(text, lab, node)) {
      std::cerr << "netrig: warning: domain " << e.name << " at " << e.netns << " is not lab " << lab
                << "'s (its metadata differs); left alone\n";
      continue;
    }
    if (virDomainDestroy(dom.ptr) == 0)
      ++destroyed;
    else
      std::cerr << "netrig: warning: destroying domain " << e.name << ": " << last_error() << "\n";
  }
  // A TAP libvirt made that netrig had not moved yet (killed in between): it went with its QEMU;
  // delete any left in the host namespace. Their names are unique to the lab (libvirt_tap_name).
  std::vector<NlRequest> deletes;
  for (const auto& e : entries)
    if (e.op == kJournalLibvirtTap && if_nametoindex(e.name.c_str()) != 0) deletes.push_back(build_link_delete(e.name));
  if (!deletes.empty()) {
    try {
      NetlinkSocket host;
      host.execute(deletes);
    } catch (const std::exception& ex) {
      std::cerr << "netrig: warning: " << ex.what() << "\n";
    }
  }
  return destroyed;
}

}  // namespace netrig
