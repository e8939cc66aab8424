// Integration tests of `kind: container` nodes (runc, overlay root filesystem, tini as PID 1):
// two containers on a bridge reach each other, each has its own hostname, files and PID space,
// destroy leaves no container, mount, cgroup or process, and a failed deploy rolls them back.
// Skipped (with the reason) when runc, tini-static or the netrig/debian image is missing.
#include "drivers/container.h"

#include <dirent.h>

#include "harness.h"

namespace netrig_it {
namespace {

class ContainerTest : public NetrigTest {
 protected:
  void SetUp() override {
    NetrigTest::SetUp();
    if (IsSkipped()) return;
    if (access("/usr/sbin/runc", X_OK) != 0 && access("/usr/bin/runc", X_OK) != 0)
      GTEST_SKIP() << "runc is not installed (ci/setup.sh installs it)";
    if (access("/usr/bin/tini-static", X_OK) != 0) GTEST_SKIP() << "tini-static is not installed (Debian: tini)";
    if (!netrig::find_container_image("netrig/debian"))
      GTEST_SKIP() << "image netrig/debian is not in " << netrig::container_store()
                   << " (images/build-container.sh builds it; it needs mmdebstrap and Debian's mirror)";
  }
};

const char* kTwoContainers = R"(name: it-containers
topology:
  nodes:
    sw: {kind: bridge}
    c1:
      kind: container
      image: netrig/debian
      env: {NETRIG_IT: one}
      interfaces:
        eth0: {ipv4: 10.97.0.1/24}
      exec:
        - "echo written-by-c1 > /srv/same-path"
    c2:
      kind: linux
      interfaces:
        eth0: {ipv4: 10.97.0.2/24}
  links:
    - endpoints: ["c1:eth0", "sw"]
    - endpoints: ["c2:eth0", "sw"]
tests:
  - ping: {from: c1, to: 10.97.0.2}
  - ping: {from: c2, to: 10.97.0.1}
)";

// Done when: two containers on a bridge ping each other; exec runs inside each container (own
// hostname, own files at the same path, PID 1 is tini, own PID space, the node's env); destroy
// leaves nothing.
TEST_F(ContainerTest, TwoContainersPingAndAreIsolatedAndDestroyLeavesNothing) {
  const auto file = tmp_.file("containers.yaml");
  write_file(file, kTwoContainers);
  auto& lab = new_lab(file);
  auto before = snapshot(lab.lab());

  auto d = netrig({"deploy", file, "--name", lab.lab()}, 120);
  ASSERT_EQ(d.exit_code, 0) << d.describe();

  auto exec = [&](const std::string& node, const std::string& cmd) {
    return netrig({"exec", lab.lab(), node, "--", "sh", "-c", cmd}, 30);
  };
  auto h1 = exec("c1", "hostname");
  EXPECT_EQ(h1.exit_code, 0) << h1.describe();
  EXPECT_EQ(h1.out, "c1\n") << h1.describe();
  EXPECT_EQ(exec("c2", "hostname").out, "c2\n");

  auto ping = exec("c1", "ping -c 2 -W 2 -i 0.2 10.97.0.2");
  EXPECT_EQ(ping.exit_code, 0) << ping.describe();

  // The file the deploy-time exec wrote is in c1's own layer only: same path, not in c2, not on the host.
  auto mine = exec("c1", "cat /srv/same-path");
  EXPECT_EQ(mine.out, "written-by-c1\n") << mine.describe();
  auto theirs = exec("c2", "test -e /srv/same-path && echo present || echo absent");
  EXPECT_EQ(theirs.out, "absent\n") << theirs.describe();
  EXPECT_FALSE(fs::exists("/srv/same-path")) << "the container's write reached the host";

  // PID 1 is tini (bound in as /.netrig-init); the container sees only its own few processes.
  auto init = exec("c1", "tr '\\0' ' ' < /proc/1/cmdline; echo; /.netrig-init --version");
  EXPECT_EQ(init.exit_code, 0) << init.describe();
  EXPECT_EQ(init.out.rfind("/.netrig-init -- sleep infinity", 0), 0u) << init.describe();
  EXPECT_NE(init.out.find("tini version"), std::string::npos) << init.describe();
  auto procs = exec("c1", "ls -d /proc/[0-9]* | wc -l");
  ASSERT_EQ(procs.exit_code, 0) << procs.describe();
  EXPECT_LT(std::stoi(procs.out), 10) << "the container sees the host's processes: " << procs.out;
  auto os = exec("c1", ". /etc/os-release; echo $ID; test -x /usr/lib/frr/zebra && echo frr; echo $NETRIG_IT");
  EXPECT_EQ(os.out, "debian\nfrr\none\n") << "not the image's root filesystem or env\n" << os.describe();

  auto x = netrig({"destroy", lab.lab()}, 60);
  EXPECT_EQ(x.exit_code, 0) << x.describe();
  expect_same_host(lab.lab(), before, "after destroy");
  EXPECT_EQ(container_residue(lab.lab()), std::vector<std::string>{});
}

// Done when: a deploy whose second container's exec fails rolls back every container: no mount,
// cgroup, process or state left.
TEST_F(ContainerTest, FailedDeployRollsTheContainersBack) {
  std::string text = kTwoContainers;
  text.replace(text.find("        eth0: {ipv4: 10.97.0.2/24}\n"),
               std::string("        eth0: {ipv4: 10.97.0.2/24}\n").size(),
               "        eth0: {ipv4: 10.97.0.2/24}\n      exec: [\"sleep 300 &\", \"exit 3\"]\n");
  const auto file = tmp_.file("containers-fail.yaml");
  write_file(file, text);
  auto& lab = new_lab(file);
  auto before = snapshot(lab.lab());
  auto d = netrig({"deploy", file, "--name", lab.lab()}, 120);
  EXPECT_EQ(d.exit_code, 5) << d.describe();
  EXPECT_NE(d.err.find("exit 3"), std::string::npos) << d.describe();
  expect_same_host(lab.lab(), before, "after the failed deploy");
  EXPECT_EQ(container_residue(lab.lab()), std::vector<std::string>{});
}

// Done when: a container whose command is not in the image (it ends at once) fails the deploy
// with the command and its console output, and the rollback leaves nothing. The start no longer
// sleeps to see it: the deploy's last look does, kContainerSettle after the start.
TEST_F(ContainerTest, CommandNotInTheImageFailsTheDeployAndLeavesNothing) {
  std::string text = kTwoContainers;
  text.replace(text.find("      kind: linux\n"), std::string("      kind: linux\n").size(),
               "      kind: linux\n      cmd: [no-such-program-here, --flag]\n");
  const auto file = tmp_.file("containers-nocmd.yaml");
  write_file(file, text);
  auto& lab = new_lab(file);
  auto before = snapshot(lab.lab());
  auto d = netrig({"deploy", file, "--name", lab.lab()}, 120);
  EXPECT_EQ(d.exit_code, 3) << d.describe();
  EXPECT_NE(d.err.find("container 'c2' stopped at once (no-such-program-here --flag)"), std::string::npos)
      << d.describe();
  EXPECT_NE(d.err.find("no-such-program-here"), d.err.rfind("no-such-program-here")) << "no console output\n"
                                                                                     << d.describe();
  expect_same_host(lab.lab(), before, "after the failed deploy");
  EXPECT_EQ(container_residue(lab.lab()), std::vector<std::string>{});
}

// Done when: an image that is not in the store fails before anything is created, saying how to
// get it.
TEST_F(ContainerTest, MissingImageFailsWithHowToGetItAndCreatesNothing) {
  const auto file = tmp_.file("containers-noimage.yaml");
  write_file(file, kTwoContainers);
  auto& lab = new_lab(file);
  auto before = snapshot(lab.lab());
  auto d = netrig({"deploy", file, "--name", lab.lab()}, 60, {{"NETRIG_CONTAINER_DIR", tmp_.file("empty-store")}});
  EXPECT_EQ(d.exit_code, 3) << d.describe();
  EXPECT_NE(d.err.find("images/build-container.sh"), std::string::npos) << d.describe();
  expect_same_host(lab.lab(), before, "after the refused deploy");
}

}  // namespace
}  // namespace netrig_it
