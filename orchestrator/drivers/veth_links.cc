#include "drivers/veth_links.h"

#include <net/if.h>

#include <memory>
#include <vector>

#include "drivers/fd.h"
#include "drivers/netns.h"
#include "drivers/system_error.h"
#include "model/names.h"

namespace netrig {

namespace {

// The index of a device in the namespace the calling thread is in.
int device_index(const std::string& device) {
  int index = static_cast<int>(if_nametoindex(device.c_str()));
  if (index == 0) throw_errno("find " + device);
  return index;
}

// ip link set END master BRIDGE up, in the namespace the calling thread is in.
void enslave(NetlinkSocket& socket, const LinkEnd& end) {
  auto ifi_req = build_link_set(device_index(end.device), true, std::nullopt);
  ifi_req.put_u32(IFLA_MASTER, static_cast<uint32_t>(device_index(end.bridge)));
  ifi_req.description = "enslave " + end.device + " to " + end.bridge;
  socket.execute(std::move(ifi_req));
}

// An end in the namespace the request is sent from (`here`) is made there and comes up with its
// switch; an end elsewhere is made directly in its node's namespace, down until configure_node.
// An end in the host's namespace (a port of the system's OVS, settings.ovs) is made in the lab's
// interface group, so it is known as the lab's from the moment it exists.
LinkAttrs end_attrs(const LinkEnd& end, const std::string& lab, const std::string& here, std::unique_ptr<Fd>& ns_fd) {
  LinkAttrs attrs;
  attrs.name = end.device;
  attrs.mac = end.mac;
  attrs.mtu = end.mtu;
  if (end.netns.empty()) attrs.group = ownership_group(lab);
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

}  // namespace

// A link to a Linux bridge is made from inside the namespace that holds the bridge.
void create_veth_link(const PlannedLink& link, const std::string& lab, Journal& journal, NetlinkSocket& host) {
  const auto mark = ownership_mark(lab);
  std::vector<std::string> in_host;
  for (const auto* e : {&link.a, &link.b})
    if (e->netns.empty()) {
      journal.record({"link", e->device, "", ownership_group(lab)});
      in_host.push_back(e->device);
    }
  if (link.a.bridge.empty()) {
    std::unique_ptr<Fd> fd_a, fd_b;
    auto a = end_attrs(link.a, lab, "", fd_a);
    auto b = end_attrs(link.b, lab, "", fd_b);
    b.up = false;  // a veth peer cannot come up before it is paired; its switch or node brings it up
    std::vector<NlRequest> requests;
    requests.push_back(build_veth_create(a, b));
    for (const auto& dev : in_host) requests.push_back(build_link_alias(dev, mark));
    host.execute(requests);
    if (!link.b.bridge.empty()) {  // a system OVS port to a Linux bridge in <lab>-local
      NetnsGuard inside(link.b.netns);
      NetlinkSocket local;
      enslave(local, link.b);
    }
    return;
  }
  if (!in_host.empty()) {  // a Linux bridge in <lab>-local to a system OVS port in the host's namespace
    std::unique_ptr<Fd> unused;
    NetnsGuard inside(link.a.netns);
    NetlinkSocket local;
    auto a = end_attrs(link.a, lab, link.a.netns, unused);
    auto b = end_attrs(link.b, lab, link.a.netns, unused);
    b.up = false;
    a.master = device_index(link.a.bridge);
    local.execute(build_veth_create(a, b));
    for (const auto& dev : in_host) host.execute(build_link_alias(dev, mark));
    return;
  }
  const auto& here = link.a.netns;
  NetnsGuard inside(here);
  NetlinkSocket local;
  std::unique_ptr<Fd> fd_a, fd_b;
  auto a = end_attrs(link.a, lab, here, fd_a);
  auto b = end_attrs(link.b, lab, here, fd_b);
  b.up = false;  // a veth peer cannot come up before it is paired; the enslave step or the node brings it up
  a.master = device_index(link.a.bridge);
  local.execute(build_veth_create(a, b));
  // Only the first device of a new veth pair takes IFLA_MASTER; enslave the peer afterwards.
  if (!link.b.bridge.empty()) enslave(local, link.b);
}

}  // namespace netrig
