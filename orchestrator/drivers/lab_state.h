// A lab's state directory (/run/netrig/<lab>/): its metadata, a copy of its topology, and the
// journal of every object it creates, written before the object is created.
#pragma once

#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

namespace netrig {

// /run/netrig, or $NETRIG_STATE_DIR when set.
std::string state_root();
std::string lab_dir(const std::string& lab);
bool lab_exists(const std::string& lab);
// Creates the lab's state directory; false if it already exists (the lab is deployed).
bool claim_lab_dir(const std::string& lab);
std::vector<std::string> list_labs();

// What the journal records. `op` is one of: "group" (value), "netns" (name), "link" (name, netns).
struct JournalEntry {
  std::string op;
  std::string name;
  std::string netns;
  uint32_t value = 0;
};

class Journal {
 public:
  // Opens (creating) <lab_dir>/journal for appending.
  explicit Journal(const std::string& lab);
  ~Journal();
  Journal(const Journal&) = delete;
  Journal& operator=(const Journal&) = delete;
  // Appends one entry; returns once it is in the file. Thread-safe.
  void record(const JournalEntry& entry);

  // Every entry of a lab's journal; a torn last line (a crash mid-write) is ignored.
  static std::vector<JournalEntry> read(const std::string& lab);

 private:
  int fd_ = -1;
  std::mutex mutex_;
};

struct LabMeta {
  std::string name;
  std::string file;    // topology file as given
  std::string status;  // deploying, deployed, failed
  long long created = 0;
  int pid = 0;
};

void write_lab_meta(const LabMeta& meta);
std::optional<LabMeta> read_lab_meta(const std::string& lab);
void write_lab_topology(const std::string& lab, const std::string& text);
std::string read_lab_topology(const std::string& lab);
// The tests overlay the lab was deployed with (netrig --tests), kept beside its topology so later
// commands (check, exec, inspect) parse the same lab: its path and text; nullopt when it had none.
struct LabTestsOverlay {
  std::string file;
  std::string text;
};
void write_lab_tests_overlay(const std::string& lab, const LabTestsOverlay& overlay);
std::optional<LabTestsOverlay> read_lab_tests_overlay(const std::string& lab);
void remove_lab_dir(const std::string& lab);

}  // namespace netrig
