// The twin's seed groups (reference/train.py --seeds) are read like modlr's: compared with
// modlr's group of the same seeds, parity shows as identical accuracies and zero curve
// distance. Skipped where the project's Python (.venv) cannot import torch.
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <nlohmann/json.hpp>

#include "test_support.h"

namespace mt = modlr::testing;

TEST(CompareTwin, SeedGroupsOfModlrAndTheTwinAgree) {
  if (!mt::python_torch_available()) GTEST_SKIP() << mt::python() << " with torch and yaml not installed";
  mt::TempDir work;
  mt::write_synthetic_idx(work.file("data"), 300, 100);
  mt::write_text(work.file("c.yaml"), mt::small_config(work.file("data"), work.file("runs")));
  const std::string sets = " --seeds 1-2 --set runner.epochs=2";
  ASSERT_EQ(mt::run_modlr("train " + work.file("c.yaml") + sets).exit_code, 0);
  const std::string twin = mt::python() + " " MODLR_SOURCE_DIR "/reference/train.py " + work.file("c.yaml") + sets +
                           " >" + work.file("twin.log") + " 2>&1";
  const int status = std::system(twin.c_str());
  ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << mt::read_text(work.file("twin.log"));
  EXPECT_NE(mt::read_text(work.file("twin.log")).find("(2 of 2 runs finished)"), std::string::npos);

  const auto result = mt::run_modlr("compare " + work.file("runs/small") + "/group-*[0-9] '" + work.file("runs/small") +
                                    "/group-*-python' --format json");
  ASSERT_EQ(result.exit_code, 0) << result.err;
  const auto j = nlohmann::json::parse(result.out);
  EXPECT_EQ(j["groups"][0]["label"], "modlr");
  EXPECT_EQ(j["groups"][1]["label"], "pytorch");
  EXPECT_EQ(j["groups"][1]["runs"], 2);
  for (const auto& t : j["tests"]) {
    if (t["metric"] == "test.accuracy") {
      EXPECT_EQ(t["cliffs_delta"], 0.0);
    }
  }
  EXPECT_EQ(j["curves"][0]["pairing"], "seed");
  EXPECT_EQ(j["curves"][0]["dtw_pairs_max"], 0.0);  // bitwise-equal curves
}
