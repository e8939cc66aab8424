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

}  // namespace netrig
