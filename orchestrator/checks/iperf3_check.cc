// iperf3: a one-shot server (`iperf3 -s -1`) on the target node, stopped by its PID afterwards;
// the client on the check's node with -J, its JSON summary checked against min/max Mbit/s. Either
// node may be a vm: the command then runs in the guest through its agent.
#include <signal.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <future>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>

#include "checks/iperf3_window.h"
#include "checks/kinds.h"
#include "drivers/node_background.h"
#include "drivers/node_exec.h"
#include "drivers/ovs.h"
#include "drivers/process.h"
#include "plan/ovs.h"

namespace netrig {

std::shared_mutex& measurement_lock() {
  static std::shared_mutex lock;
  return lock;
}

Iperf3Summary parse_iperf3_json(const std::string& text) {
  Iperf3Summary s;
  auto j = nlohmann::json::parse(text, nullptr, false);
  if (j.is_discarded() || !j.is_object()) {
    s.error = "iperf3 printed no JSON";
    return s;
  }
  if (j.contains("error") && j["error"].is_string()) {
    s.error = j["error"].get<std::string>();
    return s;
  }
  const auto& start = j.value("start", nlohmann::json::object());
  const auto& test = start.value("test_start", nlohmann::json::object());
  s.protocol = test.value("protocol", std::string("TCP")) == "UDP" ? "udp" : "tcp";
  const auto& end = j.value("end", nlohmann::json::object());
  auto mbps = [](const nlohmann::json& sum) { return sum.value("bits_per_second", 0.0) / 1e6; };
  if (s.protocol == "tcp") {
    if (!end.contains("sum_sent") || !end.contains("sum_received")) {
      s.error = "iperf3's JSON has no end.sum_sent / end.sum_received";
      return s;
    }
    s.sent_mbps = mbps(end["sum_sent"]);
    s.received_mbps = mbps(end["sum_received"]);
    s.retransmits = end["sum_sent"].value("retransmits", 0);
    s.seconds = end["sum_received"].value("seconds", 0.0);
  } else {
    if (!end.contains("sum")) {
      s.error = "iperf3's JSON has no end.sum";
      return s;
    }
    const auto& sum = end["sum"];
    s.sent_mbps = mbps(end.value("sum_sent", sum));
    s.lost_pct = sum.value("lost_percent", 0.0);
    s.jitter_ms = sum.value("jitter_ms", 0.0);
    s.seconds = sum.value("seconds", 0.0);
    // Newer iperf3s report the receiver's side; older ones only the sender's rate and the loss.
    s.received_mbps = end.contains("sum_received") ? mbps(end["sum_received"]) : mbps(sum) * (1 - s.lost_pct / 100);
  }
  s.parsed = true;
  return s;
}

std::string describe_iperf3(const Iperf3Summary& s) {
  char buf[256];
  if (s.protocol == "udp")
    std::snprintf(buf, sizeof buf, "udp %.1f s: sent %.2f Mbit/s, received %.2f Mbit/s, loss %.2f%%, jitter %.3f ms",
                  s.seconds, s.sent_mbps, s.received_mbps, s.lost_pct, s.jitter_ms);
  else
    std::snprintf(buf, sizeof buf, "tcp %.1f s: sent %.2f Mbit/s, received %.2f Mbit/s, %d retransmits", s.seconds,
                  s.sent_mbps, s.received_mbps, s.retransmits);
  return buf;
}

std::map<std::string, double> iperf3_figures(const Iperf3Summary& s) {
  std::map<std::string, double> f = {
      {"seconds", s.seconds}, {"sent_mbps", s.sent_mbps}, {"received_mbps", s.received_mbps}};
  if (s.protocol == "udp") {
    f["jitter_ms"] = s.jitter_ms;
    f["lost_pct"] = s.lost_pct;
  } else {
    f["retransmits"] = s.retransmits;
  }
  return f;
}

static std::string number(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%g", v);
  return buf;
}

static std::vector<std::string> client_argv(const CheckSpec& check, const std::string& address, int port) {
  const auto secs = std::to_string(static_cast<int>(check.seconds));
  std::vector<std::string> argv = {
      "iperf3", "-c", address, "-p", std::to_string(port), "-t", secs, "-J", "--connect-timeout", "3000"};
  if (check.omit_s > 0) argv.insert(argv.end(), {"-O", std::to_string(check.omit_s)});
  if (check.protocol == "udp") {
    argv.push_back("-u");
    if (check.bitrate_mbps) argv.insert(argv.end(), {"-b", number(*check.bitrate_mbps) + "M"});
  }
  return argv;
}

// Flow group: one server per flow (port + i) on the target, every client started at once, each
// flow's figures in r.flows, the split against `ratio`. The servers report every half second as
// they go; where they run in a netns or container node, netrig reads those reports while the
// clients run and judges every flow by its rate over the window when all of them ran
// (checks/iperf3_window.h). A vm's server output is only read at the end: then each flow's own
// run counts, and the message says so.
static CheckResult iperf3_group(const Plan& plan, const CheckSpec& check) {
  CheckResult r;
  const auto server_node = check.target.substr(0, check.target.find(':'));
  const auto address = resolve_target(plan.topology, check.target, 0);
  const size_t n = check.flows.size();
  std::vector<std::unique_ptr<NodeBackground>> servers;
  std::vector<std::vector<std::string>> server_argv(n), argv(n);
  for (size_t i = 0; i < n; ++i) {
    const int port = check.port + static_cast<int>(i);
    server_argv[i] = {"iperf3", "-s", "-1", "-p", std::to_string(port), "--forceflush", "-i", "0.5", "-f", "k"};
    servers.push_back(std::make_unique<NodeBackground>(plan, server_node, server_argv[i], "Server listening",
                                                       is_vm(plan, server_node) ? 15 : 5));
    argv[i] = client_argv(check, address, port);
  }
  std::vector<std::future<ExecResult>> runs;
  for (size_t i = 0; i < n; ++i)
    runs.push_back(std::async(std::launch::async, [&, i] {
      return run_on_node(plan, check.flows[i].node, argv[i], check.seconds + check.omit_s + 10);
    }));
  const bool live = servers.front()->live();
  auto running = [&] {
    for (auto& f : runs)
      if (f.wait_for(std::chrono::seconds(0)) != std::future_status::ready) return true;
    return false;
  };
  while (running())
    if (live)
      for (auto& s : servers) s->pump(5);
    else
      runs.front().wait_for(std::chrono::milliseconds(50));
  for (int round = 0; live && round < 4; ++round)  // what the servers printed as the last client ended
    for (auto& s : servers) s->pump(5);
  std::vector<Iperf3Summary> sums(n);
  std::vector<std::vector<Iperf3Interval>> intervals(n);
  std::string why;
  double total = 0;
  for (size_t i = 0; i < n; ++i) {
    auto run = runs[i].get();
    if (live) intervals[i] = iperf3_server_intervals(servers[i]->timed_lines());
    auto stopped = servers[i]->stop(SIGTERM, 2);
    sums[i] = parse_iperf3_json(run.output);
    const auto& node = check.flows[i].node;
    r.evidence.push_back({on_node_text(plan, node, argv[i]),
                          sums[i].parsed ? describe_iperf3(sums[i]) + "\n" : run.output, run.exit_code, run.seconds});
    r.evidence.push_back(
        {on_node_text(plan, server_node, server_argv[i]) + " (stopped by PID)",
         stopped.output.size() > 2000 ? stopped.output.substr(stopped.output.size() - 2000) : stopped.output,
         stopped.exit_code, stopped.seconds});
    FlowResult f;
    f.name = node + " -> " + check.target;
    f.node = node;
    f.target = address + ":" + std::to_string(check.port + static_cast<int>(i));
    if (sums[i].parsed) f.figures = iperf3_figures(sums[i]);
    r.flows.push_back(f);
    if (why.empty() && run.timed_out) why = f.name + ": iperf3 client timed out";
    if (why.empty() && run.interrupted) why = "interrupted";
    if (why.empty() && !sums[i].parsed) why = f.name + ": iperf3: " + sums[i].error;
    total += sums[i].received_mbps;
  }
  // The rates judged: over the common window, or (vm server) each flow's own.
  std::vector<double> rate(n);
  for (size_t i = 0; i < n; ++i) rate[i] = sums[i].received_mbps;
  std::string over = " (each flow over its own run: a vm server's reports are read only at its end)";
  if (live && why.empty()) {
    auto w = iperf3_common_window(intervals, std::max(1.0, check.seconds / 2));
    if (!w.problem.empty()) {
      why = "no common measuring window: " + w.problem;
    } else {
      rate = w.mbps;
      total = 0;
      for (size_t i = 0; i < n; ++i) {
        r.flows[i].figures["window_mbps"] = rate[i];
        total += rate[i];
      }
      r.figures["window_seconds"] = w.seconds();
      char buf[96];
      std::snprintf(buf, sizeof buf, " over the %.1f s all ran", w.seconds());
      over = buf;
    }
  }
  std::string split;
  for (size_t i = 0; i < n; ++i) split += (i ? " : " : "") + number(std::round(rate[i] * 100) / 100);
  split += " Mbit/s" + over;
  r.figures["flows"] = static_cast<double>(n);
  r.figures["total_received_mbps"] = total;
  for (size_t i = 0; why.empty() && i < n; ++i) {
    const auto& f = check.flows[i];
    const double v = rate[i];
    if (f.min_mbps && v < *f.min_mbps)
      why = r.flows[i].name + ": " + number(v) + " Mbit/s received, expected at least " + number(*f.min_mbps);
    else if (f.max_mbps && v > *f.max_mbps)
      why = r.flows[i].name + ": " + number(v) + " Mbit/s received, expected at most " + number(*f.max_mbps);
  }
  if (!check.ratio.empty() && total > 0) {
    double weights = 0, worst = 0;
    for (double w : check.ratio) weights += w;
    for (size_t i = 0; i < n; ++i) {
      const double share = rate[i] / total, expected = check.ratio[i] / weights;
      const double error = share / expected - 1;
      r.flows[i].figures["share"] = share;
      r.flows[i].figures["expected_share"] = expected;
      r.flows[i].figures["share_error_pct"] = error * 100;
      worst = std::max(worst, std::abs(error));
    }
    r.figures["max_share_error_pct"] = worst * 100;
    r.figures["tolerance_pct"] = check.ratio_tolerance * 100;
    std::string want;
    for (size_t i = 0; i < n; ++i) want += (i ? " : " : "") + number(check.ratio[i]);
    if (why.empty() && worst > check.ratio_tolerance)
      why = "split " + split + ", expected " + want + ": a flow's share is " + number(std::round(worst * 1000) / 10) +
            " % off its weight's (tolerance " + number(check.ratio_tolerance * 100) + " %)";
    split += " (expected " + want + ", worst share " + number(std::round(worst * 1000) / 10) + " % off)";
  }
  r.status = why.empty() ? CheckStatus::Passed : CheckStatus::Failed;
  r.message = why.empty() ? "together: " + split : why;
  return r;
}

std::string ovs_qos_not_acting(const Plan& plan, const CheckSpec& check) {
  const auto server = check.target.substr(0, check.target.find(':'));
  std::vector<std::string> clients;
  for (const auto& f : check.flows) clients.push_back(f.node);
  if (clients.empty()) clients.push_back(check.node);
  for (const auto& client : clients)
    for (const auto& port : ovs_qos_ports_between(plan.topology, client, server))
      if (ovs_userspace(plan, port.substr(0, port.find(':'))))
        return "not measured: " + client + " -> " + server + " crosses ovs port " + port +
               " with qos/ingress policing on OVS's userspace datapath (no openvswitch kernel module here), where "
               "linux-htb/linux-hfsc queues do not act (every packet lands in the default class) and "
               "ingress_policing_rate does nothing; the figures would not show the QoS. It needs the kernel datapath: "
               "the openvswitch module (a workstation), or an OVS inside a vm guest";
  return "";
}

CheckResult iperf3_once(const Plan& plan, const CheckSpec& check) {
  // One measurement at a time: two at once on a shared CPU would measure each other, and would
  // fight over the server port.
  CheckResult r;
  if (!installed("iperf3")) {
    r.status = CheckStatus::Skipped;
    r.message = "iperf3 is not installed (Debian: apt-get install iperf3)";
    return r;
  }
  if (auto why = ovs_qos_not_acting(plan, check); !why.empty()) {
    r.status = CheckStatus::Skipped;
    r.message = why;
    return r;
  }
  std::unique_lock lock(measurement_lock());
  if (!check.flows.empty()) return iperf3_group(plan, check);
  const auto server_node = check.target.substr(0, check.target.find(':'));
  const auto address = resolve_target(plan.topology, check.target, 0);
  const auto port = std::to_string(check.port);
  std::vector<std::string> server_argv = {"iperf3", "-s", "-1", "-p", port, "--forceflush"};
  NodeBackground server(plan, server_node, server_argv, "Server listening", is_vm(plan, server_node) ? 15 : 5);

  const auto argv = client_argv(check, address, check.port);
  auto run = run_on_node(plan, check.node, argv, check.seconds + check.omit_s + 10);
  auto stopped = server.stop(SIGTERM, 2);
  auto summary = parse_iperf3_json(run.output);
  r.evidence.push_back({on_node_text(plan, check.node, argv),
                        summary.parsed ? describe_iperf3(summary) + "\n" : run.output, run.exit_code, run.seconds});
  r.evidence.push_back(
      {on_node_text(plan, server_node, server_argv) + " (stopped by PID)",
       stopped.output.size() > 4000 ? stopped.output.substr(stopped.output.size() - 4000) : stopped.output,
       stopped.exit_code, stopped.seconds});
  if (summary.parsed) r.figures = iperf3_figures(summary);
  std::string why;
  if (run.timed_out) why = "iperf3 client timed out";
  if (run.interrupted) why = "interrupted";
  if (why.empty() && !summary.parsed) why = "iperf3: " + summary.error;
  if (why.empty() && check.min_mbps && summary.received_mbps < *check.min_mbps)
    why = number(summary.received_mbps) + " Mbit/s received, expected at least " + number(*check.min_mbps);
  if (why.empty() && check.max_mbps && summary.received_mbps > *check.max_mbps)
    why = number(summary.received_mbps) + " Mbit/s received, expected at most " + number(*check.max_mbps);
  r.status = why.empty() ? CheckStatus::Passed : CheckStatus::Failed;
  r.message = why.empty() ? describe_iperf3(summary) : why;
  return r;
}

}  // namespace netrig
