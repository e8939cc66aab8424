#include "checks/mtu_search.h"

namespace netrig {

MtuSearch search_path_mtu(int floor, int ceiling, const std::function<MtuProbe(int size)>& probe) {
  MtuSearch s;
  std::optional<int> hint;
  const auto run = [&](int size) {
    ++s.probes;
    auto p = probe(size);
    if (!p.crossed && p.hint && *p.hint < size) hint = p.hint;
    return p.crossed;
  };
  if (run(ceiling)) {
    s.path_mtu = ceiling;
    return s;
  }
  int failed = ceiling;
  if (floor >= ceiling || !run(floor)) {
    s.smallest_failed = floor < ceiling ? floor : ceiling;
    return s;
  }
  int crossed = floor;
  while (failed - crossed > 1) {
    int size = crossed + (failed - crossed) / 2;
    if (hint && *hint > crossed && *hint < failed) size = *hint;
    hint.reset();
    (run(size) ? crossed : failed) = size;
  }
  s.path_mtu = crossed;
  s.smallest_failed = failed;
  return s;
}

}  // namespace netrig
