#include "api/worker_pool.h"

#include <algorithm>

namespace netrig::api {

WorkerPool::WorkerPool(size_t min, size_t max, std::chrono::milliseconds idle_exit)
    : min_(std::max<size_t>(min, 1)), max_(std::max(max, std::max<size_t>(min, 1))), idle_exit_(idle_exit) {
  std::lock_guard<std::mutex> lock(mutex_);
  for (size_t i = 0; i < min_; ++i) start_worker();
}

WorkerPool::~WorkerPool() { shutdown(); }

void WorkerPool::start_worker() {
  workers_.emplace_back();
  auto self = std::prev(workers_.end());
  *self = std::thread([this, self] { work(self); });
  peak_ = std::max(peak_, workers_.size());
}

void WorkerPool::reap() {
  for (auto it : ended_) {
    if (it->joinable()) it->join();
    workers_.erase(it);
  }
  ended_.clear();
}

void WorkerPool::enqueue(std::function<void()> fn) {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (shutdown_) return;
    reap();
    queue_.push_back(std::move(fn));
    // Queued tasks each take an idle worker; more tasks than idle workers: start one per task.
    if (queue_.size() > idle_ && workers_.size() - ended_.size() < max_) start_worker();
  }
  cv_.notify_one();
}

void WorkerPool::work(std::list<std::thread>::iterator self) {
  std::unique_lock<std::mutex> lock(mutex_);
  for (;;) {
    ++idle_;
    const bool waited = cv_.wait_for(lock, idle_exit_, [this] { return shutdown_ || !queue_.empty(); });
    --idle_;
    if (queue_.empty()) {
      if (shutdown_) return;
      // Idle too long and more workers than the minimum: this one ends (enqueue joins it).
      if (!waited && workers_.size() - ended_.size() > min_) {
        ended_.push_back(self);
        return;
      }
      continue;
    }
    auto fn = std::move(queue_.front());
    queue_.pop_front();
    lock.unlock();
    fn();
    lock.lock();
  }
}

void WorkerPool::shutdown() {
  std::list<std::thread> all;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (shutdown_ && workers_.empty()) return;
    shutdown_ = true;
  }
  cv_.notify_all();
  {
    std::lock_guard<std::mutex> lock(mutex_);
    all.swap(workers_);
    ended_.clear();
  }
  for (auto& t : all)
    if (t.joinable()) t.join();
}

WorkerPool::Stats WorkerPool::stats() {
  std::lock_guard<std::mutex> lock(mutex_);
  return {workers_.size() - ended_.size(), idle_, queue_.size(), peak_};
}

}  // namespace netrig::api
