// Early stopping end to end on the synthetic IDX set: the run stops, records its best
// epoch, keeps best.safetensors, and with restore_best tests and keeps those weights.
#include "cli/cli_fixture.h"

namespace modlr::testing {
namespace {

class EarlyStoppingCli : public CliTest {
 protected:
  std::string job(const std::string& extra = "") const {
    return "--set runner.epochs=40 --set dataset.validation=0.3 --set \"runner.hooks=[{name: early_stopping}]\" "
           "--set runner.hooks[0].patience=2 --set runner.hooks[0].monitor=validation.loss " +
           extra;
  }
};

TEST_F(EarlyStoppingCli, StopsRecordsAndRestoresTheBestWeights) {
  const auto kept = train(job());
  ASSERT_EQ(kept.exit_code, 0) << kept.err;
  const auto restored = train(job("--set runner.hooks[0].restore_best=true"));
  ASSERT_EQ(restored.exit_code, 0) << restored.err;
  const auto all = runs();
  ASSERT_EQ(all.size(), 2u);
  const auto first = summary_of(all[0]), second = summary_of(all[1]);
  EXPECT_EQ(first["train"]["stopped_early"], true);
  const auto best_epoch = first["best"]["epoch"].get<int64_t>();
  EXPECT_EQ(first["train"]["epochs"].get<int64_t>(), best_epoch + 2);  // patience 2 after the best
  EXPECT_EQ(first["best"]["restored"], false);
  EXPECT_NE(read_text(all[0] + "/best.safetensors"), read_text(all[0] + "/model.safetensors"));
  // Same seed, same run up to the stop: restoring tests and keeps the best weights.
  EXPECT_EQ(second["best"], nlohmann::json({{"file", "best.safetensors"},
                                            {"epoch", best_epoch},
                                            {"monitor", "validation.loss"},
                                            {"value", first["best"]["value"]},
                                            {"restored", true}}));
  EXPECT_EQ(read_text(all[1] + "/model.safetensors"), read_text(all[0] + "/best.safetensors"));
  const auto bad = train("--set \"runner.hooks=[{name: early_stopping, monitor: loss}]\"");
  EXPECT_EQ(bad.exit_code, 1);
  EXPECT_NE(bad.err.find("'runner.hooks[0].monitor': must be <split>.<metric>"), std::string::npos) << bad.err;
  const auto unvalidated = train("--set \"runner.hooks=[{name: early_stopping}]\"");
  EXPECT_EQ(unvalidated.exit_code, 1);
  EXPECT_NE(unvalidated.err.find("but this run evaluates no validation split"), std::string::npos) << unvalidated.err;
}

}  // namespace
}  // namespace modlr::testing
