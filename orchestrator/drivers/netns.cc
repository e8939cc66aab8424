#include "drivers/netns.h"

#include <dirent.h>
#include <fcntl.h>
#include <linux/magic.h>
#include <net/if.h>
#include <sched.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <unistd.h>

#include <cstdlib>
#include <exception>
#include <mutex>
#include <set>

#include "drivers/fd.h"
#include "drivers/system_error.h"
#include "util/daemon.h"

namespace netrig {

std::string netns_path(const std::string& name) { return std::string(kNetnsDir) + "/" + name; }

bool netns_exists(const std::string& name) {
  struct statfs fs;
  return statfs(netns_path(name).c_str(), &fs) == 0 && fs.f_type == NSFS_MAGIC;
}

bool netns_is_placeholder(const std::string& name) {
  const auto path = netns_path(name);
  struct statfs fs;
  struct stat st;
  return statfs(path.c_str(), &fs) == 0 && fs.f_type != NSFS_MAGIC && stat(path.c_str(), &st) == 0 &&
         S_ISREG(st.st_mode) && st.st_size == 0;
}

bool device_exists(const std::string& netns, const std::string& device) {
  if (!netns.empty() && !netns_exists(netns)) return false;
  NetnsGuard inside(netns);
  return if_nametoindex(device.c_str()) != 0;
}

// /run/netns must be a shared mount so namespaces mounted there are seen by every mount namespace;
// iproute2 sets it up the same way, so `ip netns` and netrig interoperate.
static void ensure_netns_dir() {
  static std::once_flag once;
  std::call_once(once, [] {
    mkdir("/run", 0755);
    if (mkdir(kNetnsDir, 0755) != 0 && errno != EEXIST) throw_errno(std::string("mkdir ") + kNetnsDir);
    if (mount("", kNetnsDir, "none", MS_SHARED | MS_REC, nullptr) == 0) return;
    if (errno != EINVAL) throw_errno(std::string("mount --make-shared ") + kNetnsDir);
    if (mount(kNetnsDir, kNetnsDir, "none", MS_BIND | MS_REC, nullptr) != 0)
      throw_errno(std::string("mount --bind ") + kNetnsDir);
    if (mount("", kNetnsDir, "none", MS_SHARED | MS_REC, nullptr) != 0)
      throw_errno(std::string("mount --make-shared ") + kNetnsDir);
  });
}

void create_netns(const std::string& name, const std::function<void()>& inside) {
  ensure_netns_dir();
  const auto path = netns_path(name);
  int fd = open(path.c_str(), O_RDONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0);
  if (fd < 0) throw_errno("create " + path);
  close(fd);
  // unshare() moves only this thread; the guard brings it back whatever happens.
  int original = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
  if (original < 0) {
    int e = errno;
    unlink(path.c_str());
    throw SystemError("open /proc/thread-self/ns/net", e);
  }
  int error = 0;
  std::string what;
  std::exception_ptr failed;
  if (unshare(CLONE_NEWNET) != 0) {
    error = errno;
    what = "unshare(CLONE_NEWNET)";
  } else {
    try {
      if (inside) inside();
    } catch (...) {
      failed = std::current_exception();
    }
    if (!failed && mount("/proc/thread-self/ns/net", path.c_str(), "none", MS_BIND, nullptr) != 0) {
      error = errno;
      what = "mount --bind netns on " + path;
    }
  }
  if (setns(original, CLONE_NEWNET) != 0) std::abort();  // a thread stuck in the lab's netns is unsafe
  close(original);
  if (error || failed) unlink(path.c_str());
  if (failed) std::rethrow_exception(failed);
  if (error) throw SystemError(what, error);
}

void delete_netns(const std::string& name) {
  const auto path = netns_path(name);
  if (umount2(path.c_str(), MNT_DETACH) != 0 && errno != EINVAL && errno != ENOENT) throw_errno("umount " + path);
  if (unlink(path.c_str()) != 0 && errno != ENOENT) throw_errno("unlink " + path);
}

namespace {
const int kHostNetnsFd = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
}  // namespace

int host_netns_fd() {
  if (kHostNetnsFd < 0) throw_errno("open /proc/self/ns/net");
  return kHostNetnsFd;
}

int open_netns(const std::string& name) {
  int fd = open(netns_path(name).c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) throw_errno("open netns " + name);
  return fd;
}

ino_t netns_inode(const std::string& name) {
  struct stat st;
  if (stat(netns_path(name).c_str(), &st) != 0) return 0;
  return st.st_ino;
}

std::vector<pid_t> pids_in_netns(const std::vector<ino_t>& inodes) {
  std::vector<pid_t> pids;
  std::set<ino_t> wanted(inodes.begin(), inodes.end());
  wanted.erase(0);
  if (wanted.empty()) return pids;
  DIR* proc = opendir("/proc");
  if (!proc) return pids;
  while (auto* entry = readdir(proc)) {
    char* end = nullptr;
    long pid = std::strtol(entry->d_name, &end, 10);
    if (*end != '\0' || pid <= 0) continue;
    struct stat st;
    std::string ns = std::string("/proc/") + entry->d_name + "/ns/net";
    if (stat(ns.c_str(), &st) == 0 && wanted.count(st.st_ino)) pids.push_back(static_cast<pid_t>(pid));
  }
  closedir(proc);
  return pids;
}

NetnsGuard::NetnsGuard(int netns_fd) { enter(netns_fd); }

NetnsGuard::NetnsGuard(const std::string& name) {
  if (name.empty()) return;  // the namespace the thread is in (the host's, for netrig's threads)
  int fd = open_netns(name);
  try {
    enter(fd);
  } catch (...) {
    close(fd);
    throw;
  }
  close(fd);
}

void NetnsGuard::enter(int netns_fd) {
  original_ = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
  if (original_ < 0) throw_errno("open /proc/thread-self/ns/net");
  if (setns(netns_fd, CLONE_NEWNET) != 0) {
    int e = errno;
    close(original_);
    throw SystemError("setns", e);
  }
}

NetnsGuard::~NetnsGuard() {
  if (original_ < 0) return;
  if (setns(original_, CLONE_NEWNET) != 0) std::abort();
  close(original_);
}

pid_t spawn_in_netns(const std::string& netns, const std::vector<std::string>& argv, const std::string& log_path) {
  Fd ns(open_netns(netns));
  return spawn_daemon(argv, log_path, ns.fd);
}

}  // namespace netrig
