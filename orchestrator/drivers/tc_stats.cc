#include "drivers/tc_stats.h"

#include <linux/pkt_sched.h>
#include <net/if.h>
#include <netlink/netlink.h>
#include <netlink/route/class.h>
#include <netlink/route/qdisc.h>
#include <netlink/route/tc.h>

#include <cstdio>

#include "drivers/netns.h"

namespace netrig {
namespace {

TcStats stats_of(rtnl_tc* tc, const char* object) {
  TcStats s;
  s.object = object;
  s.handle = tc_handle_text(rtnl_tc_get_handle(tc));
  s.parent = tc_handle_text(rtnl_tc_get_parent(tc));
  const char* kind = rtnl_tc_get_kind(tc);
  s.kind = kind ? kind : "";
  s.bytes = rtnl_tc_get_stat(tc, RTNL_TC_BYTES);
  s.packets = rtnl_tc_get_stat(tc, RTNL_TC_PACKETS);
  s.drops = rtnl_tc_get_stat(tc, RTNL_TC_DROPS);
  s.overlimits = rtnl_tc_get_stat(tc, RTNL_TC_OVERLIMITS);
  s.requeues = rtnl_tc_get_stat(tc, RTNL_TC_REQUEUES);
  s.qlen = rtnl_tc_get_stat(tc, RTNL_TC_QLEN);
  s.backlog = rtnl_tc_get_stat(tc, RTNL_TC_BACKLOG);
  return s;
}

}  // namespace

std::string tc_handle_text(uint32_t handle) {
  if (handle == TC_H_ROOT) return "root";
  if (handle == TC_H_INGRESS) return "ingress";
  char buf[24];
  if (TC_H_MIN(handle) == 0)
    std::snprintf(buf, sizeof buf, "%x:", TC_H_MAJ(handle) >> 16);
  else
    std::snprintf(buf, sizeof buf, "%x:%x", TC_H_MAJ(handle) >> 16, TC_H_MIN(handle));
  return buf;
}

std::vector<TcStats> read_tc_stats(const std::string& netns, const std::string& device) {
  std::vector<TcStats> out;
  try {
    NetnsGuard inside(netns);
    const int ifindex = static_cast<int>(if_nametoindex(device.c_str()));
    if (ifindex == 0) return out;
    nl_sock* sk = nl_socket_alloc();
    if (!sk) return out;
    if (nl_connect(sk, NETLINK_ROUTE) == 0) {
      // tc -s qdisc show dev DEVICE
      nl_cache* qdiscs = nullptr;
      if (rtnl_qdisc_alloc_cache(sk, &qdiscs) == 0) {
        for (nl_object* o = nl_cache_get_first(qdiscs); o; o = nl_cache_get_next(o)) {
          auto* tc = reinterpret_cast<rtnl_tc*>(o);
          if (rtnl_tc_get_ifindex(tc) != ifindex || rtnl_tc_get_handle(tc) == 0) continue;
          out.push_back(stats_of(tc, "qdisc"));
        }
        nl_cache_free(qdiscs);
      }
      // tc -s class show dev DEVICE
      nl_cache* classes = nullptr;
      if (rtnl_class_alloc_cache(sk, ifindex, &classes) == 0) {
        for (nl_object* o = nl_cache_get_first(classes); o; o = nl_cache_get_next(o))
          out.push_back(stats_of(reinterpret_cast<rtnl_tc*>(o), "class"));
        nl_cache_free(classes);
      }
    }
    nl_socket_free(sk);
  } catch (const std::exception&) {
    out.clear();  // the namespace is gone
  }
  return out;
}

}  // namespace netrig
