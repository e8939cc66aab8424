#include "reports/graph.h"

#include <gtest/gtest.h>

#include "model/parser.h"

namespace netrig {
namespace {

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
  EXPECT_NE(dot.find("\"h-1\" -- \"br0\""), std::string::npos);
  EXPECT_NE(dot.find("\"br0\" [shape=box]"), std::string::npos);
}

}  // namespace
}  // namespace netrig
