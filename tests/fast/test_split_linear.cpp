// Fast mode's split Linear against torch::linear (values and all three gradients to float
// rounding), thread-count determinism, the no-grad and inference-mode paths (their modes
// must reach the worker thread), and the fallbacks of the layer wrapper.
#include <gtest/gtest.h>

#include "modlr/fast/split_linear.h"

namespace {

struct LinearCase {
  int64_t rows, in, out;
  bool bias;
};

// Test names show the shape ("64x400->120, bias"), not the struct's raw bytes (which
// include padding, different from build to build).
void PrintTo(const LinearCase& c, std::ostream* out) {
  *out << c.rows << "x" << c.in << "->" << c.out << (c.bias ? ", bias" : ", no bias");
}

double max_difference(const torch::Tensor& a, const torch::Tensor& b) { return (a - b).abs().max().item<double>(); }

class SplitLinearTest : public ::testing::TestWithParam<LinearCase> {
 protected:
  void TearDown() override { torch::set_num_threads(1); }
};

}  // namespace

TEST_P(SplitLinearTest, MatchesTorchLinearAndItsGradients) {
  const auto c = GetParam();
  torch::manual_seed(3);
  torch::set_num_threads(2);
  const auto x = torch::randn({c.rows, c.in});
  const auto w = torch::randn({c.out, c.in}) * 0.1;
  const auto b = c.bias ? torch::randn({c.out}) : torch::Tensor();
  const auto upstream = torch::randn({c.rows, c.out});
  auto xr = x.clone().requires_grad_(), wr = w.clone().requires_grad_();
  auto br = c.bias ? b.clone().requires_grad_() : torch::Tensor();
  torch::linear(xr, wr, br).backward(upstream);
  auto xs = x.clone().requires_grad_(), ws = w.clone().requires_grad_();
  auto bs = c.bias ? b.clone().requires_grad_() : torch::Tensor();
  const auto out = modlr::split_linear(xs, ws, bs);
  ASSERT_EQ(out.sizes(), (std::vector<int64_t>{c.rows, c.out}));
  out.backward(upstream);
  EXPECT_LT(max_difference(out, torch::linear(x, w, b)), 1e-4);
  EXPECT_LT(max_difference(xs.grad(), xr.grad()), 1e-4);
  EXPECT_LT(max_difference(ws.grad(), wr.grad()), 1e-4);
  if (c.bias) {
    EXPECT_TRUE(torch::equal(bs.grad(), br.grad()));  // the same sum(0)
  }
}

// LeNet-5's and the MLP's layers, a single row (one half empty), odd sizes, no bias.
INSTANTIATE_TEST_SUITE_P(Shapes, SplitLinearTest,
                         ::testing::Values(LinearCase{64, 400, 120, true}, LinearCase{32, 784, 64, true},
                                           LinearCase{1, 8, 3, true}, LinearCase{17, 33, 5, false},
                                           LinearCase{64, 84, 10, true}));

TEST_F(SplitLinearTest, BitwiseSameForAnyThreadCount) {
  torch::manual_seed(4);
  const auto x = torch::randn({32, 784}), w = torch::randn({64, 784}), b = torch::randn({64});
  const auto upstream = torch::randn({32, 64});
  auto run = [&](int threads) {
    torch::set_num_threads(threads);
    auto xi = x.clone().requires_grad_(), wi = w.clone().requires_grad_(), bi = b.clone().requires_grad_();
    auto y = modlr::split_linear(xi, wi, bi);
    y.backward(upstream);
    return std::vector<torch::Tensor>{y.detach(), xi.grad(), wi.grad(), bi.grad()};
  };
  const auto one = run(1), two = run(2);
  for (size_t i = 0; i < one.size(); ++i) EXPECT_TRUE(torch::equal(one[i], two[i])) << i;
}

TEST_F(SplitLinearTest, RunsUnderNoGradAndInferenceMode) {
  torch::set_num_threads(2);
  const auto x = torch::randn({8, 6});
  const auto w = torch::randn({4, 6}).requires_grad_(), b = torch::randn({4}).requires_grad_();
  const auto expected = torch::linear(x, w, b).detach();
  {
    torch::NoGradGuard no_grad;
    EXPECT_LT(max_difference(modlr::split_linear(x, w, b), expected), 1e-5);
  }
  {
    c10::InferenceMode inference;  // an inference tensor only takes writes in this mode
    const auto y = modlr::split_linear(torch::randn({8, 6}), w, b);
    EXPECT_TRUE(y.is_inference());
  }
}

TEST_F(SplitLinearTest, LayerFallsBackToTheLinearOnOneThreadAndForOtherInputs) {
  torch::nn::Linear linear(6, 4);
  modlr::SplitLinear split(linear);
  EXPECT_TRUE(split->parameters().empty());  // the model keeps the Linear's registration
  const auto x = torch::randn({5, 6});
  torch::set_num_threads(1);
  EXPECT_TRUE(torch::equal(split->forward(x), linear->forward(x)));
  torch::set_num_threads(2);
  const auto sequence = torch::randn({2, 3, 6});  // [N, T, in]: the Linear's own forward
  EXPECT_TRUE(torch::equal(split->forward(sequence), linear->forward(sequence)));
  EXPECT_LT(max_difference(split->forward(x), linear->forward(x)), 1e-5);
  EXPECT_THROW(modlr::split_linear(sequence, linear->weight, linear->bias), c10::Error);
}
