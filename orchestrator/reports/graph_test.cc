// `netrig graph`: Mermaid, and DOT checked exactly against tests/golden/graph/*.dot
// (NETRIG_UPDATE_GOLDEN=1 rewrites them). SVG and PNG renderings: cli/graph_render_test.cc.
#include "reports/graph.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <sstream>

#include "build_paths.h"
#include "model/parser.h"

namespace netrig {
namespace {

const std::string kGolden = NETRIG_SOURCE_DIR "/tests/golden/graph/";

std::string golden(const std::string& name, const std::string& actual) {
  if (const char* u = std::getenv("NETRIG_UPDATE_GOLDEN"); u && *u == '1') std::ofstream(kGolden + name) << actual;
  std::ifstream in(kGolden + name);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

TEST(Graph, MermaidAndDotShowNodesAndLinks) {
  auto topo = parse_topology(R"(name: g
topology:
  nodes:
    br0: {kind: bridge}
    h-1:
      interfaces:
        eth0: {ipv4: 10.0.0.1/24}
  links:
    - endpoints: ["h-1:eth0", "br0"]
)",
                             "g.yaml");
  auto mermaid = mermaid_graph(topo);
  EXPECT_NE(mermaid.find("graph LR"), std::string::npos);
  EXPECT_NE(mermaid.find("n_br0[[\"br0 (bridge)\"]]"), std::string::npos);
  EXPECT_NE(mermaid.find("n_h_1 ---|\"eth0 10.0.0.1/24\"| n_br0"), std::string::npos);
  auto dot = dot_graph(topo);
  EXPECT_NE(dot.find("\"h-1\":\"eth0\" -- \"br0\";"), std::string::npos) << dot;
  EXPECT_NE(dot.find("\"br0\" [shape=hexagon"), std::string::npos) << dot;
  EXPECT_NE(dot.find("\"h-1\" [shape=box, style=rounded"), std::string::npos) << dot;
  EXPECT_EQ(dot.find("label=\""), std::string::npos) << "edges carry no labels to overlap: " << dot;
}

// Each kind its own shape; ports, VLAN modes, bonds, patch links and link MTUs as cells.
class GraphGolden : public ::testing::TestWithParam<std::string> {};

TEST_P(GraphGolden, DotIsExactlyTheGoldenFile) {
  const std::string file = GetParam();
  const std::string path = file.find('/') == std::string::npos ? kGolden + file + ".yaml"
                                                               : std::string(NETRIG_SOURCE_DIR "/") + file + ".yaml";
  const auto topo = load_topology(path);
  const std::string name = file.substr(file.rfind('/') + 1) + ".dot";
  const auto dot = dot_graph(topo);
  EXPECT_EQ(dot, golden(name, dot));
}

INSTANTIATE_TEST_SUITE_P(Files, GraphGolden,
                         ::testing::Values("kinds", "topologies/lecture26-security-groups", "topologies/lecture26-nat",
                                           "topologies/lecture25-ovs-vlan", "topologies/lecture25-ovs-bond",
                                           "topologies/lecture25-ovs-controller", "topologies/lecture24-vm-bridge"),
                         [](const auto& info) {
                           std::string n = info.param.substr(info.param.rfind('/') + 1);
                           for (auto& c : n)
                             if (!std::isalnum(static_cast<unsigned char>(c))) c = '_';
                           return n;
                         });

TEST(Graph, DotEscapesWhatHtmlLabelsCannotHold) {
  auto topo = parse_topology(R"(name: esc
topology:
  nodes:
    h1:
      interfaces:
        "a&b<c>": {ipv4: 10.0.0.1/24}
    h2:
      interfaces:
        eth0: {ipv4: 10.0.0.2/24}
  links:
    - endpoints: ["h1:a&b<c>", "h2:eth0"]
)",
                             "esc.yaml");
  auto dot = dot_graph(topo);
  EXPECT_NE(dot.find(">a&amp;b&lt;c&gt;<"), std::string::npos) << dot;
  EXPECT_NE(dot.find("PORT=\"a&amp;b&lt;c&gt;\""), std::string::npos) << dot;
}

}  // namespace
}  // namespace netrig
