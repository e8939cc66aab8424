// A netns node's interfaces: names (and their kernel names), addresses, MAC, MTU.
#include <regex>

#include "model/names.h"
#include "model/parse_internal.h"

namespace netrig {
namespace {

const std::vector<std::string> kInterfaceKeys = {"ipv4", "ipv6", "mac", "mtu", "dhcp", "security_groups", "qos"};

std::string example(int family) { return family == 6 ? "fd00::1/64" : "10.0.0.1/24"; }

// Why an address cannot go on an interface ("" when it can).
std::string address_problem(const IpPrefix& p) {
  const auto& a = p.addr;
  if (a.is_unspecified()) return "is the unspecified address";
  if (a.is_loopback()) return "is a loopback address; every node already has one on 'lo'";
  if (a.is_multicast()) return "is a multicast address; an interface needs a unicast address";
  if (a.family == 4 && p.len < 31) {
    auto net = p.network();
    if (net.addr == a) return "is the network address of " + net.str();
    bool broadcast = true;
    int bits = p.len;
    for (int i = 0; i < 4; ++i, bits -= 8) {
      uint8_t host = bits >= 8 ? 0 : bits <= 0 ? 0xff : static_cast<uint8_t>(0xff >> bits);
      broadcast &= (a.bytes[i] & host) == host;
    }
    if (broadcast) return "is the broadcast address of " + net.str();
  }
  return "";
}

void add_address(Reader& r, InterfaceSpec& iface, const std::string& text, const Entry& at, int family) {
  const auto slash = text.find('/');
  const auto addr_text = text.substr(0, slash);
  const auto addr = IpAddr::parse(addr_text);
  if (!addr) {
    int guess = family ? family : addr_text.find(':') != std::string::npos ? 6 : 4;
    r.error(
        at,
        "'" + text + "' is not a valid address: '" + addr_text + "' is not an IPv" + std::to_string(guess) + " address",
        "write it as " + example(guess));
    return;
  }
  if (family && addr->family != family) {
    auto other = std::to_string(addr->family);
    r.error(at, "'" + text + "' is an IPv" + other + " address, listed under 'ipv" + std::to_string(family) + "'",
            "move it under 'ipv" + other + "'");
    return;
  }
  if (slash == std::string::npos) {
    r.error(at, "address '" + text + "' has no prefix length",
            "add the network's prefix length, e.g. " + text + (addr->family == 4 ? "/24" : "/64"));
    return;
  }
  const auto prefix = IpPrefix::parse(text);
  if (!prefix) {
    r.error(at, "prefix length '" + text.substr(slash) + "' of '" + text + "' is not valid",
            addr->family == 4 ? "IPv4 prefix lengths go from /0 to /32" : "IPv6 prefix lengths go from /0 to /128");
    return;
  }
  if (auto why = address_problem(*prefix); !why.empty()) {
    r.error(at, "'" + text + "' " + why, "give the interface a host address such as " + example(addr->family));
    return;
  }
  iface.addresses.push_back(*prefix);
  iface.address_pos.push_back(Reader::pos(at));
}

void parse_mac(Reader& r, InterfaceSpec& iface, const Entry& mac) {
  static const std::regex pattern("[0-9a-fA-F]{2}(:[0-9a-fA-F]{2}){5}");
  auto s = r.string(mac, "'mac'");
  if (!s) return;
  if (!std::regex_match(*s, pattern))
    r.error(mac, "'" + *s + "' is not a MAC address", "write six hex pairs separated by ':', e.g. 02:00:00:00:00:01");
  else if (std::stoi(s->substr(0, 2), nullptr, 16) & 1)
    r.error(mac, "'" + *s + "' is a multicast MAC address",
            "the first byte must be even; 02:xx:xx:xx:xx:xx is a safe locally administered prefix");
  else if (*s == "00:00:00:00:00:00")
    r.error(mac, "'" + *s + "' is the all-zero MAC address, which the kernel refuses",
            "use a locally administered address such as 02:00:00:00:00:01");
  else
    iface.mac = *s;
}

InterfaceSpec parse_interface(Reader& r, const std::string& node, const Entry& item) {
  InterfaceSpec iface;
  iface.name = item.name();
  iface.kernel_name = short_kernel_name(iface.name);
  iface.pos = Reader::pos(item.key);
  const auto& body = item.value;
  if (body.IsNull()) return iface;
  if (body.IsScalar()) {  // shorthand: eth0: 10.0.0.1/24
    add_address(r, iface, body.Scalar(), item, 0);
    return iface;
  }
  const std::string where = "interface '" + node + ":" + iface.name + "'";
  if (!r.is_map(item, where)) return iface;
  r.check_keys(item, kInterfaceKeys, where);
  for (int family : {4, 6}) {
    const auto key = "ipv" + std::to_string(family);
    if (const auto v = Reader::get(body, key))
      for (auto& [text, at] : r.strings(v, "'" + key + "'")) add_address(r, iface, text, at, family);
  }
  if (const auto dhcp = Reader::get(body, "dhcp")) {
    if (auto b = r.boolean(dhcp, "'dhcp'"); b && *b) {
      bool has_v4 = false;
      for (const auto& a : iface.addresses) has_v4 |= a.addr.family == 4;
      if (has_v4)
        r.error(dhcp, where + " has 'dhcp: true' and a static IPv4 address",
                "keep one: remove 'ipv4' to take an address from the bridge's DHCP server, or remove 'dhcp'");
      else
        iface.dhcp = true;
    }
  }
  if (const auto mac = Reader::get(body, "mac")) parse_mac(r, iface, mac);
  if (const auto groups = Reader::get(body, "security_groups"))
    parse_membership(r, groups, iface.security_groups, iface.security_group_pos);
  if (const auto qos = Reader::get(body, "qos")) parse_interface_qos(r, qos, iface, where);
  if (const auto mtu = Reader::get(body, "mtu")) {
    if (auto v = r.integer(mtu, "'mtu'", 68, 65535)) {
      bool has_v6 = false;
      for (const auto& a : iface.addresses) has_v6 |= a.addr.family == 6;
      if (has_v6 && *v < 1280)
        r.error(mtu, "mtu " + std::to_string(*v) + " of " + where + " is too small for its IPv6 address",
                "IPv6 needs an MTU of at least 1280");
      else
        iface.mtu = static_cast<int>(*v);
    }
  }
  return iface;
}

}  // namespace

void parse_interfaces(Reader& r, ParseState& st, const Entry& interfaces, NodeSpec& node) {
  if (!interfaces) return;
  if (!r.is_map(interfaces, "'interfaces' of node '" + node.name + "'", true)) {
    st.broken.insert(node.name);  // its links and tests would only repeat the mistake
    return;
  }
  std::map<std::string, SourcePos> seen;
  std::map<std::string, std::string> kernel_names;  // kernel name -> interface that has it
  for (const auto& item : r.entries(interfaces, "'interfaces'")) {
    const auto name = item.name();
    const auto label = node.name + ":" + name;
    if (auto [it, fresh] = seen.emplace(name, Reader::pos(item.key)); !fresh) {
      r.error(Entry(item.key), "duplicate interface '" + name + "' on node '" + node.name + "'",
              first_at(name, it->second) + "; remove one or rename it");
      continue;
    }
    if (auto why = ifname_problem(name); !why.empty()) {
      r.error(Entry(item.key), "interface name '" + name + "' on node '" + node.name + "' is not valid: " + why,
              name == "lo" ? "name it eth0, eth1, ..." : "use letters, digits, '-', '_' or '.'");
      st.broken.insert(label);
      continue;
    }
    auto iface = parse_interface(r, node.name, item);
    if (auto [it, fresh] = kernel_names.emplace(iface.kernel_name, name); !fresh) {
      r.error(Entry(item.key),
              "interface '" + name + "' on node '" + node.name + "' would get the kernel name '" + iface.kernel_name +
                  "', which interface '" + it->second + "' already has",
              "rename one of them; names over 15 characters become their first 6 characters, '-' and 8 hex digits "
              "of a hash of the whole name");
      st.broken.insert(label);
      continue;
    }
    node.interfaces.push_back(std::move(iface));
  }
}

}  // namespace netrig
