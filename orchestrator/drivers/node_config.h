// A node's own configuration in its namespace (the ConfigureNode step of a netns or container node):
// sysctls, loopback with the lab's mark, interfaces up with their addresses, floating addresses,
// static neighbours, DHCP leases, then routes.
#pragma once

#include <string>

#include "plan/plan.h"

namespace netrig {

// Writes /proc/sys/<key with '.' as '/'> in the calling thread's network namespace.
void write_sysctl(const std::string& key, const std::string& value);

void configure_node(const Plan& plan, const NodeSpec& node, const std::string& mark);

}  // namespace netrig
