// `netrig serve`: the HTTP status API (JSON under /api/v1) on
// cpp-httplib. Reads answer from api/snapshots.h.
#pragma once

#include <string>
#include <vector>

namespace netrig::api {

struct ServeOptions {
  std::string listen = "127.0.0.1:8787";  // HOST:PORT; loopback unless told otherwise
  std::string token_file;                 // bearer token for mutations (file mode 0600); "" = read-only
  std::string cors_origin;                // Access-Control-Allow-Origin; "" = no CORS headers
  double poll_interval_s = 1.0;           // how often the labs' status and counters are refreshed
  int threads = 8;                        // HTTP workers kept ready (api/worker_pool.h)
  int max_threads = 512;                  // the most workers: a connection (an event stream) holds one
  size_t max_body_bytes = 1 << 20;
  std::vector<std::string> topology_dirs;  // POST /labs deploys files from these (--topologies)
  bool allow_posted_topologies = false;    // POST /labs may carry the topology itself (root code execution)
  std::string jobs_dir;                    // job records; "" = <state root>-serve/jobs
};

// Validates the options (token file mode, directories); throws std::invalid_argument with what is
// wrong. Then serves until SIGINT/SIGTERM. Returns the exit code.
int serve(const ServeOptions& options);

// Every route serve answers, as OpenAPI path templates ("/api/v1/labs/{lab}") with their methods.
// A path matching none of them is 404 before any handler, so this table is the whole API;
// api/openapi_test checks docs/openapi.json against it both ways.
struct RouteSpec {
  std::string path;
  std::vector<std::string> methods;
};
const std::vector<RouteSpec>& api_routes();

// Whether a request path matches an OpenAPI path template: same segments, "{x}" any non-empty one.
bool path_matches(const std::string& path, const std::string& templ);

// "HOST:PORT" -> host, port; throws std::invalid_argument.
std::pair<std::string, int> parse_listen(const std::string& listen);

}  // namespace netrig::api
