// Mutations through `netrig serve`: deploy (a named file, or a posted topology when allowed),
// checks and destroy as jobs with 202 + a job URL, 409 for a second change to a lab, the bearer
// token for each; bad requests get their 4xx and change nothing; the event stream carries the
// deploy steps and check results; job records outlive a restart of serve.
#include <signal.h>
#include <sys/stat.h>

#include <nlohmann/json.hpp>

#include "api_serve.h"
#include "harness.h"

namespace netrig_it {
namespace {

using nlohmann::json;

const char* kLab = R"(name: it-jobs
topology:
  nodes:
    sw: {kind: bridge}
    a:
      interfaces:
        eth0: {ipv4: 10.97.4.1/24}
    b:
      interfaces:
        eth0: {ipv4: 10.97.4.2/24}
  links:
    - endpoints: ["a:eth0", "sw"]
    - endpoints: ["b:eth0", "sw"]
tests:
  - name: a reaches b
    ping: {from: a, to: b, count: 2, interval: 0.2}
  - name: b says hello
    exec: {node: b, cmd: "echo hello", output: "hello"}
)";

// Checks that take a few seconds (a slow exec), one of which fails: a job's real outcome is exit 1.
const char* kSlowLab = R"(name: it-survive
topology:
  nodes:
    sw: {kind: bridge}
    a:
      interfaces:
        eth0: {ipv4: 10.97.6.1/24}
    b:
      interfaces:
        eth0: {ipv4: 10.97.6.2/24}
    c:
      interfaces:
        eth0: {ipv4: 10.97.6.3/24}
  links:
    - endpoints: ["a:eth0", "sw"]
    - endpoints: ["b:eth0", "sw"]
    - endpoints: ["c:eth0", "sw"]
tests:
  - name: a reaches c
    ping: {from: a, to: c, count: 1}
  - name: slow
    exec: {node: a, cmd: "sleep 3; echo slow-done", output: slow-done}
  - name: b fails on purpose
    exec: {node: b, cmd: "sleep 1; false"}
)";

const char* kInvalid = "name: broken\ntopology:\n  nodes:\n    a: {kind: nonsense}\n";
const std::string kToken = "it-token-0123456789abcdef";

class ApiJobsTest : public NetrigTest {
 protected:
  void SetUp() override {
    NetrigTest::SetUp();
    if (IsSkipped()) return;
    fs::create_directories(tmp_.file("topologies"));
    write_file(tmp_.file("topologies/jobs.yaml"), kLab);
    write_file(tmp_.file("topologies/broken.yaml"), kInvalid);
    write_file(tmp_.file("topologies/survive.yaml"), kSlowLab);
    write_file(tmp_.file("token"), kToken + "\n");
    chmod(tmp_.file("token").c_str(), 0600);
  }
  std::vector<std::string> serve_args(bool allow_posted = false) {
    std::vector<std::string> a{"--token-file", tmp_.file("token"), "--topologies",    tmp_.file("topologies"),
                               "--jobs-dir",   tmp_.file("jobs"),  "--poll-interval", "0.2"};
    if (allow_posted) a.push_back("--allow-posted-topologies");
    return a;
  }
  static httplib::Headers auth(const std::string& token = kToken) { return {{"Authorization", "Bearer " + token}}; }

  // Polls the job until it is no longer running; its final record.
  static json wait_job(const Serve& serve, const std::string& url, double timeout_s = 90) {
    json job;
    for (int i = 0; i < timeout_s * 10; ++i) {
      job = serve.get_json(url);
      if (job.is_object() && job.value("state", "") != "running") return job;
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    return job;
  }
};

// A report with what a run measures taken out: numbers -> 0, digits in strings -> '#', the lab's
// name -> LAB. Two runs of one file's checks are then equal key for key, check for check.
json normalized(const json& j, const std::string& lab) {
  if (j.is_number()) return 0;
  if (j.is_string()) {
    std::string s = j.get<std::string>();
    for (size_t at; (at = s.find(lab)) != std::string::npos;) s.replace(at, lab.size(), "LAB");
    for (auto& ch : s)
      if (std::isdigit(static_cast<unsigned char>(ch))) ch = '#';
    return s;
  }
  if (j.is_array()) {
    json out = json::array();
    for (const auto& e : j) out.push_back(normalized(e, lab));
    return out;
  }
  if (j.is_object()) {
    json out = json::object();
    for (const auto& [k, v] : j.items()) out[k] = normalized(v, lab);
    return out;
  }
  return j;
}

json body_of(const httplib::Result& r) { return r ? json::parse(r->body, nullptr, false) : json(); }

TEST_F(ApiJobsTest, DeployChecksAndDestroyAsJobsWithTheEventStream) {
  auto& lab = new_lab(tmp_.file("topologies/jobs.yaml"));
  Serve serve(serve_args());
  ASSERT_TRUE(serve.listening()) << serve.child().err();
  auto c = serve.client();
  const json deploy_body = {{"file", "jobs.yaml"}, {"name", lab.lab()}};

  auto r = c.Post("/api/v1/labs", auth(), deploy_body.dump(), "application/json");
  ASSERT_TRUE(r);
  ASSERT_EQ(r->status, 202) << r->body;
  auto accepted = body_of(r);
  const std::string url = accepted["url"];
  EXPECT_EQ(r->get_header_value("Location"), url);
  EXPECT_EQ(accepted["job"]["kind"], "deploy");
  // A second change to the same lab while the first runs, or once it exists: 409.
  auto again = c.Post("/api/v1/labs", auth(), deploy_body.dump(), "application/json");
  ASSERT_TRUE(again);
  EXPECT_EQ(again->status, 409) << again->body;

  auto job = wait_job(serve, url);
  ASSERT_EQ(job["state"], "succeeded") << job.dump(2);
  EXPECT_EQ(job["exit_code"], 0);
  EXPECT_TRUE(fs::exists("/run/netrig/" + lab.lab())) << "the lab is deployed";
  again = c.Post("/api/v1/labs", auth(), deploy_body.dump(), "application/json");
  ASSERT_TRUE(again);
  EXPECT_EQ(again->status, 409) << again->body;

  // Checks: an unknown group is refused; all of them run as a job whose result is the JSON report.
  r = c.Post(("/api/v1/labs/" + lab.lab() + "/checks").c_str(), auth(), R"({"group": "nope"})", "application/json");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 422) << r->body;
  r = c.Post(("/api/v1/labs/" + lab.lab() + "/checks").c_str(), auth(), "", "application/json");
  ASSERT_TRUE(r);
  ASSERT_EQ(r->status, 202) << r->body;
  job = wait_job(serve, body_of(r)["url"]);
  ASSERT_EQ(job["state"], "succeeded") << job.dump(2);
  const auto& result = job["result"];
  EXPECT_EQ(result["format"], "netrig-report");
  EXPECT_EQ(result["lab"], lab.lab());
  EXPECT_EQ(result["passed"], 2) << result.dump(2);
  EXPECT_EQ(result["checks"][0]["status"], "passed");
  EXPECT_GT(result["checks"][0]["figures"]["rtt_avg_ms"].get<double>(), 0);
  // The lab's latest checks are these, as `netrig check` keeps them.
  auto latest = serve.get_json("/api/v1/labs/" + lab.lab() + "/checks")["latest"];
  EXPECT_EQ(latest, result);
  // ... and the same document `netrig test` writes for this file: every key, check, status,
  // message and evidence command the same, in the same order; only measured values differ.
  auto& copy = new_lab(tmp_.file("topologies/jobs.yaml"));
  auto t = netrig(
      {"test", tmp_.file("topologies/jobs.yaml"), "--name", copy.lab(), "--json-report", tmp_.file("test.json")}, 120);
  ASSERT_EQ(t.exit_code, 0) << t.describe();
  auto test_report = json::parse(read_file(tmp_.file("test.json")), nullptr, false);
  ASSERT_TRUE(test_report.is_object());
  EXPECT_EQ(normalized(result, lab.lab()), normalized(test_report, copy.lab())) << "job:\n"
                                                                                << result.dump(2) << "\nnetrig test:\n"
                                                                                << test_report.dump(2);

  // The event stream from the start: job transitions, the deploy's steps, each check's result.
  std::string stream;
  auto sse = serve.client();
  sse.set_read_timeout(5);
  sse.Get("/api/v1/events?since=0", [&](const char* data, size_t n) {
    stream.append(data, n);
    return stream.find("\"check_result\"") == std::string::npos || stream.find("b says hello") == std::string::npos;
  });
  EXPECT_NE(stream.find("id: 1\n"), std::string::npos) << stream.substr(0, 500);
  EXPECT_NE(stream.find("\"type\":\"deploy_step\""), std::string::npos) << stream.substr(0, 500);
  EXPECT_NE(stream.find("\"type\":\"job\""), std::string::npos);
  EXPECT_NE(stream.find("\"type\":\"check_result\""), std::string::npos);

  // Destroy: no token, 401 and the lab stays; with it, a job and the lab is gone.
  r = c.Delete(("/api/v1/labs/" + lab.lab()).c_str());
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 401) << r->body;
  EXPECT_TRUE(fs::exists("/run/netrig/" + lab.lab()));
  r = c.Delete(("/api/v1/labs/" + lab.lab()).c_str(), auth());
  ASSERT_TRUE(r);
  ASSERT_EQ(r->status, 202) << r->body;
  job = wait_job(serve, body_of(r)["url"]);
  EXPECT_EQ(job["state"], "succeeded") << job.dump(2);
  EXPECT_FALSE(fs::exists("/run/netrig/" + lab.lab()));
  auto jobs = serve.get_json("/api/v1/jobs");
  ASSERT_EQ(jobs.size(), 3u) << jobs.dump(2);

  // A restart of serve keeps the records.
  serve.stop();
  Serve second(serve_args());
  ASSERT_TRUE(second.listening()) << second.child().err();
  auto kept = second.get_json(url);
  EXPECT_EQ(kept["state"], "succeeded") << kept.dump(2);
  EXPECT_EQ(second.get_json("/api/v1/jobs").size(), 3u);
}

// kill -9 of serve while a checks job and while a deploy job runs: the job runs on (its own session,
// its events into a file, not a pipe whose death would SIGPIPE it), and the next serve follows it
// and reports its real outcome: exit code, state, the check report; the deployed lab complete.
TEST_F(ApiJobsTest, AJobRunsOnWhenServeIsKilledAndTheNextServeReportsItsOutcome) {
  const auto file = tmp_.file("topologies/survive.yaml");
  auto& lab = new_lab(file);
  ASSERT_EQ(netrig({"deploy", file, "--name", lab.lab()}, 60).exit_code, 0);
  auto first = std::make_unique<Serve>(serve_args());
  ASSERT_TRUE(first->listening()) << first->child().err();
  auto r = first->client().Post(("/api/v1/labs/" + lab.lab() + "/checks").c_str(), auth(), "", "application/json");
  ASSERT_TRUE(r);
  ASSERT_EQ(r->status, 202) << r->body;
  const std::string url = body_of(r)["url"];
  pid_t pid = 0;
  for (int i = 0; i < 50 && pid <= 0; ++i) {
    pid = first->get_json(url).value("pid", 0);
    if (pid <= 0) std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  ASSERT_GT(pid, 0);
  first->child().signal(SIGKILL);  // the serve we started, by its PID
  first->child().wait(5);
  EXPECT_EQ(kill(pid, 0), 0) << "the checks job died with serve";
  first.reset();

  Serve second(serve_args());
  ASSERT_TRUE(second.listening()) << second.child().err();
  auto job = wait_job(second, url);
  EXPECT_EQ(job["state"], "failed") << job.dump(2);
  EXPECT_EQ(job["exit_code"], 1) << "the job's own exit code: one check failed";
  const auto& result = job["result"];
  EXPECT_EQ(result["passed"], 2) << result.dump(2);
  EXPECT_EQ(result["failed"], 1) << result.dump(2);
  EXPECT_EQ(second.get_json("/api/v1/labs/" + lab.lab() + "/checks")["latest"], result);
  // The new serve's stream carries the job's check results (read from the job's events file).
  std::string stream;
  auto sse = second.client();
  sse.set_read_timeout(5);
  sse.Get("/api/v1/events?since=0", [&](const char* data, size_t n) {
    stream.append(data, n);
    return stream.find("slow-done") == std::string::npos && stream.find("\"name\":\"slow\"") == std::string::npos;
  });
  EXPECT_NE(stream.find("\"name\":\"slow\""), std::string::npos) << stream.substr(0, 800);

  // A deploy job: serve killed right after the 202, mid-deploy. The lab is deployed whole, not
  // rolled back, and a third serve reports success.
  auto& copy = new_lab(file);
  auto killed = std::make_unique<Serve>(serve_args());
  ASSERT_TRUE(killed->listening()) << killed->child().err();
  r = killed->client().Post("/api/v1/labs", auth(), json{{"file", "survive.yaml"}, {"name", copy.lab()}}.dump(),
                            "application/json");
  ASSERT_TRUE(r);
  ASSERT_EQ(r->status, 202) << r->body;
  const std::string deploy_url = body_of(r)["url"];
  killed->child().signal(SIGKILL);
  killed->child().wait(5);
  killed.reset();
  Serve third(serve_args());
  ASSERT_TRUE(third.listening()) << third.child().err();
  job = wait_job(third, deploy_url);
  EXPECT_EQ(job["state"], "succeeded") << job.dump(2);
  EXPECT_EQ(job["exit_code"], 0) << job.dump(2);
  auto status = third.get_json("/api/v1/labs/" + copy.lab());
  ASSERT_TRUE(status.is_object()) << status;
  for (const auto& n : status["nodes"]) EXPECT_TRUE(n.value("present", false)) << n.dump();
  EXPECT_EQ(status["nodes"].size(), 4u);
}

TEST_F(ApiJobsTest, APostedTopologyOnlyWhenAllowed) {
  auto& lab = new_lab(tmp_.file("topologies/jobs.yaml"));
  const std::string path = "/api/v1/labs?name=" + lab.lab();
  {
    Serve serve(serve_args(false));
    ASSERT_TRUE(serve.listening()) << serve.child().err();
    auto r = serve.client().Post(path.c_str(), auth(), kLab, "application/yaml");
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 403) << r->body;
  }
  Serve serve(serve_args(true));
  ASSERT_TRUE(serve.listening()) << serve.child().err();
  auto r = serve.client().Post(path.c_str(), auth(), kLab, "application/yaml");
  ASSERT_TRUE(r);
  ASSERT_EQ(r->status, 202) << r->body;
  auto job = wait_job(serve, body_of(r)["url"]);
  EXPECT_EQ(job["state"], "succeeded") << job.dump(2);
  EXPECT_TRUE(fs::exists("/run/netrig/" + lab.lab()));
  r = serve.client().Delete(("/api/v1/labs/" + lab.lab()).c_str(), auth());
  ASSERT_TRUE(r);
  job = wait_job(serve, body_of(r)["url"]);
  EXPECT_EQ(job["state"], "succeeded") << job.dump(2);
}

// What a bad request could have touched: labs' state, namespaces, the jobs dir.
std::string footprint(const std::string& jobs_dir) {
  std::string out = ip({"netns", "list"}).out + "\n";
  std::error_code ec;
  for (const auto& e : fs::directory_iterator("/run/netrig", ec)) out += e.path().string() + "\n";
  for (const auto& e : fs::recursive_directory_iterator(jobs_dir, ec)) out += e.path().string() + "\n";
  return out;
}

TEST_F(ApiJobsTest, BadMutationsGetTheir4xxAndChangeNothing) {
  const auto before = footprint(tmp_.file("jobs"));
  Serve serve(serve_args());
  ASSERT_TRUE(serve.listening()) << serve.child().err();
  auto c = serve.client();
  struct Case {
    const char* what;
    std::string method, path, body, type;
    httplib::Headers headers;
    int want;
  };
  const std::string good = R"({"file": "jobs.yaml", "name": "zqbad1"})";
  const std::vector<Case> cases{
      {"no token", "POST", "/api/v1/labs", good, "application/json", {}, 401},
      {"wrong token", "POST", "/api/v1/labs", good, "application/json", auth("it-token-0123456789abcdeX"), 401},
      {"not bearer", "POST", "/api/v1/labs", good, "application/json", {{"Authorization", "Basic " + kToken}}, 401},
      {"malformed JSON", "POST", "/api/v1/labs", "{\"file\": ", "application/json", auth(), 400},
      {"traversal file", "POST", "/api/v1/labs", R"({"file": "../token"})", "application/json", auth(), 400},
      {"shell name", "POST", "/api/v1/labs", R"x({"file": "jobs.yaml", "name": "$(id)"})x", "application/json", auth(),
       400},
      {"absent file", "POST", "/api/v1/labs", R"({"file": "absent.yaml"})", "application/json", auth(), 404},
      {"posted, not allowed", "POST", "/api/v1/labs", kLab, "application/yaml", auth(), 403},
      {"text body", "POST", "/api/v1/labs", "hello", "text/plain", auth(), 415},
      {"invalid topology", "POST", "/api/v1/labs", R"({"file": "broken.yaml"})", "application/json", auth(), 422},
      {"destroy absent", "DELETE", "/api/v1/labs/zqabsent", "", "", auth(), 404},
      {"destroy traversal", "DELETE", "/api/v1/labs/%2e%2e", "", "", auth(), 400},
      {"checks absent", "POST", "/api/v1/labs/zqabsent/checks", "", "application/json", auth(), 404},
      {"put", "PUT", "/api/v1/labs", good, "application/json", auth(), 405},
      {"delete all", "DELETE", "/api/v1/labs", "", "", auth(), 405},
      {"job traversal", "GET", "/api/v1/jobs/%2e%2e", "", "", {}, 400},
      {"absent job", "GET", "/api/v1/jobs/job-000000000000", "", "", {}, 404},
      {"bad since", "GET", "/api/v1/events?since=x", "", "", {}, 400},
  };
  for (const auto& k : cases) {
    httplib::Result r = k.method == "POST"     ? c.Post(k.path.c_str(), k.headers, k.body, k.type.c_str())
                        : k.method == "PUT"    ? c.Put(k.path.c_str(), k.headers, k.body, k.type.c_str())
                        : k.method == "DELETE" ? c.Delete(k.path.c_str(), k.headers)
                                               : c.Get(k.path.c_str(), k.headers);
    ASSERT_TRUE(r) << k.what;
    EXPECT_EQ(r->status, k.want) << k.what << ": " << r->body;
    auto j = body_of(r);
    EXPECT_EQ(j["error"]["status"], k.want) << k.what << ": " << r->body;
    if (k.want == 422) {
      const auto& d = j["error"]["diagnostics"][0];
      EXPECT_EQ(d["file"], "broken.yaml") << r->body;
      EXPECT_EQ(d["line"], 4) << r->body;
    }
  }
  EXPECT_EQ(serve.get_json("/api/v1/jobs"), json::array());
  serve.stop();
  EXPECT_EQ(footprint(tmp_.file("jobs")), before);
}

}  // namespace
}  // namespace netrig_it
