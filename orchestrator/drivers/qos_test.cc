// The messages of a tc object the kernel refused (pure: no netlink is opened).
#include "drivers/qos.h"

#include <gtest/gtest.h>
#include <netlink/errno.h>

namespace netrig {
namespace {

TcObject qdisc(const std::string& type, const std::string& tc) {
  TcObject o;
  o.type = type;
  o.tc = tc;
  return o;
}

TEST(QosFailureMessage, AMissingLeafQdiscNamesItsModuleAndTheFifoWayOut) {
  const auto m =
      qos_failure_message(qdisc("sfq", "tc qdisc add dev eth1 parent 1:12 handle 12: sfq"), -NLE_OBJ_NOTFOUND);
  EXPECT_NE(m.find("the kernel refused `tc qdisc add dev eth1 parent 1:12 handle 12: sfq`"), std::string::npos) << m;
  EXPECT_NE(m.find("this kernel has no sfq qdisc (module sch_sfq is not built in"), std::string::npos) << m;
  EXPECT_NE(m.find("Use a pfifo/bfifo leaf"), std::string::npos) << m;
}

TEST(QosFailureMessage, AMissingHtbPointsAtDoctor) {
  const auto m =
      qos_failure_message(qdisc("htb", "tc qdisc add dev eth1 root handle 1: htb default 12"), -NLE_OBJ_NOTFOUND);
  EXPECT_NE(m.find("no htb qdisc (module sch_htb"), std::string::npos) << m;
  EXPECT_NE(m.find("netrig doctor"), std::string::npos) << m;
}

TEST(QosFailureMessage, ARedirectFilterNamesClassifierAndAction) {
  TcObject f = qdisc("u32", "tc filter add dev eth1 parent ffff: ... action mirred egress redirect dev ifb-eth1");
  f.kind = TcKind::Filter;
  f.redirect_to = "ifb-eth1";
  const auto m = qos_failure_message(f, -NLE_OBJ_NOTFOUND);
  EXPECT_NE(m.find("no u32 classifier or mirred action (modules cls_u32, act_mirred"), std::string::npos) << m;
  f.redirect_to.clear();
  EXPECT_NE(qos_failure_message(f, -NLE_OBJ_NOTFOUND).find("no u32 classifier (module cls_u32 is"), std::string::npos);
}

TEST(QosFailureMessage, AnIfbTheKernelCannotMakeIsAMissingModule) {
  TcObject l = qdisc("ifb", "ip link add ifb-eth1 type ifb; ip link set ifb-eth1 up");
  l.kind = TcKind::IfbLink;
  EXPECT_NE(qos_failure_message(l, -NLE_OPNOTSUPP).find("no ifb device (module ifb"), std::string::npos);
  // The same error from a qdisc is not read as a missing module.
  EXPECT_EQ(qos_failure_message(qdisc("htb", "tc ..."), -NLE_OPNOTSUPP).find("module"), std::string::npos);
}

TEST(QosFailureMessage, OtherErrorsAreOnlyTheKernelsAnswer) {
  const auto m = qos_failure_message(qdisc("htb", "tc qdisc add dev eth1 root handle 1: htb"), -NLE_EXIST);
  EXPECT_EQ(m, std::string("the kernel refused `tc qdisc add dev eth1 root handle 1: htb`: ") + nl_geterror(NLE_EXIST));
  EXPECT_NE(qos_failure_message(qdisc("tbf", "tc ..."), -NLE_RANGE).find("at most 17 Gbit/s"), std::string::npos);
}

}  // namespace
}  // namespace netrig
