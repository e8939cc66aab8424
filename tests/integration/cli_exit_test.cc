// Integration tests of how `netrig test` ends: every signal (and a broken pipe) ends in a clean
// destroy with exit 128 + the signal, at several points of the run; each documented exit code is
// what the command returns; and the reports CI asked for are written on those exits too.
#include <nlohmann/json.hpp>
#include <set>

#include "harness.h"

namespace netrig_it {
namespace {

using nlohmann::json;

// Two namespaces; a deploy-time exec that takes a second (a window to signal during the deploy);
// one quick check, then a slow one (a window during the checks).
std::string lab_text(const std::string& extra_tests = "") {
  return R"(name: it-exit
topology:
  nodes:
    a:
      interfaces:
        eth0: {ipv4: 10.97.0.1/24}
      exec: ["sleep 1"]
    b:
      interfaces:
        eth0: {ipv4: 10.97.0.2/24}
  links:
    - endpoints: ["a:eth0", "b:eth0"]
tests:
  - name: a reaches b
    ping: {from: a, to: b, count: 1}
  - name: slow
    exec: {node: a, cmd: "sleep 20"}
)" + extra_tests;
}

class CliExitTest : public NetrigTest {
 protected:
  std::string file_ = tmp_.file("lab.yaml");
  void SetUp() override {
    NetrigTest::SetUp();
    if (IsSkipped()) return;
    write_file(file_, lab_text());
  }
  // Nothing of the lab is left: no namespace, no host device, no state directory (journal).
  void expect_no_residue(const LabGuard& lab, const HostSnapshot& before, const std::string& when) {
    expect_same_host(lab.lab(), before, when);
    EXPECT_FALSE(fs::exists(state_dir(lab.lab()))) << when << ": the lab's journal is left";
    for (const auto& ns : lab.netns()) EXPECT_FALSE(fs::exists("/run/netns/" + ns)) << when << ": netns " << ns;
  }
};

struct SignalPoint {
  int signo;
  const char* where;  // "deploy" or "checks"
};

TEST_F(CliExitTest, EverySignalAtEveryStageEndsInACleanDestroy) {
  for (const SignalPoint p :
       {SignalPoint{SIGINT, "deploy"}, SignalPoint{SIGTERM, "deploy"}, SignalPoint{SIGHUP, "deploy"},
        SignalPoint{SIGINT, "checks"}, SignalPoint{SIGTERM, "checks"}, SignalPoint{SIGHUP, "checks"}}) {
    const std::string when = std::string(strsignal(p.signo)) + " during the " + p.where;
    SCOPED_TRACE(when);
    auto& lab = new_lab(file_);
    auto before = snapshot(lab.lab());
    const auto junit = tmp_.file(lab.lab() + ".xml");
    Child child({netrig_binary(), "test", file_, "--name", lab.lab(), "--junit", junit});
    // Off a terminal, netrig prints a plain line as each stage and slow step starts.
    const bool reached = std::string(p.where) == "deploy" ? child.wait_for("exec a \\.\\.\\.", 20).has_value()
                                                          : child.wait_for("running 2 checks", 20, true).has_value();
    ASSERT_TRUE(reached) << "never reached the " << p.where << "\n" << child.wait(5).describe();
    if (std::string(p.where) == "checks") std::this_thread::sleep_for(std::chrono::milliseconds(300));
    child.signal(p.signo);
    auto r = child.wait(30);
    EXPECT_EQ(r.exit_code, 128 + p.signo) << r.describe();
    EXPECT_NE(r.err.find(std::string(p.where) == "deploy" ? "removed" : "destroying lab"), std::string::npos)
        << r.describe();
    expect_no_residue(lab, before, when);
    EXPECT_TRUE(fs::exists(junit)) << "the JUnit report was not written";
  }
}

// A check cut short by the signal is an error that says "interrupted", one not yet started is
// "not run", none is left out or passed; a second Ctrl-C right after the first does not cut the
// clean destroy short (it says so and the run still ends in 130 with nothing left).
TEST_F(CliExitTest, ChecksCutShortSayInterruptedAndASecondCtrlCWaitsForTheDestroy) {
  write_file(file_, lab_text("  - name: after the slow one\n    ping: {from: b, to: a, count: 1}\n"));
  auto& lab = new_lab(file_);
  auto before = snapshot(lab.lab());
  const auto json_path = tmp_.file("interrupted.json");
  Child child({netrig_binary(), "test", file_, "--name", lab.lab(), "--json-report", json_path, "--parallel", "1"});
  ASSERT_TRUE(child.wait_for("running 3 checks", 20, true).has_value()) << child.wait(5).describe();
  std::this_thread::sleep_for(std::chrono::milliseconds(500));  // "slow" (sleep 20) is running
  // Then more, while it winds down (about 25 ms here; a signal sent before the first is handled
  // would merge with it): standard signals do not queue, so keep sending for a while.
  child.signal(SIGINT);
  for (int i = 0; i < 20; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(3));
    child.signal(SIGINT);
  }
  auto r = child.wait(30);
  EXPECT_EQ(r.exit_code, 130) << r.describe();
  EXPECT_NE(r.err.find("still cleaning up"), std::string::npos) << r.describe();
  expect_no_residue(lab, before, "after two Ctrl-C");
  auto report = json::parse(read_file(json_path));
  ASSERT_EQ(report["checks"].size(), 3u) << report.dump(2);
  EXPECT_EQ(report["checks"][0]["status"], "passed") << report["checks"][0].dump(2);
  EXPECT_EQ(report["checks"][1]["status"], "error") << report["checks"][1].dump(2);
  EXPECT_EQ(report["checks"][1]["message"].get<std::string>().rfind("interrupted", 0), 0u)
      << report["checks"][1].dump(2);
  EXPECT_EQ(report["checks"][2]["status"], "skipped") << report["checks"][2].dump(2);
  EXPECT_EQ(report["checks"][2]["message"], "not run: netrig was interrupted") << report["checks"][2].dump(2);
  EXPECT_EQ(report["exit_code"], 130);
}

// Two `netrig deploy` of one lab at once: one deploys, the other exits 4 (a lab of that name is
// deployed), whether it sees the lab before deploying or loses the atomic claim of its state.
TEST_F(CliExitTest, TwoDeploysAtOnceEndInZeroAndFour) {
  auto& lab = new_lab(file_);
  auto before = snapshot(lab.lab());
  Child first({netrig_binary(), "deploy", file_, "--name", lab.lab()});
  Child second({netrig_binary(), "deploy", file_, "--name", lab.lab()});
  auto a = first.wait(30);
  auto b = second.wait(30);
  std::multiset<int> codes = {a.exit_code, b.exit_code};
  EXPECT_EQ(codes, (std::multiset<int>{0, 4})) << a.describe() << "\n" << b.describe();
  EXPECT_EQ(netrig({"destroy", lab.lab()}).exit_code, 0);
  expect_no_residue(lab, before, "after two deploys at once");
}

TEST_F(CliExitTest, ABrokenPipeDestroysTheLabAndExits141) {
  // `| head -1` closes the pipe after the first line (deploy done); `| true` before netrig writes
  // anything. PIPESTATUS gives netrig's own exit code.
  for (const char* reader : {"head -1", "true"}) {
    SCOPED_TRACE(reader);
    auto& lab = new_lab(file_);
    auto before = snapshot(lab.lab());
    auto r = run({"/bin/bash", "-c",
                  "'" + netrig_binary() + "' test '" + file_ + "' --name " + lab.lab() + " | " + reader +
                      "; exit ${PIPESTATUS[0]}"},
                 60);
    EXPECT_EQ(r.exit_code, 141) << r.describe();
    expect_no_residue(lab, before, std::string("after | ") + reader);
  }
}

TEST_F(CliExitTest, EachExitCodeMeansOneThing) {
  auto& lab = new_lab(file_);
  auto before = snapshot(lab.lab());

  // 4: a lab of that name is already deployed (and the deployed one is left alone).
  ASSERT_EQ(netrig({"deploy", file_, "--name", lab.lab()}).exit_code, 0);
  const auto json_path = tmp_.file("exists.json");
  auto t = netrig({"test", file_, "--name", lab.lab(), "--json-report", json_path});
  EXPECT_EQ(t.exit_code, 4) << t.describe();
  EXPECT_NE(t.err.find("already deployed"), std::string::npos) << t.describe();
  EXPECT_TRUE(fs::exists(state_dir(lab.lab()))) << "the running lab must not be touched";
  auto report = json::parse(read_file(json_path));
  ASSERT_EQ(report["checks"].size(), 1u) << report.dump(2);
  EXPECT_EQ(report["checks"][0]["status"], "error");
  EXPECT_EQ(report["exit_code"], 4) << report.dump(2);
  EXPECT_EQ(netrig({"deploy", file_, "--name", lab.lab()}).exit_code, 4);
  ASSERT_EQ(netrig({"destroy", lab.lab()}).exit_code, 0);

  // 6: no tests: block, unless --allow-no-checks (then 0).
  const auto bare = tmp_.file("bare.yaml");
  auto text = lab_text();
  write_file(bare, text.substr(0, text.find("tests:")));
  auto n = netrig({"test", bare, "--name", lab.lab()});
  EXPECT_EQ(n.exit_code, 6) << n.describe();
  EXPECT_NE(n.err.find("no tests"), std::string::npos) << n.describe();
  auto allowed = netrig({"test", bare, "--name", lab.lab(), "--allow-no-checks"});
  EXPECT_EQ(allowed.exit_code, 0) << allowed.describe();

  // 2: invalid file, with a JUnit report that says so.
  const auto bad = tmp_.file("bad.yaml");
  write_file(bad, "name: it-exit\ntopology:\n  nodes:\n    a: {kind: nonsense}\n");
  const auto junit = tmp_.file("bad.xml");
  auto b = netrig({"test", bad, "--name", lab.lab(), "--junit", junit});
  EXPECT_EQ(b.exit_code, 2) << b.describe();
  EXPECT_NE(read_file(junit).find("<error"), std::string::npos) << read_file(junit);

  // 1: a check fails (5, a failing deploy-time exec:, is FailureTest's).
  auto failing = lab_text("  - name: wrong\n    exec: {node: b, cmd: \"false\"}\n");
  failing.replace(failing.find("sleep 20"), 8, "true");
  write_file(file_, failing);
  auto f = netrig({"test", file_, "--name", lab.lab(), "--parallel", "4"});
  EXPECT_EQ(f.exit_code, 1) << f.describe();
  expect_no_residue(lab, before, "after the exit-code runs");

  // And --help lists them all.
  auto h = netrig({"--help"});
  for (const char* code : {"  4 ", "  5 ", "  6 ", "128+N"}) EXPECT_NE(h.out.find(code), std::string::npos) << code;
}

TEST_F(CliExitTest, HelpAndTypos) {
  auto help = netrig({"help", "test"});
  EXPECT_EQ(help.exit_code, 0) << help.describe();
  EXPECT_NE(help.out.find("Usage: netrig test"), std::string::npos) << help.describe();
  auto typo = netrig({"tset"});
  EXPECT_EQ(typo.exit_code, 2);
  EXPECT_NE(typo.err.find("did you mean 'netrig test'"), std::string::npos) << typo.describe();
  auto usage = netrig({"--help"});
  EXPECT_NE(usage.out.find("Usage: netrig "), std::string::npos) << "not the binary's full path\n" << usage.describe();
  // Bare `netrig`: the usage on stderr and exit 2, not CLI11's "A subcommand is required".
  auto bare = netrig({});
  EXPECT_EQ(bare.exit_code, 2) << bare.describe();
  EXPECT_NE(bare.err.find("Usage: netrig "), std::string::npos) << bare.describe();
  EXPECT_EQ(bare.err.find("A subcommand is required"), std::string::npos) << bare.describe();
}

}  // namespace
}  // namespace netrig_it
