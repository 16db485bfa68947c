#pragma once
/// A translation corpus (Multi30k and the like): the `parallel_text` data source.
///
/// Config (dataset section):
///   name: parallel_text
///   path: ../shared/data/multi30k   # the folder holding <split>.<language>[.gz] files
///   source_language: de, target_language: en
///   train: train, test: test_2016_flickr   # split file stems (required)
///   validation_split: val          # a validation split read from files ("" = none; then
///                                  # dataset.validation may hold one out of train instead)
///   extra_tests: [test_2017_flickr, test_2018_flickr]   # evaluated after test, by name
///   lowercase: latin               # ascii | latin | none (dataset/text.h TokenizerOptions)
///   max_size: 10000                # entries per vocabulary, the 4 special tokens included
///   min_freq: 2                    # in the training sentences (the first `limit` of them)
///   max_length: 100                # tokens per sentence with <bos> and <eos>; a longer
///                                  # sentence is an error naming its file and line
///   allow_empty_lines: false
///   max_decompressed_mib, max_compression_ratio   # gzip bounds (decode_limits)
///
/// Each language has its own vocabulary, built from the training split only: <pad> 0,
/// <unk> 1, <bos> 2, <eos> 3, then the words (text.h's Vocabulary). Every sentence is
/// tokenised (text.h, without the HTML-break rule) and encoded as <bos> ids <eos>, right-
/// padded with 0 to its split's longest sentence. Inputs: source ids int64 [N, S]; targets:
/// target ids int64 [N, T]; fields "source_lengths" and "target_lengths" (int64 [N], the
/// specials counted). The run record keeps vocab.<language>.txt for both languages.
#include <memory>
#include <string>
#include <vector>

#include "modlr/core/option_keys.h"
#include "modlr/dataset/dataset.h"
#include "modlr/dataset/text.h"

namespace modlr {

/// The special tokens' ids in both vocabularies.
struct TranslationTokens {
  static constexpr int64_t kPad = 0, kUnknown = 1, kBos = 2, kEos = 3;
};

struct ParallelTextOptions {
  std::string path;  ///< required
  std::string source_language, target_language;
  std::string train = "train", test, validation_split;
  std::vector<std::string> extra_tests;
  std::string lowercase = "latin";
  int64_t max_size = 10000, min_freq = 2, max_length = 100;
  bool allow_empty_lines = false;
  int64_t vocabulary_limit = 0;  ///< the vocabularies from the first N training pairs (dataset.limit)
  formats::DecodeLimits decode_limits;
  OptionKeys keys{"ParallelTextOptions"};
  static ParallelTextOptions from_config(const Config& section);
};

/// Throws modlr::Error naming the option for a missing path, language or split, or an
/// option out of range.
std::unique_ptr<DataSource> make_parallel_text_source(ParallelTextOptions options);

/// What translating new text takes (modlr translate): the source's tokenizer and both
/// vocabularies, built from the training split exactly as load() builds them.
struct TranslationVocabularies {
  text::TokenizerOptions tokenizer;
  text::Vocabulary source, target;
};
/// Reads the training split of `options` (the same checks as make_parallel_text_source).
TranslationVocabularies translation_vocabularies(ParallelTextOptions options);

}  // namespace modlr
