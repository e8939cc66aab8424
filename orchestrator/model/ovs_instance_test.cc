#include "model/ovs_instance.h"

#include <gtest/gtest.h>

#include "model/parser.h"

namespace netrig {
namespace {

TEST(OvsInstance, OnlyAnAbsoluteUnixSocketOnThisMachine) {
  EXPECT_EQ(ovs_db_problem("unix:/var/run/openvswitch/db.sock"), "");
  EXPECT_NE(ovs_db_problem("tcp:127.0.0.1:6640"), "");
  EXPECT_NE(ovs_db_problem("ssl:10.0.0.1:6640"), "");
  EXPECT_NE(ovs_db_problem("unix:run/db.sock"), "");
  EXPECT_NE(ovs_db_problem("unix:/run/openvswitch/"), "");
  EXPECT_EQ(ovs_rundir_of("unix:/var/run/openvswitch/db.sock"), "/var/run/openvswitch");
  EXPECT_EQ(ovs_rundir_of("unix:/db.sock"), "/");
}

TEST(OvsInstance, NamesInTheSystemsOvsFitADeviceName) {
  EXPECT_EQ(system_ovs_name("", "br0"), "br0");
  EXPECT_EQ(system_ovs_name("ab-", "br0"), "ab-br0");
  const auto long_name = system_ovs_name("abcd-", "a-rather-long-port");
  EXPECT_EQ(long_name.size(), 15u);
  EXPECT_EQ(long_name.rfind("abcd-a-rat", 0), 0u);
  EXPECT_NE(system_ovs_name("abcd-", "a-rather-long-port2"), long_name);
  EXPECT_EQ(ovs_prefix_problem("auto"), "");
  EXPECT_EQ(ovs_prefix_problem("x-"), "");
  EXPECT_NE(ovs_prefix_problem("123456789"), "");
  EXPECT_NE(ovs_prefix_problem("a/b"), "");
}

TEST(OvsInstance, AutoPrefixDiffersBetweenLabs) {
  const char* text = "name: one\nsettings: {ovs: system, ovs_prefix: auto}\ntopology: {nodes: {h1: {}}}\n";
  auto one = parse_topology(text, "t.yaml");
  auto two = parse_topology(text, "t.yaml", {"two"});
  EXPECT_TRUE(uses_system_ovs(one));
  EXPECT_EQ(one.ovs_db, kSystemOvsDb);
  EXPECT_EQ(system_ovs_prefix(one).size(), 5u);
  EXPECT_NE(system_ovs_prefix(one), system_ovs_prefix(two));
  EXPECT_FALSE(uses_system_ovs(parse_topology("name: x\ntopology: {nodes: {h1: {}}}\n", "t.yaml")));
}

}  // namespace
}  // namespace netrig
