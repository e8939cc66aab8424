// The counters of the qdiscs and classes on a device, as `tc -s qdisc show` / `tc -s class show`
// print them, read through libnl-route inside a namespace. What the API shows for interface qos:.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace netrig {

struct TcStats {
  std::string object;  // qdisc | class
  std::string handle;  // as tc prints it: "1:", "1:10", "ffff:"
  std::string parent;  // "root", "ingress" or a handle
  std::string kind;    // htb, tbf, pfifo, ingress, ...
  uint64_t bytes = 0, packets = 0, drops = 0, overlimits = 0, requeues = 0;
  uint64_t qlen = 0, backlog = 0;  // packets queued, bytes queued (gauges)
};

// Every qdisc (but the kernel's default noqueue/handle 0) and class on `device` in namespace
// `netns`; empty when the namespace or device is gone.
std::vector<TcStats> read_tc_stats(const std::string& netns, const std::string& device);

// A tc handle as tc prints it: 0x10010 -> "1:10", 0x10000 -> "1:"; TC_H_ROOT -> "root".
std::string tc_handle_text(uint32_t handle);

}  // namespace netrig
