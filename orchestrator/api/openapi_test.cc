#include <gtest/gtest.h>

#include <algorithm>
#include <nlohmann/json.hpp>
#include <set>

#include "api/assets.h"
#include "api/server.h"

namespace netrig::api {
namespace {

using nlohmann::json;

// Every route serve answers (the table its gate refuses anything else by) is in docs/openapi.json
// with exactly its methods, and the document describes no route serve lacks.
TEST(OpenApi, DescribesExactlyTheRoutesServeAnswers) {
  auto doc = json::parse(kOpenApi, nullptr, false);
  ASSERT_FALSE(doc.is_discarded()) << "docs/openapi.json is not JSON";
  EXPECT_EQ(doc["openapi"].get<std::string>().rfind("3.", 0), 0u);
  std::set<std::string> in_code, in_doc;
  for (const auto& r : api_routes())
    for (auto m : r.methods) {
      std::transform(m.begin(), m.end(), m.begin(), ::tolower);
      in_code.insert(m + " " + r.path);
    }
  for (const auto& [path, item] : doc["paths"].items())
    for (const auto& [key, op] : item.items()) {
      if (key == "parameters") continue;
      in_doc.insert(key + " " + path);
      EXPECT_TRUE(op.contains("responses")) << key << " " << path;
      if (key == "post" || key == "delete") {
        EXPECT_TRUE(op.contains("security")) << key << " " << path << " needs the token: say so";
      }
    }
  EXPECT_EQ(in_doc, in_code);
}

// serve's gate matches paths against these templates (no std::regex per request).
TEST(OpenApi, PathTemplatesMatchOneNonEmptySegmentPerParameter) {
  EXPECT_TRUE(path_matches("/api/v1/labs/x", "/api/v1/labs/{lab}"));
  EXPECT_TRUE(path_matches("/api/v1/labs/x/checks/junit", "/api/v1/labs/{lab}/checks/junit"));
  EXPECT_TRUE(path_matches("/api/v1/labs", "/api/v1/labs"));
  EXPECT_FALSE(path_matches("/api/v1/labs/", "/api/v1/labs/{lab}"));
  EXPECT_FALSE(path_matches("/api/v1/labs/a/b", "/api/v1/labs/{lab}"));
  EXPECT_FALSE(path_matches("/api/v1/labs/a", "/api/v1/labs/{lab}/checks"));
  EXPECT_FALSE(path_matches("/api/v1/labsx", "/api/v1/labs"));
  EXPECT_FALSE(path_matches("/api/v1/lab", "/api/v1/labs"));
  EXPECT_FALSE(path_matches("", "/"));
  EXPECT_TRUE(path_matches("/", "/"));
  // Every route matches its own template with a name filled in, and no other route's.
  for (const auto& r : api_routes()) {
    std::string p = r.path;
    for (auto at = p.find('{'); at != std::string::npos; at = p.find('{')) p.replace(at, p.find('}') - at + 1, "n1");
    int matched = 0;
    for (const auto& other : api_routes()) matched += path_matches(p, other.path);
    EXPECT_TRUE(path_matches(p, r.path)) << p;
    EXPECT_EQ(matched, 1) << p;
  }
}

TEST(StatusPage, NeedsNothingFromOtherMachines) {
  const std::string page = kStatusPage;
  EXPECT_NE(page.find("<html"), std::string::npos);
  for (const char* external : {"http://", "https://", "//cdn", "<link "})
    EXPECT_EQ(page.find(external), std::string::npos) << "the page loads " << external;
}

}  // namespace
}  // namespace netrig::api
