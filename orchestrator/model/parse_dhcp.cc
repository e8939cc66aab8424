// A bridge's `dhcp:` server (range, prefix or subnet, gateway, server, lease) and the lab-wide DHCP
// rules: a `dhcp: true` interface sits on a network that has a server; static addresses stay out of
// the range. IPv4 only, as dnsmasq's leases in the lectures.
#include <regex>

#include "model/parse_internal.h"

namespace netrig {
namespace {

const std::vector<std::string> kDhcpKeys = {"range", "prefix", "subnet", "gateway", "server", "lease"};

uint32_t v4(const IpAddr& a) {
  return (uint32_t(a.bytes[0]) << 24) | (uint32_t(a.bytes[1]) << 16) | (uint32_t(a.bytes[2]) << 8) | a.bytes[3];
}

IpAddr from_v4(uint32_t x) {
  IpAddr a;
  a.family = 4;
  for (int i = 0; i < 4; ++i) a.bytes[i] = static_cast<uint8_t>(x >> (24 - 8 * i));
  return a;
}

std::optional<IpAddr> ipv4(Reader& r, const Entry& e, const std::string& what, const std::string& example) {
  auto s = r.string(e, what);
  if (!s) return std::nullopt;
  auto a = IpAddr::parse(*s);
  if (!a || a->family != 4) {
    r.error(e, "'" + *s + "' is not an IPv4 address (" + what + ")", "write it as " + example);
    return std::nullopt;
  }
  return a;
}

}  // namespace

bool dhcp_in_range(const DhcpServerSpec& d, const IpAddr& a) {
  return a.family == 4 && v4(a) >= v4(d.first) && v4(a) <= v4(d.last);
}

void parse_dhcp_server(Reader& r, NodeSpec& node, const Entry& dhcp) {
  const std::string where = "'dhcp' of bridge '" + node.name + "'";
  if (!r.is_map(dhcp, where)) return;
  r.check_keys(dhcp, kDhcpKeys, where);
  DhcpServerSpec d;
  d.pos = Reader::pos(dhcp.key);
  const auto range = Reader::get(dhcp.value, "range");
  if (!range) {
    r.error(Entry(dhcp.key), where + " has no 'range'",
            "add the addresses it hands out, e.g. 'range: 10.0.0.100-10.0.0.150'");
    return;
  }
  auto text = r.string(range, "'range'");
  if (!text) return;
  static const std::regex pattern("\\s*([^\\s-]+)\\s*-\\s*([^\\s-]+)\\s*");
  std::smatch m;
  std::optional<IpAddr> first, last;
  if (std::regex_match(*text, m, pattern)) first = IpAddr::parse(m[1]), last = IpAddr::parse(m[2]);
  if (!first || !last || first->family != 4 || last->family != 4) {
    r.error(range, "'" + *text + "' is not an IPv4 address range",
            "write it as FIRST-LAST, e.g. 10.0.0.100-10.0.0.150");
    return;
  }
  if (v4(*first) > v4(*last)) {
    r.error(range, "range '" + *text + "' ends before it starts", "write the lower address first");
    return;
  }
  d.first = *first;
  d.last = *last;

  const auto prefix = Reader::get(dhcp.value, "prefix");
  const auto subnet = Reader::get(dhcp.value, "subnet");
  if (prefix && subnet) {
    r.error(Entry(subnet.key), where + " has both 'prefix' and 'subnet'",
            "keep one: 'prefix: 24' or 'subnet: 10.0.0.0/24'");
    return;
  }
  if (subnet) {
    auto s = r.string(subnet, "'subnet'");
    if (!s) return;
    auto p = IpPrefix::parse(*s);
    if (!p || p->addr.family != 4 || p->len > 30) {
      r.error(subnet, "'" + *s + "' is not an IPv4 subnet with room for hosts",
              "write it as 10.0.0.0/24 (at most /30)");
      return;
    }
    d.subnet = p->network();
  } else {
    long long len = 24;
    if (prefix) {
      auto v = r.integer(prefix, "'prefix'", 1, 30);
      if (!v) return;
      len = *v;
    }
    d.subnet = IpPrefix{d.first, static_cast<int>(len)}.network();
  }
  const auto net = v4(d.subnet.addr);
  const auto host_mask = d.subnet.len == 32 ? 0u : (0xffffffffu >> d.subnet.len);
  const auto broadcast = net | host_mask;
  for (const auto* end : {&d.first, &d.last}) {
    if (!d.subnet.contains(*end) || v4(*end) == net || v4(*end) == broadcast) {
      r.error(
          range, "range '" + *text + "' is not inside subnet " + d.subnet.str(),
          "hand out host addresses of " + d.subnet.str() +
              " (not its network or broadcast address), or set 'prefix'/'subnet' to the network the range belongs to");
      return;
    }
  }
  if (const auto s = Reader::get(dhcp.value, "server")) {
    auto a = ipv4(r, s, "'server'", from_v4(net + 1).str());
    if (!a) return;
    if (!d.subnet.contains(*a) || v4(*a) == net || v4(*a) == broadcast) {
      r.error(s, "server address " + a->str() + " is not a host address of " + d.subnet.str(),
              "pick an address of " + d.subnet.str() + " outside the range");
      return;
    }
    d.server = *a;
  } else {
    d.server = from_v4(net + 1);  // the first usable address, or the next one when that is the gateway
    if (const auto g = Reader::get(dhcp.value, "gateway");
        g && g.value.IsScalar() && g.value.Scalar() == d.server.str())
      d.server = from_v4(net + 2);
  }
  if (dhcp_in_range(d, d.server)) {
    const auto at = Reader::get(dhcp.value, "server");
    r.error(at ? at : range, "the DHCP server's address " + d.server.str() + " is inside the range " + *text,
            "start the range later, or give the server another address with 'server: ADDR'");
    return;
  }
  if (const auto g = Reader::get(dhcp.value, "gateway")) {
    auto a = ipv4(r, g, "'gateway'", from_v4(net + 1).str());
    if (!a) return;
    if (!d.subnet.contains(*a)) {
      r.error(g, "gateway " + a->str() + " is not in subnet " + d.subnet.str(),
              "the clients reach their gateway on this network; give an address of " + d.subnet.str());
      return;
    }
    if (dhcp_in_range(d, *a) || *a == d.server) {
      r.error(g,
              "gateway " + a->str() +
                  (*a == d.server ? " is the DHCP server's own address" : " is inside the range " + *text),
              "the gateway is a router's static address on this network");
      return;
    }
    d.gateway = *a;
  }
  if (const auto l = Reader::get(dhcp.value, "lease")) {
    auto s = r.string(l, "'lease'");
    if (!s) return;
    static const std::regex lease("[0-9]+[smhd]?|infinite");
    if (!std::regex_match(*s, lease)) {
      r.error(l, "'" + *s + "' is not a lease time",
              "write seconds, or a number with m, h or d (e.g. 12h), or 'infinite'");
      return;
    }
    d.lease = *s;
  }
  node.dhcp = d;
}

}  // namespace netrig
