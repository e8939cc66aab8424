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
#include "drivers/qos.h"
#include "drivers/vm.h"
#include "drivers/vm_libvirt.h"
#include "model/vm_driver.h"
#include "plan/qos.h"

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

// Interface qos: (lecture 27), each part built for real through libnl-route on a fresh veth of the
// scratch namespace, exactly as a deploy would (plan/qos.h -> drivers/qos.h).
void probe_qos(const std::string& scratch, NetlinkSocket& nl,
               const std::function<void(std::string, bool, std::string)>& add) {
  int n = 0;
  auto attempt = [&](const std::function<void(QosSpec&)>& fill) {
    const auto dev = "pq" + std::to_string(n++);
    LinkAttrs a{dev}, b{dev + "p"};
    b.up = false;
    if (auto err = try_create(nl, build_veth_create(a, b)); !err.empty()) return "cannot make a probe veth: " + err;
    InterfaceSpec i;
    i.name = i.kernel_name = dev;
    i.qos.emplace();
    fill(*i.qos);
    try {
      apply_qos(scratch, qos_objects(i));
      return std::string();
    } catch (const std::exception& e) {
      return std::string(e.what());
    }
  };
  auto htb = attempt([](QosSpec& q) {
    auto& e = q.egress.emplace();
    e.kind = "htb";
    e.root.name = "root";
    e.root.rate = e.root.ceil = 10000000;
    HtbClassSpec c;
    c.name = "c1";
    c.rate = 5000000;
    c.ceil = 10000000;
    c.leaf.kind = "pfifo";
    e.root.children.push_back(c);
    QosFilterSpec f;
    f.src = IpPrefix::parse("10.0.0.1/32");
    f.class_name = "c1";
    e.filters.push_back(f);
  });
  add("qos htb + u32", htb.empty(),
      htb.empty() ? "interface qos: htb trees with pfifo/bfifo leaves and u32 filters, through libnl-route" : htb);
  auto tbf = attempt([](QosSpec& q) {
    auto& e = q.egress.emplace();
    e.kind = "tbf";
    e.rate = 10000000;
    e.burst = 32768;
  });
  add("qos tbf", tbf.empty(), tbf.empty() ? "interface qos: tbf shapers" : tbf);
  for (const char* kind : {"sfq", "fq_codel", "netem"}) {
    auto err = attempt([kind](QosSpec& q) {
      auto& e = q.egress.emplace();
      e.kind = e.leaf.kind = kind;
    });
    add(std::string("qos ") + kind, err.empty(),
        err.empty() ? std::string("available as a root or leaf qdisc")
                    : err + "; a vm guest's kernel has it (shape on a vm node's side there)");
  }
  auto ifb = attempt([](QosSpec& q) {
    auto& in = q.ingress.emplace();
    in.rate = 5000000;
    in.burst = 32768;
  });
  add("qos ingress", ifb.empty(),
      ifb.empty() ? "ingress limits as an ifb device in the node + mirred redirect + tbf (method: ifb); method: police "
                    "is not built (libnl-route has no police action)"
                  : ifb);
  const bool kernel_dp = std::filesystem::exists("/sys/module/openvswitch");
  add("ovs qos queues", kernel_dp,
      kernel_dp ? "kernel datapath: linux-htb/linux-hfsc QoS and Queue rows act, flows enqueue into them"
                : "userspace datapath only: the QoS/Queue rows are written but every packet lands in the default "
                  "class, so iperf3 checks crossing such a port are skipped with that reason");
  add("ovs ingress policing", kernel_dp,
      kernel_dp ? "kernel datapath: ingress_policing_rate/_burst drop above the rate"
                : "userspace datapath only: ingress_policing_rate is accepted and does nothing here, so iperf3 "
                  "checks crossing such a port are skipped with that reason");
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
        probe_qos(scratch, nl, add);
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
