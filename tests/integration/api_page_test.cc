// The status page at / in a real browser: Debian's chromium, headless, driven by Playwright
// (playwright-core from npm, pinned; ci/setup.sh installs it into the checkout's .cache/playwright)
// through tests/browser/status_page.js. The page loads, draws the deployed lab's nodes, and after
// its "run all checks" button starts a checks job (token typed in), a check result arrives live
// from the event stream, and a's interface counters are redrawn on a "counters" event. The screenshot is kept in
// netrig-artifacts/api-status-page.png (beside the test's working directory). Without chromium, node or the module the
// test skips and says why. A second test (tests/browser/status_page_hosts.js) draws
// topologies/lecture28-vxlan.yaml: a box per host holding its switches and nodes, a dashed edge per
// pair of hosts joined by tunnels (netrig-artifacts/api-status-page-hosts.png).
#include <sys/stat.h>

#include <map>
#include <nlohmann/json.hpp>
#include <set>

#include "api_serve.h"
#include "harness.h"

namespace netrig_it {
namespace {

using nlohmann::json;

const char* kLab = R"(name: it-page
topology:
  nodes:
    sw: {kind: bridge}
    a:
      interfaces:
        eth0:
          ipv4: 10.97.5.1/24
          qos: {egress: {htb: {rate: 100mbit, default: bulk, classes: {bulk: {rate: 100%}}}}}
    b:
      interfaces:
        eth0: {ipv4: 10.97.5.2/24}
  links:
    - endpoints: ["a:eth0", "sw"]
    - endpoints: ["b:eth0", "sw"]
tests:
  - name: a reaches b
    ping: {from: a, to: b, count: 1}
  - name: slow one
    exec: {node: b, cmd: "sleep 2; echo done", output: done}
)";

std::string which(const std::string& tool) {
  auto path = run({"/bin/sh", "-c", "command -v " + tool}, 10).out;
  while (!path.empty() && std::isspace(static_cast<unsigned char>(path.back()))) path.pop_back();
  return path;
}

class ApiPageTest : public NetrigTest {
 protected:
  // chromium, node and the playwright-core module, or why not (then the test skips).
  std::string browser_missing() {
    chromium_ = which("chromium");
    if (chromium_.empty()) return "chromium not installed (Debian package chromium; ci/setup.sh installs it)";
    node_ = which("node");
    if (node_.empty()) return "node is not installed (Debian: apt-get install nodejs npm; ci/setup.sh installs them)";
    const char* env_module = std::getenv("NETRIG_PLAYWRIGHT_CORE");
    module_ =
        env_module ? fs::path(env_module) : fs::path(source_dir()) / ".cache/playwright/node_modules/playwright-core";
    if (!fs::exists(module_ / "package.json"))
      return "playwright-core is not installed at " + module_.string() +
             " (ci/setup.sh installs it with npm: was the npm registry unreachable? or set NETRIG_PLAYWRIGHT_CORE)";
    return "";
  }
  // What a tests/browser script printed: its one JSON line (not an object when it printed none),
  // the run, and the screenshot it was asked to keep.
  struct PageRun {
    CmdResult run;
    json out;
    std::string shot;
  };
  // Runs tests/browser/SCRIPT against serve's page on `port` for `lab`, the screenshot kept as
  // netrig-artifacts/SHOT_NAME; `more` adds the script's own variables.
  PageRun run_page(const std::string& script, int port, const std::string& lab, const std::string& shot_name,
                   const Env& more = {}) {
    std::error_code ec;
    fs::create_directories("netrig-artifacts", ec);
    PageRun p;
    p.shot = fs::absolute("netrig-artifacts/" + shot_name).string();
    fs::remove(p.shot, ec);
    Env env = {{"PLAYWRIGHT_CORE", module_.string()},
               {"CHROMIUM", chromium_},
               {"NETRIG_URL", "http://127.0.0.1:" + std::to_string(port) + "/"},
               {"NETRIG_LAB", lab},
               {"NETRIG_SCREENSHOT", p.shot},
               {"HOME", tmp_.file("home")}};
    env.insert(env.end(), more.begin(), more.end());
    p.run = run({node_, source_dir() + "/tests/browser/" + script}, 120, env);
    const auto& o = p.run.out;
    p.out = json::parse(o.substr(o.rfind('\n', o.size() - 2) + 1), nullptr, false);
    return p;
  }
  std::string chromium_, node_;
  fs::path module_;
};

TEST_F(ApiPageTest, PlaywrightSeesTheLabsNodesAndACheckResultArriveLive) {
  if (auto why = browser_missing(); !why.empty()) GTEST_SKIP() << why;
  const auto file = tmp_.file("page.yaml");
  write_file(file, kLab);
  auto& lab = new_lab(file);
  ASSERT_EQ(netrig({"deploy", file, "--name", lab.lab()}, 60).exit_code, 0);
  const std::string token = "page-token-0123456789";
  write_file(tmp_.file("token"), token + "\n");
  chmod(tmp_.file("token").c_str(), 0600);
  Serve serve({"--jobs-dir", tmp_.file("jobs"), "--token-file", tmp_.file("token"), "--poll-interval", "0.5"});
  ASSERT_TRUE(serve.listening()) << serve.child().err();

  auto page = run_page("status_page.js", serve.port(), lab.lab(), "api-status-page.png",
                       {{"NETRIG_CHECK", "a reaches b"}, {"NETRIG_TOKEN", token}});
  const auto& r = page.run;
  const auto& out = page.out;
  const auto& shot = page.shot;
  std::error_code ec;
  ASSERT_TRUE(out.is_object()) << r.describe();
  ASSERT_EQ(out.value("ok", false), true) << out.dump(2) << "\n" << r.describe();
  EXPECT_EQ(r.exit_code, 0) << r.describe();

  // The page loaded nothing from anywhere else and threw nothing.
  EXPECT_TRUE(out["external_requests"].empty()) << out.dump(2);
  EXPECT_TRUE(out["console_errors"].empty()) << out.dump(2);
  // The lab drawn: every node and switch in the SVG and the node table.
  for (const char* n : {"a", "b", "sw"}) {
    EXPECT_NE(std::find(out["nodes_drawn"].begin(), out["nodes_drawn"].end(), n), out["nodes_drawn"].end())
        << n << " " << out.dump(2);
    EXPECT_NE(std::find(out["node_rows"].begin(), out["node_rows"].end(), n), out["node_rows"].end()) << n;
  }
  // a's QoS class, with tc's counters.
  bool bulk = false;
  for (const auto& row : out["qos_rows"])
    bulk |= row.get<std::string>().find("class 1:") != std::string::npos &&
            row.get<std::string>().find("bulk") != std::string::npos;
  EXPECT_TRUE(bulk) << out.dump(2);
  // No checks had run: the result shown came from the job the button started, on the stream.
  EXPECT_TRUE(out["checks_before"].empty()) << out.dump(2);
  EXPECT_NE(out["status_after_click"].get<std::string>().find("job "), std::string::npos);
  const auto seq = out["live_row"]["seq"].get<uint64_t>();
  EXPECT_GT(seq, out["events_before"].get<uint64_t>()) << "the result arrived after the job started";
  EXPECT_EQ(out["live_event"]["seq"].get<uint64_t>(), seq);
  EXPECT_NE(out["live_row"]["class"].get<std::string>().find("passed"), std::string::npos) << out.dump(2);
  // It came while the job still ran (its slow check takes 2 s more): live, not from the final report.
  ASSERT_EQ(out["jobs_when_shown"].size(), 1u) << out.dump(2);
  EXPECT_EQ(out["jobs_when_shown"][0]["kind"], "checks");
  EXPECT_EQ(out["jobs_when_shown"][0]["state"], "running") << out.dump(2);
  // Interface counters moved by the checks' traffic, redrawn on a "counters" event.
  EXPECT_GT(out["counters_seq"].get<uint64_t>(), out["events_before"].get<uint64_t>()) << out.dump(2);
  EXPECT_NE(out["counters_before"], out["counters_after"]) << out.dump(2);
  // Let the job end before the lab goes.
  for (int i = 0; i < 300 && serve.get_json("/api/v1/health").value("jobs_running", 0) > 0; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  EXPECT_GT(fs::file_size(shot, ec), 5000u) << "screenshot " << shot;
  RecordProperty("screenshot", shot);
}

// Lecture 28's lab: each host drawn as a box holding its switches and nodes, and its tunnels as
// dashed curves between hosts (one per pair of hosts: the tunnel and its way back).
TEST_F(ApiPageTest, HostsDrawnAsBoxesAndTunnelsAsDashedEdges) {
  if (auto why = browser_missing(); !why.empty()) GTEST_SKIP() << why;
  const auto file = topology_path("lecture28-vxlan.yaml");
  auto& lab = new_lab(file);
  auto d = netrig({"deploy", file, "--name", lab.lab()}, 120);
  ASSERT_EQ(d.exit_code, 0) << d.describe();
  Serve serve({"--jobs-dir", tmp_.file("jobs")});
  ASSERT_TRUE(serve.listening()) << serve.child().err();
  auto page = run_page("status_page_hosts.js", serve.port(), lab.lab(), "api-status-page-hosts.png");
  const auto& r = page.run;
  const auto& out = page.out;
  const auto& shot = page.shot;
  std::error_code ec;
  ASSERT_TRUE(out.is_object()) << r.describe();
  ASSERT_EQ(out.value("ok", false), true) << out.dump(2) << "\n" << r.describe();
  EXPECT_TRUE(out["external_requests"].empty()) << out.dump(2);
  EXPECT_TRUE(out["console_errors"].empty()) << out.dump(2);

  std::map<std::string, std::set<std::string>> inside;
  for (const auto& h : out["hosts"])
    for (const auto& n : h["inside"]) inside[h["host"]].insert(n.get<std::string>());
  using S = std::set<std::string>;
  EXPECT_EQ(inside["hv1"], (S{"br-int1", "br-tun1", "a1", "b1"})) << out.dump(2);
  EXPECT_EQ(inside["hv2"], (S{"br-int2", "br-tun2", "a2", "b2"})) << out.dump(2);
  EXPECT_EQ(inside["hv3"], (S{"br-int3", "br-tun3", "a3", "b3"})) << out.dump(2);
  EXPECT_EQ(inside["local"], (S{"underlay"})) << out.dump(2);
  for (const auto& h : out["hosts"])
    if (h["host"] == "hv2") {
      EXPECT_NE(h["label"].get<std::string>().find("192.168.100.12"), std::string::npos);
    }

  // Three dashed edges, one per pair of hosts.
  std::set<std::pair<std::string, std::string>> pairs;
  for (const auto& t : out["tunnels_drawn"]) {
    EXPECT_TRUE(t["dashed"].get<bool>()) << t.dump();
    auto a = t["from"].get<std::string>(), b = t["to"].get<std::string>();
    pairs.insert(a < b ? std::pair{a, b} : std::pair{b, a});
  }
  EXPECT_EQ(out["tunnels_drawn"].size(), 3u) << out.dump(2);
  EXPECT_EQ(pairs, (std::set<std::pair<std::string, std::string>>{{"hv1", "hv2"}, {"hv1", "hv3"}, {"hv2", "hv3"}}));
  // And every tunnel port in the table, with its remote host.
  ASSERT_EQ(out["tunnel_rows"].size(), 6u) << out.dump(2);
  EXPECT_NE(out["tunnel_rows"][0].get<std::string>().find("br-tun1:vx-hv2"), std::string::npos) << out.dump(2);
  EXPECT_NE(out["tunnel_rows"][0].get<std::string>().find("hv2"), std::string::npos);
  EXPECT_GT(fs::file_size(shot, ec), 5000u) << "screenshot " << shot;
  RecordProperty("screenshot", shot);
}

}  // namespace
}  // namespace netrig_it
