// Typed access to yaml-cpp nodes for the topology parser. Every accessor reports what it cannot
// read as a Diagnostic (what, where, what to do) and returns nullopt/false, so parsing goes on and
// one run lists every problem in the file. Internal to model/.
#pragma once

#include <yaml-cpp/yaml.h>

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "model/diagnostic.h"
#include "model/yaml_load.h"

namespace netrig {

// A value together with the key it stands under (the key is undefined for list items).
struct Entry {
  YAML::Node key{YAML::NodeType::Undefined};  // (a default YAML::Node is a defined null)
  YAML::Node value{YAML::NodeType::Undefined};

  Entry() = default;
  Entry(const YAML::Node& v) : value(v) {}  // NOLINT: a list item or the root
  Entry(const YAML::Node& k, const YAML::Node& v) : key(k), value(v) {}

  explicit operator bool() const { return value.IsDefined(); }
  // The key as written ("" for list items and non-scalar keys).
  std::string name() const { return key.IsDefined() && key.IsScalar() ? key.Scalar() : ""; }
};

class Reader {
 public:
  explicit Reader(std::string file) : file_(std::move(file)) {}

  std::vector<Diagnostic>& diagnostics() { return diagnostics_; }

  // 1-based position of a node's first character; {} when yaml-cpp has none.
  static SourcePos pos(const YAML::Node& node);
  // Where to point for an entry: its value, or its key when the value is an implicit null (yaml-cpp
  // marks those at the next token, often on a later line) or when the entry has no value.
  static SourcePos pos(const Entry& entry);

  void error(SourcePos at, std::string message, std::string hint = "");
  // At the entry; when its value is an alias (`key: *name`), at that use site, naming the anchor.
  void error(const Entry& at, std::string message, std::string hint = "");
  // Something the file asks for that netrig does not do: kept apart from the errors.
  void warn(const Entry& at, std::string message, std::string hint = "");
  void warn(SourcePos at, std::string message, std::string hint = "");
  std::vector<TopologyWarning>& warnings() { return warnings_; }
  void set_aliases(std::map<std::pair<int, int>, AliasUse> aliases) { aliases_ = std::move(aliases); }

  // "a mapping", "a list", "nothing", "the quoted string \"x\"", "'x'".
  static std::string describe(const YAML::Node& node);
  // Whether a scalar was written quoted, as a block scalar or with an explicit tag.
  static bool is_quoted(const YAML::Node& node);

  // The entry of `map` under `key` (the first one when the key is repeated); empty when absent.
  static Entry get(const YAML::Node& map, const std::string& key);
  // The entries of a mapping in file order; non-scalar keys are reported and skipped.
  std::vector<Entry> entries(const Entry& map, const std::string& where);

  bool is_map(const Entry& e, const std::string& what, bool null_ok = false);
  bool is_list(const Entry& e, const std::string& what);

  // Reports unknown keys (with a did-you-mean or the list of allowed keys) and repeated keys.
  void check_keys(const Entry& map, const std::vector<std::string>& allowed, const std::string& where);

  // Any scalar, as written (YAML's plain 80 is the string "80").
  std::optional<std::string> string(const Entry& e, const std::string& what);
  // Plain scalars only: a quoted "1500" is a string, not a number.
  std::optional<long long> integer(const Entry& e, const std::string& what, long long min, long long max);
  std::optional<double> number(const Entry& e, const std::string& what, double min, double max);
  // An 802.1Q VLAN id: 1 to 4094 (0 means "priority tag only" and 4095 is reserved), the one rule
  // for every place a VLAN id appears (OVS tags, trunks, flood_vlans, capture checks).
  std::optional<int> vlan_id(const Entry& e, const std::string& what);
  // Applies vlan_id's rule to a number already read (from "101,102" style text).
  bool check_vlan_id(const Entry& e, const std::string& what, long long value);
  // true/false (also yes/no, on/off as YAML 1.1 reads them), unquoted.
  std::optional<bool> boolean(const Entry& e, const std::string& what);
  // The boolean a plain scalar spells (true/yes/on, false/no/off, in YAML's three casings), silently.
  static std::optional<bool> as_bool(const YAML::Node& node);
  // A scalar or a list of scalars.
  std::vector<std::pair<std::string, Entry>> strings(const Entry& e, const std::string& what);

 private:
  std::string file_;
  std::vector<Diagnostic> diagnostics_;
  std::vector<TopologyWarning> warnings_;
  std::map<std::pair<int, int>, AliasUse> aliases_;  // by the position of the key before '*name'
};

// "a, b or c".
std::string one_of(const std::vector<std::string>& words);

}  // namespace netrig
