#include "checks/mtu_search.h"

#include <gtest/gtest.h>

namespace netrig {
namespace {

// A path that carries packets up to `mtu`; with `hints`, a too-big probe names the MTU as an ICMP
// "fragmentation needed" would.
std::function<MtuProbe(int)> path(int mtu, bool hints, std::vector<int>* tried = nullptr) {
  return [=](int size) {
    if (tried) tried->push_back(size);
    MtuProbe p;
    p.crossed = size <= mtu;
    if (!p.crossed && hints) p.hint = mtu;
    return p;
  };
}

TEST(MtuSearch, TheCeilingCrossingEndsAtOnce) {
  auto s = search_path_mtu(68, 1500, path(1500, false));
  EXPECT_EQ(s.path_mtu, 1500);
  EXPECT_EQ(s.smallest_failed, 0);
  EXPECT_EQ(s.probes, 1);
}

TEST(MtuSearch, BisectsToTheExactSize) {
  for (int mtu : {68, 69, 576, 1280, 1450, 1458, 1499}) {
    auto s = search_path_mtu(68, 1500, path(mtu, false));
    EXPECT_EQ(s.path_mtu, mtu);
    EXPECT_EQ(s.smallest_failed, mtu + 1);
    EXPECT_LE(s.probes, 13) << mtu;  // ceiling, floor, then log2(1432) bisections
  }
}

TEST(MtuSearch, AHintIsTriedFirst) {
  std::vector<int> tried;
  auto s = search_path_mtu(68, 1500, path(1450, true, &tried));
  EXPECT_EQ(s.path_mtu, 1450);
  EXPECT_EQ(s.smallest_failed, 1451);
  ASSERT_GE(tried.size(), 3u);
  EXPECT_EQ(tried[2], 1450);
  EXPECT_LE(s.probes, 14);
}

TEST(MtuSearch, AWrongHintDoesNotMisleadIt) {
  // The hint says 1000 (a stale route cache), the path carries 1400.
  auto probe = [](int size) {
    MtuProbe p;
    p.crossed = size <= 1400;
    if (!p.crossed) p.hint = 1000;
    return p;
  };
  EXPECT_EQ(search_path_mtu(68, 1500, probe).path_mtu, 1400);
}

TEST(MtuSearch, NothingCrossingIsZero) {
  auto s = search_path_mtu(68, 1500, path(0, false));
  EXPECT_EQ(s.path_mtu, 0);
  EXPECT_EQ(s.smallest_failed, 68);
  EXPECT_EQ(s.probes, 2);
}

}  // namespace
}  // namespace netrig
