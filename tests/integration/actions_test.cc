// Runtime actions in tests: against the real kernel, through the netrig binary. Links go down and
// up between phases (through rtnetlink, in the namespace the plan puts each end in), a background
// ping measures an outage, a failed action stops the rest, and the reports keep the order.
#include <nlohmann/json.hpp>
#include <thread>

#include "harness.h"

namespace netrig_it {
namespace {

using nlohmann::json;

const char* kLab = R"(name: act
topology:
  nodes:
    lan: {kind: bridge}
    h1: {interfaces: {eth0: {ipv4: 10.0.8.1/24}}}
    h2: {interfaces: {eth0: {ipv4: 10.0.8.2/24}}}
    h3: {interfaces: {eth0: {ipv4: 10.0.8.3/24}}}
  links:
    - endpoints: ["h1:eth0", "lan"]
    - endpoints: ["h2:eth0", "lan"]
    - endpoints: ["h3:eth0", "lan"]
tests:
)";

class ActionsTest : public NetrigTest {
 protected:
  // Runs `netrig test` on `file` with JSON and JUnit reports in tmp_; the host must be as before.
  CmdResult run_file(const std::string& file) {
    auto& lab = new_lab(file);
    lab_ = lab.lab();
    auto before = snapshot(lab_);
    auto r = netrig({"test", file, "--name", lab_, "--json-report", tmp_.file("r.json"), "--junit", tmp_.file("r.xml")},
                    120);
    expect_same_host(lab_, before, "after netrig test");
    return r;
  }
  CmdResult run_tests(const std::string& tests) {
    const auto file = tmp_.file("act.yaml");
    write_file(file, std::string(kLab) + tests);
    return run_file(file);
  }
  json report() { return json::parse(read_file(tmp_.file("r.json"))); }
  static const json& step(const json& report, const std::string& name) {
    for (const auto& c : report["checks"])
      if (c["name"] == name) return c;
    throw std::runtime_error("no step named " + name);
  }
  static std::vector<std::string> names(const json& report) {
    std::vector<std::string> out;
    for (const auto& c : report["checks"]) out.push_back(c["name"]);
    return out;
  }
  static double ended(const json& s) { return s["started"].get<double>() + s["seconds"].get<double>(); }
  std::string lab_;
};

// Done when: the regression lab passes, its steps are reported in file order, each phase starts
// after the action before it ended, and the background ping saw the outage (lost some, within its
// bound, and the gap between replies is about the outage's length).
TEST_F(ActionsTest, LinkDownLabRunsInOrderAndMeasuresTheOutage) {
  auto r = run_file(source_dir() + "/tests/labs/link-down.yaml");
  ASSERT_EQ(r.exit_code, 0) << r.describe();
  auto rep = report();
  const std::vector<std::string> expected = {"h1 reaches h2",
                                             "link h2:eth0 down",
                                             "h2 is cut off",
                                             "h2 sees its interface down",
                                             "h1 still reaches h3",
                                             "link h2:eth0 up",
                                             "h2 is back",
                                             "ping across h3's outage",
                                             "sleep 1 s",
                                             "link lan:h3:eth0 down",
                                             "sleep 1 s",
                                             "link lan:h3:eth0 up",
                                             "wait ping across h3's outage",
                                             "exec h1: ip neigh flush dev eth0",
                                             "h3 answers after the outage"};
  EXPECT_EQ(names(rep), expected) << rep.dump(2);
  const auto& down = step(rep, "link h2:eth0 down");
  EXPECT_EQ(down["step"], "action");
  EXPECT_EQ(down["type"], "link");
  EXPECT_EQ(down["status"], "passed");
  EXPECT_GE(step(rep, "h2 is cut off")["started"].get<double>(), ended(down));
  EXPECT_GE(ended(down), ended(step(rep, "h1 reaches h2")));
  EXPECT_GE(step(rep, "h2 is back")["started"].get<double>(), ended(step(rep, "link h2:eth0 up")));

  const auto& bg = step(rep, "ping across h3's outage");
  EXPECT_EQ(bg["background"], true);
  EXPECT_EQ(bg["status"], "passed") << bg.dump(2);
  const auto& f = bg["figures"];
  EXPECT_EQ(f["sent"].get<double>(), 40) << bg.dump(2);
  // The port was down for ~1 s at 0.1 s per echo request: several lost in a row, at most the bound.
  EXPECT_GE(f["lost"].get<double>(), 5) << bg.dump(2);
  EXPECT_LE(f["lost"].get<double>(), 20) << bg.dump(2);
  EXPECT_GE(f["longest_lost_run"].get<double>(), 5) << bg.dump(2);
  EXPECT_GE(f["longest_gap_s"].get<double>(), 0.8) << bg.dump(2);
  // It started before the outage and ran across it.
  EXPECT_LE(bg["started"].get<double>(), step(rep, "link lan:h3:eth0 down")["started"].get<double>());
  EXPECT_GE(ended(bg), ended(step(rep, "link lan:h3:eth0 up")));

  auto xml = read_file(tmp_.file("r.xml"));
  EXPECT_NE(xml.find("classname=\"" + lab_ + ".action.link\" name=\"link h2:eth0 down\""), std::string::npos) << xml;
  EXPECT_LT(xml.find("name=\"h1 reaches h2\""), xml.find("name=\"link h2:eth0 down\"")) << xml;
  EXPECT_NE(r.out.find("DONE  [action] link lan:h3:eth0 down"), std::string::npos) << r.out;
}

// Done when: a background ping that loses more than its bound fails the run (exit 1).
TEST_F(ActionsTest, BackgroundPingLosingMoreThanItsBoundFailsTheRun) {
  auto r = run_tests(R"(
  - name: steady
    background: true
    ping: {from: h1, to: h2, interval: 0.1, count: 30, max_lost: 2}
  - action: {sleep: 0.5}
  - action: {link: "h2:eth0", state: down}
  - action: {sleep: 1.5}
  - action: {link: "h2:eth0", state: up}
)");
  EXPECT_EQ(r.exit_code, 1) << r.describe();
  auto rep = report();
  const auto& bg = step(rep, "steady");
  EXPECT_EQ(bg["status"], "failed") << bg.dump(2);
  EXPECT_NE(bg["message"].get<std::string>().find("more than 2 lost"), std::string::npos) << bg.dump(2);
  EXPECT_GT(bg["figures"]["lost"].get<double>(), 2) << bg.dump(2);
  for (const auto& s : rep["checks"])
    if (s["step"] == "action") {
      EXPECT_EQ(s["status"], "passed") << s.dump(2);
    }
  // Collected at the end, after the last action: it is the last line of the report.
  EXPECT_EQ(rep["checks"].size(), 5u);
}

// Done when: phases are ordered: one attempt right after `down` fails (the link is down by then),
// and the same check after `up` passes.
TEST_F(ActionsTest, ACheckRightAfterDownSeesTheLinkDown) {
  auto r = run_tests(R"(
  - name: before
    ping: {from: h1, to: h2}
  - action: {link: "lan:h2:eth0", state: down}
  - name: right after down
    timeout: 0
    ping: {from: h1, to: h2, count: 2}
  - action: {link: "lan:h2:eth0", state: up}
  - name: after up
    ping: {from: h1, to: h2}
)");
  EXPECT_EQ(r.exit_code, 1) << r.describe();
  auto rep = report();
  EXPECT_EQ(step(rep, "before")["status"], "passed");
  EXPECT_EQ(step(rep, "after up")["status"], "passed");
  const auto& right_after = step(rep, "right after down");
  EXPECT_EQ(right_after["status"], "failed") << right_after.dump(2);
  EXPECT_EQ(right_after["attempts"], 1);
  EXPECT_GE(right_after["started"].get<double>(), ended(step(rep, "link lan:h2:eth0 down")));
  EXPECT_NE(r.out.find("1 failed"), std::string::npos) << r.out;
}

// Done when: a failed action fails the run and stops it: the steps after it are reported as not
// run, with the reason, and a background ping still running is stopped early.
TEST_F(ActionsTest, AFailedActionStopsTheRestAndReportsItSkipped) {
  auto r = run_tests(R"(
  - name: steady
    background: true
    ping: {from: h1, to: h3, interval: 0.1, count: 100}
  - name: breaks
    action: {exec: h1, cmd: "echo broken; exit 3"}
  - name: later
    ping: {from: h1, to: h2}
  - action: {link: "h2:eth0", state: down}
  - wait: steady
)");
  EXPECT_EQ(r.exit_code, 1) << r.describe();
  auto rep = report();
  const auto& breaks = step(rep, "breaks");
  EXPECT_EQ(breaks["status"], "failed") << breaks.dump(2);
  EXPECT_EQ(breaks["message"], "exit code 3, expected 0");
  EXPECT_NE(breaks["evidence"][0]["output"].get<std::string>().find("broken"), std::string::npos);
  for (const char* name : {"later", "link h2:eth0 down", "wait steady"}) {
    EXPECT_EQ(step(rep, name)["status"], "skipped") << name;
    EXPECT_EQ(step(rep, name)["message"], "not run: action 'breaks' failed") << name;
  }
  const auto& bg = step(rep, "steady");
  EXPECT_EQ(bg["status"], "skipped") << bg.dump(2);
  EXPECT_NE(bg["message"].get<std::string>().find("stopped early"), std::string::npos) << bg.dump(2);
  EXPECT_LT(bg["seconds"].get<double>(), 8.0) << "100 × 0.1 s would take 10 s: it was not stopped";
  auto xml = read_file(tmp_.file("r.xml"));
  EXPECT_NE(xml.find("<skipped message=\"not run: action &apos;breaks&apos; failed\"/>"), std::string::npos) << xml;
}

// Done when: Ctrl-C during a long sequence stops it at once: the running action and the background
// ping end, the rest is reported as not run, the lab is destroyed and no ping is left behind.
TEST_F(ActionsTest, InterruptStopsTheSequenceAndItsBackgroundPing) {
  const auto file = tmp_.file("act.yaml");
  write_file(file, std::string(kLab) + R"(
  - name: long
    background: true
    ping: {from: h1, to: h2, interval: 0.1, count: 300}
  - action: {sleep: 60}
  - name: later
    ping: {from: h1, to: h2}
)");
  auto& lab = new_lab(file);
  auto before = snapshot(lab.lab());
  Child child({netrig_binary(), "test", file, "--name", lab.lab(), "--json-report", tmp_.file("r.json")});
  ASSERT_TRUE(child.wait_for("running 2 checks and 1 action", 60, true)) << child.out() << child.err();
  std::this_thread::sleep_for(std::chrono::milliseconds(1500));
  const auto start = std::chrono::steady_clock::now();
  child.signal(SIGINT);
  auto r = child.wait(20);
  EXPECT_LT(seconds_since(start), 5.0) << "the 60 s sleep and the 30 s ping were not cut short";
  EXPECT_NE(r.exit_code, 0) << r.describe();
  auto rep = report();
  EXPECT_EQ(step(rep, "sleep 60 s")["status"], "error");
  EXPECT_EQ(step(rep, "later")["status"], "skipped");
  EXPECT_EQ(step(rep, "later")["message"], "not run: netrig was interrupted");
  EXPECT_EQ(step(rep, "long")["status"], "skipped");
  EXPECT_GT(step(rep, "long")["figures"]["received"].get<double>(), 0) << "what it measured so far is kept";
  expect_same_host(lab.lab(), before, "after an interrupted netrig test");
}

}  // namespace
}  // namespace netrig_it
