#include "drivers/netem.h"

#include <net/if.h>
#include <netlink/errno.h>
#include <netlink/netlink.h>
#include <netlink/route/qdisc.h>
#include <netlink/route/qdisc/netem.h>
#include <netlink/route/tc.h>

#include <memory>

#include "drivers/netns.h"
#include "plan/impairment.h"

namespace netrig {

void apply_impairment(const std::string& netns, const std::string& device, const LinkImpairment& m) {
  NetnsGuard inside(netns);
  std::unique_ptr<nl_sock, void (*)(nl_sock*)> sk(nl_socket_alloc(), nl_socket_free);
  if (!sk) throw std::runtime_error("libnl: cannot allocate a socket");
  if (int err = nl_connect(sk.get(), NETLINK_ROUTE); err < 0)
    throw std::runtime_error(std::string("libnl: cannot open a route socket: ") + nl_geterror(err));
  const int index = static_cast<int>(if_nametoindex(device.c_str()));
  if (index == 0) throw std::runtime_error("no device " + device + (netns.empty() ? "" : " in namespace " + netns));
  std::unique_ptr<rtnl_qdisc, void (*)(rtnl_qdisc*)> q(rtnl_qdisc_alloc(), rtnl_qdisc_put);
  if (!q) throw std::runtime_error("libnl: out of memory");
  rtnl_tc_set_ifindex(TC_CAST(q.get()), index);
  rtnl_tc_set_parent(TC_CAST(q.get()), TC_H_ROOT);
  const auto tc = netem_tc_command(netns, device, m);
  if (m.clear) {
    int err = rtnl_qdisc_delete(sk.get(), q.get());
    // No root qdisc of its own (the default one): nothing to clear.
    if (err < 0 && err != -NLE_OBJ_NOTFOUND && err != -NLE_NOADDR && err != -NLE_INVAL)
      throw std::runtime_error("the kernel refused `" + tc + "`: " + nl_geterror(err));
    return;
  }
  if (int err = rtnl_tc_set_kind(TC_CAST(q.get()), "netem"); err < 0)
    throw std::runtime_error(std::string("libnl: netem: ") + nl_geterror(err));
  rtnl_netem_set_limit(q.get(), 1000);  // tc's default
  if (m.delay_us) rtnl_netem_set_delay(q.get(), static_cast<int>(*m.delay_us));
  if (m.jitter_us) rtnl_netem_set_jitter(q.get(), static_cast<int>(*m.jitter_us));
  if (m.loss_pct) rtnl_netem_set_loss(q.get(), static_cast<int>(netem_probability(*m.loss_pct)));
  if (m.duplicate_pct) rtnl_netem_set_duplicate(q.get(), static_cast<int>(netem_probability(*m.duplicate_pct)));
  if (m.reorder_pct) rtnl_netem_set_reorder_probability(q.get(), static_cast<int>(netem_probability(*m.reorder_pct)));
  if (m.corrupt_pct)
    rtnl_netem_set_corruption_probability(q.get(), static_cast<int>(netem_probability(*m.corrupt_pct)));
  int err = rtnl_qdisc_add(sk.get(), q.get(), NLM_F_CREATE | NLM_F_REPLACE);
  if (err == -NLE_OBJ_NOTFOUND)
    throw NetemUnavailable(
        "this kernel has no netem qdisc (module sch_netem is not built in, and netrig does not "
        "load modules): `" +
        tc +
        "` cannot run here. Run on a kernel that has it (Debian's "
        "own kernels do; `netrig doctor` lists what this one lacks)");
  if (err < 0) throw std::runtime_error("the kernel refused `" + tc + "`: " + nl_geterror(err));
}

}  // namespace netrig
