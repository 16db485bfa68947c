// Where a LeNet-5 training step spends its time, layer by layer, forward and backward, in the
// kernels strict or fast mode runs (batch 64, random data: the time does not depend on it).
// Backward times come from tensor hooks that stamp the clock as each layer's input gradient
// arrives. Medians over 900 steps, so the shared machine's hiccups do not move them.
//
//   build/modlr_lenet5_layers [THREADS] [strict|fast]
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <string>

#include "modlr/core/memory.h"
#include "modlr/core/threads.h"
#include "modlr/fast/direct_conv2d.h"
#include "modlr/fast/split_linear.h"
#include "modlr/model/max_pool_2x2.h"

namespace {

using Clock = std::chrono::steady_clock;

struct Step {
  std::vector<std::pair<const char*, Clock::time_point>> marks;
  void mark(const char* name) { marks.emplace_back(name, Clock::now()); }
};

}  // namespace

int main(int argc, char** argv) {
  const int threads = argc > 1 ? std::atoi(argv[1]) : 2;
  const bool fast = argc > 2 && std::string(argv[2]) == "fast";
  modlr::keep_freed_memory();
  modlr::apply_threads({threads});
  torch::manual_seed(0);
  auto w1 = (torch::randn({6, 1, 5, 5}) * 0.2).requires_grad_(), b1 = torch::zeros({6}).requires_grad_();
  auto w2 = (torch::randn({16, 6, 5, 5}) * 0.1).requires_grad_(), b2 = torch::zeros({16}).requires_grad_();
  torch::nn::Linear fc1(400, 120), fc2(120, 84), fc3(84, 10);
  const auto images = torch::randn({64 * 50, 1, 28, 28});
  const auto labels = torch::randint(0, 10, {64 * 50});
  auto relu_pool = [&](const torch::Tensor& x) {
    return fast ? modlr::relu_max_pool_2x2(x) : modlr::max_pool_2x2(torch::relu(x));
  };
  std::map<std::string, std::vector<double>> seconds;
  Step step;
  for (int i = 0; i < 1000; ++i) {
    step.marks.clear();
    const auto x = images.narrow(0, i % 50 * 64, 64), y = labels.narrow(0, i % 50 * 64, 64);
    step.mark("start");
    auto a1 = fast ? modlr::direct_conv2d(x, w1, b1, 2) : torch::conv2d(x, w1, b1, 1, 2);
    step.mark("forward  conv1");
    auto p1 = relu_pool(a1);
    step.mark("forward  relu+pool1");
    auto a2 = fast ? modlr::direct_conv2d(p1, w2, b2, 0) : torch::conv2d(p1, w2, b2);
    step.mark("forward  conv2");
    auto p2 = relu_pool(a2);
    step.mark("forward  relu+pool2");
    auto linear = [&](torch::nn::Linear& fc, const torch::Tensor& in) {
      return fast ? modlr::split_linear(in, fc->weight, fc->bias) : fc(in);
    };
    auto logits = linear(fc3, torch::relu(linear(fc2, torch::relu(linear(fc1, p2.flatten(1))))));
    auto loss = torch::nn::functional::cross_entropy(logits, y);
    step.mark("forward  fc1-3+loss");
    const std::pair<torch::Tensor*, const char*> hooks[] = {{&p2, "backward loss+fc3-1"},
                                                            {&a2, "backward relu+pool2"},
                                                            {&p1, "backward conv2"},
                                                            {&a1, "backward relu+pool1"}};
    for (const auto& [tensor, name] : hooks)
      tensor->register_hook([&step, name = name](torch::Tensor g) {
        step.mark(name);
        return g;
      });
    loss.backward();
    step.mark("backward conv1");
    for (auto* p : {&w1, &b1, &w2, &b2}) p->mutable_grad().reset();
    for (auto* fc : {&fc1, &fc2, &fc3})
      for (auto& p : (*fc)->parameters()) p.mutable_grad().reset();
    if (i < 100) continue;  // warm-up
    for (size_t m = 1; m < step.marks.size(); ++m)
      seconds[step.marks[m].first].push_back(
          std::chrono::duration<double>(step.marks[m].second - step.marks[m - 1].second).count());
  }
  std::printf("LeNet-5 step, batch 64, %d thread(s), %s mode: median milliseconds\n", threads,
              fast ? "fast" : "strict");
  double total = 0;
  for (auto& [name, values] : seconds) {
    std::nth_element(values.begin(), values.begin() + values.size() / 2, values.end());
    const double median = values[values.size() / 2] * 1e3;
    total += median;
    std::printf("  %-22s %7.3f\n", name.c_str(), median);
  }
  std::printf("  %-22s %7.3f\n", "sum of medians", total);
}
