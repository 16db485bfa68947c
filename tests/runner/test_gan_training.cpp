// A DCGAN trains with the unchanged Runner: two objectives, two optimizers, the metrics
// the plumbing carries (d_real, d_fake), evaluation's two losses, and a checkpoint taken
// mid-epoch that resumes bit for bit (two models, two Adam states, the global RNG).
#include <gtest/gtest.h>

#include "gan_fixture.h"
#include "modlr/runner/builtin_hooks.h"
#include "modlr/tracking/checkpoint.h"
#include "modlr/tracking/checkpoint_store.h"
#include "test_support.h"

namespace mt = modlr::testing;

namespace {

// Asks the runner to stop once `step` optimisation steps are done.
class StopAtStep : public modlr::Hook {
 public:
  explicit StopAtStep(int64_t step) : step_(step) {}
  std::string name() const override { return "stop_at_step"; }
  std::vector<modlr::Event> events() const override { return {modlr::Event::batch_end}; }
  void on(modlr::Event, const modlr::RunState& state, modlr::Control& control) override {
    if (state.global_step == step_) control.stop = true;
  }

 private:
  int64_t step_;
};

class GanTraining : public ::testing::Test {
 protected:
  void SetUp() override { mt::write_synthetic_idx(data.path(), 96, 64); }
  mt::TempDir data, work;
};

}  // namespace

TEST_F(GanTraining, TwoObjectivesTrainAndEvaluationGivesBothLosses) {
  mt::GanRun run(mt::gan_config(data.path()), "");
  const auto before = run.weights();
  run.fit();
  const auto& metrics = run.runner->state().train_metrics;
  for (const auto* name : {"discriminator", "generator", "d_real", "d_fake"}) EXPECT_TRUE(metrics.count(name)) << name;
  EXPECT_GT(metrics.at("d_real"), 0.0);
  EXPECT_LT(metrics.at("d_real"), 1.0);
  EXPECT_GT(metrics.at("discriminator"), 0.0);
  EXPECT_FALSE(mt::all_equal(before, run.weights()));

  auto test = run.experiment.dataset().loader(modlr::Split::test);
  const auto result = run.runner->evaluate(*test, "test");
  EXPECT_EQ(result.examples, 64);
  for (const auto* name : {"discriminator", "generator", "d_real", "d_fake"})
    EXPECT_TRUE(result.metrics.count(name)) << name;
  EXPECT_TRUE(result.confusion_matrix.empty());
}

TEST_F(GanTraining, MidEpochCheckpointResumesBitwise) {
  mt::GanRun reference(mt::gan_config(data.path()), "");
  reference.fit();

  // Stop after step 4 of 6 in epoch 1; the checkpoint hook saves where the run stands.
  mt::GanRun first(mt::gan_config(data.path()), "");
  first.runner->add_hook(std::make_shared<StopAtStep>(4));
  auto checkpoints = std::make_shared<modlr::CheckpointHook>(work.path(), modlr::CheckpointOptions{});
  first.runner->add_hook(checkpoints);
  first.fit();
  ASSERT_EQ(modlr::CheckpointStore::latest(work.path()), "step-00000004.pt");
  // Draw from the global RNG in between, as another process would start from any state.
  torch::randn({1000});

  mt::GanRun resumed(mt::gan_config(data.path()), "");
  const auto path = work.file("step-00000004.pt");
  modlr::load_checkpoint(resumed.experiment.models(), path);
  resumed.runner->restore(modlr::read_training_state(path));
  resumed.fit();
  // Both models and both Adam states continued exactly (the weights would drift otherwise).
  EXPECT_TRUE(mt::all_equal(reference.weights(), resumed.weights()));
  EXPECT_EQ(reference.runner->state().train_metrics, resumed.runner->state().train_metrics);
}

namespace {

// Takes the runner's training state and the weights at `step`'s batch_end, then stops.
class TakeStateAtStep : public modlr::Hook {
 public:
  TakeStateAtStep(int64_t step, mt::GanRun& run) : step_(step), run_(run) {}
  std::string name() const override { return "take_state_at_step"; }
  std::vector<modlr::Event> events() const override { return {modlr::Event::batch_end}; }
  void on(modlr::Event, const modlr::RunState& state, modlr::Control& control) override {
    if (state.global_step != step_) return;
    taken = state.runner->training_state();
    weights = run_.weights();
    control.stop = true;
  }
  modlr::TrainingState taken;
  std::vector<torch::Tensor> weights;

 private:
  int64_t step_;
  mt::GanRun& run_;
};

}  // namespace

// The training state as a value, with no file in between: a fresh runner given the weights
// and the value continues exactly as the uninterrupted run (the value copies what it holds,
// so the first runner's later state cannot leak into it).
TEST_F(GanTraining, TrainingStateValueRestoresWithoutFiles) {
  mt::GanRun reference(mt::gan_config(data.path()), "");
  reference.fit();

  mt::GanRun first(mt::gan_config(data.path()), "");
  auto take = std::make_shared<TakeStateAtStep>(4, first);
  first.runner->add_hook(take);
  first.fit();
  const auto& taken = take->taken;
  EXPECT_EQ(taken.epoch, 1);
  EXPECT_EQ(taken.next_batch, 4);
  EXPECT_EQ(taken.global_step, 4);
  EXPECT_EQ(taken.optimizers.size(), 2u);  // discriminator and generator
  EXPECT_EQ(taken.world_size(), 1);
  EXPECT_FALSE(taken.rank.objective_sums.empty());
  torch::randn({1000});  // the global RNG moves on; restore() puts it back

  mt::GanRun resumed(mt::gan_config(data.path()), "");
  {
    torch::NoGradGuard no_grad;
    auto& target = resumed.experiment.models();
    size_t i = 0;
    for (const auto& name : target.names()) {
      for (auto& p : target.get(name).parameters()) p.copy_(take->weights[i++]);
      for (auto& b : target.get(name).buffers()) b.copy_(take->weights[i++]);
    }
  }
  resumed.runner->restore(taken);
  resumed.fit();
  EXPECT_TRUE(mt::all_equal(reference.weights(), resumed.weights()));
  EXPECT_EQ(reference.runner->state().train_metrics, resumed.runner->state().train_metrics);

  // A value that does not fit is refused before anything changes.
  auto wrong = taken;
  wrong.optimizers.pop_back();
  mt::GanRun other(mt::gan_config(data.path()), "");
  EXPECT_THROW(other.runner->restore(wrong), modlr::Error);
  wrong = taken;
  wrong.other_ranks.push_back(taken.rank);
  try {
    other.runner->restore(wrong);
    ADD_FAILURE() << "a world-size-2 state restored into a single process";
  } catch (const modlr::Error& e) {
    EXPECT_NE(std::string(e.what()).find("world size 2"), std::string::npos) << e.what();
  }
}
