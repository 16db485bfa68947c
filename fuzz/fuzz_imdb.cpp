// libFuzzer target: the tar parser, the aclImdb reader on top of it, and the tokenizer (the
// IMDb archive and its reviews are untrusted input). Any input must either parse or raise
// modlr::Error; anything else (a crash, a sanitizer report, a leak, another exception type,
// a broken contract) is a bug.
#include <algorithm>
#include <cstdint>
#include <string>
#include <vector>

#include "modlr/core/error.h"
#include "modlr/dataset/imdb.h"
#include "modlr/dataset/text.h"
#include "modlr/formats/tar.h"

namespace {

// Tokens are never empty and hold no separator or capital letter.
void check_tokens(const std::string& text) {
  for (const auto& token : modlr::text::tokenize(text)) {
    if (token.empty()) __builtin_trap();
    for (unsigned char c : token)
      if (c <= 0x20 || c == 0x7f || (c >= 'A' && c <= 'Z')) __builtin_trap();
  }
}

void check_reviews(const std::vector<modlr::imdb::Review>& split) {
  for (size_t i = 0; i < split.size(); ++i) {
    const auto& review = split[i];
    if (review.text.empty() || modlr::text::invalid_utf8_offset(review.text) != std::string::npos) __builtin_trap();
    if (review.rating < 1 || review.rating > 10 || (review.label != 0 && review.label != 1)) __builtin_trap();
    if (i > 0 && std::make_pair(split[i - 1].id, split[i - 1].label) >= std::make_pair(review.id, review.label))
      __builtin_trap();  // sorted by (id, label), no duplicates
    check_tokens(review.text);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::vector<uint8_t> bytes(data, data + size);
  check_tokens(std::string(bytes.begin(), bytes.end()));
  try {
    for (const auto& member : modlr::formats::parse_tar(bytes, "fuzz"))
      if (member.offset > size || member.size > size - member.offset) __builtin_trap();  // data inside the input
    const auto reviews = modlr::imdb::parse_archive(bytes, "fuzz");
    check_reviews(reviews.train);
    check_reviews(reviews.test);
  } catch (const modlr::Error&) {
  }
  return 0;
}
