// Times libtorch's convolution (oneDNN) against fast mode's direct_conv2d on the shapes of
// LeNet-1/5 and a few wider ones, forward and forward+backward, one batch of 64, and prints
// the speed-up and the largest output difference. The shapes where the direct kernel loses
// set direct_conv2d_pays_off's bound.
//
//   build/modlr_conv_kernels [threads]
#include <chrono>
#include <cstdio>
#include <cstdlib>

#include "modlr/core/threads.h"
#include "modlr/fast/direct_conv2d.h"

namespace {

template <typename F>
double milliseconds_per_call(F&& f) {
  for (int i = 0; i < 10; ++i) f();
  const int reps = 200;
  const auto start = std::chrono::steady_clock::now();
  for (int i = 0; i < reps; ++i) f();
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count() / reps * 1e3;
}

struct Shape {
  int64_t in, out, side, kernel, padding;
};

}  // namespace

int main(int argc, char** argv) {
  const int threads = argc > 1 ? std::atoi(argv[1]) : 1;
  modlr::apply_threads({threads});
  torch::manual_seed(0);
  std::printf("threads %d, batch 64; milliseconds per call (libtorch / direct)\n", threads);
  std::printf("%-26s %9s %9s %7s %11s %11s %7s %9s\n", "shape", "fwd lib", "fwd dir", "x", "f+b lib", "f+b dir", "x",
              "max diff");
  const Shape shapes[] = {{1, 6, 28, 5, 2},   {6, 16, 14, 5, 0}, {1, 4, 28, 5, 0},
                          {4, 12, 12, 5, 0},  {8, 16, 14, 5, 0}, {16, 16, 14, 5, 0},
                          {16, 32, 14, 5, 0}, {3, 32, 32, 3, 1}, {32, 32, 16, 3, 1}};
  for (const auto& s : shapes) {
    auto x = torch::randn({64, s.in, s.side, s.side}).requires_grad_(s.in > 1);
    auto w = (torch::randn({s.out, s.in, s.kernel, s.kernel}) * 0.1).requires_grad_();
    auto b = torch::randn({s.out}).requires_grad_();
    auto lib = [&] { return torch::conv2d(x, w, b, 1, s.padding); };
    auto direct = [&] { return modlr::direct_conv2d(x, w, b, s.padding); };
    const auto grad = torch::randn_like(lib());
    const double diff = (lib() - direct()).abs().max().item<double>();
    auto fwd = [](auto& f) {
      torch::NoGradGuard no_grad;
      return milliseconds_per_call([&] { f(); });
    };
    auto fwd_bwd = [&](auto& f) { return milliseconds_per_call([&] { f().backward(grad); }); };
    const double fl = fwd(lib), fd = fwd(direct), bl = fwd_bwd(lib), bd = fwd_bwd(direct);
    char name[64];
    std::snprintf(name, sizeof name, "%ldx%ld %ldpx k%ld p%ld", static_cast<long>(s.in), static_cast<long>(s.out),
                  static_cast<long>(s.side), static_cast<long>(s.kernel), static_cast<long>(s.padding));
    std::printf("%-26s %9.3f %9.3f %7.2f %11.3f %11.3f %7.2f %9.2e\n", name, fl, fd, fl / fd, bl, bd, bl / bd, diff);
  }
}
