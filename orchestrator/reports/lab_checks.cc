#include "reports/lab_checks.h"

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "drivers/lab_state.h"

namespace netrig {
namespace {

bool write_atomically(const std::string& path, const std::string& text) {
  const std::string tmp = path + ".tmp";
  {
    std::ofstream out(tmp);
    out << text;
    if (!out) return false;
  }
  return std::rename(tmp.c_str(), path.c_str()) == 0;
}

}  // namespace

std::string lab_checks_junit_path(const std::string& lab) { return lab_dir(lab) + "/checks.xml"; }

bool save_lab_checks(const TestRun& run) {
  if (!std::filesystem::is_directory(lab_dir(run.lab))) return false;
  return write_atomically(lab_checks_junit_path(run.lab), junit_report(run)) &&
         write_atomically(lab_dir(run.lab) + "/checks.json", json_report(run).dump(2) + "\n");
}

std::optional<nlohmann::json> load_lab_checks(const std::string& lab) {
  std::ifstream in(lab_dir(lab) + "/checks.json");
  if (!in) return std::nullopt;
  try {
    return nlohmann::json::parse(in);
  } catch (const nlohmann::json::exception&) {
    return std::nullopt;
  }
}

}  // namespace netrig
