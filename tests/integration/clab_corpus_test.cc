// containerlab's own topology files (tests/clab/, byte-for-byte containerlab's) deploy unchanged
// and pass the checks of their tests overlays (`netrig test FILE --tests OVERLAY`), and destroy
// leaves nothing: no namespace, host device, mount, cgroup, container process, overlay directory or
// state. Skipped (with the reason) when runc, tini-static or the netrig/debian image is missing.
#include "drivers/container.h"
#include "harness.h"

namespace netrig_it {
namespace {

struct CorpusFile {
  const char* file;     // under tests/clab/
  const char* overlay;  // its tests overlay
  double timeout_s;
};

class ClabCorpusTest : public NetrigTest, public ::testing::WithParamInterface<CorpusFile> {
 protected:
  void SetUp() override {
    NetrigTest::SetUp();
    if (IsSkipped()) return;
    if (access("/usr/sbin/runc", X_OK) != 0 && access("/usr/bin/runc", X_OK) != 0)
      GTEST_SKIP() << "runc is not installed (ci/setup.sh installs it)";
    if (access("/usr/bin/tini-static", X_OK) != 0) GTEST_SKIP() << "tini-static is not installed (Debian: tini)";
    if (!netrig::find_container_image("netrig/debian"))
      GTEST_SKIP() << "image netrig/debian is not in " << netrig::container_store()
                   << " (images/build-container.sh builds it; it needs mmdebstrap and Debian's mirror)";
  }
};

TEST_P(ClabCorpusTest, DeploysUnchangedPassesItsChecksAndLeavesNothing) {
  const auto& c = GetParam();
  const auto file = source_dir() + "/tests/clab/" + c.file;
  const auto overlay = source_dir() + "/tests/clab/" + c.overlay;
  auto& lab = new_lab(file);
  auto before = snapshot(lab.lab());
  const auto json = tmp_.file("report.json");
  auto t = netrig({"test", file, "--tests", overlay, "--name", lab.lab(), "--json-report", json}, c.timeout_s);
  EXPECT_EQ(t.exit_code, 0) << t.describe();
  // Every check of the overlay ran and passed (none skipped).
  const auto report = read_file(json);
  EXPECT_EQ(report.find("\"status\": \"failed\""), std::string::npos) << report;
  EXPECT_EQ(report.find("\"status\": \"skipped\""), std::string::npos) << report;
  expect_same_host(lab.lab(), before, "after netrig test");
  EXPECT_EQ(container_residue(lab.lab()), std::vector<std::string>{});
  EXPECT_FALSE(fs::exists(state_dir(lab.lab()))) << "state (and overlay directories) left";
}

INSTANTIATE_TEST_SUITE_P(Corpus, ClabCorpusTest,
                         ::testing::Values(CorpusFile{"01-linux-nodes.clab.yml", "01-linux-nodes.tests.yaml", 180},
                                           CorpusFile{"03-linux-nodes-to-bridge-and-host.clab.yml",
                                                      "03-linux-nodes-to-bridge-and-host.tests.yaml", 180},
                                           CorpusFile{"05-docker-bridge.clab.yml", "05-docker-bridge.tests.yaml", 180},
                                           CorpusFile{"12-tools-veth.clab.yaml", "12-tools-veth.tests.yaml", 180},
                                           CorpusFile{"frr01/frr01.clab.yml", "frr01/frr01.tests.yaml", 280}),
                         [](const auto& info) {
                           std::string name = info.param.file;
                           name = name.substr(name.rfind('/') + 1);
                           name = name.substr(0, name.find('.'));
                           std::string id;
                           for (char ch : name)
                             if (std::isalnum(static_cast<unsigned char>(ch))) id += ch;
                           return "f" + id;
                         });

// The file itself is not touched by a run: netrig reads it, and nothing writes beside it.
TEST(ClabCorpus, FilesAreContainerlabsBytes) {
  // sha256 prefixes of the files as containerlab ships them (commit 39ff2b7c).
  const std::vector<std::pair<std::string, std::string>> files = {
      {"01-linux-nodes.clab.yml", "bc7a18a65b0e9fdd"},
      {"03-linux-nodes-to-bridge-and-host.clab.yml", "d84954371ec9ae7d"},
      {"05-docker-bridge.clab.yml", "e3c3feede01dfbb8"},
      {"12-tools-veth.clab.yaml", "518028a5661f9e8d"},
      {"frr01/frr01.clab.yml", "fbc2b89610bb8042"},
      {"frr01/router1/frr.conf", "c88ff146e6ed3f68"},
  };
  for (const auto& [f, sum] : files) {
    auto r = run({"/bin/sh", "-c", "sha256sum < '" + source_dir() + "/tests/clab/" + f + "' | cut -c1-16"});
    EXPECT_EQ(r.out, sum + "\n") << f << " differs from containerlab's";
  }
}

}  // namespace
}  // namespace netrig_it
