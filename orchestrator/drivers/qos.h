// Applies the tc objects of plan/qos.h inside a node's namespace through libnl-route (htb, tbf,
// fifo and other leaf qdiscs, u32 filters, mirred redirects, ifb devices). Everything it makes sits
// in the node's namespace and goes with it on destroy: nothing to journal.
#pragma once

#include <string>
#include <vector>

#include "plan/qos.h"

namespace netrig {

// Creates `objects` in order inside namespace `netns`; throws on the first the kernel refuses, with
// what was asked (its tc command) and, when the kernel lacks the qdisc/classifier/action, which
// module is missing and what to do.
void apply_qos(const std::string& netns, const std::vector<TcObject>& objects);

// The message for a tc object the kernel refused with libnl error `nl_error` (negative NLE_*).
std::string qos_failure_message(const TcObject& object, int nl_error);

}  // namespace netrig
