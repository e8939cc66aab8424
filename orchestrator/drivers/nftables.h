// nftables through libnftables, always inside a named namespace: the host's own ruleset is never
// read or written.
#pragma once

#include <string>

namespace netrig {

// Applies `ruleset` (nft -f syntax) inside /run/netns/<netns>. The calling thread enters the
// namespace before the nft context (and its netlink socket) exists and leaves it afterwards.
// Throws std::runtime_error with nft's error messages on failure.
// Equivalent: ip netns exec <netns> nft -f - <<< "$ruleset"
void nft_apply(const std::string& netns, const std::string& ruleset);

// `nft list ruleset` inside /run/netns/<netns>. Throws on failure.
std::string nft_list_ruleset(const std::string& netns);

}  // namespace netrig
