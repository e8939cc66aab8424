// `netrig serve` against a deployed lab: the reads (health, labs, labs/{lab}, its latest checks as
// `netrig check` wrote them), loopback-only by default (checked with ss), and a suite of bad
// requests that each get a 4xx JSON answer and change nothing on the host.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/stat.h>

#include <nlohmann/json.hpp>

#include "api_serve.h"
#include "harness.h"

namespace netrig_it {
namespace {

using nlohmann::json;

const char* kLab = R"(name: it-api
topology:
  nodes:
    sw: {kind: bridge}
    a:
      interfaces:
        eth0: {ipv4: 10.97.2.1/24}
    b:
      interfaces:
        eth0: {ipv4: 10.97.2.2/24}
  links:
    - endpoints: ["a:eth0", "sw"]
    - endpoints: ["b:eth0", "sw"]
tests:
  - name: a reaches b
    ping: {from: a, to: b, count: 2, interval: 0.2}
  - name: b says hello
    exec: {node: b, cmd: "echo hello", output: "hello"}
)";

class ApiTest : public NetrigTest {
 protected:
  // Deploys the lab and runs its checks once (so the state dir holds checks.json / checks.xml).
  std::string deploy_checked_lab(json* check_report = nullptr) {
    const auto file = tmp_.file("api.yaml");
    write_file(file, kLab);
    auto& lab = new_lab(file);
    auto d = netrig({"deploy", file, "--name", lab.lab()}, 60);
    EXPECT_EQ(d.exit_code, 0) << d.describe();
    const auto report = tmp_.file("check.json");
    auto c = netrig({"check", lab.lab(), "--json-report", report, "--artifacts", tmp_.file("artifacts")}, 60);
    EXPECT_EQ(c.exit_code, 0) << c.describe();
    if (check_report) *check_report = json::parse(read_file(report), nullptr, false);
    return lab.lab();
  }
};

const json* node_named(const json& status, const std::string& name) {
  for (const auto& n : status["nodes"])
    if (n.value("name", "") == name) return &n;
  return nullptr;
}

TEST_F(ApiTest, ReadsShowTheDeployedLabAsInspectDoesAndItsLatestChecks) {
  json check_report;
  const auto lab = deploy_checked_lab(&check_report);
  ASSERT_FALSE(check_report.is_discarded());
  Serve serve({"--poll-interval", "0.2"});
  ASSERT_TRUE(serve.listening()) << serve.child().err();

  int status = 0;
  auto health = serve.get_json("/api/v1/health", &status);
  EXPECT_EQ(status, 200);
  EXPECT_EQ(health["status"], "ok");
  EXPECT_GE(health["labs"].get<int>(), 1);

  auto labs = serve.get_json("/api/v1/labs", &status);
  EXPECT_EQ(status, 200);
  const json* entry = nullptr;
  for (const auto& l : labs)
    if (l["lab"] == lab) entry = &l;
  ASSERT_NE(entry, nullptr) << labs.dump(2);
  EXPECT_EQ((*entry)["status"], "deployed");
  EXPECT_EQ((*entry)["nodes"], 3);
  EXPECT_EQ((*entry)["url"], "/api/v1/labs/" + lab);
  EXPECT_EQ((*entry)["checks"]["passed"], 2) << entry->dump(2);

  // One source of truth: what inspect says, the API says (plus live counters and switch ports).
  auto inspect = netrig({"inspect", lab, "-o", "json"}, 30);
  ASSERT_EQ(inspect.exit_code, 0) << inspect.describe();
  auto expected = json::parse(inspect.out);
  auto got = serve.get_json("/api/v1/labs/" + lab, &status);
  ASSERT_EQ(status, 200) << got.dump(2);
  EXPECT_EQ(got["lab"], lab);
  EXPECT_EQ(got["status"], expected["status"]);
  EXPECT_EQ(got["links"], expected["links"]);
  ASSERT_EQ(got["nodes"].size(), expected["nodes"].size());
  for (const auto& want : expected["nodes"]) {
    const json* n = node_named(got, want["name"]);
    ASSERT_NE(n, nullptr) << want.dump();
    EXPECT_EQ((*n)["kind"], want["kind"]);
    EXPECT_EQ((*n)["netns"], want["netns"]);
    EXPECT_EQ((*n)["present"], true);
  }
  const json* a = node_named(got, "a");
  ASSERT_NE(a, nullptr);
  ASSERT_EQ((*a)["interfaces"].size(), 1u) << a->dump(2);
  const auto& eth0 = (*a)["interfaces"][0];
  EXPECT_EQ(eth0["addresses"], json::array({"10.97.2.1/24"}));
  EXPECT_GT(eth0["counters"]["tx_packets"].get<uint64_t>(), 0u) << "the ping went out of a:eth0";
  EXPECT_EQ(got["switches"][0]["name"], "sw");
  EXPECT_EQ(got["switches"][0]["ports"].size(), 2u) << got["switches"].dump(2);

  // The latest checks: exactly the JSON report `netrig check` wrote, figures and evidence included.
  auto checks = serve.get_json("/api/v1/labs/" + lab + "/checks", &status);
  EXPECT_EQ(status, 200);
  EXPECT_EQ(checks["latest"], check_report);
  ASSERT_EQ(checks["latest"]["checks"].size(), 2u);
  const auto& ping = checks["latest"]["checks"][0];
  EXPECT_EQ(ping["status"], "passed");
  EXPECT_GT(ping["figures"]["rtt_avg_ms"].get<double>(), 0);
  EXPECT_NE(ping["evidence"][0]["command"].get<std::string>().find("ping"), std::string::npos);
  EXPECT_EQ(checks["groups"], json::array({"all", "exec", "ping"}));
  EXPECT_EQ(checks["junit"], "/api/v1/labs/" + lab + "/checks/junit");
  auto junit = serve.get("/api/v1/labs/" + lab + "/checks/junit");
  ASSERT_TRUE(junit);
  EXPECT_EQ(junit->status, 200);
  EXPECT_EQ(junit->get_header_value("Content-Type"), "application/xml");
  EXPECT_NE(junit->body.find("a reaches b"), std::string::npos) << junit->body;

  // Loopback only, unless told otherwise.
  EXPECT_EQ(listeners_on(serve.port()), std::vector<std::string>{"127.0.0.1"});

  // A lab destroyed under a running serve is gone from its answers.
  ASSERT_EQ(netrig({"destroy", lab}, 60).exit_code, 0);
  for (int i = 0; i < 50 && status != 404; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    serve.get_json("/api/v1/labs/" + lab, &status);
  }
  EXPECT_EQ(status, 404);
  auto stopped = serve.stop();
  EXPECT_EQ(stopped.exit_code, 0) << stopped.describe();
}

TEST_F(ApiTest, NoChecksRunYetIsNullNotAnError) {
  const auto file = tmp_.file("api.yaml");
  write_file(file, kLab);
  auto& lab = new_lab(file);
  ASSERT_EQ(netrig({"deploy", file, "--name", lab.lab()}, 60).exit_code, 0);
  Serve serve({});
  ASSERT_TRUE(serve.listening()) << serve.child().err();
  int status = 0;
  auto checks = serve.get_json("/api/v1/labs/" + lab.lab() + "/checks", &status);
  EXPECT_EQ(status, 200);
  EXPECT_TRUE(checks["latest"].is_null()) << checks.dump(2);
  EXPECT_TRUE(serve.get_json("/api/v1/labs/" + lab.lab(), &status)["checks"].is_null());
  auto junit = serve.get("/api/v1/labs/" + lab.lab() + "/checks/junit");
  ASSERT_TRUE(junit);
  EXPECT_EQ(junit->status, 404);
}

// What a bad request could have touched: labs' state, namespaces, this test's scratch dir.
std::string host_footprint(const std::string& scratch) {
  std::string out = ip({"netns", "list"}).out + "\n";
  std::error_code ec;
  for (const auto& e : fs::directory_iterator("/run/netrig", ec)) out += e.path().string() + "\n";
  for (const auto& e : fs::recursive_directory_iterator(scratch, ec)) out += e.path().string() + "\n";
  return out;
}

// A raw request (cpp-httplib's client would refuse to send some of these); returns the status line
// and the body.
std::pair<int, std::string> raw_request(int port, const std::string& request) {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    close(fd);
    return {-1, ""};
  }
  timeval tv{5, 0};
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  size_t sent = 0;
  while (sent < request.size()) {
    ssize_t n = send(fd, request.data() + sent, request.size() - sent, MSG_NOSIGNAL);
    if (n <= 0) break;  // the server may answer and close before reading everything
    sent += static_cast<size_t>(n);
  }
  std::string answer;
  char buf[4096];
  // Until the answer is complete (the server may keep the connection open after it).
  for (ssize_t n; (n = recv(fd, buf, sizeof buf, 0)) > 0;) {
    answer.append(buf, static_cast<size_t>(n));
    auto end = answer.find("\r\n\r\n");
    if (end == std::string::npos) continue;
    std::smatch m;
    const std::string head = answer.substr(0, end);
    static const std::regex length(R"(\r\nContent-Length: (\d+))", std::regex::icase);
    if (std::regex_search(head, m, length) && answer.size() >= end + 4 + std::stoul(m[1])) break;
  }
  close(fd);
  int status = -1;
  if (answer.rfind("HTTP/1.1 ", 0) == 0) status = std::stoi(answer.substr(9, 3));
  auto body = answer.find("\r\n\r\n");
  return {status, body == std::string::npos ? "" : answer.substr(body + 4)};
}

// A 4xx whose body is {"error": {"status": N, "message": "..."}}.
void expect_json_error(int status, const std::string& body, int want, const std::string& what) {
  EXPECT_EQ(status, want) << what << "\n" << body;
  auto j = json::parse(body, nullptr, false);
  ASSERT_FALSE(j.is_discarded()) << what << ": not JSON: " << body;
  EXPECT_EQ(j["error"]["status"], want) << what << ": " << body;
  EXPECT_FALSE(j["error"].value("message", "").empty()) << what << ": " << body;
}

TEST_F(ApiTest, BadRequestsGetA4xxJsonAnswerAndChangeNothing) {
  const auto before = host_footprint(tmp_.path());
  Serve serve({});
  ASSERT_TRUE(serve.listening()) << serve.child().err();
  auto c = serve.client();

  // Names that would walk out of the state dir, or reach a shell: refused before any lookup.
  for (const std::string& path : std::vector<std::string>{
           "/api/v1/labs/%2e%2e", "/api/v1/labs/%2E%2E/checks", "/api/v1/labs/-rf", "/api/v1/labs/%24(id)",
           "/api/v1/labs/a%00b", "/api/v1/labs/.hidden/checks/junit", "/api/v1/labs/" + std::string(65, 'x')}) {
    auto r = c.Get(path.c_str());
    ASSERT_TRUE(r) << path;
    expect_json_error(r->status, r->body, 400, path);
  }
  // Plain '..' segments never reach a handler as a name: no route, 404.
  for (const std::string& path :
       std::vector<std::string>{"/api/v1/labs/..", "/api/v1/labs/a%2fb", "/api/v1/labs/..%2f..%2fetc",
                                "/api/v1/labs/../../etc/passwd", "/api/v1/nothing", "/etc/passwd"}) {
    auto [status, body] =
        raw_request(serve.port(), "GET " + path + " HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
    EXPECT_TRUE(status == 400 || status == 404) << path << ": " << status;
    expect_json_error(status, body, status, path);
  }
  // An unknown lab with a fine name: 404 that says how to list them.
  {
    auto r = c.Get("/api/v1/labs/zzabsent/checks");
    ASSERT_TRUE(r);
    expect_json_error(r->status, r->body, 404, "absent lab");
  }
  // Methods a path does not take: 405 with Allow.
  for (const char* method : {"POST", "PUT", "DELETE", "PATCH", "OPTIONS"}) {
    auto [status, body] = raw_request(
        serve.port(),
        std::string(method) + " /api/v1/health HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
    expect_json_error(status, body, 405, method);
  }
  {
    auto r = c.Post("/api/v1/labs", "{}", "application/json");
    ASSERT_TRUE(r);
    expect_json_error(r->status, r->body, 403, "POST /labs on a serve without a token");
  }
  // Oversized: a header over cpp-httplib's 8 KiB line limit, a URL over 8 KiB, a 2 MiB body.
  {
    auto [status, body] =
        raw_request(serve.port(), "GET /api/v1/health HTTP/1.1\r\nHost: x\r\nX-Big: " + std::string(10000, 'a') +
                                      "\r\nConnection: close\r\n\r\n");
    EXPECT_GE(status, 400) << body;
    EXPECT_LT(status, 500) << body;
  }
  {
    auto [status, body] = raw_request(serve.port(), "GET /api/v1/labs/" + std::string(9000, 'a') +
                                                        " HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
    EXPECT_EQ(status, 414) << body;
  }
  {
    auto [status, body] = raw_request(serve.port(),
                                      "GET /api/v1/health HTTP/1.1\r\nHost: x\r\nContent-Length: 2097152\r\n"
                                      "Connection: close\r\n\r\n" +
                                          std::string(2097152, '{'));
    expect_json_error(status, body, 413, "2 MiB body");
  }
  // Garbage instead of HTTP.
  {
    auto [status, body] = raw_request(serve.port(), "\x16\x03\x01 not http\r\n\r\n");
    EXPECT_TRUE(status == 400 || status == -1) << status << " " << body;
  }
  // No CORS unless configured: a cross-origin page gets no permission to read.
  {
    auto r = c.Get("/api/v1/health", {{"Origin", "http://evil.example"}});
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 200);
    EXPECT_FALSE(r->has_header("Access-Control-Allow-Origin"));
  }
  // serve still answers after all that.
  auto health = serve.get_json("/api/v1/health");
  EXPECT_EQ(health["status"], "ok");
  serve.stop();
  EXPECT_EQ(host_footprint(tmp_.path()), before);
}

TEST_F(ApiTest, CorsOnlyForTheConfiguredOrigin) {
  Serve serve({"--cors-origin", "http://dash.example"});
  ASSERT_TRUE(serve.listening()) << serve.child().err();
  auto r = serve.get("/api/v1/health", {{"Origin", "http://dash.example"}});
  ASSERT_TRUE(r);
  EXPECT_EQ(r->get_header_value("Access-Control-Allow-Origin"), "http://dash.example");
}

TEST_F(ApiTest, ATokenFileOthersCanReadOrABadListenRefusesToStart) {
  const auto token = tmp_.file("token");
  write_file(token, "0123456789abcdef0123456789abcdef\n");
  chmod(token.c_str(), 0644);
  auto r = netrig({"serve", "--listen", "127.0.0.1:0", "--token-file", token}, 10);
  EXPECT_EQ(r.exit_code, 2) << r.describe();
  EXPECT_NE(r.err.find("chmod 600"), std::string::npos) << r.err;
  EXPECT_EQ(r.out.find("netrig serve: http"), std::string::npos) << "it must not listen: " << r.out;

  r = netrig({"serve", "--listen", "127.0.0.1"}, 10);
  EXPECT_EQ(r.exit_code, 2) << r.describe();
  EXPECT_NE(r.err.find("HOST:PORT"), std::string::npos) << r.err;

  chmod(token.c_str(), 0600);
  Serve ok({"--token-file", token});
  EXPECT_TRUE(ok.listening()) << ok.child().err();
}

TEST_F(ApiTest, AnotherServeOnTheSamePortSaysSo) {
  Serve first({});
  ASSERT_TRUE(first.listening());
  auto r = netrig({"serve", "--listen", "127.0.0.1:" + std::to_string(first.port())}, 10);
  EXPECT_EQ(r.exit_code, 3) << r.describe();
  EXPECT_NE(r.err.find("cannot listen"), std::string::npos) << r.err;
}

// `netrig deploy FILE --serve`: deploys, then serves that lab (loopback, the port it prints); a
// SIGTERM stops serve and leaves the lab deployed, as `netrig deploy` would.
TEST_F(ApiTest, DeployWithServeDeploysThenServesTheLab) {
  const auto file = tmp_.file("api.yaml");
  write_file(file, kLab);
  auto& lab = new_lab(file);
  Child both({netrig_binary(), "deploy", file, "--name", lab.lab(), "--serve", "--listen", "127.0.0.1:0", "--jobs-dir",
              tmp_.file("jobs")});
  auto port = both.wait_for(R"(netrig serve: http://127\.0\.0\.1:(\d+)/)", 60, true);
  ASSERT_TRUE(port) << both.out() << both.err();
  httplib::Client c("127.0.0.1", std::stoi(*port));
  c.set_read_timeout(10);
  auto r = c.Get(("/api/v1/labs/" + lab.lab()).c_str());
  ASSERT_TRUE(r);
  ASSERT_EQ(r->status, 200) << r->body;
  auto status = json::parse(r->body);
  EXPECT_EQ(status["status"], "deployed") << status.dump(2);
  for (const auto& n : status["nodes"]) EXPECT_TRUE(n.value("present", false)) << n.dump();
  EXPECT_EQ(listeners_on(std::stoi(*port)), std::vector<std::string>{"127.0.0.1"});
  both.signal(SIGTERM);
  auto done = both.wait(15);
  EXPECT_EQ(done.exit_code, 0) << done.describe();
  EXPECT_TRUE(fs::exists("/run/netrig/" + lab.lab())) << "the lab stays deployed";
}

}  // namespace
}  // namespace netrig_it
