#include "drivers/vm.h"

#include <fcntl.h>
#include <linux/if_tun.h>
#include <linux/kvm.h>
#include <net/if.h>
#include <sched.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <boost/process.hpp>
#include <boost/process/extend.hpp>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <memory>
#include <mutex>
#include <optional>
#include <sstream>
#include <thread>

#include "build_paths.h"
#include "drivers/fd.h"
#include "drivers/interrupt.h"
#include "drivers/netlink.h"
#include "drivers/netns.h"
#include "drivers/ovs.h"
#include "drivers/system_error.h"
#include "drivers/vm_agent.h"
#include "model/names.h"
#include "plan/vm.h"
#include "util/files.h"
#include "util/proc.h"

namespace bp = boost::process;
namespace fs = std::filesystem;

namespace netrig {

std::string vm_run_dir(const std::string& lab, const std::string& node) {
  auto dir = lab_dir(lab) + "/vm-" + node;
  // sun_path holds 108 bytes; the longest name below is "/console.sock".
  if (dir.size() + 14 > 107) {
    char h[16];
    std::snprintf(h, sizeof h, "%08x", fnv1a32(node));
    dir = lab_dir(lab) + "/vm-" + h;
  }
  return dir;
}
std::string vm_agent_socket(const std::string& lab, const std::string& node) {
  return vm_run_dir(lab, node) + "/agent.sock";
}
std::string vm_console_socket(const std::string& lab, const std::string& node) {
  return vm_run_dir(lab, node) + "/console.sock";
}
std::string vm_console_log(const std::string& lab, const std::string& node) {
  return vm_run_dir(lab, node) + "/console.log";
}

std::string default_image_dir() {
  const char* env = std::getenv("NETRIG_IMAGE_DIR");
  return std::string(env && *env ? env : "/var/cache/netrig/images") + "/current";
}

std::string vm_image_dir(const NodeSpec& node) {
  auto dir = node.vm.image.empty() ? default_image_dir() : node.vm.image;
  for (const char* f : {"/vmlinux", "/initrd.cpio", "/cmdline"})
    if (!fs::exists(dir + f)) return "";
  return dir;
}

namespace {

// Boots the image's kernel under KVM with a serial log and waits for the guest's NETRIG-READY
// line (docs/design-vms.md §2: a real-mode probe passes here although KVM guests hang).
Accel kvm_probe(const std::string& image, double timeout_s) {
  int fd = open("/dev/kvm", O_RDWR | O_CLOEXEC);
  if (fd < 0) return {"tcg", "no usable /dev/kvm (" + std::string(std::strerror(errno)) + ")"};
  int version = ioctl(fd, KVM_GET_API_VERSION, 0);
  close(fd);
  if (version != 12) return {"tcg", "/dev/kvm answers API version " + std::to_string(version) + ", not 12"};
  if (image.empty()) return {"tcg", "no guest image to probe KVM with"};
  char dir_template[] = "/tmp/netrig-kvm-probe-XXXXXX";
  if (!mkdtemp(dir_template)) return {"tcg", "mkdtemp failed"};
  const std::string dir = dir_template, log = dir + "/console.log";
  auto cmdline = read_file(image + "/cmdline");
  while (!cmdline.empty() && (cmdline.back() == '\n' || cmdline.back() == ' ')) cmdline.pop_back();
  std::error_code ec;
  const auto start = std::chrono::steady_clock::now();
  bp::child qemu(bp::search_path("qemu-system-x86_64"),
                 bp::args = std::vector<std::string>{"-nodefaults", "-no-user-config",
                                                     "-display",    "none",
                                                     "-machine",    "q35",
                                                     "-accel",      "kvm",
                                                     "-cpu",        "max",
                                                     "-m",          "128",
                                                     "-kernel",     image + "/vmlinux",
                                                     "-initrd",     image + "/initrd.cpio",
                                                     "-append",     cmdline,
                                                     "-serial",     "file:" + log},
                 (bp::std_out & bp::std_err) > boost::filesystem::path(dir + "/qemu.log"), bp::std_in < bp::null, ec);
  if (ec) return {"tcg", "cannot start qemu-system-x86_64 for the KVM probe"};
  Accel verdict{"tcg", ""};
  for (;;) {
    double t = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    if (read_file(log).find("NETRIG-READY") != std::string::npos) {
      char text[96];
      std::snprintf(text, sizeof text, "a KVM guest reached /init in %.1f s", t);
      verdict = {"kvm", text};
      break;
    }
    if (!qemu.running(ec)) {
      auto why = read_file(dir + "/qemu.log");
      why = why.substr(0, why.find('\n'));  // the first line: QEMU's own error
      verdict.reason = "/dev/kvm opens but QEMU with -accel kvm exited: " + why.substr(0, 200);
      break;
    }
    if (t > timeout_s) {
      char text[160];
      std::snprintf(text, sizeof text, "/dev/kvm opens but a KVM guest kernel did not reach /init within %.0f s",
                    timeout_s);
      verdict.reason = text;
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  if (qemu.running(ec)) qemu.terminate(ec);  // SIGKILL to this PID only
  qemu.wait(ec);
  fs::remove_all(dir, ec);
  return verdict;
}

std::string accel_cache_file() {
  const char* env = std::getenv("NETRIG_IMAGE_DIR");
  return std::string(env && *env ? env : "/var/cache/netrig/images") + "/accel.txt";
}

}  // namespace

Accel vm_accelerator() {
  static std::mutex mutex;
  static std::optional<Accel> known;
  std::lock_guard lock(mutex);
  if (known) return *known;
  const char* env = std::getenv("NETRIG_VM_ACCEL");
  const std::string want = env && *env ? env : "auto";
  if (want == "tcg") return *(known = Accel{"tcg", "NETRIG_VM_ACCEL=tcg"});
  // The verdict is cached per image, QEMU binary and /dev/kvm (its ctime changes with chmod/chgrp).
  NodeSpec none;
  const auto image = vm_image_dir(none);
  struct stat kvm {};
  struct stat qemu {};
  stat("/dev/kvm", &kvm);
  stat("/usr/bin/qemu-system-x86_64", &qemu);
  const std::string key = (image.empty() ? std::string("-") : fs::canonical(image).string()) + " " +
                          std::to_string(kvm.st_ctime) + " " + std::to_string(qemu.st_mtime);
  {
    std::ifstream in(accel_cache_file());
    std::string cached_key, name, reason;
    if (std::getline(in, cached_key) && cached_key == key && std::getline(in, name) && std::getline(in, reason))
      known = Accel{name, reason + " (cached)"};
  }
  if (!known) {
    known = kvm_probe(image, 5.0);
    std::ofstream(accel_cache_file()) << key << "\n" << known->name << "\n" << known->reason << "\n";
  }
  if (want == "kvm" && known->name != "kvm")
    throw std::runtime_error("NETRIG_VM_ACCEL=kvm but KVM does not run a guest here: " + known->reason);
  return *known;
}

double vm_boot_timeout() {
  const char* env = std::getenv("NETRIG_VM_BOOT_TIMEOUT");
  return env && *env ? std::strtod(env, nullptr) : 120.0;
}

std::string vm_console_tail(const std::string& lab, const std::string& node, int lines) {
  std::ifstream in(vm_console_log(lab, node));
  std::vector<std::string> all;
  for (std::string line; std::getline(in, line);) {
    line.erase(std::remove(line.begin(), line.end(), '\r'), line.end());
    all.push_back(line);
  }
  std::string out;
  for (size_t i = all.size() > static_cast<size_t>(lines) ? all.size() - lines : 0; i < all.size(); ++i)
    out += all[i] + "\n";
  return out;
}

void plug_tap(int index, const PlannedLink& link, const std::string& mark) {
  NetlinkSocket nl;
  auto req = build_link_set(index, true, std::nullopt);
  if (link.a.ovs.empty()) {
    auto bridge = nl.find_link(link.a.bridge);
    if (!bridge) throw std::runtime_error("bridge " + link.a.bridge + " not found for TAP " + link.a.device);
    req.put_u32(IFLA_MASTER, static_cast<uint32_t>(bridge->index));
    req.description = "enslave TAP " + link.a.device + " to " + link.a.bridge;
  } else {
    // An OVS port: the switch's transaction already names it; ovs-vswitchd opens it once it exists.
    req.description = "bring up TAP " + link.a.device + " (port of ovs switch " + link.a.ovs + ")";
  }
  if (link.a.mtu) req.put_u32(IFLA_MTU, static_cast<uint32_t>(*link.a.mtu));
  std::vector<NlRequest> requests;
  requests.push_back(std::move(req));
  requests.push_back(build_link_alias(link.a.device, mark));
  nl.execute(requests);
}

namespace {

// A non-persistent TAP in the bridge's namespace, enslaved, up, marked as the lab's. Returns the
// open fd (close-on-exec; start_vm lets QEMU inherit it).
int create_tap(const PlannedLink& link, const std::string& mark) {
  NetnsGuard inside(link.a.netns);
  int fd = open("/dev/net/tun", O_RDWR | O_CLOEXEC);
  if (fd < 0) throw_errno("open /dev/net/tun");
  ifreq ifr{};
  ifr.ifr_flags = IFF_TAP | IFF_NO_PI | IFF_VNET_HDR;
  std::strncpy(ifr.ifr_name, link.a.device.c_str(), IFNAMSIZ - 1);
  if (ioctl(fd, TUNSETIFF, &ifr) != 0) {
    int e = errno;
    close(fd);
    throw SystemError("create TAP " + link.a.device, e);
  }
  try {
    int index = static_cast<int>(if_nametoindex(link.a.device.c_str()));
    if (index == 0) throw_errno("find " + link.a.device);
    plug_tap(index, link, mark);
  } catch (...) {
    close(fd);
    throw;
  }
  return fd;
}

}  // namespace

void start_vm(const Plan& plan, const NodeSpec& node, Journal& journal, const std::string& mark, double timeout_s) {
  using clock = std::chrono::steady_clock;
  const auto& lab = plan.topology.name;
  const auto guest = guest_image(node);
  const auto& image = guest.dir;
  if (!installed("qemu-system-x86_64"))
    throw std::runtime_error("qemu-system-x86_64 is not installed (Debian: qemu-system-x86; ci/setup.sh)");
  const auto dir = vm_run_dir(lab, node.name);
  fs::create_directories(dir);
  std::vector<std::unique_ptr<Fd>> taps;
  VmLaunch launch;
  launch.name = vm_domain_name(lab, node.name);
  launch.memory_mib = node.vm.memory_mib;
  launch.cpus = node.vm.cpus;
  launch.accel = vm_accelerator().name;
  launch.kernel = image + "/vmlinux";
  launch.initrd = image + "/initrd.cpio";
  launch.cmdline = guest.cmdline + " netrig.name=" + node.name;
  launch.console_socket = dir + "/console.sock";
  launch.console_log = dir + "/console.log";
  launch.agent_socket = dir + "/agent.sock";
  for (const auto* link : vm_links(plan, node.name)) {
    journal.record({"link", link->a.device, link->a.netns, 0});
    taps.push_back(std::make_unique<Fd>(create_tap(*link, mark)));
    launch.nics.push_back({taps.back()->fd, *link->b.mac, !link->a.ovs.empty() && ovs_userspace(plan, link->a.ovs)});
  }
  auto argv = qemu_argv(launch);
  const auto pidfile = dir + "/qemu.pid";
  argv.insert(argv.end(), {"-daemonize", "-pidfile", pidfile});
  std::vector<int> fds;
  for (const auto& t : taps) fds.push_back(t->fd);
  int ns_fd = open_netns(plan.netns_of(node.name));
  Fd ns_guard(ns_fd);
  std::error_code ec;
  const auto started = clock::now();
  // QEMU daemonizes once its sockets exist: the first process's exit status says whether it
  // started. Its messages go to a file, not a pipe: a QEMU another worker forks at the same moment
  // would inherit the pipe and keep it open for its whole life.
  const auto log = dir + "/qemu.log";
  bp::child child(
      bp::exe = bp::search_path("qemu-system-x86_64"),
      bp::args = std::vector<std::string>(argv.begin() + 1, argv.end()),
      (bp::std_out & bp::std_err) > boost::filesystem::path(log), bp::std_in < bp::null,
      bp::extend::on_exec_setup =
          [ns_fd, fds](auto&) {
            setsid();
            if (setns(ns_fd, CLONE_NEWNET) != 0) _exit(126);
            for (int fd : fds) fcntl(fd, F_SETFD, 0);
          },
      ec);
  if (ec) throw SystemError("start qemu-system-x86_64", ec.value());
  child.wait(ec);
  taps.clear();  // QEMU holds them now; the TAPs go when it exits
  if (child.exit_code() != 0)
    throw std::runtime_error("qemu-system-x86_64 for vm '" + node.name + "' failed (exit " +
                             std::to_string(child.exit_code()) + "): " + read_file(log) +
                             "command: " + shell_join(argv));
  pid_t pid = 0;
  std::ifstream(pidfile) >> pid;
  journal.record({"vm", node.name, plan.netns_of(node.name), static_cast<uint32_t>(pid)});

  wait_for_agent(lab, node.name, dir + "/agent.sock", started, timeout_s, launch.accel,
                 [pid] { return pid > 0 && !process_running(pid) ? std::string("QEMU exited during boot") : ""; });
}

GuestImage guest_image(const NodeSpec& node) {
  GuestImage g;
  g.dir = vm_image_dir(node);
  if (g.dir.empty())
    throw std::runtime_error("no guest image for vm '" + node.name + "' in " +
                             (node.vm.image.empty() ? default_image_dir() : node.vm.image) +
                             " (vmlinux, initrd.cpio, cmdline); build it with: bash " NETRIG_SOURCE_DIR
                             "/images/build.sh");
  g.cmdline = read_file(g.dir + "/cmdline");
  while (!g.cmdline.empty() && (g.cmdline.back() == '\n' || g.cmdline.back() == ' ')) g.cmdline.pop_back();
  return g;
}

void wait_for_agent(const std::string& lab, const std::string& node, const std::string& socket,
                    std::chrono::steady_clock::time_point started, double timeout_s, const std::string& what,
                    const std::function<std::string()>& stopped) {
  const auto deadline = started + std::chrono::duration<double>(timeout_s);
  std::string last;
  for (;;) {
    if (auto why = stopped(); !why.empty())
      throw std::runtime_error("vm '" + node + "': " + why + "; console:\n" + vm_console_tail(lab, node, 15));
    auto r = agent_run(socket, "true", 3);
    if (r.exit_code == 0) return;
    last = r.output;
    if (interrupted()) throw std::runtime_error("interrupted");
    if (std::chrono::steady_clock::now() >= deadline)
      throw std::runtime_error("vm '" + node + "': the guest's agent did not answer within " +
                               std::to_string(static_cast<int>(timeout_s)) + " s (" + what + ", " +
                               (last.empty() ? std::string("no answer") : last) + "); console " +
                               vm_console_log(lab, node) + " ends with:\n" + vm_console_tail(lab, node, 15));
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
}

void configure_vm(const Plan& plan, const NodeSpec& node) {
  auto script = vm_configure_script(plan, node);
  auto r = vm_exec(plan.topology.name, node.name, script, 30);
  if (r.exit_code != 0)
    throw std::runtime_error("configure vm '" + node.name + "' failed (exit " + std::to_string(r.exit_code) +
                             "): " + r.output + "script:\n" + script);
}

ExecResult vm_exec(const std::string& lab, const std::string& node, const std::string& command, double timeout_s) {
  return agent_run(vm_agent_socket(lab, node), command, timeout_s);
}

std::optional<IpAddr> guest_ipv4(const std::string& lab, const std::string& node, const std::string& device) {
  auto r = vm_exec(lab, node, "ip -4 -o addr show dev " + device + " scope global", 5);
  if (r.exit_code != 0) return std::nullopt;
  auto at = r.output.find(" inet ");
  if (at == std::string::npos) return std::nullopt;
  auto start = at + 6, end = r.output.find_first_of("/ ", start);
  return IpAddr::parse(r.output.substr(start, end - start));
}

}  // namespace netrig

namespace netrig {

bool vm_process_matches(pid_t pid, const std::string& lab, const std::string& node) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/cmdline");
  std::string cmdline((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  const std::string want = std::string("-name") + '\0' + vm_domain_name(lab, node) + '\0';
  return cmdline.find(want) != std::string::npos;
}

void wait_gone(const std::vector<pid_t>& pids, double timeout_s) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::duration<double>(timeout_s);
  for (pid_t pid : pids) {
    while (std::chrono::steady_clock::now() < deadline) {
      waitpid(pid, nullptr, WNOHANG);  // our own child (a rollback in the deploying process)
      if (!process_running(pid)) break;
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
  }
}

}  // namespace netrig
