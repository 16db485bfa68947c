// Parity with PyTorch Python: modlr and its twin (reference/train.py) run the same config
// with one thread and must agree bit for bit on initial weights, every metrics.csv row
// (per-epoch training loss/accuracy, test metrics), the resolved config and final weights.
// The twin runs inside the test (reference/check_parity.sh); the test is skipped where
// the project's Python cannot import torch (scripts/setup.sh installs it in .venv).
#include <gtest/gtest.h>

#include "cifar_fixture.h"
#include "csv_fixture.h"
#include "dataset/imdb_fixture.h"
#include "modlr/core/config.h"
#include "modlr/model/model.h"
#include "modlr/model/model_set.h"
#include "modlr/tracking/checkpoint.h"
#include "report/png_probe.h"
#include "test_support.h"

namespace mt = modlr::testing;

namespace {

bool twin_available() { return mt::python_torch_available(); }

struct ParityResult {
  int exit_code;
  std::string output;
};

ParityResult check_parity(const std::string& config, const std::string& sets, const mt::TempDir& dir) {
  const std::string command = "cd " MODLR_SOURCE_DIR " && MODLR=" MODLR_BINARY " PARITY_DIR=" + dir.path() +
                              " reference/check_parity.sh " + config + " " + sets + " >" + dir.file("log") + " 2>&1";
  const int status = std::system(command.c_str());
  return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, mt::read_text(dir.file("log"))};
}

void expect_identical(const ParityResult& result) {
  EXPECT_EQ(result.exit_code, 0) << result.output;
  EXPECT_NE(result.output.find("initial weights: bitwise identical"), std::string::npos) << result.output;
  EXPECT_NE(result.output.find("final weights: bitwise identical"), std::string::npos) << result.output;
  EXPECT_NE(result.output.find("exported weights: bitwise identical"), std::string::npos) << result.output;
  EXPECT_NE(result.output.find("config.yaml identical"), std::string::npos) << result.output;
  EXPECT_EQ(result.output.find("differs"), std::string::npos) << result.output;
}

class ParityTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!twin_available()) GTEST_SKIP() << mt::python() << " with torch and yaml not installed";
    mt::write_synthetic_idx(data.path(), 500, 150);
  }
  std::string synthetic() const {
    return "--set dataset.path=" + data.path() + " --set runner.epochs=2 --set dataset.eval_batch_size=64";
  }
  mt::TempDir data, runs;
};

}  // namespace

// A config that extends another (`base:`): both read the same resolved config.
TEST_F(ParityTest, ConfigFamilyResolvesTheSameInBoth) {
  expect_identical(check_parity("configs/lenet5-mnist.yaml", synthetic() + " --set runner.epochs=1", runs));
}

TEST_F(ParityTest, LeNet5SgdMomentumWithValidation) {
  expect_identical(check_parity("configs/lenet5-fashion-mnist.yaml",
                                synthetic() + " --set optimizer.momentum=0.9 --set dataset.validation=0.2", runs));
}

TEST_F(ParityTest, MlpAdamCosineSchedule) {
  expect_identical(
      check_parity("configs/mlp-mnist.yaml", synthetic() + " --set 'optimizer.schedule={name: cosine}'", runs));
}

// The per-batch schedules: inverse square root behind a warm-up from 0.
TEST_F(ParityTest, MlpSgdInverseSqrtSchedule) {
  expect_identical(check_parity(
      "configs/mlp-mnist.yaml",
      synthetic() +
          " --set 'optimizer.schedule={name: inverse_sqrt, warmup: 4, warmup_start: 0}' --set runner.epochs=2",
      runs));
}

TEST_F(ParityTest, Bf16AutocastLeNet5) {
  // bf16 autocast on the CPU: modlr's AutocastScope against torch.autocast, bit for bit.
  expect_identical(check_parity("configs/lenet5-fashion-mnist.yaml",
                                synthetic() + " --set runner.precision=bf16 --set dataset.validation=0.2", runs));
}

TEST_F(ParityTest, Fp16AutocastWithLossScalingMlpAdam) {
  // fp16 autocast plus loss scaling (scale, unscale, skipped overflow steps, scale updates)
  // against the twin's GradScaler arithmetic; gradient clipping after the unscale.
  expect_identical(check_parity("configs/mlp-mnist.yaml",
                                synthetic() + " --set runner.precision=fp16 --set optimizer.clip_grad_norm=1.0", runs));
}

TEST_F(ParityTest, LeNet1TanhAvgPool) {
  expect_identical(check_parity("configs/lenet1-mnist.yaml",
                                synthetic() + " --set model.activation=tanh --set model.pool=avg", runs));
}

TEST_F(ParityTest, LeNet5OnRealFashionMnist) {
  const std::string dir = "/usr/share/datasets/fashion-mnist";
  if (!mt::exists(dir + "/train-images-idx3-ubyte.gz")) GTEST_SKIP() << "dataset-fashion-mnist not installed";
  expect_identical(
      check_parity("configs/lenet5-fashion-mnist.yaml", "--set runner.epochs=1 --set dataset.limit=2000", runs));
}

// The csv source: median imputation, one-hot, standardisation fitted on the training rows
// after the validation split, CRLF and quoted cells; then the MLP regressor and mse.
TEST_F(ParityTest, CsvRegressorOnASyntheticTable) {
  const auto csv = data.file("table.csv");
  mt::write_synthetic_csv(csv, 300);
  expect_identical(
      check_parity("configs/mlp-california-housing.yaml",
                   "--set dataset.path=" + csv +
                       " --set dataset.target=y --set dataset.categorical=[kind]"
                       " --set dataset.target_scale=2.5 --set model.sizes=[5,16,16,1] --set runner.epochs=3",
                   runs));
}

TEST_F(ParityTest, MlpOnRealCaliforniaHousing) {
  if (!mt::exists(MODLR_SOURCE_DIR "/../shared/data/california-housing/housing.csv.gz"))
    GTEST_SKIP() << "../shared/data/california-housing not present";
  expect_identical(check_parity("configs/mlp-california-housing.yaml",
                                "--set runner.epochs=2 --set dataset.limit=3000 --set dataset.missing=mean", runs));
}

namespace {

// CIFAR-10 workloads: augmentation (crop + flip, its own generator), dropout (the global
// generator) and batch norm (the final-weights comparison covers every state_dict entry,
// so the running means, variances and num_batches_tracked must match too).
class CifarParityTest : public ParityTest {
 protected:
  void SetUp() override {
    ParityTest::SetUp();
    mt::write_synthetic_cifar(cifar.path(), 40, 20);
  }
  std::string synthetic_cifar(int64_t limit) const {
    return "--set dataset.path=" + cifar.path() + " --set dataset.limit=" + std::to_string(limit) +
           " --set runner.epochs=1 --set dataset.batch_size=16 --set dataset.eval_batch_size=25";
  }
  mt::TempDir cifar;
};

}  // namespace

TEST_F(CifarParityTest, CnnCifarWithAugmentationAndDropout) {
  expect_identical(check_parity("configs/cnn-cifar10.yaml", synthetic_cifar(100), runs));
}

TEST_F(CifarParityTest, CnnCifarChannelsLastWithBf16) {
  // Channels-last weights and inputs (the layout tensor-core convolutions want) with bf16
  // autocast: the same kernels in modlr and in PyTorch Python, bit for bit.
  expect_identical(check_parity("configs/cnn-cifar10.yaml",
                                synthetic_cifar(100) + " --set runner.channels_last=true --set runner.precision=bf16",
                                runs));
}

TEST_F(CifarParityTest, Vgg16BatchNormIncludingRunningStatistics) {
  expect_identical(
      check_parity("configs/vgg16-cifar10.yaml", synthetic_cifar(40) + " --set dataset.validation=0.2", runs));
}

TEST_F(CifarParityTest, CnnCifarOnRealCifar10) {
  const std::string file = MODLR_SOURCE_DIR "/../shared/data/cifar-10/cifar-10-batches-bin/data_batch_1.bin.gz";
  if (!mt::exists(file)) GTEST_SKIP() << "../shared/data/cifar-10 not present";
  expect_identical(
      check_parity("configs/cnn-cifar10.yaml",
                   "--set runner.epochs=1 --set dataset.limit=512 --set dataset.train_files=[data_batch_1]", runs));
}

// Two models, two Adam optimizers bound to two objectives, noise from the global generator,
// a validation split (evaluation draws noise too) and the sample grids, byte for byte.
TEST_F(ParityTest, DcganTwoModelsTwoOptimizersAndSampleGrids) {
  const auto result =
      check_parity("configs/gan-fashion-mnist.yaml",
                   synthetic() +
                       " --set dataset.limit=160 --set dataset.validation=0.2 --set dataset.batch_size=32"
                       " --set model.generator.features=8 --set model.discriminator.features=8"
                       " --set runner.hooks[0].rows=4",
                   runs);
  expect_identical(result);
  EXPECT_NE(result.output.find("sample grids: byte identical (2 files)"), std::string::npos) << result.output;
  EXPECT_NE(result.output.find("d_fake"), std::string::npos) << result.output;  // its rows were compared
}

// The ACGAN: a generator conditioned on the class (noise, then the one-hot class drawn from
// the global generator), a discriminator with an auxiliary class head, class_accuracy from
// the discriminator stage and evaluation, a frozen LeNet-5 judge (its own config's
// preprocessing, built without drawing from the global generator) for judge_accuracy, and
// sample grids with a row per class, byte for byte.
TEST_F(ParityTest, AcganConditionalModelsJudgeAndPerClassGrids) {
  mt::TempDir judge;
  mt::write_text(judge.file("judge.yaml"),
                 "dataset: {scale: 255.0, mean: [0.5], std: [0.5]}\n"
                 "model: {name: lenet5}\n");
  {
    torch::manual_seed(5);  // untrained weights: a fixed, arbitrary classifier
    modlr::ModelSet weights;
    weights.add("model", modlr::build_model(modlr::Config::parse("name: lenet5", "judge.yaml")));
    modlr::save_safetensors(weights, judge.file("judge.safetensors"));
  }
  const auto result =
      check_parity("configs/acgan-fashion-mnist.yaml",
                   synthetic() +
                       " --set dataset.limit=160 --set dataset.validation=0.2 --set dataset.batch_size=32"
                       " --set model.generator.features=8 --set model.discriminator.features=8"
                       " --set runner.hooks[0].rows=3 --set loss.judge.config=" +
                       judge.file("judge.yaml") + " --set loss.judge.checkpoint=" + judge.file("judge.safetensors"),
                   runs);
  expect_identical(result);
  EXPECT_NE(result.output.find("sample grids: byte identical (2 files)"), std::string::npos) << result.output;
  // Rows compared: class_accuracy in training (2 epochs), validation (2) and test; the
  // judge's in evaluation only (validation 2, test 1).
  EXPECT_EQ(mt::count(result.output, " class_accuracy "), 5u) << result.output;
  EXPECT_EQ(mt::count(result.output, " judge_accuracy "), 3u) << result.output;
  EXPECT_NE(result.output.find("all 32 rows identical"), std::string::npos) << result.output;
  // A row per class (10) of `rows` (3) samples, 28x28 framed by 2 pixels, in both runs.
  int grids = 0;
  for (const auto& file : mt::list_files(runs.path())) {
    const std::string last_grid = "samples/epoch-0002.png";
    if (file.size() < last_grid.size() ||
        file.compare(file.size() - last_grid.size(), last_grid.size(), last_grid) != 0)
      continue;
    const auto grid = mt::read_png(runs.file(file));
    EXPECT_EQ(grid.width, 3u * 30 + 2) << file;
    EXPECT_EQ(grid.height, 10u * 30 + 2) << file;
    ++grids;
  }
  EXPECT_EQ(grids, 2);
}

// IMDb: a generated aclImdb archive (the twin reads it with Python's tarfile), a tiny
// vocabulary and model, one epoch with embedding dropout and dropout on.
class ImdbParityTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!twin_available()) GTEST_SKIP() << mt::python() << " with torch and yaml not installed";
    archive = data.file("aclImdb.tar.gz");
    mt::write_imdb_archive(archive, mt::synthetic_reviews(30));
  }
  std::string sets() const {
    return "--set dataset.path=" + archive +
           " --set dataset.limit=48 --set dataset.max_size=300 --set model.vocab_size=300"
           " --set dataset.max_length=40 --set model.embedding_dim=16 --set model.hidden_size=12"
           " --set runner.epochs=1 --set dataset.batch_size=8 --set dataset.eval_batch_size=16";
  }
  mt::TempDir data, runs;
  std::string archive;
};

TEST_F(ImdbParityTest, BidirectionalLstmMaxPoolingWithValidation) {
  const auto result = check_parity("configs/lstm-imdb.yaml", sets() + " --set dataset.validation=0.25", runs);
  expect_identical(result);
  EXPECT_NE(result.output.find("vocab.txt identical"), std::string::npos) << result.output;
}

TEST_F(ImdbParityTest, TwoLayerGruMeanPoolingKeepLast) {
  expect_identical(check_parity("configs/gru-imdb.yaml",
                                sets() + " --set model.layers=2 --set model.pooling=mean --set dataset.keep=last"
                                         " --set model.bidirectional=false",
                                runs));
}

// The Transformer encoder: attention through scaled_dot_product_attention with a padding
// mask, dropout on the attention weights and after attention, a warm-up then a cosine
// schedule evaluated before every batch, AdamW.
TEST_F(ImdbParityTest, TransformerEncoderWithValidation) {
  expect_identical(check_parity("configs/transformer-imdb.yaml",
                                "--set dataset.path=" + archive +
                                    " --set dataset.limit=48 --set dataset.max_size=300 --set model.vocab_size=300"
                                    " --set dataset.max_length=40 --set model.max_length=40 --set model.d_model=16"
                                    " --set model.heads=2 --set model.feedforward=32 --set runner.epochs=2"
                                    " --set dataset.batch_size=8 --set dataset.eval_batch_size=16"
                                    " --set dataset.validation=0.25 --set optimizer.schedule.warmup=3"
                                    " --set optimizer.schedule.unit=step --set model.attention_dropout=0.1",
                                runs));
}

// pooling: max (the config's is mean), one epoch.
TEST_F(ImdbParityTest, TransformerEncoderMaxPooling) {
  expect_identical(check_parity("configs/transformer-imdb.yaml",
                                "--set dataset.path=" + archive +
                                    " --set dataset.limit=48 --set dataset.max_size=300 --set model.vocab_size=300"
                                    " --set dataset.max_length=40 --set model.max_length=40 --set model.d_model=16"
                                    " --set model.heads=2 --set model.feedforward=32 --set runner.epochs=1"
                                    " --set dataset.batch_size=8 --set model.pooling=max",
                                runs));
}

TEST_F(ImdbParityTest, LstmLastStateOnRealImdb) {
  const std::string real = MODLR_SOURCE_DIR "/../shared/data/imdb/aclImdb_labelled.tar.gz";
  if (!mt::exists(real)) GTEST_SKIP() << real << " not present";
  expect_identical(check_parity("configs/lstm-imdb.yaml",
                                "--set dataset.path=" + real +
                                    " --set dataset.limit=64 --set dataset.max_length=16 --set runner.epochs=1"
                                    " --set model.pooling=last --set model.hidden_size=8 --set model.embedding_dim=8"
                                    " --set dataset.eval_batch_size=2500",
                                runs));
}

// Gradient accumulation over 3 batches (400 training examples in batches of 64: groups of
// 3, 3 and 1), a per-step linear warm-up before a cosine schedule, and max_steps ending the
// second epoch after 2 of its batches (a group cut to 2): the twin implements each itself.
TEST_F(ParityTest, AccumulationWarmupAndMaxSteps) {
  expect_identical(check_parity("configs/lenet5-fashion-mnist.yaml",
                                synthetic() + " --set dataset.batch_size=64 --set dataset.validation=0.2"
                                              " --set runner.accumulate_steps=3 --set runner.max_steps=9"
                                              " --set optimizer.schedule.name=cosine --set optimizer.schedule.warmup=5",
                                runs));
}

// A warm-up counted in epochs, with fp16 loss scaling over groups of 2 batches.
TEST_F(ParityTest, EpochWarmupWithScaledAccumulation) {
  expect_identical(check_parity(
      "configs/lenet5-fashion-mnist.yaml",
      synthetic() + " --set dataset.batch_size=64 --set runner.accumulate_steps=2"
                    " --set runner.precision=fp16 --set optimizer.schedule.warmup=2"
                    " --set optimizer.schedule.warmup_unit=epoch --set optimizer.schedule.warmup_start=0.25",
      runs));
}

// An exponential moving average of the weights (validated and exported): modlr's against
// PyTorch's own AveragedModel with get_ema_multi_avg_fn in the twin.
TEST_F(ParityTest, WeightAverageAgainstPyTorchsAveragedModel) {
  expect_identical(check_parity("configs/lenet5-fashion-mnist.yaml",
                                synthetic() + " --set dataset.validation=0.2 --set runner.ema_decay=0.9"
                                              " --set optimizer.momentum=0.9",
                                runs));
}

// Translation (German -> English, the first 64 Multi30k training pairs): the parallel_text
// source and its vocabularies, length bucketing, the encoder-decoder Transformer with tied
// embeddings, label smoothing, per-batch inverse-square-root schedule, and BLEU per epoch
// on the validation split and at the end on the test split, from greedy search and from
// beam search. (The extra test splits take the path CifarParityTest checks; left out, the
// two runs take half the time.)
class TranslationParityTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!twin_available()) GTEST_SKIP() << mt::python() << " with torch and yaml not installed";
    if (!mt::exists(kMulti30k)) GTEST_SKIP() << kMulti30k << " not present";
  }
  static std::string sets() {
    return std::string("--set dataset.path=") + kMulti30k +
           " --set dataset.limit=64 --set dataset.max_size=300 --set model.source_vocab_size=300"
           " --set model.target_vocab_size=300 --set model.d_model=16 --set model.heads=2 --set model.feedforward=32"
           " --set model.encoder_layers=1 --set model.decoder_layers=1 --set runner.epochs=2"
           " --set dataset.batch_size=8 --set dataset.eval_batch_size=50 --set optimizer.schedule.warmup=5"
           " --set loss.search.extra_length=3 --set dataset.bucket_pool=2 --set 'dataset.extra_tests=[]'";
  }
  static constexpr const char* kMulti30k = MODLR_SOURCE_DIR "/../shared/data/multi30k";
  mt::TempDir runs;
};

TEST_F(TranslationParityTest, GreedySearch) {
  const auto result = check_parity("configs/transformer-multi30k.yaml", sets(), runs);
  expect_identical(result);
  EXPECT_NE(result.output.find("vocab.de.txt identical"), std::string::npos) << result.output;
  EXPECT_NE(result.output.find("vocab.en.txt identical"), std::string::npos) << result.output;
}

TEST_F(TranslationParityTest, BeamSearch) {
  expect_identical(check_parity("configs/transformer-multi30k.yaml",
                                sets() + " --set loss.search.beam=3 --set loss.search.length_penalty=0.6", runs));
}
