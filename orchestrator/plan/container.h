// A container node's OCI runtime configuration (config.json for runc), built from the node and its
// image without touching the system. drivers/container.h mounts the root filesystem, writes this
// file and runs runc; this file only decides what goes in it.
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "model/topology.h"

namespace netrig {

// What an image in the local store (drivers/container_image.h) says about itself.
struct ContainerImage {
  std::string name;    // as the topology names it
  std::string dir;     // the store's directory of the image
  std::string rootfs;  // its root filesystem, the overlay's lower layer (never written)
  std::vector<std::string> entrypoint;
  std::vector<std::string> cmd;
  std::vector<std::string> env;  // NAME=VALUE
  std::string workdir = "/";
  std::string user;  // "" = root
};

// Where one container's pieces are on the host.
struct ContainerPaths {
  std::string bundle;  // runc's bundle directory (config.json)
  std::string rootfs;  // the overlay mount point
  std::string netns;   // /run/netns/<the node's namespace>, which the container joins
  std::string init;    // tini-static on the host, bound read-only into the container as PID 1
};

// A bind with its host path made absolute (relative paths: from the topology file's directory).
struct ResolvedBind {
  std::string host;
  std::string container;
  bool read_only = false;
};

// The user the process runs as (resolved against the image's /etc/passwd and /etc/group).
struct ContainerUser {
  unsigned uid = 0;
  unsigned gid = 0;
};

// The lab's id for the node's container: <lab>-<node> (runc allows [A-Za-z0-9_.+-]).
std::string container_id(const std::string& lab, const std::string& node);
// The container's cgroup (one level under each controller's root, so runc delete leaves no
// directory behind): /netrig-<lab>-<node>.
std::string container_cgroup(const std::string& lab, const std::string& node);
// Where tini is inside the container.
inline constexpr const char* kContainerInit = "/.netrig-init";

// The process the container runs (tini first): the node's entrypoint else the image's, then the
// node's cmd, else the image's cmd unless the node set its own entrypoint (docker's rule). Empty
// when neither says what to run.
std::vector<std::string> container_command(const NodeSpec& node, const ContainerImage& image);
// The image's environment, then the node's `env` (a node's value replaces the image's).
std::vector<std::string> container_env(const NodeSpec& node, const ContainerImage& image);

// The OCI runtime spec 1.0 config: own mount, PID, UTS and IPC namespaces, the node's network
// namespace by path, hostname = node name, the given capabilities (netrig passes all it holds:
// containerlab runs its nodes privileged, routing daemons need NET_ADMIN, SYS_ADMIN, ...), no
// seccomp filter, the binds, memory/cpus limits.
nlohmann::json oci_config(const NodeSpec& node, const ContainerImage& image, const ContainerPaths& paths,
                          const std::vector<ResolvedBind>& binds, const ContainerUser& user, const std::string& cgroup,
                          const std::vector<std::string>& capabilities);

// Linux's capability names by number (CAP_CHOWN = 0 ...), as OCI configs spell them.
const std::vector<std::string>& capability_names();

// The /etc/hosts a container gets: localhost and its own name.
std::string container_hosts_file(const std::string& node);

struct PlanBuilder;  // plan/plan_builder.h
// The planner's container stage for one node (after its network is configured, so its cmd sees its
// addresses): a StartContainer step.
void plan_container_start(PlanBuilder& b, const NodeSpec& node);

}  // namespace netrig
