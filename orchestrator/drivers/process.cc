#include "drivers/process.h"

#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <sys/mount.h>
#include <sys/wait.h>
#include <unistd.h>

#include <boost/process.hpp>
#include <boost/process/extend.hpp>
#include <chrono>
#include <optional>

#include "drivers/interrupt.h"
#include "drivers/netns.h"
#include "drivers/system_error.h"

namespace bp = boost::process;

namespace netrig {

bool installed(const std::string& program) {
  if (program.find('/') != std::string::npos) return access(program.c_str(), X_OK) == 0;
  return !bp::search_path(program).empty();
}

namespace {

// Starts argv in the node: own process group, the node's network namespace, stdout and stderr
// into `out` (whose write end is closed here), stdin from /dev/null.
bp::child spawn_in_netns(const std::string& netns, const std::vector<std::string>& argv, bp::pipe& out) {
  auto exe = argv.at(0).find('/') == std::string::npos ? bp::search_path(argv[0]) : boost::filesystem::path(argv[0]);
  if (exe.empty()) throw SystemError("start " + shell_join(argv) + ": " + argv[0] + " is not installed", ENOENT);
  int ns_fd = -1;
  if (!netns.empty()) ns_fd = open_netns(netns);
  std::error_code ec;
  // In the child, before exec: own process group (so a timeout kills all it started) and the
  // node's network namespace.
  bp::child child(
      bp::exe = exe, bp::args = std::vector<std::string>(argv.begin() + 1, argv.end()),
      (bp::std_out & bp::std_err) > out, bp::std_in < bp::null,
      bp::extend::on_exec_setup =
          [ns_fd](auto&) {
            setpgid(0, 0);
            if (ns_fd < 0) return;
            if (setns(ns_fd, CLONE_NEWNET) != 0) _exit(126);
            // As `ip netns exec` does: a private mount namespace with the node's own /sys, so
            // /sys/class/net lists the node's interfaces, not the host's.
            if (unshare(CLONE_NEWNS) == 0 && mount("", "/", "none", MS_SLAVE | MS_REC, nullptr) == 0) {
              umount2("/sys", MNT_DETACH);
              mount("sysfs", "/sys", "sysfs", 0, nullptr);
            }
          },
      ec);
  if (ns_fd >= 0) close(ns_fd);
  if (ec) throw SystemError("start " + shell_join(argv), ec.value());
  // Our copy of the write end must go, or the read end never sees EOF.
  ::close(out.native_sink());
  out.assign_sink(-1);
  const int fd = out.native_source();
  fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
  return child;
}

// Reads what is there (up to 1 MiB kept); false at end of file.
bool drain(int fd, std::string& into) {
  char buf[4096];
  for (;;) {
    ssize_t n = read(fd, buf, sizeof buf);
    if (n > 0) {
      if (into.size() < (1u << 20)) into.append(buf, static_cast<size_t>(n));
      continue;
    }
    return n != 0;
  }
}

}  // namespace

ExecResult run_in_netns(const std::string& netns, const std::vector<std::string>& argv, double timeout_s) {
  using clock = std::chrono::steady_clock;
  ExecResult result;
  result.argv = argv;
  const auto start = clock::now();
  const auto deadline = start + std::chrono::duration<double>(timeout_s);

  bp::pipe out;
  std::error_code ec;
  bp::child child = spawn_in_netns(netns, argv, out);

  const int fd = out.native_source();
  bool eof = false;
  std::optional<clock::time_point> exited_at;
  while (!eof) {
    auto now = clock::now();
    if (now >= deadline) {
      result.timed_out = true;
      break;
    }
    // Ctrl-C or a CI job cancelled: do not make the user wait for a long command to end.
    if (!exited_at && interrupted()) {
      result.interrupted = true;
      break;
    }
    if (!exited_at && !child.running()) exited_at = now;
    // A daemon the command left behind may hold the pipe open: stop reading shortly after exit.
    if (exited_at && now - *exited_at > std::chrono::milliseconds(200)) break;
    pollfd p{fd, POLLIN, 0};
    int wait_ms = static_cast<int>(std::chrono::duration_cast<std::chrono::milliseconds>(deadline - now).count());
    poll(&p, 1, std::min(wait_ms, exited_at ? 50 : 20) + 1);
    eof = !drain(fd, result.output);
  }
  if (result.timed_out || result.interrupted) kill(-child.id(), SIGKILL);
  child.wait(ec);
  int status = child.native_exit_code();
  result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  result.seconds = std::chrono::duration<double>(clock::now() - start).count();
  return result;
}

struct Background::Impl {
  std::vector<std::string> argv;
  bp::pipe out;
  bp::child child;
  std::string output;
  std::chrono::steady_clock::time_point start = std::chrono::steady_clock::now();
  bool stopped = false;
  std::vector<TimedLine> lines;
  size_t stamped = 0;  // output[0, stamped) is in `lines`
  bool read(int fd) {  // drain + stamp; false at end of file
    const bool open = drain(fd, output);
    const double now = steady_seconds();
    for (size_t nl; (nl = output.find('\n', stamped)) != std::string::npos; stamped = nl + 1)
      lines.push_back({now, output.substr(stamped, nl - stamped)});
    return open;
  }
};

double steady_seconds() {
  return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

Background::Background(const std::string& netns, const std::vector<std::string>& argv, const std::string& ready,
                       double ready_timeout_s)
    : impl_(std::make_unique<Impl>()) {
  using clock = std::chrono::steady_clock;
  impl_->argv = argv;
  impl_->child = spawn_in_netns(netns, argv, impl_->out);
  if (ready.empty()) return;
  const auto deadline = clock::now() + std::chrono::duration<double>(ready_timeout_s);
  const int fd = impl_->out.native_source();
  bool eof = false;
  while (impl_->output.find(ready) == std::string::npos) {
    std::string why;
    if (eof || !impl_->child.running()) why = "exited before saying '" + ready + "'";
    if (clock::now() >= deadline) why = "did not say '" + ready + "' in time";
    if (interrupted()) why = "interrupted";
    if (!why.empty()) {
      auto r = stop(SIGKILL, 1);
      throw std::runtime_error(shell_join(argv) + " " + why + (r.output.empty() ? "" : ": " + r.output));
    }
    pollfd p{fd, POLLIN, 0};
    poll(&p, 1, 20);
    eof = !impl_->read(fd);
  }
}

Background::~Background() {
  if (impl_ && !impl_->stopped) stop(SIGKILL, 1);
}

int Background::pid() const { return impl_->child.id(); }

void Background::pump(int wait_ms) {
  if (impl_->stopped) return;
  const int fd = impl_->out.native_source();
  pollfd p{fd, POLLIN, 0};
  poll(&p, 1, wait_ms);
  impl_->read(fd);
}

std::vector<TimedLine> Background::timed_lines() const { return impl_->lines; }

ExecResult Background::stop(int sig, double timeout_s) {
  using clock = std::chrono::steady_clock;
  ExecResult result;
  result.argv = impl_->argv;
  if (impl_->stopped) return result;
  impl_->stopped = true;
  const int fd = impl_->out.native_source();
  const pid_t pid = impl_->child.id();
  // Its own process group (setpgid in the child): the command and what it started, nothing else.
  if (impl_->child.running()) kill(-pid, sig);
  const auto deadline = clock::now() + std::chrono::duration<double>(timeout_s);
  bool eof = false;
  std::optional<clock::time_point> exited_at;
  // Another command started at the same moment may hold a copy of the pipe: once ours has
  // exited, read for a short while only.
  while (!eof && clock::now() < deadline &&
         !(exited_at && clock::now() - *exited_at > std::chrono::milliseconds(200))) {
    if (!exited_at && !impl_->child.running()) exited_at = clock::now();
    pollfd p{fd, POLLIN, 0};
    poll(&p, 1, 20);
    eof = !impl_->read(fd);
  }
  if (!eof && !exited_at) {
    result.timed_out = true;
    kill(-pid, SIGKILL);
  }
  std::error_code ec;
  impl_->child.wait(ec);
  int status = impl_->child.native_exit_code();
  result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  result.output = impl_->output;
  result.seconds = std::chrono::duration<double>(clock::now() - impl_->start).count();
  return result;
}

}  // namespace netrig
