// ONNX export of the CIFAR-10 models: BatchNorm2d (with trained running statistics) and
// Dropout export, ONNX's checker accepts both models, and ONNX Runtime (when installed)
// reproduces modlr's outputs on 3 x 32 x 32 inputs.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "export/onnx_reader.h"
#include "modlr/core/error.h"
#include "modlr/export/onnx.h"
#include "modlr/tracking/checkpoint.h"
#include "test_support.h"

namespace mt = modlr::testing;

namespace {

// Built, then a few training-mode forwards so the batch norms' running statistics are not
// their initial 0 / 1 (an exporter that ignored them would still agree otherwise).
std::shared_ptr<modlr::Model> trained_stats(const std::string& yaml) {
  torch::manual_seed(5);
  auto model = modlr::build_model(modlr::Config::parse(yaml, "m"));
  model->train(true);
  torch::NoGradGuard no_grad;
  for (int i = 0; i < 3; ++i) model->forward(torch::randn({16, 3, 32, 32}) * 2 + 0.5);
  model->eval();
  return model;
}

mt::OnnxModelView exported_cifar(modlr::Model& model) {
  const auto bytes = modlr::export_onnx(model, {3, 32, 32});
  mt::expect_onnx_valid(bytes);
  return mt::read_onnx(bytes);
}

}  // namespace

TEST(OnnxExportCifar, BothModelsPassTheCheckerWithTheirLayers) {
  const auto cnn = exported_cifar(*trained_stats("name: cnn_cifar"));
  EXPECT_EQ(cnn.op_types(),
            (std::vector<std::string>{"Conv", "Relu", "MaxPool", "Conv", "Relu", "MaxPool", "Conv", "Relu", "MaxPool",
                                      "Flatten", "Gemm", "Relu", "Identity", "Gemm"}));
  auto vgg_model = trained_stats("name: vgg16");
  const auto vgg = exported_cifar(*vgg_model);
  const auto ops = vgg.op_types();
  EXPECT_EQ(std::count(ops.begin(), ops.end(), "BatchNormalization"), 13);
  EXPECT_EQ(std::vector<std::string>(ops.begin(), ops.begin() + 4),
            (std::vector<std::string>{"Conv", "BatchNormalization", "Relu", "Conv"}));
  // Every parameter and the running statistics are initializers under their state_dict names.
  const auto initializers = vgg.initializer_names();
  for (const auto& p : vgg_model->named_parameters()) EXPECT_TRUE(initializers.count(p.key())) << p.key();
  EXPECT_TRUE(initializers.count("bn3_2.running_mean"));
  EXPECT_TRUE(initializers.count("bn3_2.running_var"));
  EXPECT_FALSE(initializers.count("bn3_2.num_batches_tracked"));
}

TEST(OnnxExportCifar, BatchNormWithoutRunningStatisticsIsRefused) {
  struct BatchStats : modlr::SequentialModel {
    BatchStats() {
      add_layer("bn", torch::nn::BatchNorm2d(torch::nn::BatchNorm2dOptions(3).track_running_stats(false)));
    }
  } model;
  try {
    modlr::export_onnx(model, {3, 4, 4});
    ADD_FAILURE() << "exported batch statistics";
  } catch (const modlr::Error& e) {
    EXPECT_NE(std::string(e.what()).find("layer 'bn' of type 'BatchNorm2d'"), std::string::npos) << e.what();
  }
}

TEST(OnnxExportCifar, OnnxRuntimeReproducesModlrOutputs) {
  if (!mt::onnxruntime_available()) GTEST_SKIP() << mt::python() << " has no onnx/onnxruntime (scripts/setup.sh)";
  mt::TempDir dir;
  for (const char* yaml : {"name: cnn_cifar", "name: vgg16"}) {
    SCOPED_TRACE(yaml);
    auto model = trained_stats(yaml);
    modlr::write_onnx(*model, {3, 32, 32}, dir.file("m.onnx"));
    torch::manual_seed(9);
    const auto input = torch::randn({21, 3, 32, 32});
    torch::NoGradGuard no_grad;
    const auto output = model->forward(input);
    const auto target = torch::randint(0, 10, {21}, torch::kInt64);
    modlr::save_tensors({{"input", input}, {"output", output}, {"target", target}}, dir.file("d.safetensors"));
    const auto run = mt::run_command(mt::onnx_check_command() + " " + dir.file("m.onnx") + " " +
                                     dir.file("d.safetensors") + " --batch 8");
    ASSERT_EQ(run.exit_code, 0) << run.err;
    const auto result = nlohmann::json::parse(run.out);
    EXPECT_LE(result["max_abs_diff"].get<double>(), 1e-4);
    EXPECT_EQ(result["argmax_agreement"].get<double>(), 1.0);
    EXPECT_EQ(result["examples"].get<int>(), 21);
  }
}
