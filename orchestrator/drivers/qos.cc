#include "drivers/qos.h"

#include <linux/if_ether.h>
#include <linux/pkt_cls.h>
#include <linux/pkt_sched.h>
#include <linux/tc_act/tc_mirred.h>
#include <net/if.h>
#include <netlink/errno.h>
#include <netlink/netlink.h>
#include <netlink/route/act/mirred.h>
#include <netlink/route/action.h>
#include <netlink/route/class.h>
#include <netlink/route/classifier.h>
#include <netlink/route/cls/u32.h>
#include <netlink/route/link.h>
#include <netlink/route/qdisc.h>
#include <netlink/route/qdisc/fifo.h>
#include <netlink/route/qdisc/htb.h>
#include <netlink/route/qdisc/tbf.h>
#include <netlink/route/tc.h>

#include <memory>
#include <stdexcept>

#include "drivers/netns.h"

namespace netrig {
namespace {

// What the kernel needs for an object: the feature, and the module that provides it.
std::string feature_of(const TcObject& o) {
  switch (o.kind) {
    case TcKind::IfbLink:
      return "ifb device (module ifb";
    case TcKind::Filter:
      return o.redirect_to.empty() ? "u32 classifier (module cls_u32"
                                   : "u32 classifier or mirred action (modules cls_u32, act_mirred";
    default:
      return o.type + " qdisc (module sch_" + o.type;
  }
}

struct Socket {
  nl_sock* sk = nl_socket_alloc();
  Socket() {
    if (!sk) throw std::runtime_error("libnl: cannot allocate a socket");
    if (int err = nl_connect(sk, NETLINK_ROUTE); err < 0) {
      nl_socket_free(sk);
      throw std::runtime_error(std::string("libnl: cannot open a route socket: ") + nl_geterror(err));
    }
  }
  ~Socket() { nl_socket_free(sk); }
};

template <typename T, void (*Free)(T*)>
struct Owned {
  T* p;
  explicit Owned(T* ptr) : p(ptr) {
    if (!p) throw std::runtime_error("libnl: out of memory");
  }
  ~Owned() { Free(p); }
};
using Qdisc = Owned<rtnl_qdisc, rtnl_qdisc_put>;
using Class = Owned<rtnl_class, rtnl_class_put>;
using Cls = Owned<rtnl_cls, rtnl_cls_put>;
using Link = Owned<rtnl_link, rtnl_link_put>;
using Act = Owned<rtnl_act, rtnl_act_put>;

int index_of(const std::string& device) {
  unsigned idx = if_nametoindex(device.c_str());
  if (!idx) throw std::runtime_error("no device '" + device + "' in the node's namespace");
  return static_cast<int>(idx);
}

void set_tc(rtnl_tc* tc, const TcObject& o) {
  rtnl_tc_set_ifindex(tc, index_of(o.device));
  rtnl_tc_set_parent(tc, o.parent);
  if (o.handle) rtnl_tc_set_handle(tc, o.handle);
}

int create(nl_sock* sk, const TcObject& o) {
  constexpr int kFlags = NLM_F_CREATE | NLM_F_EXCL;
  switch (o.kind) {
    case TcKind::IfbLink: {
      // Made inside the node's namespace (the host's own ifb devices are never touched); the kernel
      // deletes it with the namespace.
      Link link(rtnl_link_alloc());
      rtnl_link_set_name(link.p, o.device.c_str());
      if (int err = rtnl_link_set_type(link.p, "ifb"); err < 0) return err;
      rtnl_link_set_flags(link.p, IFF_UP);
      return rtnl_link_add(sk, link.p, kFlags);
    }
    case TcKind::Qdisc: {
      Qdisc q(rtnl_qdisc_alloc());
      set_tc(TC_CAST(q.p), o);
      if (int err = rtnl_tc_set_kind(TC_CAST(q.p), o.type.c_str()); err < 0 && o.type != "ingress") return err;
      if (o.type == "htb") {
        rtnl_htb_set_defcls(q.p, o.default_class);
      } else if (o.type == "tbf") {
        if (o.rate / 8 > 0x7fffffffull) return -NLE_RANGE;
        // tc qdisc add ... tbf rate R burst B limit L. Cell 0: libnl derives the rate table's
        // cell_log from its MTU (1500 -> 3), the cell_log tc derives from its 2047 (also 3); a
        // non-zero cell must be a power of two, or libnl stores -NLE_INVAL as the cell_log.
        rtnl_qdisc_tbf_set_limit(q.p, static_cast<int>(o.limit));
        rtnl_qdisc_tbf_set_rate(q.p, static_cast<int>(o.rate / 8), static_cast<int>(o.burst.value_or(3200)), 0);
      } else if (o.type == "pfifo" || o.type == "bfifo") {
        // libnl-route refuses a fifo without a limit (NLE_INVAL, "Invalid input data"), where tc
        // sends none and the kernel takes the device's txqueuelen: 1000 packets for a veth, and
        // bfifo txqueuelen x MTU bytes. The same, made explicit.
        rtnl_qdisc_fifo_set_limit(q.p, static_cast<int>(o.limit ? o.limit : o.type == "pfifo" ? 1000 : 1000 * 1500));
      }
      return rtnl_qdisc_add(sk, q.p, kFlags);
    }
    case TcKind::Class: {
      Class c(rtnl_class_alloc());
      set_tc(TC_CAST(c.p), o);
      rtnl_tc_set_kind(TC_CAST(c.p), "htb");
      rtnl_htb_set_rate64(c.p, o.rate / 8);
      rtnl_htb_set_ceil64(c.p, o.ceil / 8);
      if (o.burst) rtnl_htb_set_rbuffer(c.p, *o.burst);
      if (o.cburst) rtnl_htb_set_cbuffer(c.p, *o.cburst);
      if (o.prio) rtnl_htb_set_prio(c.p, *o.prio);
      if (o.quantum) rtnl_htb_set_quantum(c.p, *o.quantum);
      return rtnl_class_add(sk, c.p, kFlags);
    }
    case TcKind::Filter: {
      Cls f(rtnl_cls_alloc());
      set_tc(TC_CAST(f.p), o);
      rtnl_tc_set_kind(TC_CAST(f.p), "u32");
      rtnl_cls_set_prio(f.p, static_cast<uint16_t>(o.filter_prio));
      rtnl_cls_set_protocol(f.p, o.all_protocols ? ETH_P_ALL : ETH_P_IP);
      if (o.keys.empty()) {
        rtnl_u32_add_key_uint32(f.p, 0, 0, 0, 0);  // match u32 0 0: everything
      } else {
        for (const auto& k : o.keys) rtnl_u32_add_key_uint32(f.p, k.value, k.mask, k.offset, 0);
      }
      rtnl_u32_set_cls_terminal(f.p);
      if (!o.redirect_to.empty()) {
        // action mirred egress redirect dev IFB. rtnl_u32_add_action takes its own reference when
        // it succeeds (libnl 3.7 lib/route/cls/u32.c: rtnl_act_get; the filter's free puts it),
        // so `act` drops ours on every path, thrown or not.
        const auto ifb = static_cast<uint32_t>(index_of(o.redirect_to));
        Act act(rtnl_act_alloc());
        if (int err = rtnl_tc_set_kind(TC_CAST(act.p), "mirred"); err < 0) return err;
        rtnl_mirred_set_action(act.p, TCA_EGRESS_REDIR);
        rtnl_mirred_set_policy(act.p, TC_ACT_STOLEN);
        rtnl_mirred_set_ifindex(act.p, ifb);
        if (int err = rtnl_u32_add_action(f.p, act.p); err < 0) return err;
      } else {
        rtnl_u32_set_classid(f.p, o.flowid);
      }
      return rtnl_cls_add(sk, f.p, kFlags);
    }
  }
  return -NLE_INVAL;
}

}  // namespace

std::string qos_failure_message(const TcObject& o, int nl_error) {
  std::string msg = "the kernel refused `" + o.tc + "`: " + nl_geterror(nl_error);
  // A qdisc, classifier or action the kernel does not know answers ENOENT (NLE_OBJ_NOTFOUND); an
  // unknown link type EOPNOTSUPP.
  const int e = nl_error < 0 ? -nl_error : nl_error;
  if (e == NLE_OBJ_NOTFOUND || (o.kind == TcKind::IfbLink && e == NLE_OPNOTSUPP)) {
    msg += "; this kernel has no " + feature_of(o) + " is not built in, and netrig does not load modules). ";
    if (o.type == "sfq" || o.type == "fq_codel" || o.type == "netem" || o.type == "prio")
      msg += "Use a pfifo/bfifo leaf here, or run on a kernel that has it (Debian's own kernels do)";
    else
      msg += "Run on a kernel that has it (`netrig doctor` lists what this one lacks)";
  } else if (e == NLE_RANGE) {
    msg += "; the rate is beyond what tbf takes here (at most 17 Gbit/s)";
  }
  return msg;
}

void apply_qos(const std::string& netns, const std::vector<TcObject>& objects) {
  if (objects.empty()) return;
  NetnsGuard inside(netns);
  Socket sock;
  for (const auto& o : objects)
    if (int err = create(sock.sk, o); err < 0) throw std::runtime_error(qos_failure_message(o, err));
}

}  // namespace netrig
