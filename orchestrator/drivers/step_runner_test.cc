#include "drivers/step_runner.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <mutex>
#include <stdexcept>
#include <thread>

namespace netrig {
namespace {

// Steps 0..n-1 with the given `after` lists (ids are indices).
std::vector<Step> steps_with(const std::vector<std::vector<int>>& after) {
  std::vector<Step> steps;
  for (size_t i = 0; i < after.size(); ++i) {
    Step s;
    s.id = static_cast<int>(i);
    s.target = "s" + std::to_string(i);
    s.after = after[i];
    steps.push_back(s);
  }
  return steps;
}

// Records the order steps are applied in, and how many applied at once.
struct Recorder {
  std::mutex mutex;
  std::vector<int> order;
  std::atomic<int> now{0};
  std::atomic<int> most{0};
  std::function<void(const Step&)> apply(std::chrono::milliseconds hold = {}, int fail_id = -1) {
    return [this, hold, fail_id](const Step& s) {
      int n = ++now;
      for (int m = most; n > m && !most.compare_exchange_weak(m, n);) {
      }
      std::this_thread::sleep_for(hold);
      {
        std::lock_guard lock(mutex);
        order.push_back(s.id);
      }
      --now;
      if (s.id == fail_id) throw std::runtime_error("step " + s.target + " broke");
    };
  }
  size_t position(int id) { return std::find(order.begin(), order.end(), id) - order.begin(); }
};

TEST(StepRunner, EveryStepRunsOnceAfterEachStepItWaitsFor) {
  // A diamond and a tail: 0 -> {1, 2} -> 3 -> 4, and 5 on its own.
  const auto steps = steps_with({{}, {0}, {0}, {1, 2}, {3}, {}});
  Recorder r;
  const auto result = run_steps(steps, 4, r.apply(std::chrono::milliseconds(2)));
  ASSERT_TRUE(result.ok) << result.error;
  EXPECT_EQ(result.done, 6u);
  ASSERT_EQ(r.order.size(), 6u);
  for (const auto& s : steps)
    for (int dep : s.after) EXPECT_LT(r.position(dep), r.position(s.id)) << s.id << " ran before " << dep;
}

TEST(StepRunner, IndependentStepsOverlapUpToTheWorkerBound) {
  const auto steps = steps_with(std::vector<std::vector<int>>(8));
  Recorder two;
  ASSERT_TRUE(run_steps(steps, 2, two.apply(std::chrono::milliseconds(20))).ok);
  EXPECT_EQ(two.most, 2) << "8 independent steps on 2 workers";
  Recorder one;
  ASSERT_TRUE(run_steps(steps, 1, one.apply(std::chrono::milliseconds(1))).ok);
  EXPECT_EQ(one.most, 1);
  EXPECT_EQ(one.order, (std::vector<int>{0, 1, 2, 3, 4, 5, 6, 7})) << "one worker: the plan's order";
}

TEST(StepRunner, AfterAFailureNothingStartsAndTheFirstFailureIsNamed) {
  // A chain 0 -> 1 -> 2 -> 3: step 1 fails, so 2 and 3 never run.
  const auto steps = steps_with({{}, {0}, {1}, {2}});
  Recorder r;
  const auto result = run_steps(steps, 4, r.apply({}, 1));
  EXPECT_FALSE(result.ok);
  EXPECT_EQ(result.failed_step, 1);
  EXPECT_EQ(result.error, "step s1 broke");
  EXPECT_EQ(result.done, 1u);
  EXPECT_EQ(r.order, (std::vector<int>{0, 1}));
}

TEST(StepRunner, StepsRunningWhenOneFailsFinishButNoneStartsAfter) {
  // 0 fails at once; 1 is running (slow) and finishes; 2..5 wait for 1 and never start.
  const auto steps = steps_with({{}, {}, {1}, {1}, {1}, {1}});
  std::atomic<bool> one_started{false};
  std::vector<int> applied;
  std::mutex m;
  auto apply = [&](const Step& s) {
    {
      std::lock_guard lock(m);
      applied.push_back(s.id);
    }
    if (s.id == 1) {
      one_started = true;
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    if (s.id == 0) {
      while (!one_started) std::this_thread::yield();
      throw std::runtime_error("no");
    }
  };
  const auto result = run_steps(steps, 2, apply);
  EXPECT_FALSE(result.ok);
  EXPECT_EQ(result.failed_step, 0);
  std::sort(applied.begin(), applied.end());
  EXPECT_EQ(applied, (std::vector<int>{0, 1}));
  EXPECT_EQ(result.done, 1u) << "step 1 finished";
}

TEST(StepRunner, AnInterruptEndsTheRunBeforeTheNextStep) {
  const auto steps = steps_with({{}, {0}, {1}});
  Recorder r;
  std::atomic<int> polls{0};
  StepRunHooks hooks;
  hooks.interrupted = [&] { return ++polls > 1; };  // set once the first step has started
  const auto result = run_steps(steps, 2, r.apply(), hooks);
  EXPECT_FALSE(result.ok);
  EXPECT_EQ(result.error, "interrupted");
  EXPECT_EQ(result.failed_step, 1) << "the step that would have started";
  EXPECT_EQ(r.order, (std::vector<int>{0}));
}

TEST(StepRunner, EachStepIsAnnouncedStartedThenDoneOrFailed) {
  const auto steps = steps_with({{}, {0}});
  std::vector<std::string> events;
  StepRunHooks hooks;
  hooks.on_step = [&](const Step& s, StepEvent e, const std::string& error) {
    events.push_back(s.target +
                     (e == StepEvent::Started ? " started"
                      : e == StepEvent::Done  ? " done"
                                              : " failed: ") +
                     error);
  };
  Recorder r;
  run_steps(steps, 2, r.apply({}, 1), hooks);
  EXPECT_EQ(events, (std::vector<std::string>{"s0 started", "s0 done", "s1 started", "s1 failed: step s1 broke"}));
}

TEST(StepRunner, NoStepsIsSuccess) {
  const auto result = run_steps({}, 4, [](const Step&) { throw std::runtime_error("never"); });
  EXPECT_TRUE(result.ok);
  EXPECT_EQ(result.done, 0u);
}

}  // namespace
}  // namespace netrig
