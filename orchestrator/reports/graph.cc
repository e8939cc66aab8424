#include "reports/graph.h"

#include <algorithm>
#include <set>
#include <sstream>

#include "util/text.h"

namespace netrig {
namespace {

std::string node_id(const std::string& name) {
  std::string id = "n_";
  for (char c : name) id += std::isalnum(static_cast<unsigned char>(c)) ? c : '_';
  return id;
}

std::string addresses(const NodeSpec& node, const std::string& iface) {
  std::string out;
  if (const auto* i = node.find_interface(iface))
    for (const auto& a : i->addresses) out += (out.empty() ? "" : " ") + a.str();
  return out;
}

std::string join(const std::vector<std::string>& parts, const std::string& sep) {
  std::string out;
  for (const auto& p : parts) out += (out.empty() ? "" : sep) + p;
  return out;
}

std::string vlans(const std::vector<int>& ids) {
  std::vector<std::string> s;
  for (int id : ids) s.push_back(std::to_string(id));
  return join(s, ",");
}

// Text for Graphviz HTML-like labels (node names, addresses and commands are user text): they are
// XML, so XML's escapes.
std::string html(const std::string& s) { return xml_escape(s); }

std::string quoted(const std::string& s) {
  std::string out = "\"";
  for (char c : s) out += (c == '"' || c == '\\') ? std::string("\\") + c : std::string(1, c);
  return out + "\"";
}

// The VLAN mode of an ovs port or bond as OVS applies it: access with a tag, else a trunk.
std::string vlan_mode(const OvsVlan& v) {
  const std::string mode = !v.vlan_mode.empty() ? v.vlan_mode : v.tag ? "access" : "trunk";
  const std::string trunks = v.trunks.empty() ? "all" : vlans(v.trunks);
  if (mode == "access") return "access " + (v.tag ? std::to_string(*v.tag) : std::string("0"));
  if (mode == "trunk") return "trunk " + trunks;
  return mode + " " + (v.tag ? std::to_string(*v.tag) : std::string("0")) + ", trunks " + trunks;  // native-*
}

// The cell of a link's switch end that names no port (netrig names it at deploy time).
std::string unnamed_port(const Endpoint& other) { return "@" + other.node + "/" + other.iface; }

// One table row: a cell named by PORT (edges attach to it) and its text lines.
std::string row(const std::string& port, const std::vector<std::string>& lines, int colspan = 1) {
  std::string out = "<TR><TD PORT=\"" + html(port) + "\"" +
                    (colspan > 1 ? " COLSPAN=\"" + std::to_string(colspan) + "\"" : "") +
                    " ALIGN=\"LEFT\" BALIGN=\"LEFT\">";
  for (size_t i = 0; i < lines.size(); ++i) out += (i ? "<BR/>" : "") + html(lines[i]);
  return out + "</TD></TR>";
}

std::string header(const std::string& name, const std::string& detail, int colspan = 1) {
  return "<TR><TD BORDER=\"0\"" + (colspan > 1 ? " COLSPAN=\"" + std::to_string(colspan) + "\"" : std::string()) +
         "><B>" + html(name) + "</B>" + (detail.empty() ? "" : "<BR/>" + html(detail)) + "</TD></TR>";
}

std::string table(const std::string& rows) {
  return "<<TABLE BORDER=\"0\" CELLBORDER=\"1\" CELLSPACING=\"0\" CELLPADDING=\"3\">" + rows + "</TABLE>>";
}

// The MTU a link sets on an interface, if any (the interface's own wins).
std::optional<int> link_mtu(const Topology& topo, const std::string& node, const std::string& iface) {
  for (const auto& l : topo.links)
    for (const auto* e : {&l.a, &l.b})
      if (e->node == node && e->iface == iface && l.mtu) return l.mtu;
  return std::nullopt;
}

// netns hosts and vm guests: a header and one row per interface.
std::string host_label(const Topology& topo, const NodeSpec& n) {
  std::vector<std::string> detail;
  if (n.kind == NodeKind::Container) detail.push_back("container " + n.container.image);
  if (n.kind == NodeKind::Vm)
    detail.push_back("vm " + std::to_string(n.vm.memory_mib) + " MiB, " + std::to_string(n.vm.cpus) + " cpu" +
                     (n.vm.cpus == 1 ? "" : "s"));
  if (n.router) detail.push_back("router");
  if (!n.nat.empty()) detail.push_back("nat");
  if (!n.services.empty()) {
    std::vector<std::string> names;
    for (const auto& s : n.services) names.push_back(s.name);
    detail.push_back("services " + join(names, ","));
  }
  std::string rows = header(n.name, join(detail, ", "));
  for (const auto& i : n.interfaces) {
    std::vector<std::string> lines = {i.name};
    for (const auto& a : i.addresses) lines.push_back(a.str());
    if (i.dhcp) lines.push_back("dhcp");
    if (auto mtu = i.mtu ? i.mtu : link_mtu(topo, n.name, i.name)) lines.push_back("mtu " + std::to_string(*mtu));
    if (!i.security_groups.empty()) lines.push_back("sg " + join(i.security_groups, ","));
    if (i.qos) lines.push_back("qos");
    rows += row(i.name, lines);
  }
  return table(rows);
}

// An ovs switch: a header, then its ports in file order (declared ports, then the ports links
// name), each with its VLAN mode; a bond is one cell beside the rows of its members.
std::string ovs_label(const Topology& topo, const NodeSpec& n) {
  const auto& sw = *n.ovs;
  std::vector<std::string> ports;
  auto add = [&](const std::string& p) {
    if (!p.empty() && std::find(ports.begin(), ports.end(), p) == ports.end()) ports.push_back(p);
  };
  for (const auto& p : sw.ports) add(p.name);
  for (const auto& l : topo.links)
    for (const auto* e : {&l.a, &l.b})
      if (e->node == n.name) add(e->port);
  const int columns = sw.bonds.empty() ? 1 : 2;

  std::vector<std::string> detail = {"ovs"};
  if (!sw.fail_mode.empty()) detail.push_back(sw.fail_mode);
  if (!sw.controllers.empty()) detail.push_back("controller " + join(sw.controllers, " "));
  if (!sw.flows.empty()) detail.push_back(std::to_string(sw.flows.size()) + " flows");
  if (!sw.flood_vlans.empty()) detail.push_back("flood vlans " + vlans(sw.flood_vlans));
  std::string rows = header(n.name, join(detail, ", "), columns);

  std::set<std::string> drawn;
  for (const auto& l : topo.links)  // after the named ports
    for (const auto* e : {&l.a, &l.b})
      if (e->node == n.name && e->port.empty()) ports.push_back(unnamed_port(e == &l.a ? l.b : l.a));
  for (const auto& name : ports) {
    if (name[0] == '@') {
      rows +=
          row(name, {"to " + name.substr(1, name.find('/') - 1) + ":" + name.substr(name.find('/') + 1), "trunk all"},
              columns);
      continue;
    }
    if (drawn.count(name)) continue;
    const OvsBondSpec* bond = nullptr;
    for (const auto& b : sw.bonds)
      if (std::find(b.members.begin(), b.members.end(), name) != b.members.end()) bond = &b;
    if (bond) {
      std::vector<std::string> lines = {bond->name, "bond " + (bond->mode.empty() ? "active-backup" : bond->mode)};
      if (!bond->lacp.empty()) lines.push_back("lacp " + bond->lacp);
      lines.push_back(vlan_mode(bond->vlan));
      std::string cell = "<TD PORT=\"" + html(bond->name) + "\"" + " ROWSPAN=\"" +
                         std::to_string(bond->members.size()) + "\" ALIGN=\"LEFT\" BALIGN=\"LEFT\">";
      for (size_t i = 0; i < lines.size(); ++i) cell += (i ? "<BR/>" : "") + html(lines[i]);
      cell += "</TD>";
      for (size_t i = 0; i < bond->members.size(); ++i) {
        const auto& m = bond->members[i];
        drawn.insert(m);
        std::string member = "<TD PORT=\"" + html(m) + "\"" + " ALIGN=\"LEFT\">" + html(m) +
                             (m == bond->primary ? " (primary)" : "") + "</TD>";
        rows += "<TR>" + (i == 0 ? cell : "") + member + "</TR>";
      }
      continue;
    }
    drawn.insert(name);
    const auto* spec = sw.find_port(name);
    std::vector<std::string> lines = {name};
    if (spec && spec->type == "patch") {
      lines.push_back("patch to " + spec->peer_switch + ":" + spec->peer_port);
    } else {
      if (spec && spec->type == "internal") lines.push_back("internal");
      lines.push_back(vlan_mode(spec ? spec->vlan : OvsVlan{}));
      if (spec)
        for (const auto& a : spec->addresses) lines.push_back(a.str());
    }
    rows += row(name, lines, columns);
  }
  return table(rows);
}

std::string bridge_label(const NodeSpec& n) {
  std::vector<std::string> detail = {"bridge"};
  if (n.mtu) detail.push_back("mtu " + std::to_string(*n.mtu));
  if (n.dhcp) detail.push_back("dhcp");
  return "<<B>" + html(n.name) + "</B><BR/>" + html(join(detail, ", ")) + ">";
}

// The DOT name of a link end: "node":"cell" where the end has a cell (a bridge has none).
std::string end(const Topology& topo, const Endpoint& e, const Endpoint& other) {
  const bool ovs = topo.find_node(e.node)->kind == NodeKind::Ovs;
  std::string cell = !e.iface.empty() ? e.iface : ovs ? e.port : "";  // a Linux bridge has no port cells
  if (cell.empty() && ovs) cell = unnamed_port(other);
  return quoted(e.node) + (cell.empty() ? "" : ":" + quoted(cell));
}

}  // namespace

std::string mermaid_graph(const Topology& topo) {
  std::ostringstream out;
  out << "graph LR\n";
  for (const auto& n : topo.nodes) {
    if (n.kind == NodeKind::Bridge)
      out << "  " << node_id(n.name) << "[[\"" << n.name << " (bridge)\"]]\n";
    else if (n.kind == NodeKind::Ovs)
      out << "  " << node_id(n.name) << "{{\"" << n.name << " (ovs)\"}}\n";
    else if (n.kind == NodeKind::Vm)
      out << "  " << node_id(n.name) << "[/\"" << n.name << " (vm)\"/]\n";
    else if (n.kind == NodeKind::Container)
      out << "  " << node_id(n.name) << "[\"" << n.name << " (container)\"]\n";
    else
      out << "  " << node_id(n.name) << "(\"" << n.name << "\")\n";
  }
  for (const auto& l : topo.links) {
    auto label = [&](const Endpoint& e) {
      if (e.iface.empty()) return e.port;
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

// Each node's interfaces and ports are cells of an HTML-like label, and links join cells: edges
// carry no labels, so nothing can overlap. Shapes: netns host a rounded box, vm a 3D box, Linux
// bridge a hexagon, ovs switch a double-bordered box, container a component box; patch links are
// dashed.
std::string dot_graph(const Topology& topo) {
  std::ostringstream out;
  out << "graph " << quoted(topo.name) << " {\n"
      << "  graph [rankdir=LR, nodesep=0.3, ranksep=1.2, fontname=\"Helvetica\"];\n"
      << "  node [fontname=\"Helvetica\", fontsize=10, margin=\"0.05\"];\n";
  for (const auto& n : topo.nodes) {
    out << "  " << quoted(n.name) << " [";
    switch (n.kind) {
      case NodeKind::Netns:
        out << "shape=box, style=rounded, label=" << host_label(topo, n);
        break;
      case NodeKind::Vm:
        out << "shape=box3d, label=" << host_label(topo, n);
        break;
      case NodeKind::Container:
        out << "shape=component, label=" << host_label(topo, n);
        break;
      case NodeKind::Bridge:
        out << "shape=hexagon, label=" << bridge_label(n);
        break;
      case NodeKind::Ovs:
        out << "shape=box, peripheries=2, label=" << ovs_label(topo, n);
        break;
    }
    out << "];\n";
  }
  for (const auto& l : topo.links) out << "  " << end(topo, l.a, l.b) << " -- " << end(topo, l.b, l.a) << ";\n";
  std::set<std::string> patched;  // each patch pair once
  for (const auto& n : topo.nodes) {
    if (n.kind != NodeKind::Ovs) continue;
    for (const auto& p : n.ovs->ports) {
      if (p.type != "patch" || patched.count(p.peer_switch + ":" + p.peer_port)) continue;
      patched.insert(n.name + ":" + p.name);
      out << "  " << quoted(n.name) << ":" << quoted(p.name) << " -- " << quoted(p.peer_switch) << ":"
          << quoted(p.peer_port) << " [style=dashed];\n";
    }
  }
  out << "}\n";
  return out.str();
}

}  // namespace netrig
