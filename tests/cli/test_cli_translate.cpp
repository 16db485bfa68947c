// Translation from the command line on a generated word-for-word corpus (German numerals
// to English ones): `modlr train` reaches a test BLEU near 100, `modlr eval` reports it,
// `modlr translate` turns stdin into translations (greedy and beam), and bad input (invalid
// UTF-8, a sentence too long, a run record's vocabulary that no longer matches) is one line.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include <cstring>

#include "modlr/formats/safetensors.h"
#include "test_support.h"

namespace mt = modlr::testing;

namespace {

const std::vector<std::string> kGerman = {"eins", "zwei", "drei", "vier", "fünf", "sechs", "sieben", "acht"};
const std::vector<std::string> kEnglish = {"one", "two", "three", "four", "five", "six", "seven", "eight"};

// `count` pairs of 2-6 numerals, drawn from a fixed linear congruential sequence.
void write_split(const std::string& dir, const std::string& stem, int count, uint32_t seed) {
  std::string de, en;
  uint32_t state = seed;
  const auto draw = [&](uint32_t n) {
    state = state * 1664525u + 1013904223u;
    return (state >> 16) % n;
  };
  for (int i = 0; i < count; ++i) {
    const uint32_t words = 2 + draw(5);
    for (uint32_t w = 0; w < words; ++w) {
      const auto k = draw(8);
      de += (w ? " " : "") +
            (w == 0 ? std::string(1, static_cast<char>(kGerman[k][0] - 32)) + kGerman[k].substr(1) : kGerman[k]);
      en += (w ? " " : "") + kEnglish[k];
    }
    de += " .\n", en += " .\n";
  }
  mt::write_text(dir + "/" + stem + ".de", de);
  mt::write_text(dir + "/" + stem + ".en", en);
}

std::string config_text(const std::string& data, const std::string& runs) {
  return "experiment: numerals\nseed: 1\ndataset:\n  name: parallel_text\n  path: " + data +
         "\n  source_language: de\n  target_language: en\n  train: train\n  validation_split: val\n  test: test\n"
         "  min_freq: 1\n  max_length: 10\n  batch_size: 32\n  eval_batch_size: 100\n  bucket_by: source_lengths\n"
         "model:\n  name: transformer_translator\n  source_vocab_size: 13\n  target_vocab_size: 13\n  d_model: 32\n"
         "  heads: 2\n  encoder_layers: 1\n  decoder_layers: 1\n  feedforward: 64\n  dropout: 0\n  max_length: 10\n"
         "  tie_embeddings: true\nloss:\n  name: translation\n  label_smoothing: 0.05\n"
         "  search: {beam: 1, extra_length: 2}\noptimizer:\n  name: adam\n  lr: 0.005\n"
         "  schedule: {name: inverse_sqrt, warmup: 60, warmup_start: 0}\nrunner:\n  epochs: 25\n"
         "tracking:\n  dir: " +
         runs + "\n";
}

class TranslateCli : public ::testing::Test {
 protected:
  void SetUp() override {
    const auto data = work.file("numerals");
    std::filesystem::create_directories(data);
    write_split(data, "train", 480, 1);
    write_split(data, "val", 40, 2);
    write_split(data, "test", 160, 3);
    config = work.file("numerals.yaml");
    mt::write_text(config, config_text(data, work.file("runs")));
  }
  // `modlr translate CONFIG ARGS` with `input` on its stdin (run_command's own stdin is
  // /dev/null, hence the subshell).
  mt::CommandResult translate(const std::string& input, const std::string& args) {
    mt::write_text(work.file("input.txt"), input);
    return mt::run_command("(" + std::string(MODLR_BINARY) + " translate " + config + " " + args + " < " +
                           work.file("input.txt") + ")");
  }
  mt::TempDir work;
  std::string config;
};

}  // namespace

TEST_F(TranslateCli, TrainsToBleuNearOneHundredAndTranslatesStdin) {
  const auto trained = mt::run_modlr("train " + config);
  ASSERT_EQ(trained.exit_code, 0) << trained.err;
  const std::string marker = "run record: ";
  const auto at = trained.out.find(marker);
  ASSERT_NE(at, std::string::npos);
  const auto run = trained.out.substr(at + marker.size(), trained.out.find('\n', at) - at - marker.size());
  const auto summary = nlohmann::json::parse(mt::read_text(run + "/summary.json"));
  EXPECT_GT(summary["test"]["bleu"].get<double>(), 95.0) << trained.out;
  EXPECT_NE(trained.out.find("validation  bleu"), std::string::npos);

  // The saved outputs are the test translations (ids; batches of 100 and 60 sentences,
  // each as wide as its longest translation, padded to the wider).
  const auto evaluated = mt::run_modlr("eval " + config + " --checkpoint " + run +
                                       "/model.safetensors --save-outputs " + work.file("outputs.safetensors"));
  ASSERT_EQ(evaluated.exit_code, 0) << evaluated.err;
  EXPECT_NE(evaluated.out.find("bleu"), std::string::npos);
  const auto saved = modlr::formats::read_safetensors(work.file("outputs.safetensors"));
  const auto* output = saved.find("output");
  ASSERT_NE(output, nullptr);
  EXPECT_EQ(output->dtype, "I64");
  ASSERT_EQ(output->shape.size(), 2u);
  EXPECT_EQ(output->shape[0], 160);
  std::vector<int64_t> ids(output->data.size() / 8);
  std::memcpy(ids.data(), output->data.data(), output->data.size());
  for (int64_t row = 0; row < 160; ++row) EXPECT_EQ(ids[static_cast<size_t>(row * output->shape[1])], 2);  // <bos>

  const auto weights = "--checkpoint " + run + "/model.safetensors";
  for (const std::string beam : {"", " --beam 3 --length-penalty 0.6"}) {
    const auto translated = translate("Drei zwei eins .\nsieben acht acht vier .\n\n", weights + beam);
    ASSERT_EQ(translated.exit_code, 0) << translated.err;
    EXPECT_EQ(translated.out, "three two one .\nseven eight eight four .\n\n") << beam;
  }
  const auto text = translate("Drei zwei eins .\n", weights + " --detokenize");
  ASSERT_EQ(text.exit_code, 0) << text.err;
  EXPECT_EQ(text.out, "three two one.\n");
  const auto invalid = translate("eins .\nzwei \xff .\n", weights);
  EXPECT_EQ(invalid.exit_code, 1);
  EXPECT_EQ(invalid.err, "modlr: error: stdin: line 2: not valid UTF-8\n");
  const auto too_long = translate("eins zwei drei vier fünf sechs sieben acht eins .\n", weights);
  EXPECT_EQ(too_long.exit_code, 1);
  EXPECT_NE(too_long.err.find("stdin: line 1: 12 tokens with <bos> and <eos>, more than model.max_length = 10"),
            std::string::npos)
      << too_long.err;
  mt::write_text(run + "/vocab.en.txt", mt::read_text(run + "/vocab.en.txt") + "extra\n");
  const auto changed = translate("eins .\n", "--checkpoint " + run + "/checkpoints/epoch-0025.pt");
  EXPECT_EQ(changed.exit_code, 1);
  EXPECT_NE(changed.err.find(run + "/vocab.en.txt: the checkpoint's vocabulary differs"), std::string::npos)
      << changed.err;
}
