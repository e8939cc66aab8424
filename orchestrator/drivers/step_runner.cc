#include "drivers/step_runner.h"

#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <cstdio>
#include <deque>
#include <exception>
#include <mutex>
#include <thread>

namespace netrig {

namespace {

class StepRunner {
 public:
  StepRunner(const std::vector<Step>& steps, const std::function<void(const Step&)>& apply, const StepRunHooks& hooks)
      : steps_(steps), apply_(apply), hooks_(hooks), remaining_deps_(steps.size()), dependents_(steps.size()) {
    for (const auto& step : steps_) {
      remaining_deps_[step.id] = static_cast<int>(step.after.size());
      for (int dep : step.after) dependents_[dep].push_back(step.id);
      if (step.after.empty()) ready_.push_back(step.id);
    }
  }

  StepRunResult run(int workers) {
    workers = std::max(1, std::min<int>(workers, static_cast<int>(steps_.size())));
    std::vector<std::thread> threads;
    for (int i = 0; i < workers; ++i) threads.emplace_back([this] { work(); });
    for (auto& t : threads) t.join();
    return result_;
  }

 private:
  void work() {
    for (;;) {
      int id;
      {
        std::unique_lock lock(mutex_);
        // Wait for work; stop on failure, or when nothing is ready and nothing runs (all done).
        cv_.wait(lock, [&] { return !result_.ok || !ready_.empty() || running_ == 0; });
        if (!result_.ok || ready_.empty()) return;
        if (hooks_.stall_after >= 0 && static_cast<long>(result_.done) >= hooks_.stall_after) {
          lock.unlock();
          if (!stalled_.exchange(true)) std::fprintf(stderr, "netrig: test stall after %zu steps\n", result_.done);
          for (;;) pause();
        }
        if (hooks_.interrupted && hooks_.interrupted()) {
          fail(ready_.front(), "interrupted");
          return;
        }
        id = ready_.front();
        ready_.pop_front();
        ++running_;
      }
      const auto& step = steps_[id];
      notify(step, StepEvent::Started, "");
      std::string error;
      try {
        apply_(step);
      } catch (const std::exception& e) {
        error = e.what();
        if (error.empty()) error = "failed";
      }
      {
        std::lock_guard lock(mutex_);
        --running_;
        if (!error.empty()) {
          if (result_.ok) fail(id, error);
        } else {
          ++result_.done;
          for (int next : dependents_[id])
            if (--remaining_deps_[next] == 0) ready_.push_back(next);
        }
      }
      cv_.notify_all();
      notify(step, error.empty() ? StepEvent::Done : StepEvent::Failed, error);
    }
  }

  // With mutex_ held.
  void fail(int id, const std::string& error) {
    result_.ok = false;
    result_.failed_step = id;
    result_.error = error;
    cv_.notify_all();
  }

  void notify(const Step& step, StepEvent event, const std::string& error) {
    if (!hooks_.on_step) return;
    std::lock_guard lock(notify_mutex_);
    hooks_.on_step(step, event, error);
  }

  const std::vector<Step>& steps_;
  const std::function<void(const Step&)>& apply_;
  const StepRunHooks& hooks_;
  std::mutex mutex_;
  std::condition_variable cv_;
  std::deque<int> ready_;
  std::vector<int> remaining_deps_;
  std::vector<std::vector<int>> dependents_;
  size_t running_ = 0;
  StepRunResult result_;
  std::atomic<bool> stalled_{false};
  std::mutex notify_mutex_;
};

}  // namespace

StepRunResult run_steps(const std::vector<Step>& steps, int workers, const std::function<void(const Step&)>& apply,
                        const StepRunHooks& hooks) {
  if (steps.empty()) return {};
  return StepRunner(steps, apply, hooks).run(workers);
}

}  // namespace netrig
