// `netrig plan` over every shipped topology, checked against tests/golden/plan/ (text and JSON):
// refactors of the planner must leave the dry run byte-identical unless they mean to change it.
// NETRIG_UPDATE_GOLDEN=1 rewrites the files; review the diff before committing it.
#include "plan/dry_run.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "build_paths.h"
#include "model/parser.h"

namespace netrig {
namespace {

namespace fs = std::filesystem;

std::string read_golden(const fs::path& path, const std::string& actual) {
  if (const char* u = std::getenv("NETRIG_UPDATE_GOLDEN"); u && *u == '1') std::ofstream(path) << actual;
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

std::vector<fs::path> shipped_topologies() {
  std::vector<fs::path> files;
  for (const char* dir : {"topologies", "tests/labs", "tests/valid"})
    for (const auto& e : fs::directory_iterator(fs::path(NETRIG_SOURCE_DIR) / dir))
      if (e.path().extension() == ".yaml") files.push_back(e.path());
  std::sort(files.begin(), files.end());
  return files;
}

TEST(DryRun, EveryShippedTopologyMatchesItsGolden) {
  const fs::path golden_dir = fs::path(NETRIG_SOURCE_DIR) / "tests/golden/plan";
  auto files = shipped_topologies();
  ASSERT_GE(files.size(), 20u);
  for (const auto& file : files) {
    SCOPED_TRACE(file.string());
    const auto plan = make_plan(load_topology(file.string()));
    const auto base = file.parent_path().filename().string() + "-" + file.stem().string();
    const auto text = plan_text(plan);
    const auto json = plan_json(plan).dump(2) + "\n";
    EXPECT_EQ(text, read_golden(golden_dir / (base + ".txt"), text));
    EXPECT_EQ(json, read_golden(golden_dir / (base + ".json"), json));
  }
}

TEST(DryRun, TextListsEveryStepWithItsDependencies) {
  const auto plan = make_plan(parse_topology(R"(name: t
topology:
  nodes:
    br0: {kind: bridge}
    a: {interfaces: {eth0: {ipv4: 10.0.0.1/24}}}
  links:
    - endpoints: ["a:eth0", "br0"]
)",
                                             "t.yaml"));
  const auto text = plan_text(plan);
  EXPECT_EQ(text.rfind("plan for lab 't': " + std::to_string(plan.steps.size()) + " steps\n", 0), 0u) << text;
  for (const auto& s : plan.steps) EXPECT_NE(text.find(s.describe()), std::string::npos) << s.describe();
  EXPECT_NE(text.find(" after 0"), std::string::npos) << text;
  EXPECT_EQ(plan_json(plan)["steps"].size(), plan.steps.size());
}

}  // namespace
}  // namespace netrig
