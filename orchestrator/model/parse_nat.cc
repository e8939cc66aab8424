// A router's `nat:` list: masquerade, snat, dnat (port forwards) and floating (1:1) rules. Parsed
// after the node's interfaces, which the rules name. IPv4 only, as the lectures' iptables NAT.
#include "model/parse_internal.h"

namespace netrig {
namespace {

const std::vector<std::string> kNatTypes = {"masquerade", "snat", "dnat", "floating"};
const std::vector<std::string> kMasqueradeKeys = {"out", "from"};
const std::vector<std::string> kSnatKeys = {"out", "from", "to"};
const std::vector<std::string> kDnatKeys = {"in", "to", "protocol", "port", "forward_to"};
const std::vector<std::string> kFloatingKeys = {"out", "inside", "outside"};
const std::vector<std::string> kProtocols = {"tcp", "udp"};

class NatParser {
 public:
  NatParser(Reader& r, NodeSpec& node) : r_(r), node_(node) {}

  void rule(const Entry& item) {
    const std::string where = "a 'nat' rule of node '" + node_.name + "'";
    if (!r_.is_map(item, where)) return;
    auto entries = r_.entries(item, where);
    if (entries.size() != 1) {
      r_.error(item, "a 'nat' rule has exactly one of " + one_of(kNatTypes) + ", not " + std::to_string(entries.size()),
               "write each rule as its own list item, e.g. '- masquerade: {out: eth1, from: 10.0.0.0/24}'");
      return;
    }
    const auto& body = entries.front();
    const auto type = body.name();
    NatRule rule;
    rule.pos = Reader::pos(body.key);
    if (type == "masquerade") {
      rule.type = NatType::Masquerade;
      if (!open(body, kMasqueradeKeys, type)) return;
      if (!iface(body, "out", rule) || !source(body, rule)) return;
    } else if (type == "snat") {
      rule.type = NatType::Snat;
      if (!open(body, kSnatKeys, type)) return;
      if (!iface(body, "out", rule) || !source(body, rule)) return;
      if (!(rule.to = address(body, "to", type, true))) return;
    } else if (type == "dnat") {
      rule.type = NatType::Dnat;
      if (!open(body, kDnatKeys, type) || !iface(body, "in", rule) || !dnat(body, rule)) return;
    } else if (type == "floating") {
      rule.type = NatType::Floating;
      if (!open(body, kFloatingKeys, type) || !iface(body, "out", rule)) return;
      if (!(rule.inside = address(body, "inside", type, true))) return;
      if (!(rule.outside = address(body, "outside", type, true))) return;
    } else {
      auto hint = did_you_mean(type, kNatTypes);
      r_.error(Entry(body.key), "unknown NAT rule '" + type + "'",
               hint.empty() ? "NAT rules are " + one_of(kNatTypes) : hint);
      return;
    }
    node_.nat.push_back(rule);
  }

 private:
  bool open(const Entry& body, const std::vector<std::string>& keys, const std::string& type) {
    if (!r_.is_map(body, "'" + type + "'")) return false;
    size_t before = r_.diagnostics().size();
    r_.check_keys(body, keys, "'" + type + "'");
    return r_.diagnostics().size() == before;
  }

  Entry required(const Entry& body, const std::string& key, const std::string& type, const std::string& example) {
    auto e = Reader::get(body.value, key);
    if (!e) r_.error(Entry(body.key), "'" + type + "' needs '" + key + "'", "add '" + key + ": " + example + "'");
    return e;
  }

  bool iface(const Entry& body, const std::string& key, NatRule& rule) {
    auto e = required(body, key, body.name(), "eth1");
    if (!e) return false;
    auto s = r_.string(e, "'" + key + "'");
    if (!s) return false;
    if (!node_.find_interface(*s)) {
      std::vector<std::string> names;
      for (const auto& i : node_.interfaces) names.push_back(i.name);
      auto hint = did_you_mean(*s, names);
      r_.error(e, "NAT rule names interface '" + *s + "', which node '" + node_.name + "' does not have",
               hint.empty() ? "name one of the node's interfaces" : hint);
      return false;
    }
    rule.iface = *s;
    return true;
  }

  bool ipv4(const Entry& e, const IpAddr& a, const std::string& text) {
    if (a.family == 4) return true;
    r_.error(e, "'" + text + "' is an IPv6 address; NAT rules take IPv4 addresses",
             "IPv6 needs no NAT: route the network instead");
    return false;
  }

  std::optional<IpAddr> address(const Entry& body, const std::string& key, const std::string& type, bool must) {
    auto e = must ? required(body, key, type, "203.0.113.10") : Reader::get(body.value, key);
    if (!e) return std::nullopt;
    auto s = r_.string(e, "'" + key + "'");
    if (!s) return std::nullopt;
    if (auto slash = s->find('/'); slash != std::string::npos && IpAddr::parse(s->substr(0, slash))) {
      r_.error(e, "'" + key + "' takes an address without a prefix length, not '" + *s + "'",
               "write '" + key + ": " + s->substr(0, slash) + "'");
      return std::nullopt;
    }
    auto a = IpAddr::parse(*s);
    if (!a) {
      r_.error(e, "'" + *s + "' is not an IP address", "write an IPv4 address such as 203.0.113.10");
      return std::nullopt;
    }
    if (!ipv4(e, *a, *s)) return std::nullopt;
    return a;
  }

  // `from`: a network (host bits zero) or a single address.
  bool source(const Entry& body, NatRule& rule) {
    auto e = required(body, "from", body.name(), "10.0.0.0/24");
    if (!e) return false;
    auto s = r_.string(e, "'from'");
    if (!s) return false;
    auto p = IpPrefix::parse(*s, false);
    if (!p) {
      r_.error(e, "'" + *s + "' is not a network or address", "write a network such as 10.0.0.0/24");
      return false;
    }
    if (!ipv4(e, p->addr, *s)) return false;
    if (auto net = p->network(); !(net == *p)) {
      r_.error(e, "'from' network '" + *s + "' has host bits set", "did you mean '" + net.str() + "'?");
      return false;
    }
    rule.from = p;
    return true;
  }

  std::optional<int> port_of(const Entry& e, const std::string& text) {
    char* end = nullptr;
    long v = std::strtol(text.c_str(), &end, 10);
    if (text.empty() || *end || text[0] == '+' || text[0] == '-' || v < 1 || v > 65535) {
      r_.error(e, "port '" + text + "' in 'forward_to' is not a port number", "use 1 to 65535, e.g. 10.0.0.2:80");
      return std::nullopt;
    }
    return static_cast<int>(v);
  }

  bool dnat(const Entry& body, NatRule& rule) {
    if (Reader::get(body.value, "to") && !(rule.to = address(body, "to", "dnat", false))) return false;
    if (auto p = Reader::get(body.value, "protocol")) {
      auto s = r_.string(p, "'protocol'");
      if (!s) return false;
      if (*s != "tcp" && *s != "udp") {
        auto hint = did_you_mean(*s, kProtocols);
        r_.error(p, "unknown protocol '" + *s + "'", hint.empty() ? "use tcp or udp" : hint);
        return false;
      }
      rule.protocol = *s;
    }
    if (auto p = Reader::get(body.value, "port")) {
      auto v = r_.integer(p, "'port'", 1, 65535);
      if (!v) return false;
      rule.port = static_cast<int>(*v);
      if (rule.protocol.empty()) rule.protocol = "tcp";
    }
    auto f = required(body, "forward_to", "dnat", "10.0.0.2:80");
    if (!f) return false;
    auto s = r_.string(f, "'forward_to'");
    if (!s) return false;
    std::string host = *s;
    if (auto colon = s->rfind(':'); colon != std::string::npos && s->find(':') == colon) {
      host = s->substr(0, colon);
      auto port = port_of(f, s->substr(colon + 1));
      if (!port) return false;
      rule.forward_port = port;
    }
    auto a = IpAddr::parse(host);
    if (!a) {
      r_.error(f, "'forward_to' must be ADDRESS or ADDRESS:PORT, not '" + *s + "'", "write e.g. 10.0.0.2:80");
      return false;
    }
    if (!ipv4(f, *a, *s)) return false;
    rule.forward = a;
    if (rule.forward_port && !rule.port) {
      r_.error(f, "'forward_to' gives a port but the rule matches no 'port'",
               "add 'port: N' (and 'protocol: tcp' or 'udp'): the port being forwarded");
      return false;
    }
    return true;
  }

  Reader& r_;
  NodeSpec& node_;
};

}  // namespace

void parse_nat(Reader& r, NodeSpec& node, const Entry& nat) {
  if (!r.is_list(nat, "'nat'")) return;
  NatParser parser(r, node);
  for (const auto& item : nat.value) parser.rule(Entry(item));
  if (!node.nat.empty() && !node.router)
    r.error(Entry(nat.key), "'nat' on node '" + node.name + "' needs 'router: true'",
            "NAT rewrites forwarded packets; add 'router: true' so the node forwards them");
}

}  // namespace netrig
