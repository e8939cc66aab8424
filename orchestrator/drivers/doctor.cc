#include "drivers/doctor.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <linux/if_tun.h>
#include <linux/rtnetlink.h>
#include <net/if.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>

#include "build_paths.h"
#include "drivers/netlink.h"
#include "drivers/netns.h"
#include "drivers/vm.h"
#include "drivers/vm_libvirt.h"
#include "model/vm_driver.h"

namespace netrig {
namespace {

bool on_path(const std::string& tool) {
  const char* path = std::getenv("PATH");
  std::string dirs = path ? path : "/usr/sbin:/usr/bin:/sbin:/bin";
  dirs += ":/usr/sbin:/sbin";
  size_t start = 0;
  while (start <= dirs.size()) {
    size_t end = dirs.find(':', start);
    if (end == std::string::npos) end = dirs.size();
    auto candidate = dirs.substr(start, end - start) + "/" + tool;
    if (access(candidate.c_str(), X_OK) == 0) return true;
    start = end + 1;
  }
  return false;
}

// RTM_NEWLINK for a device of `kind`, with `fill` adding IFLA_INFO_DATA attributes.
NlRequest link_of_kind(const std::string& name, const std::string& kind, int parent,
                       const std::function<void(NlRequest&)>& fill) {
  ifinfomsg ifi{};
  NlRequest req(RTM_NEWLINK, NLM_F_CREATE | NLM_F_EXCL, &ifi, sizeof ifi);
  req.put_str(IFLA_IFNAME, name);
  if (parent) req.put_u32(IFLA_LINK, static_cast<uint32_t>(parent));
  auto* info = req.nest_start(IFLA_LINKINFO);
  req.put_str(IFLA_INFO_KIND, kind);
  if (fill) {
    auto* data = req.nest_start(IFLA_INFO_DATA);
    fill(req);
    req.nest_end(data);
  }
  req.nest_end(info);
  req.description = "create " + kind;
  return req;
}

std::string try_create(NetlinkSocket& nl, NlRequest req) {
  std::vector<NlRequest> one;
  one.push_back(std::move(req));
  auto r = nl.transact(one).at(0);
  if (r.error == 0) return "";
  return std::string(strerror(-r.error)) + (r.message.empty() ? "" : " (" + r.message + ")");
}

}  // namespace

std::vector<Capability> probe_host() {
  std::vector<Capability> caps;
  auto add = [&](std::string f, bool ok, std::string detail) { caps.push_back({std::move(f), ok, std::move(detail)}); };
  const bool root = geteuid() == 0;
  add("root", root, root ? "running as root" : "netrig deploys need root (namespaces, links)");

  if (root) {
    const std::string scratch = "netrig-doctor-" + std::to_string(getpid());
    try {
      create_netns(scratch);
      add("network namespaces", true, "nodes are named namespaces under /run/netns (iproute2-compatible)");
      try {
        NetnsGuard inside(scratch);
        NetlinkSocket nl;
        LinkAttrs a{"probe0"}, b{"probe1"};
        b.up = false;
        auto veth = try_create(nl, build_veth_create(a, b));
        add("veth", veth.empty(), veth.empty() ? "links are veth pairs made over rtnetlink" : veth);
        auto bridge = try_create(nl, build_bridge_create(LinkAttrs{"probebr0"}));
        add("linux bridge", bridge.empty(), bridge.empty() ? "kind: bridge is a Linux bridge" : bridge);
        auto vf = try_create(
            nl, link_of_kind("probebr1", "bridge", 0, [](NlRequest& r) { r.put_u8(IFLA_BR_VLAN_FILTERING, 1); }));
        add("bridge vlan filtering", vf.empty(), vf.empty() ? "available" : "unavailable: " + vf);
        int parent = static_cast<int>(if_nametoindex("probe0"));
        auto vlan = try_create(nl, link_of_kind("probe0.10", "vlan", parent, [](NlRequest& r) {
                                 uint16_t id = 10;
                                 r.put_bytes(IFLA_VLAN_ID, &id, sizeof id);
                               }));
        add("802.1q vlan devices", vlan.empty(), vlan.empty() ? "available" : "unavailable: " + vlan);
        auto vxlan = try_create(nl, link_of_kind("probevx", "vxlan", 0, [](NlRequest& r) {
                                  r.put_u32(IFLA_VXLAN_ID, 42);
                                  uint16_t port = htons(4789);
                                  r.put_bytes(IFLA_VXLAN_PORT, &port, sizeof port);
                                }));
        add("vxlan", vxlan.empty(), vxlan.empty() ? "kernel vxlan available" : "unavailable: " + vxlan);
        for (const char* kind : {"macvlan", "dummy", "bond", "gretap", "ifb"}) {
          int p = std::string(kind) == "macvlan" ? parent : 0;
          auto err = try_create(nl, link_of_kind(std::string("probe-") + kind, kind, p, nullptr));
          add(kind, err.empty(), err.empty() ? "available" : "unavailable: " + err);
        }
        int tun = open("/dev/net/tun", O_RDWR | O_CLOEXEC);
        bool tap_ok = false;
        if (tun >= 0) {
          ifreq ifr{};
          ifr.ifr_flags = IFF_TAP | IFF_NO_PI;
          std::snprintf(ifr.ifr_name, IFNAMSIZ, "probetap");
          tap_ok = ioctl(tun, TUNSETIFF, &ifr) == 0;
          close(tun);
        }
        add("tun/tap", tap_ok, tap_ok ? "available" : "cannot create a TAP device");
      } catch (const std::exception& e) {
        add("kernel probes", false, e.what());
      }
      delete_netns(scratch);
    } catch (const std::exception& e) {
      add("network namespaces", false, e.what());
    }
  }
  {
    std::ifstream in("/proc/sys/net/ipv4/neigh/default/gc_thresh3");
    int limit = 0;
    in >> limit;
    add("neighbour table", limit > 0,
        "holds " + std::to_string(limit) +
            " dynamic ARP entries for all namespaces together; labs with more layer-2 peer pairs need "
            "settings: {static_neighbors: true}");
  }
  {
    // Bridged lab traffic stays in the lab's own namespace (<lab>-local), so it never meets the
    // host's firewall; br_netfilter (a per-namespace switch) gives it connection tracking there.
    std::ifstream in("/proc/sys/net/bridge/bridge-nf-call-iptables");
    int call_iptables = -1;
    in >> call_iptables;
    add("bridge netfilter", true,
        call_iptables < 0 ? "br_netfilter absent: bridged traffic has no connection tracking unless the kernel has "
                            "nf_conntrack_bridge; lab bridges live in <lab>-local, away from the host's firewall"
                          : "br_netfilter present: bridged traffic gets connection tracking inside each lab's own "
                            "namespace <lab>-local; the host's firewall never sees lab traffic");
  }
  add("ovs kernel datapath", std::filesystem::exists("/sys/module/openvswitch"),
      std::filesystem::exists("/sys/module/openvswitch") ? "openvswitch module loaded"
                                                         : "module not loaded: OVS would use the userspace datapath");
  {
    NodeSpec vm;
    const auto image = vm_image_dir(vm);
    add("vm guest image", !image.empty(),
        image.empty() ? "not built: bash " NETRIG_SOURCE_DIR "/images/build.sh (kind: vm needs it)"
                      : std::filesystem::canonical(image).string());
    if (on_path("qemu-system-x86_64")) {
      try {
        auto accel = vm_accelerator();
        add("vm accelerator", true, accel.name + ": " + accel.reason);
      } catch (const std::exception& e) {
        add("vm accelerator", false, e.what());
      }
    }
  }
  {
    // The libvirt driver (settings.vm_driver: libvirt) and docs/design-vms.md §1's start-up cost.
    const char* env = std::getenv("NETRIG_LIBVIRT_URI");
    auto lv = libvirt_health(env && *env ? env : kDefaultLibvirtUri);
    add("libvirt", lv.reachable, lv.detail);
    if (lv.reachable) add("libvirt domain start", !lv.reprobe_problem, lv.reprobe_detail);
  }
  for (const char* tool : {"ping", "iperf3", "tcpdump", "nc", "nft", "ovs-vswitchd", "qemu-system-x86_64"}) {
    bool ok = on_path(tool);
    add(std::string("tool ") + tool, ok, ok ? "found" : "not installed");
  }
  return caps;
}

}  // namespace netrig
