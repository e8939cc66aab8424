#include "plan/container.h"

#include <cmath>

#include "model/names.h"
#include "plan/plan_builder.h"

namespace netrig {

using nlohmann::json;

// The namespace's rule ('-' in the node name written '+'): lab x/node y-z and lab x-y/node z are
// two containers, so one lab's destroy never deletes the other's.
std::string container_id(const std::string& lab, const std::string& node) { return netns_name(lab, node); }

std::string container_cgroup(const std::string& lab, const std::string& node) {
  return "/netrig-" + container_id(lab, node);
}

std::vector<std::string> container_command(const NodeSpec& node, const ContainerImage& image) {
  const auto& c = node.container;
  std::vector<std::string> argv = c.entrypoint ? *c.entrypoint : image.entrypoint;
  const auto& cmd = c.cmd ? *c.cmd : c.entrypoint ? std::vector<std::string>{} : image.cmd;
  argv.insert(argv.end(), cmd.begin(), cmd.end());
  return argv;
}

std::vector<std::string> container_env(const NodeSpec& node, const ContainerImage& image) {
  std::vector<std::string> env;
  for (const auto& e : image.env) {
    const auto name = e.substr(0, e.find('='));
    bool replaced = false;
    for (const auto& [k, v] : node.container.env) replaced |= k == name;
    if (!replaced) env.push_back(e);
  }
  bool has_path = false;
  for (const auto& e : env) has_path |= e.rfind("PATH=", 0) == 0;
  for (const auto& [k, v] : node.container.env) {
    env.push_back(k + "=" + v);
    has_path |= k == "PATH";
  }
  if (!has_path) env.insert(env.begin(), "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin");
  return env;
}

const std::vector<std::string>& capability_names() {
  static const std::vector<std::string> names = {"CAP_CHOWN",
                                                 "CAP_DAC_OVERRIDE",
                                                 "CAP_DAC_READ_SEARCH",
                                                 "CAP_FOWNER",
                                                 "CAP_FSETID",
                                                 "CAP_KILL",
                                                 "CAP_SETGID",
                                                 "CAP_SETUID",
                                                 "CAP_SETPCAP",
                                                 "CAP_LINUX_IMMUTABLE",
                                                 "CAP_NET_BIND_SERVICE",
                                                 "CAP_NET_BROADCAST",
                                                 "CAP_NET_ADMIN",
                                                 "CAP_NET_RAW",
                                                 "CAP_IPC_LOCK",
                                                 "CAP_IPC_OWNER",
                                                 "CAP_SYS_MODULE",
                                                 "CAP_SYS_RAWIO",
                                                 "CAP_SYS_CHROOT",
                                                 "CAP_SYS_PTRACE",
                                                 "CAP_SYS_PACCT",
                                                 "CAP_SYS_ADMIN",
                                                 "CAP_SYS_BOOT",
                                                 "CAP_SYS_NICE",
                                                 "CAP_SYS_RESOURCE",
                                                 "CAP_SYS_TIME",
                                                 "CAP_SYS_TTY_CONFIG",
                                                 "CAP_MKNOD",
                                                 "CAP_LEASE",
                                                 "CAP_AUDIT_WRITE",
                                                 "CAP_AUDIT_CONTROL",
                                                 "CAP_SETFCAP",
                                                 "CAP_MAC_OVERRIDE",
                                                 "CAP_MAC_ADMIN",
                                                 "CAP_SYSLOG",
                                                 "CAP_WAKE_ALARM",
                                                 "CAP_BLOCK_SUSPEND",
                                                 "CAP_AUDIT_READ",
                                                 "CAP_PERFMON",
                                                 "CAP_BPF",
                                                 "CAP_CHECKPOINT_RESTORE"};
  return names;
}

std::string container_hosts_file(const std::string& node) {
  return "127.0.0.1\tlocalhost\n127.0.1.1\t" + node + "\n::1\tlocalhost ip6-localhost ip6-loopback\n";
}

json oci_config(const NodeSpec& node, const ContainerImage& image, const ContainerPaths& paths,
                const std::vector<ResolvedBind>& binds, const ContainerUser& user, const std::string& cgroup,
                const std::vector<std::string>& capabilities) {
  std::vector<std::string> args = {kContainerInit, "--"};
  for (const auto& a : container_command(node, image)) args.push_back(a);
  json caps = capabilities;
  json process = {
      {"terminal", false},
      {"user", {{"uid", user.uid}, {"gid", user.gid}}},
      {"args", args},
      {"env", container_env(node, image)},
      {"cwd", image.workdir.empty() ? "/" : image.workdir},
      {"capabilities",
       {{"bounding", caps}, {"effective", caps}, {"permitted", caps}, {"inheritable", caps}, {"ambient", caps}}},
      {"noNewPrivileges", false},
  };
  if (user.uid != 0) process["capabilities"]["ambient"] = json::array();  // a user's own, as docker does
  json mounts = json::array({
      {{"destination", "/proc"}, {"type", "proc"}, {"source", "proc"}, {"options", {"nosuid", "noexec", "nodev"}}},
      {{"destination", "/dev"},
       {"type", "tmpfs"},
       {"source", "tmpfs"},
       {"options", {"nosuid", "strictatime", "mode=755", "size=65536k"}}},
      {{"destination", "/dev/pts"},
       {"type", "devpts"},
       {"source", "devpts"},
       {"options", {"nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620"}}},
      {{"destination", "/dev/shm"},
       {"type", "tmpfs"},
       {"source", "shm"},
       {"options", {"nosuid", "noexec", "nodev", "mode=1777", "size=65536k"}}},
      {{"destination", "/dev/mqueue"},
       {"type", "mqueue"},
       {"source", "mqueue"},
       {"options", {"nosuid", "noexec", "nodev"}}},
      // Mounted from inside the node's network namespace: /sys/class/net lists the node's devices.
      {{"destination", "/sys"},
       {"type", "sysfs"},
       {"source", "sysfs"},
       {"options", {"nosuid", "noexec", "nodev", "ro"}}},
      {{"destination", kContainerInit}, {"type", "bind"}, {"source", paths.init}, {"options", {"bind", "ro"}}},
  });
  for (const auto& b : binds)
    mounts.push_back({{"destination", b.container},
                      {"type", "bind"},
                      {"source", b.host},
                      {"options", b.read_only ? json{"rbind", "ro"} : json{"rbind", "rw"}}});
  json linux_section = {
      {"namespaces",
       {{{"type", "pid"}},
        {{"type", "ipc"}},
        {{"type", "uts"}},
        {{"type", "mount"}},
        {{"type", "network"}, {"path", paths.netns}}}},
      {"cgroupsPath", cgroup},
      {"rootfsPropagation", "rprivate"},
  };
  json resources = json::object();
  if (node.container.memory_bytes) resources["memory"] = {{"limit", *node.container.memory_bytes}};
  if (node.container.cpus) {
    constexpr long long period = 100000;
    resources["cpu"] = {{"period", period},
                        {"quota", static_cast<long long>(std::llround(*node.container.cpus * period))}};
  }
  if (!resources.empty()) linux_section["resources"] = resources;
  return {
      {"ociVersion", "1.0.2"},
      {"process", process},
      {"root", {{"path", paths.rootfs}, {"readonly", false}}},
      {"hostname", node.name},
      {"mounts", mounts},
      {"linux", linux_section},
      {"annotations", {{"netrig.node", node.name}}},
  };
}

namespace {

std::string container_detail(const PlanBuilder& b, const NodeSpec& node) {
  const auto id = container_id(b.plan.topology.name, node.name);
  return "mount -t overlay (lower: image " + node.container.image + ", upper: <state>/containers/" + node.name +
         "/upper) <state>/containers/" + node.name + "/rootfs; runc --root <state>/runc run -d " + id +
         " (network namespace " + b.plan.netns_of(node.name) + ", own mount/PID/UTS/IPC, hostname " + node.name +
         ", PID 1 tini)";
}

}  // namespace

void plan_container_start(PlanBuilder& b, const NodeSpec& node) {
  if (node.kind != NodeKind::Container) return;
  b.configured.push_back(b.add(StepKind::StartContainer, node.name, {b.configured.back()}, container_detail(b, node)));
}

}  // namespace netrig
