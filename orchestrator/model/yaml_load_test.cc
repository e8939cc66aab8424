#include "model/yaml_load.h"

#include <gtest/gtest.h>

#include "model/parse_test_util.h"
#include "model/parser.h"

namespace netrig {
namespace {

// Each of these made yaml-cpp 0.7's LoadAll loop for ever, allocating a null document per turn.
TEST(YamlLoad, TokensNoNodeStartsWithEndInASyntaxError) {
  EXPECT_EQ(first_error(",\n"), "t.yaml:1:1: error: YAML syntax: ',' cannot start a value here");
  EXPECT_EQ(first_error("{a: 1}\n,\n"), "t.yaml:2:1: error: YAML syntax: ',' cannot start a value here");
  EXPECT_EQ(first_error("name: x\n---\nb: 2\n"), "t.yaml:2:1: error: the file holds more than one YAML document");
}

TEST(YamlLoad, BadBytesAreFoundWithTheirPosition) {
  EXPECT_EQ(first_bad_byte("a: b\n").message, "");
  EXPECT_EQ(first_bad_byte("a: \xc3\xa9t\xc3\xa9\n\ttab: ok\r\n").message, "");
  auto b = first_bad_byte("a: 1\nb: x\x0b");
  EXPECT_EQ(b.at.line, 2);
  EXPECT_EQ(b.at.col, 5);
  EXPECT_EQ(b.message, "control character byte 0x0B");
  EXPECT_EQ(first_bad_byte("\xc0\xaf").message, "invalid UTF-8 (byte 0xC0)");  // overlong '/'
  EXPECT_EQ(first_bad_byte("\xed\xa0\x80").message, "invalid UTF-8 (overlong or surrogate)");
  EXPECT_EQ(first_bad_byte("x\xe2\x82").message, "invalid UTF-8 (byte 0xE2)");  // cut short
  EXPECT_EQ(first_bad_byte("\xc2\x80").message, "control character U+0080");
}

TEST(YamlLoad, InputIsBounded) {
  EXPECT_NE(first_error(std::string(kMaxTopologyBytes + 1, '#')).find("more than the 1 MiB allowed"),
            std::string::npos);
  std::string many = "[";
  for (size_t i = 0; i <= kMaxYamlEvents; ++i) many += "0,";
  many += "0]";
  EXPECT_NE(first_error(many).find("YAML values; netrig stops reading here"), std::string::npos);
}

}  // namespace
}  // namespace netrig
