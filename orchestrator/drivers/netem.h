// netem on a device's egress at run time (link impairments), through libnl-route in the device's
// namespace. The qdisc goes with the device when the lab is destroyed.
#pragma once

#include <stdexcept>
#include <string>

#include "model/topology.h"

namespace netrig {

// The kernel has no netem (sch_netem not built, not loaded): the impairment cannot be applied here.
struct NetemUnavailable : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// Replaces the device's root qdisc with netem as `imp` says, or (imp.clear) deletes the root qdisc
// (a device without one is fine). Throws NetemUnavailable or std::runtime_error.
void apply_impairment(const std::string& netns, const std::string& device, const LinkImpairment& imp);

}  // namespace netrig
