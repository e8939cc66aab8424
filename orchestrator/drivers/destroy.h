// Undoes a lab from its journal: what `netrig destroy` and a failed deploy's rollback run.
#pragma once

#include <string>
#include <vector>

namespace netrig {

struct DestroyReport {
  int namespaces = 0;
  int processes = 0;
  int ovs_bridges = 0;   // bridges removed from the system's OVS (settings.ovs)
  int host_devices = 0;  // devices removed from the host's namespace (settings.ovs)
  // Journaled namespaces that exist but do not carry the lab's mark (their loopback's alias): a
  // name another lab or the user holds (a deploy that failed creating it journaled it first).
  // Left alone: neither their processes nor the namespace are touched.
  std::vector<std::string> foreign_namespaces;
  // What could not be removed (a system OVS that does not answer): the lab's state is kept so a
  // later destroy can finish; empty when the lab is gone.
  std::string incomplete;
};

// Kills the processes inside the lab's journaled namespaces, removes the lab's bridges from a
// system OVS (settings.ovs), deletes those namespaces (newest first; with them every device of the
// lab inside them), then the lab's devices left in the host's namespace (journaled and carrying
// the lab's alias or interface group), then the state directory. Safe to run after a crash, twice,
// or on a lab half made.
DestroyReport destroy_lab(const std::string& lab);

// The ownership mark a namespace carries (its loopback's alias: ownership_mark(lab) for one a lab
// made); "" when it has none. The namespace must exist.
std::string netns_mark(const std::string& netns);

}  // namespace netrig
