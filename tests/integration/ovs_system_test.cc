// settings.ovs: a lab's switches made in an Open vSwitch that already runs (the system's) instead of
// the lab's own daemons. This machine has no system OVS running, and a test must not touch the
// host's link table, so each test starts a private ovsdb-server + ovs-vswitchd (by PID, state in a
// temporary directory) inside a scratch namespace that stands in for "the host", and runs netrig
// there too (`nsenter --net=/run/netns/SCRATCH netrig ...`; not `ip netns exec`, whose private mount
// namespace would hide the lab's namespace mounts from the host): the ports netrig makes "in the
// host's namespace" land in the scratch namespace. A decoy bridge made directly in that database must survive every
// deploy and destroy.
#include <sys/stat.h>

#include "harness.h"
#include "model/names.h"

namespace netrig_it {
namespace {

class OvsSystemTest : public NetrigTest {
 protected:
  void SetUp() override {
    NetrigTest::SetUp();
    if (IsSkipped()) return;
    for (const char* tool :
         {"/usr/sbin/ovs-vswitchd", "/usr/sbin/ovsdb-server", "/usr/bin/ovs-vsctl", "/usr/bin/ovsdb-tool"})
      if (access(tool, X_OK) != 0) GTEST_SKIP() << tool << " is not installed (Debian: openvswitch-switch)";
  }

  void TearDown() override {
    NetrigTest::TearDown();  // netrig destroy of every lab, while the OVS still answers
    vswitchd_.reset();       // SIGKILL by PID: its bridges' devices go with it
    ovsdb_.reset();
    if (!scratch_.empty() && fs::exists("/run/netns/" + scratch_)) ip({"netns", "del", scratch_});
  }

  // The stand-in host: a namespace (cleanup registered first) with a private OVS in it.
  void start_system_ovs(const std::string& lab) {
    scratch_ = lab + "-sys";
    auto made = ip({"netns", "add", scratch_});
    ASSERT_EQ(made.exit_code, 0) << made.describe();
    in_scratch({find_ip(), "link", "set", "lo", "up"});
    dir_ = tmp_.file("sysovs");
    fs::create_directories(dir_);
    db_ = "unix:" + dir_ + "/db.sock";
    auto created =
        run({"/usr/bin/ovsdb-tool", "create", dir_ + "/conf.db", "/usr/share/openvswitch/vswitch.ovsschema"});
    ASSERT_EQ(created.exit_code, 0) << created.describe();
    const Env env = {{"OVS_RUNDIR", dir_}, {"OVS_DBDIR", dir_}, {"OVS_LOGDIR", dir_}, {"OVS_SYSCONFDIR", dir_}};
    ovsdb_ = std::make_unique<Child>(
        std::vector<std::string>{find_ip(), "netns", "exec", scratch_, "/usr/sbin/ovsdb-server", dir_ + "/conf.db",
                                 "--remote=punix:" + dir_ + "/db.sock", "--log-file=" + dir_ + "/ovsdb-server.log"},
        env);
    for (int i = 0; i < 100 && !fs::exists(dir_ + "/db.sock"); ++i) usleep(50000);
    ASSERT_TRUE(fs::exists(dir_ + "/db.sock")) << "ovsdb-server did not start";
    auto init = vsctl({"--no-wait", "init"});
    ASSERT_EQ(init.exit_code, 0) << init.describe();
    vswitchd_ =
        std::make_unique<Child>(std::vector<std::string>{find_ip(), "netns", "exec", scratch_, "/usr/sbin/ovs-vswitchd",
                                                         db_, "--log-file=" + dir_ + "/ovs-vswitchd.log"},
                                env);
    // The decoy: a bridge that is not the lab's, made directly in the database.
    auto decoy = vsctl({"add-br", "decoy", "--", "set", "bridge", "decoy", "datapath_type=netdev"});
    ASSERT_EQ(decoy.exit_code, 0) << decoy.describe();
  }

  CmdResult vsctl(std::vector<std::string> args) {
    args.insert(args.begin(), {"/usr/bin/ovs-vsctl", "--db=" + db_, "--timeout=10"});
    return run(args, 20);
  }
  CmdResult in_scratch(std::vector<std::string> argv, double timeout_s = 60) {
    argv.insert(argv.begin(), {"/usr/bin/nsenter", "--net=/run/netns/" + scratch_});
    return run(argv, timeout_s);
  }
  CmdResult netrig_there(std::vector<std::string> args, double timeout_s = 120) {
    args.insert(args.begin(), netrig_binary());
    return in_scratch(args, timeout_s);
  }

  // Bridge name -> external_ids:netrig-lab ("" when it has none).
  std::map<std::string, std::string> bridges() {
    std::map<std::string, std::string> out;
    auto list = vsctl({"list-br"});
    EXPECT_EQ(list.exit_code, 0) << list.describe();
    std::istringstream lines(list.out);
    for (std::string name; std::getline(lines, name);)
      if (!name.empty()) out[name] = trimmed(vsctl({"br-get-external-id", name, "netrig-lab"}).out);
    return out;
  }

  // A Port row's external_ids:netrig-lab ("" when it has none or there is no such port).
  std::string port_owner(const std::string& port) {
    auto r = vsctl({"--if-exists", "get", "Port", port, "external_ids:netrig-lab"});
    auto v = trimmed(r.out);
    if (v.size() >= 2 && v.front() == '"') v = v.substr(1, v.size() - 2);
    return v;
  }

  static std::string trimmed(std::string s) {
    while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) s.pop_back();
    return s;
  }

  // The devices in the stand-in host namespace (name -> "alias|group").
  std::map<std::string, std::string> scratch_devices() {
    std::map<std::string, std::string> out;
    auto r = in_scratch({find_ip(), "-o", "link", "show"});
    static const std::regex head(R"(^\d+:\s+([^:@\s]+)(@[^:\s]*)?:)");
    static const std::regex alias(R"(\\?\s+alias\s+(\S+))");
    static const std::regex group(R"(\sgroup\s+(\S+))");
    std::istringstream lines(r.out);
    for (std::string line; std::getline(lines, line);) {
      std::smatch m, a, g;
      if (!std::regex_search(line, m, head)) continue;
      std::string value = std::regex_search(line, a, alias) ? std::string(a[1]) : "";
      value += "|" + (std::regex_search(line, g, group) ? std::string(g[1]) : std::string());
      out[m[1]] = value;
    }
    return out;
  }

  // Devices of the stand-in host that carry lab `lab`'s alias or interface group.
  std::vector<std::string> lab_devices(const std::string& lab) {
    std::vector<std::string> out;
    const auto mark = netrig::ownership_mark(lab) + "|";
    const auto group = "|" + std::to_string(netrig::ownership_group(lab));
    for (const auto& [name, value] : scratch_devices())
      if (starts_with(value, mark) ||
          value.size() >= group.size() && value.compare(value.size() - group.size(), group.size(), group) == 0)
        out.push_back(name);
    return out;
  }

  std::string lab_file(const std::string& prefix_line) {
    const auto file = tmp_.file("sys.yaml");
    write_file(file, R"(name: sys
settings:
  ovs: )" + db_ + "\n" + prefix_line +
                         R"(
topology:
  nodes:
    sw1:
      kind: ovs
      ports:
        p1: {tag: 10}
        p3: {tag: 20}
        mon: {type: internal}
        up: {type: patch, peer: "sw2:down"}
      flows:
        - priority=30,in_port=p3,actions=drop
        - priority=20,in_port=p1,actions=NORMAL
        - priority=0,actions=NORMAL
    sw2:
      kind: ovs
      ports:
        p2: {tag: 10}
        down: {type: patch, peer: "sw1:up"}
    h1: {interfaces: {eth0: {ipv4: 10.0.61.1/24}}}
    h2: {interfaces: {eth0: {ipv4: 10.0.61.2/24}}}
    h3: {interfaces: {eth0: {ipv4: 10.0.61.3/24}}}
  links:
    - endpoints: ["h1:eth0", "sw1:p1"]
    - endpoints: ["h2:eth0", "sw2:p2"]
    - endpoints: ["h3:eth0", "sw1:p3"]
tests:
  - name: across the patch ports
    ping: {from: h1, to: h2}
  - name: the drop flow on p3 holds
    ping: {from: h3, to: h1, count: 2, expect: fail}
  - name: the switches are in the system's OVS
    exec: {node: sw1, cmd: ovs-vsctl list-br, output: "sw1"}
)");
    return file;
  }

  // A lab of lab_file(prefix_line) under a guard that destroys it however the test ends.
  LabGuard& new_system_lab(const std::string& name, const std::string& prefix_line) {
    file_ = lab_file(prefix_line);
    guards_.push_back(std::make_unique<LabGuard>(name, file_));
    return *guards_.back();
  }

  void expect_no_device_but(const std::map<std::string, std::string>& before) {
    for (const auto& [name, value] : scratch_devices()) EXPECT_EQ(before.count(name), 1u) << "left behind: " << name;
  }

  std::string scratch_, dir_, db_, file_;
  std::unique_ptr<Child> ovsdb_, vswitchd_;
};

TEST_F(OvsSystemTest, LabInTheSystemsOvsWorksIsMarkedAndDestroyRemovesExactlyItsRowsAndDevices) {
  const auto lab_name = unique_lab();
  ASSERT_NO_FATAL_FAILURE(start_system_ovs(lab_name));
  auto& lab = new_system_lab(lab_name, "  ovs_prefix: auto");
  const auto& file = file_;
  auto before = snapshot(lab.lab());
  const auto devices_before = scratch_devices();

  // Deploy, the checks, and the lab left running (--keep).
  auto d = netrig_there({"test", file, "--name", lab.lab(), "--keep"});
  ASSERT_EQ(d.exit_code, 0) << d.describe();
  EXPECT_NE(d.out.find("3 passed, 0 failed"), std::string::npos) << d.describe();
  // Both bridges, under the lab's per-lab prefix, marked as the lab's; the decoy as it was.
  auto rows = bridges();
  EXPECT_EQ(rows.size(), 3u) << vsctl({"show"}).out;
  EXPECT_EQ(rows["decoy"], "");
  std::string sw1;
  for (const auto& [name, owner] : rows)
    if (name != "decoy") {
      EXPECT_EQ(owner, lab.lab()) << name;
      EXPECT_NE(name, "sw1") << "ovs_prefix: auto gives the lab's own names";
      if (name.size() > 3 && name.compare(name.size() - 3, 3, "sw1") == 0) sw1 = name;
    }
  ASSERT_FALSE(sw1.empty()) << "no prefixed sw1 among the bridges";
  // Every port of the lab carries the lab's mark too, and flows name the ports by their new names.
  const auto prefix = sw1.substr(0, sw1.size() - 3);
  for (const char* p : {"p1", "p2", "p3", "mon", "up", "down"}) EXPECT_EQ(port_owner(prefix + p), lab.lab()) << p;
  auto flows = run({"/usr/bin/ovs-ofctl", "--names", "dump-flows", "unix:" + dir_ + "/" + sw1 + ".mgmt"}, 20);
  EXPECT_EQ(flows.exit_code, 0) << flows.describe();
  const auto p3 = prefix + "p3";
  EXPECT_TRUE(flows.out.find("in_port=" + p3 + " ") != std::string::npos ||
              flows.out.find("in_port=\"" + p3 + "\"") != std::string::npos)
      << flows.out;
  // The switch-side ports are devices in the (stand-in) host namespace, with the lab's alias.
  auto mine = lab_devices(lab.lab());
  EXPECT_EQ(mine.size(), 3u) << "one per link\n"
                             << in_scratch({find_ip(), "-br", "link", "show"}).out
                             << run({find_ip(), "netns", "list"}).out
                             << run({find_ip(), "-n", lab.lab() + "-h1", "-br", "link"}).describe();
  for (const auto& dev : mine) EXPECT_EQ(devices_before.count(dev), 0u) << dev;

  auto t = netrig_there({"destroy", lab.lab()});
  EXPECT_EQ(t.exit_code, 0) << t.describe();
  EXPECT_NE(t.out.find("2 bridges of the system's Open vSwitch"), std::string::npos) << t.describe();
  rows = bridges();
  EXPECT_EQ(rows.size(), 1u) << "the lab's bridges left behind";
  EXPECT_EQ(rows.count("decoy"), 1u) << "the decoy bridge went";
  EXPECT_TRUE(lab_devices(lab.lab()).empty());
  expect_no_device_but(devices_before);
  expect_same_host(lab.lab(), before, "after destroy");
}

TEST_F(OvsSystemTest, KillDashNineMidDeployThenDestroyRemovesWhatWasMade) {
  const auto lab_name = unique_lab();
  ASSERT_NO_FATAL_FAILURE(start_system_ovs(lab_name));
  auto& lab = new_system_lab(lab_name, "  ovs_prefix: auto");
  const auto& file = file_;
  auto before = snapshot(lab.lab());
  const auto devices_before = scratch_devices();
  // One worker, steps in ready order; stop when the first switch is in the database and its links
  // are made (the step count from `netrig plan`: every step but the last switch's and the checks').
  auto plan = netrig_there({"plan", file, "--name", lab.lab()});
  ASSERT_EQ(plan.exit_code, 0) << plan.describe();
  int steps = 0;
  {
    std::istringstream lines(plan.out);
    static const std::regex step(R"(^\s*\d+\s\s+[a-z])");
    for (std::string line; std::getline(lines, line);) steps += std::regex_search(line, step);
  }
  ASSERT_GT(steps, 3) << plan.out;
  {
    Child deploy({"/usr/bin/nsenter", "--net=/run/netns/" + scratch_, netrig_binary(), "deploy", file, "--name",
                  lab.lab(), "--workers", "1"},
                 {{"NETRIG_TEST_STALL_AFTER_STEPS", std::to_string(steps - 1)}});
    auto stalled = deploy.wait_for(R"(netrig: test stall after (\d+) steps)", 60);
    ASSERT_TRUE(stalled.has_value()) << deploy.wait(1).describe();
    deploy.signal(SIGKILL);
    deploy.wait(10);
  }
  auto rows = bridges();
  EXPECT_GE(rows.size(), 2u) << "a bridge of the lab was made before the kill";
  EXPECT_FALSE(lab_devices(lab.lab()).empty());

  auto t = netrig_there({"destroy", lab.lab()});
  EXPECT_EQ(t.exit_code, 0) << t.describe();
  rows = bridges();
  EXPECT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows.count("decoy"), 1u);
  expect_no_device_but(devices_before);
  expect_same_host(lab.lab(), before, "after SIGKILL and destroy");
}

TEST_F(OvsSystemTest, NamesTakenOrAnOvsThatDoesNotAnswerStopTheDeployBeforeAnythingIsMade) {
  const auto lab_name = unique_lab();
  ASSERT_NO_FATAL_FAILURE(start_system_ovs(lab_name));
  // Without ovs_prefix the bridges have the file's names, and a bridge "sw1" that is not the lab's
  // is already there.
  auto taken = vsctl({"add-br", "sw1", "--", "set", "bridge", "sw1", "datapath_type=netdev"});
  ASSERT_EQ(taken.exit_code, 0) << taken.describe();
  auto& lab = new_system_lab(lab_name, "");
  const auto& file = file_;
  auto before = snapshot(lab.lab());
  const auto devices_before = scratch_devices();
  auto d = netrig_there({"deploy", file, "--name", lab.lab()});
  EXPECT_NE(d.exit_code, 0) << d.describe();
  EXPECT_NE(d.err.find("already has a bridge named sw1 (this lab's 'sw1'), which is not a lab's"), std::string::npos)
      << d.describe();
  EXPECT_NE(d.err.find("settings.ovs_prefix: auto"), std::string::npos) << d.describe();
  auto rows = bridges();
  EXPECT_EQ(rows.size(), 2u);
  EXPECT_EQ(rows["sw1"], "") << "the bridge that was there is left as it was";
  EXPECT_EQ(scratch_devices(), devices_before);
  expect_same_host(lab.lab(), before, "after a refused deploy");

  // An OVS that does not answer: nothing listens at the socket.
  auto text = read_file(file);
  const auto at = text.find(db_);
  text.replace(at, db_.size(), "unix:" + dir_ + "/nothing.sock");
  write_file(file, text);
  d = netrig_there({"deploy", file, "--name", lab.lab()});
  EXPECT_NE(d.exit_code, 0) << d.describe();
  EXPECT_NE(d.err.find("does not answer at unix:" + dir_ + "/nothing.sock"), std::string::npos) << d.describe();
  EXPECT_EQ(scratch_devices(), devices_before);
  expect_same_host(lab.lab(), before, "after a deploy against a silent OVS");
}

}  // namespace
}  // namespace netrig_it
