// The IMDb data source: the aclImdb reviews (include/modlr/dataset/imdb.h) tokenized,
// looked up in a vocabulary built from the training reviews, cut and padded to a fixed
// length (include/modlr/dataset/text.h).
//
// Config (dataset section): name: imdb,
//   path: the aclImdb .tar.gz (or .tar) archive, or an unpacked aclImdb directory (or the
//         directory holding it),
//   max_size, min_freq, max_length, keep: the text encoding (dataset/text_encoding.h),
//   limit: 0          (the Dataset key) also limits the reviews the vocabulary is built on.
// Inputs become int64 token ids [N, max_length], right-padded; targets int64 [N] (pos = 1,
// neg = 0). The vocabulary is built from the (first `limit`) training reviews only, never
// from the test reviews; it is a pure function of the config and the data, so `modlr eval`
// rebuilds the same one, and the run record keeps it as vocab.txt (line i = id i).
#include "modlr/dataset/dataset.h"
#include "modlr/dataset/imdb.h"
#include "modlr/dataset/text_encoding.h"

namespace modlr {
namespace {

class ImdbSource : public DataSource {
 public:
  explicit ImdbSource(const Config& c)
      : path_(c.get<std::string>("path")),
        encoding_(TextEncodingOptions::from_config(c)),
        limit_(c.get_count("limit", 0, /*allow_zero=*/true)),
        decode_limits_(decode_limits(c)) {}

  SourceData load() override {
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

  std::string path_;
  TextEncodingOptions encoding_;
  int64_t limit_;
  formats::DecodeLimits decode_limits_;
};

}  // namespace

MODLR_REGISTER(data_source_registry, "imdb", [](const Config& c) -> std::unique_ptr<DataSource> {
  return std::make_unique<ImdbSource>(c);
});

}  // namespace modlr
