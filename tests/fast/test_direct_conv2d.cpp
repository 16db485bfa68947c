// Fast mode's direct convolution against libtorch's conv2d (values and all three gradients
// to float rounding), a finite-difference gradient check, thread-count determinism, and the
// fast-mode layer swap in LeNet-5.
#include <gtest/gtest.h>

#include <map>

#include "modlr/core/config.h"
#include "modlr/fast/direct_conv2d.h"
#include "modlr/model/model.h"

namespace {

struct ConvCase {
  int64_t images, in, out, height, width, kernel, padding;
  bool bias;
};

// Largest |a - b| relative to the largest |b| (1 when b is all zeros).
double relative_error(const torch::Tensor& a, const torch::Tensor& b) {
  const double scale = std::max(1.0, b.abs().max().item<double>());
  return (a.to(torch::kFloat64) - b.to(torch::kFloat64)).abs().max().item<double>() / scale;
}

class DirectConv2dTest : public ::testing::TestWithParam<ConvCase> {
 protected:
  void SetUp() override {
    if (!modlr::direct_conv2d_supported(torch::zeros({1, 1, 5, 5}), torch::zeros({1, 1, 5, 5}), 0))
      GTEST_SKIP() << "this CPU has no AVX2+FMA";
  }
};

}  // namespace

TEST_P(DirectConv2dTest, MatchesLibtorchForwardAndGradients) {
  const auto c = GetParam();
  torch::manual_seed(7);
  const auto x = torch::randn({c.images, c.in, c.height, c.width});
  const auto w = torch::randn({c.out, c.in, c.kernel, c.kernel}) * 0.2;
  const auto b = c.bias ? torch::randn({c.out}) : torch::Tensor();
  const auto upstream =
      torch::randn({c.images, c.out, c.height + 2 * c.padding - c.kernel + 1, c.width + 2 * c.padding - c.kernel + 1});
  // Reference in double precision through libtorch.
  auto xr = x.to(torch::kFloat64).requires_grad_(), wr = w.to(torch::kFloat64).requires_grad_();
  auto br = c.bias ? b.to(torch::kFloat64).requires_grad_() : torch::Tensor();
  auto reference = torch::conv2d(xr, wr, br, 1, c.padding);
  reference.backward(upstream.to(torch::kFloat64));
  auto xo = x.clone().requires_grad_(), wo = w.clone().requires_grad_();
  auto bo = c.bias ? b.clone().requires_grad_() : torch::Tensor();
  auto ours = modlr::direct_conv2d(xo, wo, bo, c.padding);
  ASSERT_EQ(ours.sizes(), reference.sizes());
  ours.backward(upstream);
  EXPECT_LT(relative_error(ours, reference), 2e-6);
  EXPECT_LT(relative_error(xo.grad(), xr.grad()), 2e-6);
  EXPECT_LT(relative_error(wo.grad(), wr.grad()), 2e-6);
  if (c.bias) {
    EXPECT_LT(relative_error(bo.grad(), br.grad()), 2e-6);
  }
  // Inference (no autograd) takes the same arithmetic.
  torch::NoGradGuard no_grad;
  EXPECT_TRUE(torch::equal(modlr::direct_conv2d(x, w, b, c.padding), ours.detach()));
}

// LeNet-5 and LeNet-1 shapes, every padding, rows of 1 to 5 vectors with ragged tails,
// channel counts that leave remainder blocks, and no bias. For the interleaved backward:
// batches that leave a partial group of 8 (3, 9, 17 images), and output rows of every width
// class its input gradient tiles differently (2, 3, 6, 7, 8, 10, 28+ wide; 3 wide with a 5x5
// kernel takes the per-pixel loop).
INSTANTIATE_TEST_SUITE_P(Shapes, DirectConv2dTest,
                         ::testing::Values(ConvCase{3, 1, 6, 28, 28, 5, 2, true},
                                           ConvCase{2, 6, 16, 14, 14, 5, 0, true},
                                           ConvCase{2, 1, 4, 28, 28, 5, 0, true},
                                           ConvCase{2, 4, 12, 12, 12, 5, 0, true},
                                           ConvCase{2, 3, 5, 9, 41, 5, 4, false}, ConvCase{1, 2, 7, 6, 5, 5, 1, true},
                                           ConvCase{2, 3, 9, 17, 33, 3, 1, true}, ConvCase{1, 5, 3, 8, 8, 3, 0, false},
                                           ConvCase{1, 1, 1, 3, 3, 3, 2, true}, ConvCase{3, 6, 4, 7, 3, 3, 1, true},
                                           ConvCase{9, 2, 3, 4, 2, 3, 1, false}, ConvCase{17, 6, 2, 9, 10, 5, 0, true},
                                           ConvCase{2, 6, 5, 11, 11, 5, 0, true}));

TEST_F(DirectConv2dTest, FiniteDifferenceGradientCheck) {
  // L = sum(conv(x, w) * R) is bilinear in (x, w), so central differences are exact up to
  // float rounding: no truncation error to budget for.
  torch::manual_seed(11);
  auto x = torch::randn({2, 2, 6, 7}, torch::requires_grad());
  auto w = torch::randn({3, 2, 3, 3}, torch::requires_grad());
  auto b = torch::randn({3}, torch::requires_grad());
  const auto r = torch::randn({2, 3, 6, 7});
  auto loss = [&] {
    torch::NoGradGuard no_grad;
    return (modlr::direct_conv2d(x, w, b, 1) * r).sum().item<double>();
  };
  (modlr::direct_conv2d(x, w, b, 1) * r).sum().backward();
  const double eps = 1e-2;
  for (auto* tensor : {&x, &w, &b}) {
    const auto grad = tensor->grad().clone();
    auto flat = tensor->detach().view({-1});
    for (int64_t i = 0; i < flat.numel(); i += 5) {
      const float saved = flat[i].item<float>();
      flat[i] = saved + eps;
      const double up = loss();
      flat[i] = saved - eps;
      const double down = loss();
      flat[i] = saved;
      EXPECT_NEAR((up - down) / (2 * eps), grad.view({-1})[i].item<double>(), 2e-3) << i;
    }
  }
}

TEST_F(DirectConv2dTest, BitwiseSameForAnyThreadCount) {
  torch::manual_seed(5);
  const auto x = torch::randn({16, 6, 14, 14});
  const auto w = torch::randn({16, 6, 5, 5});
  const auto b = torch::randn({16});
  const auto upstream = torch::randn({16, 16, 10, 10});
  auto run = [&](int threads) {
    torch::set_num_threads(threads);
    auto xi = x.clone().requires_grad_(), wi = w.clone().requires_grad_(), bi = b.clone().requires_grad_();
    auto y = modlr::direct_conv2d(xi, wi, bi, 0);
    y.backward(upstream);
    return std::vector<torch::Tensor>{y.detach(), xi.grad(), wi.grad(), bi.grad()};
  };
  const auto one = run(1), two = run(2);
  torch::set_num_threads(1);
  for (size_t i = 0; i < one.size(); ++i) EXPECT_TRUE(torch::equal(one[i], two[i])) << i;
}

TEST_F(DirectConv2dTest, PaysOffOnlyForFewInputChannelsAndPlainOptions) {
  using torch::nn::Conv2dOptions;
  auto pays = [](const Conv2dOptions& o) { return modlr::direct_conv2d_pays_off(torch::nn::Conv2d(o)->options); };
  EXPECT_TRUE(pays(Conv2dOptions(1, 6, 5).padding(2)));
  EXPECT_TRUE(pays(Conv2dOptions(4, 12, 5)));
  EXPECT_TRUE(pays(Conv2dOptions(3, 32, 3).padding(1)));
  EXPECT_TRUE(pays(Conv2dOptions(6, 16, 5)));
  EXPECT_FALSE(pays(Conv2dOptions(8, 16, 5)));  // oneDNN is as fast there (bench/conv_kernels)
  EXPECT_FALSE(pays(Conv2dOptions(1, 6, 5).stride(2)));
  EXPECT_FALSE(pays(Conv2dOptions(1, 6, 7)));
  EXPECT_FALSE(pays(Conv2dOptions(1, 6, 5).dilation(2)));
  EXPECT_FALSE(pays(Conv2dOptions(1, 6, 5).padding(5)));
  EXPECT_FALSE(pays(Conv2dOptions(1, 6, 5).padding(2).padding_mode(torch::kReflect)));
}

TEST_F(DirectConv2dTest, FastModeSwapsLeNet5sFirstConvolutionAndFusesReluWithPool) {
  torch::manual_seed(1);
  auto strict = modlr::build_model(modlr::Config::parse("name: lenet5", "model.yaml"));
  torch::manual_seed(1);
  auto fast = modlr::build_model(modlr::Config::parse("name: lenet5", "model.yaml"));
  // conv1 and conv2 (direct), act1+pool1 and act2+pool2 (fused), fc1-3 (split).
  EXPECT_EQ(fast->use_fast_kernels(), 9);
  const auto names = [](const modlr::Model& m) {
    std::vector<std::string> out;
    for (const auto& p : m.named_parameters()) out.push_back(p.key());
    return out;
  };
  EXPECT_EQ(names(*fast), names(*strict));
  const auto x = torch::randn({4, 1, 28, 28});
  const auto a = strict->forward(x), b = fast->forward(x);
  EXPECT_FALSE(torch::equal(a, b));  // a different summation order, really taken
  EXPECT_LT(relative_error(b, a), 1e-5);
  // An observed pass (modlr summary) reports each layer's own output, fused or not.
  std::map<std::string, torch::Tensor> seen;
  fast->forward_observed(x, [&](const std::string& name, const std::string&, const torch::nn::Module&,
                                const torch::Tensor& out) { seen[name] = out; });
  EXPECT_EQ(seen.at("act1").sizes(), (std::vector<int64_t>{4, 6, 28, 28}));
  EXPECT_GE(seen.at("act1").min().item<float>(), 0.0f);
  EXPECT_EQ(seen.at("pool1").sizes(), (std::vector<int64_t>{4, 6, 14, 14}));
}
