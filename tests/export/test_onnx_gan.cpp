// ONNX export of the DCGAN models: the new layer exporters (ConvTranspose2d, BatchNorm2d,
// LeakyReLU, Unflatten) pass ONNX's checker, the generator's input is its noise, and ONNX
// Runtime (where installed) reproduces modlr's outputs, batch-norm statistics included.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "export/onnx_reader.h"
#include "modlr/core/error.h"
#include "modlr/export/onnx.h"
#include "modlr/model/dcgan.h"
#include "modlr/tracking/checkpoint.h"
#include "test_support.h"

namespace mt = modlr::testing;

namespace {

std::shared_ptr<modlr::Model> model_with_moved_statistics(const std::string& yaml) {
  torch::manual_seed(5);
  auto model = modlr::build_model(modlr::Config::parse(yaml, "m"));
  // Move the batch-norm running statistics away from (0, 1) so the export must carry them.
  model->train();
  torch::NoGradGuard no_grad;
  const auto shape = model->input_shape().empty() ? std::vector<int64_t>{16, 1, 28, 28}
                                                  : std::vector<int64_t>{16, model->input_shape()[0]};
  for (int i = 0; i < 3; ++i) model->forward(torch::randn(shape) * 2 + 0.5);
  model->eval();
  return model;
}

mt::OnnxModelView exported_gan(modlr::Model& model, const std::vector<int64_t>& shape) {
  const auto bytes = modlr::export_onnx(model, shape);
  mt::expect_onnx_valid(bytes);
  return mt::read_onnx(bytes);
}

}  // namespace

TEST(OnnxGan, GeneratorTakesNoiseAndReturnsImages) {
  auto generator = model_with_moved_statistics("name: dcgan_generator\nlatent_size: 10\nfeatures: 8");
  const auto proto = exported_gan(*generator, generator->input_shape());
  EXPECT_EQ(proto.op_types(),
            (std::vector<std::string>{"Reshape", "ConvTranspose", "BatchNormalization", "Relu", "ConvTranspose",
                                      "BatchNormalization", "Relu", "ConvTranspose", "Tanh"}));
  const auto& input = proto.inputs.at(0).dims;
  ASSERT_EQ(input.size(), 2u);
  EXPECT_EQ(input[0].param, "batch");
  EXPECT_EQ(input[1].value, 10);
  const auto& output = proto.outputs.at(0).dims;
  ASSERT_EQ(output.size(), 4u);
  EXPECT_EQ(output[2].value, 28);
  const auto initializers = proto.initializer_names();
  for (const auto* name : {"deconv1.weight", "bn1.running_mean", "bn1.running_var", "deconv3.bias"})
    EXPECT_TRUE(initializers.count(name)) << name;
}

TEST(OnnxGan, DiscriminatorWithLeakyReluBatchNormAndDropout) {
  auto discriminator = model_with_moved_statistics("name: dcgan_discriminator\nfeatures: 8\ndropout: 0.3");
  const auto proto = exported_gan(*discriminator, {1, 28, 28});
  EXPECT_EQ(proto.op_types(), (std::vector<std::string>{"Conv", "LeakyRelu", "Identity", "Conv", "BatchNormalization",
                                                        "LeakyRelu", "Identity", "Flatten", "Gemm"}));
  EXPECT_FLOAT_EQ(proto.nodes.at(1).attributes.at(0).f, 0.2f);
}

TEST(OnnxGan, OnnxRuntimeReproducesBothModels) {
  if (!mt::onnxruntime_available()) GTEST_SKIP() << mt::python() << " has no onnx/onnxruntime (scripts/setup.sh)";
  mt::TempDir dir;
  for (const std::string yaml :
       {"name: dcgan_generator\nlatent_size: 10\nfeatures: 8", "name: dcgan_discriminator\nfeatures: 8"}) {
    SCOPED_TRACE(yaml);
    auto model = model_with_moved_statistics(yaml);
    const bool generator = !model->input_shape().empty();
    modlr::write_onnx(*model, generator ? model->input_shape() : std::vector<int64_t>{1, 28, 28}, dir.file("m.onnx"));
    torch::manual_seed(9);
    const auto input = generator ? torch::randn({21, 10}) : torch::rand({21, 1, 28, 28}) * 2 - 1;
    const auto output = model->forward(input).detach();
    modlr::save_tensors({{"input", input}, {"output", output}}, dir.file("d.safetensors"));
    const auto run = mt::run_command(mt::onnx_check_command() + " " + dir.file("m.onnx") + " " +
                                     dir.file("d.safetensors") + " --batch 8");
    ASSERT_EQ(run.exit_code, 0) << run.err;
    const auto result = nlohmann::json::parse(run.out);
    EXPECT_LE(result["max_abs_diff"].get<double>(), 1e-5);
    EXPECT_EQ(result["examples"].get<int>(), 21);
  }
}

TEST(OnnxGan, InexpressibleOptionsAreRefusedNamingTheLayer) {
  struct Odd : modlr::SequentialModel {
    Odd() {
      add_layer("unflatten", torch::nn::Unflatten(torch::nn::UnflattenOptions(2, {2, 2})));
      add_layer("bn", torch::nn::BatchNorm2d(torch::nn::BatchNorm2dOptions(3).affine(false)));
    }
  } odd;
  try {
    modlr::export_onnx(odd, {3, 4});
    FAIL();
  } catch (const modlr::Error& e) {
    EXPECT_NE(std::string(e.what()).find("layer 'unflatten'"), std::string::npos) << e.what();
  }
  // Without running statistics batch norm normalises with batch statistics at inference,
  // which an ONNX BatchNormalization node cannot express.
  struct NoRunningStats : modlr::SequentialModel {
    NoRunningStats() {
      add_layer("bn", torch::nn::BatchNorm2d(torch::nn::BatchNorm2dOptions(3).track_running_stats(false)));
    }
  } no_running_stats;
  try {
    modlr::export_onnx(no_running_stats, {3, 4, 4});
    FAIL();
  } catch (const modlr::Error& e) {
    EXPECT_NE(std::string(e.what()).find("layer 'bn'"), std::string::npos) << e.what();
  }
}
