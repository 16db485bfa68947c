#include <gtest/gtest.h>

#include "modlr/core/error.h"
#include "modlr/runner/experiment.h"

namespace {

modlr::Experiment experiment_of(const std::string& model, const std::string& runner = "") {
  return modlr::Experiment(modlr::Config::parse(
      "dataset: {name: idx, path: unused}\nmodel: " + model +
          "\nloss: {name: cross_entropy}\noptimizer: {name: sgd, lr: 0.1}\nrunner: {" + runner + "}\n",
      "e.yaml"));
}

}  // namespace

TEST(Experiment, AutoThreadsAreEveryCore) {
  // With MKL and oneDNN every model, the MLP included, trains fastest on all cores.
  EXPECT_EQ(experiment_of("{name: lenet5}").threads().intra_op, modlr::available_cores());
  EXPECT_EQ(experiment_of("{name: mlp, sizes: [784, 64, 10]}").threads().intra_op, modlr::available_cores());
  EXPECT_EQ(experiment_of("{name: mlp, sizes: [4, 2]}", "threads: 2").threads().intra_op, 2);
}

TEST(Experiment, ThreadCountsAreBoundedAndTheRemovedBlasKeyIsNamed) {
  const auto too_many = std::to_string(modlr::max_threads() + 1);
  try {
    experiment_of("{name: mlp, sizes: [4, 2]}", "threads: " + too_many);
    FAIL() << "accepted " << too_many << " threads";
  } catch (const modlr::Error& e) {
    EXPECT_NE(std::string(e.what()).find("runner.threads"), std::string::npos) << e.what();
  }
  EXPECT_EQ(experiment_of("{name: mlp, sizes: [4, 2]}", "threads: " + std::to_string(modlr::max_threads()))
                .threads()
                .intra_op,
            modlr::max_threads());
  // MKL follows runner.threads: the OpenBLAS-era key is gone, and a config naming it is told so.
  try {
    experiment_of("{name: mlp, sizes: [4, 2]}", "blas_threads: 1");
    FAIL() << "accepted runner.blas_threads";
  } catch (const modlr::Error& e) {
    EXPECT_NE(std::string(e.what()).find("runner.blas_threads"), std::string::npos) << e.what();
  }
}

TEST(Experiment, TheRecordNamesTheBlasAndOneDnn) {
  // PyPI's torch computes with MKL and oneDNN (what the twin's torch.__config__.show() says).
  EXPECT_EQ(modlr::blas_library().rfind("MKL ", 0), 0u) << modlr::blas_library();
  EXPECT_NE(modlr::onednn_version(), "none");
}

TEST(Experiment, SameSeedSameInitialWeightsWhateverTheThreads) {
  auto a = experiment_of("{name: lenet5}", "threads: 1");
  auto b = experiment_of("{name: lenet5}", "threads: 2");
  const auto p = a.models().only().parameters(), q = b.models().only().parameters();
  for (size_t i = 0; i < p.size(); ++i) EXPECT_TRUE(torch::equal(p[i], q[i]));
}

TEST(Experiment, NameDefaultsToTheConfigStem) {
  EXPECT_EQ(experiment_of("{name: lenet5}").name(), "e");
  EXPECT_EQ(modlr::config_stem("configs/lenet5-mnist.yaml"), "lenet5-mnist");
}

TEST(Experiment, ChannelsLastConvertsFourDimensionalWeightsOnly) {
  auto experiment = experiment_of("{name: lenet5}", "channels_last: true");
  for (const auto& item : experiment.models().get("model").named_parameters()) {
    const auto& p = item.value();
    if (p.dim() == 4) {
      EXPECT_TRUE(p.is_contiguous(torch::MemoryFormat::ChannelsLast)) << item.key();
      if (p.size(1) > 1) {  // with one channel both layouts agree
        EXPECT_FALSE(p.is_contiguous()) << item.key();
      }
    } else {
      EXPECT_TRUE(p.is_contiguous()) << item.key();
    }
  }
  EXPECT_TRUE(experiment.runner_options().channels_last);
  EXPECT_EQ(experiment.runner_options().precision, modlr::Precision::fp32);
  try {
    experiment_of("{name: lenet5}", "channels_last: true, mode: fast");
    FAIL() << "accepted channels_last in fast mode";
  } catch (const modlr::Error& e) {
    EXPECT_NE(std::string(e.what()).find("runner.channels_last"), std::string::npos) << e.what();
  }
}
