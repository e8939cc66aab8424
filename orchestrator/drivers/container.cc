#include "drivers/container.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <thread>
#include <vector>

#include "drivers/interrupt.h"
#include "drivers/netns.h"
#include "drivers/process.h"
#include "util/files.h"

namespace netrig {

namespace fs = std::filesystem;
using nlohmann::json;

namespace {

std::string runc_root(const std::string& lab) { return lab_dir(lab) + "/runc"; }
std::string node_dir(const std::string& lab, const std::string& node) { return lab_dir(lab) + "/containers/" + node; }
std::string pid_file(const std::string& lab, const std::string& node) { return node_dir(lab, node) + "/pid"; }

std::string read_text(const std::string& path) { return read_file(path); }

std::string tail(const std::string& text, size_t n = 2000) {
  return text.size() <= n ? text : "..." + text.substr(text.size() - n);
}

// The host's tini-static (a static binary works in any image).
std::string init_binary() {
  for (const char* p : {"/usr/bin/tini-static", "/bin/tini-static"})
    if (access(p, X_OK) == 0) return p;
  return "";
}

// The capabilities this process holds (its bounding set): all of them are handed on.
std::vector<std::string> held_capabilities() {
  std::ifstream status("/proc/self/status");
  unsigned long long mask = 0;
  for (std::string line; std::getline(status, line);)
    if (line.rfind("CapBnd:", 0) == 0) mask = std::stoull(line.substr(7), nullptr, 16);
  std::vector<std::string> caps;
  const auto& names = capability_names();
  for (size_t i = 0; i < names.size() && i < 64; ++i)
    if (mask & (1ULL << i)) caps.push_back(names[i]);
  return caps;
}

// NAME, UID or UID:GID (NAME:GROUP) against the image's /etc/passwd and /etc/group.
ContainerUser resolve_user(const std::string& spec, const std::string& rootfs, const std::string& node) {
  ContainerUser u;
  if (spec.empty()) return u;
  const auto colon = spec.find(':');
  const auto user = spec.substr(0, colon);
  const auto group = colon == std::string::npos ? "" : spec.substr(colon + 1);
  auto lookup = [&](const std::string& file, const std::string& name, bool want_gid, unsigned& id) {
    if (!name.empty() && name.find_first_not_of("0123456789") == std::string::npos) {
      id = static_cast<unsigned>(std::stoul(name));
      return true;
    }
    std::ifstream in(rootfs + file);
    for (std::string line; std::getline(in, line);) {
      std::vector<std::string> f;
      std::stringstream s(line);
      for (std::string x; std::getline(s, x, ':');) f.push_back(x);
      if (f.size() >= 4 && f[0] == name) {
        id = static_cast<unsigned>(std::stoul(f[2]));
        if (want_gid && group.empty()) u.gid = static_cast<unsigned>(std::stoul(f[3]));
        return true;
      }
    }
    return false;
  };
  if (!lookup("/etc/passwd", user, true, u.uid))
    throw std::runtime_error("user '" + user + "' of container '" + node + "' is not in the image's /etc/passwd");
  if (!group.empty() && !lookup("/etc/group", group, false, u.gid))
    throw std::runtime_error("group '" + group + "' of container '" + node + "' is not in the image's /etc/group");
  return u;
}

std::vector<ResolvedBind> resolve_binds(const Plan& plan, const NodeSpec& node) {
  std::vector<ResolvedBind> out;
  const auto base =
      plan.topology.file.empty() ? fs::current_path() : fs::absolute(fs::path(plan.topology.file)).parent_path();
  for (const auto& b : node.container.binds) {
    fs::path host = b.host;
    if (host.is_relative()) host = base / host;
    host = host.lexically_normal();
    if (!fs::exists(host))
      throw std::runtime_error("bind of container '" + node.name + "': " + host.string() +
                               " does not exist (host paths are relative to the topology file's directory)");
    out.push_back({host.string(), b.container, b.read_only});
  }
  return out;
}

// The cgroup controllers a limit needs, mounted (v1) or listed (v2).
std::string cgroup_problem(const NodeSpec& node) {
  auto have = [](const std::string& controller) {
    if (fs::exists("/sys/fs/cgroup/" + controller)) return true;  // v1 hierarchy
    auto v2 = read_text("/sys/fs/cgroup/cgroup.controllers");
    return (" " + v2 + " ").find(" " + controller) != std::string::npos;
  };
  if (node.container.memory_bytes && !have("memory"))
    return "'memory' of container '" + node.name +
           "': this host has no memory cgroup controller, so no limit can be set (remove 'memory', or enable the "
           "controller: cgroup_enable=memory on the kernel command line)";
  if (node.container.cpus && !have("cpu"))
    return "'cpus' of container '" + node.name + "': this host has no cpu cgroup controller (remove 'cpus')";
  return "";
}

bool mounted(const std::string& point) {
  std::ifstream mountinfo("/proc/self/mountinfo");
  for (std::string line; std::getline(mountinfo, line);) {
    std::istringstream f(line);
    std::string id, parent, dev, root, mp;
    f >> id >> parent >> dev >> root >> mp;
    if (mp == point) return true;
  }
  return false;
}

// argv with stdin from /dev/null and stdout/stderr appended to `log` (runc -d hands its own stdio
// to the container, so this is the container's console too), in its own process group. posix_spawn
// (no shell in between: one exec less per container). Returns the exit code; 124 on a timeout
// (the group is killed), 130 when netrig is interrupted.
int run_logged(const std::vector<std::string>& argv, const std::string& log, double timeout_s) {
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_addopen(&actions, 1, log.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
  posix_spawn_file_actions_adddup2(&actions, 1, 2);
  posix_spawnattr_t attr;
  posix_spawnattr_init(&attr);
  posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETPGROUP);
  posix_spawnattr_setpgroup(&attr, 0);
  std::vector<char*> args;
  for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  pid_t pid = -1;
  const int rc = posix_spawnp(&pid, args[0], &actions, &attr, args.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  posix_spawnattr_destroy(&attr);
  if (rc != 0) throw std::runtime_error("start " + argv[0] + ": " + std::strerror(rc));
  // Wait on a pidfd: wakes the moment it exits, no polling interval.
  const int pidfd = static_cast<int>(syscall(SYS_pidfd_open, pid, 0));
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::duration<double>(timeout_s);
  int code = -1;
  for (;;) {
    int status = 0;
    if (waitpid(pid, &status, WNOHANG) == pid) {
      code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
      break;
    }
    const auto now = std::chrono::steady_clock::now();
    if (now >= deadline || interrupted()) {
      kill(-pid, SIGKILL);
      waitpid(pid, nullptr, 0);
      code = now >= deadline ? 124 : 130;
      break;
    }
    const int left = static_cast<int>(std::chrono::duration_cast<std::chrono::milliseconds>(deadline - now).count());
    if (pidfd >= 0) {
      pollfd p{pidfd, POLLIN, 0};
      poll(&p, 1, std::min(left, 200) + 1);  // 200 ms: still notice an interrupt
    } else {
      std::this_thread::sleep_for(std::chrono::milliseconds(2));
    }
  }
  if (pidfd >= 0) close(pidfd);
  return code;
}

}  // namespace

std::string container_store() {
  const char* env = std::getenv("NETRIG_CONTAINER_DIR");
  return env && *env ? env : "/var/cache/netrig/containers";
}

std::optional<ContainerImage> find_container_image(const std::string& name) {
  std::string repo = name, tag = "latest";
  if (auto colon = name.rfind(':'); colon != std::string::npos && name.find('/', colon) == std::string::npos) {
    repo = name.substr(0, colon);
    tag = name.substr(colon + 1);
  }
  std::string dirname = repo;
  for (auto& ch : dirname)
    if (ch == '/') ch = '+';
  const auto dir = container_store() + "/" + dirname + "/" + tag;
  auto meta = json::parse(read_text(dir + "/image.json"), nullptr, false);
  if (meta.is_discarded() || !meta.is_object() || !fs::is_directory(dir + "/rootfs")) return std::nullopt;
  ContainerImage image;
  image.name = name;
  image.dir = fs::canonical(dir).string();
  image.rootfs = image.dir + "/rootfs";
  auto strings = [&](const char* key) {
    std::vector<std::string> v;
    if (meta.contains(key) && meta[key].is_array())
      for (const auto& s : meta[key])
        if (s.is_string()) v.push_back(s);
    return v;
  };
  image.entrypoint = strings("entrypoint");
  image.cmd = strings("cmd");
  image.env = strings("env");
  image.workdir = meta.value("workdir", "/");
  image.user = meta.value("user", "");
  return image;
}

std::string missing_image_hint(const std::string& name) {
  return "image '" + name + "' is not in the local store " + container_store() +
         (name.rfind("netrig/debian", 0) == 0 ? "; build it with: images/build-container.sh (needs mmdebstrap)"
                                              : "; build netrig/debian with images/build-container.sh and name "
                                                "that, or put a root filesystem and image.json under " +
                                                    container_store() + "/<name with / as +>/<tag>/");
}

void check_containers_runnable(const Plan& plan) {
  std::string problems;
  bool any = false;
  for (const auto& n : plan.topology.nodes) {
    if (n.kind != NodeKind::Container) continue;
    any = true;
    if (!find_container_image(n.container.image))
      problems += "\n  node '" + n.name + "': " + missing_image_hint(n.container.image);
    if (auto p = cgroup_problem(n); !p.empty()) problems += "\n  " + p;
  }
  if (!any) return;
  if (!installed("runc")) problems += "\n  runc is not installed (Debian: apt-get install runc)";
  if (init_binary().empty()) problems += "\n  tini-static is not installed (Debian: apt-get install tini)";
  if (!installed("nsenter")) problems += "\n  nsenter is not installed (Debian: util-linux)";
  if (!problems.empty()) throw std::runtime_error("container nodes cannot start:" + problems);
}

std::chrono::steady_clock::time_point start_container(const Plan& plan, const NodeSpec& node, Journal& journal) {
  const auto& lab = plan.topology.name;
  auto image = find_container_image(node.container.image);
  if (!image) throw std::runtime_error(missing_image_hint(node.container.image));
  const auto dir = node_dir(lab, node.name);
  ContainerPaths paths;
  paths.bundle = dir;
  paths.rootfs = dir + "/rootfs";
  paths.netns = netns_path(plan.netns_of(node.name));
  paths.init = init_binary();
  for (const char* sub : {"/upper", "/work", "/rootfs"}) fs::create_directories(dir + sub);
  fs::create_directories(runc_root(lab));
  auto binds = resolve_binds(plan, node);
  auto user = resolve_user(node.container.user.empty() ? image->user : node.container.user, image->rootfs, node.name);
  auto command = container_command(node, *image);
  if (command.empty())
    throw std::runtime_error("container '" + node.name + "': neither the node nor image '" + image->name +
                             "' says what to run; write 'cmd:' on the node");

  // equivalent: mount -t overlay overlay -o lowerdir=IMAGE,upperdir=upper,workdir=work rootfs
  journal.record({"mount", paths.rootfs, "", 0});
  const auto options = "lowerdir=" + image->rootfs + ",upperdir=" + dir + "/upper,workdir=" + dir + "/work";
  if (mount("overlay", paths.rootfs.c_str(), "overlay", 0, options.c_str()) != 0)
    throw std::runtime_error("mount the overlay root filesystem of container '" + node.name +
                             "': " + std::strerror(errno));
  {  // hostname and hosts in the node's own layer
    std::ofstream(paths.rootfs + "/etc/hostname", std::ios::trunc) << node.name << "\n";
    std::ofstream(paths.rootfs + "/etc/hosts", std::ios::trunc) << container_hosts_file(node.name);
  }
  const auto config =
      oci_config(node, *image, paths, binds, user, container_cgroup(lab, node.name), held_capabilities());
  std::ofstream(dir + "/config.json", std::ios::trunc) << config.dump(1) << "\n";

  const auto id = container_id(lab, node.name);
  journal.record({"container", id, plan.netns_of(node.name), 0});
  const auto log = dir + "/console.log";
  const int code = run_logged(
      {"runc", "--root", runc_root(lab), "run", "-d", "--pid-file", pid_file(lab, node.name), "--bundle", dir, id}, log,
      30);
  if (code != 0)
    throw std::runtime_error("runc run " + id + " exited with " + std::to_string(code) + ": " + tail(read_text(log)));
  // runc returns once PID 1 (tini) runs; a command missing from the image ends it moments later.
  // Said here when it already has; the deploy's last look (container_stopped) catches the rest.
  if (auto why = container_stopped(plan, node); !why.empty()) throw std::runtime_error(why);
  return std::chrono::steady_clock::now();
}

std::string container_stopped(const Plan& plan, const NodeSpec& node) {
  if (container_pid(plan, node.name)) return "";
  auto image = find_container_image(node.container.image);
  const auto command = image ? container_command(node, *image) : std::vector<std::string>{};
  return "container '" + node.name + "' stopped at once (" + shell_join(command) +
         "): " + tail(read_text(node_dir(plan.topology.name, node.name) + "/console.log"));
}

std::optional<pid_t> container_pid(const Plan& plan, const std::string& node) {
  std::ifstream in(pid_file(plan.topology.name, node));
  long pid = 0;
  if (!(in >> pid) || pid <= 1) return std::nullopt;
  // Still a process, not a zombie, and in the node's network namespace (not a reused PID).
  struct ::stat ns_stat {
  }, proc_stat{};
  if (::stat(netns_path(plan.netns_of(node)).c_str(), &ns_stat) != 0) return std::nullopt;
  if (::stat(("/proc/" + std::to_string(pid) + "/ns/net").c_str(), &proc_stat) != 0) return std::nullopt;
  if (ns_stat.st_ino != proc_stat.st_ino) return std::nullopt;
  auto st = read_text("/proc/" + std::to_string(pid) + "/stat");
  auto paren = st.rfind(')');
  if (paren == std::string::npos || paren + 2 >= st.size() || st[paren + 2] == 'Z') return std::nullopt;
  return static_cast<pid_t>(pid);
}

std::vector<std::string> in_container(const Plan& plan, const std::string& node, const std::vector<std::string>& argv) {
  auto pid = container_pid(plan, node);
  if (!pid) throw std::runtime_error("container of node '" + node + "' is not running");
  std::vector<std::string> out = {"nsenter", "-t", std::to_string(*pid), "-m", "-u", "-i", "-p", "--", "env", "-i"};
  // The container's environment, as its PID 1 (tini, started by runc with the config's env) holds it.
  const auto environ_text = read_text("/proc/" + std::to_string(*pid) + "/environ");
  for (size_t start = 0; start < environ_text.size();) {
    auto end = environ_text.find('\0', start);
    if (end == std::string::npos) end = environ_text.size();
    if (end > start) out.push_back(environ_text.substr(start, end - start));
    start = end + 1;
  }
  out.insert(out.end(), argv.begin(), argv.end());
  return out;
}

int destroy_containers(const std::string& lab, const std::vector<JournalEntry>& entries, std::string* problem) {
  std::vector<std::string> ids;
  for (const auto& e : entries)
    if (e.op == "container") ids.push_back(e.name);
  // --force kills the container (SIGKILL) and removes its state and cgroups; an id runc does not
  // know (never started, or already gone) is fine. One delete takes ~120 ms, mostly waiting for the
  // kill, so they run 8 at a time (50 nodes: 6.1 s one by one).
  std::atomic<size_t> next{0};
  std::atomic<int> removed{0};
  auto worker = [&] {
    for (size_t i; (i = next++) < ids.size();)
      removed += run_in_netns("", {"runc", "--root", runc_root(lab), "delete", "--force", ids[i]}, 20).exit_code == 0;
  };
  std::vector<std::thread> workers;
  for (size_t w = 0; w < std::min<size_t>(8, ids.size()); ++w) workers.emplace_back(worker);
  for (auto& t : workers) t.join();
  for (auto it = entries.rbegin(); it != entries.rend(); ++it) {
    if (it->op != "mount" || !mounted(it->name)) continue;
    if (umount2(it->name.c_str(), 0) != 0 && umount2(it->name.c_str(), MNT_DETACH) != 0 && problem)
      *problem += "cannot unmount " + it->name + ": " + std::strerror(errno) + "; ";
  }
  return removed.load();
}

}  // namespace netrig
