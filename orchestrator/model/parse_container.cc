// `kind: container` (and containerlab's `kind: linux`) nodes: image, cmd, entrypoint, env, binds,
// user, memory, cpus, labels. The container itself is started by drivers/container.cc.
#include <cmath>
#include <regex>

#include "model/parse_internal.h"
#include "model/shell_words.h"

namespace netrig {
namespace {

// A command as a string (split into words as sh would, containerlab's form) or a list of words.
std::optional<std::vector<std::string>> command(Reader& r, const Entry& e, const std::string& what) {
  if (e.value.IsSequence()) {
    std::vector<std::string> words;
    for (auto& [w, at] : r.strings(e, what)) words.push_back(w);
    return words;
  }
  auto line = r.string(e, what);
  if (!line) return std::nullopt;
  std::string problem;
  auto words = split_shell_words(*line, &problem);
  if (!words) {
    r.error(e, what + " cannot be split into words: " + problem,
            "close the quote, or write the words as a list: [sh, -c, 'echo hi']");
    return std::nullopt;
  }
  return words;
}

// "512M", "1G", "1.5g", "1048576" (bytes) -> bytes, as docker and containerlab read them.
std::optional<long long> memory_bytes(const std::string& s) {
  static const std::regex pattern("([0-9]+(\\.[0-9]+)?)\\s*([kKmMgGtT]?)[iI]?[bB]?");
  std::smatch m;
  if (!std::regex_match(s, m, pattern)) return std::nullopt;
  double v = std::stod(m[1]);
  const std::string unit = m[3];
  const std::string units = "kmgt";
  if (!unit.empty())
    v *= std::pow(1024.0, static_cast<double>(units.find(static_cast<char>(std::tolower(unit[0]))) + 1));
  return static_cast<long long>(v);
}

void parse_binds(Reader& r, NodeSpec& node, const Entry& binds) {
  for (auto& [text, at] : r.strings(binds, "'binds'")) {
    // host:container[:ro|rw]; a path with ':' in it cannot be bound (as in docker).
    std::vector<std::string> parts;
    for (size_t start = 0;;) {
      auto colon = text.find(':', start);
      parts.push_back(text.substr(start, colon - start));
      if (colon == std::string::npos) break;
      start = colon + 1;
    }
    BindSpec b;
    b.pos = Reader::pos(at);
    bool ok = parts.size() == 2 || (parts.size() == 3 && (parts[2] == "ro" || parts[2] == "rw"));
    if (ok) {
      b.host = parts[0];
      b.container = parts[1];
      b.read_only = parts.size() == 3 && parts[2] == "ro";
      ok = !b.host.empty() && !b.container.empty() && b.container[0] == '/';
    }
    if (!ok) {
      r.error(at, "bind '" + text + "' of node '" + node.name + "' is not HOST:CONTAINER[:ro]",
              "write e.g. 'router1/frr.conf:/etc/frr/frr.conf' (a host path relative to the topology file, then an "
              "absolute path in the container), with ':ro' to make it read-only");
      continue;
    }
    node.container.binds.push_back(b);
  }
}

}  // namespace

void parse_container(Reader& r, NodeSpec& node, const std::function<Entry(const std::string&)>& get) {
  auto& c = node.container;
  if (auto i = get("image")) {
    c.image_pos = Reader::pos(i);
    if (auto v = r.string(i, "'image'")) {
      if (v->empty() || v->find_first_of(" \t") != std::string::npos)
        r.error(i, "'image' of container '" + node.name + "' is not an image name",
                "write a name such as netrig/debian (built by images/build-container.sh) or one you imported "
                "with images/import-container.sh");
      else
        c.image = *v;
    }
  } else {
    c.image_pos = node.pos;
  }
  if (auto e = get("entrypoint")) c.entrypoint = command(r, e, "'entrypoint'");
  if (auto e = get("cmd")) c.cmd = command(r, e, "'cmd'");
  if (auto env = get("env"); env && r.is_map(env, "'env'", true)) {
    static const std::regex name("[A-Za-z_][A-Za-z0-9_]*");
    for (const auto& e : r.entries(env, "'env'")) {
      if (!std::regex_match(e.name(), name)) {
        r.error(Entry(e.key), "'" + e.name() + "' is not an environment variable name",
                "letters, digits and '_', not starting with a digit");
        continue;
      }
      if (auto v = e.value.IsNull() ? std::optional<std::string>("") : r.string(e, "env '" + e.name() + "'"))
        c.env.emplace_back(e.name(), *v);
    }
  }
  if (auto b = get("binds")) parse_binds(r, node, b);
  if (auto u = get("user"))
    if (auto v = r.string(u, "'user'")) {
      static const std::regex user("[A-Za-z0-9_][A-Za-z0-9_.-]*(:[A-Za-z0-9_][A-Za-z0-9_.-]*)?");
      if (std::regex_match(*v, user))
        c.user = *v;
      else
        r.error(u, "'user' of container '" + node.name + "' is not USER or UID[:GID]",
                "write a user of the image (e.g. frr), a UID, or UID:GID such as 1000:1000");
    }
  if (auto m = get("memory")) {
    auto v = r.string(m, "'memory'");
    auto bytes = v ? memory_bytes(*v) : std::nullopt;
    if (v && (!bytes || *bytes < 4 * 1024 * 1024))
      r.error(m, "'memory' of container '" + node.name + "' is not a size of at least 4M",
              "write e.g. 512M or 1G (bytes without a unit)");
    else if (bytes)
      c.memory_bytes = bytes;
  }
  for (const char* key : {"cpus", "cpu"})  // cpu: containerlab's spelling
    if (auto e = get(key))
      if (auto v = r.number(e, std::string("'") + key + "'", 0.01, 1024)) c.cpus = *v;
  if (auto labels = get("labels"); labels && r.is_map(labels, "'labels'", true))
    for (const auto& e : r.entries(labels, "'labels'"))
      if (auto v = r.string(e, "label '" + e.name() + "'")) c.labels[e.name()] = *v;
}

}  // namespace netrig
