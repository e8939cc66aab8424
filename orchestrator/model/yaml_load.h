// Loads the one YAML document of a topology file without trusting the text: bounded size and node
// count, UTF-8 and YAML's printable characters checked first (with file:line:col), and none of
// yaml-cpp 0.7's LoadAll (it never returns on a token no node can start with, e.g. a lone ','
// line: upstream jbeder/yaml-cpp#1319, fixed after 0.8.0). Internal to model/.
#pragma once

#include <yaml-cpp/yaml.h>

#include <map>
#include <string>
#include <vector>

#include "model/diagnostic.h"

namespace netrig {

constexpr size_t kMaxTopologyBytes = 1 << 20;  // 1 MiB: the largest shipped lab is ~10 KB
constexpr size_t kMaxYamlEvents = 100000;      // nodes + aliases; bounds the tree's memory

// Where an alias was used in place of a value (`key: *name`), by the key's position.
struct AliasUse {
  SourcePos at;         // the '*name'
  std::string anchor;   // "name"
  SourcePos anchor_at;  // the anchored node
};

struct LoadedYaml {
  YAML::Node root{YAML::NodeType::Undefined};
  std::map<std::pair<int, int>, AliasUse> aliases_by_key;  // key (line, col) -> alias use
};

// Throws TopologyError (one diagnostic) for a text no topology can be read from.
LoadedYaml load_yaml_document(const std::string& text, const std::string& file);

// The first byte that YAML does not allow (invalid UTF-8, a control character other than tab,
// LF and CR, U+FFFE/U+FFFF); empty message when the text is clean. Columns count bytes, as
// yaml-cpp's marks do.
struct BadByte {
  SourcePos at;
  std::string message;
};
BadByte first_bad_byte(const std::string& text);

}  // namespace netrig
