// Mutations through `netrig serve`: deploy (a named file, or a posted topology when allowed),
// checks and destroy as jobs with 202 + a job URL, 409 for a second change to a lab, the bearer
// token for each; bad requests get their 4xx and change nothing; the event stream carries the
// deploy steps and check results; job records outlive a restart of serve.
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
