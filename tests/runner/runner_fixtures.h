#pragma once
// A tiny regression problem (y = 2x - 1, one Linear(1, 1) model) for runner tests.
#include <limits>

#include "modlr/dataset/loader.h"
#include "modlr/loss/loss.h"
#include "modlr/model/model.h"
#include "modlr/optimizer/optimizer.h"
#include "modlr/runner/runner.h"

namespace modlr::testing {

class LinearModel : public SequentialModel {
 public:
  LinearModel() { add_layer("fc1", torch::nn::Linear(1, 1)); }
};

/// MSE that can be told to return NaN on its n-th call (1-based), or a finite value whose
/// gradient is NaN (0 * sqrt(0) has value 0 and derivative 0 * inf).
class PoisonableMse : public Loss {
 public:
  PoisonableMse(const int64_t& poison_at, const int64_t& poison_gradient_at)
      : poison_at_(poison_at), poison_gradient_at_(poison_gradient_at) {}
  std::vector<std::string> objectives() const override { return {"loss"}; }
  Task task() const override { return Task::regression; }
  LossOutput compute(ModelSet& models, const Batch& batch, const LossRequest&) override {
    auto out = models.forward(batch.x);
    auto loss = torch::mse_loss(out, batch.y);
    if (++calls_ == poison_at_) loss = loss * std::numeric_limits<float>::quiet_NaN();
    if (calls_ == poison_gradient_at_) loss = loss + 0 * torch::sqrt(out - out.detach()).sum();
    return {{{"loss", loss}}, out, batch.y};
  }

 private:
  const int64_t& poison_at_;
  const int64_t& poison_gradient_at_;
  int64_t calls_ = 0;
};

struct LinearProblem {
  ModelSet models;
  std::unique_ptr<Loss> loss;
  std::vector<std::unique_ptr<Optimizer>> optimizers;
  TensorData data;
  int64_t batch_size;
  int64_t poison_at_call = -1;
  int64_t poison_gradient_at_call = -1;

  LinearProblem(int64_t examples, int64_t batch, double lr = 0.1) : batch_size(batch) {
    torch::manual_seed(0);
    auto x = torch::linspace(-1, 1, examples).view({examples, 1});
    data = {x, 2 * x - 1};
    models.add("model", std::make_shared<LinearModel>());
    loss = std::make_unique<PoisonableMse>(poison_at_call, poison_gradient_at_call);
    auto constant = schedule_registry().create("constant", "k", Config::parse("{}", "s"), ScheduleContext{});
    optimizers.push_back(std::make_unique<Optimizer>(
        std::make_unique<torch::optim::SGD>(models.only().parameters(), torch::optim::SGDOptions(lr)), constant, lr,
        0.0, "model", "loss"));
  }
  RunnerOptions options(int64_t epochs) const {
    RunnerOptions o;
    o.epochs = epochs;
    o.train_metrics = {"rmse"};
    o.eval_metrics = {"r2"};
    return o;
  }
  std::unique_ptr<BatchLoader> loader(bool shuffle = true, int64_t batch = 0) const {
    LoaderOptions o;
    o.batch_size = batch > 0 ? batch : batch_size;
    o.shuffle = shuffle;
    o.seed = 1;
    return std::make_unique<BatchLoader>(data, o);
  }
};

}  // namespace modlr::testing
