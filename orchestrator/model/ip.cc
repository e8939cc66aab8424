#include "model/ip.h"

#include <arpa/inet.h>

#include <charconv>

namespace netrig {

std::optional<IpAddr> IpAddr::parse(const std::string& text) {
  IpAddr addr;
  if (inet_pton(AF_INET, text.c_str(), addr.bytes.data()) == 1) {
    addr.family = 4;
    return addr;
  }
  if (inet_pton(AF_INET6, text.c_str(), addr.bytes.data()) == 1) {
    addr.family = 6;
    return addr;
  }
  return std::nullopt;
}

std::string IpAddr::str() const {
  char buf[INET6_ADDRSTRLEN] = {};
  inet_ntop(family == 4 ? AF_INET : AF_INET6, bytes.data(), buf, sizeof buf);
  return buf;
}

bool IpAddr::is_unspecified() const {
  for (int i = 0; i < byte_len(); ++i)
    if (bytes[i]) return false;
  return true;
}

bool IpAddr::is_loopback() const {
  if (family == 4) return bytes[0] == 127;
  for (int i = 0; i < 15; ++i)
    if (bytes[i]) return false;
  return bytes[15] == 1;
}

bool IpAddr::is_multicast() const { return family == 4 ? (bytes[0] & 0xf0) == 0xe0 : bytes[0] == 0xff; }

bool IpAddr::is_link_local() const {
  return family == 4 ? bytes[0] == 169 && bytes[1] == 254 : bytes[0] == 0xfe && (bytes[1] & 0xc0) == 0x80;
}

std::optional<IpPrefix> IpPrefix::parse(const std::string& text, bool require_len) {
  auto slash = text.find('/');
  if (slash == std::string::npos && require_len) return std::nullopt;
  auto addr = IpAddr::parse(text.substr(0, slash));
  if (!addr) return std::nullopt;
  IpPrefix prefix{*addr, addr->family == 4 ? 32 : 128};
  if (slash != std::string::npos) {
    const char* first = text.data() + slash + 1;
    const char* last = text.data() + text.size();
    auto [ptr, ec] = std::from_chars(first, last, prefix.len);
    if (ec != std::errc() || ptr != last || first == last) return std::nullopt;
    if (prefix.len < 0 || prefix.len > addr->byte_len() * 8) return std::nullopt;
  }
  return prefix;
}

std::string IpPrefix::str() const { return addr.str() + "/" + std::to_string(len); }

bool IpPrefix::contains(const IpAddr& other) const {
  if (other.family != addr.family) return false;
  int bits = len;
  for (int i = 0; i < addr.byte_len() && bits > 0; ++i, bits -= 8) {
    uint8_t mask = bits >= 8 ? 0xff : static_cast<uint8_t>(0xff << (8 - bits));
    if ((addr.bytes[i] & mask) != (other.bytes[i] & mask)) return false;
  }
  return true;
}

IpPrefix IpPrefix::network() const {
  IpPrefix out = *this;
  int bits = len;
  for (int i = 0; i < addr.byte_len(); ++i, bits -= 8) {
    uint8_t mask = bits >= 8 ? 0xff : bits <= 0 ? 0 : static_cast<uint8_t>(0xff << (8 - bits));
    out.addr.bytes[i] &= mask;
  }
  return out;
}

}  // namespace netrig
