// tests/api/api_curl.sh against this build: the whole HTTP API with curl and jq (health, deploy,
// checks, JUnit, events with Last-Event-ID, metrics through promtool, OpenAPI, destroy; 401 and
// nothing changed without the token). The script starts and stops its own serve.
#include "harness.h"

namespace netrig_it {
namespace {

class ApiCurlTest : public NetrigTest {};

TEST_F(ApiCurlTest, TheCurlScriptPasses) {
  const auto script = source_dir() + "/tests/api/api_curl.sh";
  auto& lab = new_lab(source_dir() + "/tests/api/tour.yaml");  // destroyed whatever happens
  auto r = run({"/bin/bash", script, netrig_binary()}, 240, {{"LAB", lab.lab()}});
  if (r.exit_code == 77) GTEST_SKIP() << r.out;
  ASSERT_EQ(r.exit_code, 0) << r.describe();
  EXPECT_NE(r.out.find("api_curl: all 10 steps passed"), std::string::npos) << r.out;
  EXPECT_FALSE(fs::exists("/run/netrig/" + lab.lab())) << "the script destroys the lab through the API";
}

}  // namespace
}  // namespace netrig_it
