// Two labs whose names would have collided under "<lab>-<node>" (lab x / node y-z and lab x-y /
// node z were both /run/netns/x-y-z) run side by side, and neither's failed deploy or destroy
// touches the other; a namespace that is not the lab's (no mark) survives the lab's rollback.
#include "harness.h"
#include "model/names.h"

namespace netrig_it {
namespace {

class LabNamesTest : public NetrigTest {
 protected:
  // A lab of two nodes joined by one veth; `fail` adds a deploy-time exec that fails, so the
  // deploy rolls back after the namespaces exist.
  std::string lab_file(const std::string& name, const std::string& node, const std::string& other, bool fail) {
    const auto file = tmp_.file(name + (fail ? "-fail" : "") + ".yaml");
    write_file(file, "name: " + name + "\ntopology:\n  nodes:\n    " + node +
                         ":\n      interfaces:\n        eth0: {ipv4: 10.97.0.1/24}\n    " + other +
                         ":\n      interfaces:\n        eth0: {ipv4: 10.97.0.2/24}\n" +
                         (fail ? "      exec: [\"exit 1\"]\n" : "") + "  links:\n    - endpoints: [\"" + node +
                         ":eth0\", \"" + other + ":eth0\"]\n");
    return file;
  }

  // The lab's first node reaches its second through the veth, inside its own namespace.
  static void expect_alive(const std::string& lab, const std::string& node, const std::string& when) {
    const auto ns = netrig::netns_name(lab, node);
    ASSERT_TRUE(fs::exists("/run/netns/" + ns)) << when << ": namespace " << ns << " is gone";
    auto ping = run({find_ip(), "netns", "exec", ns, "ping", "-c", "1", "-W", "2", "10.97.0.2"});
    EXPECT_EQ(ping.exit_code, 0) << when << ": lab " << lab << " no longer forwards\n" << ping.describe();
  }
};

TEST_F(LabNamesTest, CollidingPairRunsSideBySideAndSurvivesTheOthersFailureAndDestroy) {
  const auto x = unique_lab(), xy = x + "-y";
  ASSERT_NE(netrig::netns_name(x, "y-z"), netrig::netns_name(xy, "z"));
  const auto a_file = lab_file(x, "y-z", "p", false), a_fail = lab_file(x, "y-z", "p", true);
  const auto b_file = lab_file(xy, "z", "q", false), b_fail = lab_file(xy, "z", "q", true);
  LabGuard a_guard(x, a_file), b_guard(xy, b_file);  // destroy + last-resort cleanup, even on failure

  auto r = netrig({"deploy", a_file, "--name", x});
  ASSERT_EQ(r.exit_code, 0) << r.describe();
  expect_alive(x, "y-z", "after deploying " + x);

  r = netrig({"deploy", b_fail, "--name", xy});
  EXPECT_EQ(r.exit_code, 5) << r.describe();
  EXPECT_FALSE(fs::exists(state_dir(xy))) << "the failed deploy rolled back";
  expect_alive(x, "y-z", "after " + xy + "'s failed deploy");

  r = netrig({"deploy", b_file, "--name", xy});
  ASSERT_EQ(r.exit_code, 0) << r.describe();
  expect_alive(xy, "z", "after deploying " + xy + " beside " + x);
  expect_alive(x, "y-z", "after deploying " + xy + " beside it");

  r = netrig({"destroy", x});
  ASSERT_EQ(r.exit_code, 0) << r.describe();
  EXPECT_FALSE(fs::exists("/run/netns/" + netrig::netns_name(x, "y-z")));
  expect_alive(xy, "z", "after destroying " + x);

  r = netrig({"deploy", a_fail, "--name", x});
  EXPECT_EQ(r.exit_code, 5) << r.describe();
  expect_alive(xy, "z", "after " + x + "'s failed deploy");

  r = netrig({"destroy", xy});
  ASSERT_EQ(r.exit_code, 0) << r.describe();
  EXPECT_TRUE(a_guard.cleanup().empty()) << "destroy left something of " << x;
  EXPECT_TRUE(b_guard.cleanup().empty()) << "destroy left something of " << xy;
}

TEST_F(LabNamesTest, RollbackLeavesANamespaceWithoutTheLabsMarkAlone) {
  const auto lab = unique_lab();
  const auto file = lab_file(lab, "h1", "h2", false);
  LabGuard guard(lab, file);
  // Someone else's namespace under the name the lab's h1 wants (the user's own `ip netns add`).
  const auto taken = netrig::netns_name(lab, "h1");
  ASSERT_EQ(ip({"netns", "add", taken}).exit_code, 0);
  struct Undo {
    std::string ns;
    ~Undo() { ip({"netns", "del", ns}); }
  } undo{taken};
  ASSERT_EQ(ip({"-n", taken, "link", "set", "lo", "up"}).exit_code, 0);

  auto r = netrig({"deploy", file, "--name", lab});
  EXPECT_NE(r.exit_code, 0) << "h1's namespace exists: the deploy must fail\n" << r.describe();
  EXPECT_NE(r.err.find(taken), std::string::npos) << r.describe();
  EXPECT_TRUE(fs::exists("/run/netns/" + taken)) << "the rollback deleted a namespace that was not the lab's";
  auto lo = ip({"-n", taken, "-o", "link", "show", "lo"});
  EXPECT_NE(lo.out.find("UP"), std::string::npos) << "the namespace was touched\n" << lo.describe();
  EXPECT_FALSE(fs::exists("/run/netns/" + netrig::netns_name(lab, "h2"))) << "the lab's own namespace is gone";
  EXPECT_FALSE(fs::exists(state_dir(lab)));
}

}  // namespace
}  // namespace netrig_it
