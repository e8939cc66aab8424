// The hosts (simulated physical machines: topology.hosts and the implicit `local`) of a lab with
// what is placed on each, and its tunnel ports with the hosts at both ends: part of
// lab_status(..., Full), what GET /api/v1/labs/{lab} and the status page show.
#pragma once

#include <nlohmann/json.hpp>

#include "plan/plan.h"

namespace netrig {

// [{name, netns, addresses (the underlay's), nodes, switches}], `local` first.
nlohmann::json hosts_json(const Plan& plan);

// [{switch, port, type, local_host, remote, remote_host (null when no host of the lab has that
// address), key (null = none), dst_port (null = OVS's default)}], in file order.
nlohmann::json tunnels_json(const Plan& plan);

}  // namespace netrig
