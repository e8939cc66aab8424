#include "util/text.h"

#include <gtest/gtest.h>

namespace netrig {
namespace {

TEST(UtilText, ShellJoinQuotesOnlyWhatTheShellWouldSplitOrExpand) {
  EXPECT_EQ(shell_join({"ip", "link", "show"}), "ip link show");
  EXPECT_EQ(shell_join({"sh", "-c", "echo $x; true"}), "sh -c 'echo $x; true'");
  EXPECT_EQ(shell_join({"echo", "it's", ""}), "echo 'it'\\''s' ''");
}

TEST(UtilText, XmlEscapeCoversMarkupQuotesAndForbiddenControls) {
  EXPECT_EQ(xml_escape("a<b>&\"c'"), "a&lt;b&gt;&amp;&quot;c&apos;");
  EXPECT_EQ(xml_escape(std::string("x\x01y\tz\n")), "x?y\tz\n");
  EXPECT_EQ(xml_escape("a\r\nb"), "a&#13;\nb");
}

}  // namespace
}  // namespace netrig
