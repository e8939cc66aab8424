// Runtime link state: a device's IFF_UP flag, set or cleared through rtnetlink inside the
// namespace that holds it (the tests' `action: {link: ..., state: down}`).
#pragma once

#include <string>

namespace netrig {

// ip -n <netns> link set <device> up|down ("" = the host's namespace). Throws SystemError when the
// namespace or device is missing or the kernel refuses.
void set_link_state(const std::string& netns, const std::string& device, bool up);

// Whether the device is administratively up (IFF_UP). Throws like set_link_state.
bool link_is_up(const std::string& netns, const std::string& device);

}  // namespace netrig
