// A node's routes: destination, gateway (which must be on one of the node's networks), device,
// metric. Parsed after the node's interfaces, which they refer to.
#include <climits>

#include "model/parse_internal.h"

namespace netrig {
namespace {

const std::vector<std::string> kRouteKeys = {"dst", "via", "dev", "metric"};

std::optional<IpAddr> parse_gateway(Reader& r, const Entry& via) {
  auto s = r.string(via, "'via'");
  if (!s) return std::nullopt;
  if (auto slash = s->find('/'); slash != std::string::npos && IpAddr::parse(s->substr(0, slash))) {
    r.error(via, "gateway '" + *s + "' must be a bare address, without a prefix length",
            "write 'via: " + s->substr(0, slash) + "'");
    return std::nullopt;
  }
  auto gateway = IpAddr::parse(*s);
  if (!gateway) r.error(via, "gateway '" + *s + "' is not an IP address", "a gateway is an address such as 10.0.0.254");
  return gateway;
}

std::optional<IpPrefix> parse_destination(Reader& r, const Entry& dst, const std::optional<IpAddr>& gateway) {
  auto text = r.string(dst, "'dst'");
  if (!text) return std::nullopt;
  if (*text == "default" || *text == "default6") {
    int family = *text == "default6" ? 6 : gateway ? gateway->family : 4;
    return IpPrefix::parse(family == 4 ? "0.0.0.0/0" : "::/0");
  }
  auto prefix = IpPrefix::parse(*text, false);
  if (!prefix) {
    r.error(dst, "'" + *text + "' is not a route destination",
            "use 'default', 'default6' or a prefix such as 10.1.0.0/16");
    return std::nullopt;
  }
  if (auto net = prefix->network(); !(net == *prefix)) {
    r.error(dst, "route destination '" + *text + "' has host bits set", "did you mean '" + net.str() + "'?");
    return std::nullopt;
  }
  return prefix;
}

std::string addresses_of(const NodeSpec& node, const std::string& dev) {
  std::string out;
  for (const auto& i : node.interfaces)
    if (dev.empty() || i.name == dev)
      for (const auto& a : i.addresses) out += (out.empty() ? "" : ", ") + a.str();
  return out;
}

// The gateway must be on a network the node (or the route's device) is directly connected to.
bool check_gateway(Reader& r, const NodeSpec& node, const RouteSpec& route, const Entry& via) {
  const auto& gw = *route.via;
  if (gw.family != route.dst.addr.family) {
    r.error(via,
            "gateway " + gw.str() + " is IPv" + std::to_string(gw.family) + " but destination " + route.dst.str() +
                " is IPv" + std::to_string(route.dst.addr.family),
            "use a gateway of the destination's family");
    return false;
  }
  if (gw.family == 6 && gw.is_link_local()) {
    if (!route.dev.empty()) return true;
    r.error(via, "link-local gateway " + gw.str() + " needs 'dev'",
            "add 'dev: <interface>' to say which link it is on");
    return false;
  }
  for (const auto& i : node.interfaces)
    if (route.dev.empty() || i.name == route.dev)
      for (const auto& a : i.addresses)
        if (a.contains(gw)) return true;
  auto have = addresses_of(node, route.dev);
  r.error(via,
          "gateway " + gw.str() + " is not in any subnet of " +
              (route.dev.empty() ? "node '" + node.name + "'" : "interface '" + node.name + ":" + route.dev + "'"),
          have.empty() ? "the gateway must be on a directly connected network: give the node an address in its subnet"
                       : "the gateway must be on a directly connected network; the node has " + have);
  return false;
}

}  // namespace

void parse_route(Reader& r, NodeSpec& node, const Entry& item) {
  const std::string where = "a route of node '" + node.name + "'";
  if (!r.is_map(item, where)) return;
  r.check_keys(item, kRouteKeys, where);
  RouteSpec route;
  route.pos = Reader::pos(item);
  const auto dst = Reader::get(item.value, "dst");
  if (!dst) {
    r.error(item, "route of node '" + node.name + "' has no 'dst'",
            "add 'dst: default' or a prefix such as 10.1.0.0/16");
    return;
  }
  const auto via = Reader::get(item.value, "via");
  if (via) {
    route.via = parse_gateway(r, via);
    if (!route.via) return;
  }
  auto destination = parse_destination(r, dst, route.via);
  if (!destination) return;
  route.dst = *destination;
  if (const auto dev = Reader::get(item.value, "dev")) {
    auto s = r.string(dev, "'dev'");
    if (!s) return;
    if (!node.find_interface(*s)) {
      std::vector<std::string> names;
      for (const auto& i : node.interfaces) names.push_back(i.name);
      auto hint = did_you_mean(*s, names);
      r.error(dev, "route names interface '" + *s + "', which node '" + node.name + "' does not have",
              hint.empty() ? "declare it under the node's 'interfaces:'" : hint);
      return;
    }
    route.dev = *s;
  }
  if (!route.via && route.dev.empty()) {
    r.error(item, "route to " + route.dst.str() + " of node '" + node.name + "' needs 'via' or 'dev'",
            "add 'via: <gateway address>', or 'dev: <interface>' for a network on the link itself");
    return;
  }
  if (route.via && !check_gateway(r, node, route, via)) return;
  if (const auto metric = Reader::get(item.value, "metric")) {
    auto m = r.integer(metric, "'metric'", 0, INT_MAX);
    if (!m) return;
    route.metric = static_cast<int>(*m);
  }
  for (const auto& other : node.routes) {
    if (other.dst == route.dst && other.metric.value_or(0) == route.metric.value_or(0)) {
      r.error(dst,
              "node '" + node.name + "' already has a route to " + route.dst.str() + " (line " +
                  std::to_string(other.pos.line) + ")",
              "remove one of them, or give them different 'metric' values");
      return;
    }
  }
  node.routes.push_back(route);
}

}  // namespace netrig
