// The IMDb workloads from the command line: train + eval on a generated aclImdb archive,
// vocab.txt in the run record, bad input named in one line, ONNX export checked in ONNX
// Runtime, and `modlr summary` on both shipped configs (real data).
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "dataset/imdb_fixture.h"
#include "modlr/dataset/imdb.h"
#include "modlr/dataset/text.h"
#include "modlr/formats/sha256.h"
#include "test_support.h"

namespace mt = modlr::testing;

namespace {

class ImdbCliTest : public ::testing::Test {
 protected:
  void SetUp() override {
    reviews = mt::synthetic_reviews(12);
    archive = work.file("aclImdb.tar.gz");
    mt::write_imdb_archive(archive, reviews);
    for (const std::string cell : {"lstm", "gru"}) {
      config[cell] = work.file(cell + ".yaml");
      mt::write_text(config[cell], mt::imdb_config(archive, work.file("runs"), cell + "_classifier"));
    }
  }
  // Trains `cell`'s config; returns the run directory.
  std::string train(const std::string& cell, const std::string& extra = "") {
    const auto result = mt::run_modlr("train " + config[cell] + " " + extra);
    EXPECT_EQ(result.exit_code, 0) << result.err;
    const std::string marker = "run record: ";
    const auto at = result.out.find(marker);
    if (at == std::string::npos) return "";
    return result.out.substr(at + marker.size(), result.out.find('\n', at) - at - marker.size());
  }
  // The value printed on `metric`'s line of `modlr eval` output.
  static double printed(const std::string& out, const std::string& metric) {
    const auto at = out.find("\n" + metric + " ");
    return at == std::string::npos ? -1 : std::stod(out.substr(at + metric.size() + 2));
  }

  mt::TempDir work;
  std::vector<mt::FixtureReview> reviews;
  std::string archive;
  std::map<std::string, std::string> config;
};

}  // namespace

TEST_F(ImdbCliTest, TrainsEvaluatesAndKeepsTheVocabulary) {
  modlr::text::WordCounts counts;
  for (const auto& review : modlr::imdb::read(archive).train)
    modlr::text::count_words(modlr::text::tokenize(review.text), counts);
  const auto vocabulary = modlr::text::Vocabulary::build(counts, 200, 1).to_text();
  for (const std::string cell : {"lstm", "gru"}) {
    const auto run = train(cell);
    ASSERT_FALSE(run.empty());
    EXPECT_EQ(mt::read_text(run + "/vocab.txt"), vocabulary);
    const auto summary = nlohmann::json::parse(mt::read_text(run + "/summary.json"));
    EXPECT_EQ(summary["status"], "finished");
    EXPECT_EQ(summary["data"][archive], modlr::formats::sha256_file_hex(archive));
    // eval rebuilds the same vocabulary from the run's resolved config and the data.
    const auto eval = mt::run_modlr("eval " + run + "/config.yaml --checkpoint " + run + "/model.safetensors");
    ASSERT_EQ(eval.exit_code, 0) << eval.err;
    EXPECT_NEAR(printed(eval.out, "accuracy"), summary["test"]["accuracy"].get<double>(), 1e-6) << eval.out;
    EXPECT_NE(eval.out.find("split test (24 examples) on cpu: batch loading "), std::string::npos) << eval.out;
  }
}

TEST_F(ImdbCliTest, BadInputIsOneLineNamingTheFile) {
  mt::write_imdb_directory(work.file("data"), reviews);
  const auto bad = work.file("data/aclImdb/" + reviews[4].path());
  mt::write_text(bad, "latin-1 caf\xe9");
  auto result = mt::run_modlr("train " + config["lstm"] + " --set dataset.path=" + work.file("data"));
  EXPECT_EQ(result.exit_code, 1);
  EXPECT_EQ(result.err.substr(0, result.err.find('\n')),
            "modlr: error: " + bad + ": unreadable text encoding: invalid UTF-8 at byte 11");
  result = mt::run_modlr("train " + config["gru"] + " --set dataset.path=" + work.file("absent.tar.gz"));
  EXPECT_EQ(result.exit_code, 1);
  EXPECT_NE(result.err.find("modlr: error: " + work.file("absent.tar.gz") + ": cannot open the IMDb data"),
            std::string::npos)
      << result.err;
  const auto bytes = mt::read_text(archive);
  mt::write_text(work.file("cut.tar.gz"), bytes.substr(0, bytes.size() - 100));
  result = mt::run_modlr("train " + config["gru"] + " --set dataset.path=" + work.file("cut.tar.gz"));
  EXPECT_EQ(result.exit_code, 1);
  EXPECT_NE(result.err.find(work.file("cut.tar.gz") + ": truncated gzip stream"), std::string::npos) << result.err;
  result = mt::run_modlr("train " + config["lstm"] + " --set model.vocab_size=20");
  EXPECT_EQ(result.exit_code, 1);
  EXPECT_NE(result.err.find("is outside [0, model.vocab_size = 20)"), std::string::npos) << result.err;
  result = mt::run_modlr("train " + config["lstm"] + " --set model.pooling=first");
  EXPECT_NE(result.err.find("model.pooling"), std::string::npos) << result.err;
}

// The recurrent classifier exports to ONNX from the command line, and ONNX Runtime gives
// modlr's own outputs on the test reviews; a refused export writes nothing.
TEST_F(ImdbCliTest, RecurrentClassifierExportsToOnnxAndRunsInOnnxRuntime) {
  const auto run = train("lstm");
  ASSERT_FALSE(run.empty());
  const auto onnx = work.file("model.onnx");
  auto result = mt::run_modlr("export " + config["lstm"] + " --checkpoint " + run + "/model.safetensors --onnx " +
                              onnx + " --safetensors " + work.file("w.safetensors") + " --with-preprocessing");
  EXPECT_EQ(result.exit_code, 1);
  EXPECT_NE(result.err.find("has no input scaling or normalisation"), std::string::npos) << result.err;
  EXPECT_FALSE(mt::exists(onnx));
  EXPECT_FALSE(mt::exists(work.file("w.safetensors")));  // nothing is written on failure
  result = mt::run_modlr("export " + config["lstm"] + " --checkpoint " + run + "/model.safetensors --onnx " + onnx +
                         " --safetensors " + work.file("w.safetensors"));
  ASSERT_EQ(result.exit_code, 0) << result.err;
  EXPECT_EQ(mt::read_text(work.file("w.safetensors")), mt::read_text(run + "/model.safetensors"));
  if (!mt::onnxruntime_available()) GTEST_SKIP() << mt::python() << " has no onnx/onnxruntime (scripts/setup.sh)";
  result = mt::run_modlr("eval " + config["lstm"] + " --checkpoint " + run + "/model.safetensors --save-outputs " +
                         work.file("outputs.safetensors"));
  ASSERT_EQ(result.exit_code, 0) << result.err;
  const auto check =
      mt::run_command(mt::onnx_check_command() + " " + onnx + " " + work.file("outputs.safetensors") + " --batch 7");
  ASSERT_EQ(check.exit_code, 0) << check.err;
  const auto json = nlohmann::json::parse(check.out);
  EXPECT_LE(json["max_abs_diff"].get<double>(), 1e-5);
  EXPECT_EQ(json["accuracy_onnx"].get<double>(), json["accuracy_reference"].get<double>());
  EXPECT_EQ(json["inputs"][0]["elem_type"].get<std::string>(), "INT64");
}

// The shipped configs on the real data: embedding 20000 x 64; bidirectional LSTM/GRU with
// hidden 64: per direction gates*64*(64+64) + 2*gates*64; fc 128*2 + 2.
//   LSTM: 1,280,000 + 2*(256*128 + 512) + 258 = 1,346,818
//   GRU:  1,280,000 + 2*(192*128 + 384) + 258 = 1,330,178
TEST(ImdbConfigs, SummaryOnBothConfigs) {
  const std::string data = std::string(MODLR_SOURCE_DIR) + "/../shared/data/imdb/aclImdb_labelled.tar.gz";
  if (!mt::exists(data)) GTEST_SKIP() << data << " not present";
  for (const auto& [cell, params] :
       std::vector<std::pair<std::string, std::string>>{{"lstm", "1346818"}, {"gru", "1330178"}}) {
    const auto result =
        mt::run_command("cd " MODLR_SOURCE_DIR " && " MODLR_BINARY " summary configs/" + cell + "-imdb.yaml");
    ASSERT_EQ(result.exit_code, 0) << result.err;
    // Columns are as wide as the longest name (embed_dropout), so compare modulo spacing.
    const auto out = mt::squeeze_spaces(result.out);
    EXPECT_NE(out.find("embedding Embedding [64, 400, 64] 1280000"), std::string::npos) << result.out;
    EXPECT_NE(result.out.find(cell == "lstm" ? "LSTM" : "GRU"), std::string::npos) << result.out;
    EXPECT_NE(out.find("fc Linear [64, 2] 258"), std::string::npos) << result.out;
    EXPECT_NE(result.out.find("total parameters: " + params + " "), std::string::npos) << result.out;
  }
}
