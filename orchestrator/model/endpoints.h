// The names of link ends, as runtime actions (`action: {link: ...}`) write them. Pure.
//
// A link end is one side of a link in `links:`:
//   node:iface           the node's end (its interface), exactly as `links:` writes it;
//   bridge:node:iface    the bridge's end of the link to node:iface (the bridge port);
//   bridge:other         the bridge's end of a link to another bridge.
// plan/endpoints.h maps a name to the kernel device and namespace that carries it.
#pragma once

#include <string>
#include <vector>

#include "model/topology.h"

namespace netrig {

struct LinkEndName {
  std::string name;  // as above
  size_t link = 0;   // index into Topology::links
  bool a = true;     // the link's `a` endpoint (the first in `endpoints:`), else `b`
};

// Every link end of the topology, in link order (a before b).
std::vector<LinkEndName> link_end_names(const Topology& topology);

// The end called `name`, or nullptr.
const LinkEndName* find_link_end(const std::vector<LinkEndName>& ends, const std::string& name);

}  // namespace netrig
