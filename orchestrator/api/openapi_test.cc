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
      if (key == "post" || key == "delete")
        EXPECT_TRUE(op.contains("security")) << key << " " << path << " needs the token: say so";
    }
  EXPECT_EQ(in_doc, in_code);
}

TEST(StatusPage, NeedsNothingFromOtherMachines) {
  const std::string page = kStatusPage;
  EXPECT_NE(page.find("<html"), std::string::npos);
  for (const char* external : {"http://", "https://", "//cdn", "<link "})
    EXPECT_EQ(page.find(external), std::string::npos) << "the page loads " << external;
}

}  // namespace
}  // namespace netrig::api
