#include "modlr/dataset/text_encoding.h"

#include <algorithm>

#include "modlr/core/interrupt.h"

namespace modlr {
namespace {

// max_length's bound: the longest IMDb review has about 2,500 words; a sequence model over
// 100,000 steps is far past what a user means, and the padded tensor grows with it.
constexpr int64_t kMaxTextTokens = 100000;

// The first `count` texts as id rows [count, max_length] and labels [count].
TensorData encode_split(const std::vector<LabelledText>& texts, size_t count, const text::Vocabulary& vocabulary,
                        const TextEncodingOptions& options, const std::string& source) {
  const auto n = static_cast<int64_t>(count);
  auto inputs = torch::empty({n, options.max_length}, torch::kLong);
  auto targets = torch::empty({n}, torch::kLong);
  auto* rows = inputs.data_ptr<int64_t>();
  auto* labels = targets.data_ptr<int64_t>();
  for (int64_t i = 0; i < n; ++i) {
    if (i % 1024 == 0) throw_if_stop_requested();
    const auto& item = texts[static_cast<size_t>(i)];
    const auto tokens = text::tokenize(item.text);
    if (tokens.empty()) throw Error(source + ": " + item.name + " has no tokens (only spaces and <br />)");
    text::encode(tokens, vocabulary, options.max_length, options.keep, rows + i * options.max_length);
    labels[i] = item.label;
  }
  return {inputs, targets};
}

}  // namespace

size_t vocabulary_texts(size_t available, int64_t limit) {
  return limit > 0 ? std::min(available, static_cast<size_t>(limit)) : available;
}

TextEncodingOptions TextEncodingOptions::from_config(const Config& section) {
  TextEncodingOptions o;
  o.max_size = section.get_count("max_size", o.max_size);
  o.min_freq = section.get_count("min_freq", o.min_freq);
  o.max_length = section.get_count("max_length", o.max_length, false, kMaxTextTokens);
  o.keep = section.get_choice("keep", "first", {"first", "last"}) == "first" ? text::Keep::first : text::Keep::last;
  if (o.max_size < 2)
    section.fail("max_size", "must be >= 2 (<pad> and <unk> are entries), got " + std::to_string(o.max_size));
  return o;
}

void encode_texts(const std::vector<LabelledText>& train, size_t train_count, const std::vector<LabelledText>& test,
                  const TextEncodingOptions& options, const std::string& source, SourceData& out) {
  text::WordCounts counts;
  for (size_t i = 0; i < train_count; ++i) {
    if (i % 1024 == 0) throw_if_stop_requested();
    text::count_words(text::tokenize(train[i].text), counts);
  }
  const auto vocabulary = text::Vocabulary::build(counts, options.max_size, options.min_freq);
  out.train = encode_split(train, train_count, vocabulary, options, source);
  out.test = encode_split(test, test.size(), vocabulary, options, source);
  out.artifacts.emplace_back("vocab.txt", vocabulary.to_text());
}

}  // namespace modlr
