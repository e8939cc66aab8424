// Named network namespaces, compatible with iproute2 (`ip netns`): a bind mount under /run/netns.
#pragma once

#include <sys/types.h>

#include <functional>
#include <string>
#include <vector>

namespace netrig {

inline constexpr const char* kNetnsDir = "/run/netns";

std::string netns_path(const std::string& name);
// True when /run/netns/<name> holds a namespace (an nsfs mount), not merely a file.
bool netns_exists(const std::string& name);
// True when /run/netns/<name> is an empty regular file with no namespace mounted on it: what
// create_netns leaves when its process is killed between making the file and mounting on it.
bool netns_is_placeholder(const std::string& name);

// Creates /run/netns/<name> holding a new, empty network namespace. Fails if it exists.
// Equivalent: ip netns add <name>
// `inside` runs in the new namespace (on this thread) before it is mounted at /run/netns/<name>:
// whatever it sets (a lab's ownership mark) is there from the moment the name holds a namespace,
// so a process killed half-way never leaves a named namespace without it. If it throws, nothing
// is left and the exception is rethrown.
void create_netns(const std::string& name, const std::function<void()>& inside = {});
// Unmounts and removes /run/netns/<name>; missing is fine. Equivalent: ip netns del <name>
void delete_netns(const std::string& name);
// An O_RDONLY|O_CLOEXEC fd on the namespace, for setns() and IFLA_NET_NS_FD. Throws if absent.
int open_netns(const std::string& name);
// An fd (not to be closed) on the network namespace netrig started in — the host's — opened while
// the program starts, before any thread enters another namespace.
int host_netns_fd();
// Inode number of the namespace (identifies it in /proc/<pid>/ns/net); 0 if absent.
ino_t netns_inode(const std::string& name);
// PIDs of processes whose network namespace is one of these inodes (one pass over /proc).
std::vector<pid_t> pids_in_netns(const std::vector<ino_t>& inodes);

// Starts argv as a daemon (util/daemon.h: own session, stdio to log_path) inside
// /run/netns/<netns> and returns its PID. It outlives this command until destroy kills it.
pid_t spawn_in_netns(const std::string& netns, const std::vector<std::string>& argv, const std::string& log_path);

// Whether namespace `netns` ("" = the host's) exists and has a device named `device`.
bool device_exists(const std::string& netns, const std::string& device);

// Switches the calling thread into a network namespace and back when destroyed.
class NetnsGuard {
 public:
  explicit NetnsGuard(int netns_fd);             // enter the namespace behind fd (not owned)
  explicit NetnsGuard(const std::string& name);  // enter /run/netns/<name>; "" = stay where the thread is
  ~NetnsGuard();
  NetnsGuard(const NetnsGuard&) = delete;
  NetnsGuard& operator=(const NetnsGuard&) = delete;

 private:
  void enter(int netns_fd);
  int original_ = -1;
};

}  // namespace netrig
