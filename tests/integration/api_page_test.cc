// The status page at / in a real browser (Debian's chromium, headless): it draws the nodes of a
// deployed lab and its latest check results from the API. A screenshot is kept in
// netrig-artifacts/api-status-page.png (beside the test's working directory).
#include "api_serve.h"
#include "harness.h"

namespace netrig_it {
namespace {

const char* kLab = R"(name: it-page
topology:
  nodes:
    sw: {kind: bridge}
    a:
      interfaces:
        eth0: {ipv4: 10.97.5.1/24}
    b:
      interfaces:
        eth0: {ipv4: 10.97.5.2/24}
  links:
    - endpoints: ["a:eth0", "sw"]
    - endpoints: ["b:eth0", "sw"]
tests:
  - name: a reaches b
    ping: {from: a, to: b, count: 1}
  - name: b fails on purpose
    exec: {node: b, cmd: "false"}
)";

class ApiPageTest : public NetrigTest {};

TEST_F(ApiPageTest, ChromiumDrawsTheLabsNodesAndCheckResults) {
  auto chromium = run({"/bin/sh", "-c", "command -v chromium"}, 10).out;
  while (!chromium.empty() && std::isspace(static_cast<unsigned char>(chromium.back()))) chromium.pop_back();
  if (chromium.empty()) GTEST_SKIP() << "chromium not installed (Debian package chromium; ci/setup.sh installs it)";
  const auto file = tmp_.file("page.yaml");
  write_file(file, kLab);
  auto& lab = new_lab(file);
  ASSERT_EQ(netrig({"deploy", file, "--name", lab.lab()}, 60).exit_code, 0);
  ASSERT_EQ(netrig({"check", lab.lab(), "--artifacts", tmp_.file("artifacts")}, 60).exit_code, 1);
  Serve serve({"--jobs-dir", tmp_.file("jobs")});
  ASSERT_TRUE(serve.listening()) << serve.child().err();
  const std::string url = "http://127.0.0.1:" + std::to_string(serve.port()) + "/";
  // A browser that talks to nothing but this serve.
  std::vector<std::string> browser{chromium,
                                   "--headless",
                                   "--no-sandbox",
                                   "--disable-gpu",
                                   "--no-first-run",
                                   "--disable-background-networking",
                                   "--disable-component-update",
                                   "--disable-sync",
                                   "--user-data-dir=" + tmp_.file("chromium")};
  auto dump_args = browser;
  dump_args.insert(dump_args.end(), {"--dump-dom", url});
  auto dom = run(dump_args, 60);
  ASSERT_EQ(dom.exit_code, 0) << dom.describe();
  const auto& html = dom.out;
  EXPECT_NE(html.find("data-lab=\"" + lab.lab() + "\""), std::string::npos) << html;
  for (const char* node : {"a", "b", "sw"})
    EXPECT_NE(html.find(std::string("<tr class=\"node\" data-node=\"") + node + "\""), std::string::npos)
        << node << "\n"
        << html;
  EXPECT_NE(html.find("<tr class=\"check passed\" data-check=\"a reaches b\""), std::string::npos) << html;
  EXPECT_NE(html.find("<tr class=\"check failed\" data-check=\"b fails on purpose\""), std::string::npos) << html;
  EXPECT_NE(html.find("data-group=\"ping\""), std::string::npos) << "a button per check group";
  EXPECT_NE(html.find("<svg"), std::string::npos) << "the lab drawn";

  std::error_code ec;
  fs::create_directories("netrig-artifacts", ec);
  auto shot_args = browser;
  shot_args.insert(
      shot_args.end(),
      {"--window-size=1000,900", "--screenshot=" + fs::absolute("netrig-artifacts/api-status-page.png").string(), url});
  auto shot = run(shot_args, 60);
  EXPECT_EQ(shot.exit_code, 0) << shot.describe();
  EXPECT_GT(fs::file_size("netrig-artifacts/api-status-page.png", ec), 1000u);
}

}  // namespace
}  // namespace netrig_it
