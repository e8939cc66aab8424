// Integration tests of the whole lifecycle against the real kernel, through the netrig binary:
// every shipped topology passes `netrig test`, two copies of a lab run side by side, exec and
// inspect see the live lab, and destroy is idempotent and leaves unmarked devices alone.
#include <algorithm>
#include <functional>
#include <nlohmann/json.hpp>

#include "harness.h"

namespace netrig_it {
namespace {

using nlohmann::json;

class LifecycleTest : public NetrigTest {};

// Done when: `netrig test` passes on every file in topologies/*.yaml, and the host is exactly as
// before afterwards.
TEST_F(LifecycleTest, EveryShippedAndRegressionLabPassesAndLeavesHostAsBefore) {
  // The shipped labs, and the regression labs in tests/labs/ (bridge chains, direct links, daemons).
  std::vector<std::string> files;
  for (const char* dir : {"/topologies", "/tests/labs"})
    for (const auto& entry : fs::directory_iterator(source_dir() + dir))
      if (entry.is_regular_file() && entry.path().extension() == ".yaml") files.push_back(entry.path());
  std::sort(files.begin(), files.end());
  ASSERT_FALSE(files.empty()) << "no topologies/*.yaml";
  for (const auto& file : files) {
    auto& lab = new_lab(file);
    SCOPED_TRACE(file + " as lab " + lab.lab());
    auto before = snapshot(lab.lab());
    auto r = netrig({"test", file, "--name", lab.lab()}, 120);
    EXPECT_EQ(r.exit_code, 0) << r.describe();
    EXPECT_NE(r.out.find(lab.lab() + ": "), std::string::npos) << "no summary line\n" << r.describe();
    expect_same_host(lab.lab(), before, "after netrig test " + file);
  }
}

// Done when: two labs from the same file run at once.
TEST_F(LifecycleTest, TwoCopiesOfTheDefaultLabTestConcurrently) {
  const auto file = topology_path("default.yaml");
  auto& a = new_lab(file);
  auto& b = new_lab(file);
  auto before_a = snapshot(a.lab());
  auto before_b = snapshot(b.lab());
  Child first({netrig_binary(), "test", file, "--name", a.lab()});
  Child second({netrig_binary(), "test", file, "--name", b.lab()});
  auto ra = first.wait(120);
  auto rb = second.wait(120);
  EXPECT_EQ(ra.exit_code, 0) << ra.describe();
  EXPECT_EQ(rb.exit_code, 0) << rb.describe();
  expect_same_host(a.lab(), before_a, "after concurrent netrig test");
  expect_same_host(b.lab(), before_b, "after concurrent netrig test");
}

// Several labs built and torn down at the same moment: every deploy and destroy succeeds even
// though each one's netlink dumps race with the others' changes (NLM_F_DUMP_INTR).
TEST_F(LifecycleTest, ManyLabsDeployAndDestroyConcurrently) {
  const auto file = topology_path("default.yaml");
  constexpr int kLabs = 5, kRounds = 3;
  std::vector<LabGuard*> labs;
  std::vector<HostSnapshot> before;
  for (int i = 0; i < kLabs; ++i) {
    labs.push_back(&new_lab(file));
    before.push_back(snapshot(labs.back()->lab()));
  }
  auto all_at_once = [&](const std::function<std::vector<std::string>(const std::string&)>& args) {
    std::vector<std::unique_ptr<Child>> children;
    for (auto* lab : labs) {
      auto argv = args(lab->lab());
      argv.insert(argv.begin(), netrig_binary());
      children.push_back(std::make_unique<Child>(argv));
    }
    for (size_t i = 0; i < children.size(); ++i) {
      auto r = children[i]->wait(60);
      EXPECT_EQ(r.exit_code, 0) << labs[i]->lab() << "\n" << r.describe();
    }
  };
  for (int round = 0; round < kRounds; ++round) {
    SCOPED_TRACE("round " + std::to_string(round));
    all_at_once([&](const std::string& lab) { return std::vector<std::string>{"deploy", file, "--name", lab}; });
    all_at_once([&](const std::string& lab) { return std::vector<std::string>{"destroy", lab}; });
    for (int i = 0; i < kLabs; ++i) expect_same_host(labs[i]->lab(), before[i], "after concurrent deploy+destroy");
  }
}

// Two deployed copies at once are truly separate: each has its own namespaces and devices, and
// destroying one leaves the other running.
TEST_F(LifecycleTest, TwoDeployedCopiesAreIndependent) {
  const auto file = topology_path("default.yaml");
  auto& a = new_lab(file);
  auto& b = new_lab(file);
  auto before_a = snapshot(a.lab());
  auto before_b = snapshot(b.lab());
  Child da({netrig_binary(), "deploy", file, "--name", a.lab()});
  Child db({netrig_binary(), "deploy", file, "--name", b.lab()});
  auto ra = da.wait(60);
  auto rb = db.wait(60);
  ASSERT_EQ(ra.exit_code, 0) << ra.describe();
  ASSERT_EQ(rb.exit_code, 0) << rb.describe();
  auto up_a = snapshot(a.lab());
  auto up_b = snapshot(b.lab());
  EXPECT_EQ(up_a.netns.size(), a.netns().size()) << up_a.describe();
  EXPECT_EQ(up_b.netns.size(), b.netns().size()) << up_b.describe();
  EXPECT_TRUE(up_a.links.empty()) << "a lab puts nothing in the host's link table\n" << up_a.describe();

  auto d = netrig({"destroy", a.lab()});
  EXPECT_EQ(d.exit_code, 0) << d.describe();
  expect_same_host(a.lab(), before_a, "after destroying the first copy");
  EXPECT_TRUE(snapshot(b.lab()) == up_b) << "destroying " << a.lab() << " touched " << b.lab();
  auto ping = netrig({"exec", b.lab(), "h1", "--", "ping", "-c1", "-W2", "10.10.2.13"});
  EXPECT_EQ(ping.exit_code, 0) << ping.describe();

  d = netrig({"destroy", b.lab()});
  EXPECT_EQ(d.exit_code, 0) << d.describe();
  expect_same_host(b.lab(), before_b, "after destroying the second copy");
}

// Done when: `netrig exec LAB NODE -- ip -o addr` prints the node's address; `netrig inspect LAB
// --output json` lists nodes with netns and interface kernel names.
TEST_F(LifecycleTest, ExecAndInspectSeeTheLiveLab) {
  const auto file = topology_path("default.yaml");
  auto& lab = new_lab(file);
  auto before = snapshot(lab.lab());
  auto r = netrig({"deploy", file, "--name", lab.lab()});
  ASSERT_EQ(r.exit_code, 0) << r.describe();

  auto e = netrig({"exec", lab.lab(), "h1", "--", "ip", "-o", "addr"});
  EXPECT_EQ(e.exit_code, 0) << e.describe();
  EXPECT_NE(e.out.find("10.10.1.11/24"), std::string::npos) << e.describe();
  EXPECT_NE(e.out.find("fd00:10:1::11/64"), std::string::npos) << e.describe();
  EXPECT_EQ(e.out.find("10.10.1.12/24"), std::string::npos) << "h1 shows h2's address\n" << e.describe();

  // The command's exit code comes through.
  auto fails = netrig({"exec", lab.lab(), "h1", "--", "sh", "-c", "exit 7"});
  EXPECT_EQ(fails.exit_code, 7) << fails.describe();
  auto missing = netrig({"exec", lab.lab(), "nosuchnode", "--", "true"});
  EXPECT_EQ(missing.exit_code, 2) << missing.describe();
  // LAB:NODE form; arguments after -- reach the command untouched, options included.
  auto colon = netrig({"exec", lab.lab() + ":h2", "--", "ip", "-o", "-4", "addr", "show", "eth0"});
  EXPECT_EQ(colon.exit_code, 0) << colon.describe();
  EXPECT_NE(colon.out.find("10.10.1.12/24"), std::string::npos) << colon.describe();
  auto no_command = netrig({"exec", lab.lab() + ":h2"});
  EXPECT_EQ(no_command.exit_code, 2) << no_command.describe();

  auto i = netrig({"inspect", lab.lab(), "--output", "json"});
  ASSERT_EQ(i.exit_code, 0) << i.describe();
  auto j = json::parse(i.out, nullptr, false);
  ASSERT_FALSE(j.is_discarded()) << i.describe();
  EXPECT_EQ(j.value("lab", ""), lab.lab());
  ASSERT_TRUE(j["nodes"].is_array()) << i.out;
  std::set<std::string> netns_nodes;
  for (const auto& n : j["nodes"]) {
    const auto name = n.value("name", "");
    if (n.value("kind", "") == "bridge") {
      EXPECT_EQ(n.value("device", ""), name) << n.dump();
      EXPECT_EQ(n.value("netns", ""), lab.lab() + "-local") << n.dump();
      EXPECT_TRUE(n.value("present", false)) << n.dump();
      continue;
    }
    netns_nodes.insert(name);
    EXPECT_EQ(n.value("netns", ""), lab.lab() + "-" + name) << n.dump();
    EXPECT_TRUE(n.value("present", false)) << n.dump();
    EXPECT_TRUE(fs::exists("/run/netns/" + n.value("netns", ""))) << n.dump();
    ASSERT_TRUE(n["interfaces"].is_array()) << n.dump();
    ASSERT_FALSE(n["interfaces"].empty()) << n.dump();
    for (const auto& iface : n["interfaces"]) EXPECT_FALSE(iface.value("kernel_name", "").empty()) << n.dump();
    if (name == "h1") {
      EXPECT_EQ(n["interfaces"][0].value("kernel_name", ""), "eth0") << n.dump();
      EXPECT_EQ(n["interfaces"][0]["addresses"][0], "10.10.1.11/24") << n.dump();
    }
  }
  EXPECT_EQ(netns_nodes, (std::set<std::string>{"h1", "h2", "h3", "r1"}));

  // The lab is listed among deployed labs.
  auto all = netrig({"inspect", "--output", "json"});
  EXPECT_EQ(all.exit_code, 0) << all.describe();
  EXPECT_NE(all.out.find("\"" + lab.lab() + "\""), std::string::npos) << all.describe();

  auto d = netrig({"destroy", lab.lab()});
  EXPECT_EQ(d.exit_code, 0) << d.describe();
  expect_same_host(lab.lab(), before, "after destroy");

  // Exec and inspect on a lab that is gone fail cleanly.
  auto gone = netrig({"inspect", lab.lab(), "--output", "json"});
  EXPECT_EQ(gone.exit_code, 2) << gone.describe();
}

// Done when: destroy on an already-destroyed lab exits 0 and says there is nothing to destroy; and
// a lab neither needs nor touches the host's link table: a host device with the name an older
// netrig gave the lab's bridge does not stop the deploy and survives the destroy.
TEST_F(LifecycleTest, DestroyIsIdempotentAndTouchesNoHostDevice) {
  const auto file = topology_path("default.yaml");
  auto& lab = new_lab(file);
  const std::string bridge = lab.lab() + "-lan";
  auto add = ip({"link", "add", bridge, "type", "bridge"});
  ASSERT_EQ(add.exit_code, 0) << add.describe();
  struct DeleteOnExit {
    std::string dev;
    ~DeleteOnExit() {
      for (const auto& l : host_links())
        if (l.name == dev) ip({"link", "del", "dev", dev});
    }
  } remove_it_ourselves{bridge};
  auto before = snapshot(lab.lab());
  ASSERT_EQ(before.links, std::set<std::string>{bridge}) << before.describe();

  auto r = netrig({"deploy", file, "--name", lab.lab()});
  ASSERT_EQ(r.exit_code, 0) << r.describe();
  EXPECT_EQ(snapshot(lab.lab()).links, before.links) << "the lab added devices to the host's namespace";
  auto d = netrig({"destroy", lab.lab()});
  EXPECT_EQ(d.exit_code, 0) << d.describe();
  auto after = snapshot(lab.lab());
  EXPECT_EQ(after.links, std::set<std::string>{bridge}) << "destroy touched a host device\n" << after.describe();
  EXPECT_TRUE(after.netns.empty()) << after.describe();
  EXPECT_TRUE(after.mounts.empty()) << after.describe();
  EXPECT_FALSE(after.state_dir) << after.describe();

  // Destroy again: nothing to do, exit 0, and the host device is still there.
  auto again = netrig({"destroy", lab.lab()});
  EXPECT_EQ(again.exit_code, 0) << again.describe();
  EXPECT_NE(again.err.find("nothing to destroy"), std::string::npos) << again.describe();
  EXPECT_EQ(snapshot(lab.lab()).links, std::set<std::string>{bridge});
}

// Destroy of a lab that never existed: exit 0, nothing to destroy, nothing touched.
TEST_F(LifecycleTest, DestroyOfUnknownLabIsANoOp) {
  auto& lab = new_lab(topology_path("default.yaml"));
  auto before = snapshot(lab.lab());
  auto d = netrig({"destroy", lab.lab()});
  EXPECT_EQ(d.exit_code, 0) << d.describe();
  EXPECT_NE(d.err.find("nothing to destroy"), std::string::npos) << d.describe();
  expect_same_host(lab.lab(), before, "after destroy of an unknown lab");
}

}  // namespace
}  // namespace netrig_it
