// Untrusted text on its way to paths, terminals and JSON (core/text.h): UTF-8 validity by the
// Unicode standard's table of well-formed sequences, escaping, and path-component names.
#include <gtest/gtest.h>

#include "modlr/core/error.h"
#include "modlr/core/text.h"

TEST(Text, Utf8ValidityFollowsTheStandard) {
  EXPECT_TRUE(modlr::is_valid_utf8(""));
  EXPECT_TRUE(modlr::is_valid_utf8("plain ascii"));
  EXPECT_TRUE(modlr::is_valid_utf8("caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80"));  // é € 😀
  EXPECT_FALSE(modlr::is_valid_utf8("\xff"));
  EXPECT_FALSE(modlr::is_valid_utf8("\xc0\x80"));          // overlong NUL
  EXPECT_FALSE(modlr::is_valid_utf8("\xe0\x80\xaf"));      // overlong '/'
  EXPECT_FALSE(modlr::is_valid_utf8("\xed\xa0\x80"));      // a UTF-16 surrogate
  EXPECT_FALSE(modlr::is_valid_utf8("\xf4\x90\x80\x80"));  // past U+10FFFF
  EXPECT_FALSE(modlr::is_valid_utf8("\xe2\x82"));          // cut short
}

TEST(Text, EscapingLeavesOnePrintableLine) {
  EXPECT_EQ(modlr::escape_text("ok caf\xc3\xa9"), "ok caf\xc3\xa9");
  EXPECT_EQ(modlr::escape_text("\x1b[31mred\n"), "\\x1b[31mred\\x0a");
  EXPECT_EQ(modlr::escape_text("a\\b\xff"), "a\\\\b\\xff");
  EXPECT_EQ(modlr::escape_text(std::string("nul\0x", 5)), "nul\\x00x");
  // For JSON only the bytes that are not UTF-8 change; JSON escapes controls itself.
  EXPECT_EQ(modlr::escape_invalid_utf8("tab\there \xfe\xc3\xa9"), "tab\there \\xfe\xc3\xa9");
}

TEST(Text, PathComponentsAreOneSafeName) {
  EXPECT_NO_THROW(modlr::check_path_component("lenet5-fashion_mnist.v2", "experiment"));
  EXPECT_NO_THROW(modlr::check_path_component("caf\xc3\xa9", "experiment"));
  const std::vector<std::pair<std::string, std::string>> bad = {
      {"", "empty"},           {".", "'.' or '..'"},  {"..", "'.' or '..'"},
      {"../../x", "'/'"},      {"a/b", "'/'"},        {"a\\b", "'/'"},
      {"bell\x07", "control"}, {"\xff\xfe", "UTF-8"}, {std::string(201, 'a'), "200 bytes"}};
  for (const auto& [name, reason] : bad) {
    try {
      modlr::check_path_component(name, "c.yaml: config key 'experiment'");
      ADD_FAILURE() << "accepted '" << name << "'";
    } catch (const modlr::Error& e) {
      const std::string message = e.what();
      EXPECT_EQ(message.rfind("c.yaml: config key 'experiment' '", 0), 0u) << message;
      EXPECT_NE(message.find(reason), std::string::npos) << message;
      EXPECT_TRUE(modlr::is_valid_utf8(message)) << "the message quotes the name escaped";
      EXPECT_EQ(message.find('\x07'), std::string::npos);
    }
  }
}
