// netrig set-link LAB:END: a running lab's link end set down/up or impaired with netem (delay,
// jitter, loss, duplicate, reorder, corrupt) or cleared: the same actions a tests: sequence runs.
#pragma once

#include <optional>
#include <string>

#include "cli/commands.h"

namespace netrig {

struct SetLinkOptions {
  std::string target;  // LAB:NODE:IFACE or LAB:BRIDGE:NODE:IFACE (or without LAB: when one lab runs)
  std::optional<bool> up;
  std::string delay, jitter, loss, duplicate, reorder, corrupt;
  bool clear = false;
};

int cmd_set_link(const CommonOptions& o, const SetLinkOptions& s);

}  // namespace netrig
