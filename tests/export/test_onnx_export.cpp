// ONNX export of every model kind: ONNX's checker (Python's onnx, full check) accepts the
// file, the batch dimension is symbolic, and ONNX Runtime (Python's onnxruntime) reproduces
// modlr's outputs within 1e-5 with identical argmax accuracy.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "export/onnx_reader.h"
#include "modlr/core/error.h"
#include "modlr/export/onnx.h"
#include "modlr/tracking/checkpoint.h"
#include "test_support.h"

namespace mt = modlr::testing;

namespace {

struct ExportCase {
  std::string yaml;
  std::vector<std::string> ops;
};

const std::vector<ExportCase>& cases() {
  static const std::vector<ExportCase> all = {
      {"name: mlp\nsizes: [784, 64, 10]", {"Flatten", "Gemm", "Relu", "Gemm"}},
      {"name: mlp\nsizes: [784, 32, 16, 10]\nactivation: tanh\ndropout: 0.5",
       {"Flatten", "Gemm", "Tanh", "Identity", "Gemm", "Tanh", "Identity", "Gemm"}},
      {"name: lenet1", {"Conv", "Relu", "MaxPool", "Conv", "Relu", "MaxPool", "Flatten", "Gemm"}},
      {"name: lenet5",
       {"Conv", "Relu", "MaxPool", "Conv", "Relu", "MaxPool", "Flatten", "Gemm", "Relu", "Gemm", "Relu", "Gemm"}},
      {"name: lenet5\nactivation: tanh\npool: avg",
       {"Conv", "Tanh", "AveragePool", "Conv", "Tanh", "AveragePool", "Flatten", "Gemm", "Tanh", "Gemm", "Tanh",
        "Gemm"}},
  };
  return all;
}

std::shared_ptr<modlr::Model> seeded_model(const std::string& yaml) {
  torch::manual_seed(5);
  return modlr::build_model(modlr::Config::parse(yaml, "m"));
}

class WithElu : public modlr::SequentialModel {
 public:
  WithElu() {
    add_layer("fc1", torch::nn::Linear(4, 3));
    add_layer("elu1", torch::nn::ELU());
  }
};

}  // namespace

TEST(OnnxExport, EveryModelKindPassesTheCheckerWithADynamicBatch) {
  for (const auto& c : cases()) {
    SCOPED_TRACE(c.yaml);
    auto model = seeded_model(c.yaml);
    const auto bytes = modlr::export_onnx(*model, {1, 28, 28});
    mt::expect_onnx_valid(bytes);
    const auto proto = mt::read_onnx(bytes);
    EXPECT_EQ(proto.op_types(), c.ops);
    EXPECT_EQ(proto.opset, 17);
    EXPECT_EQ(proto.producer_name, "modlr");
    ASSERT_EQ(proto.inputs.size(), 1u);
    ASSERT_EQ(proto.inputs[0].dims.size(), 4u);
    EXPECT_EQ(proto.inputs[0].elem_type, 1);  // float
    EXPECT_EQ(proto.inputs[0].dims[0].param, "batch");
    EXPECT_EQ(proto.inputs[0].dims[3].value, 28);
    ASSERT_EQ(proto.outputs.size(), 1u);
    ASSERT_EQ(proto.outputs[0].dims.size(), 2u);
    EXPECT_EQ(proto.outputs[0].dims[0].param, "batch");
    EXPECT_EQ(proto.outputs[0].dims[1].value, 10);
    EXPECT_EQ(proto.nodes.back().outputs, std::vector<std::string>{"output"});
    // Initializers carry the state_dict names and the weights' exact bytes.
    const auto initializers = proto.initializer_names();
    for (const auto& p : model->named_parameters()) {
      EXPECT_TRUE(initializers.count(p.key())) << p.key();
      for (const auto& t : proto.initializers) {
        if (t.name == p.key()) {
          EXPECT_EQ(t.raw, std::string(static_cast<const char*>(p.value().data_ptr()), p.value().nbytes()));
        }
      }
    }
  }
}

TEST(OnnxExport, OnnxRuntimeReproducesModlrOutputs) {
  if (!mt::onnxruntime_available()) GTEST_SKIP() << mt::python() << " has no onnx/onnxruntime (scripts/setup.sh)";
  mt::TempDir dir;
  for (const auto& c : cases()) {
    SCOPED_TRACE(c.yaml);
    auto model = seeded_model(c.yaml);
    modlr::write_onnx(*model, {1, 28, 28}, dir.file("m.onnx"));
    torch::manual_seed(9);
    const auto input = torch::randn({37, 1, 28, 28});
    const auto output = model->forward(input).detach();
    const auto target = torch::randint(0, 10, {37}, torch::kInt64);
    modlr::save_tensors({{"input", input}, {"output", output}, {"target", target}}, dir.file("d.safetensors"));
    // Batches of 16 leave a last batch of 5: the batch dimension really is dynamic.
    const auto run = mt::run_command(mt::onnx_check_command() + " " + dir.file("m.onnx") + " " +
                                     dir.file("d.safetensors") + " --batch 16");
    ASSERT_EQ(run.exit_code, 0) << run.err;
    const auto result = nlohmann::json::parse(run.out);
    EXPECT_LE(result["max_abs_diff"].get<double>(), 1e-5);
    EXPECT_EQ(result["argmax_agreement"].get<double>(), 1.0);
    EXPECT_EQ(result["accuracy_onnx"].get<double>(), result["accuracy_reference"].get<double>());
    EXPECT_EQ(result["examples"].get<int>(), 37);
  }
}

TEST(OnnxExport, UnsupportedLayerIsNamedAndNothingIsWritten) {
  mt::TempDir dir;
  WithElu model;
  try {
    modlr::write_onnx(model, {4}, dir.file("elu.onnx"));
    ADD_FAILURE() << "exported an unsupported layer";
  } catch (const modlr::Error& e) {
    const std::string message = e.what();
    EXPECT_NE(message.find("layer 'elu1' of type 'ELU'"), std::string::npos) << message;
    EXPECT_NE(message.find("Conv2d"), std::string::npos) << message;  // lists what is exportable
  }
  EXPECT_TRUE(mt::list_files(dir.path()).empty());
}

TEST(OnnxExport, ANewLayerIsOneRegistration) {
  if (!modlr::onnx_exporters().contains("ELU"))
    modlr::onnx_exporters().add("ELU", [](modlr::OnnxGraph& g, const modlr::LayerView& layer, const std::string& x) {
      return g.add_node("Elu", {x}, layer.name, {{"alpha", 1.0f}});
    });
  WithElu model;
  const auto bytes = modlr::export_onnx(model, {4});
  mt::expect_onnx_valid(bytes);
  const auto proto = mt::read_onnx(bytes);
  ASSERT_EQ(proto.nodes.size(), 2u);
  EXPECT_EQ(proto.nodes[1].op_type, "Elu");
  ASSERT_EQ(proto.nodes[1].attributes.size(), 1u);
  EXPECT_EQ(proto.nodes[1].attributes[0].name, "alpha");
  EXPECT_EQ(proto.nodes[1].attributes[0].f, 1.0f);
}

TEST(OnnxExport, InexpressibleOptionsAndNonSequentialModelsAreRefused) {
  struct Reflect : modlr::SequentialModel {
    Reflect() {
      add_layer("conv1", torch::nn::Conv2d(torch::nn::Conv2dOptions(1, 2, 3).padding(1).padding_mode(torch::kReflect)));
    }
  } reflect;
  EXPECT_THROW(
      {
        try {
          modlr::export_onnx(reflect, {1, 8, 8});
        } catch (const modlr::Error& e) {
          EXPECT_NE(std::string(e.what()).find("layer 'conv1'"), std::string::npos) << e.what();
          throw;
        }
      },
      modlr::Error);
  struct Plain : modlr::Model {
    torch::Tensor forward(torch::Tensor x) override { return x; }
  } plain;
  EXPECT_THROW(modlr::export_onnx(plain, {4}), modlr::Error);
  auto mlp = seeded_model("name: mlp\nsizes: [784, 10]");
  EXPECT_THROW(modlr::export_onnx(*mlp, {3, 5}), modlr::Error);  // wrong input shape
}
