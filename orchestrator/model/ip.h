// IPv4/IPv6 addresses and prefixes, parsed with inet_pton.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>

namespace netrig {

struct IpAddr {
  int family = 0;  // 4 or 6
  std::array<uint8_t, 16> bytes{};

  static std::optional<IpAddr> parse(const std::string& text);
  std::string str() const;
  int byte_len() const { return family == 4 ? 4 : 16; }
  bool is_unspecified() const;  // 0.0.0.0, ::
  bool is_loopback() const;     // 127.0.0.0/8, ::1
  bool is_multicast() const;    // 224.0.0.0/4, ff00::/8
  bool is_link_local() const;   // 169.254.0.0/16, fe80::/10
  bool operator==(const IpAddr&) const = default;
};

struct IpPrefix {
  IpAddr addr;
  int len = 0;

  // "10.0.0.1/24", "fd00::1/64". With require_len false, a bare address gets /32 or /128.
  static std::optional<IpPrefix> parse(const std::string& text, bool require_len = true);
  std::string str() const;
  // Whether `other` falls into this prefix's network.
  bool contains(const IpAddr& other) const;
  // The network itself: the address with the host bits cleared (10.1.2.3/16 -> 10.1.0.0/16).
  IpPrefix network() const;
  bool operator==(const IpPrefix&) const = default;
};

}  // namespace netrig
