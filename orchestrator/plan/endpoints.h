// The one resolver from a link end, as the tests' actions name it (model/endpoints.h), to the
// kernel device that carries it and the namespace it lives in. Pure: it reads the plan only, so the
// namespace is wherever the plan put the device (a node's namespace, or the lab's switch namespace
// for a bridge port).
#pragma once

#include <optional>
#include <string>

#include "plan/plan.h"

namespace netrig {

struct EndpointDevice {
  std::string netns;   // namespace name; "" = the host's namespace
  std::string device;  // kernel name in that namespace
};

// nullopt when the plan has no such end.
std::optional<EndpointDevice> resolve_endpoint(const Plan& plan, const std::string& endpoint);

// What a step of the tests' sequence will do, in `ip` terms where it can ("" for a check):
// "ip -n lab-local link set h3-eth0 down", "sleep 1.5", "ip netns exec lab-h1 sh -c '...'".
std::string describe_action(const Plan& plan, const ActionSpec& action);

}  // namespace netrig
