// `netrig validate FILE -o json`: the diagnostics as JSON on stdout, exit 2; changes nothing, needs
// no root.
#include <nlohmann/json.hpp>

#include "harness.h"

namespace netrig_it {
namespace {

TEST(ValidateJson, InvalidFilePrintsItsDiagnostics) {
  TempDir tmp;
  const auto file = tmp.file("bad.yaml");
  write_file(file, "name: x\ntopology:\n  nodes:\n    h1: {kind: netns}\n  linkz: []\n");
  auto r = netrig({"validate", file, "-o", "json"});
  EXPECT_EQ(r.exit_code, 2) << r.describe();
  auto j = nlohmann::json::parse(r.out);
  EXPECT_EQ(j["valid"], false);
  ASSERT_GE(j["diagnostics"].size(), 1u) << r.out;
  const auto& d = j["diagnostics"][0];
  EXPECT_EQ(d["file"], file);
  EXPECT_EQ(d["line"], 5);
  EXPECT_EQ(d["column"], 3);
  EXPECT_NE(d["message"].get<std::string>().find("linkz"), std::string::npos) << r.out;
  EXPECT_NE(d["hint"].get<std::string>().find("links"), std::string::npos) << r.out;
}

TEST(ValidateJson, ValidFileSaysSo) {
  auto r = netrig({"validate", topology_path("default.yaml"), "-o", "json"});
  EXPECT_EQ(r.exit_code, 0) << r.describe();
  auto j = nlohmann::json::parse(r.out);
  EXPECT_EQ(j["valid"], true);
  EXPECT_EQ(j["diagnostics"], nlohmann::json::array());
}

TEST(ValidateJson, UnreadableFileIsADiagnosticToo) {
  auto r = netrig({"validate", "/nonexistent/lab.yaml", "-o", "json"});
  EXPECT_EQ(r.exit_code, 2) << r.describe();
  auto j = nlohmann::json::parse(r.out);
  ASSERT_EQ(j["diagnostics"].size(), 1u);
  EXPECT_NE(j["diagnostics"][0]["message"].get<std::string>().find("cannot read"), std::string::npos);
}

}  // namespace
}  // namespace netrig_it
