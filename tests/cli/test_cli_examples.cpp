// The example programs of examples/ (modlr as a library) on the synthetic IDX set: the one
// that builds every component from code and the one that registers its own model and loss.
#include "cli_fixture.h"

using modlr::testing::CliTest;
namespace mt = modlr::testing;

namespace {

TEST_F(CliTest, ExampleProgramsTrainFromCode) {
  for (const char* example : {"train_lenet5", "custom_model_and_loss"}) {
    const auto result = mt::run_command(std::string(MODLR_EXAMPLES_DIR) + "/" + example + " " + data_dir + " 2");
    ASSERT_EQ(result.exit_code, 0) << example << ": " << result.err;
    EXPECT_NE(result.out.find("epoch 2/2"), std::string::npos) << result.out;
    const auto at = result.out.find("example done: test accuracy ");
    ASSERT_NE(at, std::string::npos) << result.out;
    EXPECT_GT(std::stod(result.out.substr(at + 28)), 0.3) << example << ": " << result.out;  // chance is 0.1
  }
  const auto missing = mt::run_command(std::string(MODLR_EXAMPLES_DIR) + "/train_lenet5 " + work.file("nowhere"));
  EXPECT_EQ(missing.exit_code, 1);
  EXPECT_NE(missing.err.find("train_lenet5: error: data file not found"), std::string::npos) << missing.err;
}

}  // namespace
