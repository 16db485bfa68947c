#pragma once
// Texts tokenised per batch (dataset.cache: none | N MB) for every text source (imdb,
// text_folder, text_lines): one checking pass, then rows of token ids made on demand.
// Internal to src/dataset.
#include <functional>
#include <string>
#include <vector>

#include "modlr/dataset/text_encoding.h"

namespace modlr {

/// Texts a source can read one at a time, the training texts first.
struct LazyTextSet {
  int64_t train_count = 0;      ///< texts 0..train_count-1 are the training split, the rest the test split
  std::vector<int64_t> labels;  ///< one per text: its class index
  /// The bytes of text `item`; errors name it. Called from several threads at once.
  std::function<std::string(int64_t item)> read;
  /// Where text `item` is, for errors: "data/neg/a.txt", "reviews.csv: line 7".
  std::function<std::string(int64_t item)> name;
};

/// The lazy twin of encode_texts: one pass reads every text in order, checks it (valid
/// UTF-8, at least one token), counts the words of the first `vocabulary_count` training
/// texts and hands the bytes to `seen` (fingerprints; may be empty); no text is kept. Then
/// out.train and out.test become lazy rows of the same ids encode_texts makes (through one
/// cache of `cache_bytes`), and vocab.txt goes to out.artifacts. Errors name the text.
void encode_texts_lazily(const LazyTextSet& texts, size_t vocabulary_count, const TextEncodingOptions& options,
                         int64_t cache_bytes, const std::function<void(int64_t item, const std::string& bytes)>& seen,
                         SourceData& out);

}  // namespace modlr
