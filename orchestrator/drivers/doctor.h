// What this host can run: kernel features probed for real in a scratch namespace, and tools.
#pragma once

#include <string>
#include <vector>

namespace netrig {

struct Capability {
  std::string feature;
  bool available = false;
  std::string detail;  // the path netrig takes, or why it cannot
};

// Needs root for the kernel probes; without it they are reported as not probed.
std::vector<Capability> probe_host();

}  // namespace netrig
