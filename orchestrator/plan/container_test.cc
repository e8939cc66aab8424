#include "plan/container.h"

#include <gtest/gtest.h>

#include <algorithm>

#include "model/parser.h"

namespace netrig {
namespace {

using nlohmann::json;

ContainerImage debian() {
  ContainerImage image;
  image.name = "netrig/debian";
  image.dir = "/store/netrig+debian/latest";
  image.rootfs = "/store/netrig+debian/latest/rootfs";
  image.cmd = {"sleep", "infinity"};
  image.env = {"PATH=/usr/sbin:/usr/bin", "LANG=C.UTF-8"};
  return image;
}

ContainerPaths paths() {
  return {"/run/netrig/lab/containers/r1", "/run/netrig/lab/containers/r1/rootfs", "/run/netns/lab-r1",
          "/usr/bin/tini-static"};
}

NodeSpec node_of(const std::string& body) {
  auto topo = parse_topology("name: lab\ntopology:\n  nodes:\n    r1:\n" + body, "t.yaml");
  return *topo.find_node("r1");
}

const json* mount_at(const json& config, const std::string& destination) {
  for (const auto& m : config["mounts"])
    if (m["destination"] == destination) return &m;
  return nullptr;
}

TEST(ContainerConfig, JoinsTheNodesNetnsByPathAndOwnsTheRest) {
  auto node = node_of("      kind: container\n");
  auto c = oci_config(node, debian(), paths(), {}, {}, container_cgroup("lab", "r1"), {"CAP_NET_ADMIN"});
  EXPECT_EQ(c["ociVersion"], "1.0.2");
  EXPECT_EQ(c["hostname"], "r1");
  EXPECT_EQ(c["root"]["path"], "/run/netrig/lab/containers/r1/rootfs");
  EXPECT_EQ(c["root"]["readonly"], false);
  std::vector<std::string> types;
  for (const auto& ns : c["linux"]["namespaces"]) {
    types.push_back(ns["type"]);
    if (ns["type"] == "network")
      EXPECT_EQ(ns["path"], "/run/netns/lab-r1");
    else
      EXPECT_FALSE(ns.contains("path")) << ns.dump();
  }
  std::sort(types.begin(), types.end());
  EXPECT_EQ(types, (std::vector<std::string>{"ipc", "mount", "network", "pid", "uts"}));
  EXPECT_EQ(c["linux"]["cgroupsPath"], "/netrig-lab-r1");
  EXPECT_FALSE(c["linux"].contains("resources"));
  EXPECT_EQ(c["process"]["capabilities"]["bounding"], json({"CAP_NET_ADMIN"}));
  EXPECT_EQ(c["process"]["capabilities"]["ambient"], json({"CAP_NET_ADMIN"}));
  EXPECT_EQ(c["process"]["user"]["uid"], 0);
}

TEST(ContainerConfig, TiniIsPidOneBoundReadOnly) {
  auto c = oci_config(node_of("      kind: linux\n"), debian(), paths(), {}, {}, "/x", {});
  EXPECT_EQ(c["process"]["args"], json({kContainerInit, "--", "sleep", "infinity"}));
  const auto* init = mount_at(c, kContainerInit);
  ASSERT_NE(init, nullptr);
  EXPECT_EQ((*init)["source"], "/usr/bin/tini-static");
  EXPECT_EQ((*init)["options"], json({"bind", "ro"}));
  for (const char* d : {"/proc", "/dev", "/dev/pts", "/sys"}) EXPECT_NE(mount_at(c, d), nullptr) << d;
}

TEST(ContainerCommand, FollowsDockersEntrypointCmdRule) {
  auto image = debian();
  image.entrypoint = {"/docker-entrypoint.sh"};
  // Neither set: the image's entrypoint and cmd.
  EXPECT_EQ(container_command(node_of("      kind: linux\n"), image),
            (std::vector<std::string>{"/docker-entrypoint.sh", "sleep", "infinity"}));
  // cmd only (a string, split as sh would): the image's entrypoint with the node's cmd.
  EXPECT_EQ(container_command(node_of("      kind: linux\n      cmd: \"bash -c 'echo hi'\"\n"), image),
            (std::vector<std::string>{"/docker-entrypoint.sh", "bash", "-c", "echo hi"}));
  // The node's entrypoint drops the image's cmd.
  EXPECT_EQ(container_command(node_of("      kind: linux\n      entrypoint: [/bin/sh]\n"), image),
            (std::vector<std::string>{"/bin/sh"}));
  EXPECT_EQ(container_command(node_of("      kind: linux\n      entrypoint: /bin/sh\n      cmd: [-c, x]\n"), image),
            (std::vector<std::string>{"/bin/sh", "-c", "x"}));
}

TEST(ContainerEnv, NodeValuesReplaceTheImagesAndPathIsKept) {
  auto env = container_env(node_of("      kind: linux\n      env: {LANG: C, FOO: bar}\n"), debian());
  EXPECT_EQ(env, (std::vector<std::string>{"PATH=/usr/sbin:/usr/bin", "LANG=C", "FOO=bar"}));
  auto bare = debian();
  bare.env.clear();
  auto defaulted = container_env(node_of("      kind: linux\n"), bare);
  ASSERT_FALSE(defaulted.empty());
  EXPECT_EQ(defaulted.front().rfind("PATH=/usr/local/sbin:", 0), 0u) << defaulted.front();
}

TEST(ContainerConfig, BindsLimitsAndUser) {
  auto node = node_of("      kind: linux\n      memory: 256M\n      cpus: 1.5\n");
  std::vector<ResolvedBind> binds = {{"/srv/a.conf", "/etc/a.conf", true}, {"/srv/data", "/data", false}};
  auto c = oci_config(node, debian(), paths(), binds, {100, 101}, "/x", {"CAP_NET_ADMIN"});
  const auto* a = mount_at(c, "/etc/a.conf");
  ASSERT_NE(a, nullptr);
  EXPECT_EQ((*a)["source"], "/srv/a.conf");
  EXPECT_EQ((*a)["options"], json({"rbind", "ro"}));
  EXPECT_EQ((*mount_at(c, "/data"))["options"], json({"rbind", "rw"}));
  EXPECT_EQ(c["linux"]["resources"]["memory"]["limit"], 256LL * 1024 * 1024);
  EXPECT_EQ(c["linux"]["resources"]["cpu"]["quota"], 150000);
  EXPECT_EQ(c["linux"]["resources"]["cpu"]["period"], 100000);
  EXPECT_EQ(c["process"]["user"]["uid"], 100);
  EXPECT_EQ(c["process"]["user"]["gid"], 101);
  EXPECT_TRUE(c["process"]["capabilities"]["ambient"].empty()) << "a non-root user gets no ambient capabilities";
}

TEST(ContainerNames, IdsAndCapabilityTable) {
  EXPECT_EQ(container_id("lab", "r1"), "lab-r1");
  EXPECT_EQ(container_cgroup("lab", "r1"), "/netrig-lab-r1");
  EXPECT_NE(container_id("x", "y-z"), container_id("x-y", "z")) << "one lab's destroy would delete the other's";
  const auto& caps = capability_names();
  ASSERT_GT(caps.size(), 40u);
  EXPECT_EQ(caps[0], "CAP_CHOWN");
  EXPECT_EQ(caps[12], "CAP_NET_ADMIN");
  EXPECT_EQ(caps[21], "CAP_SYS_ADMIN");
  EXPECT_EQ(caps[40], "CAP_CHECKPOINT_RESTORE");
  EXPECT_NE(container_hosts_file("r1").find("127.0.1.1\tr1\n"), std::string::npos);
}

}  // namespace
}  // namespace netrig
