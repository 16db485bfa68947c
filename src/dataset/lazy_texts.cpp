#include "lazy_texts.h"

#include <memory>

#include "lazy_examples.h"
#include "modlr/core/interrupt.h"

namespace modlr {

void encode_texts_lazily(const LazyTextSet& texts, size_t vocabulary_count, const TextEncodingOptions& options,
                         int64_t cache_bytes, const std::function<void(int64_t item, const std::string& bytes)>& seen,
                         SourceData& out) {
  const auto count = static_cast<int64_t>(texts.labels.size());
  text::WordCounts counts;
  for (int64_t item = 0; item < count; ++item) {
    if (item % 256 == 0) throw_if_stop_requested();
    const auto bytes = texts.read(item);
    const auto bad = text::invalid_utf8_offset(bytes);
    if (bad != std::string::npos)
      throw Error(texts.name(item) + ": not UTF-8 text (invalid byte at offset " + std::to_string(bad) + ")");
    const auto tokens = text::tokenize(bytes);
    if (tokens.empty()) throw Error(texts.name(item) + " has no tokens (only spaces and <br />)");
    if (item < texts.train_count && static_cast<size_t>(item) < vocabulary_count) text::count_words(tokens, counts);
    if (seen) seen(item, bytes);
  }
  auto vocabulary =
      std::make_shared<const text::Vocabulary>(text::Vocabulary::build(counts, options.max_size, options.min_freq));
  out.artifacts.emplace_back("vocab.txt", vocabulary->to_text());
  const auto read = texts.read;
  const auto decode = [vocabulary, options, read](int64_t item) {
    const auto tokens = text::tokenize(read(item));
    auto row = torch::empty({options.max_length}, torch::kLong);
    text::encode(tokens, *vocabulary, options.max_length, options.keep, row.data_ptr<int64_t>());
    return row;
  };
  const auto all = LazyExamples::create(count, decode, {options.max_length}, torch::kLong, cache_bytes,
                                        [](const torch::Tensor& rows) { return rows; });
  const auto targets = torch::tensor(texts.labels, torch::kInt64);
  const auto train_rows = torch::arange(texts.train_count, torch::kLong);
  const auto test_rows = torch::arange(texts.train_count, count, torch::kLong);
  out.train = {torch::Tensor(), targets.index_select(0, train_rows), all->select(train_rows)};
  out.test = {torch::Tensor(), targets.index_select(0, test_rows), all->select(test_rows)};
}

}  // namespace modlr
