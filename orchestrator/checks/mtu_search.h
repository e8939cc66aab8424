// Finding a path MTU by probing: the largest packet size in [floor, ceiling] that a probe carries
// unfragmented. Pure (the probe is a callback), so the search is tested without a network.
#pragma once

#include <functional>
#include <optional>

namespace netrig {

struct MtuProbe {
  bool crossed = false;     // a reply came back
  std::optional<int> hint;  // the MTU an error named ("message too long, mtu=1450", ICMP frag needed)
};

struct MtuSearch {
  int path_mtu = 0;         // largest size that crossed; 0 = not even `floor` did
  int smallest_failed = 0;  // smallest size that did not (0 = none failed: path_mtu is the ceiling)
  int probes = 0;
};

// Probes the ceiling first (most paths carry the interface's MTU), then the floor, then bisects,
// trying a size an error hinted at before the midpoint. Assumes a size crosses iff it is <= the
// path MTU; a probe that loses every packet to chance reads as "too big".
MtuSearch search_path_mtu(int floor, int ceiling, const std::function<MtuProbe(int size)>& probe);

}  // namespace netrig
