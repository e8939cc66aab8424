// The API's one event stream: deploy steps, check results, link state changes and job transitions,
// each a JSON object with a sequence number, kept in a bounded ring so clients can resume.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <mutex>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace netrig::api {

struct Event {
  uint64_t seq = 0;
  std::string line;  // the JSON object, one line: {"seq":N,"type":...,"time":...,...}
};

class EventLog {
 public:
  explicit EventLog(size_t capacity = 10000) : capacity_(capacity) {}
  // Adds `type` and the fields of `data`; returns its sequence number (1, 2, ...).
  uint64_t publish(const std::string& type, nlohmann::json data);
  // Events with seq > since, at most `max`; waits up to timeout_ms for one when there are none.
  std::vector<Event> after(uint64_t since, size_t max, int timeout_ms);
  uint64_t last_seq();
  // Wakes every waiting reader (shutdown).
  void close();
  bool closed();

 private:
  std::mutex mutex_;
  std::condition_variable cv_;
  std::deque<Event> ring_;
  size_t capacity_;
  uint64_t seq_ = 0;
  bool closed_ = false;
};

}  // namespace netrig::api
