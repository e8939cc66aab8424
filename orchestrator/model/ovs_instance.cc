#include "model/ovs_instance.h"

#include <cstdio>

#include "model/names.h"
#include "model/topology.h"

namespace netrig {

std::string ovs_db_problem(const std::string& db) {
  if (db.rfind("unix:", 0) != 0)
    return "only a unix socket of an Open vSwitch on this machine can be used (unix:/path/db.sock); a tcp: or "
           "ssl: database may be another machine's, whose switch ports could not be this machine's devices";
  const auto path = db.substr(5);
  if (path.empty() || path[0] != '/') return "the socket path must be absolute (unix:/var/run/openvswitch/db.sock)";
  if (path.back() == '/') return "'" + path + "' is a directory; name the socket (…/db.sock)";
  return "";
}

std::string ovs_rundir_of(const std::string& db) {
  const auto path = db.rfind("unix:", 0) == 0 ? db.substr(5) : db;
  const auto slash = path.rfind('/');
  return slash == std::string::npos || slash == 0 ? "/" : path.substr(0, slash);
}

bool uses_system_ovs(const Topology& topo) { return !topo.ovs_db.empty(); }

std::string system_ovs_prefix(const Topology& topo) {
  if (topo.ovs_prefix != "auto") return topo.ovs_prefix;
  char tag[6];
  std::snprintf(tag, sizeof tag, "%04x-", fnv1a32("netrig-ovs:" + topo.name) >> 16);
  return tag;
}

std::string system_ovs_name(const std::string& prefix, const std::string& name) {
  if (prefix.empty()) return short_kernel_name(name);
  if (prefix.size() + name.size() <= kMaxIfName) return prefix + name;
  char hash[6];
  std::snprintf(hash, sizeof hash, "%05x", fnv1a32(name) & 0xfffff);
  return prefix + name.substr(0, kMaxIfName - prefix.size() - 5) + hash;
}

std::string ovs_prefix_problem(const std::string& prefix) {
  if (prefix == "auto") return "";
  if (prefix.empty()) return "it is empty (leave ovs_prefix out for the file's names)";
  if (prefix.size() > 8) return "it has " + std::to_string(prefix.size()) + " characters, at most 8 are allowed";
  if (!is_valid_ifname_chars(prefix)) return "it has a character device names cannot take ('/', ':', spaces)";
  return "";
}

}  // namespace netrig
