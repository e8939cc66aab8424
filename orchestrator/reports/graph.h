// The topology as a diagram: Mermaid (renders in GitHub/GitLab markdown) or Graphviz DOT.
#pragma once

#include <string>

#include "model/topology.h"

namespace netrig {

std::string mermaid_graph(const Topology& topology);
std::string dot_graph(const Topology& topology);

}  // namespace netrig
