#include "plan/qos.h"

#include <cstdio>
#include <functional>
#include <map>
#include <stdexcept>

#include "model/names.h"
#include "model/ovs_instance.h"
#include "model/parse_qos.h"
#include "plan/plan_builder.h"

namespace netrig {
namespace {

constexpr uint32_t kRoot = 0xffffffffu;
constexpr uint32_t kIngress = 0xfffffff1u;

uint32_t handle(uint32_t major, uint32_t minor) { return major << 16 | minor; }

std::string hex(uint32_t v) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "%x", v);
  return buf;
}

std::string handle_text(uint32_t h) {
  if (h == kRoot) return "root";
  if (h == kIngress) return "ingress";
  return hex(h >> 16) + ":" + ((h & 0xffff) ? hex(h & 0xffff) : "");
}

std::string size_text(uint32_t bytes) { return std::to_string(bytes) + "b"; }

// Class minors in tree pre-order from 0x10, as the lecture numbers them (1:10, 1:11, 1:12).
void number_classes(const HtbClassSpec& c, std::map<std::string, uint32_t>& out, uint32_t& next) {
  for (const auto& child : c.children) {
    out[child.name] = next++;
    number_classes(child, out, next);
  }
}

std::map<std::string, uint32_t> class_minors(const EgressQos& q) {
  std::map<std::string, uint32_t> minors;
  uint32_t next = 0x10;
  minors["root"] = 1;
  number_classes(q.root, minors, next);
  return minors;
}

TcObject leaf_qdisc(const std::string& dev, uint32_t parent, uint32_t h, const QosLeaf& leaf) {
  TcObject o;
  o.device = dev;
  o.parent = parent;
  o.handle = h;
  o.type = leaf.kind;
  o.limit = leaf.limit.value_or(0);
  o.tc = "tc qdisc add dev " + dev + " " + (parent == kRoot ? "root" : "parent " + handle_text(parent)) + " handle " +
         handle_text(h) + " " + leaf.kind + (leaf.limit ? " limit " + std::to_string(*leaf.limit) : "");
  return o;
}

void add_htb(const std::string& dev, const EgressQos& q, std::vector<TcObject>& out) {
  const auto minors = class_minors(q);
  TcObject qd;
  qd.device = dev;
  qd.parent = kRoot;
  qd.handle = handle(1, 0);
  qd.type = "htb";
  qd.default_class = q.default_class.empty() ? 0 : minors.at(q.default_class);
  qd.tc = "tc qdisc add dev " + dev + " root handle 1: htb default " + hex(qd.default_class);
  out.push_back(qd);
  std::function<void(const HtbClassSpec&, uint32_t)> add = [&](const HtbClassSpec& c, uint32_t parent) {
    TcObject o;
    o.kind = TcKind::Class;
    o.device = dev;
    o.parent = parent;
    o.handle = handle(1, minors.at(c.name));
    o.type = "htb";
    o.rate = c.rate;
    o.ceil = c.ceil;
    // tc's defaults made explicit (libnl-route would pick 1500 bytes); the tc command leaves them
    // out, as tc computes the same.
    o.burst = c.burst.value_or(qos_default_htb_buffer(c.rate));
    o.cburst = c.cburst.value_or(qos_default_htb_buffer(c.ceil));
    o.quantum = c.quantum;
    o.prio = c.prio;
    o.tc = "tc class add dev " + dev + " parent " + handle_text(parent) + " classid " + handle_text(o.handle) +
           " htb rate " + qos_rate_text(c.rate) + " ceil " + qos_rate_text(c.ceil);
    if (c.burst) o.tc += " burst " + size_text(*c.burst);
    if (c.cburst) o.tc += " cburst " + size_text(*c.cburst);
    if (c.prio) o.tc += " prio " + std::to_string(*c.prio);
    if (c.quantum) o.tc += " quantum " + std::to_string(*c.quantum);
    out.push_back(o);
    for (const auto& child : c.children) add(child, o.handle);
  };
  add(q.root, handle(1, 0));
  // Leaf qdiscs: handle <class minor>: under each leaf class that names one.
  std::function<void(const HtbClassSpec&)> leaves = [&](const HtbClassSpec& c) {
    if (c.children.empty() && !c.leaf.kind.empty())
      out.push_back(leaf_qdisc(dev, handle(1, minors.at(c.name)), handle(minors.at(c.name), 0), c.leaf));
    for (const auto& child : c.children) leaves(child);
  };
  leaves(q.root);
  for (const auto& f : q.filters) {
    TcObject o;
    o.kind = TcKind::Filter;
    o.device = dev;
    o.parent = handle(1, 0);
    o.type = "u32";
    o.flowid = handle(1, minors.at(f.class_name));
    std::string match;
    auto add_key = [&](uint32_t value, uint32_t mask, int offset) {
      for (auto& k : o.keys)
        if (k.offset == offset) {
          k.value |= value;
          k.mask |= mask;
          return;
        }
      o.keys.push_back({value, mask, offset});
    };
    auto addr = [](const IpPrefix& p) {
      const auto& b = p.addr.bytes;
      return uint32_t(b[0]) << 24 | uint32_t(b[1]) << 16 | uint32_t(b[2]) << 8 | b[3];
    };
    auto mask_of = [](int len) { return len ? ~uint32_t(0) << (32 - len) : 0u; };
    if (f.src) {
      add_key(addr(*f.src), mask_of(f.src->len), 12);
      match += " match ip src " + f.src->str();
    }
    if (f.dst) {
      add_key(addr(*f.dst), mask_of(f.dst->len), 16);
      match += " match ip dst " + f.dst->str();
    }
    if (!f.protocol.empty()) {
      int proto = f.protocol == "tcp" ? 6 : f.protocol == "udp" ? 17 : 1;
      add_key(uint32_t(proto) << 16, 0x00ff0000, 8);
      match += " match ip protocol " + std::to_string(proto) + " 0xff";
    }
    if (f.dscp) {
      add_key(uint32_t(*f.dscp) << 18, 0x00fc0000, 0);
      match += " match ip dsfield " + hex(uint32_t(*f.dscp) << 2) + " 0xfc";
    }
    // Ports as tc's `match ip sport/dport` read them: at offset 20, an IP header without options.
    if (f.sport) {
      add_key(uint32_t(*f.sport) << 16, 0xffff0000, 20);
      match += " match ip sport " + std::to_string(*f.sport) + " 0xffff";
    }
    if (f.dport) {
      add_key(uint32_t(*f.dport), 0x0000ffff, 20);
      match += " match ip dport " + std::to_string(*f.dport) + " 0xffff";
    }
    o.tc =
        "tc filter add dev " + dev + " parent 1: protocol ip prio 1 u32" + match + " flowid " + handle_text(o.flowid);
    out.push_back(o);
  }
}

void add_tbf(const std::string& dev, uint64_t rate, uint32_t burst, uint32_t latency_us, std::vector<TcObject>& out) {
  TcObject o;
  o.device = dev;
  o.parent = kRoot;
  o.handle = handle(1, 0);
  o.type = "tbf";
  o.rate = rate;
  o.burst = burst;
  // tc's limit from latency: what the bucket holds plus latency's worth of the rate.
  o.limit = static_cast<uint32_t>(rate / 8 * latency_us / 1000000 + burst);
  o.tc = "tc qdisc add dev " + dev + " root handle 1: tbf rate " + qos_rate_text(rate) + " burst " + size_text(burst) +
         " limit " + size_text(o.limit) + "  # latency " + std::to_string(latency_us / 1000) + "ms";
  out.push_back(o);
}

}  // namespace

std::string qos_ifb_name(const std::string& kernel_iface) { return short_kernel_name("ifb-" + kernel_iface); }

std::string qos_class_handle(const EgressQos& egress, const std::string& name) {
  auto minors = class_minors(egress);
  auto it = minors.find(name);
  return it == minors.end() ? "" : handle_text(handle(1, it->second));
}

std::vector<TcObject> qos_objects(const InterfaceSpec& iface) {
  std::vector<TcObject> out;
  if (!iface.qos) return out;
  const auto& dev = iface.kernel_name;
  if (const auto& e = iface.qos->egress) {
    if (e->kind == "htb")
      add_htb(dev, *e, out);
    else if (e->kind == "tbf")
      add_tbf(dev, e->rate, e->burst, e->latency_us, out);
    else
      out.push_back(leaf_qdisc(dev, kRoot, handle(1, 0), e->leaf));
  }
  if (const auto& in = iface.qos->ingress) {
    TcObject qd;
    qd.device = dev;
    qd.parent = kIngress;
    qd.handle = handle(0xffff, 0);
    qd.type = "ingress";
    qd.tc = "tc qdisc add dev " + dev + " handle ffff: ingress";
    TcObject f;
    f.kind = TcKind::Filter;
    f.device = dev;
    f.parent = handle(0xffff, 0);
    f.type = "u32";
    f.all_protocols = true;
    if (in->method == "ifb") {
      const auto ifb = qos_ifb_name(dev);
      TcObject link;
      link.kind = TcKind::IfbLink;
      link.device = ifb;
      link.type = "ifb";
      link.tc = "ip link add " + ifb + " type ifb; ip link set " + ifb + " up";
      out.push_back(link);
      add_tbf(ifb, in->rate, in->burst, 50000, out);
      out.push_back(qd);
      f.redirect_to = ifb;
      f.tc = "tc filter add dev " + dev +
             " parent ffff: protocol all prio 1 u32 match u32 0 0 action mirred egress "
             "redirect dev " +
             ifb;
    } else {
      out.push_back(qd);
      f.rate = in->rate;
      f.burst = in->burst;
      f.tc = "tc filter add dev " + dev + " parent ffff: protocol all prio 1 u32 match u32 0 0 police rate " +
             qos_rate_text(in->rate) + " burst " + size_text(in->burst) + " drop";
    }
    out.push_back(f);
  }
  return out;
}

std::vector<TcObject> qos_objects(const NodeSpec& node) {
  std::vector<TcObject> out;
  for (const auto& i : node.interfaces) {
    auto objs = qos_objects(i);
    out.insert(out.end(), objs.begin(), objs.end());
  }
  return out;
}

std::string qos_commands(const std::vector<TcObject>& objects, const std::string& netns) {
  std::string s;
  const std::string prefix = netns.empty() ? "" : "ip netns exec " + netns + " ";
  for (const auto& o : objects) s += prefix + o.tc + "\n";
  return s;
}

void refuse_undeployable_qos(const Topology& topology) {
  for (const auto& node : topology.nodes)
    if (node.ovs && uses_system_ovs(topology))
      for (const auto& p : node.ovs->ports)
        if (p.qos)
          throw std::runtime_error("port '" + node.name + ":" + p.name +
                                   "' has qos:, which netrig does not build in the system's Open vSwitch "
                                   "(settings.ovs) yet: QoS and Queue rows outlive their port there and need "
                                   "their own removal; remove settings.ovs so the lab runs its own OVS");
  for (const auto& node : topology.nodes)
    for (const auto& i : node.interfaces) {
      if (!i.qos) continue;
      const auto where = "interface '" + node.name + ":" + i.name + "'";
      if (node.kind != NodeKind::Netns)
        throw std::runtime_error(where +
                                 " has qos:, which netrig deploys on namespace nodes only (not yet in "
                                 "VM guests); shape the VM's traffic on the link's other end instead");
      if (i.qos->ingress && i.qos->ingress->method == "police")
        throw std::runtime_error(where +
                                 " has ingress method: police, which netrig does not build (libnl-route "
                                 "has no police action, and this kernel has no act_police); use method: ifb");
    }
}

void plan_node_qos(PlanBuilder& b, const NodeSpec& node) {
  auto qos = qos_objects(node);
  if (qos.empty()) return;
  auto commands = qos_commands(qos, b.plan.netns_of(node.name));
  while (!commands.empty() && commands.back() == '\n') commands.pop_back();
  // Once its interfaces exist and are up.
  b.configured.push_back(b.add(StepKind::ConfigureQos, node.name, {b.configured.back()}, commands));
}

}  // namespace netrig
