// The IMDb data source: the aclImdb reviews (include/modlr/dataset/imdb.h) tokenized,
// looked up in a vocabulary built from the training reviews, cut and padded to a fixed
// length (include/modlr/dataset/text.h).
//
// Config (dataset section): name: imdb,
//   path: the aclImdb .tar.gz (or .tar) archive, or an unpacked aclImdb directory (or the
//         directory holding it),
//   max_size, min_freq, max_length, keep: the text encoding (dataset/text_encoding.h),
//   limit: 0          (the Dataset key) also limits the reviews the vocabulary is built on,
//   cache: memory     memory | none | N (MB): reviews read and tokenised per batch
//                     (lazy_texts.h) after one checking pass; an archive is unpacked once
//                     into unpack_dir (default ~/.cache/modlr/unpacked) and read at offsets.
// Inputs become int64 token ids [N, max_length], right-padded; targets int64 [N] (pos = 1,
// neg = 0). The vocabulary is built from the (first `limit`) training reviews only, never
// from the test reviews; it is a pure function of the config and the data, so `modlr eval`
// rebuilds the same one, and the run record keeps it as vocab.txt (line i = id i).
#include "modlr/dataset/imdb_source.h"
#include "lazy_examples.h"
#include "lazy_texts.h"
#include "modlr/dataset/dataset.h"
#include "modlr/dataset/imdb.h"
#include "modlr/dataset/text_encoding.h"
#include "modlr/formats/sha256.h"

namespace modlr {
namespace {

class ImdbSource : public DataSource {
 public:
  // cppcheck-suppress passedByValue ; a sink: its strings and vectors are moved into members
  explicit ImdbSource(ImdbOptions o)
      : path_(std::move(o.path)),
        encoding_(o.encoding),
        limit_(o.vocabulary_limit),
        decode_limits_(o.decode_limits),
        read_(std::move(o.read)) {}

  std::optional<ExampleShape> example_shape() const override {
    return ExampleShape{{encoding_.max_length}, torch::kInt64};
  }

  SourceData load() override {
    if (read_.per_batch()) return load_lazily();
    const auto reviews = imdb::read(path_, decode_limits_);
    SourceData out;
    encode_texts(labelled(reviews.train), vocabulary_texts(reviews.train.size(), limit_), labelled(reviews.test),
                 encoding_, reviews.source, out);
    out.files.push_back({reviews.source, reviews.sha256});
    return out;
  }

 private:
  static std::vector<LabelledText> labelled(const std::vector<imdb::Review>& reviews) {
    std::vector<LabelledText> texts;
    texts.reserve(reviews.size());
    for (const auto& review : reviews) texts.push_back({"review " + review.name, review.label, review.text});
    return texts;
  }

  // The same splits, ids and fingerprint as load(), each review read again per batch.
  SourceData load_lazily() const {
    const auto index = std::make_shared<const imdb::ReviewIndex>(imdb::index(path_, decode_limits_, read_.unpack_dir));
    const auto n_train = static_cast<int64_t>(index->train.size());
    const auto entry = [index, n_train](int64_t item) -> const imdb::ReviewEntry& {
      return item < n_train ? index->train[static_cast<size_t>(item)]
                            : index->test[static_cast<size_t>(item - n_train)];
    };
    LazyTextSet texts;
    texts.train_count = n_train;
    for (const auto* split : {&index->train, &index->test})
      for (const auto& review : *split) texts.labels.push_back(review.label);
    texts.read = [index, entry](int64_t item) { return index->read(entry(item)); };
    texts.name = [index, entry](int64_t item) { return index->where(entry(item)); };
    formats::Sha256 manifest;  // an aclImdb directory's fingerprint, as imdb::read makes it
    const auto fingerprint = [&](int64_t item, const std::string& bytes) {
      if (index->archive) return;
      const std::string line = formats::sha256_hex_bytes(bytes) + "  " + entry(item).name + "\n";
      manifest.update(line.data(), line.size());
    };
    SourceData out;
    encode_texts_lazily(texts, vocabulary_texts(index->train.size(), limit_), encoding_, read_.cache_bytes, fingerprint,
                        out);
    out.files.push_back({index->source, index->archive ? index->archive_sha256 : manifest.hex_digest()});
    return out;
  }

  std::string path_;
  TextEncodingOptions encoding_;
  int64_t limit_;
  formats::DecodeLimits decode_limits_;
  ReadOptions read_;  ///< dataset.cache and unpack_dir
};

}  // namespace

ImdbOptions ImdbOptions::from_config(const Config& section) {
  ImdbOptions o;
  o.path = section.get<std::string>("path");
  o.encoding = TextEncodingOptions::from_config(section);
  o.vocabulary_limit = section.get_count("limit", 0, /*allow_zero=*/true);
  o.decode_limits = modlr::decode_limits(section);
  o.read = ReadOptions::from_config(section);
  return o;
}

std::unique_ptr<DataSource> make_imdb_source(ImdbOptions o) {
  if (o.path.empty()) throw Error("ImdbOptions::path: names no archive or folder");
  if (o.encoding.max_size < 2 || o.encoding.min_freq < 1 || o.encoding.max_length < 1)
    throw Error("ImdbOptions::encoding: max_size must be >= 2 (<pad>, <unk>), min_freq and max_length >= 1");
  if (o.vocabulary_limit < 0) throw Error("ImdbOptions::vocabulary_limit: must be >= 0");
  return std::make_unique<ImdbSource>(std::move(o));
}

MODLR_REGISTER(data_source_registry, "imdb", [](const Config& c) -> std::unique_ptr<DataSource> {
  return make_imdb_source(ImdbOptions::from_config(c));
});

}  // namespace modlr
