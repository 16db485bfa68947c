// The parallel_text data source (dataset/parallel_text_source.h): line-aligned corpora
// (formats/parallel_text.h) tokenised and encoded with one vocabulary per language.
#include "modlr/dataset/parallel_text_source.h"

#include <algorithm>

#include "modlr/dataset/text_encoding.h"
#include "modlr/formats/parallel_text.h"
#include "modlr/formats/sha256.h"

namespace modlr {
namespace {

const std::vector<std::string> kSpecials = {"<bos>", "<eos>"};  // ids 2 and 3, after <pad> and <unk>

// One language's side of a split: its file and sentences.
struct Side {
  std::string file;
  std::vector<std::string> lines;
};

class ParallelTextSource : public DataSource {
 public:
  explicit ParallelTextSource(ParallelTextOptions o) : o_(std::move(o)) {
    tokenizer_.html_breaks = false;
    tokenizer_.lowercase = o_.lowercase;
  }

  SourceData load() override {
    SourceData out;
    const auto train = read(o_.train, out);
    build_vocabularies(train);
    out.train = encode(train);
    out.test = encode(read(o_.test, out));
    if (!o_.validation_split.empty()) out.validation = encode(read(o_.validation_split, out));
    for (const auto& stem : o_.extra_tests) out.extra_tests.push_back({stem, encode(read(stem, out))});
    out.artifacts.emplace_back("vocab." + o_.source_language + ".txt", source_vocabulary_.to_text());
    out.artifacts.emplace_back("vocab." + o_.target_language + ".txt", target_vocabulary_.to_text());
    return out;
  }

  TranslationVocabularies vocabularies() {
    SourceData files;
    build_vocabularies(read(o_.train, files));
    return {tokenizer_, source_vocabulary_, target_vocabulary_};
  }

 private:
  void build_vocabularies(const std::pair<Side, Side>& train) {
    const size_t pairs = vocabulary_texts(train.first.lines.size(), o_.vocabulary_limit);
    source_vocabulary_ = vocabulary(train.first.lines, pairs);
    target_vocabulary_ = vocabulary(train.second.lines, pairs);
  }

  // Both sides of split `stem`, their files recorded in `out`.
  std::pair<Side, Side> read(const std::string& stem, SourceData& out) const {
    const auto source_file = formats::resolve_data_file(o_.path, stem + "." + o_.source_language);
    const auto target_file = formats::resolve_data_file(o_.path, stem + "." + o_.target_language);
    auto text = formats::read_parallel_text(source_file, target_file, o_.decode_limits, o_.allow_empty_lines);
    for (const auto& file : {source_file, target_file}) out.files.push_back({file, formats::sha256_file_hex(file)});
    return {{source_file, std::move(text.source)}, {target_file, std::move(text.target)}};
  }

  text::Vocabulary vocabulary(const std::vector<std::string>& lines, size_t count) const {
    text::WordCounts counts;
    for (size_t i = 0; i < count; ++i) text::count_words(text::tokenize(lines[i], tokenizer_), counts);
    return text::Vocabulary::build(counts, o_.max_size, o_.min_freq, kSpecials);
  }

  // <bos> ids <eos> per sentence, right-padded to the longest: ids [N, L] and lengths [N].
  std::pair<torch::Tensor, torch::Tensor> encode_side(const Side& side, const text::Vocabulary& vocabulary) const {
    std::vector<std::vector<int64_t>> rows;
    rows.reserve(side.lines.size());
    int64_t longest = 0;
    for (size_t i = 0; i < side.lines.size(); ++i) {
      const auto tokens = text::tokenize(side.lines[i], tokenizer_);
      const auto length = static_cast<int64_t>(tokens.size()) + 2;
      if (length > o_.max_length)
        throw Error(side.file + ": line " + std::to_string(i + 1) + ": " + std::to_string(length) +
                    " tokens with <bos> and <eos>, more than " + o_.keys.path("max_length") + " = " +
                    std::to_string(o_.max_length));
      std::vector<int64_t> row{TranslationTokens::kBos};
      for (const auto& token : tokens) row.push_back(vocabulary.id(token));
      row.push_back(TranslationTokens::kEos);
      longest = std::max(longest, length);
      rows.push_back(std::move(row));
    }
    auto ids = torch::zeros({static_cast<int64_t>(rows.size()), longest}, torch::kInt64);
    auto lengths = torch::empty({static_cast<int64_t>(rows.size())}, torch::kInt64);
    auto* data = ids.data_ptr<int64_t>();
    auto* length_data = lengths.data_ptr<int64_t>();
    for (size_t i = 0; i < rows.size(); ++i) {
      std::copy(rows[i].begin(), rows[i].end(), data + static_cast<int64_t>(i) * longest);
      length_data[i] = static_cast<int64_t>(rows[i].size());
    }
    return {ids, lengths};
  }

  TensorData encode(const std::pair<Side, Side>& split) const {
    auto [source, source_lengths] = encode_side(split.first, source_vocabulary_);
    auto [target, target_lengths] = encode_side(split.second, target_vocabulary_);
    return {source, target, nullptr, {{"source_lengths", source_lengths}, {"target_lengths", target_lengths}}};
  }

  ParallelTextOptions o_;
  text::TokenizerOptions tokenizer_;
  text::Vocabulary source_vocabulary_, target_vocabulary_;
};

}  // namespace

ParallelTextOptions ParallelTextOptions::from_config(const Config& section) {
  ParallelTextOptions o;
  o.keys = OptionKeys(section);
  o.path = section.get<std::string>("path");
  o.source_language = section.get<std::string>("source_language");
  o.target_language = section.get<std::string>("target_language");
  o.train = section.get<std::string>("train", o.train);
  o.test = section.get<std::string>("test");
  o.validation_split = section.get<std::string>("validation_split", o.validation_split);
  o.extra_tests = section.get<std::vector<std::string>>("extra_tests", o.extra_tests);
  o.lowercase = section.get_choice("lowercase", o.lowercase, {"ascii", "latin", "none"});
  o.max_size = section.get_count("max_size", o.max_size);
  o.min_freq = section.get_count("min_freq", o.min_freq);
  o.max_length = section.get_count("max_length", o.max_length);
  o.allow_empty_lines = section.get<bool>("allow_empty_lines", o.allow_empty_lines);
  o.vocabulary_limit = section.get_count("limit", 0, /*allow_zero=*/true);
  o.decode_limits = modlr::decode_limits(section);
  return o;
}

namespace {

void check_options(const ParallelTextOptions& o) {
  if (o.path.empty()) o.keys.fail("path", "names no folder");
  if (o.source_language.empty()) o.keys.fail("source_language", "is empty");
  if (o.target_language.empty() || o.target_language == o.source_language)
    o.keys.fail("target_language", "must name another language than source_language");
  if (o.train.empty()) o.keys.fail("train", "names no split");
  if (o.test.empty()) o.keys.fail("test", "names no split");
  if (o.lowercase != "ascii" && o.lowercase != "latin" && o.lowercase != "none")
    o.keys.fail("lowercase", "must be ascii, latin or none");
  if (o.max_size < 5) o.keys.fail("max_size", "must be >= 5 (4 special tokens and a word)");
  if (o.min_freq < 1) o.keys.fail("min_freq", "must be >= 1");
  if (o.max_length < 3) o.keys.fail("max_length", "must be >= 3 (<bos>, a token, <eos>)");
}

}  // namespace

std::unique_ptr<DataSource> make_parallel_text_source(ParallelTextOptions o) {
  check_options(o);
  return std::make_unique<ParallelTextSource>(std::move(o));
}

TranslationVocabularies translation_vocabularies(ParallelTextOptions o) {
  check_options(o);
  return ParallelTextSource(std::move(o)).vocabularies();
}

MODLR_REGISTER(data_source_registry, "parallel_text", [](const Config& c) -> std::unique_ptr<DataSource> {
  return make_parallel_text_source(ParallelTextOptions::from_config(c));
});

}  // namespace modlr
