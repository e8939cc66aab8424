// Bytes a command printed, made safe for the report formats: JSON needs UTF-8, XML 1.0 also
// forbids most control characters. Nothing is dropped silently: each replacement is counted so the
// report can say so.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace netrig {

// U+FFFD, what every replaced byte becomes.
inline constexpr std::string_view kReplacementChar = "\xEF\xBF\xBD";

// `text` with each byte that is not part of a well-formed UTF-8 sequence (RFC 3629: no overlong
// forms, no surrogates, nothing above U+10FFFF) replaced by U+FFFD; adds the count to *replaced.
std::string clean_utf8(std::string_view text, size_t* replaced = nullptr);

// clean_utf8, then also the characters XML 1.0 does not allow (C0 controls other than tab, LF,
// CR; U+FFFE, U+FFFF) replaced by U+FFFD. The result still needs escaping (&, <, ...).
std::string clean_xml_text(std::string_view text, size_t* replaced = nullptr);

// "3 bytes of check output that were not valid UTF-8 (or ...) were replaced with U+FFFD".
std::string replacement_note(size_t replaced);

}  // namespace netrig
