#include "checks/sequence.h"

#include <signal.h>

#include <atomic>
#include <chrono>
#include <fstream>
#include <future>
#include <map>
#include <optional>
#include <thread>

#include "checks/actions.h"
#include "checks/kinds.h"
#include "drivers/interrupt.h"
#include "drivers/process.h"

namespace netrig {
namespace {

using clock_type = std::chrono::steady_clock;

double seconds_between(clock_type::time_point a, clock_type::time_point b) {
  return std::chrono::duration<double>(b - a).count();
}

// A background ping: iputils ping left running (count × interval), its output read as it comes.
CheckResult background_ping(const Plan& plan, const CheckSpec& check, std::atomic<int>& pid,
                            std::promise<void>& started) {
  const auto address = resolve_target(plan.topology, check.target, check.family);
  if (address.empty()) {
    started.set_value();
    CheckResult r;
    r.status = CheckStatus::Error;
    r.message = "'" + check.target + "' has no address";
    return r;
  }
  const auto netns = plan.netns_of(check.node);
  const auto argv = ping_argv(check, address);
  const auto command = "ip netns exec " + netns + " " + shell_join(argv);
  std::unique_ptr<Background> ping;
  try {
    ping = std::make_unique<Background>(netns, argv, "PING", 5.0);
  } catch (const std::exception& e) {
    // ping gave up before sending anything (no route, say): judged as a run with no summary.
    started.set_value();
    auto r = judge_ping(check, e.what(), 2);
    r.evidence.push_back({command, e.what(), 2, 0});
    return r;
  }
  pid = ping->pid();
  started.set_value();
  // It ends by itself after count × interval (plus -W 1 for the last reply); allow some slack.
  const double limit = check.count * check.interval_s + 5.0;
  auto run = ping->stop(0, limit);
  pid = 0;  // reaped: the number may be reused from now on
  auto r = judge_ping(check, run.output, run.exit_code);
  r.evidence.push_back({command, run.output, run.exit_code, run.seconds});
  if (run.timed_out) {
    r.status = CheckStatus::Error;
    r.message = "ping ran over " + std::to_string(static_cast<int>(limit)) + " s and was killed";
  }
  return r;
}

}  // namespace

struct BackgroundCheck::State {
  std::atomic<int> pid{0};
  std::future<CheckResult> result;
  std::optional<CheckResult> collected;
  std::string cancelled;  // why it was stopped early ("" = it was not)
  clock_type::time_point start;
  double started_s = 0;
};

BackgroundCheck::BackgroundCheck(const Plan& plan, const CheckSpec& check, const CheckOptions& options)
    : state_(std::make_shared<State>()) {
  state_->start = clock_type::now();
  if (options.epoch != clock_type::time_point{}) state_->started_s = seconds_between(options.epoch, state_->start);
  auto started = std::make_shared<std::promise<void>>();
  auto started_future = started->get_future();
  auto state = state_;
  state_->result = std::async(std::launch::async, [&plan, check, options, state, started]() {
    CheckResult r;
    try {
      if (check.type == CheckType::Ping) {
        r = background_ping(plan, check, state->pid, *started);
      } else {
        started->set_value();
        r = run_check_once(plan, check, options);
      }
    } catch (const std::exception& e) {
      try {
        started->set_value();
      } catch (const std::future_error&) {
      }
      r.status = CheckStatus::Error;
      r.message = e.what();
    }
    r.attempts = 1;
    return r;
  });
  started_future.wait();
}

BackgroundCheck::~BackgroundCheck() {
  if (state_->result.valid()) {
    cancel("netrig stopped the sequence");
    state_->result.wait();
  }
}

void BackgroundCheck::cancel(const std::string& why) {
  if (state_->collected || !state_->cancelled.empty()) return;
  state_->cancelled = why;
  // Its own process group, started by this check: ping prints its summary on SIGINT and exits.
  // The pid is cleared once reaped; the name is checked too, in case it just ended.
  if (int pid = state_->pid.load(); pid > 0) {
    std::ifstream comm("/proc/" + std::to_string(pid) + "/comm");
    std::string name;
    if (std::getline(comm, name) && name == "ping") kill(-pid, SIGINT);
  }
}

CheckResult BackgroundCheck::wait() {
  if (state_->collected) return *state_->collected;
  // Poll so that Ctrl-C stops a long background ping at once.
  while (state_->result.wait_for(std::chrono::milliseconds(100)) != std::future_status::ready)
    if (interrupted()) cancel("netrig was interrupted");
  auto r = state_->result.get();
  r.seconds = seconds_between(state_->start, clock_type::now());
  r.started_s = state_->started_s;
  r.background = true;
  if (!state_->cancelled.empty()) {
    r.status = CheckStatus::Skipped;
    r.message = "stopped early: " + state_->cancelled + (r.message.empty() ? "" : " (so far: " + r.message + ")");
  }
  state_->collected = r;
  return r;
}

std::vector<CheckResult> run_sequence(const Plan& plan, const CheckOptions& in) {
  CheckOptions options = in;
  if (options.epoch == clock_type::time_point{}) options.epoch = clock_type::now();
  const auto& checks = plan.topology.checks;
  const auto& actions = plan.topology.actions;

  // The steps in file order: an action stands before the check whose index is its `at`.
  struct Item {
    bool action;
    size_t index;
  };
  std::vector<Item> items;
  size_t next_action = 0;
  for (size_t c = 0; c <= checks.size(); ++c) {
    while (next_action < actions.size() && actions[next_action].at <= c) items.push_back({true, next_action++});
    if (c < checks.size()) items.push_back({false, c});
  }
  std::vector<CheckResult> results(items.size());
  auto report = [&](size_t item) {
    if (options.on_result) options.on_result(results[item]);
  };
  auto since_epoch = [&] { return seconds_between(options.epoch, clock_type::now()); };

  struct Running {
    std::unique_ptr<BackgroundCheck> check;
    size_t item;
    bool collected = false;
  };
  std::map<std::string, Running> background;  // by check name
  auto collect = [&](Running& bg) {
    results[bg.item] = bg.check->wait();
    const auto& spec = checks[items[bg.item].index];
    results[bg.item].name = spec.name;
    results[bg.item].type = to_string(spec.type);
    results[bg.item].node = spec.node;
    if (results[bg.item].target.empty())
      results[bg.item].target = spec.type == CheckType::Exec ? spec.command : spec.target;
    bg.collected = true;
    report(bg.item);
  };

  std::string abort_reason;
  auto skip = [&](size_t i) {
    auto& r = results[i];
    r.status = CheckStatus::Skipped;
    r.message = "not run: " + abort_reason;
    r.started_s = since_epoch();
    if (items[i].action) {
      const auto& a = actions[items[i].index];
      r.name = a.name;
      r.type = a.kind;
      r.step = "action";
      r.target = a.target;
    } else {
      const auto& c = checks[items[i].index];
      r.name = c.name;
      r.type = to_string(c.type);
      r.node = c.node;
      r.target = c.type == CheckType::Exec ? c.command : c.target;
      r.background = c.background;
    }
    report(i);
  };

  for (size_t i = 0; i < items.size();) {
    if (abort_reason.empty() && interrupted()) abort_reason = "netrig was interrupted";
    if (!abort_reason.empty()) {
      skip(i++);
      continue;
    }
    if (!items[i].action) {
      // One phase: the checks up to the next action. Background ones start first.
      std::vector<const CheckSpec*> foreground;
      std::vector<size_t> foreground_items;
      size_t j = i;
      for (; j < items.size() && !items[j].action; ++j) {
        const auto& c = checks[items[j].index];
        if (c.background) {
          background[c.name] = Running{std::make_unique<BackgroundCheck>(plan, c, options), j};
        } else {
          foreground.push_back(&c);
          foreground_items.push_back(j);
        }
      }
      auto phase = run_check_set(plan, foreground, options);
      for (size_t k = 0; k < phase.size(); ++k) results[foreground_items[k]] = std::move(phase[k]);
      i = j;
      continue;
    }
    const auto& a = actions[items[i].index];
    const double started = since_epoch();
    if (a.kind == "wait") {
      auto& r = results[i];
      r.name = a.name;
      r.type = "wait";
      r.step = "action";
      r.target = a.target;
      r.attempts = 1;
      const auto start = clock_type::now();
      auto it = background.find(a.target);
      if (it == background.end() || it->second.collected) {
        r.status = CheckStatus::Error;
        r.message = "no background check '" + a.target + "' is running";
      } else {
        collect(it->second);
        r.status = CheckStatus::Passed;
        r.message = "'" + a.target + "' ended: " + to_string(results[it->second.item].status);
      }
      r.seconds = seconds_between(start, clock_type::now());
    } else {
      results[i] = run_action(plan, a);
    }
    results[i].started_s = started;
    report(i);
    if (results[i].status != CheckStatus::Passed) {
      // A skipped action (an impairment this kernel cannot apply) skips what follows, with its reason.
      abort_reason =
          interrupted() ? "netrig was interrupted"
          : results[i].status == CheckStatus::Skipped
              ? "action '" + a.name + "' could not run here: " + results[i].message
              : "action '" + a.name + "' " + (results[i].status == CheckStatus::Failed ? "failed" : "errored");
      for (auto& [name, bg] : background)
        if (!bg.collected) bg.check->cancel(abort_reason);
    }
    ++i;
  }
  // The end: every background check still running is waited for.
  for (auto& [name, bg] : background) {
    if (bg.collected) continue;
    collect(bg);
  }
  return results;
}

}  // namespace netrig
