#include "api/validate.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <stdexcept>
#include <vector>

#include "api/server.h"

namespace netrig::api {
namespace {

TEST(ApiNames, LabNamesThatAreFine) {
  for (const std::string& ok :
       std::vector<std::string>{"lab1", "l", "my-lab", "my_lab.v2", "0lab", std::string(64, 'a')})
    EXPECT_EQ(name_problem(ok), "") << ok;
}

TEST(ApiNames, TraversalShellAndOversizedNamesAreRefused) {
  for (const char* bad : {"", "..", ".", "a/..", "../etc", "a/b", "-rf", ".hidden", "a..b", "a b", "a;rm", "a$(id)",
                          "a`id`", "a\nb", "a%2e", "lab\\x", "é"})
    EXPECT_NE(name_problem(bad), "") << "'" << bad << "' must be refused";
  EXPECT_NE(name_problem(std::string(65, 'a')), "");
  EXPECT_NE(name_problem(std::string("a\0b", 3)), "");
  EXPECT_NE(name_problem("a..b").find(".."), std::string::npos) << name_problem("a..b");
}

TEST(ApiToken, ConstantTimeEqualIsEquality) {
  EXPECT_TRUE(constant_time_equal("", ""));
  EXPECT_TRUE(constant_time_equal("abcdefghijklmnop", "abcdefghijklmnop"));
  EXPECT_FALSE(constant_time_equal("abcdefghijklmnop", "abcdefghijklmnoq"));
  EXPECT_FALSE(constant_time_equal("abcdefghijklmnop", "abcdefghijklmno"));  // a prefix
  EXPECT_FALSE(constant_time_equal("abcdefghijklmno", "abcdefghijklmnop"));
  EXPECT_FALSE(constant_time_equal("abc", std::string("abc\0", 4)));  // a NUL does not end it
  EXPECT_FALSE(constant_time_equal("", "x"));
}

TEST(ApiToken, BearerHeader) {
  EXPECT_EQ(bearer_token("Bearer s3cret-token-123456"), "s3cret-token-123456");
  EXPECT_EQ(bearer_token("bearer x"), "");
  EXPECT_EQ(bearer_token("Basic dXNlcjpwYXNz"), "");
  EXPECT_EQ(bearer_token("Bearer "), "");
  EXPECT_EQ(bearer_token(""), "");
}

class TokenFile : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/netrig-token-XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  std::string write(const std::string& text, mode_t mode) {
    const std::string path = dir_ + "/token";
    std::ofstream(path) << text;
    chmod(path.c_str(), mode);
    return path;
  }
  std::string error_of(const std::string& path) {
    try {
      read_token_file(path);
    } catch (const std::runtime_error& e) {
      return e.what();
    }
    return "";
  }
  std::string dir_;
};

TEST_F(TokenFile, Mode0600IsReadAndTrimmed) {
  EXPECT_EQ(read_token_file(write("  0123456789abcdef-xyz\n", 0600)), "0123456789abcdef-xyz");
  EXPECT_EQ(read_token_file(write("0123456789abcdef", 0400)), "0123456789abcdef");
}

TEST_F(TokenFile, ReadableByOthersShortMissingOrNotAFileIsRefused) {
  auto e = error_of(write("0123456789abcdef", 0644));
  EXPECT_NE(e.find("mode 0644"), std::string::npos) << e;
  EXPECT_NE(e.find("chmod 600"), std::string::npos) << e;
  EXPECT_NE(error_of(write("0123456789abcdef", 0640)), "");
  EXPECT_NE(error_of(write("0123456789abcdef", 0606)), "");
  EXPECT_NE(error_of(write("short", 0600)).find("16 characters"), std::string::npos);
  EXPECT_NE(error_of(write("   \n", 0600)), "");
  EXPECT_NE(error_of(dir_ + "/absent"), "");
  EXPECT_NE(error_of(dir_).find("not a regular file"), std::string::npos);
}

TEST(ApiListen, HostAndPort) {
  EXPECT_EQ(parse_listen("127.0.0.1:8787"), std::make_pair(std::string("127.0.0.1"), 8787));
  EXPECT_EQ(parse_listen("[::1]:0"), std::make_pair(std::string("::1"), 0));
  EXPECT_EQ(parse_listen("0.0.0.0:65535").second, 65535);
  for (const char* bad :
       {"8787", ":8787", "127.0.0.1:", "127.0.0.1:x", "127.0.0.1:65536", "127.0.0.1:-1", "127.0.0.1:80x"})
    EXPECT_THROW(parse_listen(bad), std::invalid_argument) << bad;
}

}  // namespace
}  // namespace netrig::api
