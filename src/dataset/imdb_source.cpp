// The IMDb data source: the aclImdb reviews (include/modlr/dataset/imdb.h) tokenized,
// looked up in a vocabulary built from the training reviews, cut and padded to a fixed
// length (include/modlr/dataset/text.h).
//
// Config (dataset section): name: imdb,
//   path: the aclImdb .tar.gz (or .tar) archive, or an unpacked aclImdb directory (or the
//         directory holding it),
//   max_size: 20000   vocabulary entries in all, <pad> (id 0) and <unk> (id 1) included,
//   min_freq: 1       a word must occur this often in the training reviews to be kept,
//   max_length: 400   tokens per review: longer ones are cut, shorter ones padded with 0,
//   keep: first       which tokens of a longer review are kept: first | last,
//   limit: 0          (the Dataset key) also limits the reviews the vocabulary is built on.
// Inputs become int64 token ids [N, max_length], right-padded; targets int64 [N] (pos = 1,
// neg = 0). The vocabulary is built from the (first `limit`) training reviews only, never
// from the test reviews; it is a pure function of the config and the data, so `modlr eval`
// rebuilds the same one, and the run record keeps it as vocab.txt (line i = id i).
#include "modlr/core/interrupt.h"
#include "modlr/dataset/dataset.h"
#include "modlr/dataset/imdb.h"
#include "modlr/dataset/text.h"

namespace modlr {
namespace {

// max_length's bound: the longest IMDb review has about 2,500 words; a sequence model over
// 100,000 steps is far past what a user means, and the padded tensor grows with it.
constexpr int64_t kMaxReviewTokens = 100000;

class ImdbSource : public DataSource {
 public:
  explicit ImdbSource(const Config& c)
      : path_(c.get<std::string>("path")),
        max_size_(c.get_count("max_size", 20000)),
        min_freq_(c.get_count("min_freq", 1)),
        max_length_(c.get_count("max_length", 400, false, kMaxReviewTokens)),
        keep_(c.get_choice("keep", "first", {"first", "last"}) == "first" ? text::Keep::first
                                                                          : text::Keep::last),
        limit_(c.get_count("limit", 0, /*allow_zero=*/true)),
        decode_limits_(decode_limits(c)) {
    if (max_size_ < 2)
      c.fail("max_size",
             "must be >= 2 (<pad> and <unk> are entries), got " + std::to_string(max_size_));
  }

  SourceData load() override {
    const auto reviews = imdb::read(path_, decode_limits_);
    const auto train_count =
        limit_ > 0 ? std::min<size_t>(reviews.train.size(), static_cast<size_t>(limit_))
                   : reviews.train.size();
    text::WordCounts counts;
    for (size_t i = 0; i < train_count; ++i) {
      if (i % 1024 == 0) throw_if_stop_requested();
      text::count_words(text::tokenize(reviews.train[i].text), counts);
    }
    const auto vocabulary = text::Vocabulary::build(counts, max_size_, min_freq_);
    SourceData out;
    out.train = encode(reviews.train, train_count, vocabulary, reviews.source);
    out.test = encode(reviews.test, reviews.test.size(), vocabulary, reviews.source);
    out.files.push_back({reviews.source, reviews.sha256});
    out.artifacts.emplace_back("vocab.txt", vocabulary.to_text());
    return out;
  }

 private:
  // The first `count` reviews as id rows [count, max_length] and labels [count].
  TensorData encode(const std::vector<imdb::Review>& reviews, size_t count,
                    const text::Vocabulary& vocabulary, const std::string& source) const {
    const auto n = static_cast<int64_t>(count);
    auto inputs = torch::empty({n, max_length_}, torch::kLong);
    auto targets = torch::empty({n}, torch::kLong);
    auto* rows = inputs.data_ptr<int64_t>();
    auto* labels = targets.data_ptr<int64_t>();
    for (int64_t i = 0; i < n; ++i) {
      if (i % 1024 == 0) throw_if_stop_requested();
      const auto& review = reviews[static_cast<size_t>(i)];
      const auto tokens = text::tokenize(review.text);
      if (tokens.empty())
        throw Error(source + ": review " + review.name + " has no tokens (only spaces and <br />)");
      text::encode(tokens, vocabulary, max_length_, keep_, rows + i * max_length_);
      labels[i] = review.label;
    }
    return {inputs, targets};
  }

  std::string path_;
  int64_t max_size_, min_freq_, max_length_;
  text::Keep keep_;
  int64_t limit_;
  formats::DecodeLimits decode_limits_;
};

}  // namespace

MODLR_REGISTER(data_source_registry, "imdb", [](const Config& c) -> std::unique_ptr<DataSource> {
  return std::make_unique<ImdbSource>(c);
});

}  // namespace modlr
