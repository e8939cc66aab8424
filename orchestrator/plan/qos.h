// QoS of a node's interfaces (model QosSpec) -> the tc objects that realise it, in creation order,
// each with its equivalent `tc` / `ip` command. Pure; drivers/qos.cc creates them through
// libnl-route inside the node's namespace.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "model/topology.h"

namespace netrig {

// One 32-bit word of a u32 match: (packet word at `offset` from the IP header) & mask == value,
// host byte order.
struct U32Key {
  uint32_t value = 0;
  uint32_t mask = 0;
  int offset = 0;
};

enum class TcKind { IfbLink, Qdisc, Class, Filter };

struct TcObject {
  TcKind kind = TcKind::Qdisc;
  std::string device;   // kernel name inside the node
  uint32_t parent = 0;  // TC_H_ROOT (0xffffffff), TC_H_INGRESS (0xfffffff1) or a class/qdisc handle
  uint32_t handle = 0;  // qdisc: major:0; class: classid; filter: 0 (the kernel picks)
  std::string type;     // qdisc/class: htb, tbf, pfifo, bfifo, sfq, fq_codel, netem, ingress; filter: u32
  // htb qdisc
  uint32_t default_class = 0;  // minor of the default class
  // htb class / tbf
  uint64_t rate = 0, ceil = 0;                           // bit/s
  std::optional<uint32_t> burst, cburst, quantum, prio;  // bytes / 0..7
  uint32_t limit = 0;                                    // tbf: bytes of queue; fifo: packets or bytes (0 = default)
  // filter
  uint32_t filter_prio = 1;
  bool all_protocols = false;  // protocol all (ingress redirect) instead of ip
  std::vector<U32Key> keys;    // empty: match everything (u32 0 0)
  uint32_t flowid = 0;         // class the filter sends to
  std::string redirect_to;     // mirred egress redirect to this device (ifb)
  std::string tc;              // the equivalent command
};

// The ifb device that shapes what arrives on `iface` (created inside the node's namespace, so the
// host's own ifb0/ifb1 are never touched).
std::string qos_ifb_name(const std::string& kernel_iface);

// Every tc object of one interface, in creation order (qdisc before its classes, classes before
// their children and filters; the ifb before the redirect that names it).
std::vector<TcObject> qos_objects(const InterfaceSpec& iface);
// Of all the node's interfaces with qos:, in interface order.
std::vector<TcObject> qos_objects(const NodeSpec& node);
// The tc commands of a list of objects, one a line, for `netrig plan` and golden tests.
std::string qos_commands(const std::vector<TcObject>& objects, const std::string& netns);
// A class's handle by name ("1:10"), the way tc prints it; "" when the tree has no such class.
std::string qos_class_handle(const EgressQos& egress, const std::string& name);

struct PlanBuilder;  // plan/plan_builder.h
// What qos: can say but netrig does not build yet: refused (std::runtime_error) before anything is
// created.
void refuse_undeployable_qos(const Topology& topology);
// The planner's QoS stage for one node (after its configuration): a ConfigureQos step when any of
// its interfaces has qos:.
void plan_node_qos(PlanBuilder& b, const NodeSpec& node);

}  // namespace netrig
