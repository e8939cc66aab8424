// `netrig graph -f svg|png`: the DOT graph rendered by Graphviz's `dot` (Debian: graphviz).
#pragma once

#include <stdexcept>
#include <string>

namespace netrig {

// Graphviz is not installed, or `dot` refused the graph; what() says which and what to do.
struct RenderError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// Runs `dot -T<format>` (svg or png) on the DOT text and returns what it writes. Throws RenderError.
std::string render_dot(const std::string& dot, const std::string& format);

}  // namespace netrig
