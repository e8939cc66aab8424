// docs/topology.schema.json: a valid draft 2020-12 schema, with a description on every property,
// that accepts every shipped topology (and tests/valid/) and rejects type mistakes. Runs with Python's jsonschema
// (Debian: python3-jsonschema, python3-yaml) and is skipped, with the reason, where it is missing.
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>

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
  // A few files the schema alone must refuse (the parser refuses them all; the schema checks
  // structure and types, not cross-references).
  for (const char* bad :
       {"10-unknown-top-level-key", "14-unknown-kind", "15-bridge-with-interfaces", "21-link-three-endpoints",
        "35-mtu-as-string", "42-non-net-sysctl", "44-test-with-two-checks", "49-udp-open-without-listen",
        "53-list-where-map-expected", "56-interface-named-lo", "72-to-with-prefix-length"})
    args += " '!" + (kRoot / "tests/invalid" / (std::string(bad) + ".yaml")).string() + "'";

  auto r = run("python3 '" + script.string() + "' " + args + " 2>&1");
  fs::remove(script);
  EXPECT_GE(topologies, 2);
  EXPECT_EQ(r.exit_code, 0) << r.out;
}

}  // namespace
}  // namespace netrig
