// `modlr export`, `modlr eval --checkpoint X.safetensors --save-outputs`, and weights that
// travel: modlr <-> the PyTorch twin (reference/train.py) and modlr -> ONNX Runtime.

#include <cstring>
#include <map>

#include "cli_fixture.h"
#include "export/onnx_reader.h"
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
    return at == std::string::npos
               ? ""
               : result.out.substr(at + marker.size(), result.out.find('\n', at) - at - marker.size());
  }
  std::string twin(const std::string& args) const {
    const auto result = mt::run_command(mt::python() + " " + std::string(MODLR_SOURCE_DIR) + "/reference/train.py " +
                                        config + " " + args);
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

double max_abs_diff(const Outputs& a, const Outputs& b) { return (a.output - b.output).abs().max().item<double>(); }

}  // namespace

TEST_F(ExportTest, ModlrWeightsGiveTheSameAccuracyAndOutputsInPyTorch) {
  if (!mt::python_torch_available()) GTEST_SKIP() << mt::python() << " cannot import torch";
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
  if (!mt::python_torch_available()) GTEST_SKIP() << mt::python() << " cannot import torch";
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
  mt::expect_onnx_valid(mt::read_text(work.file("m.onnx")));
  EXPECT_EQ(mt::read_text(work.file("w.safetensors")), mt::read_text(run + "/model.safetensors"));
  const auto eval = mt::run_modlr("eval " + config + " --checkpoint " + work.file("w.safetensors") +
                                  " --save-outputs " + work.file("o.safetensors"));
  ASSERT_EQ(eval.exit_code, 0) << eval.err;
  EXPECT_NE(eval.out.find("inference_seconds"), std::string::npos);
  if (!mt::onnxruntime_available()) GTEST_SKIP() << mt::python() << " has no onnx/onnxruntime (scripts/setup.sh)";
  const auto ort = mt::run_command(mt::onnx_check_command() + " " + work.file("m.onnx") + " " +
                                   work.file("o.safetensors") + " --batch 64");
  ASSERT_EQ(ort.exit_code, 0) << ort.err;
  const auto j = nlohmann::json::parse(ort.out);
  EXPECT_LE(j["max_abs_diff"].get<double>(), 1e-5);
  EXPECT_EQ(j["accuracy_onnx"].get<double>(), summary_of(run)["test"]["accuracy"].get<double>());
  EXPECT_EQ(j["accuracy_onnx"].get<double>(), j["accuracy_reference"].get<double>());
}

TEST_F(ExportTest, WithPreprocessingTheOnnxModelTakesRawPixels) {
  const auto run = train_modlr();
  const auto weights = " --checkpoint " + run + "/model.safetensors";
  const auto result =
      mt::run_modlr("export " + config + weights + " --with-preprocessing --onnx " + work.file("raw.onnx"));
  ASSERT_EQ(result.exit_code, 0) << result.err;
  EXPECT_NE(result.out.find("input: raw data"), std::string::npos) << result.out;
  const auto bytes = mt::read_text(work.file("raw.onnx"));
  mt::expect_onnx_valid(bytes);
  const auto proto = mt::read_onnx(bytes);
  EXPECT_EQ(proto.inputs.at(0).elem_type, 2);  // uint8 pixels
  const auto ops = proto.op_types();
  ASSERT_GE(ops.size(), 5u);
  EXPECT_EQ(std::vector<std::string>(ops.begin(), ops.begin() + 5),
            (std::vector<std::string>{"Cast", "Div", "Sub", "Div", "Flatten"}));
  // The config's scale, mean and std, as float32 constants ([1, C, 1, 1] for mean and std).
  std::map<std::string, float> constants;
  for (const auto& t : proto.initializers) {
    if (t.name.rfind("preprocess.", 0) != 0) continue;
    std::memcpy(&constants[t.name], t.raw.data(), sizeof(float));
    const std::vector<int64_t> expected_dims =
        t.name == "preprocess.scale" ? std::vector<int64_t>{} : std::vector<int64_t>{1, 1, 1, 1};
    EXPECT_EQ(t.dims, expected_dims) << t.name;
  }
  EXPECT_EQ(constants, (std::map<std::string, float>{
                           {"preprocess.scale", 255.0f}, {"preprocess.mean", 0.2f}, {"preprocess.std", 0.3f}}));
  if (!mt::onnxruntime_available()) GTEST_SKIP() << mt::python() << " has no onnx/onnxruntime (scripts/setup.sh)";
  const auto eval = mt::run_modlr("eval " + config + weights + " --save-outputs " + work.file("o.safetensors"));
  ASSERT_EQ(eval.exit_code, 0) << eval.err;
  // Raw test images straight from the IDX file reproduce modlr's outputs on normalised ones.
  const auto ort =
      mt::run_command(mt::onnx_check_command() + " " + work.file("raw.onnx") + " " + work.file("o.safetensors") +
                      " --raw-images " + data_dir + "/t10k-images-idx3-ubyte");
  ASSERT_EQ(ort.exit_code, 0) << ort.err;
  const auto j = nlohmann::json::parse(ort.out);
  EXPECT_LE(j["max_abs_diff"].get<double>(), 1e-5);
  EXPECT_EQ(j["accuracy_onnx"].get<double>(), summary_of(run)["test"]["accuracy"].get<double>());
}

TEST_F(ExportTest, BadWeightsGiveOneLineErrorsAndWriteNothing) {
  const auto run = train_modlr();
  auto bytes = mt::read_text(run + "/model.safetensors");
  mt::write_text(work.file("cut.safetensors"), bytes.substr(0, bytes.size() / 2));
  const auto cut = mt::run_modlr("export " + config + " --checkpoint " + work.file("cut.safetensors") + " --onnx " +
                                 work.file("x.onnx"));
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
