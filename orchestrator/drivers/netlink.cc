#include "drivers/netlink.h"

#include <arpa/inet.h>
#include <libmnl/libmnl.h>
#include <linux/if.h>
#include <linux/if_addr.h>
#include <linux/neighbour.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <linux/veth.h>
#include <net/if_arp.h>
#include <sys/socket.h>

#include <cstring>
#include <map>

#include "drivers/system_error.h"

#ifndef NETLINK_EXT_ACK
#define NETLINK_EXT_ACK 11
#endif
#ifndef NETLINK_CAP_ACK
#define NETLINK_CAP_ACK 10
#endif

namespace netrig {

namespace {
constexpr size_t kRequestBuffer = 1024;
constexpr size_t kBatchBytes = 32 * 1024;

std::vector<uint8_t> parse_mac(const std::string& text) {
  std::vector<uint8_t> mac(6);
  unsigned v[6];
  if (std::sscanf(text.c_str(), "%x:%x:%x:%x:%x:%x", &v[0], &v[1], &v[2], &v[3], &v[4], &v[5]) == 6)
    for (int i = 0; i < 6; ++i) mac[i] = static_cast<uint8_t>(v[i]);
  return mac;
}

ifinfomsg link_header(int index = 0, bool up = false) {
  ifinfomsg ifi{};
  ifi.ifi_family = AF_UNSPEC;
  ifi.ifi_index = index;
  if (up) {
    ifi.ifi_flags = IFF_UP;
    ifi.ifi_change = IFF_UP;
  }
  return ifi;
}

// The attributes every created device gets, from LinkAttrs.
void put_common(NlRequest& req, const LinkAttrs& attrs) {
  req.put_str(IFLA_IFNAME, attrs.name);
  if (attrs.mac) {
    auto mac = parse_mac(*attrs.mac);
    req.put_bytes(IFLA_ADDRESS, mac.data(), mac.size());
  }
  if (attrs.mtu) req.put_u32(IFLA_MTU, static_cast<uint32_t>(*attrs.mtu));
  if (attrs.netns_fd) req.put_u32(IFLA_NET_NS_FD, static_cast<uint32_t>(*attrs.netns_fd));
  if (attrs.master) req.put_u32(IFLA_MASTER, static_cast<uint32_t>(*attrs.master));
  if (attrs.group) req.put_u32(IFLA_GROUP, *attrs.group);
}
}  // namespace

NlRequest::NlRequest(uint16_t type, uint16_t flags, const void* header, size_t header_len)
    : buffer_(kRequestBuffer, 0) {
  auto* nlh = mnl_nlmsg_put_header(buffer_.data());
  nlh->nlmsg_type = type;
  nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK | flags;
  void* extra = mnl_nlmsg_put_extra_header(nlh, header_len);
  std::memcpy(extra, header, header_len);
}

size_t NlRequest::size() const { return header()->nlmsg_len; }

void NlRequest::put_str(uint16_t type, const std::string& value) { mnl_attr_put_strz(header(), type, value.c_str()); }
void NlRequest::put_u32(uint16_t type, uint32_t value) { mnl_attr_put_u32(header(), type, value); }
void NlRequest::put_u8(uint16_t type, uint8_t value) { mnl_attr_put_u8(header(), type, value); }
void NlRequest::put_bytes(uint16_t type, const void* data, size_t len) { mnl_attr_put(header(), type, len, data); }
// Without NLA_F_NESTED, as iproute2 sends them: the veth peer attribute is rejected with it.
void* NlRequest::nest_start(uint16_t type) {
  auto* nest = mnl_attr_nest_start(header(), type);
  nest->nla_type &= static_cast<uint16_t>(~NLA_F_NESTED);
  return nest;
}
void NlRequest::nest_end(void* nest) { mnl_attr_nest_end(header(), static_cast<nlattr*>(nest)); }
void NlRequest::put_raw(const void* data, size_t len) {
  auto* nlh = header();
  std::memcpy(reinterpret_cast<char*>(nlh) + nlh->nlmsg_len, data, len);
  nlh->nlmsg_len += MNL_ALIGN(len);
}

NlRequest build_bridge_create(const LinkAttrs& bridge) {
  auto ifi = link_header(0, bridge.up);
  NlRequest req(RTM_NEWLINK, NLM_F_CREATE | NLM_F_EXCL, &ifi, sizeof ifi);
  put_common(req, bridge);
  auto* linkinfo = req.nest_start(IFLA_LINKINFO);
  req.put_str(IFLA_INFO_KIND, "bridge");
  auto* data = req.nest_start(IFLA_INFO_DATA);
  req.put_u32(IFLA_BR_FORWARD_DELAY, 0);  // ports forward at once, no STP learning delay
  req.put_u32(IFLA_BR_STP_STATE, 0);
  req.nest_end(data);
  req.nest_end(linkinfo);
  req.description = "create bridge " + bridge.name;
  return req;
}

NlRequest build_veth_create(const LinkAttrs& a, const LinkAttrs& b) {
  auto ifi = link_header(0, a.up);
  NlRequest req(RTM_NEWLINK, NLM_F_CREATE | NLM_F_EXCL, &ifi, sizeof ifi);
  put_common(req, a);
  auto* linkinfo = req.nest_start(IFLA_LINKINFO);
  req.put_str(IFLA_INFO_KIND, "veth");
  auto* data = req.nest_start(IFLA_INFO_DATA);
  auto* peer = req.nest_start(VETH_INFO_PEER);
  auto peer_ifi = link_header(0, b.up);
  req.put_raw(&peer_ifi, sizeof peer_ifi);
  put_common(req, b);
  req.nest_end(peer);
  req.nest_end(data);
  req.nest_end(linkinfo);
  req.description = "create veth " + a.name + " <-> " + b.name;
  return req;
}

NlRequest build_link_set(int ifindex, bool up, const std::optional<std::string>& alias) {
  auto ifi = link_header(ifindex, up);
  NlRequest req(RTM_NEWLINK, 0, &ifi, sizeof ifi);
  if (alias) req.put_str(IFLA_IFALIAS, *alias);
  req.description = "set link " + std::to_string(ifindex) + (up ? " up" : "");
  return req;
}

NlRequest build_link_updown(int ifindex, bool up) {
  auto ifi = link_header(ifindex);
  ifi.ifi_flags = up ? IFF_UP : 0;
  ifi.ifi_change = IFF_UP;
  NlRequest req(RTM_NEWLINK, 0, &ifi, sizeof ifi);
  req.description = "set link " + std::to_string(ifindex) + (up ? " up" : " down");
  return req;
}

NlRequest build_link_alias(const std::string& name, const std::string& alias) {
  auto ifi = link_header();
  NlRequest req(RTM_NEWLINK, 0, &ifi, sizeof ifi);
  req.put_str(IFLA_IFNAME, name);
  req.put_str(IFLA_IFALIAS, alias);
  req.description = "mark " + name + " with alias " + alias;
  return req;
}

NlRequest build_link_delete(const std::string& name) {
  auto ifi = link_header();
  NlRequest req(RTM_DELLINK, 0, &ifi, sizeof ifi);
  req.put_str(IFLA_IFNAME, name);
  req.description = "delete link " + name;
  return req;
}

NlRequest build_link_delete_group(uint32_t group) {
  auto ifi = link_header();
  NlRequest req(RTM_DELLINK, 0, &ifi, sizeof ifi);
  req.put_u32(IFLA_GROUP, group);
  req.description = "delete link group " + std::to_string(group);
  return req;
}

NlRequest build_address_add(int ifindex, const IpPrefix& prefix) {
  ifaddrmsg ifa{};
  ifa.ifa_family = prefix.addr.family == 4 ? AF_INET : AF_INET6;
  ifa.ifa_prefixlen = static_cast<uint8_t>(prefix.len);
  ifa.ifa_index = static_cast<uint32_t>(ifindex);
  ifa.ifa_flags = prefix.addr.family == 6 ? IFA_F_NODAD : 0;  // usable at once, no DAD wait
  NlRequest req(RTM_NEWADDR, NLM_F_CREATE | NLM_F_EXCL, &ifa, sizeof ifa);
  req.put_bytes(IFA_LOCAL, prefix.addr.bytes.data(), prefix.addr.byte_len());
  req.put_bytes(IFA_ADDRESS, prefix.addr.bytes.data(), prefix.addr.byte_len());
  if (prefix.addr.family == 4) {
    // The broadcast address, as `ip addr add ... brd +` would set it.
    uint32_t addr;
    std::memcpy(&addr, prefix.addr.bytes.data(), 4);
    uint32_t host_mask = prefix.len >= 32 ? 0 : (0xffffffffu >> prefix.len);
    uint32_t brd = htonl(ntohl(addr) | host_mask);
    if (prefix.len < 31) req.put_bytes(IFA_BROADCAST, &brd, 4);
  }
  req.put_u32(IFA_FLAGS, ifa.ifa_flags);
  req.description = "add address " + prefix.str();
  return req;
}

NlRequest build_route_add(const IpPrefix& dst, const std::optional<IpAddr>& via, std::optional<int> ifindex,
                          std::optional<uint32_t> metric) {
  rtmsg rtm{};
  rtm.rtm_family = dst.addr.family == 4 ? AF_INET : AF_INET6;
  rtm.rtm_dst_len = static_cast<uint8_t>(dst.len);
  rtm.rtm_table = RT_TABLE_MAIN;
  rtm.rtm_protocol = RTPROT_STATIC;
  rtm.rtm_scope = via ? RT_SCOPE_UNIVERSE : RT_SCOPE_LINK;
  rtm.rtm_type = RTN_UNICAST;
  NlRequest req(RTM_NEWROUTE, NLM_F_CREATE | NLM_F_EXCL, &rtm, sizeof rtm);
  if (dst.len > 0) req.put_bytes(RTA_DST, dst.addr.bytes.data(), dst.addr.byte_len());
  if (via) req.put_bytes(RTA_GATEWAY, via->bytes.data(), via->byte_len());
  if (ifindex) req.put_u32(RTA_OIF, static_cast<uint32_t>(*ifindex));
  if (metric) req.put_u32(RTA_PRIORITY, *metric);
  req.description = "add route " + (dst.len ? dst.str() : std::string("default")) + (via ? " via " + via->str() : "");
  return req;
}

NlRequest build_neighbor_add(int ifindex, const IpAddr& address, const std::string& mac) {
  ndmsg ndm{};
  ndm.ndm_family = address.family == 4 ? AF_INET : AF_INET6;
  ndm.ndm_ifindex = ifindex;
  ndm.ndm_state = NUD_PERMANENT;
  NlRequest req(RTM_NEWNEIGH, NLM_F_CREATE | NLM_F_REPLACE, &ndm, sizeof ndm);
  req.put_bytes(NDA_DST, address.bytes.data(), address.byte_len());
  auto lladdr = parse_mac(mac);
  req.put_bytes(NDA_LLADDR, lladdr.data(), lladdr.size());
  req.description = "add neighbor " + address.str() + " lladdr " + mac;
  return req;
}

NetlinkSocket::NetlinkSocket() {
  socket_ = mnl_socket_open2(NETLINK_ROUTE, SOCK_CLOEXEC);
  if (!socket_) throw_errno("netlink socket");
  int one = 1;
  mnl_socket_setsockopt(socket_, NETLINK_CAP_ACK, &one, sizeof one);
  mnl_socket_setsockopt(socket_, NETLINK_EXT_ACK, &one, sizeof one);
  int rcvbuf = 1 << 20;
  setsockopt(mnl_socket_get_fd(socket_), SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof rcvbuf);
  if (mnl_socket_bind(socket_, 0, MNL_SOCKET_AUTOPID) < 0) {
    int e = errno;
    mnl_socket_close(socket_);
    throw SystemError("netlink bind", e);
  }
  port_ = mnl_socket_get_portid(socket_);
}

NetlinkSocket::~NetlinkSocket() { mnl_socket_close(socket_); }

// The kernel's extended-ack message (NLMSGERR_ATTR_MSG) of an error message, if any.
static std::string ext_ack_message(const nlmsghdr* nlh) {
  const auto* err = static_cast<const nlmsgerr*>(mnl_nlmsg_get_payload(nlh));
  if (!(nlh->nlmsg_flags & NLM_F_ACK_TLVS)) return "";
  size_t offset = sizeof(nlmsgerr);
  if (!(nlh->nlmsg_flags & NLM_F_CAPPED)) offset += err->msg.nlmsg_len - sizeof(nlmsghdr);
  std::string message;
  mnl_attr_parse(
      nlh, static_cast<unsigned>(offset),
      [](const nlattr* attr, void* data) {
        if (mnl_attr_get_type(attr) == NLMSGERR_ATTR_MSG) *static_cast<std::string*>(data) = mnl_attr_get_str(attr);
        return MNL_CB_OK;
      },
      &message);
  return message;
}

std::vector<NetlinkSocket::Result> NetlinkSocket::transact(std::vector<NlRequest>& requests) {
  std::vector<Result> results(requests.size());
  std::map<uint32_t, size_t> pending;  // seq -> request index
  std::vector<char> batch;
  batch.reserve(kBatchBytes + kRequestBuffer);
  std::vector<char> rx(MNL_SOCKET_BUFFER_SIZE * 4);

  auto receive_acks = [&](size_t until_pending) {
    while (pending.size() > until_pending) {
      ssize_t n = mnl_socket_recvfrom(socket_, rx.data(), rx.size());
      if (n < 0) throw_errno("netlink receive");
      for (auto* nlh = reinterpret_cast<nlmsghdr*>(rx.data()); mnl_nlmsg_ok(nlh, static_cast<int>(n));
           nlh = mnl_nlmsg_next(nlh, reinterpret_cast<int*>(&n))) {
        if (nlh->nlmsg_type != NLMSG_ERROR) continue;
        auto it = pending.find(nlh->nlmsg_seq);
        if (it == pending.end()) continue;
        const auto* err = static_cast<const nlmsgerr*>(mnl_nlmsg_get_payload(nlh));
        results[it->second].error = err->error;
        if (err->error) results[it->second].message = ext_ack_message(nlh);
        pending.erase(it);
      }
    }
  };
  auto flush = [&]() {
    if (batch.empty()) return;
    if (mnl_socket_sendto(socket_, batch.data(), batch.size()) < 0) throw_errno("netlink send");
    batch.clear();
    receive_acks(0);  // keep the socket's receive queue short
  };
  for (size_t i = 0; i < requests.size(); ++i) {
    auto* nlh = requests[i].header();
    nlh->nlmsg_seq = ++seq_;
    nlh->nlmsg_pid = 0;
    pending[nlh->nlmsg_seq] = i;
    if (batch.size() + nlh->nlmsg_len > kBatchBytes) flush();
    batch.insert(batch.end(), reinterpret_cast<char*>(nlh), reinterpret_cast<char*>(nlh) + nlh->nlmsg_len);
  }
  flush();
  return results;
}

void NetlinkSocket::execute(std::vector<NlRequest>& requests) {
  auto results = transact(requests);
  for (size_t i = 0; i < results.size(); ++i)
    if (results[i].error) throw SystemError(requests[i].description, -results[i].error, results[i].message);
}

void NetlinkSocket::execute(NlRequest request) {
  std::vector<NlRequest> one;
  one.push_back(std::move(request));
  execute(one);
}

void NetlinkSocket::dump(uint16_t type, int family, const std::function<void(const nlmsghdr*)>& on_message) {
  // A dump that races with changes elsewhere on the host (another lab being built or torn down)
  // comes back flagged NLM_F_DUMP_INTR and may be inconsistent: read it to the end, throw it away
  // and ask again. Messages are handed to on_message only once a whole dump is consistent.
  std::vector<char> buf(MNL_SOCKET_BUFFER_SIZE * 4);
  for (int attempt = 1;; ++attempt) {
    auto* nlh = mnl_nlmsg_put_header(buf.data());
    nlh->nlmsg_type = type;
    nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
    nlh->nlmsg_seq = ++seq_;
    auto* gen = static_cast<rtgenmsg*>(mnl_nlmsg_put_extra_header(nlh, sizeof(ifinfomsg)));
    gen->rtgen_family = static_cast<unsigned char>(family);
    if (mnl_socket_sendto(socket_, nlh, nlh->nlmsg_len) < 0) throw_errno("netlink dump request");
    const uint32_t seq = nlh->nlmsg_seq;
    std::vector<std::vector<char>> messages;
    bool inconsistent = false, done = false;
    while (!done) {
      ssize_t n = mnl_socket_recvfrom(socket_, buf.data(), buf.size());
      if (n < 0) throw_errno("netlink dump");
      int len = static_cast<int>(n);
      for (auto* m = reinterpret_cast<const nlmsghdr*>(buf.data()); mnl_nlmsg_ok(m, len); m = mnl_nlmsg_next(m, &len)) {
        if (!mnl_nlmsg_seq_ok(m, seq) || !mnl_nlmsg_portid_ok(m, port_)) continue;
        if (m->nlmsg_flags & NLM_F_DUMP_INTR) inconsistent = true;
        if (m->nlmsg_type == NLMSG_DONE) {
          done = true;
          break;
        }
        if (m->nlmsg_type == NLMSG_ERROR) {
          const auto* err = static_cast<const nlmsgerr*>(mnl_nlmsg_get_payload(m));
          if (err->error) throw SystemError("netlink dump", -err->error);
          continue;
        }
        if (m->nlmsg_type < NLMSG_MIN_TYPE) continue;
        const auto* bytes = reinterpret_cast<const char*>(m);
        messages.emplace_back(bytes, bytes + m->nlmsg_len);
      }
    }
    if (!inconsistent) {
      for (const auto& m : messages) on_message(reinterpret_cast<const nlmsghdr*>(m.data()));
      return;
    }
    if (attempt == 20) throw SystemError("netlink dump (the host kept changing during 20 attempts)", EINTR);
  }
}

std::vector<LinkInfo> NetlinkSocket::dump_links() {
  std::vector<LinkInfo> links;
  dump(RTM_GETLINK, AF_UNSPEC, [&](const nlmsghdr* nlh) {
    const auto* ifi = static_cast<const ifinfomsg*>(mnl_nlmsg_get_payload(nlh));
    LinkInfo info;
    info.index = ifi->ifi_index;
    info.flags = ifi->ifi_flags;
    mnl_attr_parse(
        nlh, sizeof(*ifi),
        [](const nlattr* attr, void* data) {
          auto& li = *static_cast<LinkInfo*>(data);
          switch (mnl_attr_get_type(attr)) {
            case IFLA_IFNAME:
              li.name = mnl_attr_get_str(attr);
              break;
            case IFLA_IFALIAS:
              li.alias = mnl_attr_get_str(attr);
              break;
            case IFLA_GROUP:
              li.group = mnl_attr_get_u32(attr);
              break;
            case IFLA_MASTER:
              li.master = static_cast<int>(mnl_attr_get_u32(attr));
              break;
            case IFLA_MTU:
              li.mtu = static_cast<int>(mnl_attr_get_u32(attr));
              break;
            case IFLA_ADDRESS: {
              const auto* b = static_cast<const uint8_t*>(mnl_attr_get_payload(attr));
              char text[32] = {};
              if (mnl_attr_get_payload_len(attr) == 6)
                std::snprintf(text, sizeof text, "%02x:%02x:%02x:%02x:%02x:%02x", b[0], b[1], b[2], b[3], b[4], b[5]);
              li.mac = text;
              break;
            }
            case IFLA_LINKINFO:
              mnl_attr_parse_nested(
                  attr,
                  [](const nlattr* a, void* d) {
                    if (mnl_attr_get_type(a) == IFLA_INFO_KIND) static_cast<LinkInfo*>(d)->kind = mnl_attr_get_str(a);
                    return MNL_CB_OK;
                  },
                  data);
              break;
          }
          return MNL_CB_OK;
        },
        &info);
    links.push_back(std::move(info));
  });
  return links;
}

std::vector<AddressInfo> NetlinkSocket::dump_addresses() {
  std::vector<AddressInfo> out;
  dump(RTM_GETADDR, AF_UNSPEC, [&](const nlmsghdr* nlh) {
    const auto* ifa = static_cast<const ifaddrmsg*>(mnl_nlmsg_get_payload(nlh));
    AddressInfo info;
    info.index = static_cast<int>(ifa->ifa_index);
    info.prefix.len = ifa->ifa_prefixlen;
    info.prefix.addr.family = ifa->ifa_family == AF_INET ? 4 : 6;
    struct Ctx {
      AddressInfo* info;
      bool has_local = false;
    } ctx{&info};
    mnl_attr_parse(
        nlh, sizeof(*ifa),
        [](const nlattr* attr, void* data) {
          auto& c = *static_cast<Ctx*>(data);
          auto type = mnl_attr_get_type(attr);
          if (type == IFA_LOCAL || (type == IFA_ADDRESS && !c.has_local)) {
            std::memcpy(c.info->prefix.addr.bytes.data(), mnl_attr_get_payload(attr),
                        std::min<size_t>(16, mnl_attr_get_payload_len(attr)));
            if (type == IFA_LOCAL) c.has_local = true;
          }
          return MNL_CB_OK;
        },
        &ctx);
    out.push_back(info);
  });
  return out;
}

std::optional<LinkInfo> NetlinkSocket::find_link(const std::string& name) {
  for (auto& link : dump_links())
    if (link.name == name) return link;
  return std::nullopt;
}

}  // namespace netrig
