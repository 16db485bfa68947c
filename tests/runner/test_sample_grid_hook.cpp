// The sample_grid hook: a decodable PNG grid of the expected size per epoch in the run
// directory, from noise fixed by the run seed, without touching the training itself.
#include <gtest/gtest.h>

#include <ATen/CPUGeneratorImpl.h>

#include "gan_fixture.h"
#include "modlr/runner/sample_grid_hook.h"
#include "report/png_probe.h"
#include "test_support.h"

namespace mt = modlr::testing;

namespace {

class SampleGridTest : public ::testing::Test {
 protected:
  void SetUp() override { mt::write_synthetic_idx(data.path(), 96, 32); }
  std::string config(const std::string& grid = "  hooks: [{name: sample_grid, rows: 3}]\n", int epochs = 2) const {
    return mt::gan_config(data.path(), grid, "runs", epochs);
  }
  mt::TempDir data, runs;
};

}  // namespace

TEST(ImageGrid, LayoutBordersAndPixelMapping) {
  // Three 2x2 gray images in 2 rows -> 2 columns: (2 * (2 + 2) + 2) = 10 pixels square.
  auto images = torch::full({3, 1, 2, 2}, -1.0f);
  images[1].fill_(1.0f);
  images[2].fill_(0.0f);  // (0 + 1) * 127.5 rounds (half to even) to 128
  const auto grid = modlr::image_grid(images, 2);
  ASSERT_EQ(grid.width, 10u);
  ASSERT_EQ(grid.height, 10u);
  ASSERT_EQ(grid.channels, 1);
  auto at = [&](uint32_t x, uint32_t y) { return grid.pixels[y * grid.width + x]; };
  EXPECT_EQ(at(0, 0), 255);  // border
  EXPECT_EQ(at(2, 2), 0);    // image 0, top left
  EXPECT_EQ(at(3, 3), 0);
  EXPECT_EQ(at(4, 2), 255);  // border between columns
  EXPECT_EQ(at(6, 3), 255);  // image 1 (value 1 -> 255)
  EXPECT_EQ(at(2, 6), 128);  // image 2, second row
  EXPECT_EQ(at(6, 6), 255);  // the empty fourth cell stays border-coloured
  EXPECT_THROW(modlr::image_grid(torch::zeros({2, 2, 4, 4}), 1), modlr::Error);  // 2 channels
  EXPECT_THROW(modlr::image_grid(torch::zeros({4, 4}), 1), modlr::Error);
}

TEST_F(SampleGridTest, WritesADecodablePngPerEpochFromFixedNoise) {
  mt::GanRun run(config(), runs.file("a"));
  run.add_user_hooks();
  run.fit();
  const auto epoch1 = runs.file("a/samples/epoch-0001.png"), epoch2 = runs.file("a/samples/epoch-0002.png");
  ASSERT_TRUE(mt::exists(epoch1));
  ASSERT_TRUE(mt::exists(epoch2));
  EXPECT_EQ(mt::list_files(runs.file("a/samples")).size(), 2u);  // no temporary files left
  const auto image = mt::read_png(epoch2);
  EXPECT_EQ(image.width, 3u * (28 + 2) + 2);  // 3 x 3 samples of 28 x 28 with 2-pixel borders
  EXPECT_EQ(image.height, 92u);
  EXPECT_EQ(image.channels, 1);
  // Exactly the generator's samples (evaluation mode) for noise from a generator seeded
  // with the run's seed (7).
  auto& generator = run.experiment.models().get("generator");
  generator.eval();
  const auto noise = torch::randn({9, 8}, at::make_generator<at::CPUGeneratorImpl>(7));
  const auto expected = modlr::image_grid(generator.forward(noise).detach(), 3);
  ASSERT_EQ(expected.pixels.size(), image.rgb.size() / 3);
  for (size_t i = 0; i < expected.pixels.size(); ++i) ASSERT_EQ(image.rgb[i * 3], expected.pixels[i]) << i;
  EXPECT_GT(mt::distinct_colors(image), 2u);                // not a blank frame
  EXPECT_NE(mt::read_text(epoch1), mt::read_text(epoch2));  // the generator moved

  // Same seed, fresh run: the same noise, so the same first grid, byte for byte.
  mt::GanRun again(config(), runs.file("b"));
  again.add_user_hooks();
  again.fit();
  EXPECT_EQ(mt::read_text(epoch1), mt::read_text(runs.file("b/samples/epoch-0001.png")));
}

TEST_F(SampleGridTest, TrainingIsUnaffectedAndEveryIsHonoured) {
  mt::GanRun with(config("  hooks: [{name: sample_grid, rows: 2, every: 2}]\n", 3), runs.file("with"));
  with.add_user_hooks();
  with.fit();
  // every 2 epochs, and after the last
  EXPECT_EQ(mt::list_files(runs.file("with/samples")), (std::vector<std::string>{"epoch-0002.png", "epoch-0003.png"}));
  mt::GanRun without(config("", 3), runs.file("without"));
  without.fit();
  EXPECT_TRUE(mt::all_equal(with.weights(), without.weights()));  // buffers included
  EXPECT_EQ(with.runner->state().train_metrics, without.runner->state().train_metrics);
}

TEST_F(SampleGridTest, ClearErrors) {
  {
    mt::GanRun run(config(), "");  // not recorded: nowhere to write
    run.add_user_hooks();
    try {
      run.fit();
      FAIL();
    } catch (const modlr::Error& e) {
      EXPECT_NE(std::string(e.what()).find("no run directory"), std::string::npos) << e.what();
    }
  }
  {
    mt::GanRun run(config("  hooks: [{name: sample_grid, model: discriminator}]\n"), runs.path());
    run.add_user_hooks();
    try {
      run.fit();
      FAIL();
    } catch (const modlr::Error& e) {
      EXPECT_NE(std::string(e.what()).find("'discriminator' declares no input shape"), std::string::npos) << e.what();
    }
  }
  try {
    modlr::Experiment bad(modlr::Config::parse(config("  hooks: [{name: sample_grid, rows: 0}]\n"), "g.yaml"));
    FAIL();
  } catch (const modlr::Error& e) {
    EXPECT_NE(std::string(e.what()).find("runner.hooks[0].rows"), std::string::npos) << e.what();
  }
}
