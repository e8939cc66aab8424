#include "drivers/node_background.h"

#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <fstream>

#include "drivers/container.h"
#include "drivers/node_exec.h"
#include "drivers/system_error.h"
#include "drivers/vm.h"

namespace netrig {

static std::string quoted(const std::string& s) {
  std::string out = "'";
  for (char c : s) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

static std::string polls(double timeout_s) {  // rounds of `sleep 0.05`
  return std::to_string(std::max(1, static_cast<int>(timeout_s * 20)));
}

std::string guest_start_script(const std::vector<std::string>& argv, const std::string& dir) {
  // The command runs as the child of a small sh in its own session, which records the command's
  // PID and, once it ends, its exit code. Nothing keeps the agent's output pipe open.
  const std::string inner = shell_join(argv) + " & echo $! >\"$0\"/pid; wait $!; echo $? >\"$0\"/rc";
  const std::string d = quoted(dir);
  return "mkdir -p " + d + " || exit 1; setsid sh -c " + quoted(inner) + " " + d + " >" + d +
         "/out 2>&1 </dev/null &\n" + "i=0; while [ ! -s " + d +
         "/pid ] && [ $i -lt 100 ]; do sleep 0.01; i=$((i+1)); done; cat " + d + "/pid";
}

std::string guest_ready_script(const std::string& dir, const std::string& ready, double timeout_s) {
  const std::string d = quoted(dir);
  return "i=0; while [ $i -lt " + polls(timeout_s) + " ]; do grep -qF -- " + quoted(ready) + " " + d +
         "/out && exit 0; [ -s " + d + "/rc ] && { cat " + d + "/out; exit 3; }; sleep 0.05; i=$((i+1)); done; cat " +
         d + "/out; exit 1";
}

std::string guest_stop_script(const std::string& dir, int sig, double timeout_s) {
  const std::string d = quoted(dir);
  return "p=$(cat " + d + "/pid); kill -" + std::to_string(sig) + " $p 2>/dev/null; i=0; while [ ! -s " + d +
         "/rc ] && [ $i -lt " + polls(timeout_s) + " ]; do sleep 0.05; i=$((i+1)); done; [ -s " + d +
         "/rc ] || { kill -9 $p 2>/dev/null; sleep 0.1; }; cat " + d + "/out; rc=$(cat " + d +
         "/rc 2>/dev/null); rm -rf " + d + "; exit ${rc:-137}";
}

std::string guest_temp_path(const std::string& stem) {
  static std::atomic<int> counter{0};
  return "/tmp/netrig-" + std::to_string(getpid()) + "-" + std::to_string(++counter) + "-" + stem;
}

NodeBackground::NodeBackground(const Plan& plan, const std::string& node, const std::vector<std::string>& argv,
                               const std::string& ready, double ready_timeout_s) {
  if (is_container(plan, node)) {  // inside the container, in its network namespace
    local_ = std::make_unique<Background>(plan.netns_of(node), in_container(plan, node, argv), ready, ready_timeout_s);
    return;
  }
  if (!is_vm(plan, node)) {
    local_ = std::make_unique<Background>(plan.netns_of(node), argv, ready, ready_timeout_s);
    return;
  }
  lab_ = plan.topology.name;
  node_ = node;
  dir_ = guest_temp_path(argv.empty() ? "cmd" : argv[0].substr(argv[0].rfind('/') + 1));
  auto started = vm_exec(lab_, node_, guest_start_script(argv, dir_), 10);
  if (started.exit_code != 0 || started.output.empty())
    throw SystemError("start " + shell_join(argv) + " in guest " + node + ": " + started.output, EIO);
  if (ready.empty()) return;
  auto seen = vm_exec(lab_, node_, guest_ready_script(dir_, ready, ready_timeout_s), ready_timeout_s + 5);
  if (seen.exit_code != 0) {
    stop(SIGKILL, 1);
    throw SystemError(shell_join(argv) + " in guest " + node +
                          (seen.exit_code == 3 ? " exited" : " never said '" + ready + "'") + ": " + seen.output,
                      EIO);
  }
}

NodeBackground::NodeBackground(const std::string& netns, const std::vector<std::string>& argv, const std::string& ready,
                               double ready_timeout_s)
    : local_(std::make_unique<Background>(netns, argv, ready, ready_timeout_s)) {}

NodeBackground::~NodeBackground() {
  if (!local_ && !stopped_) stop(SIGKILL, 1);
}

ExecResult NodeBackground::stop(int sig, double timeout_s) {
  if (local_) return local_->stop(sig, timeout_s);
  stopped_ = true;
  return vm_exec(lab_, node_, guest_stop_script(dir_, sig, timeout_s), timeout_s + 5);
}

void NodeBackground::pump(int wait_ms) {
  if (local_) local_->pump(wait_ms);
}

std::vector<TimedLine> NodeBackground::timed_lines() const {
  return local_ ? local_->timed_lines() : std::vector<TimedLine>{};
}

std::string fetch_guest_file(const Plan& plan, const std::string& node, const std::string& guest_path,
                             const std::string& host_path) {
  // The agent's frames are length-prefixed, so binary output arrives intact (up to 4 MiB).
  auto r = vm_exec(plan.topology.name, node, "cat " + quoted(guest_path) + " && rm -f " + quoted(guest_path), 20);
  if (r.exit_code != 0) return "cannot read " + guest_path + " in guest " + node + ": " + r.output;
  if (r.output.size() >= (4u << 20)) return guest_path + " in guest " + node + " is larger than the agent's 4 MiB";
  std::ofstream out(host_path, std::ios::binary | std::ios::trunc);
  out.write(r.output.data(), static_cast<std::streamsize>(r.output.size()));
  if (!out) return "cannot write " + host_path;
  return "";
}

}  // namespace netrig
