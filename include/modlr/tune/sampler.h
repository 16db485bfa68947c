#pragma once
/// Samplers pick the next trial's parameters from the search space and the study's
/// history (tune/trial.h). All are seeded: the same study seed, space and history give the
/// same parameters on every machine (modlr's own random numbers, not <random>'s
/// distributions, whose algorithms differ between standard libraries). No torch here.
///
///   grid:   every combination of the parameters' grid values (search_space.h), in order;
///           trial n takes combination n (the study ends when they run out).
///   random: each parameter drawn independently, uniform in its range (log-uniform in log
///           space; a uniform choice), from a stream keyed by (seed, trial number).
///   tpe:    the Tree-structured Parzen Estimator (Bergstra et al., NeurIPS 2011), as
///           Optuna's default TPESampler: the first `startup_trials` trials random, then per
///           parameter a Parzen density l(x) of the best gamma(n) = min(ceil(n/10), 25)
///           trials and g(x) of the rest (pruned trials ranked after complete ones, by the
///           step they reached), and the one of `candidates` draws from l with the largest
///           l(x)/g(x).
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "modlr/tune/trial.h"

namespace modlr {

struct SamplerOptions {
  std::string name = "tpe";  ///< grid | random | tpe
  uint64_t seed = 0;         ///< the study's seed
  int64_t startup_trials = 10;
  int64_t candidates = 24;
};

class Sampler {
 public:
  virtual ~Sampler() = default;
  /// Parameters for trial `number` (0-based), given the trials before it (any state).
  virtual TrialParams sample(const SearchSpace& space, const std::vector<TrialSnapshot>& history, int64_t number) = 0;
  /// How many trials the sampler can give (the grid's size); 0 = no limit.
  virtual int64_t capacity(const SearchSpace& space) const { return 0; }
};

/// Throws modlr::Error for an unknown name, or a grid over a uniform/log_uniform parameter
/// without `points` (naming the key).
std::unique_ptr<Sampler> make_sampler(const SamplerOptions& options, const Objective& objective,
                                      const SearchSpace& space);

/// A deterministic random stream (SplitMix64), the samplers' only source of randomness.
class SampleStream {
 public:
  explicit SampleStream(uint64_t seed) : state_(seed) {}
  uint64_t next();
  double uniform();  ///< in [0, 1), 53 random bits
  double normal();   ///< standard normal (Box-Muller)

 private:
  uint64_t state_;
};
/// The stream of trial `number` of a study seeded `seed` (independent streams per trial).
SampleStream trial_stream(uint64_t seed, int64_t number);
/// One value of `parameter` drawn uniformly (log-uniformly; a uniform choice; an integer).
double draw_uniform(const SearchParameter& parameter, SampleStream& stream);

}  // namespace modlr
