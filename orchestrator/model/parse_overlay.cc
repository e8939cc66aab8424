// A tests overlay (`netrig test FILE --tests OVERLAY.yaml`): checks and image stand-ins kept beside a
// topology file that must stay as it is (containerlab's own files in tests/clab/).
//
//   images:                      # image named by the file -> a local stand-in
//     alpine:3: {image: netrig/debian, binds: ["/bin/busybox:/bin/ash:ro"]}
//     quay.io/frrouting/frr:10.5.1: {image: netrig/debian, cmd: "sh -c '...'"}
//   tests:
//     - ping: {from: l1, to: l2}
//
// A stand-in's cmd/entrypoint stand for the image's own: a node that sets its own keeps it. Its
// binds are added to the node's (host paths relative to the overlay file).
#include <filesystem>

#include "model/parse_internal.h"
#include "model/shell_words.h"

namespace netrig {
namespace {

const std::vector<std::string> kOverlayKeys = {"tests", "images"};
const std::vector<std::string> kStandInKeys = {"image", "cmd", "entrypoint", "binds"};

struct StandIn {
  std::string image;
  std::optional<std::vector<std::string>> cmd, entrypoint;
  std::vector<BindSpec> binds;
  bool used = false;
  Entry at;
};

std::optional<std::vector<std::string>> words(Reader& r, const Entry& e, const std::string& what) {
  if (e.value.IsSequence()) {
    std::vector<std::string> out;
    for (auto& [w, at] : r.strings(e, what)) out.push_back(w);
    return out;
  }
  auto line = r.string(e, what);
  if (!line) return std::nullopt;
  std::string problem;
  auto out = split_shell_words(*line, &problem);
  if (!out) r.error(e, what + " cannot be split into words: " + problem, "close the quote, or write a list");
  return out;
}

}  // namespace

void parse_tests_overlay(Reader& r, ParseState& st, const Entry& root, const std::string& file, Topology& topo) {
  if (root.value.IsNull()) {
    r.error(SourcePos{1, 1}, "the tests overlay is empty", "write 'tests:' with the checks to run");
    return;
  }
  if (!r.is_map(root, "the tests overlay")) return;
  r.check_keys(root, kOverlayKeys, "the tests overlay");
  const auto base = std::filesystem::absolute(std::filesystem::path(file)).parent_path();
  std::map<std::string, StandIn> stand_ins;
  if (auto images = Reader::get(root.value, "images"); images && r.is_map(images, "'images'", true)) {
    for (const auto& e : r.entries(images, "'images'")) {
      const auto where = "the stand-in for '" + e.name() + "'";
      if (!r.is_map(e, where)) continue;
      r.check_keys(e, kStandInKeys, where);
      StandIn s;
      s.at = Entry(e.key);
      if (auto i = Reader::get(e.value, "image")) {
        if (auto v = r.string(i, "'image'")) s.image = *v;
      } else {
        r.error(Entry(e.key), where + " names no image", "write image: netrig/debian (or an image you imported)");
        continue;
      }
      if (auto c = Reader::get(e.value, "cmd")) s.cmd = words(r, c, "'cmd'");
      if (auto c = Reader::get(e.value, "entrypoint")) s.entrypoint = words(r, c, "'entrypoint'");
      if (auto b = Reader::get(e.value, "binds"))
        for (auto& [text, at] : r.strings(b, "'binds'")) {
          auto first = text.find(':');
          auto second = first == std::string::npos ? first : text.find(':', first + 1);
          BindSpec bind;
          bind.pos = Reader::pos(at);
          if (first != std::string::npos) {
            bind.host = text.substr(0, first);
            bind.container = text.substr(first + 1, second == std::string::npos ? second : second - first - 1);
            bind.read_only = second != std::string::npos && text.substr(second + 1) == "ro";
          }
          if (bind.host.empty() || bind.container.empty() || bind.container[0] != '/' ||
              (second != std::string::npos && text.substr(second + 1) != "ro" && text.substr(second + 1) != "rw")) {
            r.error(at, "bind '" + text + "' is not HOST:CONTAINER[:ro]", "write e.g. /bin/busybox:/bin/ash:ro");
            continue;
          }
          if (std::filesystem::path(bind.host).is_relative())
            bind.host = (base / bind.host).lexically_normal().string();
          s.binds.push_back(bind);
        }
      stand_ins.emplace(e.name(), std::move(s));
    }
  }
  for (auto& node : topo.nodes) {
    if (node.kind != NodeKind::Container) continue;
    auto it = stand_ins.find(node.container.image);
    if (it == stand_ins.end()) continue;
    auto& s = it->second;
    s.used = true;
    node.container.image = s.image;
    if (!node.container.cmd && !node.container.entrypoint) {
      node.container.cmd = s.cmd;
      node.container.entrypoint = s.entrypoint;
    }
    node.container.binds.insert(node.container.binds.end(), s.binds.begin(), s.binds.end());
  }
  for (const auto& [name, s] : stand_ins)
    if (!s.used)
      r.warn(s.at, "no container node of " + topo.file + " runs image '" + name + "'; this stand-in is unused");
  parse_checks(r, st, Reader::get(root.value, "tests"), topo);
}

}  // namespace netrig
