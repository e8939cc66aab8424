// Helpers for the HTTP API's integration tests: start `netrig serve` on an ephemeral loopback port
// (the port is read from its first line) and talk to it with cpp-httplib's client.
//
// Header-only: CMake globs only tests/integration/*_test.cc into netrig_tests.
#pragma once

#include <httplib.h>

#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "harness.h"

namespace netrig_it {

class Serve {
 public:
  // Starts `netrig serve --listen 127.0.0.1:0 <args>` and waits until it listens.
  explicit Serve(std::vector<std::string> args, const Env& env = {}) {
    std::vector<std::string> argv{netrig_binary(), "serve"};
    bool has_listen = false;
    for (const auto& a : args) has_listen |= a == "--listen";
    if (!has_listen) argv.insert(argv.end(), {"--listen", "127.0.0.1:0"});
    argv.insert(argv.end(), args.begin(), args.end());
    child_ = std::make_unique<Child>(argv, env);
    auto port = child_->wait_for(R"(netrig serve: http://[^ ]*:(\d+)/)", 15, true);
    if (port) port_ = std::stoi(*port);
  }
  ~Serve() { stop(); }

  bool listening() const { return port_ > 0; }
  int port() const { return port_; }
  Child& child() { return *child_; }

  // SIGTERM, then its exit (SIGKILL after 10 s); only the PID we started.
  CmdResult stop() {
    if (stopped_) return stopped_result_;
    stopped_ = true;
    child_->signal(SIGTERM);
    stopped_result_ = child_->wait(10);
    return stopped_result_;
  }

  httplib::Client client() const {
    httplib::Client c("127.0.0.1", port_);
    c.set_connection_timeout(5);
    c.set_read_timeout(10);
    return c;
  }

  httplib::Result get(const std::string& path, const httplib::Headers& headers = {}) const {
    return client().Get(path.c_str(), headers);
  }

  // GET and parse; a discarded json when the answer is not JSON.
  nlohmann::json get_json(const std::string& path, int* status = nullptr) const {
    auto r = get(path);
    if (status) *status = r ? r->status : -1;
    if (!r) return nlohmann::json(nlohmann::json::value_t::discarded);
    return nlohmann::json::parse(r->body, nullptr, false);
  }

 private:
  std::unique_ptr<Child> child_;
  int port_ = -1;
  bool stopped_ = false;
  CmdResult stopped_result_;
};

// The lines of `ss -ltnH` that listen on this port.
inline std::vector<std::string> listeners_on(int port) {
  std::vector<std::string> out;
  auto r = run({"/usr/bin/ss", "-ltnH"}, 10);
  std::istringstream lines(r.out);
  const std::regex local(R"(^\S+\s+\d+\s+\d+\s+(\S+):(\d+)\s)");
  for (std::string line; std::getline(lines, line);) {
    std::smatch m;
    if (std::regex_search(line, m, local) && std::stoi(m[2]) == port) out.push_back(m[1]);
  }
  return out;
}

}  // namespace netrig_it
