// OVS QoS of switch ports (lecture 27): what parses into bit/s, and what is refused at its place
// (more files with positions in tests/invalid/264-265).
#include <gtest/gtest.h>

#include "model/parse_test_util.h"
#include "model/parser.h"

namespace netrig {
namespace {

const std::string kLab = R"(name: o
topology:
  nodes:
    br0:
      kind: ovs
      ports:
        p1: {ingress_policing_rate: 100000, ingress_policing_burst: 10000}
        p2:
          qos:
            type: linux-htb
            max_rate: 10mbit
            queues:
              0: {min_rate: 3mbit, max_rate: 10mbit}
              1: {min_rate: 1mbit, max_rate: 10mbit, priority: 2}
              2: {min_rate: 6mbit}
      flows:
        - in_port=p1,actions=enqueue:p2:1
        - in_port=p2,actions=set_queue:2,normal
    h1: {interfaces: {eth0: 10.0.0.1/24}}
    h2: {interfaces: {eth0: 10.0.0.2/24}}
  links:
    - endpoints: ["h1:eth0", "br0:p1"]
    - endpoints: ["h2:eth0", "br0:p2"]
)";

std::string with(const std::string& from, const std::string& to) { return replaced(kLab, from, to); }

TEST(ParseOvsQos, QueuesInBitsPerSecondAndPolicingInOvsUnits) {
  auto t = parse_topology(kLab, "t.yaml");
  const auto& o = *t.find_node("br0")->ovs;
  const auto* p1 = o.find_port("p1");
  EXPECT_EQ(p1->policing_rate_kbps, std::optional<uint64_t>(100000));
  EXPECT_EQ(p1->policing_burst_kbit, std::optional<uint64_t>(10000));
  EXPECT_FALSE(p1->qos);
  const auto& q = *o.find_port("p2")->qos;
  EXPECT_EQ(q.type, "linux-htb");
  EXPECT_EQ(q.max_rate, std::optional<uint64_t>(10000000));
  ASSERT_EQ(q.queues.size(), 3u);
  EXPECT_EQ(q.queues[1].id, 1u);
  EXPECT_EQ(q.queues[1].min_rate, std::optional<uint64_t>(1000000));
  EXPECT_EQ(q.queues[1].priority, std::optional<int>(2));
  EXPECT_FALSE(q.queues[2].max_rate);
  // A rate with a unit is converted to OVS's kbit/s.
  auto u = parse_topology(with("ingress_policing_rate: 100000", "ingress_policing_rate: 5mbit"), "t.yaml");
  EXPECT_EQ(u.find_node("br0")->ovs->find_port("p1")->policing_rate_kbps, std::optional<uint64_t>(5000));
}

TEST(ParseOvsQos, MistakesAreRefusedWithTheirPlace) {
  auto e = first_error(with("0: {min_rate: 3mbit, max_rate: 10mbit}", "0: {min_rate: 3mbit, max_rate: 20mbit}"));
  EXPECT_NE(e.find("t.yaml:13:46:"), std::string::npos) << e;
  EXPECT_NE(e.find("above the port's qos max_rate 10mbit"), std::string::npos) << e;
  e = first_error(with("{min_rate: 6mbit}", "{min_rate: 6mbits}"));
  EXPECT_NE(e.find("unknown unit 'mbits'"), std::string::npos) << e;
  e = first_error(with("enqueue:p2:1", "enqueue:p2:7"));
  EXPECT_NE(e.find("t.yaml:17:"), std::string::npos) << e;
  EXPECT_NE(e.find("enqueues to queue 7 of port 'p2', which has no such queue"), std::string::npos) << e;
  e = first_error(with("enqueue:p2:1", "enqueue:p1:0"));
  EXPECT_NE(e.find("port 'p1' of ovs 'br0', which has no qos"), std::string::npos) << e;
  e = first_error(with("set_queue:2", "set_queue:5"));
  EXPECT_NE(e.find("sets queue 5, which no port of ovs 'br0' has"), std::string::npos) << e;
  e = first_error(with("{min_rate: 6mbit}", "{min_rate: 7mbit}"));
  EXPECT_NE(e.find("add up to 11mbit, more than its qos max_rate 10mbit"), std::string::npos) << e;
  e = first_error(with("type: linux-htb", "type: linux-hbt"));
  EXPECT_NE(e.find("did you mean 'linux-htb'"), std::string::npos) << e;
  e = first_error(with("p1: {ingress_policing_rate: 100000, ingress_policing_burst: 10000}",
                       "p1: {ingress_policing_burst: 10000}"));
  EXPECT_NE(e.find("no 'ingress_policing_rate'"), std::string::npos) << e;
  e = first_error(with("0: {min_rate: 3mbit, max_rate: 10mbit}", "0: {min_rate: 3mbit, max_rate: 2mbit}"));
  EXPECT_NE(e.find("min_rate 3mbit is above its max_rate 2mbit"), std::string::npos) << e;
}

}  // namespace
}  // namespace netrig
