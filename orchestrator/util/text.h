// Text helpers every layer uses: quoting an argv for a shell line, escaping for XML.
#pragma once

#include <string>
#include <vector>

namespace netrig {

// argv as one line a POSIX shell reads back as the same words: plain words as they are, others in
// single quotes (a ' inside becomes '\'').
std::string shell_join(const std::vector<std::string>& argv);

// `text` safe inside XML 1.0 content and attribute values (either quote): & < > " ' escaped, a
// carriage return as &#13; (a raw one is normalised away by the reader), and the control
// characters XML 1.0 forbids (all below 0x20 but tab, newline, return) replaced by '?'. Bytes
// that are not UTF-8 pass as they are (reports/text_safety cleans those first).
std::string xml_escape(const std::string& text);

}  // namespace netrig
