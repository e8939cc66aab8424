#include "model/shell_words.h"

#include <gtest/gtest.h>

namespace netrig {
namespace {

std::vector<std::string> split(const std::string& s) {
  std::string problem;
  auto w = split_shell_words(s, &problem);
  EXPECT_TRUE(w) << problem;
  return w.value_or(std::vector<std::string>{});
}

TEST(ShellWords, ContainerlabCmdKeepsVariablesForTheContainersShell) {
  EXPECT_EQ(split(R"(ash -c "echo $MYVAR > /tmp/var && sleep 9999")"),
            (std::vector<std::string>{"ash", "-c", "echo $MYVAR > /tmp/var && sleep 9999"}));
}

TEST(ShellWords, QuotesBackslashesAndSpaces) {
  EXPECT_EQ(split("  a  'b c'\td\\ e \"f\\\"g\\n\" ''"), (std::vector<std::string>{"a", "b c", "d e", "f\"g\\n", ""}));
  EXPECT_EQ(split("x'y'\"z\""), (std::vector<std::string>{"xyz"}));
  EXPECT_TRUE(split("   ").empty());
}

TEST(ShellWords, UnclosedQuoteIsAProblem) {
  std::string problem;
  EXPECT_FALSE(split_shell_words("sh -c 'echo", &problem));
  EXPECT_EQ(problem, "the quote ' at character 7 is not closed");
  EXPECT_FALSE(split_shell_words("a\\", &problem));
  EXPECT_EQ(problem, "it ends with a backslash");
}

}  // namespace
}  // namespace netrig
