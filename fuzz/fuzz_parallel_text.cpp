// libFuzzer target: the line reader of parallel text files, the translation tokenizer and
// BLEU's 13a tokenisation and scoring (a corpus's files are untrusted input). Any input must either parse or raise
// modlr::Error; anything else (a crash, a sanitizer report, a leak, another exception type,
// a broken contract) is a bug.
#include <cstdint>
#include <string>
#include <vector>

#include "modlr/core/error.h"
#include "modlr/dataset/text.h"
#include "modlr/formats/parallel_text.h"
#include "modlr/metrics/bleu.h"

namespace {

// Tokens are never empty and hold no separator; lower-cased ones no capital A-Z or
// Latin-1 capital (0xC3 0x80-0x9E but 0x97).
void check_tokens(const std::string& line, const std::string& lowercase) {
  modlr::text::TokenizerOptions options;
  options.html_breaks = false;
  options.lowercase = lowercase;
  for (const auto& token : modlr::text::tokenize(line, options)) {
    if (token.empty()) __builtin_trap();
    for (size_t i = 0; i < token.size(); ++i) {
      const auto c = static_cast<unsigned char>(token[i]);
      if (c <= 0x20 || c == 0x7f) __builtin_trap();
      if (lowercase != "none" && c >= 'A' && c <= 'Z') __builtin_trap();
      const auto next = i + 1 < token.size() ? static_cast<unsigned char>(token[i + 1]) : 0;
      if (lowercase == "latin" && c == 0xc3 && next >= 0x80 && next <= 0x9e && next != 0x97) __builtin_trap();
    }
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string bytes(reinterpret_cast<const char*>(data), size);
  for (const bool allow_empty : {false, true}) {
    try {
      const auto lines = modlr::formats::parse_text_lines(bytes, "fuzz", allow_empty);
      for (const auto& line : lines) {
        if (line.find('\n') != std::string::npos) __builtin_trap();
        if (!allow_empty && line.find_first_not_of(" \t") == std::string::npos) __builtin_trap();
        if (modlr::text::invalid_utf8_offset(line) != std::string::npos) __builtin_trap();
        for (const char* lowercase : {"ascii", "latin", "none"}) check_tokens(line, lowercase);
        // 13a output: tokens joined by single spaces, none at either end.
        const auto tokenized = modlr::bleu::tokenize_13a(line);
        if (tokenized.find("  ") != std::string::npos || (!tokenized.empty() && tokenized.front() == ' '))
          __builtin_trap();
      }
      // Each line against its successor: a score in [0, 100], 100 for a line against itself.
      if (!lines.empty()) {
        std::vector<std::string> shifted(lines.begin() + 1, lines.end());
        shifted.push_back(lines.front());
        const auto score = modlr::bleu::corpus_bleu(lines, shifted).score;
        if (!(score >= 0 && score <= 100 + 1e-9)) __builtin_trap();
      }
    } catch (const modlr::Error&) {
    }
  }
  return 0;
}
