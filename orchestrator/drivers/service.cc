#include "drivers/service.h"

#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <stdexcept>
#include <thread>

#include "drivers/container.h"
#include "drivers/lab_state.h"
#include "drivers/netns.h"
#include "util/files.h"
#include "util/proc.h"

namespace netrig {

namespace fs = std::filesystem;

namespace {

using clock_type = std::chrono::steady_clock;

std::string base(const std::string& lab, const std::string& node, const std::string& service) {
  return lab_dir(lab) + "/services/" + node + "-" + service;
}

ino_t netns_of_pid(pid_t pid) {
  struct stat st {};
  return stat(("/proc/" + std::to_string(pid) + "/ns/net").c_str(), &st) == 0 ? st.st_ino : 0;
}

}  // namespace

std::vector<std::string> service_argv(const std::string& lab, const std::string& command) {
  const auto dir = lab_dir(lab) + "/services";
  // A simple command replaces the shell, so the PID file holds the program's own PID.
  const bool simple = command.find_first_of(";&|<>()`$\n") == std::string::npos;
  return {
      "env", "-C", dir, "OVS_RUNDIR=" + dir, "OVS_LOGDIR=" + dir, "/bin/sh", "-c", (simple ? "exec " : "") + command};
}

std::string service_log(const std::string& lab, const std::string& node, const std::string& service) {
  return base(lab, node, service) + ".log";
}

std::string service_pid_file(const std::string& lab, const std::string& node, const std::string& service) {
  return base(lab, node, service) + ".pid";
}

pid_t start_service(const Plan& plan, const std::string& node, const ServiceSpec& service,
                    const std::function<void(pid_t)>& on_pid) {
  const auto& lab = plan.topology.name;
  fs::create_directories(lab_dir(lab) + "/services");
  const auto log = service_log(lab, node, service.name);
  // In a container node: inside its container (nsenter's PID; the service is its child, in its group).
  const auto* spec = plan.topology.find_node(node);
  const bool simple = service.command.find_first_of(";&|<>()`$\n") == std::string::npos;
  const auto argv = spec && spec->kind == NodeKind::Container
                        ? in_container(plan, node, {"/bin/sh", "-c", (simple ? "exec " : "") + service.command})
                        : service_argv(lab, service.command);
  const pid_t pid = spawn_in_netns(plan.netns_of(node), argv, log);
  if (on_pid) on_pid(pid);
  {
    std::ofstream out(service_pid_file(lab, node, service.name), std::ios::trunc);
    out << pid << "\n";
    if (!out) throw std::runtime_error("write " + service_pid_file(lab, node, service.name));
  }
  // A service that cannot start (command not found, address in use) exits at once: say so now
  // rather than at the first check that needs it.
  const auto until = clock_type::now() + std::chrono::milliseconds(300);
  while (clock_type::now() < until) {
    if (!process_running(pid)) {
      auto text = read_file(log);
      while (!text.empty() && text.back() == '\n') text.pop_back();
      throw std::runtime_error("service '" + service.name + "' of node '" + node + "' exited at once" +
                               (text.empty() ? std::string() : ": " + text) + " (log: " + log + ")");
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return pid;
}

std::optional<pid_t> service_pid(const Plan& plan, const std::string& node, const std::string& service) {
  std::ifstream in(service_pid_file(plan.topology.name, node, service));
  pid_t pid = 0;
  if (!(in >> pid) || pid <= 1 || !process_running(pid)) return std::nullopt;
  // Only a process in the node's own namespace: a PID reused by anything else is never touched.
  const ino_t want = netns_inode(plan.netns_of(node));
  if (want == 0 || netns_of_pid(pid) != want) return std::nullopt;
  return pid;
}

StopResult stop_service(const Plan& plan, const std::string& node, const std::string& service, double grace_s) {
  StopResult r;
  auto pid = service_pid(plan, node, service);
  const auto pid_file = service_pid_file(plan.topology.name, node, service);
  if (!pid) {
    std::error_code ec;
    fs::remove(pid_file, ec);
    return r;
  }
  r.pid = *pid;
  // Its own process group (spawn_in_netns starts a new session): the shell and what it started.
  const pid_t group = getpgid(*pid);
  const bool by_group = group > 1 && group != getpgrp();
  r.group = by_group ? group : *pid;
  auto signal = [&](int sig) {
    if (by_group)
      kill(-group, sig);
    else
      kill(*pid, sig);
  };
  signal(SIGTERM);
  const auto until =
      clock_type::now() + std::chrono::duration_cast<clock_type::duration>(std::chrono::duration<double>(grace_s));
  while (process_running(*pid) && clock_type::now() < until) std::this_thread::sleep_for(std::chrono::milliseconds(10));
  if (process_running(*pid)) {
    signal(SIGKILL);
    r.killed = true;
    for (int i = 0; i < 300 && process_running(*pid); ++i) std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  if (process_running(*pid))
    throw std::runtime_error("service '" + service + "' of node '" + node + "' (PID " + std::to_string(*pid) +
                             ") did not stop");
  std::error_code ec;
  fs::remove(pid_file, ec);
  return r;
}

}  // namespace netrig
