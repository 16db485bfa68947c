// TrainingState's encoding in a checkpoint: every field survives the round trip through
// the archive bytes, the optional parts stay absent when absent, and a damaged archive is
// one error naming what is missing.
#include <gtest/gtest.h>
#include <torch/serialize.h>

#include <sstream>

#include "modlr/core/error.h"
#include "modlr/tracking/training_state.h"

namespace {

modlr::RankTrainingState rank_part(int64_t seed) {
  modlr::RankTrainingState rank;
  rank.rng = torch::arange(seed, seed + 16).to(torch::kUInt8);
  rank.metric_states = {{"accuracy", torch::tensor({seed, 2 * seed})}};
  rank.objective_sums = {{"loss", 0.25 * static_cast<double>(seed)}};
  rank.examples_seen = 100 + seed;
  return rank;
}

std::string optimizer_bytes() {
  torch::serialize::OutputArchive archive, state;
  state.write("exp_avg", torch::full({3}, 0.5));
  archive.write("state", state);
  archive.write("pytorch_version", c10::IValue(std::string("1.5.0")));
  archive.write("lr", c10::IValue(0.125));
  std::ostringstream out;
  archive.save_to(out);
  return out.str();
}

modlr::TrainingState full_state() {
  modlr::TrainingState state;
  state.epoch = 3;
  state.next_batch = 7;
  state.global_step = 27;
  state.skipped_batches = 1;
  state.loader_generator = torch::arange(0, 32).to(torch::kUInt8);
  state.loader_permutation = torch::randperm(10);
  state.rank = rank_part(1);
  state.rank.loader_augment_generator = torch::ones({16}, torch::kUInt8);
  state.other_ranks = {rank_part(2), rank_part(3)};
  state.last_train_metrics = {{"accuracy", 0.75}, {"loss", 0.5}};
  state.optimizers = {optimizer_bytes()};
  state.loss_scale = modlr::TrainingState::LossScale{torch::tensor(65536.0f), torch::tensor(12, torch::kInt32)};
  state.weight_averages = modlr::TrainingState::WeightAverages{5, {torch::rand({2, 2})}, {torch::tensor(int64_t{9})}};
  state.accumulated_gradients = {torch::rand({2}), torch::Tensor(), torch::rand({3})};
  state.hooks = {{"early_stopping", {{"best", 0.5}, {"waited", 2}}}};
  return state;
}

modlr::TrainingState round_trip(const modlr::TrainingState& state) {
  torch::serialize::OutputArchive out;
  modlr::write_training_state(out, state);
  std::ostringstream bytes;
  out.save_to(bytes);
  torch::serialize::InputArchive in;
  std::istringstream read(bytes.str());
  in.load_from(read);
  return modlr::read_training_state(in);
}

bool same(const torch::Tensor& a, const torch::Tensor& b) {
  return a.defined() == b.defined() && (!a.defined() || (a.dtype() == b.dtype() && torch::equal(a, b)));
}

void expect_same_rank(const modlr::RankTrainingState& a, const modlr::RankTrainingState& b) {
  EXPECT_TRUE(same(a.rng, b.rng));
  EXPECT_TRUE(same(a.loader_augment_generator, b.loader_augment_generator));
  ASSERT_EQ(a.metric_states.size(), b.metric_states.size());
  for (const auto& [name, tensor] : a.metric_states) EXPECT_TRUE(same(tensor, b.metric_states.at(name))) << name;
  EXPECT_EQ(a.objective_sums, b.objective_sums);
  EXPECT_EQ(a.examples_seen, b.examples_seen);
}

}  // namespace

TEST(TrainingState, EveryFieldSurvivesTheCheckpointEncoding) {
  const auto state = full_state();
  const auto back = round_trip(state);
  EXPECT_EQ(back.epoch, 3);
  EXPECT_EQ(back.next_batch, 7);
  EXPECT_EQ(back.global_step, 27);
  EXPECT_EQ(back.skipped_batches, 1);
  EXPECT_TRUE(same(back.loader_generator, state.loader_generator));
  EXPECT_TRUE(same(back.loader_permutation, state.loader_permutation));
  expect_same_rank(back.rank, state.rank);
  ASSERT_EQ(back.world_size(), 3);
  expect_same_rank(back.other_ranks[0], state.other_ranks[0]);
  expect_same_rank(back.other_ranks[1], state.other_ranks[1]);
  EXPECT_EQ(back.last_train_metrics, state.last_train_metrics);
  ASSERT_TRUE(back.loss_scale);
  EXPECT_TRUE(same(back.loss_scale->scale, state.loss_scale->scale));
  EXPECT_TRUE(same(back.loss_scale->growth_tracker, state.loss_scale->growth_tracker));
  ASSERT_TRUE(back.weight_averages);
  EXPECT_EQ(back.weight_averages->updates, 5);
  ASSERT_EQ(back.weight_averages->floating.size(), 1u);
  EXPECT_TRUE(same(back.weight_averages->floating[0], state.weight_averages->floating[0]));
  EXPECT_TRUE(same(back.weight_averages->integers[0], state.weight_averages->integers[0]));
  ASSERT_EQ(back.accumulated_gradients.size(), 3u);
  for (size_t i = 0; i < 3; ++i) EXPECT_TRUE(same(back.accumulated_gradients[i], state.accumulated_gradients[i])) << i;
  EXPECT_EQ(back.hooks, state.hooks);
  // The optimizer's archive comes back with the same tree: tensors and values.
  ASSERT_EQ(back.optimizers.size(), 1u);
  torch::serialize::InputArchive optimizer, inner;
  std::istringstream bytes(back.optimizers[0]);
  optimizer.load_from(bytes);
  c10::IValue lr, version;
  ASSERT_TRUE(optimizer.try_read("lr", lr));
  EXPECT_EQ(lr.toDouble(), 0.125);
  ASSERT_TRUE(optimizer.try_read("pytorch_version", version));
  EXPECT_EQ(version.toStringRef(), "1.5.0");
  ASSERT_TRUE(optimizer.try_read("state", inner));
  torch::Tensor exp_avg;
  ASSERT_TRUE(inner.try_read("exp_avg", exp_avg));
  EXPECT_TRUE(same(exp_avg, torch::full({3}, 0.5)));
}

TEST(TrainingState, OptionalPartsStayAbsent) {
  modlr::TrainingState state;
  state.rank.rng = torch::zeros({4}, torch::kUInt8);
  state.loader_generator = torch::zeros({4}, torch::kUInt8);
  const auto back = round_trip(state);
  EXPECT_FALSE(back.loader_permutation.defined());
  EXPECT_FALSE(back.rank.loader_augment_generator.defined());
  EXPECT_FALSE(back.loss_scale);
  EXPECT_FALSE(back.weight_averages);
  EXPECT_TRUE(back.accumulated_gradients.empty());
  EXPECT_TRUE(back.other_ranks.empty());
  EXPECT_TRUE(back.optimizers.empty());
  EXPECT_TRUE(back.hooks.empty());
}

TEST(TrainingState, DamagedArchivesAreOneErrorNamingTheEntry) {
  torch::serialize::InputArchive empty;
  try {
    modlr::read_training_state(empty);
    ADD_FAILURE() << "an empty archive was read";
  } catch (const modlr::Error& e) {
    EXPECT_EQ(std::string(e.what()), "checkpoint lacks training state 'progress'");
  }
  EXPECT_THROW(modlr::decode_rank_state("not an archive"), modlr::Error);
  const auto rank = modlr::decode_rank_state(modlr::encode_rank_state(rank_part(4)));
  expect_same_rank(rank, rank_part(4));
}
