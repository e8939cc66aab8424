#include "reports/text_safety.h"

#include <gtest/gtest.h>

namespace netrig {
namespace {

TEST(TextSafety, KeepsWellFormedUtf8) {
  size_t replaced = 0;
  const std::string text = "plain, caf\xC3\xA9, \xE2\x86\x92, \xF0\x9F\x98\x80\n\ttab";
  EXPECT_EQ(clean_utf8(text, &replaced), text);
  EXPECT_EQ(clean_xml_text(text, &replaced), text);
  EXPECT_EQ(replaced, 0u);
}

TEST(TextSafety, ReplacesEachBadByte) {
  size_t replaced = 0;
  // printf '\377\376' in an exec check: two bytes that never occur in UTF-8.
  EXPECT_EQ(clean_utf8("a\xFF\xFE"
                       "b",
                       &replaced),
            "a\xEF\xBF\xBD\xEF\xBF\xBD"
            "b");
  EXPECT_EQ(replaced, 2u);
  replaced = 0;
  // Overlong '/', a surrogate, a truncated sequence at the end, a lone continuation byte.
  clean_utf8("\xC0\xAF", &replaced);
  EXPECT_EQ(replaced, 2u);
  replaced = 0;
  clean_utf8("\xED\xA0\x80", &replaced);
  EXPECT_EQ(replaced, 3u);
  replaced = 0;
  EXPECT_EQ(clean_utf8("ok\xE2\x86", &replaced), "ok\xEF\xBF\xBD\xEF\xBF\xBD");
  EXPECT_EQ(replaced, 2u);
  replaced = 0;
  clean_utf8("\x80", &replaced);
  EXPECT_EQ(replaced, 1u);
}

TEST(TextSafety, XmlAlsoReplacesForbiddenControls) {
  size_t replaced = 0;
  EXPECT_EQ(clean_xml_text(std::string("a\0b\x1b[0m\x0B", 8), &replaced),
            "a\xEF\xBF\xBD"
            "b\xEF\xBF\xBD[0m\xEF\xBF\xBD");
  EXPECT_EQ(replaced, 3u);
  replaced = 0;
  EXPECT_EQ(clean_xml_text("\xEF\xBF\xBF", &replaced), "\xEF\xBF\xBD");  // U+FFFF
  EXPECT_EQ(replaced, 1u);
  EXPECT_EQ(clean_utf8(std::string("\0", 1)), std::string("\0", 1)) << "JSON escapes controls itself";
}

}  // namespace
}  // namespace netrig
