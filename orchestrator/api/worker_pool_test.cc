#include "api/worker_pool.h"

#include <gtest/gtest.h>

#include <atomic>
#include <future>

namespace netrig::api {
namespace {

using namespace std::chrono_literals;

// Tasks that hold their worker (as an event stream does) do not keep others from running.
TEST(WorkerPool, GrowsPastTasksThatHoldTheirWorker) {
  WorkerPool pool(2, 64, 200ms);
  std::promise<void> release;
  auto released = release.get_future().share();
  std::atomic<int> holding{0};
  for (int i = 0; i < 10; ++i)
    pool.enqueue([&holding, released] {
      ++holding;
      released.wait();
    });
  std::promise<void> ran;
  pool.enqueue([&ran] { ran.set_value(); });
  EXPECT_EQ(ran.get_future().wait_for(2s), std::future_status::ready);
  for (int i = 0; i < 200 && holding < 10; ++i) std::this_thread::sleep_for(10ms);
  EXPECT_EQ(holding, 10);
  EXPECT_GE(pool.stats().workers, 11u);
  release.set_value();
  // Idle past idle_exit, the workers above the minimum end (joined at the next enqueue).
  for (int i = 0; i < 100 && pool.stats().workers > 2; ++i) std::this_thread::sleep_for(20ms);
  std::promise<void> after;
  pool.enqueue([&after] { after.set_value(); });
  EXPECT_EQ(after.get_future().wait_for(2s), std::future_status::ready);
  auto s = pool.stats();
  EXPECT_LE(s.workers, 3u);
  EXPECT_GE(s.peak, 11u);
}

TEST(WorkerPool, StopsGrowingAtMaxAndQueues) {
  WorkerPool pool(1, 3, 10s);
  std::promise<void> release;
  auto released = release.get_future().share();
  for (int i = 0; i < 3; ++i) pool.enqueue([released] { released.wait(); });
  std::atomic<bool> ran{false};
  pool.enqueue([&ran] { ran = true; });
  std::this_thread::sleep_for(100ms);
  EXPECT_FALSE(ran);  // all three workers are held: queued
  EXPECT_EQ(pool.stats().workers, 3u);
  EXPECT_EQ(pool.stats().queued, 1u);
  release.set_value();
  for (int i = 0; i < 100 && !ran; ++i) std::this_thread::sleep_for(10ms);
  EXPECT_TRUE(ran);
}

TEST(WorkerPool, ShutdownRunsWhatIsQueuedAndJoins) {
  std::atomic<int> done{0};
  {
    WorkerPool pool(1, 1, 10s);
    for (int i = 0; i < 20; ++i) pool.enqueue([&done] { ++done; });
    pool.shutdown();
    EXPECT_EQ(done, 20);
    pool.enqueue([&done] { ++done; });  // after shutdown: dropped
  }
  EXPECT_EQ(done, 20);
}

}  // namespace
}  // namespace netrig::api
