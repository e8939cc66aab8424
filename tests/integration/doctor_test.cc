// `netrig doctor` probes the kernel for real in a scratch namespace and leaves nothing behind.
#include <nlohmann/json.hpp>

#include "harness.h"

namespace netrig_it {
namespace {

class DoctorTest : public NetrigTest {};

TEST_F(DoctorTest, ProbesTheKernelAndLeavesNothingBehind) {
  auto namespaces_before = ip({"netns", "list"}).out;
  auto r = netrig({"doctor", "--output", "json"});
  ASSERT_EQ(r.exit_code, 0) << r.describe();
  auto caps = nlohmann::json::parse(r.out);
  std::map<std::string, bool> available;
  for (const auto& c : caps) available[c["feature"]] = c["available"];
  // What every netrig lab stands on must have been found working by a real probe.
  for (const char* feature : {"root", "network namespaces", "veth", "linux bridge"})
    EXPECT_TRUE(available[feature]) << feature << "\n" << r.describe();
  for (const char* feature : {"802.1q vlan devices", "vxlan", "neighbour table", "bridge netfilter", "tool ping"})
    EXPECT_TRUE(available.count(feature)) << "doctor does not report " << feature;
  EXPECT_EQ(ip({"netns", "list"}).out, namespaces_before) << "the scratch namespace was left behind";
}

}  // namespace
}  // namespace netrig_it
