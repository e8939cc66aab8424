// Units of tc, for the `qos:` block of an interface (model/parse_qos.cc): rates, sizes and times
// as `tc` spells them. Pure; each returns nullopt and sets `why` when the text is not one.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

namespace netrig {

// "20mbit", "1gbit", "100kbps" (tc's bps is bytes per second) -> bit/s. A bare number is refused
// (tc reads it as bytes per second, which nobody expects). Percentages are the caller's business.
std::optional<uint64_t> parse_qos_rate(const std::string& text, std::string& why);
// "1500", "1500b", "32k", "32kb", "1m", "1mb", "10kbit" -> bytes.
std::optional<uint64_t> parse_qos_size(const std::string& text, std::string& why);
// "50ms", "1s", "200us", "0.5s" -> microseconds.
std::optional<uint64_t> parse_qos_time(const std::string& text, std::string& why);
// "1%", "0.5%", "100%" -> percent (0-100), as netem takes probabilities.
std::optional<double> parse_percent(const std::string& text, std::string& why);
// The MTU tc assumes for its rate tables and default buckets (iproute2's tc/q_htb.c: mtu 1600).
constexpr uint32_t kQosTcMtu = 1600;
// The bucket an htb class gets when the file gives no burst/cburst: what `tc class add ... htb rate
// R` computes, R (bytes/s) / psched_hz + 1600. tc reads psched_hz from /proc/net/psched (its 4th
// word when the 3rd is 1000000), which every high-resolution-timer kernel gives as 1000000000, so
// this is 1600 bytes below 8 Gbit/s (tc -d class show: "burst 1600b"). netrig sets it explicitly
// because libnl-route's own default is 1500 (its MTU guess), not tc's.
uint32_t qos_default_htb_buffer(uint64_t rate, uint64_t psched_hz = 1000000000);
// The bucket of a tbf (egress, or the ifb's shaper of an ingress limit) whose file gives no burst
// (tc itself demands one): 10 ms of the rate plus one 1600-byte MTU. tc-tbf(8): the burst must be
// at least rate/HZ to reach the rate; HZ=100 is the lowest any kernel uses.
uint32_t qos_default_tbf_burst(uint64_t rate);
// 20000000 -> "20mbit" (the largest unit that divides it exactly), as tc commands show.
std::string qos_rate_text(uint64_t bits_per_second);

}  // namespace netrig
