#include "modlr/dataset/text.h"

#include <algorithm>
#include <cstring>

namespace modlr::text {
namespace {

bool in(unsigned char c, unsigned char lo, unsigned char hi) { return c >= lo && c <= hi; }

// Length of the well-formed UTF-8 sequence at text[at], or 0 (RFC 3629, table 3-7 of the
// Unicode standard).
size_t sequence_length(const std::string& text, size_t at) {
  const auto byte = [&](size_t i) { return at + i < text.size() ? static_cast<unsigned char>(text[at + i]) : 0; };
  const unsigned char c = byte(0);
  if (c < 0x80) return 1;
  const auto tail = [&](size_t from, size_t to) {
    for (size_t i = from; i < to; ++i)
      if (!in(byte(i), 0x80, 0xbf)) return false;
    return true;
  };
  if (in(c, 0xc2, 0xdf)) return tail(1, 2) ? 2 : 0;
  if (c == 0xe0) return in(byte(1), 0xa0, 0xbf) && tail(2, 3) ? 3 : 0;
  if (c == 0xed) return in(byte(1), 0x80, 0x9f) && tail(2, 3) ? 3 : 0;  // no surrogates
  if (in(c, 0xe1, 0xef)) return tail(1, 3) ? 3 : 0;
  if (c == 0xf0) return in(byte(1), 0x90, 0xbf) && tail(2, 4) ? 4 : 0;
  if (c == 0xf4) return in(byte(1), 0x80, 0x8f) && tail(2, 4) ? 4 : 0;  // <= U+10FFFF
  if (in(c, 0xf1, 0xf3)) return tail(1, 4) ? 4 : 0;
  return 0;
}

bool word_byte(unsigned char c, bool keep_case) {
  return in(c, 'a', 'z') || in(c, '0', '9') || c >= 0x80 || (keep_case && in(c, 'A', 'Z'));
}
bool punctuation(unsigned char c) { return in(c, 0x21, 0x7e) && !word_byte(c, true); }

// Steps 1 and 2: "<br />" -> ' ', capitals -> small letters (as options say).
std::string normalise(const std::string& text, const TokenizerOptions& options) {
  static const char kBreak[] = "<br />";
  constexpr size_t kBreakLength = sizeof kBreak - 1;
  const bool ascii = options.lowercase != "none", latin = options.lowercase == "latin";
  std::string out;
  out.reserve(text.size());
  for (size_t at = 0; at < text.size();) {
    if (options.html_breaks && text.compare(at, kBreakLength, kBreak) == 0) {
      out.push_back(' ');
      at += kBreakLength;
      continue;
    }
    const unsigned char c = static_cast<unsigned char>(text[at++]);
    out.push_back(static_cast<char>(ascii && in(c, 'A', 'Z') ? c - 'A' + 'a' : c));
    if (latin && c == 0xc3 && at < text.size()) {
      const unsigned char next = static_cast<unsigned char>(text[at]);
      if (in(next, 0x80, 0x9e) && next != 0x97) {  // U+00C0-U+00DE but U+00D7 (x)
        out.push_back(static_cast<char>(next + 0x20));
        ++at;
      }
    }
  }
  return out;
}

}  // namespace

size_t invalid_utf8_offset(const std::string& text) {
  for (size_t at = 0; at < text.size();) {
    const size_t length = sequence_length(text, at);
    if (length == 0) return at;
    at += length;
  }
  return std::string::npos;
}

namespace {

bool one_of(const std::string& token, const char* characters) {
  return token.size() == 1 && std::string(characters).find(token[0]) != std::string::npos;
}

}  // namespace

std::string detokenize(const std::vector<std::string>& tokens) {
  std::string out;
  bool glue_next = true, quote_open = false;
  for (const auto& token : tokens) {
    bool glue = glue_next || one_of(token, ".,!?;:%)]}'-/@");
    glue_next = one_of(token, "([{$#-/@");
    if (token == "\"") {
      quote_open = !quote_open;
      glue = glue || !quote_open;  // a closing quote joins the word before it
      glue_next = quote_open;      // an opening quote the word after it
    }
    if (!glue) out += ' ';
    out += token;
  }
  return out;
}

std::vector<std::string> tokenize(const std::string& text) { return tokenize(text, TokenizerOptions{}); }

std::vector<std::string> tokenize(const std::string& text, const TokenizerOptions& options) {
  const std::string s = normalise(text, options);
  const bool keep_case = options.lowercase == "none";
  const auto at_word = [&](size_t i) { return i < s.size() && word_byte(static_cast<unsigned char>(s[i]), keep_case); };
  std::vector<std::string> tokens;
  for (size_t at = 0; at < s.size();) {
    if (at_word(at)) {
      size_t end = at;
      for (;;) {
        while (at_word(end)) ++end;
        if (end < s.size() && s[end] == '\'' && at_word(end + 1)) {
          ++end;  // an apostrophe inside a word
        } else {
          break;
        }
      }
      tokens.emplace_back(s, at, end - at);
      at = end;
    } else {
      if (punctuation(static_cast<unsigned char>(s[at]))) tokens.emplace_back(1, s[at]);
      ++at;
    }
  }
  return tokens;
}

void count_words(const std::vector<std::string>& tokens, WordCounts& counts) {
  for (const auto& token : tokens) ++counts[token];
}

Vocabulary Vocabulary::build(const WordCounts& counts, int64_t max_size, int64_t min_freq) {
  return build(counts, max_size, min_freq, {});
}

Vocabulary Vocabulary::build(const WordCounts& counts, int64_t max_size, int64_t min_freq,
                             const std::vector<std::string>& specials) {
  std::vector<std::pair<std::string, int64_t>> kept;
  for (const auto& entry : counts)
    if (entry.second >= min_freq) kept.emplace_back(entry);
  std::sort(kept.begin(), kept.end(), [](const auto& a, const auto& b) {
    return a.second != b.second ? a.second > b.second : a.first < b.first;
  });
  Vocabulary vocabulary;
  vocabulary.words_ = {"<pad>", "<unk>"};
  vocabulary.words_.insert(vocabulary.words_.end(), specials.begin(), specials.end());
  const auto room =
      static_cast<size_t>(std::max<int64_t>(max_size - static_cast<int64_t>(vocabulary.words_.size()), 0));
  for (size_t i = 0; i < kept.size() && i < room; ++i) vocabulary.words_.push_back(kept[i].first);
  for (size_t i = 0; i < vocabulary.words_.size(); ++i)
    vocabulary.ids_.emplace(vocabulary.words_[i], static_cast<int64_t>(i));
  return vocabulary;
}

int64_t Vocabulary::id(const std::string& word) const {
  const auto found = ids_.find(word);
  return found == ids_.end() ? kUnknown : found->second;
}

std::string Vocabulary::to_text() const {
  std::string out;
  for (const auto& word : words_) out += word + "\n";
  return out;
}

void encode(const std::vector<std::string>& tokens, const Vocabulary& vocabulary, int64_t max_length, Keep keep,
            int64_t* row) {
  const auto length = std::min<size_t>(tokens.size(), static_cast<size_t>(max_length));
  const size_t first = keep == Keep::first ? 0 : tokens.size() - length;
  for (size_t i = 0; i < length; ++i) row[i] = vocabulary.id(tokens[first + i]);
  std::fill(row + length, row + max_length, Vocabulary::kPad);
}

}  // namespace modlr::text
