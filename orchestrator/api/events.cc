#include "api/events.h"

#include <chrono>

namespace netrig::api {

uint64_t EventLog::publish(const std::string& type, nlohmann::json data) {
  if (!data.is_object()) data = nlohmann::json{{"data", data}};
  std::lock_guard<std::mutex> lock(mutex_);
  data["seq"] = ++seq_;
  data["type"] = type;
  data["time"] = std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
  ring_.push_back(Event{seq_, data.dump()});
  while (ring_.size() > capacity_) ring_.pop_front();
  cv_.notify_all();
  return seq_;
}

std::vector<Event> EventLog::after(uint64_t since, size_t max, int timeout_ms) {
  std::unique_lock<std::mutex> lock(mutex_);
  if (seq_ <= since && !closed_)
    cv_.wait_for(lock, std::chrono::milliseconds(timeout_ms), [&] { return seq_ > since || closed_; });
  std::vector<Event> out;
  for (const auto& e : ring_) {
    if (e.seq <= since) continue;
    out.push_back(e);
    if (out.size() == max) break;
  }
  return out;
}

uint64_t EventLog::last_seq() {
  std::lock_guard<std::mutex> lock(mutex_);
  return seq_;
}

void EventLog::close() {
  std::lock_guard<std::mutex> lock(mutex_);
  closed_ = true;
  cv_.notify_all();
}

bool EventLog::closed() {
  std::lock_guard<std::mutex> lock(mutex_);
  return closed_;
}

}  // namespace netrig::api
