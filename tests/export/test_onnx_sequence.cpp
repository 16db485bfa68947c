// ONNX export of the token-id classifiers (lstm_classifier, gru_classifier,
// transformer_classifier): ONNX's checker accepts the graph, its input is int64 ids
// [batch, sequence] with both dimensions symbolic, and ONNX Runtime reproduces modlr's
// logits on rows of many lengths (padding included) for every cell, direction, depth,
// pooling, norm placement, activation and position kind.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "export/onnx_reader.h"
#include "modlr/core/error.h"
#include "modlr/export/onnx.h"
#include "modlr/model/seq2seq.h"
#include "modlr/tracking/checkpoint.h"
#include "test_support.h"

namespace mt = modlr::testing;

namespace {

const std::vector<std::string>& sequence_models() {
  static const std::vector<std::string> all = {
      "name: lstm_classifier\nvocab_size: 40\nembedding_dim: 6\nhidden_size: 5\nclasses: 3",
      "name: lstm_classifier\nvocab_size: 40\nembedding_dim: 6\nhidden_size: 5\nlayers: 2\nbidirectional: true\n"
      "pooling: mean\ndropout: 0.3",
      "name: lstm_classifier\nvocab_size: 40\nembedding_dim: 6\nhidden_size: 5\nbidirectional: true\npooling: max",
      "name: gru_classifier\nvocab_size: 40\nembedding_dim: 6\nhidden_size: 5\nlayers: 2\nbidirectional: true",
      "name: gru_classifier\nvocab_size: 40\nembedding_dim: 6\nhidden_size: 5\npooling: mean",
      "name: transformer_classifier\nvocab_size: 40\nd_model: 8\nheads: 2\nfeedforward: 16\nmax_length: 32",
      "name: transformer_classifier\nvocab_size: 40\nd_model: 8\nheads: 4\nfeedforward: 16\nlayers: 1\n"
      "norm_first: true\nactivation: gelu\npositions: learned\npooling: first\nmax_length: 32\nclasses: 3",
      "name: transformer_classifier\nvocab_size: 40\nd_model: 8\nheads: 2\nfeedforward: 16\nlayers: 1\npooling: max\n"
      "max_length: 32",
  };
  return all;
}

std::shared_ptr<modlr::Model> seeded(const std::string& yaml) {
  torch::manual_seed(5);
  auto model = modlr::build_model(modlr::Config::parse(yaml, "model"));
  // Non-zero biases and layer-norm parameters, so that exporting any of them wrongly shows.
  torch::NoGradGuard no_grad;
  for (auto& p : model->parameters()) p.add_(torch::randn_like(p) * 0.1);
  model->eval();
  return model;
}

// Rows of every length from 1 to T (right-padded with 0), one all-padding row, ids >= 1.
torch::Tensor ragged_ids(int64_t rows, int64_t steps) {
  torch::manual_seed(11);
  auto ids = torch::randint(1, 40, {rows, steps}, torch::kInt64);
  for (int64_t i = 0; i < rows; ++i) ids[i].narrow(0, i % (steps + 1), steps - i % (steps + 1)).zero_();
  return ids;
}

}  // namespace

TEST(OnnxSequence, TokenIdsInWithSymbolicBatchAndSequence) {
  for (const auto& yaml : sequence_models()) {
    SCOPED_TRACE(yaml);
    auto model = seeded(yaml);
    const auto bytes = modlr::export_onnx(*model, {12});
    mt::expect_onnx_valid(bytes);
    const auto proto = mt::read_onnx(bytes);
    ASSERT_EQ(proto.inputs.size(), 1u);
    EXPECT_EQ(proto.inputs[0].elem_type, 7);  // int64
    ASSERT_EQ(proto.inputs[0].dims.size(), 2u);
    EXPECT_EQ(proto.inputs[0].dims[0].param, "batch");
    EXPECT_EQ(proto.inputs[0].dims[1].param, "sequence");
    ASSERT_EQ(proto.outputs.at(0).dims.size(), 2u);
    EXPECT_EQ(proto.outputs[0].dims[1].value, yaml.find("classes: 3") == std::string::npos ? 2 : 3);
    EXPECT_TRUE(proto.initializer_names().count("embedding.weight"));
    const auto ops = proto.op_types();
    const bool transformer = yaml.find("transformer") != std::string::npos;
    const char* core = transformer ? "Softmax" : (yaml.find("lstm") != std::string::npos ? "LSTM" : "GRU");
    EXPECT_NE(std::find(ops.begin(), ops.end(), core), ops.end());
  }
}

TEST(OnnxSequence, OnnxRuntimeReproducesTheLogitsOnRaggedRows) {
  if (!mt::onnxruntime_available()) GTEST_SKIP() << mt::python() << " has no onnx/onnxruntime (scripts/setup.sh)";
  mt::TempDir dir;
  for (const auto& yaml : sequence_models()) {
    SCOPED_TRACE(yaml);
    auto model = seeded(yaml);
    modlr::write_onnx(*model, {12}, dir.file("m.onnx"));
    // 16 columns, wider than the example's 12: the sequence dimension really is symbolic.
    const auto ids = ragged_ids(23, 16);
    const auto logits = model->forward(ids).detach();
    modlr::save_tensors({{"input", ids}, {"output", logits}}, dir.file("d.safetensors"));
    // Batches of 10 leave a last batch of 3, whose longest row is shorter than 16.
    const auto run = mt::run_command(mt::onnx_check_command() + " " + dir.file("m.onnx") + " " +
                                     dir.file("d.safetensors") + " --batch 10");
    ASSERT_EQ(run.exit_code, 0) << run.err;
    const auto result = nlohmann::json::parse(run.out);
    EXPECT_LE(result["max_abs_diff"].get<double>(), 1e-5);
    EXPECT_EQ(result["argmax_agreement"].get<double>(), 1.0);
    EXPECT_EQ(result["examples"].get<int>(), 23);
  }
}

TEST(OnnxSequence, PreprocessingAndUnknownModelsAreRefused) {
  auto model = seeded(sequence_models().front());
  modlr::InputNormalization scaling;
  scaling.scale = 255.0;
  try {
    modlr::export_onnx(*model, {12}, &scaling);
    ADD_FAILURE() << "exported token ids with preprocessing";
  } catch (const modlr::Error& e) {
    EXPECT_NE(std::string(e.what()).find("token ids"), std::string::npos) << e.what();
  }
  struct Plain : modlr::Model {
    torch::Tensor forward(torch::Tensor x) override { return x; }
  } plain;
  try {
    modlr::export_onnx(plain, {4});
    ADD_FAILURE() << "exported a model nothing translates";
  } catch (const modlr::Error& e) {
    // The message lists what is exportable, whole-model exporters included.
    EXPECT_NE(std::string(e.what()).find("TransformerClassifier"), std::string::npos) << e.what();
  }
}

// The translator teacher-forced: source ids and a target prefix in, next-token logits out,
// every length symbolic; ONNX Runtime gives decode(encode(source), prefix) on ragged rows of
// both, tied and untied, post- and pre-norm, sinusoidal and learned positions.
TEST(OnnxSequence, TheTranslatorScoresAPrefixAsModlrDoes) {
  const std::vector<std::string> translators = {
      "name: transformer_translator\nsource_vocab_size: 40\ntarget_vocab_size: 30\nd_model: 8\nheads: 2\n"
      "feedforward: 16\nencoder_layers: 2\ndecoder_layers: 2\nmax_length: 32\ntie_embeddings: true",
      "name: transformer_translator\nsource_vocab_size: 40\ntarget_vocab_size: 30\nd_model: 8\nheads: 4\n"
      "feedforward: 16\nencoder_layers: 1\ndecoder_layers: 1\nnorm_first: true\nactivation: gelu\n"
      "positions: learned\nmax_length: 32"};
  mt::TempDir dir;
  for (const auto& yaml : translators) {
    SCOPED_TRACE(yaml);
    auto model = seeded(yaml);
    const auto bytes = modlr::export_onnx(*model, {12});
    mt::expect_onnx_valid(bytes);
    const auto proto = mt::read_onnx(bytes);
    ASSERT_EQ(proto.inputs.size(), 2u);
    EXPECT_EQ(proto.inputs[1].name, "prefix");
    EXPECT_EQ(proto.inputs[1].dims.at(1).param, "prefix_sequence");
    ASSERT_EQ(proto.outputs.at(0).dims.size(), 3u);
    EXPECT_EQ(proto.outputs[0].dims[1].param, "output_sequence");
    EXPECT_EQ(proto.outputs[0].dims[2].value, 30);
    if (!mt::onnxruntime_available()) continue;
    const auto source = ragged_ids(23, 16);
    torch::manual_seed(12);
    auto prefix = torch::randint(1, 30, {23, 9}, torch::kInt64);
    for (int64_t i = 0; i < 23; ++i) prefix[i].narrow(0, 1 + i % 9, 8 - i % 9).zero_();
    prefix.select(1, 0).fill_(2);  // <bos>
    torch::NoGradGuard no_grad;
    auto& translator = dynamic_cast<modlr::Seq2SeqModel&>(*model);
    const auto logits = translator.decode(translator.encode(source), prefix);
    modlr::write_onnx(*model, {12}, dir.file("t.onnx"));
    modlr::save_tensors({{"input", source}, {"prefix", prefix}, {"output", logits}}, dir.file("t.safetensors"));
    const auto run = mt::run_command(mt::onnx_check_command() + " " + dir.file("t.onnx") + " " +
                                     dir.file("t.safetensors") + " --batch 10");
    ASSERT_EQ(run.exit_code, 0) << run.err;
    EXPECT_LE(nlohmann::json::parse(run.out)["max_abs_diff"].get<double>(), 1e-5);
  }
}
