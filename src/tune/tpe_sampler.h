#pragma once
// The TPE sampler (tune/sampler.h), private to src/tune.
#include <memory>

#include "modlr/tune/sampler.h"

namespace modlr {

std::unique_ptr<Sampler> make_tpe_sampler(const SamplerOptions& options, const Objective& objective);

/// The trials TPE learns from, best first: complete ones by value (a NaN value last), then
/// pruned ones by the step they reached (further first) and their value there.
std::vector<const TrialSnapshot*> rank_trials(const std::vector<TrialSnapshot>& history, const Objective& objective);

}  // namespace modlr
