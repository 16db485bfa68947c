// Greedy and beam search over a Seq2SeqModel (model/seq2seq.h).
#include <cmath>
#include <limits>

#include "modlr/model/seq2seq.h"

namespace modlr {
namespace {

constexpr int64_t kPad = 0, kBos = 2, kEos = 3;  // dataset/parallel_text_source.h's TranslationTokens
constexpr float kMinusInf = -std::numeric_limits<float>::infinity();

// Each row's longest output, <bos> and <eos> counted: its source length plus extra_length,
// at most the model's max_length.
torch::Tensor length_limits(const torch::Tensor& source, const SearchOptions& options, int64_t max_length) {
  return ((source != kPad).sum(1) + options.extra_length).clamp_max(max_length).to(torch::kCPU);
}

// The scores [rows, vocabulary] of the tokens a search may append at position t: never
// <pad> or <bos>; and rows that must end now (t is their last position) end with <eos>,
// scored 0 (the hypothesis keeps its score: it ends because of the limit, not the model).
torch::Tensor next_token_scores(torch::Tensor scores, const torch::Tensor& row_limits, int64_t t) {
  scores = scores.clone();
  scores.select(1, kPad).fill_(kMinusInf);
  scores.select(1, kBos).fill_(kMinusInf);
  const auto at_limit = (row_limits == t + 1).to(scores.device());
  if (!at_limit.any().item<bool>()) return scores;
  auto only_eos = torch::full_like(scores, kMinusInf);
  only_eos.select(1, kEos).fill_(0);
  return torch::where(at_limit.unsqueeze(1), only_eos, scores);
}

torch::Tensor greedy(Seq2SeqModel& model, const torch::Tensor& source, const SearchOptions& options) {
  const int64_t n = source.size(0);
  const auto limits = length_limits(source, options, model.max_length());
  auto tokens = torch::full({n, 1}, kBos, source.options().dtype(torch::kInt64));
  if (n == 0) return tokens;
  const auto encoded = model.encode(source);
  auto finished = torch::zeros({n}, tokens.options().dtype(torch::kBool));
  const int64_t longest = limits.max().item<int64_t>();
  for (int64_t t = 1; t < longest; ++t) {
    const auto logits = model.next_token_logits(encoded, tokens).to(torch::kFloat32);
    auto next = next_token_scores(logits, limits, t).argmax(1);
    next = torch::where(finished, torch::full_like(next, kPad), next);
    tokens = torch::cat({tokens, next.unsqueeze(1)}, 1);
    finished = finished.logical_or(next == kEos);
    if (finished.all().item<bool>()) break;
  }
  return tokens;
}

struct Hypothesis {
  std::vector<int64_t> tokens;  // <bos> ... <eos>
  float score = kMinusInf;      // length-normalised
};

// One beam-search step's choice, sentence after sentence: the rows (beam hypotheses) that
// go on, the token each appends and its summed log-probability.
struct BeamStep {
  std::vector<int64_t> rows, tokens;
  std::vector<float> scores;
};

class BeamSearch {
 public:
  BeamSearch(Seq2SeqModel& model, const torch::Tensor& source, const SearchOptions& options)
      : model_(model),
        options_(options),
        n_(source.size(0)),
        k_(options.beam),
        limits_(length_limits(source, options, model.max_length())),
        row_limits_(limits_.repeat_interleave(k_)),
        tokens_(torch::full({n_ * k_, 1}, kBos, source.options().dtype(torch::kInt64))),
        scores_(torch::full({n_, k_}, kMinusInf)),
        encoded_(n_ > 0 ? model.encode(source).select(torch::arange(n_, tokens_.options()).repeat_interleave(k_))
                        : Encoded{}),
        finished_(static_cast<size_t>(n_)),
        done_(static_cast<size_t>(n_), false) {
    // Only each sentence's first hypothesis is live at the start (the others would repeat it).
    if (n_ > 0) scores_.select(1, 0).zero_();
  }

  torch::Tensor run() {
    const int64_t longest = n_ > 0 ? limits_.max().item<int64_t>() : 1;
    for (int64_t t = 1; t < longest && !all_done(); ++t) step(t);
    return best();
  }

 private:
  bool all_done() const {
    for (bool d : done_)
      if (!d) return false;
    return true;
  }

  void step(int64_t t) {
    const auto logits = model_.next_token_logits(encoded_, tokens_).to(torch::kFloat32);
    const auto log_probabilities = next_token_scores(torch::log_softmax(logits, 1), row_limits_, t).cpu();
    const int64_t vocabulary = log_probabilities.size(1);
    const auto candidates = (scores_.view({n_ * k_, 1}) + log_probabilities).view({n_, k_ * vocabulary});
    const auto [values, indices] = candidates.topk(std::min(2 * k_, k_ * vocabulary), 1);
    BeamStep next;
    const auto tokens_cpu = tokens_.cpu();
    for (int64_t s = 0; s < n_; ++s) choose(s, t, values[s], indices[s], vocabulary, tokens_cpu, next);
    const auto rows = torch::tensor(next.rows, torch::kInt64);
    tokens_ = torch::cat({tokens_.index_select(0, rows.to(tokens_.device())),
                          torch::tensor(next.tokens, torch::kInt64).to(tokens_.device()).unsqueeze(1)},
                         1);
    scores_ = torch::tensor(next.scores).view({n_, k_});
  }

  // Sentence s's candidates in descending score: <eos> among the first k finishes a
  // hypothesis; the first k others go on. Done once k hypotheses have finished.
  void choose(int64_t s, int64_t t, const torch::Tensor& values, const torch::Tensor& indices, int64_t vocabulary,
              const torch::Tensor& tokens, BeamStep& next) {
    auto& finished = finished_[static_cast<size_t>(s)];
    int64_t kept = 0;
    if (!done_[static_cast<size_t>(s)]) {
      for (int64_t j = 0; j < values.size(0) && kept < k_; ++j) {
        const float score = values[j].item<float>();
        if (score == kMinusInf) break;
        const int64_t index = indices[j].item<int64_t>(), row = s * k_ + index / vocabulary, token = index % vocabulary;
        if (token == kEos) {
          if (j < k_) finish(finished, tokens[row], score, t);
          continue;
        }
        next.rows.push_back(row);
        next.tokens.push_back(token);
        next.scores.push_back(score);
        ++kept;
      }
      if (static_cast<int64_t>(finished.size()) >= k_ || kept == 0) done_[static_cast<size_t>(s)] = true;
    }
    for (; kept < k_; ++kept) {  // dead rows keep the shape
      next.rows.push_back(s * k_);
      next.tokens.push_back(kPad);
      next.scores.push_back(kMinusInf);
    }
  }

  void finish(std::vector<Hypothesis>& finished, const torch::Tensor& row, float score, int64_t t) const {
    Hypothesis h;
    const auto* ids = row.data_ptr<int64_t>();
    h.tokens.assign(ids, ids + t);
    h.tokens.push_back(kEos);
    h.score = score / static_cast<float>(std::pow(static_cast<double>(t), options_.length_penalty));
    finished.push_back(std::move(h));
  }

  // Each sentence's best finished hypothesis (the first of equal scores), right-padded.
  torch::Tensor best() const {
    std::vector<const Hypothesis*> chosen;
    size_t longest = 1;
    for (const auto& finished : finished_) {
      const Hypothesis* top = nullptr;
      for (const auto& h : finished)
        if (!top || h.score > top->score) top = &h;
      chosen.push_back(top);
      if (top) longest = std::max(longest, top->tokens.size());
    }
    auto out = torch::zeros({n_, static_cast<int64_t>(longest)}, torch::kInt64);
    auto* data = out.data_ptr<int64_t>();
    for (int64_t s = 0; s < n_; ++s) {
      const auto* top = chosen[static_cast<size_t>(s)];
      if (!top) {  // cannot happen: the length limit forces <eos>; kept total for safety
        data[s * out.size(1)] = kBos;
        continue;
      }
      std::copy(top->tokens.begin(), top->tokens.end(), data + s * out.size(1));
    }
    return out.to(tokens_.device());
  }

  Seq2SeqModel& model_;
  SearchOptions options_;
  int64_t n_, k_;
  torch::Tensor limits_, row_limits_, tokens_, scores_;
  Encoded encoded_;
  std::vector<std::vector<Hypothesis>> finished_;
  std::vector<bool> done_;
};

}  // namespace

SearchOptions SearchOptions::from_config(const Config& section) {
  SearchOptions o;
  o.beam = section.get_count("beam", o.beam);
  o.length_penalty = section.get<double>("length_penalty", o.length_penalty);
  if (!std::isfinite(o.length_penalty) || o.length_penalty < 0)
    section.fail("length_penalty", "must be a finite number >= 0");
  o.extra_length = section.get_count("extra_length", o.extra_length, /*allow_zero=*/true);
  return o;
}

torch::Tensor search(Seq2SeqModel& model, const torch::Tensor& source, const SearchOptions& options) {
  if (options.beam < 1) throw Error("search: beam must be >= 1, got " + std::to_string(options.beam));
  if (options.beam == 1) return greedy(model, source, options);
  return BeamSearch(model, source, options).run();
}

torch::Tensor Seq2SeqModel::forward(torch::Tensor source) { return search(*this, source, SearchOptions{}); }

}  // namespace modlr
