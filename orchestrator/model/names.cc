#include "model/names.h"

#include <cstdio>

namespace netrig {

uint32_t fnv1a32(const std::string& text) {
  uint32_t hash = 2166136261u;
  for (unsigned char c : text) {
    hash ^= c;
    hash *= 16777619u;
  }
  return hash;
}

std::string short_kernel_name(const std::string& name) {
  if (name.size() <= kMaxIfName) return name;
  char hex[9];
  std::snprintf(hex, sizeof hex, "%08x", fnv1a32(name));
  return name.substr(0, 6) + "-" + hex;
}

std::string tunnel_port_name(const std::string& type, const std::string& peer_host) {
  const char* prefix = type == "gre" ? "gre-" : type == "geneve" ? "gnv-" : "vx-";
  return short_kernel_name(prefix + peer_host);
}

bool is_valid_ifname_chars(const std::string& name) {
  if (name.empty() || name == "." || name == "..") return false;
  for (unsigned char c : name)
    if (c == '/' || c == ':' || c <= ' ' || c >= 0x7f) return false;
  return true;
}

std::string ifname_problem(const std::string& name) {
  if (name.empty()) return "it is empty";
  if (name == "." || name == "..") return "'" + name + "' is not allowed";
  if (name == "lo") return "every namespace already has its loopback device 'lo'";
  for (unsigned char c : name) {
    if (c == '/' || c == ':') return std::string("'") + static_cast<char>(c) + "' is not allowed";
    if (c == ' ') return "spaces are not allowed";
    if (c < ' ' || c >= 0x7f) return "only printable ASCII characters are allowed";
  }
  if (name.size() > kMaxUserIfName)
    return "it has " + std::to_string(name.size()) + " characters, at most " + std::to_string(kMaxUserIfName) +
           " are allowed";
  return "";
}

std::string netns_name(const std::string& lab, const std::string& node) {
  std::string name = lab + "-";
  for (char c : node) name += c == '-' ? '+' : c;
  return name;
}

std::string host_netns_name(const std::string& lab, const std::string& host) { return netns_name(lab, host); }

std::string ovs_dir_name(const std::string& host) { return host == kLocalHost ? "ovs" : "ovs-" + host; }

std::string ownership_mark(const std::string& lab) { return "netrig:" + lab; }

uint32_t ownership_group(const std::string& lab) { return (fnv1a32("netrig-group:" + lab) & 0x7fffffffu) | 0x100u; }

// As namespaces: '-' in the node name written '+', so lab x/node y-z and lab x-y/node z differ.
std::string vm_domain_name(const std::string& lab, const std::string& node) {
  return "netrig-" + netns_name(lab, node);
}

}  // namespace netrig
