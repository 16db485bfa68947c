// Shapes before data (runner/shape_check.h): each model runs on an empty batch of the data
// set's declared example shape. Shapes pinned by hand; the errors name the layer and both
// shapes; the weights and the training mode are left as they were.
#include <gtest/gtest.h>

#include "modlr/core/config.h"
#include "modlr/core/error.h"
#include "modlr/dataset/dataset.h"
#include "modlr/formats/file_bytes.h"
#include "modlr/formats/idx.h"
#include "modlr/runner/shape_check.h"
#include "test_support.h"

namespace mt = modlr::testing;
using modlr::ExampleShape;
using modlr::ModelSet;

namespace {

ModelSet one_model(const std::string& yaml) {
  ModelSet models;
  models.add("model", modlr::build_model(modlr::Config::parse(yaml, "model.yaml")));
  return models;
}

std::string trace_error(ModelSet& models, const ExampleShape& example) {
  try {
    modlr::trace_shapes(models, example, 8);
  } catch (const modlr::Error& e) {
    return e.what();
  }
  return "no error";
}

// A conv layer with 4 channels feeding a batch norm over 8: the one mismatch an empty batch
// does not reveal by itself (batch norm's kernel never looks at an empty batch's channels).
class MismatchedBatchNorm : public modlr::SequentialModel {
 public:
  MismatchedBatchNorm() {
    add_layer("conv", torch::nn::Conv2d(torch::nn::Conv2dOptions(1, 4, 3)));
    add_layer("bn", torch::nn::BatchNorm2d(8));
  }
};

}  // namespace

// LeNet-5 on 28x28: conv1 (padding 2) keeps 28, pool 14, conv2 (5x5) 10, pool 5;
// 16 * 5 * 5 = 400 features into fc1.
TEST(ShapeCheck, TracesEveryLayerWithTheBatchSize) {
  auto models = one_model("name: lenet5");
  const auto traces = modlr::trace_shapes(models, {{1, 28, 28}, torch::kFloat32}, 8);
  ASSERT_EQ(traces.size(), 1u);
  EXPECT_EQ(traces[0].input, (std::vector<int64_t>{8, 1, 28, 28}));
  std::map<std::string, std::vector<int64_t>> shapes;
  for (const auto& layer : traces[0].layers) shapes[layer.name] = layer.output;
  EXPECT_EQ(shapes["conv1"], (std::vector<int64_t>{8, 6, 28, 28}));
  EXPECT_EQ(shapes["pool2"], (std::vector<int64_t>{8, 16, 5, 5}));
  EXPECT_EQ(shapes["flatten"], (std::vector<int64_t>{8, 400}));
  EXPECT_EQ(shapes["fc3"], (std::vector<int64_t>{8, 10}));
  EXPECT_EQ(traces[0].layers.front().parameters, 156);  // 6 * (25 + 1)
}

TEST(ShapeCheck, LeavesWeightsAndTrainingModeAsTheyWere) {
  auto models = one_model("name: lenet5");
  auto& model = models.get("model");
  model.train(true);
  std::vector<torch::Tensor> before;
  for (const auto& p : model.parameters()) before.push_back(p.clone());
  modlr::trace_shapes(models, {{1, 28, 28}, torch::kFloat32}, 4);
  EXPECT_TRUE(model.is_training());
  const auto after = model.parameters();
  for (size_t i = 0; i < before.size(); ++i) EXPECT_TRUE(torch::equal(before[i], after[i]));
}

TEST(ShapeCheck, DataThatDoesNotFitTheFirstLayerNamesItAndBothShapes) {
  auto models = one_model("name: lenet5");
  EXPECT_EQ(trace_error(models, {{3, 32, 32}, torch::kFloat32}),
            "model 'model': layer 'conv1' (Conv2d) expects [N, 1, H, W], gets Float [N, 3, 32, 32]"
            " (one example from the data set: Float [3, 32, 32])");
}

// 32x32: conv1 32, pool 16, conv2 12, pool 6: 16 * 6 * 6 = 576 features where fc1 takes 400.
TEST(ShapeCheck, TwoLayersThatDoNotFitNameTheSecond) {
  auto models = one_model("name: lenet5");
  EXPECT_EQ(trace_error(models, {{1, 32, 32}, torch::kFloat32}),
            "model 'model': layer 'fc1' (Linear) expects [N, 400], gets Float [N, 576]"
            " (one example from the data set: Float [1, 32, 32])");
}

TEST(ShapeCheck, BatchNormOverTheWrongChannelCountIsCaught) {
  ModelSet models;
  models.add("model", std::make_shared<MismatchedBatchNorm>());
  EXPECT_EQ(trace_error(models, {{1, 8, 8}, torch::kFloat32}),
            "model 'model': layer 'bn' (BatchNorm2d) expects [N, 8, H, W], gets Float [N, 4, 6, 6]"
            " (one example from the data set: Float [1, 8, 8])");
}

TEST(ShapeCheck, RecurrentModelsTakeTokenIdsAndRefuseImages) {
  auto models =
      one_model("name: lstm_classifier\nvocab_size: 50\nembedding_dim: 6\nhidden_size: 5\nbidirectional: true");
  const auto traces = modlr::trace_shapes(models, {{20}, torch::kInt64}, 3);
  std::map<std::string, std::vector<int64_t>> shapes;
  for (const auto& layer : traces[0].layers) shapes[layer.name] = layer.output;
  EXPECT_EQ(shapes["embedding"], (std::vector<int64_t>{3, 20, 6}));
  EXPECT_EQ(shapes["rnn"], (std::vector<int64_t>{3, 20, 10}));  // both directions
  EXPECT_EQ(shapes["fc"], (std::vector<int64_t>{3, 2}));
  const auto error = trace_error(models, {{1, 28, 28}, torch::kFloat32});
  EXPECT_NE(error.find("expected int64 token ids [N, T], got Float [0, 1, 28, 28]"), std::string::npos) << error;
}

TEST(ShapeCheck, AGeneratorGetsItsOwnInputShape) {
  ModelSet models;
  models.add("generator", modlr::build_model(modlr::Config::parse("name: dcgan_generator\nlatent_size: 16", "m.yaml")));
  const auto traces = modlr::trace_shapes(models, {{1, 28, 28}, torch::kFloat32}, 2);
  EXPECT_EQ(traces[0].input, (std::vector<int64_t>{2, 16}));
  EXPECT_EQ(traces[0].layers.back().output, (std::vector<int64_t>{2, 1, 28, 28}));
}

// The IDX source declares its example shape from the training images' header alone: the
// same from a gzipped file, and from a file whose content is cut short (nothing else read).
TEST(ShapeCheck, IdxSourceDeclaresItsShapeFromTheHeader) {
  mt::TempDir dir;
  mt::write_synthetic_idx(dir.path(), 20, 10);
  const auto section = modlr::Config::parse("name: idx\npath: " + dir.path() + "\nbatch_size: 4\n", "d.yaml");
  modlr::Dataset dataset(section, 1);
  const auto declared = dataset.example_shape();
  ASSERT_TRUE(declared.has_value());
  EXPECT_EQ(declared->dims, (std::vector<int64_t>{1, 28, 28}));
  EXPECT_EQ(declared->dtype, torch::kFloat32);
  mt::write_idx(dir.file("header-only.gz"), {5, 7, 9}, std::vector<uint8_t>(5 * 7 * 9), /*gzip=*/true);
  EXPECT_EQ(modlr::formats::peek_idx_dims(dir.file("header-only.gz")), (std::vector<uint32_t>{5, 7, 9}));
  mt::write_idx(dir.file("cut"), {5, 7, 9}, std::vector<uint8_t>(3));  // content cut short
  EXPECT_EQ(modlr::formats::peek_idx_dims(dir.file("cut")), (std::vector<uint32_t>{5, 7, 9}));
  dataset.load();
  EXPECT_EQ(dataset.example_shape()->dims, (std::vector<int64_t>{1, 28, 28}));
}

TEST(ShapeCheck, FilePrefixIsTheContentsFirstBytesRawOrGzipped) {
  mt::TempDir dir;
  std::vector<uint8_t> content(10000);
  for (size_t i = 0; i < content.size(); ++i) content[i] = static_cast<uint8_t>(i * 7);
  mt::write_idx(dir.file("raw"), {10000}, content);
  mt::write_idx(dir.file("packed"), {10000}, content, /*gzip=*/true);
  for (const auto* name : {"raw", "packed"}) {
    const auto head = modlr::formats::read_file_prefix(dir.file(name), 12);
    ASSERT_EQ(head.size(), 12u) << name;
    EXPECT_EQ(head[4], 0) << name;  // the big-endian 10000 after the 4-byte prefix
    EXPECT_EQ(head[6], 0x27) << name;
    EXPECT_EQ(head[8], content[0]) << name;
    EXPECT_EQ(head[11], content[3]) << name;
    EXPECT_EQ(modlr::formats::read_file_prefix(dir.file(name), 1 << 20).size(), 10008u) << name;  // all of it
  }
  EXPECT_THROW(modlr::formats::read_file_prefix(dir.file("missing"), 4), modlr::Error);
}
