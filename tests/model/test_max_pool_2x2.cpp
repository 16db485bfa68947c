// The hand-written 2x2 max pool must equal libtorch's max_pool2d bit for bit, forward and
// backward, including ties, NaN and infinities, and pass a numerical gradient check; the
// fused ReLU + pool of fast mode must equal max_pool2d(relu(x)) in values and gradients.
// CTest runs these tests twice: with the AVX2 kernels and with MODLR_DISABLE_AVX2=1.
#include <gtest/gtest.h>

#include <limits>

#include "modlr/model/max_pool_2x2.h"

using modlr::max_pool_2x2;
using modlr::relu_max_pool_2x2;

namespace {

// Equal values, and NaN exactly where the reference has NaN.
void expect_same_values(const torch::Tensor& ours, const torch::Tensor& reference) {
  ASSERT_EQ(ours.sizes(), reference.sizes());
  EXPECT_TRUE(torch::equal(torch::isnan(ours), torch::isnan(reference)));
  const auto mask = ~torch::isnan(reference);
  EXPECT_TRUE(torch::equal(ours.masked_select(mask), reference.masked_select(mask)));
}

// Forward and backward of both implementations on `input` with upstream gradient `upstream`;
// with `relu`, the fused relu_max_pool_2x2 against max_pool2d(relu(x)).
void compare(const torch::Tensor& input, const torch::Tensor& upstream, bool relu = false) {
  auto a = input.clone().requires_grad_(true);
  auto b = input.clone().requires_grad_(true);
  auto ours = relu ? relu_max_pool_2x2(a) : max_pool_2x2(a);
  auto reference = torch::max_pool2d(relu ? torch::relu(b) : b, {2, 2});
  expect_same_values(ours, reference);
  ours.backward(upstream);
  reference.backward(upstream);
  EXPECT_TRUE(torch::equal(a.grad(), b.grad()));
}

}  // namespace

TEST(MaxPool2x2, EqualsLibtorchOnRandomInputsAndOddSizes) {
  torch::manual_seed(3);
  for (auto shape : std::vector<std::vector<int64_t>>{{64, 6, 28, 28}, {3, 2, 7, 9}, {1, 1, 2, 2}, {2, 16, 10, 10}}) {
    auto x = torch::randn(shape);
    auto out_shape = shape;
    out_shape[2] /= 2, out_shape[3] /= 2;
    compare(x, torch::randn(out_shape));
  }
}

TEST(MaxPool2x2, TiesPickTheFirstMaximumLikeLibtorch) {
  // Small integers make most windows tie; the gradient shows which element was picked.
  torch::manual_seed(4);
  auto x = torch::randint(0, 2, {4, 3, 12, 12}).to(torch::kFloat32);
  compare(x, torch::randn({4, 3, 6, 6}));
  compare(torch::zeros({1, 1, 4, 4}), torch::ones({1, 1, 2, 2}));
}

TEST(MaxPool2x2, NanAndInfinitiesLikeLibtorch) {
  const float nan = std::numeric_limits<float>::quiet_NaN(), inf = std::numeric_limits<float>::infinity();
  auto x = torch::tensor({nan, 1.0f, 2.0f, nan,    // window 1: two NaNs
                          -inf, -inf, -inf, -inf,  // window 2: all -inf
                          inf, 3.0f, inf, 0.0f,    // window 3: tie at +inf
                          -1.0f, -2.0f, -3.0f, -0.5f})
               .view({4, 2, 2})
               .permute({0, 1, 2})
               .reshape({1, 4, 2, 2});
  compare(x, torch::tensor({1.0f, 2.0f, 3.0f, 4.0f}).view({1, 4, 1, 1}));
}

TEST(MaxPool2x2, NumericalGradientCheck) {
  // Distinct, well-separated values keep every window's argmax stable under +-h.
  auto x = (torch::randperm(64).to(torch::kFloat32) * 0.1f).view({1, 1, 8, 8}).requires_grad_(true);
  auto weights = torch::randn({1, 1, 4, 4});
  (max_pool_2x2(x) * weights).sum().backward();
  const float h = 1e-2f;
  for (int64_t i = 0; i < 64; ++i) {
    auto plus = x.detach().clone(), minus = x.detach().clone();
    plus.view(-1)[i] += h;
    minus.view(-1)[i] -= h;
    const double numeric =
        ((max_pool_2x2(plus) * weights).sum() - (max_pool_2x2(minus) * weights).sum()).item<double>() / (2 * h);
    EXPECT_NEAR(numeric, x.grad().view(-1)[i].item<double>(), 1e-3) << i;
  }
}

TEST(MaxPool2x2, InferenceAndFallbackPaths) {
  auto x = torch::randn({2, 3, 6, 6});
  {
    torch::NoGradGuard no_grad;
    expect_same_values(max_pool_2x2(x), torch::max_pool2d(x, {2, 2}));
  }
  auto d = x.to(torch::kFloat64);
  expect_same_values(max_pool_2x2(d), torch::max_pool2d(d, {2, 2}));
  auto strided = torch::randn({2, 3, 8, 8}).transpose(2, 3);  // non-contiguous input
  expect_same_values(max_pool_2x2(strided), torch::max_pool2d(strided, {2, 2}));
  EXPECT_THROW(max_pool_2x2(torch::randn({3, 4, 4})), c10::Error);
}

TEST(ReluMaxPool2x2, EqualsMaxPoolOfReluOnRandomInputsAndOddSizes) {
  torch::manual_seed(5);
  for (auto shape :
       std::vector<std::vector<int64_t>>{{64, 6, 28, 28}, {3, 2, 7, 9}, {1, 1, 2, 2}, {2, 16, 10, 10}, {1, 1, 2, 34}}) {
    auto out_shape = shape;
    out_shape[2] /= 2, out_shape[3] /= 2;
    compare(torch::randn(shape), torch::randn(out_shape), /*relu=*/true);
  }
}

TEST(ReluMaxPool2x2, NegativeZeroTiedAndNanWindows) {
  const float nan = std::numeric_limits<float>::quiet_NaN(), inf = std::numeric_limits<float>::infinity();
  auto x = torch::tensor({-1.0f, -2.0f, -3.0f, -0.5f,  // all negative: output 0, no gradient
                          0.0f,  0.0f,  0.0f,  0.0f,   // all zero: output 0, no gradient
                          2.0f,  -1.0f, 2.0f,  1.0f,   // tie: the first 2 gets the gradient
                          -1.0f, nan,   3.0f,  -inf,   // NaN wins, and passes the gradient
                          -inf,  -inf,  -inf,  -inf})
               .view({1, 5, 2, 2});
  compare(x, torch::tensor({1.0f, 2.0f, 3.0f, 4.0f, 5.0f}).view({1, 5, 1, 1}), /*relu=*/true);
  torch::manual_seed(6);
  compare(torch::randint(-1, 2, {4, 3, 12, 12}).to(torch::kFloat32), torch::randn({4, 3, 6, 6}),
          /*relu=*/true);
}

TEST(ReluMaxPool2x2, InferenceAndFallbackPaths) {
  auto x = torch::randn({2, 3, 6, 6});
  {
    torch::NoGradGuard no_grad;
    expect_same_values(relu_max_pool_2x2(x), torch::max_pool2d(torch::relu(x), {2, 2}));
  }
  auto d = x.to(torch::kFloat64);
  expect_same_values(relu_max_pool_2x2(d), torch::max_pool2d(torch::relu(d), {2, 2}));
}
