// The grid and random samplers, the random stream they and TPE share, and the trial
// vocabulary (tune/sampler.h, tune/trial.h).
#include <cmath>

#include "modlr/core/error.h"
#include "modlr/tune/sampler.h"
#include "tpe_sampler.h"

namespace modlr {

const char* trial_state_name(TrialState state) {
  switch (state) {
    case TrialState::waiting:
      return "waiting";
    case TrialState::running:
      return "running";
    case TrialState::complete:
      return "complete";
    case TrialState::pruned:
      return "pruned";
    case TrialState::failed:
      return "failed";
  }
  return "?";
}

TrialState trial_state_from_name(const std::string& name) {
  for (const auto state :
       {TrialState::waiting, TrialState::running, TrialState::complete, TrialState::pruned, TrialState::failed})
    if (name == trial_state_name(state)) return state;
  throw Error("unknown trial state '" + name + "'");
}

std::string Objective::metric_name() const {
  const auto dot = metric.find('.');
  return dot == std::string::npos ? metric : metric.substr(dot + 1);
}

uint64_t SampleStream::next() {
  uint64_t z = (state_ += 0x9e3779b97f4a7c15ULL);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

double SampleStream::uniform() { return static_cast<double>(next() >> 11) * 0x1.0p-53; }

double SampleStream::normal() {
  const double u1 = 1.0 - uniform();  // (0, 1]: log is finite
  const double u2 = uniform();
  return std::sqrt(-2.0 * std::log(u1)) * std::cos(2.0 * M_PI * u2);
}

SampleStream trial_stream(uint64_t seed, int64_t number) {
  SampleStream mixer(seed ^ (0x51afd7ed558ccd00ULL + static_cast<uint64_t>(number) * 0x9e3779b97f4a7c15ULL));
  return SampleStream(mixer.next());
}

double draw_uniform(const SearchParameter& p, SampleStream& stream) {
  const double u = stream.uniform();
  switch (p.distribution) {
    case Distribution::categorical:
      return std::floor(u * static_cast<double>(p.choices.size()));
    case Distribution::integer:
      return p.low + std::floor(u * (p.high - p.low + 1));
    case Distribution::log_uniform:
      return std::exp(std::log(p.low) + u * (std::log(p.high) - std::log(p.low)));
    case Distribution::uniform:
      break;
  }
  return p.low + u * (p.high - p.low);
}

namespace {

class RandomSampler : public Sampler {
 public:
  explicit RandomSampler(uint64_t seed) : seed_(seed) {}
  TrialParams sample(const SearchSpace& space, const std::vector<TrialSnapshot>&, int64_t number) override {
    auto stream = trial_stream(seed_, number);
    TrialParams params;
    for (const auto& parameter : space.parameters()) params[parameter.key] = draw_uniform(parameter, stream);
    return params;
  }

 private:
  uint64_t seed_;
};

// Trial n takes the n-th combination, the first parameter varying slowest.
class GridSampler : public Sampler {
 public:
  TrialParams sample(const SearchSpace& space, const std::vector<TrialSnapshot>&, int64_t number) override {
    TrialParams params;
    int64_t rest = number % capacity(space);
    const auto& parameters = space.parameters();
    for (auto p = parameters.rbegin(); p != parameters.rend(); ++p) {
      params[p->key] = p->grid_value(rest % p->grid_size());
      rest /= p->grid_size();
    }
    return params;
  }
  int64_t capacity(const SearchSpace& space) const override {
    int64_t combinations = 1;
    for (const auto& parameter : space.parameters()) {
      combinations *= parameter.grid_size();
      if (combinations > (int64_t{1} << 40)) throw Error("grid sampler: the grid has more than 2^40 points");
    }
    return combinations;
  }
};

}  // namespace

std::unique_ptr<Sampler> make_sampler(const SamplerOptions& options, const Objective& objective,
                                      const SearchSpace& space) {
  if (options.name == "random") return std::make_unique<RandomSampler>(options.seed);
  if (options.name == "tpe") return make_tpe_sampler(options, objective);
  if (options.name != "grid") throw Error("--sampler: unknown sampler '" + options.name + "' (grid | random | tpe)");
  for (const auto& parameter : space.parameters())
    if (parameter.grid_size() == 0)
      throw Error("--sampler grid: search space key '" + parameter.key +
                  "' needs 'points: N' (how many values of its range the grid takes)");
  return std::make_unique<GridSampler>();
}

}  // namespace modlr
