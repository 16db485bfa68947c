#pragma once
/// Corpus BLEU computed as sacreBLEU 2.x computes it (its defaults: 4-gram, "exp"
/// smoothing, one reference per segment), so a score here is a score there: the tests
/// compare with PyPI's sacrebleu on Multi30k and on edge cases. Torch-free.
///
/// Each segment is right-stripped of whitespace, then tokenised:
///   thirteen_a: sacreBLEU's "13a" (mteval-v13a, WMT's standard): "<skipped>" removed,
///     "-\n" removed, "\n" -> " ", the entities &quot; &amp; &lt; &gt; decoded, then
///     spaces around every ASCII punctuation character but . , - and ', around . and ,
///     unless both neighbours are digits, and after a - that follows a digit;
///   none: the segment as it is (already tokenised text, e.g. lower-cased model tokens);
/// and split at Unicode whitespace as Python's str.split() does.
#include <array>
#include <cstdint>
#include <string>
#include <vector>

namespace modlr::bleu {

enum class Tokenize { thirteen_a, none };

struct Score {
  double score = 0;                           ///< 0-100
  std::array<int64_t, 4> correct{}, total{};  ///< clipped n-gram matches and n-grams, n = 1..4
  std::array<double, 4> precisions{};         ///< 0-100, smoothed as sacreBLEU's "exp"
  double brevity_penalty = 1;
  int64_t system_length = 0, reference_length = 0;  ///< tokens
};

/// The tokenised segment as one string, tokens joined by single spaces.
std::string tokenize_13a(const std::string& segment);

/// `text` split at runs of Unicode whitespace (Python's str.isspace set), no empty tokens.
/// Invalid UTF-8 bytes are not whitespace.
std::vector<std::string> split_whitespace(const std::string& text);

/// Adds one segment's counts (n-gram matches, lengths) to `s`, its tokens given: the
/// sufficient statistics a corpus score is computed from, which add across segments and
/// corpus shards. finish() then computes the score.
void add_segment(Score& s, const std::vector<std::string>& hypothesis, const std::vector<std::string>& reference);

/// Sets s.score, s.precisions and s.brevity_penalty from its counts.
void finish(Score& s);

/// Corpus BLEU of `hypotheses` against `references` (one per hypothesis, same order).
/// Throws modlr::Error when the counts differ.
Score corpus_bleu(const std::vector<std::string>& hypotheses, const std::vector<std::string>& references,
                  Tokenize tokenize = Tokenize::thirteen_a);

}  // namespace modlr::bleu
