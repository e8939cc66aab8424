// The top level of a topology file; the sections have their own parse_*.cc (see parse_internal.h).
#include "model/parser.h"

#include <algorithm>
#include <fstream>
#include <sstream>
#include <tuple>

#include "model/parse_clab.h"
#include "model/parse_internal.h"
#include "model/yaml_load.h"

namespace netrig {
namespace {

const std::vector<std::string> kTopKeys = {"name", "topology", "tests", "settings"};
const std::vector<std::string> kTopologyKeys = {"defaults", "kinds",           "groups", "nodes",
                                                "links",    "security_groups", "hosts",  "tunnels"};
const std::vector<std::string> kSettingsKeys = {"static_neighbors", "vm_driver", "libvirt_uri", "ovs", "ovs_prefix"};
constexpr size_t kMaxLabName = 32;
const char* const kLabNameRule = "use up to 32 letters, digits, '_', '.' or '-', starting with a letter or digit";

class Parser {
 public:
  Parser(std::string file, const ParseOptions& options) : file_(file), r_(std::move(file)), options_(options) {}

  std::vector<Diagnostic>& diagnostics() { return r_.diagnostics(); }
  Reader& reader() { return r_; }

  Topology parse(const YAML::Node& node) {
    Topology topo;
    const Entry root(node);
    if (node.IsNull() || !node.IsDefined()) {
      r_.error(SourcePos{1, 1}, "the topology file is empty",
               "start with 'name: mylab' and a 'topology:' section listing the lab's 'nodes:'");
      return topo;
    }
    if (!r_.is_map(root, "the topology file")) return topo;
    if (is_clab_file(file_, node)) {  // containerlab's file, read with its keys (parse_clab.cc)
      parse_name(root, topo);
      parse_clab(r_, st_, root, topo);
      parse_checks(r_, st_, Reader::get(node, "tests"), topo);
      return topo;
    }
    r_.check_keys(root, kTopKeys, "the top level");
    parse_name(root, topo);
    const auto topology = Reader::get(node, "topology");
    if (!topology) {
      r_.error(root, "missing 'topology:' section", "add 'topology:' with 'nodes:' and 'links:' under it");
    } else if (r_.is_map(topology, "'topology'")) {
      r_.check_keys(topology, kTopologyKeys, "'topology'");
      parse_inherited(r_, topology, st_.inherit);
      parse_groups(r_, topology, st_.inherit);
      parse_security_groups(r_, st_, Reader::get(topology.value, "security_groups"), topo);
      parse_hosts(r_, st_, Reader::get(topology.value, "hosts"), topo);
      if (const auto nodes = Reader::get(topology.value, "nodes")) {
        parse_nodes(r_, st_, nodes, topo);
        parse_tunnels(r_, st_, Reader::get(topology.value, "tunnels"), topo);
      } else {
        r_.error(Entry(topology.key), "missing 'nodes:' under 'topology'",
                 "list the lab's nodes and bridges under 'topology: nodes:'");
      }
      parse_links(r_, st_, Reader::get(topology.value, "links"), topo);
      check_lab(r_, st_, topo);
      check_ovs(r_, st_, topo);
      check_security_groups(r_, st_, topo);
      check_vms(r_, st_, topo);
      check_hosts(r_, st_, topo);
    }
    parse_settings(Reader::get(node, "settings"), topo);
    check_system_ovs(r_, st_, topo);
    parse_checks(r_, st_, Reader::get(node, "tests"), topo);
    return topo;
  }

 private:
  void parse_name(const Entry& root, Topology& topo) {
    if (!options_.lab_name.empty()) {
      topo.name = options_.lab_name;
      if (auto why = name_problem(topo.name, kMaxLabName); !why.empty())
        r_.error(SourcePos{}, "lab name '" + topo.name + "' given with --name is not valid: " + why, kLabNameRule);
      return;
    }
    const auto name = Reader::get(root.value, "name");
    if (!name) {
      r_.error(root, "missing 'name:' of the lab",
               "add 'name: mylab' at the top; it prefixes everything the lab creates");
      return;
    }
    if (auto s = r_.string(name, "'name'")) {
      topo.name = *s;
      if (auto why = name_problem(*s, kMaxLabName); !why.empty())
        r_.error(name, "lab name '" + *s + "' is not valid: " + why, kLabNameRule);
    }
  }

  void parse_settings(const Entry& settings, Topology& topo) {
    if (!settings || !r_.is_map(settings, "'settings'", true)) return;
    r_.check_keys(settings, kSettingsKeys, "'settings'");
    if (const auto v = Reader::get(settings.value, "static_neighbors"))
      if (auto b = r_.boolean(v, "'static_neighbors'")) topo.static_neighbors = *b;
    parse_vm_settings(r_, settings, topo);
    parse_ovs_settings(r_, settings, topo);
  }

  std::string file_;
  Reader r_;
  ParseOptions options_;

 public:
  ParseState st_;
};

std::vector<Diagnostic> sorted_unique(std::vector<Diagnostic> diagnostics) {
  std::stable_sort(diagnostics.begin(), diagnostics.end(), [](const Diagnostic& a, const Diagnostic& b) {
    return std::tie(a.pos.line, a.pos.col) < std::tie(b.pos.line, b.pos.col);
  });
  // Inherited values (defaults:, kinds:) are checked once per node that inherits them.
  diagnostics.erase(std::unique(diagnostics.begin(), diagnostics.end(),
                                [](const Diagnostic& a, const Diagnostic& b) {
                                  return a.pos.line == b.pos.line && a.pos.col == b.pos.col && a.message == b.message;
                                }),
                    diagnostics.end());
  return diagnostics;
}

std::string syntax_hint(const std::string& message) {
  if (message.find("illegal map value") != std::string::npos)
    return "a value cannot start another 'key: value' on the same line; quote it if it contains ': ', or move the "
           "nested keys to their own indented lines";
  if (message.find("tab") != std::string::npos) return "YAML indents with spaces only; replace the tab";
  if (message.find("end of sequence flow") != std::string::npos) return "a '[' is missing its ']'";
  if (message.find("end of map flow") != std::string::npos) return "a '{' is missing its '}'";
  if (message.find("end of map not found") != std::string::npos ||
      message.find("end of sequence not found") != std::string::npos)
    return "check the indentation: the keys or '- ' items of one block must start in the same column";
  return "check the indentation and quoting on this line and the one before";
}

// The first tab among the leading blanks of a line up to `last_line` (1-based): yaml-cpp's own
// message for one ("illegal map value", "end of map not found") points elsewhere.
SourcePos tab_in_indentation(const std::string& text, int last_line) {
  std::istringstream in(text);
  int n = 0;
  for (std::string l; std::getline(in, l) && (last_line <= 0 || n < last_line);) {
    ++n;
    for (size_t i = 0; i < l.size() && (l[i] == ' ' || l[i] == '\t'); ++i)
      if (l[i] == '\t') return {n, static_cast<int>(i) + 1};
  }
  return {};
}

LoadedYaml load_or_throw(const std::string& text, const std::string& file) {
  try {
    return load_yaml_document(text, file);
  } catch (const YAML::Exception& e) {
    SourcePos at = e.mark.line < 0 ? SourcePos{} : SourcePos{e.mark.line + 1, e.mark.column + 1};
    if (auto tab = tab_in_indentation(text, at.line); tab.line > 0)
      throw TopologyError({Diagnostic{file, tab, "a tab in the indentation (YAML syntax: " + e.msg + ")",
                                      "YAML indents with spaces only; replace the tab with spaces"}},
                          text);
    throw TopologyError({Diagnostic{file, at, "YAML syntax: " + e.msg, syntax_hint(e.msg)}}, text);
  }
}

}  // namespace

bool is_valid_lab_name(const std::string& name) { return name_problem(name, kMaxLabName).empty(); }

Topology parse_topology(const std::string& text, const std::string& file, const ParseOptions& options) {
  LoadedYaml loaded = load_or_throw(text, file);
  const YAML::Node& root = loaded.root;
  Parser parser(file, options);
  parser.reader().set_aliases(std::move(loaded.aliases_by_key));
  Topology topo;
  try {
    topo = parser.parse(root);
  } catch (const YAML::Exception& e) {  // a yaml-cpp surprise: still exit 2 with a position, never crash
    SourcePos at = e.mark.line < 0 ? SourcePos{} : SourcePos{e.mark.line + 1, e.mark.column + 1};
    parser.diagnostics().push_back({file, at, "cannot read this part of the file: " + e.msg, ""});
  }
  topo.file = file;
  if (!parser.diagnostics().empty()) throw TopologyError(sorted_unique(parser.diagnostics()), text);
  topo.warnings = parser.reader().warnings();
  if (!options.tests_file.empty()) {  // the overlay: its own file, text and positions
    LoadedYaml overlay = load_or_throw(options.tests_text, options.tests_file);
    Reader r(options.tests_file);
    r.set_aliases(std::move(overlay.aliases_by_key));
    try {
      parse_tests_overlay(r, parser.st_, Entry(overlay.root), options.tests_file, topo);
    } catch (const YAML::Exception& e) {
      SourcePos at = e.mark.line < 0 ? SourcePos{} : SourcePos{e.mark.line + 1, e.mark.column + 1};
      r.diagnostics().push_back({options.tests_file, at, "cannot read this part of the file: " + e.msg, ""});
    }
    if (!r.diagnostics().empty()) throw TopologyError(sorted_unique(r.diagnostics()), options.tests_text);
    topo.warnings.insert(topo.warnings.end(), r.warnings().begin(), r.warnings().end());
  }
  std::stable_sort(topo.warnings.begin(), topo.warnings.end(), [](const auto& a, const auto& b) {
    return std::tie(a.file, a.pos.line, a.pos.col) < std::tie(b.file, b.pos.line, b.pos.col);
  });
  return topo;
}

Topology load_topology(const std::string& path, const ParseOptions& options) {
  std::ifstream in(path);
  if (!in) throw TopologyError({Diagnostic{path, {}, "cannot read the topology file", "check the path"}}, "");
  std::stringstream text;
  text << in.rdbuf();
  return parse_topology(text.str(), path, options);
}

}  // namespace netrig
