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
// 20000000 -> "20mbit" (the largest unit that divides it exactly), as tc commands show.
std::string qos_rate_text(uint64_t bits_per_second);

}  // namespace netrig
