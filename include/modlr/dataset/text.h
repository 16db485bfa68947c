#pragma once
/// Text preprocessing for text data sources: UTF-8 validation, the tokenizer, the
/// vocabulary and fixed-length encoding. Torch-free (the fuzz target links it alone).
/// The rules are simple on purpose: the PyTorch twin (reference/modlr_twin/imdb.py)
/// reproduces them exactly with one bytes regex.
#include <cstddef>
#include <cstdint>
#include <string>
#include <unordered_map>
#include <vector>

namespace modlr::text {

/// Offset of the first byte of `text` that is not part of well-formed UTF-8 (no overlong
/// forms, no surrogates, nothing above U+10FFFF; Python's strict decoder accepts exactly
/// the same), or std::string::npos if all of it is valid.
size_t invalid_utf8_offset(const std::string& text);

/// Splits `text` (UTF-8 bytes) into tokens, in this order:
///  1. every "<br />" (exactly these 6 bytes) is replaced by a space;
///  2. ASCII letters A-Z are lower-cased; every other byte stays as it is;
///  3. a word is a maximal run of word bytes, i.e. a-z, 0-9 and every byte >= 0x80 (so
///     multi-byte UTF-8 characters stay inside words), continued across single
///     apostrophes that have word bytes on both sides ("don't", "90's" are one token);
///  4. every other printable ASCII character !"#$%&'()*+,-./:;<=>?@[\]^_`{|}~ is a token
///     of its own; spaces and control characters (bytes <= 0x20 and 0x7f) separate tokens.
/// Twin: re.findall(rb"[a-z0-9\x80-\xff]+(?:'[a-z0-9\x80-\xff]+)*|[!-/:-@\[-`{-~]",
///                  text.replace(b"<br />", b" ").lower())
std::vector<std::string> tokenize(const std::string& text);

/// tokenize()'s rules with steps 1 and 2 chosen (a translation corpus has no HTML breaks
/// and may keep its case). The defaults are tokenize()'s own.
struct TokenizerOptions {
  bool html_breaks = true;  ///< step 1
  /// Step 2: "ascii" lower-cases A-Z; "latin" also the Latin-1 capitals U+00C0-U+00DE but
  /// U+00D7 (German's Ä, Ö, Ü; as UTF-8, 0xC3 0x80-0x9E -> 0xC3 0xA0-0xBE); "none" keeps
  /// the case, and then A-Z are word bytes too.
  std::string lowercase = "ascii";
};
std::vector<std::string> tokenize(const std::string& text, const TokenizerOptions& options);

/// English text from tokenize()'s tokens, for detokenised BLEU (sacreBLEU wants text as
/// written): tokens joined by single spaces, except no space before . , ! ? ; : % ) ] } and
/// a lone ', none after ( [ { $ #, none on either side of - / and @, and the n-th " opens
/// (no space after) for odd n and closes (no space before) for even n. The inverse of
/// tokenize() on ordinary prose ("a t-shirt, (red)." -> a t - shirt , ( red ) . -> back);
/// spaced dashes and such come back without their spaces.
std::string detokenize(const std::vector<std::string>& tokens);

/// Occurrences of each word.
using WordCounts = std::unordered_map<std::string, int64_t>;
void count_words(const std::vector<std::string>& tokens, WordCounts& counts);

/// Words to ids: id 0 is the padding token "<pad>", id 1 the unknown word "<unk>", then the
/// kept words from id 2 on. (No word can be spelt "<pad>" or "<unk>": '<' is a token.)
class Vocabulary {
 public:
  static constexpr int64_t kPad = 0;
  static constexpr int64_t kUnknown = 1;

  /// The words counted at least `min_freq` (>= 1) times, most frequent first, ties in
  /// byte order of the words, cut so the vocabulary holds at most `max_size` (>= 2)
  /// entries in all, "<pad>" and "<unk>" included.
  static Vocabulary build(const WordCounts& counts, int64_t max_size, int64_t min_freq);
  /// build() with `specials` ("<bos>", "<eos>") as ids 2, 3, ... before the words; they
  /// count towards max_size. Specials must start with '<', which no word can.
  static Vocabulary build(const WordCounts& counts, int64_t max_size, int64_t min_freq,
                          const std::vector<std::string>& specials);

  int64_t size() const { return static_cast<int64_t>(words_.size()); }
  /// The id of `word`, kUnknown if it is not in the vocabulary.
  int64_t id(const std::string& word) const;
  /// The word of `id` (0 <= id < size()).
  const std::string& word(int64_t id) const { return words_.at(static_cast<size_t>(id)); }
  /// One word per line in id order ("<pad>\n<unk>\nthe\n..."): the run record's vocab.txt.
  std::string to_text() const;

 private:
  std::vector<std::string> words_;
  std::unordered_map<std::string, int64_t> ids_;
};

/// Which tokens of a review longer than the row are kept.
enum class Keep { first, last };

/// The ids of `tokens`, cut to `max_length` (> 0) tokens (the first or the last ones), then
/// padded at the end with Vocabulary::kPad to exactly `max_length`. Written to `row`
/// (max_length values).
void encode(const std::vector<std::string>& tokens, const Vocabulary& vocabulary, int64_t max_length, Keep keep,
            int64_t* row);

}  // namespace modlr::text
