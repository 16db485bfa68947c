#pragma once
/// Texts to model inputs, shared by every text source (imdb, text_folder, text_lines): a
/// vocabulary built from the training texts alone, each text as a fixed-length row of ids
/// (dataset/text.h for the tokenizer and the rules).
///
/// Config keys (dataset section), read by TextEncodingOptions::from_config:
///   max_size: 20000   vocabulary entries in all, <pad> (id 0) and <unk> (id 1) included
///   min_freq: 1       a word must occur this often in the training texts to be kept
///   max_length: 400   tokens per text: longer ones are cut, shorter ones padded with 0
///   keep: first       which tokens of a longer text are kept: first | last
#include <string>
#include <vector>

#include "modlr/core/config.h"
#include "modlr/dataset/dataset.h"
#include "modlr/dataset/text.h"

namespace modlr {

struct TextEncodingOptions {
  int64_t max_size = 20000, min_freq = 1, max_length = 400;
  text::Keep keep = text::Keep::first;
  static TextEncodingOptions from_config(const Config& section);
};

/// One labelled text; `name` says where it came from in errors ("review train/pos/0_9.txt",
/// "data/neg/a.txt", "reviews.csv: line 7").
struct LabelledText {
  std::string name;
  int64_t label = 0;
  std::string text;
};

/// How many of `available` training texts the vocabulary is built on: the first `limit`
/// (the Dataset key), all when limit is 0.
size_t vocabulary_texts(size_t available, int64_t limit);

/// Builds the vocabulary from the first `train_count` of `train` and encodes them and all of
/// `test` into out.train / out.test (inputs int64 [N, max_length], targets int64 [N]); adds
/// the vocabulary to out.artifacts as vocab.txt. A text without tokens is an error naming
/// `source` and the text's name. Honours stop requests (core/interrupt.h).
void encode_texts(const std::vector<LabelledText>& train, size_t train_count, const std::vector<LabelledText>& test,
                  const TextEncodingOptions& options, const std::string& source, SourceData& out);

}  // namespace modlr
