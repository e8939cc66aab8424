// docs/topology.schema.json: a valid draft 2020-12 schema, with a description on every property,
// that accepts every shipped topology (tests/valid/, and the whole labs the docs show) and rejects
// type mistakes and keys of another kind. Runs with Python's jsonschema (Debian: python3-jsonschema,
// python3-yaml) and is skipped, with the reason, where it is missing. And the schema as an editor
// sees it: `netrig schema`'s output, read by the YAML language server over LSP
// (tests/schema/yaml_language_server_check.py; ci/setup.sh installs the server under .cache/yaml-ls).
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>
#include <string>

#include "build_paths.h"

namespace netrig {
namespace {

namespace fs = std::filesystem;

const fs::path kRoot = NETRIG_SOURCE_DIR;

// Validates argv[2:] against the schema argv[1]. A file name prefixed with '!' must be rejected.
// Prints one line per problem; exit 0 when there is none.
const char* const kCheck = R"PY(
import json, sys, yaml, jsonschema
schema = json.load(open(sys.argv[1]))
jsonschema.Draft202012Validator.check_schema(schema)
defs = schema["$defs"]
problems = []

def described(node):
    if "description" in node:
        return True
    ref = node.get("$ref", "")
    return ref.startswith("#/$defs/") and "description" in defs[ref[len("#/$defs/"):]]

def walk(node, path):
    if isinstance(node, dict):
        for name, prop in node.get("properties", {}).items():
            if prop is not False and not described(prop):
                problems.append("no description: " + path + "/" + name)
        for key, value in node.items():
            if key not in ("if", "then", "else", "not"):  # conditions, not declarations
                walk(value, path + "/" + key)
    elif isinstance(node, list):
        for i, value in enumerate(node):
            walk(value, path + "/" + str(i))

walk(schema, "#")
validator = jsonschema.Draft202012Validator(schema)
for arg in sys.argv[2:]:
    must_fail = arg.startswith("!")
    path = arg.lstrip("!")
    errors = list(validator.iter_errors(yaml.safe_load(open(path))))
    if must_fail and not errors:
        problems.append("accepted, but must be rejected: " + path)
    for e in [] if must_fail else errors:
        problems.append(path + ": " + "/".join(map(str, e.absolute_path)) + ": " + e.message)
print("\n".join(problems))
sys.exit(1 if problems else 0)
)PY";

struct Run {
  int exit_code = -1;
  std::string out;
};

Run run(const std::string& command) {
  Run r;
  FILE* p = popen(command.c_str(), "r");
  if (!p) return r;
  std::array<char, 4096> buf;
  for (size_t n; (n = fread(buf.data(), 1, buf.size(), p)) > 0;) r.out.append(buf.data(), n);
  int status = pclose(p);
  r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return r;
}

TEST(ParserSchema, ShippedAndValidTopologiesValidateAndTypeMistakesDoNot) {
  if (run("python3 -c 'import jsonschema, yaml' 2>&1").exit_code != 0)
    GTEST_SKIP() << "python3 with jsonschema and yaml is not installed (Debian: apt-get install python3-jsonschema "
                    "python3-yaml; ci/setup.sh installs them)";
  const auto script = fs::temp_directory_path() / ("netrig-schema-check-" + std::to_string(getpid()) + ".py");
  std::ofstream(script) << kCheck;

  std::string args = "'" + (kRoot / "docs/topology.schema.json").string() + "'";
  int topologies = 0;
  for (const char* dir : {"topologies", "tests/valid"}) {
    for (const auto& e : fs::directory_iterator(kRoot / dir)) {
      if (e.path().extension() != ".yaml") continue;
      args += " '" + e.path().string() + "'";
      ++topologies;
    }
  }
  // Whole labs in the docs (a ```yaml block with top-level name: and topology:) validate too.
  const auto examples = fs::temp_directory_path() / ("netrig-schema-examples-" + std::to_string(getpid()));
  fs::create_directories(examples);
  int shown = 0;
  for (const fs::path doc : {kRoot / "README.md", kRoot / "docs/topology-reference.md"}) {
    std::stringstream text;
    text << std::ifstream(doc).rdbuf();
    static const std::regex block("```yaml\n([^`]*)```");
    static const std::regex whole_lab("(^|\n)name:[^\n]*\n(.*\n)?topology:");
    const std::string s = text.str();
    for (std::sregex_iterator m(s.begin(), s.end(), block), end; m != end; ++m) {
      if (!std::regex_search((*m)[1].str(), whole_lab)) continue;
      const auto file = examples / (doc.stem().string() + "-" + std::to_string(++shown) + ".yaml");
      std::ofstream(file) << (*m)[1].str();
      args += " '" + file.string() + "'";
    }
  }
  // Files the schema alone must refuse (the parser refuses them all; the schema checks structure,
  // types and each kind's keys, not cross-references).
  for (const char* bad :
       {"10-unknown-top-level-key", "14-unknown-kind", "15-bridge-with-interfaces", "21-link-three-endpoints",
        "35-mtu-as-string", "42-non-net-sysctl", "44-test-with-two-checks", "49-udp-open-without-listen",
        "53-list-where-map-expected", "56-interface-named-lo", "72-to-with-prefix-length",
        // keys of another kind: each kind offers only its own
        "71-mtu-on-netns-node", "91-router-on-bridge", "120-dhcp-on-netns-node", "143-services-on-bridge",
        "144-services-on-vm", "193-memory-on-netns-node", "247-ports-on-netns-node", "248-memory-on-ovs-switch",
        "249-default-kind-vm-with-ovs-ports", "250-interfaces-on-ovs-switch",
        // topology.tunnels: the item's own structure (which switches and hosts it names is the parser's)
        "287-tunnels-one-switch", "288-tunnels-dst-port-with-gre", "289-tunnels-unknown-key",
        "290-tunnels-remote-given", "294-tunnels-unknown-type", "297-tunnels-switch-listed-twice",
        "298-tunnels-without-type"})
    args += " '!" + (kRoot / "tests/invalid" / (std::string(bad) + ".yaml")).string() + "'";

  auto r = run("python3 '" + script.string() + "' " + args + " 2>&1");
  fs::remove(script);
  fs::remove_all(examples);
  EXPECT_GE(topologies, 2);
  EXPECT_EQ(shown, 2) << "README.md and docs/topology-reference.md each show one whole lab";
  EXPECT_EQ(r.exit_code, 0) << r.out;
}

TEST(ParserSchema, SchemaHasAStableIdAndNetrigSchemaPrintsIt) {
  std::stringstream file;
  file << std::ifstream(kRoot / "docs/topology.schema.json").rdbuf();
  EXPECT_NE(file.str().find(R"("$id": "urn:netrig:schema:topology:1")"), std::string::npos);
  auto r = run(std::string(NETRIG_BINARY) + " schema");
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_EQ(r.out, file.str()) << "netrig schema prints docs/topology.schema.json as built";
  std::stringstream report;
  report << std::ifstream(kRoot / "docs/report.schema.json").rdbuf();
  EXPECT_EQ(run(std::string(NETRIG_BINARY) + " schema report").out, report.str());
  EXPECT_EQ(run(std::string(NETRIG_BINARY) + " schema bogus 2>/dev/null").exit_code, 2);
}

// An editor's view: yaml-language-server, given `netrig schema`'s output through a
// '# yaml-language-server: $schema=' line, flags a netns node's memory: and completes an ovs
// switch's keys and its ports' keys (and no other kind's).
TEST(ParserSchema, YamlLanguageServerFlagsOtherKindsKeysAndCompletesOvsPorts) {
  const char* env = std::getenv("NETRIG_YAML_LANGUAGE_SERVER");
  const fs::path server = env ? fs::path(env) : kRoot / ".cache/yaml-ls/node_modules/.bin/yaml-language-server";
  if (run("node --version 2>&1").exit_code != 0)
    GTEST_SKIP() << "node is not installed (Debian: apt-get install nodejs npm; ci/setup.sh installs them)";
  if (!fs::exists(server))
    GTEST_SKIP() << "yaml-language-server is not installed at " << server
                 << " (ci/setup.sh installs it with npm; or set NETRIG_YAML_LANGUAGE_SERVER)";
  const auto schema = fs::temp_directory_path() / ("netrig-schema-" + std::to_string(getpid()) + ".json");
  ASSERT_EQ(run(std::string(NETRIG_BINARY) + " schema > '" + schema.string() + "'").exit_code, 0);
  auto r = run("timeout 120 python3 '" + (kRoot / "tests/schema/yaml_language_server_check.py").string() + "' '" +
               server.string() + "' '" + schema.string() + "' 2>&1");
  fs::remove(schema);
  EXPECT_EQ(r.exit_code, 0) << r.out;
}

}  // namespace
}  // namespace netrig
