// `netrig graph -f svg|png` through the binary and the real Graphviz: SVG checked by structure
// (every node and edge, by title; no edge text; the port and VLAN texts) since layouts differ
// between Graphviz versions, PNG by its header and size. Skipped, with the reason, without `dot`
// (Debian: graphviz; ci/setup.sh installs it).
#include "cli/graph_render.h"

#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <regex>
#include <set>
#include <string>

#include "build_paths.h"
#include "drivers/process.h"
#include "model/parser.h"
#include "reports/graph.h"

namespace netrig {
namespace {

namespace fs = std::filesystem;
const std::string kRoot = NETRIG_SOURCE_DIR;

struct Run {
  int exit_code = -1;
  std::string out;
};

Run run(const std::string& command) {
  Run r;
  FILE* p = popen(command.c_str(), "r");
  if (!p) return r;
  std::array<char, 4096> buf;
  for (size_t n; (n = fread(buf.data(), 1, buf.size(), p)) > 0;) r.out.append(buf.data(), n);
  int status = pclose(p);
  r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return r;
}

std::string unescape(std::string s) {
  for (auto [from, to] : {std::pair{"&#45;", "-"}, {"&lt;", "<"}, {"&gt;", ">"}, {"&quot;", "\""}, {"&amp;", "&"}})
    for (size_t at; (at = s.find(from)) != std::string::npos;) s.replace(at, std::string(from).size(), to);
  return s;
}

std::vector<std::string> all(const std::string& text, const std::string& pattern) {
  std::vector<std::string> found;
  const std::regex re(pattern);
  for (std::sregex_iterator m(text.begin(), text.end(), re), end; m != end; ++m) found.push_back((*m)[1].str());
  return found;
}

// The edges of our DOT as Graphviz titles them: tail:port--head:port, quotes dropped.
std::multiset<std::string> dot_edges(const std::string& dot) {
  std::multiset<std::string> edges;
  for (auto line : all(dot, "\\n  (\"[^\\n]* -- [^\\n]*);")) {
    line = std::regex_replace(line, std::regex(" \\[style=dashed\\]$"), "");
    line = std::regex_replace(line, std::regex("\\\\\""), "\x01");
    line = std::regex_replace(line, std::regex("\""), "");
    line = std::regex_replace(line, std::regex("\x01"), "\"");
    edges.insert(std::regex_replace(line, std::regex(" -- "), "--"));
  }
  return edges;
}

class GraphRender : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    if (!installed("dot"))
      GTEST_SKIP() << "Graphviz's dot is not installed (Debian: graphviz; ci/setup.sh installs it)";
  }
};

TEST_P(GraphRender, SvgHasEveryNodeAndEdgeAndNoEdgeText) {
  const std::string file = kRoot + "/" + GetParam();
  const auto topo = load_topology(file);
  const auto dot = dot_graph(topo);
  auto r = run(std::string(NETRIG_BINARY) + " graph -f svg '" + file + "'");
  ASSERT_EQ(r.exit_code, 0) << r.out;
  const std::string& svg = r.out;
  ASSERT_EQ(svg.rfind("<?xml", 0), 0u) << svg.substr(0, 200);
  EXPECT_NE(svg.find("<svg width=\""), std::string::npos);
  if (installed("xmllint")) {
    const auto tmp = fs::temp_directory_path() / ("netrig-graph-test-" + std::to_string(getpid()) + ".svg");
    { std::ofstream(tmp) << svg; }
    auto lint = run("xmllint --noout '" + tmp.string() + "' 2>&1");
    fs::remove(tmp);
    EXPECT_EQ(lint.exit_code, 0) << "not well-formed XML: " << lint.out;
  }
  // Nodes: one <g class="node"> per node, titled by its name.
  std::set<std::string> nodes, want_nodes;
  for (const auto& t : all(svg, "<g id=\"node[0-9]+\" class=\"node\">\\s*<title>([^<]*)</title>"))
    nodes.insert(unescape(t));
  for (const auto& n : topo.nodes) want_nodes.insert(n.name);
  EXPECT_EQ(nodes, want_nodes);
  // Edges: one per link and per patch pair, attached to the ports our DOT names.
  std::multiset<std::string> edges;
  for (const auto& t : all(svg, "<g id=\"edge[0-9]+\" class=\"edge\">\\s*<title>([^<]*)</title>"))
    edges.insert(unescape(t));
  size_t patches = 0;
  for (const auto& n : topo.nodes)
    if (n.ovs)
      for (const auto& p : n.ovs->ports) patches += p.type == "patch";
  EXPECT_EQ(edges.size(), topo.links.size() + patches / 2);
  EXPECT_EQ(edges, dot_edges(dot));
  // No text on any edge: nothing there to overlap.
  for (const auto& body : all(svg, "class=\"edge\">([\\s\\S]*?)</g>"))
    EXPECT_EQ(body.find("<text"), std::string::npos) << body;
  // The cells' texts: each interface and each switch port by name.
  std::set<std::string> texts;
  for (const auto& t : all(svg, "<text[^>]*>([^<]*)</text>")) texts.insert(unescape(t));
  for (const auto& n : topo.nodes) {
    for (const auto& i : n.interfaces) EXPECT_TRUE(texts.count(i.name)) << n.name << ":" << i.name;
    if (n.ovs) {
      for (const auto& p : n.ovs->ports) EXPECT_TRUE(texts.count(p.name)) << n.name << ":" << p.name;
    }
  }
  // Graphviz found every port the edges name (it warns on stderr otherwise).
  const auto tmp = fs::temp_directory_path() / ("netrig-graph-test-" + std::to_string(getpid()) + ".dot");
  { std::ofstream(tmp) << dot; }
  auto warnings = run("dot -Tsvg '" + tmp.string() + "' 2>&1 >/dev/null");
  fs::remove(tmp);
  EXPECT_EQ(warnings.out, "");
}

INSTANTIATE_TEST_SUITE_P(Files, GraphRender,
                         ::testing::Values("tests/golden/graph/kinds.yaml", "topologies/lecture26-security-groups.yaml",
                                           "topologies/lecture26-nat.yaml", "topologies/lecture25-ovs-bond.yaml"),
                         [](const auto& info) {
                           std::string n = fs::path(info.param).stem().string();
                           for (auto& c : n)
                             if (!std::isalnum(static_cast<unsigned char>(c))) c = '_';
                           return n;
                         });

TEST(GraphRenderKinds, SvgShowsVlanModesBondsAndPatchPorts) {
  if (!installed("dot")) GTEST_SKIP() << "Graphviz's dot is not installed (Debian: graphviz; ci/setup.sh installs it)";
  auto r = run(std::string(NETRIG_BINARY) + " graph -f svg " + kRoot + "/tests/golden/graph/kinds.yaml");
  ASSERT_EQ(r.exit_code, 0) << r.out;
  std::set<std::string> texts;
  for (const auto& t : all(r.out, "<text[^>]*>([^<]*)</text>")) texts.insert(unescape(t));
  for (const char* want : {"access 10", "trunk 10,20", "native-untagged 10, trunks 20,30", "internal", "10.10.0.1/24",
                           "patch to s2:to-s1", "bond balance-slb", "bond0", "m1", "to h4:eth0", "vm 256 MiB, 2 cpus",
                           "bridge, mtu 1400, dhcp", "mtu 1400", "sg any", "router, nat, services web"})
    EXPECT_TRUE(texts.count(want)) << "no text '" << want << "' in the SVG";
  // Distinct shapes: the bridge is a hexagon (a polygon), netns hosts rounded boxes (paths).
  EXPECT_NE(r.out.find("<title>lan</title>\n<polygon"), std::string::npos) << "the bridge is a hexagon polygon";
  EXPECT_NE(r.out.find("<title>h1</title>\n<path"), std::string::npos) << "a netns host is a rounded box";
}

uint32_t be32(const std::string& s, size_t at) {
  return (uint32_t(uint8_t(s[at])) << 24) | (uint32_t(uint8_t(s[at + 1])) << 16) | (uint32_t(uint8_t(s[at + 2])) << 8) |
         uint32_t(uint8_t(s[at + 3]));
}

TEST(GraphRenderPng, IsAPngOfTheSvgsSize) {
  if (!installed("dot")) GTEST_SKIP() << "Graphviz's dot is not installed (Debian: graphviz; ci/setup.sh installs it)";
  const std::string file = kRoot + "/topologies/lecture26-security-groups.yaml";
  auto png = run(std::string(NETRIG_BINARY) + " graph -f png " + file);
  ASSERT_EQ(png.exit_code, 0);
  ASSERT_GT(png.out.size(), 33u);
  EXPECT_EQ(png.out.substr(0, 8), std::string("\x89PNG\r\n\x1a\n", 8));
  EXPECT_EQ(png.out.substr(12, 4), "IHDR");
  const uint32_t width = be32(png.out, 16), height = be32(png.out, 20);
  EXPECT_EQ(png.out.substr(png.out.size() - 8, 4), "IEND");
  // Graphviz draws PNGs at 96 dpi: the SVG's size in points times 4/3.
  auto svg = run(std::string(NETRIG_BINARY) + " graph -f svg " + file);
  std::smatch m;
  ASSERT_TRUE(std::regex_search(svg.out, m, std::regex("<svg width=\"([0-9.]+)pt\" height=\"([0-9.]+)pt\"")));
  EXPECT_NEAR(width, std::stod(m[1]) * 4 / 3, 2.0);
  EXPECT_NEAR(height, std::stod(m[2]) * 4 / 3, 2.0);
  EXPECT_GT(height, width) << "lecture 26 is laid out left to right with 8 hosts in one column";
}

TEST(GraphRenderPng, WithoutGraphvizItSaysWhatToInstallAndExits3) {
  auto r = run("PATH=/nonexistent " + std::string(NETRIG_BINARY) + " graph -f svg " + kRoot +
               "/topologies/lecture26-nat.yaml 2>&1");
  EXPECT_EQ(r.exit_code, 3) << r.out;
  EXPECT_NE(r.out.find("needs Graphviz's 'dot', which is not installed"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("apt-get install graphviz"), std::string::npos) << r.out;
  // DOT needs no Graphviz.
  EXPECT_EQ(run("PATH=/nonexistent " + std::string(NETRIG_BINARY) + " graph -f dot " + kRoot +
                "/topologies/lecture26-nat.yaml >/dev/null 2>&1")
                .exit_code,
            0);
}

}  // namespace
}  // namespace netrig
