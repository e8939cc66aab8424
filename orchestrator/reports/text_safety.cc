#include "reports/text_safety.h"

namespace netrig {

// Length of the well-formed UTF-8 sequence at text[i], or 0 when the byte there starts none.
static size_t sequence_length(std::string_view text, size_t i) {
  const auto byte = [&](size_t k) { return static_cast<unsigned char>(text[k]); };
  const unsigned char b = byte(i);
  if (b < 0x80) return 1;
  size_t n;
  unsigned char lo = 0x80, hi = 0xBF;  // allowed range of the second byte (RFC 3629's table)
  if (b >= 0xC2 && b <= 0xDF) {
    n = 2;
  } else if (b >= 0xE0 && b <= 0xEF) {
    n = 3;
    if (b == 0xE0) lo = 0xA0;  // no overlong forms
    if (b == 0xED) hi = 0x9F;  // no UTF-16 surrogates
  } else if (b >= 0xF0 && b <= 0xF4) {
    n = 4;
    if (b == 0xF0) lo = 0x90;
    if (b == 0xF4) hi = 0x8F;  // nothing above U+10FFFF
  } else {
    return 0;
  }
  if (i + n > text.size()) return 0;
  if (byte(i + 1) < lo || byte(i + 1) > hi) return 0;
  for (size_t k = 2; k < n; ++k)
    if ((byte(i + k) & 0xC0) != 0x80) return 0;
  return n;
}

std::string clean_utf8(std::string_view text, size_t* replaced) {
  std::string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size();) {
    if (size_t n = sequence_length(text, i)) {
      out.append(text.substr(i, n));
      i += n;
    } else {
      out.append(kReplacementChar);
      if (replaced) ++*replaced;
      ++i;
    }
  }
  return out;
}

std::string clean_xml_text(std::string_view text, size_t* replaced) {
  const auto utf8 = clean_utf8(text, replaced);
  std::string out;
  out.reserve(utf8.size());
  for (size_t i = 0; i < utf8.size(); ++i) {
    const auto b = static_cast<unsigned char>(utf8[i]);
    const bool control = b < 0x20 && b != '\t' && b != '\n' && b != '\r';
    // U+FFFE and U+FFFF are EF BF BE / EF BF BF.
    const bool nonchar = b == 0xEF && i + 2 < utf8.size() && static_cast<unsigned char>(utf8[i + 1]) == 0xBF &&
                         (static_cast<unsigned char>(utf8[i + 2]) & 0xFE) == 0xBE;
    if (control || nonchar) {
      out.append(kReplacementChar);
      if (replaced) ++*replaced;
      if (nonchar) i += 2;
    } else {
      out += utf8[i];
    }
  }
  return out;
}

std::string replacement_note(size_t replaced) {
  return std::to_string(replaced) + (replaced == 1 ? " byte" : " bytes") +
         " of check output that were not valid UTF-8 (or are not allowed in XML 1.0) were replaced with U+FFFD";
}

}  // namespace netrig
