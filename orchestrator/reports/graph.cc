#include "reports/graph.h"

#include <sstream>

namespace netrig {

static std::string node_id(const std::string& name) {
  std::string id = "n_";
  for (char c : name) id += std::isalnum(static_cast<unsigned char>(c)) ? c : '_';
  return id;
}

static std::string addresses(const NodeSpec& node, const std::string& iface) {
  std::string out;
  if (const auto* i = node.find_interface(iface))
    for (const auto& a : i->addresses) out += (out.empty() ? "" : " ") + a.str();
  return out;
}

std::string mermaid_graph(const Topology& topo) {
  std::ostringstream out;
  out << "graph LR\n";
  for (const auto& n : topo.nodes) {
    if (n.kind == NodeKind::Bridge)
      out << "  " << node_id(n.name) << "[[\"" << n.name << " (bridge)\"]]\n";
    else
      out << "  " << node_id(n.name) << "(\"" << n.name << "\")\n";
  }
  for (const auto& l : topo.links) {
    auto label = [&](const Endpoint& e) {
      if (e.iface.empty()) return std::string();
      auto addr = addresses(*topo.find_node(e.node), e.iface);
      return e.iface + (addr.empty() ? "" : " " + addr);
    };
    std::string text = label(l.a);
    auto b = label(l.b);
    if (!b.empty()) text += (text.empty() ? "" : " — ") + b;
    out << "  " << node_id(l.a.node) << " ---";
    if (!text.empty()) out << "|\"" << text << "\"|";
    out << " " << node_id(l.b.node) << "\n";
  }
  return out.str();
}

std::string dot_graph(const Topology& topo) {
  std::ostringstream out;
  out << "graph \"" << topo.name << "\" {\n  rankdir=LR;\n";
  for (const auto& n : topo.nodes)
    out << "  \"" << n.name << "\" [shape=" << (n.kind == NodeKind::Bridge ? "box" : "ellipse") << "];\n";
  for (const auto& l : topo.links) {
    out << "  \"" << l.a.node << "\" -- \"" << l.b.node << "\"";
    std::string tail = l.a.iface.empty() ? "" : l.a.iface + " " + addresses(*topo.find_node(l.a.node), l.a.iface);
    std::string head = l.b.iface.empty() ? "" : l.b.iface + " " + addresses(*topo.find_node(l.b.node), l.b.iface);
    out << " [taillabel=\"" << tail << "\", headlabel=\"" << head << "\"];\n";
  }
  out << "}\n";
  return out.str();
}

}  // namespace netrig
