// The StepDriver that acts on this machine: one apply function per step kind, each calling its
// feature's driver (netns.h, veth_links.h, node_config.h, ovs.h, container.h, vm.h / vm_libvirt.h,
// nftables.h, qos.h, dhcp.h, service.h, node_exec.h), and destroy_lab as the undo.
#pragma once

#include <memory>

#include "drivers/step_driver.h"

namespace netrig {

std::unique_ptr<StepDriver> kernel_step_driver();

// Whether the table has an apply function for the kind (kernel_steps_test.cc checks every kind).
bool kernel_step_has_driver(StepKind kind);

}  // namespace netrig
