#include "checks/runner.h"

#include <atomic>
#include <chrono>
#include <map>
#include <memory>
#include <mutex>
#include <thread>

#include "checks/kinds.h"
#include "checks/sequence.h"
#include "drivers/dhcp.h"
#include "drivers/interrupt.h"
#include "drivers/node_exec.h"
#include "drivers/vm.h"
#include "model/ip.h"
#include "model/names.h"

namespace netrig {

std::string resolve_target(const Topology& topology, const std::string& target, int family) {
  if (IpAddr::parse(target)) return target;
  auto colon = target.find(':');
  const auto* node = topology.find_node(target.substr(0, colon));
  if (!node) return "";
  for (const auto& iface : node->interfaces) {
    if (colon != std::string::npos && iface.name != target.substr(colon + 1)) continue;
    for (const auto& a : iface.addresses)
      if (family == 0 || a.addr.family == family) return a.addr.str();
    // A `dhcp: true` interface: its address is only known once leased, so read it now (netlink,
    // or `ip` in the guest through its agent).
    if (iface.dhcp && family != 6) {
      auto leased = node->kind == NodeKind::Vm ? guest_ipv4(topology.name, node->name, iface.kernel_name)
                                               : current_ipv4(netns_name(topology.name, node->name), iface.kernel_name);
      if (leased) return leased->str();
    }
  }
  return "";
}

CheckResult run_check_once(const Plan& plan, const CheckSpec& check, const CheckOptions& options) {
  if (check.type == CheckType::Exec) return exec_once(plan, check);
  if (check.type == CheckType::PingAll) return pingall_run(plan, check);
  if (check.type == CheckType::Capture) return capture_once(plan, check, options);
  if (check.type == CheckType::Iperf3) return iperf3_once(plan, check);
  if (check.type == CheckType::Reachability) return reachability_run(plan, check);
  auto address = resolve_target(plan.topology, check.target, check.family);
  if (address.empty()) {
    CheckResult r;
    r.status = CheckStatus::Error;
    r.message =
        "'" + check.target + "' has no " + (check.family ? "IPv" + std::to_string(check.family) + " " : "") + "address";
    return r;
  }
  if (check.type == CheckType::Mtu) return mtu_once(plan, check, address);
  return check.type == CheckType::Ping ? ping_once(plan, check, address) : connect_once(plan, check, address);
}

namespace {

// Checks that run at once may ask for the same listener (node, protocol, address, port); they share
// one, opened by the first and closed when the last lets go. Counting users and closing both happen
// under the pool's lock, so nobody can ask for a port while it is still being released.
class ListenerPool {
 public:
  class Lease {
   public:
    Lease(ListenerPool* pool, std::string key) : pool_(pool), key_(std::move(key)) {}
    ~Lease() { pool_->release(key_); }
    Lease(const Lease&) = delete;
    Lease& operator=(const Lease&) = delete;

   private:
    ListenerPool* pool_;
    std::string key_;
  };

  std::unique_ptr<Lease> acquire(const std::string& netns, const std::string& protocol, const std::string& address,
                                 int port) {
    std::lock_guard lock(mutex_);
    auto key = netns + "|" + protocol + "|" + address + "|" + std::to_string(port);
    auto& entry = open_[key];
    if (!entry.listener) entry.listener = std::make_unique<Listener>(netns, protocol, address, port);
    ++entry.users;
    return std::make_unique<Lease>(this, key);
  }

 private:
  void release(const std::string& key) {
    std::lock_guard lock(mutex_);
    auto it = open_.find(key);
    if (it != open_.end() && --it->second.users == 0) open_.erase(it);
  }

  struct Entry {
    std::unique_ptr<Listener> listener;
    int users = 0;
  };
  std::mutex mutex_;
  std::map<std::string, Entry> open_;
};

}  // namespace

void mark_interrupted(CheckResult& result, bool interrupted) {
  // What passed before the signal did pass; anything else was cut short and says so.
  if (!interrupted || result.status == CheckStatus::Passed || result.status == CheckStatus::Skipped) return;
  result.status = CheckStatus::Error;
  if (result.message.rfind("interrupted", 0) != 0)
    result.message =
        "interrupted before its verdict" + (result.message.empty() ? "" : " (so far: " + result.message + ")");
}

CheckResult not_run(const CheckSpec& check, const std::string& why) {
  CheckResult r;
  r.name = check.name;
  r.type = to_string(check.type);
  r.node = check.node;
  r.target = check.type == CheckType::Exec ? check.command : check.target;
  r.status = CheckStatus::Skipped;
  r.message = "not run: " + why;
  return r;
}

static CheckResult run_with_retry(const Plan& plan, const CheckSpec& check, const CheckOptions& options,
                                  ListenerPool& listeners) {
  using clock = std::chrono::steady_clock;
  const auto start = clock::now();
  const auto deadline = start + std::chrono::duration<double>(check.timeout_s);
  CheckResult result;
  std::unique_ptr<ListenerPool::Lease> listener;
  std::unique_ptr<VmListener> vm_listener;
  std::string target;
  if (check.type == CheckType::Exec) {
    target = check.command;
  } else if (check.type == CheckType::PingAll) {
    target = check.nodes.empty() ? "all nodes" : std::to_string(check.nodes.size()) + " nodes";
  } else if (check.type == CheckType::Reachability) {
    target = std::to_string(check.reach_from.size()) + " nodes x " + std::to_string(check.reach_to.size()) + " targets";
  } else if (check.type == CheckType::Capture) {
    try {
      auto where = capture_device(plan, check);
      target = where.netns.empty() ? where.device : where.netns + ":" + where.device;
    } catch (const std::exception&) {
    }
  } else {
    auto address = resolve_target(plan.topology, check.target, check.family);
    target = check.type == CheckType::Connect || check.type == CheckType::Iperf3
                 ? address + ":" + std::to_string(check.port)
                 : address;
  }
  try {
    if (check.type == CheckType::Connect && check.listen) {
      auto target_node = check.target.substr(0, check.target.find(':'));
      if (is_vm(plan, target_node))
        vm_listener = std::make_unique<VmListener>(
            plan, target_node, check.protocol, resolve_target(plan.topology, check.target, check.family), check.port);
      else
        listener = listeners.acquire(plan.netns_of(target_node), check.protocol,
                                     resolve_target(plan.topology, check.target, check.family), check.port);
    }
    int attempts = 0;
    for (;;) {
      ++attempts;
      result = run_check_once(plan, check, options);
      if (result.status != CheckStatus::Failed || check.type == CheckType::PingAll ||
          check.type == CheckType::Reachability)  // retries its cells itself
        break;
      auto next = clock::now() + std::chrono::duration<double>(options.retry_interval_s);
      if (next >= deadline || interrupted()) break;
      std::this_thread::sleep_until(next);
    }
    result.attempts = attempts;
  } catch (const std::exception& e) {
    result.status = CheckStatus::Error;
    result.message = e.what();
    result.attempts = std::max(result.attempts, 1);
  }
  mark_interrupted(result, interrupted());
  result.name = check.name;
  result.type = to_string(check.type);
  result.node = check.node;
  result.target = target;
  result.seconds = std::chrono::duration<double>(clock::now() - start).count();
  if (options.epoch != clock::time_point{})
    result.started_s = std::chrono::duration<double>(start - options.epoch).count();
  return result;
}

std::vector<CheckResult> run_checks(const Plan& plan, const CheckOptions& options) {
  return run_sequence(plan, options);
}

std::vector<CheckResult> run_check_set(const Plan& plan, const std::vector<const CheckSpec*>& checks,
                                       const CheckOptions& options) {
  std::vector<CheckResult> results(checks.size());
  std::atomic<size_t> next{0};
  std::mutex report_mutex;
  ListenerPool listeners;
  auto worker = [&] {
    for (size_t i; (i = next++) < checks.size();) {
      results[i] = interrupted() ? not_run(*checks[i], "netrig was interrupted")
                                 : run_with_retry(plan, *checks[i], options, listeners);
      if (options.on_result) {
        std::lock_guard lock(report_mutex);
        options.on_result(results[i]);
      }
    }
  };
  std::vector<std::thread> threads;
  if (checks.empty()) return results;
  int n = std::max(1, std::min<int>(options.parallel, static_cast<int>(checks.size())));
  for (int i = 0; i < n; ++i) threads.emplace_back(worker);
  for (auto& t : threads) t.join();
  return results;
}

}  // namespace netrig
