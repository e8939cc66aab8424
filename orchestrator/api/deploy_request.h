// POST /api/v1/labs: what the request asks to deploy, checked before anything runs. A request
// names a file in one of serve's --topologies directories ({"file": "x.yaml"}), or posts the
// topology itself ({"topology": "<YAML>"} or a YAML body), which needs --allow-posted-topologies:
// a topology's exec: and services run as root, so a posted one is code execution on this host.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace netrig::api {

struct DeploySources {
  std::vector<std::string> topology_dirs;  // --topologies DIR (repeatable)
  bool allow_posted = false;               // --allow-posted-topologies
};

struct DeployRequest {
  int status = 0;        // 0 = fine; else the 4xx to answer with `error`
  nlohmann::json error;  // {"status", "message", "hint"?, "diagnostics"?}
  std::string lab;       // the lab's name (the request's "name", else the file's name:)
  std::string file;      // absolute path of a named file; "" for a posted topology
  std::string text;      // the topology's text
};

// Reads and validates (parse + plan: pure, nothing on the host). 400 bad JSON or names, 403 a
// source serve was not allowed, 404 no such file, 415 another body type, 422 an invalid topology
// (diagnostics with file, line, column, message, hint, as `netrig validate -o json`).
DeployRequest parse_deploy_request(const std::string& body, const std::string& content_type,
                                   const std::string& name_param, const DeploySources& sources);

}  // namespace netrig::api
