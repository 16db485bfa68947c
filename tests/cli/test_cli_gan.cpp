// The GAN workload through the command line: summary of both models, a run record with
// both losses and sample grids, resume, eval, export of one model, and bad GAN configs.

#include "cli_fixture.h"
#include "export/onnx_reader.h"
#include "modlr/formats/safetensors.h"
#include "report/png_probe.h"
#include "runner/gan_fixture.h"

using modlr::testing::CliTest;
namespace mt = modlr::testing;

namespace {

class GanCli : public CliTest {
 protected:
  void SetUp() override {
    CliTest::SetUp();
    config = work.file("tiny-gan.yaml");
    mt::write_text(config, mt::gan_config(data_dir, "  hooks: [{name: sample_grid, rows: 4}]\n", runs_dir));
  }
  // Trains with `extra` arguments; returns the run directory.
  std::string train_gan(const std::string& extra = "") {
    const auto result = mt::run_modlr("train " + config + " " + extra);
    EXPECT_EQ(result.exit_code, 0) << result.err;
    const std::string marker = "run record: ";
    const auto at = result.out.find(marker);
    return at == std::string::npos
               ? ""
               : result.out.substr(at + marker.size(), result.out.find('\n', at) - at - marker.size());
  }
};

}  // namespace

TEST_F(GanCli, SummaryOfTheShippedConfigShowsBothModels) {
  const auto result = mt::run_modlr("summary " + std::string(MODLR_SOURCE_DIR) +
                                    "/configs/gan-fashion-mnist.yaml --set dataset.path=" + data_dir);
  ASSERT_EQ(result.exit_code, 0) << result.err;
  const auto& out = result.out;
  const auto discriminator = out.find("model 'discriminator'  input [64, 1, 28, 28]");
  ASSERT_NE(out.find("model 'generator'  input [64, 100]"), std::string::npos) << out;
  ASSERT_NE(discriminator, std::string::npos) << out;
  // Generator rows before the discriminator's table, then the discriminator's.
  for (const char* needle :
       {"deconv1", "ConvTranspose2d", "[64, 128, 7, 7]", "BatchNorm2d", "[64, 1, 28, 28]", "total parameters: 759681"})
    EXPECT_LT(out.find(needle), discriminator) << needle << "\n" << out;
  for (const char* needle : {"LeakyReLU", "[64, 128, 7, 7]", "[64, 6272]", "[64, 1]", "total parameters: 138689"})
    EXPECT_NE(out.find(needle, discriminator), std::string::npos) << needle << "\n" << out;
  EXPECT_TRUE(runs().empty());  // a dry run records nothing
}

TEST_F(GanCli, TrainRecordsBothLossesMetricsAndSampleGrids) {
  const auto run = train_gan();
  const auto s = summary_of(run);
  EXPECT_EQ(s["status"], "finished");
  for (const char* name : {"discriminator", "generator", "d_real", "d_fake"}) {
    EXPECT_TRUE(s["train"].contains(name)) << name;
    EXPECT_TRUE(s["test"].contains(name)) << name;
  }
  const auto csv = mt::read_text(run + "/metrics.csv");
  for (const char* row : {"2,train,lr_discriminator,0.00020000000000000001", "2,train,lr_generator,",
                          "2,test,generator,", "1,train,d_fake,"})
    EXPECT_NE(csv.find(row), std::string::npos) << row << "\n" << csv;
  const auto grid = mt::read_png(run + "/samples/epoch-0002.png");
  EXPECT_EQ(grid.width, 4u * 30 + 2);
  EXPECT_TRUE(mt::exists(run + "/samples/epoch-0001.png"));
  const auto board = mt::tensorboard_view(run);  // the grids in TensorBoard too
  ASSERT_EQ(board["images"]["samples"].size(), 2u) << board.dump();
  EXPECT_EQ(board["images"]["samples"][1][0], 4 * 30 + 2);
  const auto weights = modlr::formats::read_safetensors(run + "/model.safetensors");
  EXPECT_NE(weights.find("generator.deconv1.weight"), nullptr);
  EXPECT_NE(weights.find("discriminator.bn2.running_var"), nullptr);

  // eval: both losses and both means on the test split (its own noise draw, so its numbers
  // are close to, not equal to, the run's test row).
  const auto eval = mt::run_modlr("eval " + config + " --checkpoint " + run + "/checkpoints/epoch-0002.pt");
  ASSERT_EQ(eval.exit_code, 0) << eval.err;
  for (const char* name : {"discriminator", "generator", "d_real", "d_fake"})
    EXPECT_NE(eval.out.find(name), std::string::npos) << eval.out;
  const auto outputs = mt::run_modlr("eval " + config + " --checkpoint " + run + "/model.safetensors --save-outputs " +
                                     work.file("o.safetensors"));
  EXPECT_EQ(outputs.exit_code, 1);
  EXPECT_NE(outputs.err.find("--save-outputs needs an experiment with one model"), std::string::npos) << outputs.err;
}

TEST_F(GanCli, ResumingExtendsTheRunBitwise) {
  const auto reference = train_gan();
  mt::write_text(config,
                 mt::gan_config(data_dir, "  hooks: [{name: sample_grid, rows: 4}]\n", work.file("resumed"), 1));
  const auto first = train_gan();
  const auto resumed = mt::run_modlr("train " + config + " --resume " + first + " --set runner.epochs=2");
  ASSERT_EQ(resumed.exit_code, 0) << resumed.err;
  EXPECT_EQ(mt::read_text(reference + "/metrics.csv"), mt::read_text(first + "/metrics.csv"));
  EXPECT_EQ(mt::read_text(reference + "/model.safetensors"), mt::read_text(first + "/model.safetensors"));
  for (const char* png : {"/samples/epoch-0001.png", "/samples/epoch-0002.png"})
    EXPECT_EQ(mt::read_text(reference + png), mt::read_text(first + png)) << png;
}

TEST_F(GanCli, ExportNeedsAModelChoiceAndExportsTheGenerator) {
  const auto run = train_gan("--set runner.epochs=1");
  const auto checkpoint = " --checkpoint " + run + "/model.safetensors";
  const auto refused = mt::run_modlr("export " + config + checkpoint + " --onnx " + work.file("gan.onnx"));
  EXPECT_EQ(refused.exit_code, 1);
  EXPECT_NE(refused.err.find("choose one with --model NAME"), std::string::npos) << refused.err;
  EXPECT_NE(refused.err.find("generator, discriminator"), std::string::npos) << refused.err;
  EXPECT_FALSE(mt::exists(work.file("gan.onnx")));

  const auto noise = mt::run_modlr("export " + config + checkpoint + " --model generator --with-preprocessing --onnx " +
                                   work.file("n.onnx"));
  EXPECT_EQ(noise.exit_code, 1);
  EXPECT_NE(noise.err.find("--with-preprocessing: this model's input is noise"), std::string::npos) << noise.err;
  EXPECT_FALSE(mt::exists(work.file("n.onnx")));

  const auto unknown = mt::run_modlr("export " + config + checkpoint + " --model critic --onnx " + work.file("c.onnx"));
  EXPECT_EQ(unknown.exit_code, 1);
  EXPECT_NE(unknown.err.find("--model 'critic'"), std::string::npos) << unknown.err;

  const auto ok = mt::run_modlr("export " + config + checkpoint + " --model generator --onnx " + work.file("g.onnx") +
                                " --safetensors " + work.file("g.safetensors"));
  ASSERT_EQ(ok.exit_code, 0) << ok.err;
  mt::expect_onnx_valid(mt::read_text(work.file("g.onnx")));
  const auto proto = mt::read_onnx(mt::read_text(work.file("g.onnx")));
  EXPECT_EQ(proto.inputs.at(0).dims.at(1).value, 8);  // the noise
  const auto weights = modlr::formats::read_safetensors(work.file("g.safetensors"));
  EXPECT_NE(weights.find("deconv1.weight"), nullptr);  // plain state_dict names: loads into the module
  EXPECT_EQ(weights.find("discriminator.fc.weight"), nullptr);
  EXPECT_EQ(weights.find("fc.weight"), nullptr);
}

TEST_F(GanCli, BadGanConfigsAreOneLineErrorsNamingTheKey) {
  for (const auto& [set, key] : std::vector<std::pair<std::string, std::string>>{
           {"loss.label_smoothing=1.5", "loss.label_smoothing"},
           {"runner.hooks[0].rows=0", "runner.hooks[0].rows"},
           {"runner.hooks[0].rows=33", "runner.hooks[0].rows"},
           {"runner.hooks[0].colour=red", "runner.hooks[0].colour"},
           {"runner.hooks[0].when.every_steps=0", "runner.hooks[0].when.every_steps"},
           {"runner.builtin_hooks=[timing,progres]", "runner.builtin_hooks"},
           {"model.generator.image_size=30", "model.generator.image_size"},
           {"'runner.hooks=[{name: sample_grids}]'", "runner.hooks[0].name"},
           {"runner.hooks=[sample_grid]", "runner.hooks"}}) {
    const auto result = mt::run_modlr("summary " + config + " --set " + set);
    EXPECT_EQ(result.exit_code, 1) << set;
    EXPECT_NE(result.err.find(key), std::string::npos) << set << ": " << result.err;
    EXPECT_EQ(mt::count(result.err, "\n"), 1u) << result.err;
  }
}
