#include "api/server.h"

#include <httplib.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <regex>
#include <sstream>
#include <stdexcept>
#include <thread>

#include "api/assets.h"
#include "api/deploy_request.h"
#include "api/events.h"
#include "api/jobs.h"
#include "api/metrics.h"
#include "api/snapshots.h"
#include "api/validate.h"
#include "api/worker_pool.h"
#include "drivers/interrupt.h"
#include "drivers/lab_state.h"
#include "reports/lab_checks.h"
#include "util/files.h"

namespace netrig::api {
namespace fs = std::filesystem;
using nlohmann::json;

std::pair<std::string, int> parse_listen(const std::string& listen) {
  auto colon = listen.rfind(':');
  if (colon == std::string::npos || colon == 0 || colon + 1 == listen.size())
    throw std::invalid_argument("--listen '" + listen + "' is not HOST:PORT (e.g. 127.0.0.1:8787)");
  std::string host = listen.substr(0, colon);
  if (host.size() > 2 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
  int port = 0;
  try {
    size_t used = 0;
    port = std::stoi(listen.substr(colon + 1), &used);
    if (used != listen.size() - colon - 1) port = -1;
  } catch (const std::exception&) {
    port = -1;
  }
  if (port < 0 || port > 65535) throw std::invalid_argument("--listen '" + listen + "': the port must be 0-65535");
  return {host, port};
}

const std::vector<RouteSpec>& api_routes() {
  static const std::vector<RouteSpec> routes{
      {"/", {"GET"}},
      {"/metrics", {"GET"}},
      {"/api/v1/health", {"GET"}},
      {"/api/v1/openapi.json", {"GET"}},
      {"/api/v1/events", {"GET"}},
      {"/api/v1/labs", {"GET", "POST"}},
      {"/api/v1/labs/{lab}", {"GET", "DELETE"}},
      {"/api/v1/labs/{lab}/checks", {"GET", "POST"}},
      {"/api/v1/labs/{lab}/checks/junit", {"GET"}},
      {"/api/v1/jobs", {"GET"}},
      {"/api/v1/jobs/{id}", {"GET"}},
  };
  return routes;
}

bool path_matches(const std::string& path, const std::string& templ) {
  size_t p = 0, t = 0;
  while (p < path.size() && t < templ.size()) {
    if (templ[t] == '{') {
      const auto close = templ.find('}', t);
      const auto end = path.find('/', p);
      const size_t segment_end = end == std::string::npos ? path.size() : end;
      if (segment_end == p || close == std::string::npos) return false;
      p = segment_end;
      t = close + 1;
    } else if (templ[t] == path[p]) {
      ++p, ++t;
    } else {
      return false;
    }
  }
  return p == path.size() && t == templ.size();
}

namespace {

void send_json(httplib::Response& res, int status, const json& body) {
  res.status = status;
  res.set_content(body.dump(), "application/json");
}

void send_error(httplib::Response& res, int status, const std::string& message, const std::string& hint = "") {
  json e = {{"status", status}, {"message", message}};
  if (!hint.empty()) e["hint"] = hint;
  send_json(res, status, json{{"error", e}});
}

bool is_loopback(const std::string& addr) {
  return addr.rfind("127.", 0) == 0 || addr == "::1" || addr.rfind("::ffff:127.", 0) == 0;
}

std::string read_text(const std::string& path) { return read_file(path); }

std::string self_binary() {
  std::error_code ec;
  auto path = fs::read_symlink("/proc/self/exe", ec);
  return ec ? "netrig" : path.string();
}

// Each path the API knows and the methods it takes: a known path with another method is 405.
struct Route {
  std::string path;  // an OpenAPI template, matched by path_matches (no std::regex per request)
  std::vector<std::string> methods;
};

class Api {
 public:
  explicit Api(const ServeOptions& o)
      : o_(o),
        events_(20000),
        snapshots_(events_, o.poll_interval_s),
        jobs_(o.jobs_dir.empty() ? state_root() + "-serve/jobs" : o.jobs_dir, self_binary(), events_) {
    if (!o.token_file.empty()) token_ = read_token_file(o.token_file);
    for (const auto& dir : o.topology_dirs)
      if (!fs::is_directory(dir)) throw std::invalid_argument("--topologies " + dir + " is not a directory");
  }

  int run() {
    auto [host, port] = parse_listen(o_.listen);
    jobs_.on_finish([this](const std::string& lab) { snapshots_.refresh_lab(lab); });
    jobs_.load();
    snapshots_.refresh();
    snapshots_.start();
    const size_t min = o_.threads, max = std::max(o_.threads, o_.max_threads);
    svr_.new_task_queue = [min, max] { return new WorkerPool(min, max); };
    svr_.set_keep_alive_max_count(100000);  // cpp-httplib's default, 5, would reconnect every 5th request
    // Not cpp-httplib's default options: those set SO_REUSEPORT, so a second serve (or anyone)
    // could bind the same port and take half the connections.
    svr_.set_socket_options([](int sock) {
      int yes = 1;
      setsockopt(sock, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof yes);
    });
    // Without it a ~30 KB answer's last segment waits for the client's delayed ACK: 40 ms a request
    // (tests/bench/api_bench.sh measured 350 requests/s with p50 44 ms before, see PERFORMANCE.md).
    svr_.set_tcp_nodelay(true);
    svr_.set_payload_max_length(o_.max_body_bytes);
    routes();
    // Port 0: the kernel picks a free one (tests), and the line below says which.
    const int bound = port == 0 ? svr_.bind_to_any_port(host) : svr_.bind_to_port(host, port) ? port : -1;
    if (bound <= 0) {
      std::cerr << "netrig: error: cannot listen on " << o_.listen << ": " << std::strerror(errno) << "\n"
                << "  hint: is another serve running there? pick another port with --listen\n";
      snapshots_.stop();
      return 3;
    }
    const std::string url_host = host.find(':') != std::string::npos ? "[" + host + "]" : host;
    std::cout << "netrig serve: http://" << url_host << ":" << bound << "/api/v1/ "
              << (token_.empty() ? "(read-only: no --token-file)" : "(token loaded: mutations allowed)") << "\n"
              << std::flush;
    std::atomic<bool> listener_done{false};
    std::thread listener([this, &listener_done] {
      svr_.listen_after_bind();
      listener_done = true;
    });
    // stop() does nothing before the listener runs: wait for it, or a signal then would be lost.
    while (!svr_.is_running() && !listener_done) std::this_thread::sleep_for(std::chrono::milliseconds(5));
    while (!interrupted() && !listener_done) std::this_thread::sleep_for(std::chrono::milliseconds(50));
    events_.close();
    svr_.stop();
    listener.join();
    jobs_.stop();
    snapshots_.stop();
    std::cout << "netrig serve: stopped\n";
    return 0;
  }

 private:
  bool authorized(const httplib::Request& req) {
    if (token_.empty()) return false;
    return constant_time_equal(bearer_token(req.get_header_value("Authorization")), token_);
  }

  // Auth, CORS, 405s: before any handler.
  httplib::Server::HandlerResponse gate(const httplib::Request& req, httplib::Response& res) {
    if (!o_.cors_origin.empty()) {
      res.set_header("Access-Control-Allow-Origin", o_.cors_origin);
      res.set_header("Vary", "Origin");
    }
    if (req.method == "OPTIONS" && !o_.cors_origin.empty()) {
      res.set_header("Access-Control-Allow-Methods", "GET, POST, DELETE");
      res.set_header("Access-Control-Allow-Headers", "Authorization, Content-Type");
      res.status = 204;
      return httplib::Server::HandlerResponse::Handled;
    }
    // cpp-httplib reads a body only for the methods that take one; refuse any that says it is
    // larger, before anything else looks at the request.
    if (req.has_header("Content-Length")) {
      const auto length = req.get_header_value("Content-Length");
      if (length.size() > 12 || std::strtoull(length.c_str(), nullptr, 10) > o_.max_body_bytes) {
        send_error(res, 413, "the body is larger than serve accepts (" + std::to_string(o_.max_body_bytes) + " bytes)");
        res.set_header("Connection", "close");
        return httplib::Server::HandlerResponse::Handled;
      }
    }
    bool known = false;
    for (const auto& r : known_)
      if (path_matches(req.path, r.path)) {
        if (std::find(r.methods.begin(), r.methods.end(), req.method) == r.methods.end()) {
          std::string allow;
          for (const auto& m : r.methods) allow += (allow.empty() ? "" : ", ") + m;
          res.set_header("Allow", allow);
          send_error(res, 405, req.method + " is not allowed on " + req.path, "allowed: " + allow);
          return httplib::Server::HandlerResponse::Handled;
        }
        known = true;
        break;
      }
    if (!known) {
      send_error(res, 404, "nothing at " + req.path, "GET /api/v1/openapi.json lists the API");
      return httplib::Server::HandlerResponse::Handled;
    }
    const bool mutation = req.method == "POST" || req.method == "DELETE";
    if (mutation && token_.empty()) {
      send_error(res, 403, "this serve is read-only", "start it with --token-file FILE (mode 0600) to allow changes");
      return httplib::Server::HandlerResponse::Handled;
    }
    if ((mutation || !is_loopback(req.remote_addr)) && !authorized(req)) {
      res.set_header("WWW-Authenticate", "Bearer");
      send_error(res, 401,
                 mutation ? "this request changes the host: it needs the bearer token"
                          : "reads from other machines need the bearer token",
                 "send 'Authorization: Bearer <the token in serve's --token-file>'");
      return httplib::Server::HandlerResponse::Handled;
    }
    return httplib::Server::HandlerResponse::Unhandled;
  }

  // The lab named in the URL, validated; "" (and the answer sent) when it is bad or not deployed.
  std::string lab_of(const httplib::Request& req, httplib::Response& res, bool must_exist = true) {
    std::string lab = req.matches[1];
    if (auto why = name_problem(lab); !why.empty()) {
      send_error(res, 400, "lab name '" + lab + "' is not valid: " + why);
      return "";
    }
    if (must_exist && !lab_exists(lab)) {
      send_error(res, 404, "no lab named '" + lab + "' is deployed", "GET /api/v1/labs lists the deployed labs");
      return "";
    }
    return lab;
  }

  void routes() {
    const std::string lab = "/api/v1/labs/([^/]+)";
    for (const auto& r : api_routes()) known_.push_back({r.path, r.methods});
    svr_.set_pre_routing_handler(
        [this](const httplib::Request& req, httplib::Response& res) { return gate(req, res); });
    svr_.set_error_handler([](const httplib::Request& req, httplib::Response& res) {
      if (!res.body.empty()) return;  // an answer of ours, already JSON
      std::string what = res.status == 404   ? "nothing at " + req.path
                         : res.status == 413 ? "the body is larger than serve accepts"
                         : res.status == 414 ? "the URL is too long"
                                             : "bad request";
      send_error(res, res.status, what);
    });
    svr_.set_exception_handler([](const httplib::Request&, httplib::Response& res, std::exception_ptr ep) {
      std::string what = "internal error";
      try {
        if (ep) std::rethrow_exception(ep);
      } catch (const std::exception& e) {
        what += std::string(": ") + e.what();
      } catch (...) {
      }
      send_error(res, 500, what);
    });

    svr_.Get("/api/v1/health", [this](const httplib::Request&, httplib::Response& res) {
      send_json(res, 200,
                {{"status", "ok"},
                 {"version", NETRIG_VERSION},
                 {"labs", snapshots_.all().size()},
                 {"read_only", token_.empty()},
                 {"jobs_running", jobs_.running()},
                 {"events", events_.last_seq()}});
    });
    // Prometheus scrapes this; from the snapshots, so a scrape costs no netlink call.
    svr_.Get("/metrics", [this](const httplib::Request&, httplib::Response& res) {
      res.set_content(
          metrics_text(snapshots_.all(), ServeStats{events_.last_seq(), jobs_.running(), jobs_.deploy_seconds()}),
          "text/plain; version=0.0.4; charset=utf-8");
    });
    svr_.Get("/api/v1/labs", [this](const httplib::Request&, httplib::Response& res) {
      json out = json::array();
      for (const auto& s : snapshots_.all())
        out.push_back({{"lab", s->lab},
                       {"status", s->status["status"]},
                       {"file", s->status["file"]},
                       {"nodes", s->status["nodes"].size()},
                       {"checks", s->status["checks"]},
                       {"url", "/api/v1/labs/" + s->lab}});
      send_json(res, 200, out);
    });
    // The hot path: the body the last refresh serialized, sent as it is (no netlink, no file, no
    // copy). A lab destroyed by a job here is gone at once (the job's end refreshes it); one
    // destroyed by the CLI, at the next refresh.
    svr_.Get(lab, [this](const httplib::Request& req, httplib::Response& res) {
      std::string name = req.matches[1];
      if (auto why = name_problem(name); !why.empty())
        return send_error(res, 400, "lab name '" + name + "' is not valid: " + why);
      auto snap = snapshots_.get(name);
      if (!snap)
        return send_error(res, 404, "no lab named '" + name + "' is deployed",
                          "GET /api/v1/labs lists the deployed labs");
      std::shared_ptr<const std::string> body(snap, &snap->body);
      res.set_content_provider(body->size(), "application/json",
                               [body](size_t offset, size_t length, httplib::DataSink& sink) {
                                 return sink.write(body->data() + offset, std::min(length, body->size() - offset));
                               });
    });
    svr_.Get(lab + "/checks", [this](const httplib::Request& req, httplib::Response& res) {
      auto name = lab_of(req, res);
      if (name.empty()) return;
      auto snap = snapshots_.get(name);
      auto latest = load_lab_checks(name);
      send_json(res, 200,
                {{"lab", name},
                 {"groups", snap ? json(snap->groups) : json::array()},
                 {"latest", latest ? *latest : json(nullptr)},
                 {"junit", latest ? json("/api/v1/labs/" + name + "/checks/junit") : json(nullptr)}});
    });
    svr_.Get(lab + "/checks/junit", [this](const httplib::Request& req, httplib::Response& res) {
      auto name = lab_of(req, res);
      if (name.empty()) return;
      auto xml = read_text(lab_checks_junit_path(name));
      if (xml.empty()) return send_error(res, 404, "lab '" + name + "' has no check results yet");
      res.set_content(xml, "application/xml");
    });
    mutation_routes(lab);
    svr_.Get("/api/v1/openapi.json",
             [](const httplib::Request&, httplib::Response& res) { res.set_content(kOpenApi, "application/json"); });
    // The status page: one static file, its script and style inline, nothing from elsewhere.
    svr_.Get("/", [](const httplib::Request&, httplib::Response& res) {
      res.set_header("Content-Security-Policy",
                     "default-src 'self'; style-src 'unsafe-inline'; script-src 'unsafe-inline'");
      res.set_content(kStatusPage, "text/html; charset=utf-8");
    });
    svr_.Get("/api/v1/jobs",
             [this](const httplib::Request&, httplib::Response& res) { send_json(res, 200, jobs_.list()); });
    svr_.Get("/api/v1/jobs/([^/]+)", [this](const httplib::Request& req, httplib::Response& res) {
      std::string id = req.matches[1];
      if (auto why = name_problem(id); !why.empty())
        return send_error(res, 400, "job id '" + id + "' is not valid: " + why);
      auto job = jobs_.get(id);
      if (!job) return send_error(res, 404, "no job '" + id + "'", "GET /api/v1/jobs lists them");
      send_json(res, 200, *job);
    });
    svr_.Get("/api/v1/events", [this](const httplib::Request& req, httplib::Response& res) { event_stream(req, res); });
  }

  // 202 with the job and where to follow it.
  void accepted(httplib::Response& res, const nlohmann::json& job) {
    res.set_header("Location", job["url"].get<std::string>());
    send_json(res, 202, json{{"job", job}, {"url", job["url"]}});
  }

  void busy(httplib::Response& res, const std::string& lab) {
    res.set_header("Retry-After", "5");
    send_error(res, 409, "lab '" + lab + "' has a job running; one change per lab at a time",
               "GET /api/v1/jobs shows it; try again when it has finished");
  }

  void mutation_routes(const std::string& lab) {
    // Deploy a topology: a file from --topologies, or (with --allow-posted-topologies) the body.
    svr_.Post("/api/v1/labs", [this](const httplib::Request& req, httplib::Response& res) {
      auto r = parse_deploy_request(req.body, req.get_header_value("Content-Type"), req.get_param_value("name"),
                                    DeploySources{o_.topology_dirs, o_.allow_posted_topologies});
      if (r.status) return send_json(res, r.status, json{{"error", r.error}});
      if (lab_exists(r.lab))
        return send_error(res, 409, "a lab named '" + r.lab + "' is already deployed",
                          "DELETE /api/v1/labs/" + r.lab + " first, or post it with another \"name\"");
      std::vector<std::string> args{"deploy", r.file.empty() ? "{job_dir}/topology.yaml" : r.file, "--name", r.lab};
      std::map<std::string, std::string> files;
      if (r.file.empty()) files["topology.yaml"] = r.text;
      auto job = jobs_.start("deploy", r.lab, args, files);
      if (!job) return busy(res, r.lab);
      accepted(res, *job);
    });
    svr_.Delete(lab, [this](const httplib::Request& req, httplib::Response& res) {
      auto name = lab_of(req, res);
      if (name.empty()) return;
      auto job = jobs_.start("destroy", name, {"destroy", name});
      if (!job) return busy(res, name);
      accepted(res, *job);
    });
    // Run the lab's checks (all, or one group): the job's result is the JSON report `netrig test`
    // writes, and the lab's latest checks become these.
    svr_.Post(lab + "/checks", [this](const httplib::Request& req, httplib::Response& res) {
      auto name = lab_of(req, res);
      if (name.empty()) return;
      std::string group = "all";
      if (!req.body.empty()) {
        auto body = json::parse(req.body, nullptr, false);
        if (body.is_discarded() || !body.is_object() || (body.contains("group") && !body["group"].is_string()))
          return send_error(res, 400, "the body must be a JSON object like {\"group\": \"ping\"}");
        for (const auto& [key, value] : body.items())
          if (key != "group") return send_error(res, 400, "unknown key '" + key + "' in the body", "the key is group");
        group = body.value("group", "all");
      }
      auto snap = snapshots_.get(name);
      const auto groups = snap ? snap->groups : std::vector<std::string>{"all"};
      if (std::find(groups.begin(), groups.end(), group) == groups.end()) {
        std::string list;
        for (const auto& g : groups) list += (list.empty() ? "" : ", ") + g;
        return send_error(res, 422, "lab '" + name + "' has no check group '" + group + "'", "groups: " + list);
      }
      std::vector<std::string> args{"check",
                                    name,
                                    "-o",
                                    "json",
                                    "--json-report",
                                    "{job_dir}/report.json",
                                    "--junit",
                                    "{job_dir}/report.xml",
                                    "--artifacts",
                                    "{job_dir}/artifacts"};
      if (group != "all") args.insert(args.end(), {"--only", group});
      auto job = jobs_.start("checks", name, args);
      if (!job) return busy(res, name);
      accepted(res, *job);
    });
  }

  // Server-sent events: every event after ?since=N (or Last-Event-ID), then new ones as they come.
  void event_stream(const httplib::Request& req, httplib::Response& res) {
    uint64_t since = 0;
    const std::string from =
        req.has_param("since") ? req.get_param_value("since") : req.get_header_value("Last-Event-ID");
    if (!from.empty()) {
      char* end = nullptr;
      since = std::strtoull(from.c_str(), &end, 10);
      if (*end != '\0' || from.size() > 19) return send_error(res, 400, "since must be an event sequence number");
    }
    res.set_header("Cache-Control", "no-store");
    res.set_chunked_content_provider("text/event-stream", [this, since](size_t, httplib::DataSink& sink) mutable {
      auto events = events_.after(since, 256, 1000);
      std::string out;
      for (const auto& e : events) {
        out += "id: " + std::to_string(e.seq) + "\ndata: " + e.line + "\n\n";
        since = e.seq;
      }
      if (events.empty()) out = ": keep-alive\n\n";  // also finds a client that went away
      if (!sink.write(out.data(), out.size())) return false;
      if (events_.closed()) {
        sink.done();
        return false;
      }
      return true;
    });
  }

  ServeOptions o_;
  std::string token_;
  EventLog events_;
  LabSnapshots snapshots_;
  Jobs jobs_;
  httplib::Server svr_;
  std::vector<Route> known_;
};

}  // namespace

int serve(const ServeOptions& options) {
  std::unique_ptr<Api> api;
  try {
    parse_listen(options.listen);
    api = std::make_unique<Api>(options);
  } catch (const std::exception& e) {
    std::cerr << "netrig: error: " << e.what() << "\n";
    return 2;
  }
  return api->run();
}

}  // namespace netrig::api
