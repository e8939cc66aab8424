// `qos:` of a netns node's interface: an egress tree (htb with classes and u32 filters, tbf, or a
// classless qdisc) and an ingress limit (ifb + mirred redirect + tbf, or police). Every rate is
// resolved to bit/s here, so the planner only copies numbers; a child that asks more than its
// parent can give, an unknown unit or a filter naming no class is an error at its file position.
#include "model/parse_qos.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdlib>
#include <functional>

#include "model/parse_internal.h"

namespace netrig {
namespace {

// ", did you mean ..." after a message, or nothing.
inline std::string spaced(const std::string& hint) { return hint.empty() ? hint : ", " + hint; }

std::string lower(std::string s) {
  for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

// Splits "20mbit" into 20 and "mbit"; false when it does not start with a number.
bool split_number(const std::string& text, double& value, std::string& unit) {
  size_t used = 0;
  try {
    value = std::stod(text, &used);
  } catch (...) {
    return false;
  }
  if (!std::isfinite(value) || value < 0 ||
      (used && !std::isdigit(static_cast<unsigned char>(text[0])) && text[0] != '.'))
    return false;
  unit = lower(text.substr(used));
  return true;
}

struct Unit {
  const char* name;
  double factor;
};

std::optional<uint64_t> scaled(const std::string& text, const std::vector<Unit>& units, const std::string& what,
                               const std::string& example, bool bare_ok, std::string& why) {
  double value = 0;
  std::string unit;
  if (!split_number(text, value, unit)) {
    why = "'" + text + "' is not a " + what + " (write e.g. " + example + ")";
    return std::nullopt;
  }
  if (unit.empty() && !bare_ok) {
    why = "'" + text + "' has no unit (write e.g. " + example + "; tc would read a bare number as bytes per second)";
    return std::nullopt;
  }
  for (const auto& u : units)
    if (unit == u.name) {
      double v = value * u.factor;
      if (v >= 1.8e19) {
        why = "'" + text + "' is too large";
        return std::nullopt;
      }
      return static_cast<uint64_t>(std::llround(v));
    }
  std::vector<std::string> names;
  for (const auto& u : units)
    if (*u.name) names.push_back(u.name);
  why = "'" + text + "' has an unknown unit '" + unit + "'" + spaced(did_you_mean(unit, names)) +
        " (units: " + one_of(names) + ")";
  return std::nullopt;
}

}  // namespace

uint32_t qos_default_tbf_burst(uint64_t rate) {
  return static_cast<uint32_t>(std::min<uint64_t>(rate / 8 / 100 + kQosTcMtu, 0xffffffffu));
}

uint32_t qos_default_htb_buffer(uint64_t rate, uint64_t psched_hz) {
  return static_cast<uint32_t>(std::min<uint64_t>(rate / 8 / psched_hz + kQosTcMtu, 0xffffffffu));
}

std::optional<uint64_t> parse_qos_rate(const std::string& text, std::string& why) {
  static const std::vector<Unit> units = {{"bit", 1},     {"kbit", 1e3},   {"mbit", 1e6},      {"gbit", 1e9},
                                          {"tbit", 1e12}, {"bps", 8},      {"kbps", 8e3},      {"mbps", 8e6},
                                          {"gbps", 8e9},  {"kibit", 1024}, {"mibit", 1048576}, {"gibit", 1073741824.0}};
  return scaled(text, units, "rate", "20mbit", false, why);
}

std::optional<uint64_t> parse_qos_size(const std::string& text, std::string& why) {
  static const std::vector<Unit> units = {{"", 1},        {"b", 1},        {"k", 1024},         {"kb", 1024},
                                          {"m", 1048576}, {"mb", 1048576}, {"g", 1073741824.0}, {"gb", 1073741824.0},
                                          {"kbit", 128},  {"mbit", 131072}};
  return scaled(text, units, "size", "32kb", true, why);
}

std::optional<uint64_t> parse_qos_time(const std::string& text, std::string& why) {
  static const std::vector<Unit> units = {{"s", 1e6}, {"sec", 1e6}, {"ms", 1e3}, {"msec", 1e3}, {"us", 1}, {"usec", 1}};
  return scaled(text, units, "time", "50ms", false, why);
}

std::string qos_rate_text(uint64_t bps) {
  for (auto [factor, name] : {std::pair<uint64_t, const char*>{1000000000, "gbit"}, {1000000, "mbit"}, {1000, "kbit"}})
    if (bps >= factor && bps % factor == 0) return std::to_string(bps / factor) + name;
  return std::to_string(bps) + "bit";
}

namespace {

const std::vector<std::string> kQosKeys = {"egress", "ingress"};
const std::vector<std::string> kEgressKinds = {"htb", "tbf", "pfifo", "bfifo", "sfq", "fq_codel", "netem"};
const std::vector<std::string> kLeafKinds = {"pfifo", "bfifo", "sfq", "fq_codel", "netem"};
const std::vector<std::string> kClassKeys = {"rate", "ceil", "burst", "cburst", "prio", "quantum", "leaf", "classes"};
const std::vector<std::string> kFilterKeys = {"src", "dst", "protocol", "sport", "dport", "dscp", "class"};

class QosParser {
 public:
  QosParser(Reader& r, std::string where) : r_(r), where_(std::move(where)) {}

  QosSpec parse(const Entry& qos) {
    QosSpec spec;
    spec.pos = Reader::pos(qos);
    if (!r_.is_map(qos, "'qos' of " + where_)) return spec;
    r_.check_keys(qos, kQosKeys, "'qos' of " + where_);
    if (auto e = Reader::get(qos.value, "egress")) spec.egress = egress(e);
    if (auto i = Reader::get(qos.value, "ingress")) spec.ingress = ingress(i);
    return spec;
  }

 private:
  // A rate: absolute, or a percentage of `parent` (0 = no parent: refused).
  std::optional<uint64_t> rate(const Entry& e, const std::string& what, uint64_t parent) {
    auto text = r_.string(e, what);
    if (!text) return std::nullopt;
    if (!text->empty() && text->back() == '%') {
      double pct = 0;
      std::string rest;
      if (!split_number(text->substr(0, text->size() - 1), pct, rest) || !rest.empty() || pct <= 0 || pct > 100) {
        r_.error(e, what + " '" + *text + "' is not a percentage", "write a number from 0 to 100 before '%', e.g. 30%");
        return std::nullopt;
      }
      if (!parent) {
        r_.error(e, what + " '" + *text + "' is a percentage, but there is no parent rate to take it of",
                 "write an absolute rate at the root, e.g. 20mbit");
        return std::nullopt;
      }
      return static_cast<uint64_t>(std::llround(static_cast<double>(parent) * pct / 100));
    }
    std::string why;
    auto v = parse_qos_rate(*text, why);
    if (!v)
      r_.error(e, what + ": " + why, "tc's rate units: bit, kbit, mbit, gbit (bits); bps, kbps, mbps (bytes)");
    else if (*v == 0) {
      r_.error(e, what + " is 0", "give a positive rate");
      return std::nullopt;
    }
    return v;
  }

  std::optional<uint32_t> size(const Entry& e, const std::string& what) {
    auto text = r_.string(e, what);
    if (!text) return std::nullopt;
    std::string why;
    auto v = parse_qos_size(*text, why);
    if (!v) {
      r_.error(e, what + ": " + why, "sizes are bytes: 1600, 32k, 1m");
      return std::nullopt;
    }
    if (*v == 0 || *v > 0xffffffffull) {
      r_.error(e, what + " '" + *text + "' is out of range", "give a size from 1 byte to 4 GiB");
      return std::nullopt;
    }
    return static_cast<uint32_t>(*v);
  }

  QosLeaf leaf(const Entry& e, const std::string& what) {
    QosLeaf l;
    l.pos = Reader::pos(e);
    if (e.value.IsScalar()) {
      l.kind = e.value.Scalar();
    } else if (r_.is_map(e, what)) {
      r_.check_keys(e, {"kind", "limit"}, what);
      if (auto k = Reader::get(e.value, "kind")) l.kind = r_.string(k, what + " kind").value_or("");
      if (auto lim = Reader::get(e.value, "limit"))
        if (auto v = r_.integer(lim, what + " limit", 1, 0xffffffffll)) l.limit = static_cast<uint32_t>(*v);
    }
    if (!l.kind.empty() && std::find(kLeafKinds.begin(), kLeafKinds.end(), l.kind) == kLeafKinds.end()) {
      r_.error(e, what + ": unknown qdisc '" + l.kind + "'" + spaced(did_you_mean(l.kind, kLeafKinds)),
               "a leaf is one of " + one_of(kLeafKinds));
      l.kind.clear();
    }
    if (l.limit && l.kind != "pfifo" && l.kind != "bfifo")
      r_.error(e, what + ": 'limit' is for pfifo (packets) and bfifo (bytes)",
               "remove 'limit' or make the leaf a fifo");
    return l;
  }

  // The classes under `parent` (already resolved): names unique in the tree, rates within the
  // parent's ceil.
  void classes(const Entry& list, HtbClassSpec& parent, const std::string& path) {
    if (!r_.is_map(list, "'classes' of " + path)) return;
    for (const auto& item : r_.entries(list, "'classes'")) {
      HtbClassSpec c;
      c.name = item.name();
      c.pos = Reader::pos(item.key);
      const std::string what = "class '" + c.name + "'";
      if (auto why = name_problem(c.name, 32); !why.empty()) {
        r_.error(Entry(item.key), what + " of " + where_ + ": " + why, "use letters, digits, '_', '.' or '-'");
        continue;
      }
      if (auto [it, fresh] = names_.emplace(c.name, c.pos); !fresh) {
        r_.error(Entry(item.key), "duplicate class '" + c.name + "' in the qos tree of " + where_,
                 first_at(c.name, it->second) + "; class names are unique in one tree");
        continue;
      }
      if (!r_.is_map(item, what)) continue;
      r_.check_keys(item, kClassKeys, what);
      auto rate_e = Reader::get(item.value, "rate");
      if (!rate_e) {
        r_.error(Entry(item.key), what + " has no 'rate'", "give it a guaranteed rate, e.g. rate: 6mbit or rate: 30%");
        continue;
      }
      auto rate_v = rate(rate_e, what + " rate", parent.rate);
      if (!rate_v) continue;
      c.rate = *rate_v;
      c.ceil = parent.ceil;
      if (auto ceil_e = Reader::get(item.value, "ceil")) {
        auto ceil_v = rate(ceil_e, what + " ceil", parent.ceil);
        if (!ceil_v) continue;
        c.ceil = *ceil_v;
        if (c.ceil > parent.ceil) {
          r_.error(
              ceil_e,
              what + " ceil " + qos_rate_text(c.ceil) + " is above its parent '" + parent.name + "''s ceil " +
                  qos_rate_text(parent.ceil),
              "a class can never send faster than its parent; lower the ceil to at most " + qos_rate_text(parent.ceil));
          continue;
        }
        if (c.ceil < c.rate) {
          r_.error(ceil_e, what + " ceil " + qos_rate_text(c.ceil) + " is below its rate " + qos_rate_text(c.rate),
                   "the ceil is the most a class may borrow up to: at least its rate");
          continue;
        }
      }
      if (c.rate > parent.ceil) {
        r_.error(rate_e,
                 what + " rate " + qos_rate_text(c.rate) + " is above its parent '" + parent.name + "''s ceil " +
                     qos_rate_text(parent.ceil),
                 "a child cannot be guaranteed more than its parent can send; lower it to at most " +
                     qos_rate_text(parent.ceil));
        continue;
      }
      for (auto [key, field] : {std::pair<const char*, std::optional<uint32_t>*>{"burst", &c.burst},
                                {"cburst", &c.cburst},
                                {"quantum", &c.quantum}})
        if (auto e = Reader::get(item.value, key)) *field = size(e, what + " " + key);
      if (auto e = Reader::get(item.value, "prio"))
        if (auto v = r_.integer(e, what + " prio", 0, 7)) c.prio = static_cast<uint32_t>(*v);
      if (auto e = Reader::get(item.value, "leaf")) c.leaf = leaf(e, what + " leaf");
      if (auto e = Reader::get(item.value, "classes")) {
        if (Reader::get(item.value, "leaf"))
          r_.error(Reader::get(item.value, "leaf"), what + " has both 'leaf' and 'classes'",
                   "only a class without children has a leaf qdisc");
        classes(e, c, what);
      }
      parent.children.push_back(std::move(c));
    }
    uint64_t sum = 0;
    for (const auto& c : parent.children) sum += c.rate;
    if (sum > parent.rate && !parent.children.empty())
      r_.error(list,
               "the rates of the classes under '" + parent.name + "' add up to " + qos_rate_text(sum) +
                   ", more than its rate " + qos_rate_text(parent.rate),
               "HTB cannot guarantee more than the parent has; make the children's rates add up to at most " +
                   qos_rate_text(parent.rate));
  }

  static const HtbClassSpec* find(const HtbClassSpec& c, const std::string& name) {
    if (c.name == name) return &c;
    for (const auto& child : c.children)
      if (auto* f = find(child, name)) return f;
    return nullptr;
  }

  std::vector<std::string> leaf_names(const HtbClassSpec& c) const {
    std::vector<std::string> out;
    std::function<void(const HtbClassSpec&)> walk = [&](const HtbClassSpec& x) {
      if (x.children.empty() && x.name != "root") out.push_back(x.name);
      for (const auto& ch : x.children) walk(ch);
    };
    walk(c);
    return out;
  }

  // `class:` of a filter or `default:` of the tree: a leaf class of this tree.
  bool leaf_class(const Entry& e, const EgressQos& q, const std::string& what, std::string& out) {
    auto name = r_.string(e, what);
    if (!name) return false;
    const auto* c = find(q.root, *name);
    auto leaves = leaf_names(q.root);
    if (!c || c == &q.root) {
      r_.error(e,
               what + " '" + *name + "' names no class of the tree on " + where_ + spaced(did_you_mean(*name, leaves)),
               leaves.empty() ? "define classes under htb: classes:" : "the tree's leaf classes: " + one_of(leaves));
      return false;
    }
    if (!c->children.empty()) {
      r_.error(e, what + " '" + *name + "' has child classes; traffic can only be queued in a leaf class",
               "name one of its children: " + one_of(leaf_names(*c)));
      return false;
    }
    out = *name;
    return true;
  }

  std::optional<int> port(const Entry& e, const std::string& what) {
    if (auto v = r_.integer(e, what, 1, 65535)) return static_cast<int>(*v);
    return std::nullopt;
  }

  void filters(const Entry& list, EgressQos& q) {
    if (!r_.is_list(list, "'filters'")) return;
    for (const auto& item_node : list.value) {
      Entry item(item_node);
      QosFilterSpec f;
      f.pos = Reader::pos(item);
      const std::string what = "filter of " + where_;
      if (!r_.is_map(item, what)) continue;
      r_.check_keys(item, kFilterKeys, what);
      for (auto [key, field] : {std::pair<const char*, std::optional<IpPrefix>*>{"src", &f.src}, {"dst", &f.dst}}) {
        auto e = Reader::get(item.value, key);
        if (!e) continue;
        auto text = r_.string(e, std::string("filter ") + key);
        if (!text) continue;
        auto t = text->find('/') == std::string::npos ? *text + "/32" : *text;
        auto p = IpPrefix::parse(t);
        if (!p || p->addr.family != 4)
          r_.error(e, std::string("filter ") + key + " '" + *text + "' is not an IPv4 address or prefix",
                   "write 10.0.1.2 or 10.0.1.0/24 (u32 matches IPv4 headers)");
        else
          *field = p->network();
      }
      if (auto e = Reader::get(item.value, "protocol")) {
        f.protocol = r_.string(e, "filter protocol").value_or("");
        if (f.protocol != "tcp" && f.protocol != "udp" && f.protocol != "icmp") {
          r_.error(e, "filter protocol '" + f.protocol + "' is not tcp, udp or icmp", "write tcp, udp or icmp");
          f.protocol.clear();
        }
      }
      if (auto e = Reader::get(item.value, "sport")) f.sport = port(e, "filter sport");
      if (auto e = Reader::get(item.value, "dport")) f.dport = port(e, "filter dport");
      if ((f.sport || f.dport) && f.protocol == "icmp")
        r_.error(item, what + " has ports and protocol icmp", "ports are for tcp and udp");
      if (auto e = Reader::get(item.value, "dscp"))
        if (auto v = r_.integer(e, "filter dscp", 0, 63)) f.dscp = static_cast<int>(*v);
      auto c = Reader::get(item.value, "class");
      if (!c) {
        r_.error(item, what + " names no class", "add class: NAME, the leaf class its traffic goes to");
        continue;
      }
      if (!leaf_class(c, q, "filter class", f.class_name)) continue;
      if (!f.src && !f.dst && f.protocol.empty() && !f.sport && !f.dport && !f.dscp)
        r_.error(item, what + " matches nothing in particular",
                 "use 'default:' of the htb for all other traffic, or add src/dst/protocol/ports/dscp");
      q.filters.push_back(std::move(f));
    }
  }

  std::optional<EgressQos> egress(const Entry& e) {
    const std::string what = "'egress' of " + where_;
    EgressQos q;
    q.pos = Reader::pos(e);
    if (e.value.IsScalar()) {  // egress: sfq
      q.leaf = leaf(e, what);
      if (q.leaf.kind.empty()) return std::nullopt;
      q.kind = q.leaf.kind;
      return q;
    }
    if (!r_.is_map(e, what)) return std::nullopt;
    std::vector<std::string> allowed = kEgressKinds;
    allowed.push_back("filters");
    r_.check_keys(e, allowed, what);
    int kinds = 0;
    for (const auto& k : kEgressKinds)
      if (Reader::get(e.value, k)) ++kinds, q.kind = k;
    if (kinds != 1) {
      r_.error(e, what + (kinds ? " has more than one root qdisc" : " has no qdisc"),
               "give exactly one of " + one_of(kEgressKinds));
      return std::nullopt;
    }
    auto body = Reader::get(e.value, q.kind);
    if (q.kind == "htb") {
      if (!r_.is_map(body, "'htb' of " + where_)) return std::nullopt;
      r_.check_keys(body, {"rate", "ceil", "burst", "cburst", "quantum", "default", "classes"}, "'htb'");
      q.root.name = "root";
      auto rate_e = Reader::get(body.value, "rate");
      if (!rate_e) {
        r_.error(body, "'htb' of " + where_ + " has no 'rate'",
                 "give the root class the link's rate, e.g. rate: 20mbit");
        return std::nullopt;
      }
      auto rv = rate(rate_e, "htb rate", 0);
      if (!rv) return std::nullopt;
      q.root.rate = q.root.ceil = *rv;
      if (auto c = Reader::get(body.value, "ceil")) {
        auto cv = rate(c, "htb ceil", q.root.rate);
        if (cv && *cv < q.root.rate)
          r_.error(c, "htb ceil " + qos_rate_text(*cv) + " is below its rate " + qos_rate_text(q.root.rate),
                   "the ceil is at least the rate");
        else if (cv)
          q.root.ceil = *cv;
      }
      for (auto [key, field] : {std::pair<const char*, std::optional<uint32_t>*>{"burst", &q.root.burst},
                                {"cburst", &q.root.cburst},
                                {"quantum", &q.root.quantum}})
        if (auto s = Reader::get(body.value, key)) *field = size(s, "htb " + std::string(key));
      names_.emplace("root", Reader::pos(body));  // the root class's name in messages
      if (auto c = Reader::get(body.value, "classes")) classes(c, q.root, "the htb");
      if (auto d = Reader::get(body.value, "default")) leaf_class(d, q, "htb default", q.default_class);
      if (auto f = Reader::get(e.value, "filters")) filters(f, q);
      return q;
    }
    if (auto f = Reader::get(e.value, "filters"))
      r_.error(f, "'filters' of " + where_ + " need an htb to send traffic to classes; " + q.kind + " has none",
               "make the egress an htb with classes, or remove 'filters'");
    if (q.kind == "tbf") {
      if (!r_.is_map(body, "'tbf' of " + where_)) return std::nullopt;
      r_.check_keys(body, {"rate", "burst", "latency"}, "'tbf'");
      if (!bucket(body, "'tbf' of " + where_, "tbf", "e.g. tbf: {rate: 5mbit, burst: 32k, latency: 50ms}", q.rate,
                  q.burst))
        return std::nullopt;
      if (auto l = Reader::get(body.value, "latency")) {
        std::string why;
        auto t = r_.string(l, "tbf latency");
        auto v = t ? parse_qos_time(*t, why) : std::nullopt;
        if (t && !v) r_.error(l, "tbf latency: " + why, "e.g. latency: 50ms");
        if (v) q.latency_us = static_cast<uint32_t>(std::min<uint64_t>(*v, 60000000));
      }
      return q;
    }
    q.leaf = leaf(Entry(body.key, YAML::Node(q.kind)), what);
    q.leaf.pos = Reader::pos(body);
    if (body.value.IsMap()) {
      q.leaf = leaf(body, what);
      if (q.leaf.kind.empty()) q.leaf.kind = q.kind;
    }
    return q;
  }

  std::optional<IngressQos> ingress(const Entry& e) {
    const std::string what = "'ingress' of " + where_;
    if (!r_.is_map(e, what)) return std::nullopt;
    r_.check_keys(e, {"rate", "burst", "method"}, what);
    IngressQos in;
    in.pos = Reader::pos(e);
    if (!bucket(e, what, "ingress", "e.g. ingress: {rate: 5mbit}", in.rate, in.burst)) return std::nullopt;
    if (auto m = Reader::get(e.value, "method")) {
      in.method = r_.string(m, "ingress method").value_or("ifb");
      if (in.method != "ifb" && in.method != "police") {
        r_.error(m, "ingress method '" + in.method + "' is not ifb or police",
                 "ifb shapes (queues, TCP-friendly); police drops above the rate");
        return std::nullopt;
      }
    }
    return in;
  }

  // A token bucket's required `rate` and optional `burst` (tbf, ifb ingress); false when there is
  // no usable rate. The burst defaults to qos_default_tbf_burst(rate).
  bool bucket(const Entry& e, const std::string& what, const std::string& label, const std::string& example,
              uint64_t& rate_out, uint32_t& burst_out) {
    auto rate_e = Reader::get(e.value, "rate");
    if (!rate_e) {
      r_.error(e, what + " has no 'rate'", example);
      return false;
    }
    auto rv = rate(rate_e, label + " rate", 0);
    if (!rv) return false;
    rate_out = *rv;
    burst_out = qos_default_tbf_burst(rate_out);
    if (auto b = Reader::get(e.value, "burst"))
      if (auto v = size(b, label + " burst")) burst_out = *v;
    return true;
  }

  Reader& r_;
  std::string where_;
  std::map<std::string, SourcePos> names_;
};

}  // namespace

void parse_interface_qos(Reader& r, const Entry& qos, InterfaceSpec& iface, const std::string& where) {
  iface.qos = QosParser(r, where).parse(qos);
}

std::optional<double> parse_percent(const std::string& text, std::string& why) {
  char* end = nullptr;
  const double v = std::strtod(text.c_str(), &end);
  if (end == text.c_str() || std::string(end) != "%" || !(v >= 0 && v <= 100)) {
    why = "a percentage from 0% to 100% is needed, not '" + text + "'";
    return std::nullopt;
  }
  return v;
}

}  // namespace netrig
