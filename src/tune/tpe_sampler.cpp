// The Tree-structured Parzen Estimator (tune/sampler.h), independent per parameter, with
// Optuna's defaults: gamma(n) = min(ceil(n/10), 25), a prior component, Optuna's bandwidths.
#include "tpe_sampler.h"

#include <algorithm>
#include <cmath>
#include <numeric>

namespace modlr {
namespace {

double normal_cdf(double z) { return 0.5 * std::erfc(-z / std::sqrt(2.0)); }

// A mixture of Gaussians truncated to [low, high]: one per observation plus a broad prior.
class Parzen {
 public:
  Parzen(std::vector<double> values, double low, double high) : low_(low), high_(high) {
    values.push_back(0.5 * (low + high));  // the prior
    std::vector<size_t> order(values.size());
    std::iota(order.begin(), order.end(), 0);
    std::sort(order.begin(), order.end(), [&](size_t a, size_t b) { return values[a] < values[b]; });
    const double span = high - low;
    const double min_sigma = span / std::min(100.0, 1.0 + static_cast<double>(values.size()));
    for (size_t rank = 0; rank < order.size(); ++rank) {
      const double mu = values[order[rank]];
      const double left = mu - (rank == 0 ? low : values[order[rank - 1]]);
      const double right = (rank + 1 == order.size() ? high : values[order[rank + 1]]) - mu;
      double sigma = order[rank] + 1 == values.size() ? span : std::max(left, right);
      mu_.push_back(mu);
      sigma_.push_back(std::clamp(sigma, min_sigma, span));
    }
  }

  double sample(SampleStream& stream) const {
    const size_t component = std::min(mu_.size() - 1, static_cast<size_t>(stream.uniform() * mu_.size()));
    for (int attempt = 0; attempt < 100; ++attempt) {
      const double x = mu_[component] + sigma_[component] * stream.normal();
      if (x >= low_ && x <= high_) return x;
    }
    return std::clamp(mu_[component], low_, high_);
  }

  double log_density(double x) const {
    double density = 0;
    for (size_t i = 0; i < mu_.size(); ++i) {
      const double z = (x - mu_[i]) / sigma_[i];
      const double mass = normal_cdf((high_ - mu_[i]) / sigma_[i]) - normal_cdf((low_ - mu_[i]) / sigma_[i]);
      density += std::exp(-0.5 * z * z) / (sigma_[i] * std::sqrt(2 * M_PI) * std::max(mass, 1e-12));
    }
    return std::log(std::max(density / static_cast<double>(mu_.size()), 1e-300));
  }

 private:
  double low_, high_;
  std::vector<double> mu_, sigma_;
};

// Numeric parameters live in a space where they are uniform: log for log_uniform, and
// integers widened by half a step each side so that the ends are as likely as the rest.
double to_internal(const SearchParameter& p, double x) {
  return p.distribution == Distribution::log_uniform ? std::log(x) : x;
}

double from_internal(const SearchParameter& p, double x) {
  if (p.distribution == Distribution::log_uniform) return std::clamp(std::exp(x), p.low, p.high);
  if (p.distribution == Distribution::integer) return std::clamp(std::round(x), p.low, p.high);
  return std::clamp(x, p.low, p.high);
}

std::vector<double> values_of(const SearchParameter& p, const std::vector<const TrialSnapshot*>& trials) {
  std::vector<double> values;
  values.reserve(trials.size());
  for (const auto* trial : trials) values.push_back(to_internal(p, trial->params.at(p.key)));
  return values;
}

double sample_numeric(const SearchParameter& p, const std::vector<const TrialSnapshot*>& good,
                      const std::vector<const TrialSnapshot*>& bad, int64_t candidates, SampleStream& stream) {
  const bool integer = p.distribution == Distribution::integer;
  const double low = to_internal(p, p.low) - (integer ? 0.5 : 0.0);
  const double high = to_internal(p, p.high) + (integer ? 0.5 : 0.0);
  const Parzen l(values_of(p, good), low, high), g(values_of(p, bad), low, high);
  double best = 0, best_score = -INFINITY;
  for (int64_t i = 0; i < candidates; ++i) {
    const double x = l.sample(stream);
    const double score = l.log_density(x) - g.log_density(x);
    if (score > best_score) best = x, best_score = score;
  }
  return from_internal(p, best);
}

// Choice probabilities: counts plus a prior weight of 1 spread over the choices.
std::vector<double> choice_weights(const SearchParameter& p, const std::vector<const TrialSnapshot*>& trials) {
  std::vector<double> weights(p.choices.size(), 1.0 / static_cast<double>(p.choices.size()));
  for (const auto* trial : trials) weights[static_cast<size_t>(trial->params.at(p.key))] += 1;
  const double total = std::accumulate(weights.begin(), weights.end(), 0.0);
  for (auto& weight : weights) weight /= total;
  return weights;
}

double sample_categorical(const SearchParameter& p, const std::vector<const TrialSnapshot*>& good,
                          const std::vector<const TrialSnapshot*>& bad, int64_t candidates, SampleStream& stream) {
  const auto l = choice_weights(p, good), g = choice_weights(p, bad);
  size_t best = 0;
  double best_score = -INFINITY;
  for (int64_t i = 0; i < candidates; ++i) {
    double u = stream.uniform();
    size_t choice = 0;
    while (choice + 1 < l.size() && u >= l[choice]) u -= l[choice++];
    const double score = std::log(l[choice]) - std::log(g[choice]);
    if (score > best_score) best = choice, best_score = score;
  }
  return static_cast<double>(best);
}

class TpeSampler : public Sampler {
 public:
  TpeSampler(const SamplerOptions& options, Objective objective)
      : options_(options), objective_(std::move(objective)) {}

  TrialParams sample(const SearchSpace& space, const std::vector<TrialSnapshot>& history, int64_t number) override {
    auto stream = trial_stream(options_.seed, number);
    const auto ranked = rank_trials(history, objective_);
    TrialParams params;
    if (static_cast<int64_t>(ranked.size()) < options_.startup_trials) {
      for (const auto& parameter : space.parameters()) params[parameter.key] = draw_uniform(parameter, stream);
      return params;
    }
    const size_t n_good = std::min<size_t>((ranked.size() + 9) / 10, 25);
    const std::vector<const TrialSnapshot*> good(ranked.begin(), ranked.begin() + static_cast<std::ptrdiff_t>(n_good));
    const std::vector<const TrialSnapshot*> bad(ranked.begin() + static_cast<std::ptrdiff_t>(n_good), ranked.end());
    for (const auto& p : space.parameters())
      params[p.key] = p.distribution == Distribution::categorical
                          ? sample_categorical(p, good, bad, options_.candidates, stream)
                          : sample_numeric(p, good, bad, options_.candidates, stream);
    return params;
  }

 private:
  SamplerOptions options_;
  Objective objective_;
};

}  // namespace

std::vector<const TrialSnapshot*> rank_trials(const std::vector<TrialSnapshot>& history, const Objective& objective) {
  std::vector<const TrialSnapshot*> complete, pruned;
  for (const auto& trial : history) {
    if (trial.state == TrialState::complete && trial.value) complete.push_back(&trial);
    if (trial.state == TrialState::pruned && !trial.curve.empty()) pruned.push_back(&trial);
  }
  const auto better = [&](double a, double b) {
    if (std::isnan(b)) return !std::isnan(a);
    return !std::isnan(a) && objective.better(a, b);
  };
  std::stable_sort(complete.begin(), complete.end(),
                   [&](const TrialSnapshot* a, const TrialSnapshot* b) { return better(*a->value, *b->value); });
  std::stable_sort(pruned.begin(), pruned.end(), [&](const TrialSnapshot* a, const TrialSnapshot* b) {
    if (a->last_step() != b->last_step()) return a->last_step() > b->last_step();
    return better(a->curve.rbegin()->second, b->curve.rbegin()->second);
  });
  complete.insert(complete.end(), pruned.begin(), pruned.end());
  return complete;
}

std::unique_ptr<Sampler> make_tpe_sampler(const SamplerOptions& options, const Objective& objective) {
  return std::make_unique<TpeSampler>(options, objective);
}

}  // namespace modlr
