#include "api/deploy_request.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

namespace netrig::api {
namespace {

namespace fs = std::filesystem;

const char* kGood = "name: good\ntopology:\n  nodes:\n    a: {}\n";
const char* kBad = "name: bad\ntopology:\n  nodes:\n    a: {kind: nonsense}\n";

class DeployRequestTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("netrig-deploy-request-" + std::to_string(getpid()));
    fs::create_directories(dir_);
    std::ofstream(dir_ / "good.yaml") << kGood;
    std::ofstream(dir_ / "bad.yaml") << kBad;
    sources_.topology_dirs = {dir_.string()};
  }
  void TearDown() override { fs::remove_all(dir_); }
  DeployRequest json_body(const std::string& body) {
    return parse_deploy_request(body, "application/json", "", sources_);
  }
  fs::path dir_;
  DeploySources sources_;
};

TEST_F(DeployRequestTest, ANamedFileFromTheDirectories) {
  auto r = json_body(R"({"file": "good.yaml"})");
  ASSERT_EQ(r.status, 0) << r.error.dump();
  EXPECT_EQ(r.lab, "good");
  EXPECT_EQ(r.file, (dir_ / "good.yaml").string());
  EXPECT_EQ(r.text, kGood);
  r = json_body(R"({"file": "good.yaml", "name": "copy-1"})");
  EXPECT_EQ(r.lab, "copy-1");
}

TEST_F(DeployRequestTest, BadBodiesAndNames) {
  EXPECT_EQ(json_body("{not json").status, 400);
  EXPECT_EQ(json_body("[1]").status, 400);
  EXPECT_EQ(json_body(R"({"file": "good.yaml", "extra": 1})").status, 400);
  EXPECT_EQ(json_body(R"({"file": 3})").status, 400);
  EXPECT_EQ(json_body(R"({})").status, 400);
  EXPECT_EQ(json_body(R"({"file": "../good.yaml"})").status, 400);
  EXPECT_EQ(json_body(R"({"file": "/etc/passwd"})").status, 400);
  EXPECT_EQ(json_body(R"({"file": "good.yaml", "name": "a;rm -rf"})").status, 400);
  EXPECT_EQ(json_body(R"({"file": "good.yaml", "name": ")" + std::string(40, 'x') + "\"}").status, 400);
  EXPECT_EQ(json_body(R"({"file": "absent.yaml"})").status, 404);
  EXPECT_EQ(parse_deploy_request("x", "text/plain", "", sources_).status, 415);
  EXPECT_EQ(parse_deploy_request(R"({"file": "good.yaml"})", "application/json", "", {}).status, 403)
      << "no --topologies: nothing to deploy by name";
}

TEST_F(DeployRequestTest, AnInvalidFileIs422WithFileLineColumn) {
  auto r = json_body(R"({"file": "bad.yaml"})");
  EXPECT_EQ(r.status, 422);
  ASSERT_FALSE(r.error["diagnostics"].empty()) << r.error.dump(2);
  const auto& d = r.error["diagnostics"][0];
  EXPECT_EQ(d["file"], "bad.yaml");
  EXPECT_EQ(d["line"], 4);
  EXPECT_GT(d["column"].get<int>(), 0);
  EXPECT_NE(d["headline"].get<std::string>().find("bad.yaml:4:"), std::string::npos) << d.dump();
}

TEST_F(DeployRequestTest, PostedTopologiesOnlyWhenAllowed) {
  auto r = parse_deploy_request(kGood, "application/yaml", "posted", sources_);
  EXPECT_EQ(r.status, 403) << "a posted topology runs its exec: as root";
  sources_.allow_posted = true;
  r = parse_deploy_request(kGood, "application/yaml", "posted", sources_);
  ASSERT_EQ(r.status, 0) << r.error.dump();
  EXPECT_EQ(r.lab, "posted");
  EXPECT_EQ(r.file, "");
  r = json_body(R"({"topology": "name: t\ntopology:\n  nodes:\n    a: {kind: nonsense}\n"})");
  EXPECT_EQ(r.status, 422);
  EXPECT_EQ(r.error["diagnostics"][0]["file"], "posted-topology.yaml");
}

}  // namespace
}  // namespace netrig::api
