#include "model/yaml_reader.h"

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <charconv>
#include <climits>
#include <cstdlib>
#include <regex>
#include <set>
#include <sstream>

namespace netrig {

SourcePos Reader::pos(const YAML::Node& node) {
  if (!node.IsDefined()) return {};
  const auto mark = node.Mark();
  if (mark.line < 0) return {};
  return {mark.line + 1, mark.column + 1};
}

SourcePos Reader::pos(const Entry& entry) {
  bool use_key = entry.key.IsDefined() && (!entry.value.IsDefined() || entry.value.IsNull());
  return use_key ? pos(entry.key) : pos(entry.value);
}

void Reader::error(SourcePos at, std::string message, std::string hint) {
  diagnostics_.push_back({file_, at, std::move(message), std::move(hint)});
}

void Reader::error(const Entry& at, std::string message, std::string hint) {
  if (at.key.IsDefined()) {
    const auto key = pos(at.key);
    if (auto it = aliases_.find({key.line, key.col}); it != aliases_.end()) {
      const auto& use = it->second;
      message += " (the value comes from the alias '*" + use.anchor + "'; its anchor '&" + use.anchor +
                 "' is at line " + std::to_string(use.anchor_at.line) + ":" + std::to_string(use.anchor_at.col) + ")";
      error(use.at, std::move(message), std::move(hint));
      return;
    }
  }
  error(pos(at), std::move(message), std::move(hint));
}

void Reader::warn(SourcePos at, std::string message, std::string hint) {
  for (const auto& w : warnings_)  // an inherited key warns once, not once per node
    if (w.pos.line == at.line && w.pos.col == at.col && w.message == message) return;
  warnings_.push_back({file_, at, std::move(message), std::move(hint)});
}

void Reader::warn(const Entry& at, std::string message, std::string hint) {
  warn(pos(at), std::move(message), std::move(hint));
}

bool Reader::is_quoted(const YAML::Node& node) {
  return node.IsScalar() && (node.Tag() == "!" || node.Tag() == "tag:yaml.org,2002:str");
}

std::string Reader::describe(const YAML::Node& node) {
  switch (node.Type()) {
    case YAML::NodeType::Map:
      return "a mapping";
    case YAML::NodeType::Sequence:
      return "a list";
    case YAML::NodeType::Scalar:
      return is_quoted(node) ? "the quoted string \"" + node.Scalar() + "\"" : "'" + node.Scalar() + "'";
    default:
      return "nothing";
  }
}

Entry Reader::get(const YAML::Node& map, const std::string& key) {
  if (!map.IsMap()) return {};
  for (const auto& item : map)
    if (item.first.IsScalar() && item.first.Scalar() == key) return {item.first, item.second};
  return {};
}

std::vector<Entry> Reader::entries(const Entry& map, const std::string& where) {
  std::vector<Entry> out;
  if (!map.value.IsMap()) return out;
  for (const auto& item : map.value) {
    if (!item.first.IsScalar()) {
      error(Entry(item.first), "keys in " + where + " must be plain words, not " + describe(item.first));
      continue;
    }
    out.emplace_back(item.first, item.second);
  }
  return out;
}

bool Reader::is_map(const Entry& e, const std::string& what, bool null_ok) {
  if (e.value.IsMap() || (null_ok && e.value.IsNull())) return true;
  error(e, what + " must be a mapping, not " + describe(e.value),
        e.value.IsSequence() ? "write 'key: value' lines (or {key: value}) instead of a '- item' list"
                             : "write 'key: value' lines indented under it");
  return false;
}

bool Reader::is_list(const Entry& e, const std::string& what) {
  if (e.value.IsSequence()) return true;
  error(e, what + " must be a list, not " + describe(e.value), "write it as '- item' lines or [a, b]");
  return false;
}

void Reader::check_keys(const Entry& map, const std::vector<std::string>& allowed, const std::string& where) {
  std::set<std::string> seen;
  for (const auto& entry : entries(map, where)) {
    const auto key = entry.name();
    if (!seen.insert(key).second) {
      error(Entry(entry.key), "duplicate key '" + key + "' in " + where,
            "YAML keeps only one of them; remove the other");
      continue;
    }
    if (std::find(allowed.begin(), allowed.end(), key) != allowed.end()) continue;
    // 'kind' is suggested only for what looks like it misspelt (starts with k: knid, kinds), never
    // for a key one letter from it (bind, find): the hint must not point the user at changing kind.
    std::vector<std::string> candidates;
    for (const auto& a : allowed)
      if (a != "kind" || (!key.empty() && std::tolower(static_cast<unsigned char>(key[0])) == 'k'))
        candidates.push_back(a);
    auto hint = did_you_mean(key, candidates);
    if (hint.empty()) hint = allowed.empty() ? "remove it" : "allowed keys here: " + one_of(allowed);
    error(Entry(entry.key), "unknown key '" + key + "' in " + where, hint);
  }
}

std::optional<std::string> Reader::string(const Entry& e, const std::string& what) {
  if (e.value.IsScalar()) return e.value.Scalar();
  error(e, what + " must be a string, not " + describe(e.value));
  return std::nullopt;
}

std::optional<long long> Reader::integer(const Entry& e, const std::string& what, long long min, long long max) {
  const auto& v = e.value;
  if (!v.IsScalar() || is_quoted(v)) {
    error(e, what + " must be a whole number, not " + describe(v),
          is_quoted(v) ? "remove the quotes: YAML reads a quoted value as text" : "");
    return std::nullopt;
  }
  static const std::regex pattern("[-+]?[0-9]+");
  const auto& text = v.Scalar();
  if (!std::regex_match(text, pattern)) {
    error(e, what + " must be a whole number, not '" + text + "'");
    return std::nullopt;
  }
  long long value = 0;
  const char* first = text.data() + (text[0] == '+' ? 1 : 0);
  auto [ptr, ec] = std::from_chars(first, text.data() + text.size(), value);
  if (ec != std::errc() || value < min || value > max) {
    error(e, what + " must be between " + std::to_string(min) + " and " + std::to_string(max) + ", not " + text);
    return std::nullopt;
  }
  return value;
}

std::optional<double> Reader::number(const Entry& e, const std::string& what, double min, double max) {
  const auto& v = e.value;
  if (!v.IsScalar() || is_quoted(v)) {
    error(e, what + " must be a number, not " + describe(v),
          is_quoted(v) ? "remove the quotes: YAML reads a quoted value as text" : "");
    return std::nullopt;
  }
  static const std::regex pattern(R"([-+]?([0-9]+(\.[0-9]*)?|\.[0-9]+)([eE][-+]?[0-9]+)?)");
  const auto& text = v.Scalar();
  if (!std::regex_match(text, pattern)) {
    error(e, what + " must be a number, not '" + text + "'");
    return std::nullopt;
  }
  errno = 0;
  double value = std::strtod(text.c_str(), nullptr);
  if (errno == ERANGE || value < min || value > max) {
    std::ostringstream out;
    out << what << " must be between " << min << " and " << max << ", not " << text;
    error(e, out.str());
    return std::nullopt;
  }
  return value;
}

bool Reader::check_vlan_id(const Entry& e, const std::string& what, long long value) {
  if (value >= 1 && value <= 4094) return true;
  if (value == 0 || value == 4095)
    error(e, what + " cannot be " + std::to_string(value) + ": 802.1Q reserves VLAN ids 0 and 4095",
          "use a VLAN id from 1 to 4094");
  else
    error(e, what + " must be between 1 and 4094, not " + std::to_string(value), "VLAN ids go from 1 to 4094");
  return false;
}

std::optional<int> Reader::vlan_id(const Entry& e, const std::string& what) {
  auto v = integer(e, what, LLONG_MIN, LLONG_MAX);
  if (!v || !check_vlan_id(e, what, *v)) return std::nullopt;
  return static_cast<int>(*v);
}

std::optional<bool> Reader::as_bool(const YAML::Node& v) {
  if (!v.IsScalar() || is_quoted(v)) return std::nullopt;
  static const std::set<std::string> yes = {"true", "True", "TRUE", "yes", "Yes", "YES", "on", "On", "ON"};
  static const std::set<std::string> no = {"false", "False", "FALSE", "no", "No", "NO", "off", "Off", "OFF"};
  if (yes.count(v.Scalar())) return true;
  if (no.count(v.Scalar())) return false;
  return std::nullopt;
}

std::optional<bool> Reader::boolean(const Entry& e, const std::string& what) {
  const auto& v = e.value;
  if (auto b = as_bool(v)) return b;
  error(e, what + " must be true or false, not " + describe(v),
        is_quoted(v) ? "remove the quotes: YAML reads a quoted value as text" : "");
  return std::nullopt;
}

std::vector<std::pair<std::string, Entry>> Reader::strings(const Entry& e, const std::string& what) {
  std::vector<std::pair<std::string, Entry>> out;
  if (e.value.IsScalar()) {
    out.emplace_back(e.value.Scalar(), e);
  } else if (e.value.IsSequence()) {
    for (const auto& item : e.value)
      if (auto s = string(Entry(item), what)) out.emplace_back(*s, Entry(item));
  } else {
    error(e, what + " must be a string or a list of strings, not " + describe(e.value));
  }
  return out;
}

std::string one_of(const std::vector<std::string>& words) {
  std::string out;
  for (size_t i = 0; i < words.size(); ++i) {
    if (i) out += i + 1 == words.size() ? " or " : ", ";
    out += words[i];
  }
  return out;
}

}  // namespace netrig
