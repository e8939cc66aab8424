// rtnetlink through libmnl: message builders (pure, each with the equivalent `ip` command) and a
// socket that sends many requests in one write and collects every acknowledgement.
#pragma once

#include <linux/if_link.h>

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "model/ip.h"

struct mnl_socket;
struct nlmsghdr;

namespace netrig {

// One rtnetlink request: a complete message in its own buffer.
class NlRequest {
 public:
  NlRequest(uint16_t type, uint16_t flags, const void* header, size_t header_len);
  nlmsghdr* header() { return reinterpret_cast<nlmsghdr*>(buffer_.data()); }
  const nlmsghdr* header() const { return reinterpret_cast<const nlmsghdr*>(buffer_.data()); }
  size_t size() const;
  std::string description;  // what it does, for errors ("create veth h1-eth0")

  void put_str(uint16_t type, const std::string& value);
  void put_u32(uint16_t type, uint32_t value);
  void put_u8(uint16_t type, uint8_t value);
  void put_bytes(uint16_t type, const void* data, size_t len);
  // Opens a nested attribute; returns a token for nest_end.
  void* nest_start(uint16_t type);
  void nest_end(void* nest);
  // Appends a nested header (e.g. the veth peer's ifinfomsg) without an attribute header.
  void put_raw(const void* data, size_t len);

 private:
  std::vector<char> buffer_;
};

struct LinkAttrs {
  std::string name;
  std::optional<std::string> mac;  // "02:00:..."
  std::optional<int> mtu;
  std::optional<int> netns_fd;  // create directly in this namespace
  std::optional<int> master;    // ifindex of the bridge to enslave to
  std::optional<uint32_t> group;
  std::optional<std::string> alias;  // ownership mark (set by a follow-up request: see build_link_alias)
  bool up = true;                    // a veth peer made in another namespace cannot be brought up in the same request
};

// ip link add <name> type bridge [mtu M] group G alias A; ip link set <name> up
NlRequest build_bridge_create(const LinkAttrs& bridge);
// ip link add <a> [netns A] type veth peer name <b> [netns B]; both up; master/group/alias on <a>
NlRequest build_veth_create(const LinkAttrs& a, const LinkAttrs& b);
// ip link set <ifindex> [up] [alias A]
NlRequest build_link_set(int ifindex, bool up, const std::optional<std::string>& alias);
// ip link set <ifindex> up|down (IFF_UP set or cleared; build_link_set can only set it)
NlRequest build_link_updown(int ifindex, bool up);
// ip link set dev <name> alias <alias> (the kernel ignores IFLA_IFALIAS when creating a device)
NlRequest build_link_alias(const std::string& name, const std::string& alias);
// ip link del <name>
NlRequest build_link_delete(const std::string& name);
// ip link del group <group>
NlRequest build_link_delete_group(uint32_t group);
// ip addr add <prefix> dev <ifindex> nodad
NlRequest build_address_add(int ifindex, const IpPrefix& prefix);
// ip route add <dst> [via <gw>] [dev <ifindex>] [metric M]
NlRequest build_route_add(const IpPrefix& dst, const std::optional<IpAddr>& via, std::optional<int> ifindex,
                          std::optional<uint32_t> metric);

// ip neigh add <address> lladdr <mac> dev <ifindex> nud permanent
NlRequest build_neighbor_add(int ifindex, const IpAddr& address, const std::string& mac);

struct LinkInfo {
  int index = 0;
  std::string name;
  std::string alias;
  std::string kind;  // "veth", "bridge", ...
  uint32_t group = 0;
  uint32_t flags = 0;
  int master = 0;
  int mtu = 0;
  std::string mac;
};

struct AddressInfo {
  int index = 0;
  IpPrefix prefix;
};

// A NETLINK_ROUTE socket in the namespace the calling thread is in when it is opened.
class NetlinkSocket {
 public:
  NetlinkSocket();
  ~NetlinkSocket();
  NetlinkSocket(const NetlinkSocket&) = delete;
  NetlinkSocket& operator=(const NetlinkSocket&) = delete;

  // Sends every request (batched into few writes), waits for all acknowledgements, and returns
  // one result per request: 0 or a negative errno, with the kernel's extended message if any.
  struct Result {
    int error = 0;
    std::string message;
  };
  std::vector<Result> transact(std::vector<NlRequest>& requests);
  // transact() that throws SystemError on the first failed request.
  void execute(std::vector<NlRequest>& requests);
  void execute(NlRequest request);

  std::vector<LinkInfo> dump_links();
  std::vector<AddressInfo> dump_addresses();
  std::optional<LinkInfo> find_link(const std::string& name);

 private:
  void dump(uint16_t type, int family, const std::function<void(const nlmsghdr*)>& on_message);
  mnl_socket* socket_ = nullptr;
  uint32_t port_ = 0;
  uint32_t seq_ = 0;
};

}  // namespace netrig
