// The conditional GAN through the command line, as the README runs it: a LeNet-5 judge
// trained by modlr, then the shipped ACGAN config (shrunk) with that judge: the rates in
// metrics.csv, a sample grid with a row per class, and bad judge settings named in a one-line error.
#include "cli_fixture.h"
#include "modlr/tracking/checkpoint.h"
#include "report/png_probe.h"

using modlr::testing::CliTest;
namespace mt = modlr::testing;

namespace {

class AcganCli : public CliTest {
 protected:
  // Trains a LeNet-5 on the synthetic classes and returns its run directory.
  std::string train_judge() {
    const auto judge = work.file("judge.yaml");
    mt::write_text(judge,
                   "experiment: judge\nseed: 1\n"
                   "dataset: {name: idx, path: " +
                       data_dir +
                       ", mean: [0.5], std: [0.5], batch_size: 32}\n"
                       "model: {name: lenet5}\nloss: {name: cross_entropy}\n"
                       "optimizer: {name: sgd, lr: 0.05, momentum: 0.9}\n"
                       "runner: {epochs: 2, threads: 1}\ntracking: {dir: " +
                       runs_dir + "}\n");
    const auto result = mt::run_modlr("train " + judge);
    EXPECT_EQ(result.exit_code, 0) << result.err;
    const auto judged = runs("judge");
    return judged.empty() ? "" : judged.back();
  }
  // Expects a failed `train_acgan`: exit 1, `needle` in the one-line error, a failed run record.
  void expect_failure(const std::string& judge_checkpoint_and_sets, const std::string& needle) {
    const auto result = train_acgan(judge_checkpoint_and_sets);
    EXPECT_EQ(result.exit_code, 1);
    const auto first_line = result.err.substr(0, result.err.find('\n'));
    EXPECT_EQ(first_line.rfind("modlr: error: ", 0), 0u) << result.err;
    EXPECT_NE(first_line.find(needle), std::string::npos) << result.err;
    const auto failed = runs("acgan-fashion-mnist");
    ASSERT_EQ(failed.size(), 1u);
    EXPECT_EQ(summary_of(failed.front())["status"], "failed");
  }
  mt::CommandResult train_acgan(const std::string& judge_checkpoint) {
    return mt::run_modlr(
        "train " + std::string(MODLR_SOURCE_DIR) + "/configs/acgan-fashion-mnist.yaml --set dataset.path=" + data_dir +
        " --set dataset.limit=128 --set dataset.eval_batch_size=100" +
        " --set model.generator.features=8 --set model.discriminator.features=8" +
        " --set runner.epochs=1 --set runner.threads=1 --set tracking.dir=" + runs_dir +
        " --set loss.judge.config=" + work.file("judge.yaml") + " --set loss.judge.checkpoint=" + judge_checkpoint);
  }
};

}  // namespace

TEST_F(AcganCli, TrainsWithAJudgeAndReportsItsAgreement) {
  const auto judge_run = train_judge();
  ASSERT_FALSE(judge_run.empty());
  // The judge is good at the real classes (a bright square per class), so its verdicts mean something.
  EXPECT_GT(mt::metrics_csv_curves(judge_run).at("test/accuracy").back(), 0.9);

  const auto result = train_acgan(judge_run + "/model.safetensors");
  ASSERT_EQ(result.exit_code, 0) << result.err;
  const auto runs_of = runs("acgan-fashion-mnist");
  ASSERT_EQ(runs_of.size(), 1u);
  const auto curves = mt::metrics_csv_curves(runs_of.front());
  for (const char* key : {"train/class_accuracy", "test/class_accuracy", "test/judge_accuracy", "test/d_real"}) {
    ASSERT_EQ(curves.count(key), 1u) << key;
    EXPECT_GE(curves.at(key).back(), 0.0) << key;
    EXPECT_LE(curves.at(key).back(), 1.0) << key;
  }
  // Ten rows (one per class) of ten 28-pixel samples, 2-pixel borders: 302 x 302.
  const auto png = mt::read_png(runs_of.front() + "/samples/epoch-0001.png");
  EXPECT_EQ(png.width, 302u);
  EXPECT_EQ(png.height, 302u);
}

TEST_F(AcganCli, TheJudgesMetricInTrainingMetricsIsAnErrorNamingTheKey) {
  mt::write_text(work.file("judge.yaml"), "dataset: {mean: [0.5], std: [0.5]}\nmodel: {name: lenet5}\n");
  modlr::ModelSet judge;
  judge.add("model", modlr::build_model(modlr::Config::parse("name: lenet5", "m.yaml")));
  modlr::save_safetensors(judge, work.file("judge.safetensors"));
  expect_failure(work.file("judge.safetensors") + " --set metrics.train=[judge_accuracy]",
                 "'metrics.train': 'judge_accuracy' is measured in evaluation only");
}

TEST_F(AcganCli, AMissingJudgeIsAnErrorNamingTheKey) {
  expect_failure(work.file("no-judge.safetensors"),
                 "'loss.judge.checkpoint': " + work.file("no-judge.safetensors") + ": no such file");
}
