// Batches of named tensors: a source's fields travel with their rows through limit,
// validation hold-out, shuffling, sharding, batching, device placement and the runner to the
// Loss, which reads them by name; a field with the wrong row count, or one a loss asks for
// and the source does not deliver, is one line naming it.
#include <gtest/gtest.h>

#include <set>

#include "modlr/core/error.h"
#include "modlr/dataset/data_report.h"
#include "modlr/dataset/dataset.h"
#include "modlr/loss/loss.h"
#include "modlr/runner/experiment.h"
#include "modlr/runner/runner.h"

namespace {

// Row i: input [i, 1] (float), target i % 2, fields "row" = i (int64) and "weight" (float,
// 1 for even rows). `short_field` gives the training split a field one row short.
class RowNumberSource : public modlr::DataSource {
 public:
  explicit RowNumberSource(bool short_field) : short_field_(short_field) {}
  modlr::SourceData load() override {
    modlr::SourceData out;
    out.train = rows(0, 40);
    out.test = rows(1000, 12);
    if (short_field_) out.train.fields["weight"] = out.train.fields["weight"].narrow(0, 0, 39);
    return out;
  }

 private:
  static modlr::TensorData rows(int64_t first, int64_t count) {
    const auto ids = torch::arange(first, first + count, torch::kLong);
    const auto inputs = torch::stack({ids.to(torch::kFloat32), torch::ones({count})}, 1);
    return {inputs, ids.remainder(2), nullptr, {{"row", ids}, {"weight", (ids.remainder(2) == 0).to(torch::kFloat32)}}};
  }
  bool short_field_;
};

// A weighted least-squares loss that checks each field against the row it rides with.
class FieldCheckingLoss : public modlr::Loss {
 public:
  std::vector<std::string> objectives() const override { return {"loss"}; }
  modlr::Task task() const override { return modlr::Task::regression; }
  modlr::LossOutput compute(modlr::ModelSet& models, const modlr::Batch& batch, const modlr::LossRequest&) override {
    const auto& row = batch.get("row");
    if (!torch::equal(row, batch.x.select(1, 0).to(torch::kLong)) ||
        !torch::equal(row.remainder(2), batch.get("target")))
      ++misaligned;
    examples += batch.size();
    const auto outputs = models.forward(batch.x).squeeze(1);
    const auto errors = (outputs - batch.y.to(torch::kFloat32)).pow(2);
    return {{{"loss", (errors * batch.get("weight")).mean()}}, outputs, batch.y.to(torch::kFloat32)};
  }
  int64_t misaligned = 0, examples = 0;
};

class OneLinear : public modlr::Model {
 public:
  OneLinear() : fc_(register_module("fc", torch::nn::Linear(2, 1))) {}
  torch::Tensor forward(torch::Tensor x) override { return fc_(x); }

 private:
  torch::nn::Linear fc_;
};

modlr::Dataset row_dataset(bool short_field = false) {
  modlr::DatasetOptions options;
  options.limit = 30;
  options.validation = 0.2;
  options.batch_size = 7;
  options.shuffle = true;
  return modlr::Dataset(std::make_unique<RowNumberSource>(short_field), "row_numbers", options, 3);
}

}  // namespace

TEST(BatchFields, GetNamesInputTargetAndFieldsAndMapKeepsThem) {
  const modlr::Batch batch(torch::zeros({3, 2}), torch::ones({3}), {{"lengths", torch::arange(3)}});
  EXPECT_TRUE(batch.get("input").is_same(batch.x));
  EXPECT_TRUE(batch.get("target").is_same(batch.y));
  EXPECT_TRUE(torch::equal(batch.get("lengths"), torch::arange(3)));
  try {
    batch.get("source_lengths");
    ADD_FAILURE() << "an absent field was found";
  } catch (const modlr::Error& e) {
    EXPECT_STREQ(e.what(),
                 "batch field 'source_lengths' is not delivered by this data source (fields: input, target, lengths)");
  }
  const auto doubled = batch.map([](const torch::Tensor& t) { return t * 2; });
  EXPECT_TRUE(torch::equal(doubled.get("lengths"), torch::arange(3) * 2));
  EXPECT_TRUE(torch::equal(doubled.y, torch::full({3}, 2.0)));
}

TEST(BatchFields, FieldsKeepTheirRowsThroughSplitsShufflingAndShards) {
  auto dataset = row_dataset();
  dataset.load();
  std::set<int64_t> seen;
  for (const auto split : {modlr::Split::train, modlr::Split::validation, modlr::Split::test}) {
    const auto& data = dataset.data(split);
    EXPECT_TRUE(torch::equal(data.fields.at("row"), data.inputs.select(1, 0).to(torch::kLong)));
    auto loader = dataset.loader(split);
    loader->start_epoch();
    modlr::Batch batch;
    while (loader->next(batch)) {
      EXPECT_TRUE(torch::equal(batch.get("row"), batch.x.select(1, 0).to(torch::kLong)));
      for (int64_t i = 0; i < batch.size(); ++i) seen.insert(batch.get("row")[i].item<int64_t>());
    }
  }
  EXPECT_EQ(seen.size(), 30u + 12u);  // limit 30 (train + validation) and the test split
  EXPECT_EQ(*seen.rbegin(), 1011);
  // Two shards of the same shuffled epoch: each row once, its fields with it.
  std::set<int64_t> sharded;
  for (int64_t rank = 0; rank < 2; ++rank) {
    modlr::LoaderOptions options;
    options.batch_size = 4;
    options.shuffle = true;
    options.seed = 9;
    options.shard_count = 2;
    options.shard_rank = rank;
    modlr::BatchLoader loader(dataset.data(modlr::Split::train), options);
    loader.start_epoch();
    modlr::Batch batch;
    while (loader.next(batch)) {
      EXPECT_TRUE(torch::equal(batch.get("row"), batch.x.select(1, 0).to(torch::kLong)));
      for (int64_t i = 0; i < batch.size(); ++i) sharded.insert(batch.get("row")[i].item<int64_t>());
    }
  }
  EXPECT_EQ(static_cast<int64_t>(sharded.size()), dataset.data(modlr::Split::train).size());
}

TEST(BatchFields, TheLossReadsThemThroughTheRunner) {
  auto dataset = row_dataset();
  dataset.load();
  modlr::ModelSet models;
  torch::manual_seed(1);
  models.add("model", std::make_shared<OneLinear>());
  FieldCheckingLoss loss;
  std::vector<std::unique_ptr<modlr::Optimizer>> optimizers;
  optimizers.push_back(std::make_unique<modlr::Optimizer>(
      std::make_unique<torch::optim::SGD>(models.get("model").parameters(), torch::optim::SGDOptions(0.001)), nullptr,
      0.001, 0.0, "model", "loss"));
  modlr::RunnerOptions options;
  options.epochs = 2;
  modlr::Runner runner(models, loss, optimizers, options);
  const auto train = dataset.loader(modlr::Split::train);
  const auto validation = dataset.loader(modlr::Split::validation);
  runner.fit(*train, validation.get());
  runner.evaluate(*validation, "validation");
  EXPECT_EQ(loss.misaligned, 0);
  // 2 epochs of 24 shuffled training rows, then the 6 validation rows.
  EXPECT_EQ(loss.examples, 2 * 24 + 6);
}

TEST(BatchFields, AFieldWithTheWrongRowCountIsOneLineNamingIt) {
  auto dataset = row_dataset(/*short_field=*/true);
  try {
    dataset.load();
    ADD_FAILURE() << "loaded a field one row short";
  } catch (const modlr::Error& e) {
    EXPECT_STREQ(e.what(), "data source 'row_numbers': field 'weight' of the train split has 39 rows for 40 examples");
  }
}

TEST(BatchFields, TheDataReportShowsThem) {
  auto dataset = row_dataset();
  dataset.load();
  const auto report = modlr::inspect_data(dataset, modlr::Split::train);
  EXPECT_NE(report.to_text().find("a training batch: inputs [7, 2] Float, targets [7] Long; fields: row [7] Long, "
                                  "weight [7] Float\n"),
            std::string::npos)
      << report.to_text();
  EXPECT_NE(report.to_json().find("\"fields\": {\n      \"row\""), std::string::npos) << report.to_json();
}
