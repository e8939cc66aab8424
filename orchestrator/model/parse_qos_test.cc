// tc units and the qos: block (the error cases with file positions are files in tests/invalid/).
#include "model/parse_qos.h"

#include <gtest/gtest.h>

#include "model/parse_test_util.h"
#include "model/parser.h"

namespace netrig {
namespace {

TEST(QosUnits, RatesAsTcSpellsThem) {
  std::string why;
  EXPECT_EQ(parse_qos_rate("20mbit", why), 20000000u);
  EXPECT_EQ(parse_qos_rate("1gbit", why), 1000000000u);
  EXPECT_EQ(parse_qos_rate("100kbps", why), 800000u);  // tc's bps is bytes per second
  EXPECT_EQ(parse_qos_rate("1.5Mbit", why), 1500000u);
  EXPECT_FALSE(parse_qos_rate("20", why));
  EXPECT_NE(why.find("no unit"), std::string::npos);
  EXPECT_FALSE(parse_qos_rate("20mbits", why));
  EXPECT_NE(why.find("unknown unit 'mbits'"), std::string::npos) << why;
  EXPECT_NE(why.find("did you mean 'mbit'"), std::string::npos) << why;
  EXPECT_FALSE(parse_qos_rate("fast", why));
  EXPECT_EQ(parse_qos_size("32k", why), 32768u);
  EXPECT_EQ(parse_qos_size("1600", why), 1600u);
  EXPECT_EQ(parse_qos_time("50ms", why), 50000u);
  EXPECT_EQ(qos_rate_text(20000000), "20mbit");
  EXPECT_EQ(qos_rate_text(1500000), "1500kbit");
}

const char* kLab = R"(name: q
topology:
  nodes:
    r:
      interfaces:
        eth0:
          ipv4: 10.0.0.1/24
          qos:
            egress:
              htb:
                rate: 20mbit
                default: c1
                classes:
                  a: {rate: 30%, leaf: {kind: pfifo, limit: 5}}
                  b: {rate: 2mbit, ceil: 50%, prio: 1}
                  c:
                    rate: 60%
                    classes:
                      c1: {rate: 50%}
                      c2: {rate: 4mbit, ceil: 10mbit, leaf: sfq}
              filters:
                - {src: 10.0.0.2, class: a}
                - {src: 10.0.1.0/24, protocol: tcp, dport: 80, class: c2}
            ingress: {rate: 5mbit}
    h:
      interfaces:
        eth0: 10.0.0.2/24
  links:
    - endpoints: ["r:eth0", "h:eth0"]
)";

TEST(ParseQos, TreeResolvedToBitsPerSecond) {
  auto topo = parse_topology(kLab, "t.yaml");
  const auto& q = *topo.nodes[0].interfaces[0].qos;
  ASSERT_TRUE(q.egress);
  EXPECT_EQ(q.egress->kind, "htb");
  const auto& root = q.egress->root;
  EXPECT_EQ(root.rate, 20000000u);
  ASSERT_EQ(root.children.size(), 3u);
  EXPECT_EQ(root.children[0].rate, 6000000u);
  EXPECT_EQ(root.children[0].ceil, 20000000u);  // the parent's ceil by default
  EXPECT_EQ(root.children[1].ceil, 10000000u);
  EXPECT_EQ(root.children[2].children[0].rate, 6000000u);  // 50% of its parent's 12mbit
  EXPECT_EQ(q.egress->default_class, "c1");
  ASSERT_EQ(q.egress->filters.size(), 2u);
  EXPECT_EQ(q.egress->filters[1].src->str(), "10.0.1.0/24");
  ASSERT_TRUE(q.ingress);
  EXPECT_EQ(q.ingress->rate, 5000000u);
  EXPECT_EQ(q.ingress->method, "ifb");
}

// The first diagnostic's headline and hint, "headline | hint".
std::string error_and_hint(const std::string& text) {
  auto d = first_diagnostic(text);
  return d ? d->headline() + " | " + d->hint : "";
}

std::string with(const std::string& from, const std::string& to) { return replaced(kLab, from, to); }

TEST(ParseQos, MistakesAreRejectedWithTheirPlace) {
  EXPECT_NE(
      error_and_hint(with("rate: 2mbit, ceil: 50%", "rate: 25mbit")).find("above its parent 'root''s ceil 20mbit"),
      std::string::npos);
  EXPECT_NE(error_and_hint(with("rate: 2mbit, ceil: 50%", "rate: 2mbit, ceil: 1mbit")).find("below its rate"),
            std::string::npos);
  EXPECT_NE(error_and_hint(with("rate: 20mbit", "rate: 20mbits")).find("t.yaml:11:"), std::string::npos);
  EXPECT_NE(error_and_hint(with("class: a}", "class: x}")).find("names no class"), std::string::npos);
  EXPECT_NE(error_and_hint(with("class: c2}", "class: c}")).find("has child classes"), std::string::npos);
  EXPECT_NE(error_and_hint(with("default: c1", "default: nope")).find("names no class"), std::string::npos);
  EXPECT_NE(error_and_hint(with("rate: 20mbit", "rate: 50%")).find("no parent rate"), std::string::npos);
  EXPECT_NE(error_and_hint(with("rate: 60%", "rate: 80%")).find("add up to 24mbit"), std::string::npos);
  EXPECT_NE(error_and_hint(with("leaf: sfq", "leaf: sfqq")).find("did you mean 'sfq'"), std::string::npos);
  EXPECT_NE(error_and_hint(with("{rate: 5mbit}", "{rate: 5mbit, method: drop}")).find("not ifb or police"),
            std::string::npos);
}

}  // namespace
}  // namespace netrig
