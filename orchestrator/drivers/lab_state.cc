#include "drivers/lab_state.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "drivers/system_error.h"
#include "util/files.h"

namespace fs = std::filesystem;
using nlohmann::json;

namespace netrig {

std::string state_root() {
  const char* env = std::getenv("NETRIG_STATE_DIR");
  return env && *env ? env : "/run/netrig";
}

std::string lab_dir(const std::string& lab) { return state_root() + "/" + lab; }

bool lab_exists(const std::string& lab) { return fs::exists(lab_dir(lab)); }

bool claim_lab_dir(const std::string& lab) {
  fs::create_directories(state_root());
  if (mkdir(lab_dir(lab).c_str(), 0755) == 0) return true;
  if (errno == EEXIST) return false;
  throw_errno("mkdir " + lab_dir(lab));
}

std::vector<std::string> list_labs() {
  std::vector<std::string> labs;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(state_root(), ec))
    if (entry.is_directory()) labs.push_back(entry.path().filename());
  std::sort(labs.begin(), labs.end());
  return labs;
}

Journal::Journal(const std::string& lab) {
  fs::create_directories(lab_dir(lab));
  const auto path = lab_dir(lab) + "/journal";
  fd_ = open(path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (fd_ < 0) throw_errno("open " + path);
}

Journal::~Journal() {
  if (fd_ >= 0) close(fd_);
}

void Journal::record(const JournalEntry& e) {
  json j = {{"op", e.op}};
  if (!e.name.empty()) j["name"] = e.name;
  if (!e.netns.empty()) j["netns"] = e.netns;
  if (e.value) j["value"] = e.value;
  auto line = j.dump() + "\n";
  std::lock_guard lock(mutex_);
  // One write() per entry with O_APPEND: a crash leaves whole lines, at worst one torn last line.
  if (write(fd_, line.data(), line.size()) != static_cast<ssize_t>(line.size())) throw_errno("write journal");
}

std::vector<JournalEntry> Journal::read(const std::string& lab) {
  std::vector<JournalEntry> entries;
  std::ifstream in(lab_dir(lab) + "/journal");
  std::string line;
  while (std::getline(in, line)) {
    auto j = json::parse(line, nullptr, false);
    if (j.is_discarded() || !j.is_object() || !j.contains("op")) continue;
    JournalEntry e;
    e.op = j.value("op", "");
    e.name = j.value("name", "");
    e.netns = j.value("netns", "");
    e.value = j.value("value", 0u);
    entries.push_back(e);
  }
  return entries;
}

static void write_file_atomically(const std::string& path, const std::string& text) {
  const auto tmp = path + ".tmp";
  {
    std::ofstream out(tmp, std::ios::trunc);
    out << text;
    if (!out) throw std::runtime_error("cannot write " + tmp);
  }
  fs::rename(tmp, path);
}

void write_lab_meta(const LabMeta& m) {
  fs::create_directories(lab_dir(m.name));
  json j = {{"name", m.name}, {"file", m.file}, {"status", m.status}, {"created", m.created}, {"pid", m.pid}};
  write_file_atomically(lab_dir(m.name) + "/lab.json", j.dump(2) + "\n");
}

std::optional<LabMeta> read_lab_meta(const std::string& lab) {
  std::ifstream in(lab_dir(lab) + "/lab.json");
  if (!in) return std::nullopt;
  auto j = json::parse(in, nullptr, false);
  if (j.is_discarded()) return std::nullopt;
  LabMeta m;
  m.name = j.value("name", lab);
  m.file = j.value("file", "");
  m.status = j.value("status", "");
  m.created = j.value("created", 0LL);
  m.pid = j.value("pid", 0);
  return m;
}

void write_lab_topology(const std::string& lab, const std::string& text) {
  fs::create_directories(lab_dir(lab));
  write_file_atomically(lab_dir(lab) + "/topology.yaml", text);
}

std::string read_lab_topology(const std::string& lab) { return read_file(lab_dir(lab) + "/topology.yaml"); }

void write_lab_tests_overlay(const std::string& lab, const LabTestsOverlay& overlay) {
  fs::create_directories(lab_dir(lab));
  write_file_atomically(lab_dir(lab) + "/tests-overlay.path", overlay.file + "\n");
  write_file_atomically(lab_dir(lab) + "/tests-overlay.yaml", overlay.text);
}

std::optional<LabTestsOverlay> read_lab_tests_overlay(const std::string& lab) {
  if (!fs::exists(lab_dir(lab) + "/tests-overlay.path")) return std::nullopt;
  LabTestsOverlay o{read_file(lab_dir(lab) + "/tests-overlay.path"), read_file(lab_dir(lab) + "/tests-overlay.yaml")};
  while (!o.file.empty() && o.file.back() == '\n') o.file.pop_back();
  return o;
}

void remove_lab_dir(const std::string& lab) {
  std::error_code ec;
  fs::remove_all(lab_dir(lab), ec);
}

}  // namespace netrig
