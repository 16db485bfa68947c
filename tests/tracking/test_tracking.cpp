#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "modlr/core/error.h"
#include "modlr/formats/sha256.h"
#include "modlr/model/model.h"
#include "modlr/tracking/checkpoint.h"
#include "modlr/tracking/run_record.h"
#include "test_support.h"

namespace mt = modlr::testing;
using modlr::testing::error_message;

namespace {

modlr::ModelSet lenet(const std::string& name = "lenet5", uint64_t seed = 1) {
  torch::manual_seed(seed);
  modlr::ModelSet models;
  models.add("model", modlr::build_model(modlr::Config::parse("name: " + name, "m")));
  return models;
}

}  // namespace

TEST(RunRecord, CreatesUniqueDirectoriesWithTheRecordFiles) {
  mt::TempDir dir;
  auto a = modlr::RunRecord::create(dir.file("runs"), "exp", 5);
  auto b = modlr::RunRecord::create(dir.file("runs"), "exp", 5);
  EXPECT_NE(a.dir(), b.dir());
  EXPECT_NE(a.run_id().find("seed5"), std::string::npos);
  a.write_config("seed: 5\n");
  a.append_metric(1, "train", "loss", 0.1);
  EXPECT_EQ(mt::read_text(a.dir() + "/metrics.csv"), "epoch,split,metric,value\n1,train,loss,0.10000000000000001\n");
  EXPECT_EQ(mt::read_text(a.dir() + "/config.yaml"), "seed: 5\n");
  EXPECT_TRUE(mt::exists(a.checkpoint_dir()));
}

TEST(RunRecord, SummaryHasTheDesignKeys) {
  modlr::RunSummary s;
  s.experiment = "e";
  s.run_id = "r";
  s.seed = 3;
  s.status = "finished";
  s.train_epochs = 2;
  s.train_breakdown_seconds = {{"data", 1}, {"forward", 2}, {"loss", 3}, {"backward", 4}, {"step", 5}};
  s.test_metrics = {{"loss", 0.5}, {"accuracy", 0.9}, {"f1_macro", 0.8}, {"auc_roc", 0.95}};
  s.environment = {
      {"modlr_version", "0.1.0"}, {"torch_version", "1.13.1"}, {"device", "cpu"}, {"cpu", "x"}, {"git_commit", "abc"}};
  s.threads = 2;
  s.data_files = {{"/d/train.gz", "ff"}};
  const auto j = nlohmann::json::parse(modlr::summary_json(s));
  for (const char* key : {"experiment", "run_id", "seed", "status", "train", "test", "environment", "data"})
    EXPECT_TRUE(j.contains(key)) << key;
  for (const char* key : {"data", "forward", "loss", "backward", "step"})
    EXPECT_TRUE(j["train"]["breakdown_seconds"].contains(key)) << key;
  for (const char* key : {"seconds", "loss", "accuracy", "f1_macro", "auc_roc"})
    EXPECT_TRUE(j["test"].contains(key)) << key;
  for (const char* key : {"modlr_version", "torch_version", "device", "threads", "cpu", "git_commit"})
    EXPECT_TRUE(j["environment"].contains(key)) << key;
  EXPECT_EQ(j["environment"]["threads"], 2);
  EXPECT_EQ(j["data"]["/d/train.gz"], "ff");
  EXPECT_FALSE(j.contains("error"));
}

TEST(RunRecord, UncreatableDirectoryNamesThePath) {
  mt::TempDir dir;
  mt::write_text(dir.file("file"), "x");
  EXPECT_NE(error_message([&] { modlr::RunRecord::create(dir.file("file") + "/runs", "e", 1); }).find(dir.file("file")),
            std::string::npos);
}

TEST(Checkpoint, RoundTripRestoresEveryTensor) {
  mt::TempDir dir;
  auto saved = lenet("lenet5", 1);
  modlr::save_checkpoint(saved, dir.file("a.pt"));
  auto loaded = lenet("lenet5", 2);
  modlr::load_checkpoint(loaded, dir.file("a.pt"));
  const auto p = saved.only().parameters(), q = loaded.only().parameters();
  for (size_t i = 0; i < p.size(); ++i) EXPECT_TRUE(torch::equal(p[i], q[i]));
  // No temporary file left; the checksum beside the checkpoint is its SHA-256.
  EXPECT_EQ(mt::list_files(dir.path()), (std::vector<std::string>{"a.pt", "a.pt.sha256"}));
  const auto bytes = mt::read_text(dir.file("a.pt"));
  EXPECT_EQ(mt::read_text(dir.file("a.pt.sha256")),
            modlr::formats::sha256_hex(std::vector<uint8_t>(bytes.begin(), bytes.end())) + "\n");
}

TEST(Checkpoint, WrongArchitectureIsRefusedAndChangesNothing) {
  mt::TempDir dir;
  modlr::save_checkpoint(lenet("lenet1"), dir.file("lenet1.pt"));
  auto models = lenet("lenet5");
  const auto before = models.only().parameters().front().clone();
  const auto message = error_message([&] { modlr::load_checkpoint(models, dir.file("lenet1.pt")); });
  EXPECT_NE(message.find("lenet1.pt"), std::string::npos) << message;
  EXPECT_NE(message.find("shape"), std::string::npos) << message;
  EXPECT_TRUE(torch::equal(before, models.only().parameters().front()));
}

TEST(Checkpoint, CorruptOrMissingFileIsAClearError) {
  mt::TempDir dir;
  auto models = lenet();
  EXPECT_NE(error_message([&] { modlr::load_checkpoint(models, dir.file("none.pt")); }).find("none.pt"),
            std::string::npos);
  modlr::save_checkpoint(models, dir.file("good.pt"));
  auto bytes = mt::read_text(dir.file("good.pt"));
  mt::write_text(dir.file("cut.pt"), bytes.substr(0, bytes.size() / 2));
  EXPECT_NE(error_message([&] { modlr::load_checkpoint(models, dir.file("cut.pt")); }).find("no checksum"),
            std::string::npos);
}

TEST(Checkpoint, ForeignOrAlteredPtFilesNeverReachLibtorch) {
  // libtorch's .pt reader crashed on an empty tensor record and read past a cut one: modlr
  // hands it only files whose recorded SHA-256 matches, so every altered file is refused.
  mt::TempDir dir;
  auto models = lenet();
  modlr::save_checkpoint(models, dir.file("good.pt"));
  const auto bytes = mt::read_text(dir.file("good.pt"));
  const auto checksum = mt::read_text(dir.file("good.pt.sha256"));
  auto flipped = bytes;
  flipped[flipped.size() / 2] ^= 0x01;
  const std::vector<std::pair<std::string, std::string>> altered = {{bytes.substr(0, bytes.size() - 100), checksum},
                                                                    {flipped, checksum},
                                                                    {"", checksum},
                                                                    {bytes, "not a checksum\n"},
                                                                    {bytes, std::string(64, '0') + "\n"}};
  for (const auto& [contents, recorded] : altered) {
    mt::write_text(dir.file("x.pt"), contents);
    mt::write_text(dir.file("x.pt.sha256"), recorded);
    const auto message = error_message([&] { modlr::load_checkpoint(models, dir.file("x.pt")); });
    EXPECT_EQ(message.rfind(dir.file("x.pt") + ": not a checkpoint modlr wrote (", 0), 0u) << message;
    EXPECT_NE(message.find("give other weights as .safetensors"), std::string::npos) << message;
    EXPECT_NE(error_message([&] { modlr::read_training_state(dir.file("x.pt")); }), "no error");
  }
  mt::write_text(dir.file("x.pt"), bytes);
  mt::write_text(dir.file("x.pt.sha256"), checksum);
  EXPECT_EQ(error_message([&] { modlr::load_checkpoint(models, dir.file("x.pt")); }), "no error");  // a faithful copy
}

TEST(Checkpoint, FailedWriteKeepsThePreviousFile) {
  mt::TempDir dir;
  auto models = lenet();
  modlr::save_checkpoint(models, dir.file("c.pt"));
  const auto before = mt::read_text(dir.file("c.pt"));
  EXPECT_NE(error_message([&] { modlr::save_checkpoint(models, dir.file("missing/c.pt")); }).find("missing/c.pt"),
            std::string::npos);
  EXPECT_EQ(mt::read_text(dir.file("c.pt")), before);
}
