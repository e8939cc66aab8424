#include "drivers/node_config.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <map>
#include <stdexcept>

#include "drivers/dhcp.h"
#include "drivers/fd.h"
#include "drivers/netlink.h"
#include "drivers/netns.h"
#include "drivers/system_error.h"

namespace netrig {

void write_sysctl(const std::string& key, const std::string& value) {
  std::string path = "/proc/sys/" + key;
  std::replace(path.begin() + 10, path.end(), '.', '/');
  int fd = open(path.c_str(), O_WRONLY | O_CLOEXEC);
  if (fd < 0) throw_errno("sysctl " + key);
  Fd guard(fd);
  if (write(fd, value.data(), value.size()) < 0) throw_errno("sysctl " + key + "=" + value);
}

void configure_node(const Plan& plan, const NodeSpec& node, const std::string& mark) {
  const auto& lab = plan.topology.name;
  NetnsGuard inside(plan.netns_of(node.name));
  if (node.router) {
    write_sysctl("net.ipv4.ip_forward", "1");
    write_sysctl("net.ipv6.conf.all.forwarding", "1");
  }
  for (const auto& s : node.sysctls) write_sysctl(s.key, s.value);
  NetlinkSocket nl;
  std::map<std::string, int> index;
  for (const auto& l : nl.dump_links()) index[l.name] = l.index;
  std::vector<NlRequest> requests;
  requests.push_back(build_link_set(index.at("lo"), true, mark));
  for (const auto& iface : node.interfaces) {
    int ifindex = index.count(iface.kernel_name) ? index[iface.kernel_name] : 0;
    if (!ifindex) throw std::runtime_error("interface " + iface.kernel_name + " missing in " + node.name);
    requests.push_back(build_link_set(ifindex, true, std::nullopt));
    // A host's underlay interface: its addresses on the OVS bridge it is the port of.
    if (auto u = plan.underlay_bridges.find(node.name + ":" + iface.name); u != plan.underlay_bridges.end()) {
      if (!index.count(u->second))
        throw std::runtime_error("underlay bridge " + u->second + " missing in " + node.name);
      ifindex = index.at(u->second);
      requests.push_back(build_link_set(ifindex, true, std::nullopt));
    }
    for (const auto& a : iface.addresses) requests.push_back(build_address_add(ifindex, a));
  }
  for (const auto& f : floating_addresses(node)) requests.push_back(build_address_add(index.at(f.device), f.address));
  if (auto it = plan.neighbors.find(node.name); it != plan.neighbors.end())
    for (const auto& n : it->second) requests.push_back(build_neighbor_add(index.at(n.device), n.address, n.mac));
  nl.execute(requests);
  requests.clear();
  // DHCP clients once the interfaces are up, before routes (a route may go via the leased network).
  for (const auto& iface : node.interfaces)
    if (iface.dhcp) dhcp_client(lab, plan.netns_of(node.name), node.name, iface.kernel_name, 10.0);
  for (const auto& r : node.routes) {
    std::optional<int> dev;
    if (!r.dev.empty()) dev = index.at(node.find_interface(r.dev)->kernel_name);
    auto metric = r.metric ? std::optional<uint32_t>(static_cast<uint32_t>(*r.metric)) : std::nullopt;
    requests.push_back(build_route_add(r.dst, r.via, dev, metric));
  }
  nl.execute(requests);
}

}  // namespace netrig
