#include "api/deploy_request.h"

#include <filesystem>
#include <fstream>
#include <sstream>

#include "api/validate.h"
#include "model/diagnostic.h"
#include "model/parser.h"
#include "plan/plan.h"
#include "reports/report.h"
#include "util/files.h"

namespace netrig::api {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

// The label diagnostics of a posted topology carry in place of a file name.
constexpr const char* kPostedLabel = "posted-topology.yaml";

DeployRequest refuse(int status, const std::string& message, const std::string& hint = "") {
  DeployRequest r;
  r.status = status;
  r.error = {{"status", status}, {"message", message}};
  if (!hint.empty()) r.error["hint"] = hint;
  return r;
}

bool yaml_type(const std::string& type) {
  for (const char* t : {"application/yaml", "application/x-yaml", "text/yaml", "text/x-yaml"})
    if (type.rfind(t, 0) == 0) return true;
  return false;
}

std::string read_all(const std::string& path) { return read_file(path); }

}  // namespace

DeployRequest parse_deploy_request(const std::string& body, const std::string& content_type,
                                   const std::string& name_param, const DeploySources& sources) {
  std::string name = name_param, file_name, text;
  bool posted = false;
  if (yaml_type(content_type)) {
    posted = true;
    text = body;
  } else if (content_type.rfind("application/json", 0) == 0) {
    auto j = json::parse(body, nullptr, false);
    if (j.is_discarded() || !j.is_object())
      return refuse(400, "the body is not a JSON object",
                    R"(send {"file": "NAME.yaml"} or {"topology": "<YAML text>"}, optionally with "name")");
    for (const auto& [key, value] : j.items()) {
      if (key != "file" && key != "topology" && key != "name")
        return refuse(400, "unknown key '" + key + "' in the body", "the keys are file, topology and name");
      if (!value.is_string()) return refuse(400, "'" + key + "' must be a string");
    }
    if (j.contains("file") == j.contains("topology"))
      return refuse(400, "the body needs exactly one of 'file' and 'topology'");
    if (j.contains("name")) name = j["name"];
    if (j.contains("topology")) {
      posted = true;
      text = j["topology"];
    } else {
      file_name = j["file"];
    }
  } else {
    return refuse(415, "the body must be application/json or application/yaml (got '" + content_type + "')");
  }
  if (!name.empty())
    if (auto why = name_problem(name); !why.empty() || !is_valid_lab_name(name))
      return refuse(400, "lab name '" + name + "' is not valid: " + (why.empty() ? "at most 32 characters" : why));

  DeployRequest r;
  if (posted) {
    if (!sources.allow_posted)
      return refuse(403, "this serve deploys only files from its --topologies directories",
                    "name one with {\"file\": ...}, or start serve with --allow-posted-topologies (a topology's "
                    "exec: commands run as root)");
  } else {
    if (auto why = name_problem(file_name); !why.empty())
      return refuse(400, "file name '" + file_name + "' is not valid: " + why, "a file name, not a path");
    if (sources.topology_dirs.empty())
      return refuse(403, "this serve was given no --topologies directory", "start serve with --topologies DIR");
    for (const auto& dir : sources.topology_dirs) {
      std::error_code ec;
      const auto path = fs::weakly_canonical(fs::path(dir) / file_name, ec);
      if (!ec && fs::is_regular_file(path, ec)) {
        r.file = path.string();
        break;
      }
    }
    if (r.file.empty()) return refuse(404, "no topology file '" + file_name + "' in serve's --topologies directories");
    text = read_all(r.file);
  }
  try {
    auto topology = parse_topology(text, posted ? kPostedLabel : file_name, ParseOptions{name});
    make_plan(topology);
    r.lab = topology.name;
  } catch (const TopologyError& e) {
    auto out = refuse(422,
                      "the topology is not valid (" + std::to_string(e.diagnostics().size()) +
                          (e.diagnostics().size() == 1 ? " error)" : " errors)"),
                      "fix it and post again; nothing was changed on the host");
    out.error["diagnostics"] = diagnostics_json(e.diagnostics());
    return out;
  } catch (const std::exception& e) {
    return refuse(422, std::string("the topology cannot be planned: ") + e.what());
  }
  r.text = text;
  return r;
}

}  // namespace netrig::api
