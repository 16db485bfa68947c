// CheckpointStore: names, rotation, `latest`, restore, and the untrusted pointer.
#include <gtest/gtest.h>

#include "modlr/core/error.h"
#include "modlr/tracking/checkpoint_store.h"
#include "test_support.h"

namespace mt = modlr::testing;

namespace {

modlr::ModelSet one_linear() {
  modlr::ModelSet models;
  class Tiny : public modlr::SequentialModel {
   public:
    Tiny() { add_layer("fc", torch::nn::Linear(2, 1)); }
  };
  models.add("model", std::make_shared<Tiny>());
  return models;
}

// The smallest state a checkpoint holds, told apart by its step.
modlr::TrainingState state_at_step(int64_t step) {
  modlr::TrainingState state;
  state.global_step = step;
  state.rank.rng = torch::zeros({8}, torch::kUInt8);
  state.loader_generator = torch::ones({8}, torch::kUInt8);
  return state;
}

}  // namespace

TEST(CheckpointStore, KeepsTheNewestPointsLatestAtTheLastAndRestoresIt) {
  mt::TempDir dir;
  auto models = one_linear();
  modlr::CheckpointStore store(dir.path(), 2);
  EXPECT_EQ(modlr::CheckpointStore::epoch_name(3), "epoch-0003.pt");
  EXPECT_EQ(modlr::CheckpointStore::step_name(120), "step-00000120.pt");
  EXPECT_EQ(modlr::CheckpointStore::latest(dir.path()), "");  // none yet
  store.save_initial(models);
  for (int epoch = 1; epoch <= 3; ++epoch)
    store.save(modlr::CheckpointStore::epoch_name(epoch), models, state_at_step(epoch));
  EXPECT_EQ(store.saved(), (std::vector<std::string>{"initial.pt", "epoch-0002.pt", "epoch-0003.pt"}));
  EXPECT_FALSE(mt::exists(dir.file("epoch-0001.pt")));
  EXPECT_EQ(modlr::CheckpointStore::latest(dir.path()), "epoch-0003.pt");
  modlr::TrainingState restored;
  const auto path = modlr::CheckpointStore::restore_latest(dir.path(), models, restored);
  EXPECT_EQ(path, dir.file("epoch-0003.pt"));
  EXPECT_EQ(restored.global_step, 3);
  // A store opened on the folder again (a resume) continues the rotation.
  modlr::CheckpointStore resumed(dir.path(), 2);
  EXPECT_EQ(resumed.saved(), (std::vector<std::string>{"initial.pt", "epoch-0002.pt", "epoch-0003.pt"}));
}

TEST(CheckpointStore, LatestNeverLeadsOutOfTheFolder) {
  mt::TempDir dir;
  for (const auto* pointer : {"../../etc/passwd\n", "/tmp/x.pt\n", "epoch-1.pt\n"}) {
    mt::write_text(dir.file("latest"), pointer);
    EXPECT_THROW(modlr::CheckpointStore::latest(dir.path()), modlr::Error) << pointer;
  }
  EXPECT_THROW(modlr::CheckpointStore(dir.path(), 0), modlr::Error);
}
