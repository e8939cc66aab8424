// Helpers for the integration tests: run the real `netrig` binary (fork/exec, exit code, stdout,
// stderr), snapshot what one lab owns on the host, and clean a lab up whatever happens.
//
// Header-only on purpose: CMake globs only tests/integration/*_test.cc into netrig_tests.
//
// Host safety: everything here touches only objects of the lab it is given — namespaces named
// "<lab>-*", host devices named "<lab>-*" or carrying the lab's mark, and /run/netrig/<lab>.
// Processes are signalled only by the PID we started.
#pragma once

#include <fcntl.h>
#include <gtest/gtest.h>
#include <poll.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <memory>
#include <optional>
#include <random>
#include <regex>
#include <set>
#include <sstream>
#include <stdexcept>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "build_paths.h"
#include "drivers/deployer.h"
#include "model/names.h"
#include "model/parser.h"
#include "plan/plan.h"

extern char** environ;

namespace netrig_it {

namespace fs = std::filesystem;
using Env = std::vector<std::pair<std::string, std::string>>;

inline std::string netrig_binary() { return NETRIG_BINARY; }
inline std::string source_dir() { return NETRIG_SOURCE_DIR; }
inline std::string topology_path(const std::string& file) { return source_dir() + "/topologies/" + file; }

inline double seconds_since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

// How a command ended.
struct CmdResult {
  int exit_code = -1;  // exit status, or -1 when killed by a signal
  int signal = 0;      // the signal that killed it, 0 if it exited
  bool timed_out = false;
  std::string out;
  std::string err;
  double seconds = 0;
  std::string describe() const {
    std::ostringstream s;
    s << (signal ? "killed by signal " + std::to_string(signal) : "exit " + std::to_string(exit_code))
      << (timed_out ? " (timed out)" : "") << " after " << seconds << " s\n--- stdout ---\n"
      << out << "--- stderr ---\n"
      << err;
    return s.str();
  }
};

// A child process with its stdout and stderr captured through pipes. The destructor SIGKILLs it
// (by its PID only) if it still runs, and reaps it.
class Child {
 public:
  explicit Child(const std::vector<std::string>& argv, const Env& env = {}) {
    int out[2], err[2];
    if (pipe2(out, O_CLOEXEC) != 0 || pipe2(err, O_CLOEXEC) != 0) throw std::runtime_error("pipe2 failed");
    // Build everything the child needs before fork (no allocation after fork in a threaded process).
    std::vector<std::string> env_strings;
    for (char** e = environ; *e; ++e) {
      std::string entry = *e;
      bool overridden = false;
      for (const auto& [k, v] : env) overridden |= entry.rfind(k + "=", 0) == 0;
      if (!overridden) env_strings.push_back(entry);
    }
    for (const auto& [k, v] : env) env_strings.push_back(k + "=" + v);
    std::vector<char*> cargv, cenv;
    for (const auto& a : argv) cargv.push_back(const_cast<char*>(a.c_str()));
    cargv.push_back(nullptr);
    for (const auto& e : env_strings) cenv.push_back(const_cast<char*>(e.c_str()));
    cenv.push_back(nullptr);
    start_ = std::chrono::steady_clock::now();
    pid_ = fork();
    if (pid_ < 0) throw std::runtime_error("fork failed");
    if (pid_ == 0) {
      int devnull = open("/dev/null", O_RDONLY);
      if (devnull >= 0) dup2(devnull, 0);
      dup2(out[1], 1);
      dup2(err[1], 2);
      sigset_t none;
      sigemptyset(&none);
      sigprocmask(SIG_SETMASK, &none, nullptr);
      execve(cargv[0], cargv.data(), cenv.data());
      _exit(127);
    }
    close(out[1]);
    close(err[1]);
    out_fd_ = out[0];
    err_fd_ = err[0];
    fcntl(out_fd_, F_SETFL, O_NONBLOCK);
    fcntl(err_fd_, F_SETFL, O_NONBLOCK);
  }

  ~Child() {
    if (pid_ > 0 && !reaped_) {
      ::kill(pid_, SIGKILL);
      int status;
      waitpid(pid_, &status, 0);
    }
    if (out_fd_ >= 0) close(out_fd_);
    if (err_fd_ >= 0) close(err_fd_);
  }
  Child(const Child&) = delete;
  Child& operator=(const Child&) = delete;

  pid_t pid() const { return pid_; }
  const std::string& out() const { return out_; }
  const std::string& err() const { return err_; }

  void signal(int sig) {
    if (pid_ > 0 && !reaped_) ::kill(pid_, sig);
  }

  // Reads output until `pattern` matches stderr (or stdout when on_stdout) or the timeout passes.
  // Returns the match (group 1 if the pattern has one), or nullopt.
  std::optional<std::string> wait_for(const std::string& pattern, double timeout_s, bool on_stdout = false) {
    const std::regex re(pattern);
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::duration<double>(timeout_s);
    for (;;) {
      std::smatch m;
      const std::string& text = on_stdout ? out_ : err_;
      if (std::regex_search(text, m, re)) return m.size() > 1 ? m[1].str() : m[0].str();
      if (std::chrono::steady_clock::now() >= deadline) return std::nullopt;
      if (!pump(20) && exited()) return std::nullopt;
    }
  }

  // Whether the child has exited (reaps it if so).
  bool exited() {
    if (reaped_) return true;
    int status;
    pid_t r = waitpid(pid_, &status, WNOHANG);
    if (r == pid_) {
      record(status);
      return true;
    }
    return false;
  }

  // Waits for exit; SIGKILLs it after timeout_s. Collects all remaining output.
  CmdResult wait(double timeout_s) {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::duration<double>(timeout_s);
    while (!exited()) {
      if (std::chrono::steady_clock::now() >= deadline) {
        result_.timed_out = true;
        ::kill(pid_, SIGKILL);
        int status;
        waitpid(pid_, &status, 0);
        record(status);
        break;
      }
      pump(20);
    }
    // The pipes may stay open if netrig left a process behind; do not wait for EOF forever.
    const auto drain_until = std::chrono::steady_clock::now() + std::chrono::milliseconds(500);
    while (!(out_eof_ && err_eof_) && std::chrono::steady_clock::now() < drain_until) pump(20);
    result_.out = out_;
    result_.err = err_;
    return result_;
  }

 private:
  // Polls both pipes once; returns whether anything was read.
  bool pump(int timeout_ms) {
    pollfd fds[2] = {{out_eof_ ? -1 : out_fd_, POLLIN, 0}, {err_eof_ ? -1 : err_fd_, POLLIN, 0}};
    if (out_eof_ && err_eof_) {
      usleep(static_cast<useconds_t>(timeout_ms) * 1000);
      return false;
    }
    if (poll(fds, 2, timeout_ms) <= 0) return false;
    bool any = false;
    any |= drain(out_fd_, out_, out_eof_);
    any |= drain(err_fd_, err_, err_eof_);
    return any;
  }

  static bool drain(int fd, std::string& into, bool& eof) {
    if (eof) return false;
    bool any = false;
    char buf[8192];
    for (;;) {
      ssize_t n = read(fd, buf, sizeof buf);
      if (n > 0) {
        into.append(buf, static_cast<size_t>(n));
        any = true;
        continue;
      }
      if (n == 0) eof = true;
      return any;
    }
  }

  void record(int status) {
    reaped_ = true;
    result_.seconds = seconds_since(start_);
    if (WIFEXITED(status)) result_.exit_code = WEXITSTATUS(status);
    if (WIFSIGNALED(status)) result_.signal = WTERMSIG(status);
  }

  pid_t pid_ = -1;
  int out_fd_ = -1, err_fd_ = -1;
  bool out_eof_ = false, err_eof_ = false;
  bool reaped_ = false;
  std::string out_, err_;
  CmdResult result_;
  std::chrono::steady_clock::time_point start_;
};

// Runs a command to completion (killed after timeout_s).
inline CmdResult run(const std::vector<std::string>& argv, double timeout_s = 60, const Env& env = {}) {
  Child child(argv, env);
  return child.wait(timeout_s);
}

// Runs the netrig binary under test.
inline CmdResult netrig(std::vector<std::string> args, double timeout_s = 60, const Env& env = {}) {
  args.insert(args.begin(), netrig_binary());
  return run(args, timeout_s, env);
}

inline std::string find_ip() {
  for (const char* p : {"/usr/sbin/ip", "/sbin/ip", "/usr/bin/ip", "/bin/ip"})
    if (access(p, X_OK) == 0) return p;
  return "ip";
}

// Runs `ip`. A dump that raced with changes elsewhere on the host (other labs) is asked again.
inline CmdResult ip(std::vector<std::string> args) {
  args.insert(args.begin(), find_ip());
  CmdResult r;
  for (int attempt = 0; attempt < 10; ++attempt) {
    r = run(args, 20);
    if (r.err.find("Dump was interrupted") == std::string::npos) break;
  }
  return r;
}

// Everything on the host that belongs to one lab. Lab names used by the tests are exactly six
// characters, so every host device of the lab starts with "<lab>-" (netrig keeps a long derived
// name's first six characters, see short_kernel_name), as does every namespace.
struct HostSnapshot {
  std::set<std::string> netns;   // `ip netns list` names starting with "<lab>-"
  std::set<std::string> links;   // host `ip -o link` names starting with "<lab>-" or carrying the lab's mark
  std::set<std::string> mounts;  // mount points under /run/netns/<lab>-*
  bool state_dir = false;        // /run/netrig/<lab> exists

  bool empty() const { return netns.empty() && links.empty() && mounts.empty() && !state_dir; }
  bool operator==(const HostSnapshot& o) const {
    return netns == o.netns && links == o.links && mounts == o.mounts && state_dir == o.state_dir;
  }
  std::string describe() const {
    std::ostringstream s;
    auto list = [&](const char* what, const std::set<std::string>& items) {
      s << what << ": [";
      for (const auto& i : items) s << " " << i;
      s << " ]\n";
    };
    list("netns", netns);
    list("links", links);
    list("mounts", mounts);
    s << "state dir: " << (state_dir ? "present" : "absent") << "\n";
    return s.str();
  }
};

inline std::string state_dir(const std::string& lab) {
  const char* env = std::getenv("NETRIG_STATE_DIR");
  return std::string(env && *env ? env : "/run/netrig") + "/" + lab;
}

struct LinkLine {
  std::string name;
  std::string alias;
  std::string group;
};

// `ip -o link show` in the host namespace, parsed.
inline std::vector<LinkLine> host_links() {
  std::vector<LinkLine> links;
  auto r = ip({"-o", "link", "show"});
  std::istringstream lines(r.out);
  std::string line;
  static const std::regex head(R"(^\d+:\s+([^:@\s]+)(@[^:\s]*)?:)");
  static const std::regex alias(R"(\\?\s+alias\s+(\S+))");
  static const std::regex group(R"(\sgroup\s+(\S+))");
  while (std::getline(lines, line)) {
    std::smatch m;
    if (!std::regex_search(line, m, head)) continue;
    LinkLine l;
    l.name = m[1];
    if (std::regex_search(line, m, alias)) l.alias = m[1];
    if (std::regex_search(line, m, group)) l.group = m[1];
    links.push_back(l);
  }
  return links;
}

inline bool starts_with(const std::string& s, const std::string& prefix) { return s.rfind(prefix, 0) == 0; }

// The routes, without those the kernel keeps for a device that exists in only one of the two
// snapshots `a` and `b` (a device's fe80::/64 and multicast routes come and go with it, and other
// labs may come and go on this host meanwhile). A route added to a device that stays — the host's
// uplink — or one without a device still shows.
inline std::string stable_routes(const std::string& routes, const std::set<std::string>& a,
                                 const std::set<std::string>& b) {
  static const std::regex dev(R"(\sdev\s+(\S+))");
  std::istringstream in(routes);
  std::string out;
  for (std::string line; std::getline(in, line);) {
    std::smatch m;
    if (std::regex_search(line, m, dev) && (!a.count(m[1]) || !b.count(m[1]))) continue;
    out += line + "\n";
  }
  return out;
}

inline HostSnapshot snapshot(const std::string& lab) {
  HostSnapshot snap;
  const std::string prefix = lab + "-";
  auto ns = ip({"netns", "list"});
  std::istringstream lines(ns.out);
  std::string line;
  while (std::getline(lines, line)) {
    auto name = line.substr(0, line.find(' '));
    if (starts_with(name, prefix)) snap.netns.insert(name);
  }
  const std::string mark = netrig::ownership_mark(lab);
  for (const auto& l : host_links())
    if (starts_with(l.name, prefix) || l.alias == mark) snap.links.insert(l.name);
  std::ifstream mountinfo("/proc/self/mountinfo");
  while (std::getline(mountinfo, line)) {
    std::istringstream fields(line);
    std::string id, parent, dev, root, point;
    fields >> id >> parent >> dev >> root >> point;
    if (starts_with(point, "/run/netns/" + prefix)) snap.mounts.insert(point);
  }
  snap.state_dir = fs::exists(state_dir(lab));
  return snap;
}

inline std::string read_file(const std::string& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

inline void write_file(const std::string& path, const std::string& text) {
  std::ofstream out(path, std::ios::trunc);
  out << text;
}

// A lab name no lab on this host uses yet: "zq" + 4 random [a-z0-9], exactly six characters.
inline std::string unique_lab() {
  static std::mt19937_64 rng(std::random_device{}() ^ (static_cast<uint64_t>(getpid()) << 32) ^
                             static_cast<uint64_t>(std::chrono::steady_clock::now().time_since_epoch().count()));
  static const char alphabet[] = "abcdefghijklmnopqrstuvwxyz0123456789";
  for (;;) {
    std::string lab = "zq";
    for (int i = 0; i < 4; ++i) lab += alphabet[rng() % 36];
    if (snapshot(lab).empty()) return lab;
  }
}

// What a container lab can leave behind beyond the snapshot: mounts under its state directory,
// cgroups named after it, processes whose root is inside it.
inline std::vector<std::string> container_residue(const std::string& lab) {
  std::vector<std::string> left;
  const auto dir = state_dir(lab);
  std::ifstream mountinfo("/proc/self/mountinfo");
  for (std::string line; std::getline(mountinfo, line);) {
    std::istringstream f(line);
    std::string id, parent, dev, root, point;
    f >> id >> parent >> dev >> root >> point;
    if (starts_with(point, dir)) left.push_back("mount " + point);
  }
  std::error_code ec;
  for (const auto& top : fs::directory_iterator("/sys/fs/cgroup", ec)) {
    if (starts_with(top.path().filename().string(), "netrig-" + lab + "-"))
      left.push_back("cgroup " + top.path().string());
    if (top.is_directory(ec))
      for (const auto& sub : fs::directory_iterator(top.path(), ec))
        if (starts_with(sub.path().filename().string(), "netrig-" + lab + "-"))
          left.push_back("cgroup " + sub.path().string());
  }
  for (const auto& p : fs::directory_iterator("/proc", ec)) {
    const auto name = p.path().filename().string();
    if (name.find_first_not_of("0123456789") != std::string::npos) continue;
    auto root = fs::read_symlink(p.path() / "root", ec);
    if (!ec && starts_with(root.string(), dir)) left.push_back("process " + name + " rooted in " + root.string());
  }
  return left;
}

// A scratch directory for generated topology files and reports; removed at the end.
class TempDir {
 public:
  TempDir() {
    char tmpl[] = "/tmp/netrig-it-XXXXXX";
    if (!mkdtemp(tmpl)) throw std::runtime_error("mkdtemp failed");
    path_ = tmpl;
  }
  ~TempDir() {
    std::error_code ec;
    fs::remove_all(path_, ec);
  }
  const std::string& path() const { return path_; }
  std::string file(const std::string& name) const { return path_ + "/" + name; }

 private:
  std::string path_;
};

// Cleanup for one lab, registered before anything is created: `netrig destroy <lab>`, then, as a
// last resort, removes the exact namespaces the lab's plan names (every device of a lab lives in
// one of them), and the lab's state directory. Never matches by pattern.
class LabGuard {
 public:
  LabGuard(std::string lab, const std::string& topology_file) : lab_(std::move(lab)) {
    try {
      auto plan = netrig::make_plan(netrig::parse_topology(read_file(topology_file), topology_file, {lab_}));
      if (plan.uses_local_host) netns_.push_back(plan.local_netns());
      for (const auto& node : plan.topology.nodes) {
        if (netrig::in_own_netns(node.kind) || node.kind == netrig::NodeKind::Vm)
          netns_.push_back(plan.netns_of(node.name));
        if (node.dhcp) netns_.push_back(plan.netns_of(netrig::dhcp_node_name(node.name)));
      }
    } catch (const std::exception&) {
      // A topology that does not plan creates nothing; destroy alone is enough.
    }
  }
  ~LabGuard() { cleanup(); }
  LabGuard(const LabGuard&) = delete;
  LabGuard& operator=(const LabGuard&) = delete;

  const std::string& lab() const { return lab_; }
  const std::vector<std::string>& netns() const { return netns_; }

  // Returns what the last-resort pass had to remove (empty when destroy did its job).
  std::vector<std::string> cleanup() {
    std::vector<std::string> leftovers;
    if (fs::exists(state_dir(lab_))) netrig({"destroy", lab_}, 60);
    for (const auto& ns : netns_) {
      if (fs::exists("/run/netns/" + ns)) {
        ip({"netns", "del", ns});
        leftovers.push_back("netns " + ns);
      }
    }
    std::error_code ec;
    if (fs::exists(state_dir(lab_))) {
      fs::remove_all(state_dir(lab_), ec);
      leftovers.push_back("state " + state_dir(lab_));
    }
    return leftovers;
  }

 private:
  std::string lab_;
  std::vector<std::string> netns_;
};

// Base fixture: skips without root; hands out unique lab names whose cleanup is registered
// before anything is created, and runs that cleanup in TearDown (newest lab first).
class NetrigTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (geteuid() != 0) GTEST_SKIP() << "integration tests need root: they create network namespaces and links";
    ASSERT_EQ(access(netrig_binary().c_str(), X_OK), 0) << "netrig binary not built: " << netrig_binary();
  }

  void TearDown() override {
    while (!guards_.empty()) {
      auto leftovers = guards_.back()->cleanup();
      for (const auto& l : leftovers)
        ADD_FAILURE() << "lab " << guards_.back()->lab() << ": cleanup had to remove " << l
                      << " by hand (netrig destroy left it)";
      guards_.pop_back();
    }
  }

  // A fresh lab name for this topology file, with its cleanup registered.
  LabGuard& new_lab(const std::string& topology_file) {
    guards_.push_back(std::make_unique<LabGuard>(unique_lab(), topology_file));
    return *guards_.back();
  }

  // The host must hold exactly what it held before for this lab.
  static void expect_same_host(const std::string& lab, const HostSnapshot& before, const std::string& when) {
    auto after = snapshot(lab);
    EXPECT_TRUE(after == before) << "lab " << lab << ", " << when << ": host differs\nbefore:\n"
                                 << before.describe() << "after:\n"
                                 << after.describe();
  }

  TempDir tmp_;
  std::vector<std::unique_ptr<LabGuard>> guards_;
};

}  // namespace netrig_it
