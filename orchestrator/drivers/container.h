// Container nodes (`kind: container`, containerlab's `kind: linux`): runc runs the node's image in
// the node's network namespace (made as for a netns node), with its own mount, PID, UTS and IPC
// namespaces; tini is PID 1 and reaps. The root filesystem is an overlay whose lower layer is the
// image in the local store and whose upper layer is the node's own, under the lab's state
// directory (<lab_dir>/containers/<node>/), so two nodes never share writes. runc's state lives in
// <lab_dir>/runc; containers are known by the lab's own ids (<lab>-<node>), never by a pattern.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include "drivers/lab_state.h"
#include "plan/container.h"
#include "plan/plan.h"

namespace netrig {

// The local image store: $NETRIG_CONTAINER_DIR, else /var/cache/netrig/containers.
std::string container_store();
// An image by name (netrig/debian, netrig/debian:latest): its directory <store>/<name with '/' as
// '+'>/<tag>, holding rootfs/ and image.json. nullopt when it is not in the store.
std::optional<ContainerImage> find_container_image(const std::string& name);
// What to do when an image is not in the store.
std::string missing_image_hint(const std::string& name);
// Before anything is created: every container node's image is in the store, runc and tini-static
// are installed. Throws std::runtime_error saying what is missing and how to get it.
void check_containers_runnable(const Plan& plan);

// Mounts the overlay, writes the bundle and runs `runc run -d`; journals the mount and the
// container before making them. Throws with runc's output (and the container's) on failure.
// Returns when the container's PID 1 runs (the deploy then looks again, container_stopped).
std::chrono::steady_clock::time_point start_container(const Plan& plan, const NodeSpec& node, Journal& journal);

// How long a container must have been up when the deploy ends: a command that is not in the image
// or exits at once has ended it by then.
constexpr std::chrono::milliseconds kContainerSettle{30};
// "" while the node's container runs; else why not (its command and console log).
std::string container_stopped(const Plan& plan, const NodeSpec& node);

// The container's PID 1 (as the host sees it), when it runs and is in the node's namespace.
std::optional<pid_t> container_pid(const Plan& plan, const std::string& node);

// argv that runs `argv` inside the node's container: nsenter into its mount, UTS, IPC and PID
// namespaces (the caller is already in its network namespace), with the container's environment.
// Throws when the container does not run.
std::vector<std::string> in_container(const Plan& plan, const std::string& node, const std::vector<std::string>& argv);

// Destroy's part: `runc delete --force` of every journaled container, then the journaled overlay
// mounts unmounted. Returns how many containers went; `problem` is set when a mount stays (the
// state directory must then not be removed: remove_all would cross into it).
int destroy_containers(const std::string& lab, const std::vector<JournalEntry>& entries, std::string* problem);

}  // namespace netrig
