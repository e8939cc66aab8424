// The check kinds: one attempt each, no retry (the runner retries).
#pragma once

#include "checks/result.h"
#include "plan/plan.h"

namespace netrig {

CheckResult ping_once(const Plan& plan, const CheckSpec& check, const std::string& address);
CheckResult connect_once(const Plan& plan, const CheckSpec& check, const std::string& address);
CheckResult exec_once(const Plan& plan, const CheckSpec& check);
// Retries unreached pairs itself, in rounds, until the check's timeout.
CheckResult pingall_run(const Plan& plan, const CheckSpec& check);

struct PingSummary {
  int transmitted = 0;
  int received = 0;
  double loss_pct = 100;
  double rtt_avg_ms = 0;
  double rtt_max_ms = 0;
  bool parsed = false;
};
// Parses iputils ping's summary lines.
PingSummary parse_ping_output(const std::string& output);

}  // namespace netrig

#include <atomic>
#include <memory>
#include <thread>

namespace netrig {

// A TCP or UDP listener netrig opens on the target node for a connect check (`listen: true`).
// TCP connections are accepted and closed; UDP datagrams are echoed back.
class Listener {
 public:
  Listener(const std::string& netns, const std::string& protocol, const std::string& address, int port);
  ~Listener();
  Listener(const Listener&) = delete;
  Listener& operator=(const Listener&) = delete;

 private:
  int fd_ = -1;
  bool udp_ = false;
  std::atomic<bool> stop_{false};
  std::thread thread_;
};

}  // namespace netrig
