#include "api/snapshots.h"

#include <chrono>
#include <set>

#include "drivers/lab_observation.h"
#include "drivers/lab_state.h"
#include "model/parser.h"
#include "reports/lab_checks.h"
#include "reports/lab_status.h"

namespace netrig::api {

using nlohmann::json;

std::vector<std::string> check_groups(const Topology& topology) {
  std::vector<std::string> groups{"all"};
  if (!topology.actions.empty()) return groups;
  std::set<std::string> types;
  for (const auto& c : topology.checks) types.insert(to_string(c.type));
  groups.insert(groups.end(), types.begin(), types.end());
  return groups;
}

LabSnapshots::LabSnapshots(EventLog& events, double interval_s) : events_(events), interval_s_(interval_s) {}

LabSnapshots::~LabSnapshots() { stop(); }

void LabSnapshots::start() {
  thread_ = std::thread([this] {
    while (!stop_) {
      refresh();
      auto until = std::chrono::steady_clock::now() + std::chrono::duration<double>(interval_s_);
      while (!stop_ && std::chrono::steady_clock::now() < until)
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
  });
}

void LabSnapshots::stop() {
  stop_ = true;
  if (thread_.joinable()) thread_.join();
}

const Plan* LabSnapshots::plan_of(const std::string& lab) {
  auto text = read_lab_topology(lab);
  auto& slot = plans_[lab];
  if (slot.second && slot.first == text) return slot.second.get();
  auto meta = read_lab_meta(lab);
  try {
    slot.second = std::make_unique<Plan>(make_plan(parse_topology(text, meta ? meta->file : lab, ParseOptions{lab})));
    slot.first = text;
  } catch (const std::exception&) {
    plans_.erase(lab);
    return nullptr;
  }
  return slot.second.get();
}

std::shared_ptr<const LabSnapshot> LabSnapshots::build(const std::string& lab) {
  std::lock_guard<std::mutex> lock(build_mutex_);
  const Plan* plan = plan_of(lab);
  if (!plan) return nullptr;
  auto snap = std::make_shared<LabSnapshot>();
  snap->lab = lab;
  auto observed = observe_lab(*plan, true);
  snap->counters = observed.counters;
  snap->status = lab_status(*plan, observed, StatusDetail::Full);
  snap->checks = load_lab_checks(lab);
  snap->groups = check_groups(plan->topology);
  snap->status["check_groups"] = snap->groups;
  if (snap->checks)
    snap->status["checks"] = {{"passed", snap->checks->value("passed", 0)},
                              {"failed", snap->checks->value("failed", 0)},
                              {"errors", snap->checks->value("errors", 0)},
                              {"skipped", snap->checks->value("skipped", 0)},
                              {"ok", snap->checks->value("ok", false)}};
  else
    snap->status["checks"] = nullptr;
  snap->body = snap->status.dump();
  // Link state changes since the last look, and the interfaces whose counters moved.
  json moved = json::array();
  for (const auto& [netns, devices] : observed.counters)
    for (const auto& [device, c] : devices) {
      if (device == "lo") continue;
      const uint64_t packets = c.rx_packets + c.tx_packets + c.rx_drops + c.tx_drops;
      auto [seen, fresh] = packets_.try_emplace(lab + " " + netns + " " + device, packets);
      if (!fresh && seen->second != packets)
        moved.push_back({{"netns", netns},
                         {"device", device},
                         {"rx_bytes", c.rx_bytes},
                         {"rx_packets", c.rx_packets},
                         {"rx_drops", c.rx_drops},
                         {"tx_bytes", c.tx_bytes},
                         {"tx_packets", c.tx_packets},
                         {"tx_drops", c.tx_drops}});
      seen->second = packets;
      const bool up = c.up && c.carrier;
      const std::string key = lab + " " + netns + " " + device;
      auto it = link_state_.find(key);
      if (it != link_state_.end() && it->second != up)
        events_.publish("link_state",
                        {{"lab", lab}, {"netns", netns}, {"device", device}, {"up", c.up}, {"carrier", c.carrier}});
      link_state_[key] = up;
    }
  if (!moved.empty()) events_.publish("counters", {{"lab", lab}, {"interfaces", moved}});
  return snap;
}

void LabSnapshots::refresh() {
  uint64_t begun;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    begun = epoch_;
  }
  auto labs = list_labs();
  std::map<std::string, std::shared_ptr<const LabSnapshot>> fresh;
  for (const auto& lab : labs)
    if (auto snap = build(lab)) fresh[lab] = snap;
  {
    std::lock_guard<std::mutex> lock(build_mutex_);
    for (auto it = plans_.begin(); it != plans_.end();) it = fresh.count(it->first) ? std::next(it) : plans_.erase(it);
    for (auto it = link_state_.begin(); it != link_state_.end();)
      it = fresh.count(it->first.substr(0, it->first.find(' '))) ? std::next(it) : link_state_.erase(it);
    for (auto it = packets_.begin(); it != packets_.end();)
      it = fresh.count(it->first.substr(0, it->first.find(' '))) ? std::next(it) : packets_.erase(it);
  }
  std::lock_guard<std::mutex> lock(mutex_);
  // A lab refresh_lab stored while this pass ran is newer than what this pass saw: keep it.
  for (const auto& [lab, at] : refreshed_at_) {
    if (at <= begun) continue;
    auto current = snapshots_.find(lab);
    if (current != snapshots_.end())
      fresh[lab] = current->second;
    else
      fresh.erase(lab);
  }
  refreshed_at_.clear();
  snapshots_ = std::move(fresh);
}

void LabSnapshots::refresh_lab(const std::string& lab) {
  auto snap = lab_exists(lab) ? build(lab) : nullptr;
  std::lock_guard<std::mutex> lock(mutex_);
  refreshed_at_[lab] = ++epoch_;
  if (snap)
    snapshots_[lab] = snap;
  else
    snapshots_.erase(lab);
}

std::shared_ptr<const LabSnapshot> LabSnapshots::get(const std::string& lab) {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    auto it = snapshots_.find(lab);
    if (it != snapshots_.end()) return it->second;
  }
  if (!lab_exists(lab)) return nullptr;
  auto snap = build(lab);
  if (snap) {
    std::lock_guard<std::mutex> lock(mutex_);
    snapshots_[lab] = snap;
  }
  return snap;
}

std::vector<std::shared_ptr<const LabSnapshot>> LabSnapshots::all() {
  std::lock_guard<std::mutex> lock(mutex_);
  std::vector<std::shared_ptr<const LabSnapshot>> out;
  for (const auto& [lab, snap] : snapshots_) out.push_back(snap);
  return out;
}

}  // namespace netrig::api
