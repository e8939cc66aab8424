// serve's HTTP workers. cpp-httplib gives each connection a worker for as long as it stays open
// (keep-alive, and an event stream for its whole life), and its own ThreadPool has a fixed size:
// with 16 workers, one SSE client and 16 keep-alive clients, one client waited for a worker until
// another went away. This pool keeps `min` workers and starts another whenever a connection
// arrives with none idle (up to `max`); a worker above `min` that stays idle for `idle_exit` ends.
#pragma once

#include <httplib.h>

#include <chrono>
#include <condition_variable>
#include <deque>
#include <functional>
#include <list>
#include <mutex>
#include <thread>

namespace netrig::api {

class WorkerPool : public httplib::TaskQueue {
 public:
  WorkerPool(size_t min, size_t max, std::chrono::milliseconds idle_exit = std::chrono::seconds(30));
  ~WorkerPool() override;
  // Runs fn on an idle worker, or a new one; past `max` workers it waits in the queue.
  void enqueue(std::function<void()> fn) override;
  // Runs what is queued, then joins every worker.
  void shutdown() override;

  struct Stats {
    size_t workers, idle, queued, peak;
  };
  Stats stats();

 private:
  void start_worker();  // mutex_ held
  void work(std::list<std::thread>::iterator self);
  void reap();  // mutex_ held: joins workers that ended

  const size_t min_, max_;
  const std::chrono::milliseconds idle_exit_;
  std::mutex mutex_;
  std::condition_variable cv_;
  std::deque<std::function<void()>> queue_;
  std::list<std::thread> workers_;
  std::vector<std::list<std::thread>::iterator> ended_;
  size_t idle_ = 0, peak_ = 0;
  bool shutdown_ = false;
};

}  // namespace netrig::api
