#include <gtest/gtest.h>

#include "modlr/runner/experiment.h"

namespace {

modlr::Experiment make(const std::string& model, const std::string& runner = "") {
  return modlr::Experiment(modlr::Config::parse(
      "dataset: {name: idx, path: unused}\nmodel: " + model +
          "\nloss: {name: cross_entropy}\noptimizer: {name: sgd, lr: 0.1}\nrunner: {" + runner + "}\n",
      "e.yaml"));
}

}  // namespace

TEST(Experiment, AutoThreadsFollowTheModel) {
  // Convolutions scale over intra-op threads; an MLP's small matmuls run best on one.
  EXPECT_EQ(make("{name: lenet5}").threads().intra_op, modlr::available_cores());
  EXPECT_EQ(make("{name: mlp, sizes: [784, 64, 10]}").threads().intra_op, 1);
  EXPECT_EQ(make("{name: lenet5}").threads().blas, 1);
  const auto explicit_threads = make("{name: mlp, sizes: [4, 2]}", "threads: 2, blas_threads: 3").threads();
  EXPECT_EQ(explicit_threads.intra_op, 2);
  EXPECT_EQ(explicit_threads.blas, 3);
}

TEST(Experiment, SameSeedSameInitialWeightsWhateverTheThreads) {
  auto a = make("{name: lenet5}", "threads: 1");
  auto b = make("{name: lenet5}", "threads: 2");
  const auto p = a.models().only().parameters(), q = b.models().only().parameters();
  for (size_t i = 0; i < p.size(); ++i) EXPECT_TRUE(torch::equal(p[i], q[i]));
}

TEST(Experiment, NameDefaultsToTheConfigStem) {
  EXPECT_EQ(make("{name: lenet5}").name(), "e");
  EXPECT_EQ(modlr::config_stem("configs/lenet5-mnist.yaml"), "lenet5-mnist");
}
