// `modlr export`, `modlr eval --checkpoint X.safetensors --save-outputs`, and weights that
// travel: modlr <-> the PyTorch twin (reference/train.py) and modlr -> ONNX Runtime.
#include <onnx/checker.h>

#include "cli_fixture.h"
#include "modlr/formats/safetensors.h"
#include "modlr/tracking/checkpoint.h"

using modlr::testing::CliTest;
namespace mt = modlr::testing;

namespace {

// A small MLP over the fixture's synthetic data, one epoch, one thread.
class ExportTest : public CliTest {
 protected:
  void SetUp() override {
    CliTest::SetUp();
    auto text = mt::small_config(data_dir, runs_dir);
    text.replace(text.find("name: lenet5"), 12, "name: mlp\n  sizes: [784, 32, 10]");
    text.replace(text.find("epochs: 2"), 9, "epochs: 1");
    config = work.file("mlp.yaml");
    mt::write_text(config, text);
  }
  // Trains with modlr; returns the run directory.
  std::string train_modlr() {
    const auto result = mt::run_modlr("train " + config);
    EXPECT_EQ(result.exit_code, 0) << result.err;
    const std::string marker = "run record: ";
    const auto at = result.out.find(marker);
    return at == std::string::npos ? "" : result.out.substr(at + marker.size(), result.out.find('\n', at) - at - marker.size());
  }
  std::string twin(const std::string& args) const {
    const auto result = mt::run_command("/usr/bin/python3 " + std::string(MODLR_SOURCE_DIR) +
                                        "/reference/train.py " + config + " " + args);
    EXPECT_EQ(result.exit_code, 0) << result.err;
    return result.out;
  }
};

torch::Tensor tensor_of(const modlr::formats::SafetensorsContent& content, const std::string& name) {
  const auto* t = content.find(name);
  if (!t) throw std::runtime_error("no tensor " + name);
  auto dtype = t->dtype == "F32" ? torch::kFloat32 : torch::kInt64;
  auto out = torch::empty(t->shape, torch::TensorOptions().dtype(dtype));
  std::memcpy(out.data_ptr(), t->data.data(), t->data.size());
  return out;
}

struct Outputs {
  torch::Tensor output, target;
  double accuracy() const {
    const auto correct = output.argmax(1).eq(target).sum().item<int64_t>();
    return static_cast<double>(correct) / static_cast<double>(target.size(0));
  }
};

Outputs read_outputs(const std::string& path) {
  const auto content = modlr::formats::read_safetensors(path);
  return {tensor_of(content, "output"), tensor_of(content, "target")};
}

double max_abs_diff(const Outputs& a, const Outputs& b) {
  return (a.output - b.output).abs().max().item<double>();
}

}  // namespace

TEST_F(ExportTest, ModlrWeightsGiveTheSameAccuracyAndOutputsInPyTorch) {
  if (!mt::python_torch_available()) GTEST_SKIP() << "/usr/bin/python3 cannot import torch";
  const auto run = train_modlr();
  const double modlr_accuracy = summary_of(run)["test"]["accuracy"];
  const auto weights = run + "/model.safetensors";
  const auto twin_out = twin("--eval-weights " + weights + " --save-outputs " + work.file("py.safetensors"));
  // The twin prints its evaluation line, then the result as one JSON line.
  const auto twin_result = nlohmann::json::parse(twin_out.substr(twin_out.rfind("\n{\"split\"") + 1));
  EXPECT_EQ(twin_result["metrics"]["accuracy"].get<double>(), modlr_accuracy);
  const auto eval = mt::run_modlr("eval " + config + " --checkpoint " + weights + " --save-outputs " +
                                  work.file("modlr.safetensors"));
  ASSERT_EQ(eval.exit_code, 0) << eval.err;
  const auto ours = read_outputs(work.file("modlr.safetensors")), theirs = read_outputs(work.file("py.safetensors"));
  EXPECT_LE(max_abs_diff(ours, theirs), 1e-6);
  EXPECT_EQ(ours.accuracy(), modlr_accuracy);
  EXPECT_EQ(theirs.accuracy(), modlr_accuracy);
}

TEST_F(ExportTest, PyTorchWeightsGiveTheSameAccuracyAndOutputsInModlr) {
  if (!mt::python_torch_available()) GTEST_SKIP() << "/usr/bin/python3 cannot import torch";
  twin("");  // trains in PyTorch, writes <run>/model.safetensors with its own writer
  const auto run = runs().back();
  ASSERT_NE(run.find("-python"), std::string::npos);
  const double twin_accuracy = summary_of(run)["test"]["accuracy"];
  const auto weights = run + "/model.safetensors";
  const auto eval = mt::run_modlr("eval " + config + " --checkpoint " + weights + " --save-outputs " +
                                  work.file("modlr.safetensors"));
  ASSERT_EQ(eval.exit_code, 0) << eval.err;
  twin("--eval-weights " + weights + " --save-outputs " + work.file("py.safetensors"));
  const auto ours = read_outputs(work.file("modlr.safetensors")), theirs = read_outputs(work.file("py.safetensors"));
  EXPECT_EQ(ours.accuracy(), twin_accuracy);
  EXPECT_LE(max_abs_diff(ours, theirs), 1e-6);
  // Training is bitwise identical on both sides, and so are the two writers' files.
  const auto modlr_run = train_modlr();
  EXPECT_EQ(mt::read_text(modlr_run + "/model.safetensors"), mt::read_text(weights));
}

TEST_F(ExportTest, ExportWritesCheckedOnnxAndSafetensorsThatOnnxRuntimeReproduces) {
  const auto run = train_modlr();
  const auto checkpoint = run + "/checkpoints/epoch-0001.pt";
  const auto result = mt::run_modlr("export " + config + " --checkpoint " + checkpoint + " --onnx " +
                                    work.file("m.onnx") + " --safetensors " + work.file("w.safetensors"));
  ASSERT_EQ(result.exit_code, 0) << result.err;
  EXPECT_NO_THROW(onnx::checker::check_model(work.file("m.onnx")));
  EXPECT_EQ(mt::read_text(work.file("w.safetensors")), mt::read_text(run + "/model.safetensors"));
  const auto eval = mt::run_modlr("eval " + config + " --checkpoint " + work.file("w.safetensors") +
                                  " --save-outputs " + work.file("o.safetensors"));
  ASSERT_EQ(eval.exit_code, 0) << eval.err;
  EXPECT_NE(eval.out.find("inference_seconds"), std::string::npos);
  if (!mt::onnxruntime_available()) GTEST_SKIP() << "node or tools/onnxruntime not installed";
  const auto ort = mt::run_command("node " + mt::onnxruntime_script() + " " + work.file("m.onnx") + " " +
                                   work.file("o.safetensors") + " --batch 64");
  ASSERT_EQ(ort.exit_code, 0) << ort.err;
  const auto j = nlohmann::json::parse(ort.out);
  EXPECT_LE(j["max_abs_diff"].get<double>(), 1e-5);
  EXPECT_EQ(j["accuracy_onnx"].get<double>(), summary_of(run)["test"]["accuracy"].get<double>());
  EXPECT_EQ(j["accuracy_onnx"].get<double>(), j["accuracy_reference"].get<double>());
}

TEST_F(ExportTest, BadWeightsGiveOneLineErrorsAndWriteNothing) {
  const auto run = train_modlr();
  auto bytes = mt::read_text(run + "/model.safetensors");
  mt::write_text(work.file("cut.safetensors"), bytes.substr(0, bytes.size() / 2));
  const auto cut = mt::run_modlr("export " + config + " --checkpoint " + work.file("cut.safetensors") +
                                 " --onnx " + work.file("x.onnx"));
  EXPECT_EQ(cut.exit_code, 1);
  EXPECT_EQ(cut.err.rfind("modlr: error: " + work.file("cut.safetensors") + ": invalid safetensors file", 0), 0u)
      << cut.err;
  EXPECT_EQ(std::count(cut.err.begin(), cut.err.end(), '\n'), 1);
  EXPECT_FALSE(mt::exists(work.file("x.onnx")));
  // A LeNet-5 config given MLP weights: names the first missing tensor.
  const auto other = mt::run_modlr("eval " + work.file("small.yaml") + " --checkpoint " + run + "/model.safetensors");
  EXPECT_EQ(other.exit_code, 1);
  EXPECT_NE(other.err.find("missing tensor 'conv1.weight'"), std::string::npos) << other.err;
  const auto nothing = mt::run_modlr("export " + config + " --checkpoint " + run + "/model.safetensors");
  EXPECT_EQ(nothing.exit_code, 1);
  EXPECT_NE(nothing.err.find("nothing to export"), std::string::npos) << nothing.err;
}
