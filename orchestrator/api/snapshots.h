// What GET answers from: every deployed lab's status (reports/lab_status.h, Full, with live
// counters) and latest check run, refreshed by one thread every interval, so a read costs a lookup
// and a copy, not fifty setns calls. A refresh also publishes link state changes as events, and a
// "counters" event per lab with the interfaces whose counters moved since the last refresh.
#pragma once

#include <atomic>
#include <map>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "api/events.h"
#include "drivers/lab_observation.h"
#include "plan/plan.h"

namespace netrig::api {

struct LabSnapshot {
  std::string lab;
  nlohmann::json status;                 // lab_status(..., Full) + "checks" summary
  std::string body;                      // status.dump(), what GET /labs/{lab} sends
  std::optional<nlohmann::json> checks;  // the latest JSON report (state dir)
  std::vector<std::string> groups;       // check groups a POST /checks may name
  // netns -> device -> counters, up and carrier, as observed (what /metrics shows).
  std::map<std::string, std::map<std::string, InterfaceCounters>> counters;
};

class LabSnapshots {
 public:
  LabSnapshots(EventLog& events, double interval_s);
  ~LabSnapshots();
  void start();
  void stop();
  // Refreshes every lab now (also called by the thread).
  void refresh();
  // Refreshes one lab now (a job changed it): rebuilt when deployed, dropped when gone.
  void refresh_lab(const std::string& lab);
  // A lab's snapshot; refreshes that lab first when it is deployed but not yet seen.
  std::shared_ptr<const LabSnapshot> get(const std::string& lab);
  std::vector<std::shared_ptr<const LabSnapshot>> all();

 private:
  std::shared_ptr<const LabSnapshot> build(const std::string& lab);
  const Plan* plan_of(const std::string& lab);

  EventLog& events_;
  double interval_s_;
  std::mutex mutex_;  // snapshots_
  std::map<std::string, std::shared_ptr<const LabSnapshot>> snapshots_;
  uint64_t epoch_ = 0;                            // counts refresh_lab calls
  std::map<std::string, uint64_t> refreshed_at_;  // lab -> epoch of its last refresh_lab
  std::mutex build_mutex_;                        // plans_, link_state_: one builder at a time
  std::map<std::string, std::pair<std::string, std::unique_ptr<Plan>>> plans_;  // lab -> topology text, plan
  std::map<std::string, bool> link_state_;                                      // "lab netns device" -> up and carrier
  std::map<std::string, uint64_t> packets_;  // "lab netns device" -> packets + drops, both ways
  std::atomic<bool> stop_{false};
  std::thread thread_;
};

// The groups of a lab's checks: "all", and each check type when the tests have no actions (then
// any subset runs on its own).
std::vector<std::string> check_groups(const Topology& topology);

}  // namespace netrig::api
