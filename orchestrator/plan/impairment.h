// Link impairments (`action: {impair: ...}`, `netrig set-link`): the `tc` command equivalent to
// what the netem driver (drivers/netem.h) does through rtnetlink, shown as the action's evidence.
#pragma once

#include <string>

#include "model/topology.h"

namespace netrig {

// "tc [-n NS] qdisc replace dev DEV root netem delay 50ms 5ms loss 1% ..." or, for clear,
// "tc [-n NS] qdisc del dev DEV root".
std::string netem_tc_command(const std::string& netns, const std::string& device, const LinkImpairment& imp);

// netem's probabilities are fractions of 2^32 - 1 (tc's percentages).
uint32_t netem_probability(double percent);

}  // namespace netrig
