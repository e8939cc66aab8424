// `netrig doctor` probes the kernel for real in a scratch namespace and leaves nothing behind.
#include <nlohmann/json.hpp>
#include <sstream>

#include "harness.h"

namespace netrig_it {
namespace {

class DoctorTest : public NetrigTest {};

TEST_F(DoctorTest, ProbesTheKernelAndLeavesNothingBehind) {
  // Only doctor's own scratch namespaces (netrig-doctor-PID): other tests' labs come and go meanwhile.
  auto scratch = [] {
    std::string out;
    std::istringstream lines(ip({"netns", "list"}).out);
    for (std::string line; std::getline(lines, line);)
      if (line.rfind("netrig-doctor-", 0) == 0) out += line + "\n";
    return out;
  };
  auto namespaces_before = scratch();
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
  EXPECT_EQ(scratch(), namespaces_before) << "the scratch namespace was left behind";
}

}  // namespace
}  // namespace netrig_it
