// iperf3 flow groups in tests: (several clients at once, a ratio with a tolerance): what parses
// and what is refused with its place.
#include <gtest/gtest.h>

#include "model/parse_test_util.h"
#include "model/parser.h"

namespace netrig {
namespace {

const std::string kLab = R"(name: g
topology:
  nodes:
    lan: {kind: bridge}
    h1: {interfaces: {eth0: 10.0.0.1/24}}
    h2: {interfaces: {eth0: 10.0.0.2/24}}
    srv: {interfaces: {eth0: 10.0.0.9/24}}
  links:
    - endpoints: ["h1:eth0", "lan"]
    - endpoints: ["h2:eth0", "lan"]
    - endpoints: ["srv:eth0", "lan"]
tests:
)";

// The first error of the lab with these tests.
std::string tests_error(const std::string& tests) { return first_error(kLab + tests); }

TEST(ParseIperf3Flows, AGroupWithRatioAndTolerance) {
  auto t = parse_topology(kLab + R"(  - iperf3:
      to: srv
      seconds: 3
      flows: [{from: h1, min_mbps: 1}, {from: h2}]
      ratio: [3, 1]
      tolerance: 20%
)",
                          "t.yaml");
  ASSERT_EQ(t.checks.size(), 1u);
  const auto& c = t.checks[0];
  ASSERT_EQ(c.flows.size(), 2u);
  EXPECT_EQ(c.flows[0].node, "h1");
  EXPECT_EQ(c.flows[0].min_mbps, std::optional<double>(1));
  EXPECT_EQ(c.flows[1].node, "h2");
  EXPECT_EQ(c.ratio, (std::vector<double>{3, 1}));
  EXPECT_DOUBLE_EQ(c.ratio_tolerance, 0.2);
  EXPECT_EQ(c.name, "iperf3 tcp h1+h2 -> srv");
}

TEST(ParseIperf3Flows, MistakesAreRefusedWithTheirPlace) {
  EXPECT_NE(tests_error("  - iperf3: {to: srv, flows: [{from: h1}, {from: h2}], ratio: [3]}\n")
                .find("'ratio' has 1 weights for 2 flows"),
            std::string::npos);
  EXPECT_NE(tests_error("  - iperf3: {to: srv, flows: [{from: h1}]}\n").find("has 1 flows"), std::string::npos);
  EXPECT_NE(tests_error("  - iperf3: {from: h1, to: srv, ratio: [3, 1]}\n").find("'ratio' is for a group"),
            std::string::npos);
  EXPECT_NE(tests_error("  - iperf3: {to: srv, flows: [{from: h1}, {from: h2}], ratio: [3, 1], tolerance: 150%}\n")
                .find("'tolerance' 150% is not"),
            std::string::npos);
  EXPECT_NE(tests_error("  - iperf3: {to: srv, flows: [{from: h1}, {from: hx}]}\n").find("unknown node 'hx'"),
            std::string::npos);
  const auto at = tests_error("  - iperf3: {to: srv, flows: [{from: h1}, {form: h2}]}\n");
  EXPECT_NE(at.find("t.yaml:13:"), std::string::npos) << at;
}

TEST(ParseIperf3Flows, OmitIsWarmUpSecondsFromZeroToTen) {
  auto t = parse_topology(kLab + "  - iperf3: {from: h1, to: srv, seconds: 4, omit: 1}\n", "t.yaml");
  ASSERT_EQ(t.checks.size(), 1u);
  EXPECT_EQ(t.checks[0].omit_s, 1);
  EXPECT_EQ(parse_topology(kLab + "  - iperf3: {from: h1, to: srv}\n", "t.yaml").checks[0].omit_s, 0);
  const auto e = tests_error("  - iperf3: {to: srv, flows: [{from: h1}, {from: h2}], omit: 11}\n");
  EXPECT_NE(e.find("'omit'"), std::string::npos) << e;
  EXPECT_NE(e.find("t.yaml:13:"), std::string::npos) << e;
}

}  // namespace
}  // namespace netrig
