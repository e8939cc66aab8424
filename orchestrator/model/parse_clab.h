// containerlab topology files (`*.clab.yml`) read unchanged: containerlab's keys mapped onto netrig's
// model by parse_clab.cc, with a table of every key (supported, or a warning saying what netrig does
// instead). docs/coming-from-containerlab.md lists the same table. Internal to model/.
#pragma once

#include <yaml-cpp/yaml.h>

#include <string>

#include "model/parse_internal.h"

namespace netrig {

// Whether a file is read as containerlab's: its name ends in .clab.yml / .clab.yaml (containerlab's
// own convention), it has containerlab's top-level `mgmt:` or `prefix:`, or it is written the
// containerlab way (a kind, link `type:` or endpoint only containerlab has) and uses none of
// netrig's own keys (tests, settings, interfaces).
bool is_clab_file(const std::string& file, const YAML::Node& root);

// containerlab's default management network (core/config.go in containerlab).
inline constexpr const char* kClabMgmtIpv4 = "172.20.20.0/24";
inline constexpr const char* kClabMgmtIpv6 = "3fff:172:20:20::/64";
inline constexpr const char* kClabMgmtNetwork = "clab";

// Everything but `name:` and `tests:`: mgmt, topology (defaults, kinds, groups, nodes, links).
void parse_clab(Reader& r, ParseState& st, const Entry& root, Topology& topo);

}  // namespace netrig
