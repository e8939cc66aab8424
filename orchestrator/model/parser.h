// Topology file -> resolved, validated Topology. Pure: reads text, touches nothing on the host.
#pragma once

#include <string>

#include "model/diagnostic.h"
#include "model/topology.h"

namespace netrig {

struct ParseOptions {
  std::string lab_name;  // overrides the file's `name:` (netrig --name)
  // A tests overlay (netrig --tests FILE, model/parse_overlay.cc): `tests:` added to the file's and
  // `images:` stand-ins, so a file that is not netrig's own (containerlab's) stays unchanged.
  std::string tests_file;
  std::string tests_text;
};

// Throws TopologyError listing every problem found, in file order.
Topology parse_topology(const std::string& text, const std::string& file, const ParseOptions& options = {});
Topology load_topology(const std::string& path, const ParseOptions& options = {});

// Lab names become name prefixes: letters, digits, '_', '.', '-'; at most 32 characters.
bool is_valid_lab_name(const std::string& name);

}  // namespace netrig
