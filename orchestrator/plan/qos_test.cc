// The tc objects of a QoS tree, checked against golden `tc` command lists in tests/golden/qos/
// (NETRIG_UPDATE_GOLDEN=1 rewrites them), and the u32 keys the driver hands to libnl.
#include "plan/qos.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <sstream>

#include "build_paths.h"
#include "model/parse_qos.h"
#include "model/parser.h"

namespace netrig {
namespace {

std::string golden(const std::string& name, const std::string& actual) {
  const std::string path = NETRIG_SOURCE_DIR "/tests/golden/qos/" + name;
  if (const char* u = std::getenv("NETRIG_UPDATE_GOLDEN"); u && *u == '1') std::ofstream(path) << actual;
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

Topology load(const std::string& file) { return load_topology(NETRIG_SOURCE_DIR "/tests/golden/qos/" + file); }

TEST(QosPlan, LectureTreeAsTcCommands) {
  auto topo = load("lecture27-htb.yaml");
  const auto* r = topo.find_node("r");
  ASSERT_NE(r, nullptr);
  auto objs = qos_objects(*r);
  auto text = qos_commands(objs, "q-r");
  EXPECT_EQ(text, golden("lecture27-htb.txt", text));
  // The lecture's numbering: root 1:1, children 1:10, 1:11, 1:12, default 1:12.
  ASSERT_GE(objs.size(), 5u);
  EXPECT_EQ(objs[0].default_class, 0x12u);
  EXPECT_EQ(objs[2].handle, 0x10010u);
  EXPECT_EQ(objs[2].rate, 6000000u);
  EXPECT_EQ(objs[2].ceil, 20000000u);
  // No burst in the file: tc's default bucket (rate / psched hz 1e9 + 1600 bytes) made explicit,
  // not libnl-route's 1500; the tc command leaves it out, as tc computes the same.
  EXPECT_EQ(objs[2].burst, std::optional<uint32_t>(1600));
  EXPECT_EQ(objs[2].cburst, std::optional<uint32_t>(1600));
  EXPECT_EQ(objs[2].tc.find("burst"), std::string::npos) << objs[2].tc;
}

TEST(QosPlan, DefaultBucketsAsTcComputesThem) {
  EXPECT_EQ(qos_default_htb_buffer(20000000), 1600u);
  EXPECT_EQ(qos_default_htb_buffer(10000000000ull), 1601u);          // 10 Gbit/s: 1.25e9 B/s / 1e9 = 1
  EXPECT_EQ(qos_default_htb_buffer(20000000, 100), 1600u + 25000u);  // an old HZ=100 kernel
  EXPECT_EQ(qos_default_tbf_burst(5000000), 6250u + 1600u);          // 10 ms of 5 Mbit/s + MTU
  EXPECT_EQ(qos_default_tbf_burst(1000), 1601u);                     // never below one MTU
}

TEST(QosPlan, U32KeysMergeOnOneWord) {
  InterfaceSpec i;
  i.kernel_name = "eth1";
  QosSpec q;
  EgressQos e;
  e.kind = "htb";
  e.root.name = "root";
  e.root.rate = e.root.ceil = 10000000;
  HtbClassSpec a;
  a.name = "a";
  a.rate = a.ceil = 10000000;
  e.root.children.push_back(a);
  QosFilterSpec f;
  f.src = IpPrefix::parse("10.1.2.0/24");
  f.protocol = "udp";
  f.sport = 53;
  f.dport = 5001;
  f.dscp = 46;
  f.class_name = "a";
  e.filters.push_back(f);
  q.egress = e;
  i.qos = q;
  auto objs = qos_objects(i);
  ASSERT_EQ(objs.size(), 4u);
  const auto& k = objs[3].keys;
  ASSERT_EQ(k.size(), 4u);
  EXPECT_EQ(k[0].offset, 12);
  EXPECT_EQ(k[0].value, 0x0a010200u);
  EXPECT_EQ(k[0].mask, 0xffffff00u);
  EXPECT_EQ(k[1].offset, 8);
  EXPECT_EQ(k[1].value, 17u << 16);
  EXPECT_EQ(k[2].offset, 0);
  EXPECT_EQ(k[2].value, 46u << 18);
  EXPECT_EQ(k[3].offset, 20);  // sport and dport share the word after the IP header
  EXPECT_EQ(k[3].value, (53u << 16) | 5001u);
  EXPECT_EQ(k[3].mask, 0xffffffffu);
  EXPECT_EQ(objs[3].flowid, 0x10010u);
  EXPECT_EQ(
      objs[3].tc,
      "tc filter add dev eth1 parent 1: protocol ip prio 1 u32 match ip src 10.1.2.0/24 match ip protocol 17 0xff "
      "match ip dsfield b8 0xfc match ip sport 53 0xffff match ip dport 5001 0xffff flowid 1:10");
}

TEST(QosPlan, TbfAndIfbIngress) {
  auto topo = load("lecture27-tbf.yaml");
  std::string text;
  for (const auto& n : topo.nodes) text += qos_commands(qos_objects(n), "q-" + n.name);
  EXPECT_EQ(text, golden("lecture27-tbf.txt", text));
  EXPECT_NE(text.find("type ifb"), std::string::npos);
  EXPECT_NE(text.find("mirred egress redirect dev ifb-eth1"), std::string::npos);
}

}  // namespace
}  // namespace netrig
