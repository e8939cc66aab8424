// `netrig test`'s result lines, in file order although checks finish in any order.
#pragma once

#include <algorithm>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "checks/result.h"
#include "model/topology.h"
#include "reports/report.h"

namespace netrig {

// Prints check results in file order although they finish in any order (checks run in parallel):
// a result waits until every step before it in the file has been printed. Each failure's
// evidence goes right under its own line.
class FileOrderPrinter {
 public:
  FileOrderPrinter(const Topology& t, std::function<void(const std::string&)> out) : out_(std::move(out)) {
    // The order run_checks reports in (checks/sequence.cc): an action stands before the check whose
    // index is its `at`.
    size_t next_action = 0;
    for (size_t c = 0; c <= t.checks.size(); ++c) {
      while (next_action < t.actions.size() && t.actions[next_action].at <= c)
        slots_.push_back({"action", t.actions[next_action++].name});
      if (c < t.checks.size()) slots_.push_back({"check", t.checks[c].name});
    }
  }
  void add(const CheckResult& r) {
    std::lock_guard lock(mutex_);
    auto it = std::find_if(slots_.begin(), slots_.end(),
                           [&](const Slot& s) { return !s.result && s.step == r.step && s.name == r.name; });
    if (it == slots_.end()) {
      print(r);  // not in the file's list (should not happen): do not lose it
      return;
    }
    it->result = r;
    while (printed_ < slots_.size() && slots_[printed_].result) print(*slots_[printed_++].result);
  }
  // Whatever is still waiting (a run cut short by a signal), in order.
  void flush() {
    std::lock_guard lock(mutex_);
    for (; printed_ < slots_.size(); ++printed_)
      if (slots_[printed_].result) print(*slots_[printed_].result);
  }

 private:
  struct Slot {
    std::string step, name;
    std::optional<CheckResult> result;
  };
  void print(const CheckResult& r) { out_(text_line(r) + "\n" + text_details(r)); }
  std::function<void(const std::string&)> out_;
  std::vector<Slot> slots_;
  size_t printed_ = 0;
  std::mutex mutex_;
};

}  // namespace netrig
