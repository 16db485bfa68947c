// The floor for modlr's runner overhead: a minimal hand-written libtorch training loop doing
// the same work as `modlr train` (same model, data, seed, shuffling, loss, optimizer, per-step
// loss read-back and accuracy count), without hooks, prefetch or metrics machinery.
// Usage: modlr_floor CONFIG [--set k=v ...]   prints one JSON line.
#include <chrono>
#include <cstdio>
#include <iostream>

#include <ATen/CPUGeneratorImpl.h>

#include "modlr/cli/commands.h"
#include "modlr/core/memory.h"
#include "modlr/runner/experiment.h"

namespace {

double seconds_since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::cerr << "usage: modlr_floor CONFIG [--set k=v ...]\n";
    return 2;
  }
  modlr::keep_freed_memory();  // as the modlr CLI does
  std::vector<std::string> overrides;
  for (int i = 2; i + 1 < argc; i += 2) overrides.push_back(argv[i + 1]);
  return modlr::cli::guarded([&] {
    modlr::Experiment experiment(modlr::Config::load(argv[1], overrides));
    auto& dataset = experiment.dataset();
    dataset.load();
    const auto& train = dataset.data(modlr::Split::train);
    auto& model = experiment.models().only();
    auto& optimizer = experiment.optimizers().front()->impl();
    const int64_t batch = experiment.config().section("dataset").get<int64_t>("batch_size");
    const int64_t n = train.size();
    auto generator = at::make_generator<at::CPUGeneratorImpl>(static_cast<uint64_t>(experiment.seed()));

    const auto start = std::chrono::steady_clock::now();
    double loss_sum = 0;
    int64_t correct = 0;
    for (int64_t epoch = 0; epoch < experiment.runner_options().epochs; ++epoch) {
      model.train();
      const auto permutation = torch::randperm(n, generator, torch::kLong);
      for (int64_t first = 0; first < n; first += batch) {
        const auto rows = permutation.narrow(0, first, std::min(batch, n - first));
        const auto x = train.inputs.index_select(0, rows), y = train.targets.index_select(0, rows);
        optimizer.zero_grad();
        const auto logits = model.forward(x);
        auto loss = torch::nn::functional::cross_entropy(logits, y);
        loss.backward();
        loss_sum += loss.item<double>() * static_cast<double>(x.size(0));
        optimizer.step();
        correct += logits.argmax(1).eq(y).sum().item<int64_t>();
      }
    }
    const double train_seconds = seconds_since(start);

    const auto& test = dataset.data(modlr::Split::test);
    const auto test_start = std::chrono::steady_clock::now();
    int64_t test_correct = 0;
    {
      c10::InferenceMode inference;
      model.eval();
      const int64_t eval_batch = 1000;
      for (int64_t first = 0; first < test.size(); first += eval_batch) {
        const int64_t length = std::min(eval_batch, test.size() - first);
        const auto logits = model.forward(test.inputs.narrow(0, first, length));
        test_correct += logits.argmax(1).eq(test.targets.narrow(0, first, length)).sum().item<int64_t>();
      }
    }
    const double test_seconds = seconds_since(test_start);
    std::printf(
        "{\"train_seconds\": %.6f, \"test_seconds\": %.6f, \"train_loss\": %.17g, "
        "\"test_accuracy\": %.17g, \"threads\": %d}\n",
        train_seconds, test_seconds, loss_sum / static_cast<double>(n),
        static_cast<double>(test_correct) / static_cast<double>(test.size()), experiment.threads().intra_op);
    return 0;
  });
}
