// Image folders end to end: Fashion-MNIST written out as PNG folders trains exactly as the
// same images in IDX files do; a JPEG/PNG tree of mixed sizes trains with resizing and
// mean: auto, records its class names and skips (and counts) a broken file when asked.
#include <gtest/gtest.h>
#include <unistd.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <numeric>
#include <regex>

#include "modlr/formats/idx.h"
#include "modlr/formats/png.h"
#include "test_support.h"

namespace mt = modlr::testing;
namespace mf = modlr::formats;

namespace {

const std::string kFashion = "/usr/share/datasets/fashion-mnist/";
const char* const kClassNames[] = {"0_T-shirt", "1_Trouser", "2_Pullover", "3_Dress", "4_Coat",
                                   "5_Sandal",  "6_Shirt",   "7_Sneaker",  "8_Bag",   "9_Ankle-boot"};

// The first `n` images of an IDX pair in class-major order (stable: a folder tree lists a
// class's files by name, and the names are the original indices), written as IDX files
// `<idx_dir>/<stem>-images-idx3-ubyte` / `-labels-idx1-ubyte` and as `<png_dir>/<class>/<i>.png`.
void write_both(const std::string& stem, size_t n, const std::string& idx_dir, const std::string& png_dir) {
  const auto pair =
      mf::read_idx_pair(kFashion + stem + "-images-idx3-ubyte.gz", kFashion + stem + "-labels-idx1-ubyte.gz", 10);
  std::vector<size_t> order(n);
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(),
                   [&](size_t a, size_t b) { return pair.labels.data[a] < pair.labels.data[b]; });
  std::vector<uint8_t> images, labels;
  for (size_t i : order) {
    const auto* pixels = pair.images.data.data() + i * 784;
    images.insert(images.end(), pixels, pixels + 784);
    labels.push_back(pair.labels.data[i]);
    const auto dir = png_dir + "/" + kClassNames[pair.labels.data[i]];
    std::filesystem::create_directories(dir);
    char name[32];
    std::snprintf(name, sizeof name, "/%05zu.png", i);
    mf::write_png(dir + name, {28, 28, 1, std::vector<uint8_t>(pixels, pixels + 784)});
  }
  mt::write_idx(idx_dir + "/" + stem + "-images-idx3-ubyte", {static_cast<uint32_t>(n), 28, 28}, images);
  mt::write_idx(idx_dir + "/" + stem + "-labels-idx1-ubyte", {static_cast<uint32_t>(n)}, labels);
}

std::string lenet_config(const std::string& name, const std::string& dataset, const std::string& runs) {
  return "experiment: " + name + "\nseed: 5\ndataset:\n" + dataset +
         "  mean: [0.2860]\n  std: [0.3530]\n  batch_size: 32\nmodel:\n  name: lenet5\nloss:\n  name: cross_entropy\n"
         "optimizer:\n  name: sgd\n  lr: 0.05\n  momentum: 0.9\nrunner:\n  epochs: 4\n  threads: 1\ntracking:\n  "
         "dir: " +
         runs + "\n";
}

class ImageFolderCli : public ::testing::Test {
 protected:
  // `modlr train CONFIG_TEXT EXTRA`: the summary of the run (null after a failure).
  nlohmann::json train(const std::string& name, const std::string& text, const std::string& extra = "") {
    const auto config = work.file(name + ".yaml");
    mt::write_text(config, text);
    last = mt::run_modlr("train " + config + " " + extra);
    const auto at = last.out.find("run record: ");
    if (last.exit_code != 0 || at == std::string::npos) return nullptr;
    run_dir = last.out.substr(at + 12, last.out.find('\n', at) - at - 12);
    return nlohmann::json::parse(mt::read_text(run_dir + "/summary.json"));
  }
  mt::TempDir work;
  mt::CommandResult last;
  std::string run_dir;
};

TEST_F(ImageFolderCli, FashionMnistPngFoldersTrainAsTheIdxFiles) {
  if (!mt::exists(kFashion + "train-images-idx3-ubyte.gz")) GTEST_SKIP() << "no " << kFashion;
  write_both("train", 600, work.path(), work.file("png/train"));
  write_both("t10k", 200, work.path(), work.file("png/test"));
  const auto idx = train("idx", lenet_config("idx", "  name: idx\n  path: " + work.path() + "\n", work.file("runs")));
  ASSERT_FALSE(idx.is_null()) << last.err;
  const auto idx_weights = mt::read_text(run_dir + "/model.safetensors");
  const auto png = train("png", lenet_config("png",
                                             "  name: image_folder\n  train_path: " + work.file("png/train") +
                                                 "\n  test_path: " + work.file("png/test") + "\n  channels: 1\n",
                                             work.file("runs")));
  ASSERT_FALSE(png.is_null()) << last.err;
  EXPECT_EQ(png["test"]["accuracy"], idx["test"]["accuracy"]);
  EXPECT_EQ(mt::read_text(run_dir + "/model.safetensors"), idx_weights);  // the same pixels, order and steps
  EXPECT_EQ(png["classes"][9], "9_Ankle-boot");
  EXPECT_GT(png["test"]["accuracy"].get<double>(), 0.5);
}

class MixedFolder : public ImageFolderCli {
 protected:
  // Three colour classes, PNGs and JPEGs of random sizes from 20 to 40 pixels (Pillow).
  void SetUp() override {
    const auto script = work.file("make.py");
    mt::write_text(script,
                   "import os, random, sys\nfrom PIL import Image\nrandom.seed(0)\n"
                   "for split, n in [('train', 30), ('test', 10)]:\n"
                   "    for c, colour in enumerate([(200, 30, 30), (30, 200, 30), (30, 30, 200)]):\n"
                   "        d = os.path.join(sys.argv[1], split, 'colour%d' % c)\n"
                   "        os.makedirs(d)\n"
                   "        for i in range(n):\n"
                   "            size = (random.randint(20, 40), random.randint(20, 40))\n"
                   "            pixel = tuple(max(0, min(255, v + random.randint(-40, 40))) for v in colour)\n"
                   "            Image.new('RGB', size, pixel).save(os.path.join(d, '%03d.%s' % (i, 'jpg' if i % 2 else "
                   "'png')))\n");
    const auto made = mt::run_command(mt::python() + " " + script + " " + work.file("images"));
    ASSERT_EQ(made.exit_code, 0) << made.err;
  }
  // Three classes of two gray `side` x `side` PNGs each under work/<root>.
  void write_uniform_tree(const std::string& root, uint32_t side) {
    for (int c = 0; c < 3; ++c)
      for (int i = 0; i < 2; ++i) {
        const auto dir = work.file(root + "/colour" + std::to_string(c));
        std::filesystem::create_directories(dir);
        mf::write_png(dir + "/" + std::to_string(i) + ".png",
                      {side, side, 3, std::vector<uint8_t>(side * side * 3, static_cast<uint8_t>(80 * c))});
      }
  }
  std::string config(const std::string& extra = "", const std::string& size = "[16, 16]",
                     const std::string& mean = "  mean: auto\n") const {
    return "experiment: mixed\nseed: 1\ndataset:\n  name: image_folder\n  train_path: " + work.file("images/train") +
           "\n  test_path: " + work.file("images/test") + "\n  size: " + size + "\n" + mean + "  batch_size: 16\n" +
           extra +
           "model:\n  name: mlp\n  sizes: [768, 32, 3]\nloss:\n  name: cross_entropy\noptimizer:\n  name: adam\n  lr: "
           "0.001\n"
           "runner:\n  epochs: 3\ntracking:\n  dir: " +
           work.file("runs") + "\n";
  }
};

TEST_F(MixedFolder, ResizedJpegsAndPngsTrainAndNameTheirClasses) {
  const auto summary = train("mixed", config());
  ASSERT_FALSE(summary.is_null()) << last.err;
  EXPECT_EQ(summary["classes"], (nlohmann::json{"colour0", "colour1", "colour2"}));
  // Each tree is fingerprinted by the digests of its files (summary.json "data").
  const auto fingerprint = summary["data"][work.file("images/train")].get<std::string>();
  EXPECT_EQ(fingerprint.size(), 64u);
  EXPECT_GT(summary["test"]["accuracy"].get<double>(), 0.9);
  const auto resolved = mt::read_text(run_dir + "/config.yaml");
  EXPECT_NE(resolved.find("mean: auto"), std::string::npos) << resolved;
  const auto eval =
      mt::run_modlr("eval " + work.file("mixed.yaml") + " --checkpoint " + run_dir + "/model.safetensors");
  ASSERT_EQ(eval.exit_code, 0) << eval.err;
  EXPECT_NE(eval.out.find("        colour0 colour1 colour2\ncolour0      10       0       0\n"), std::string::npos)
      << eval.out;
}

// Read per batch through no cache or a small one, the same images give the same batches and
// so the same weights, bit for bit (explicit statistics; mean: auto sums in another order).
TEST_F(MixedFolder, ImagesReadPerBatchTrainAsImagesInMemory) {
  const std::string stats = "  mean: [0.5, 0.5, 0.5]\n  std: [0.25, 0.25, 0.25]\n  validation: 0.2\n  prefetch: 2\n";
  ASSERT_FALSE(train("mixed", config("", "[16, 16]", stats)).is_null()) << last.err;
  const auto in_memory = mt::read_text(run_dir + "/model.safetensors");
  for (const char* cache : {"none", "0.01"}) {
    const auto lazy = train("mixed", config(std::string("  cache: ") + cache + "\n", "[16, 16]", stats));
    ASSERT_FALSE(lazy.is_null()) << cache << ": " << last.err;
    EXPECT_EQ(mt::read_text(run_dir + "/model.safetensors"), in_memory) << "cache " << cache;
  }
  const auto automatic = train("mixed", config("  cache: 1\n"));
  ASSERT_FALSE(automatic.is_null()) << last.err;
  EXPECT_GT(automatic["test"]["accuracy"].get<double>(), 0.9);
  EXPECT_TRUE(train("mixed", config("  cache: none\n", "[]")).is_null());
  EXPECT_NE(last.err.find("'dataset.cache': reading images per batch needs dataset.size"), std::string::npos)
      << last.err;
  EXPECT_TRUE(train("mixed", config("  cache: none\n  on_bad_example: skip\n")).is_null());
  EXPECT_NE(last.err.find("'dataset.on_bad_example': skip needs cache: memory"), std::string::npos) << last.err;
  EXPECT_TRUE(train("mixed", config("  cache: lots\n")).is_null());
  EXPECT_NE(last.err.find("'dataset.cache': must be memory, none or a size in MB"), std::string::npos) << last.err;
}

// Killed mid-epoch and resumed, a lazily read run ends as an uninterrupted one does.
TEST_F(MixedFolder, ALazyRunKilledAndResumedEqualsTheUninterruptedOne) {
  const std::string lazy = "  cache: 0.01\n  augment: {hflip: true}\n";
  ASSERT_FALSE(train("mixed", config(lazy)).is_null()) << last.err;
  const auto uninterrupted = mt::read_text(run_dir + "/model.safetensors");
  mt::write_text(work.file("mixed.yaml"), config(lazy));
  const auto killed = mt::run_command("MODLR_TEST_FAULT=batch_end:8:KILL " MODLR_BINARY " train " +
                                      work.file("mixed.yaml") + " --set tracking.checkpoint_steps=3");
  ASSERT_NE(killed.exit_code, 0);
  std::string broken;
  for (const auto& entry : std::filesystem::directory_iterator(work.file("runs/mixed")))
    if (!mt::exists(entry.path().string() + "/model.safetensors")) broken = entry.path().string();
  ASSERT_FALSE(broken.empty());
  const auto resumed =
      mt::run_modlr("train " + work.file("mixed.yaml") + " --set tracking.checkpoint_steps=3 --resume " + broken);
  ASSERT_EQ(resumed.exit_code, 0) << resumed.err;
  EXPECT_EQ(mt::read_text(broken + "/model.safetensors"), uninterrupted);
}

TEST_F(MixedFolder, BadFilesAndFoldersAreOneLineOrSkippedAndCounted) {
  mt::write_text(work.file("images/train/colour1/broken.png"), "not an image");
  EXPECT_TRUE(train("mixed", config()).is_null());
  EXPECT_NE(last.err.find("images/train/colour1/broken.png: not a PNG or JPEG file"), std::string::npos) << last.err;
  const auto skipped = train("mixed", config("  on_bad_example: skip\n"));
  ASSERT_FALSE(skipped.is_null()) << last.err;
  EXPECT_EQ(skipped["skipped_examples"]["count"], 1);
  std::filesystem::remove(work.file("images/train/colour1/broken.png"));
  EXPECT_TRUE(train("mixed", config("", "[]")).is_null());  // sizes differ and nothing resizes
  EXPECT_NE(last.err.find(" pixels, but "), std::string::npos) << last.err;
  EXPECT_NE(last.err.find(": set dataset.size to resize them"), std::string::npos) << last.err;
  // Test images of another size than the training ones, each split uniform in itself.
  write_uniform_tree("same/train", 8);
  write_uniform_tree("same/test", 9);
  const auto across = config("", "[]");
  EXPECT_TRUE(train("mixed", std::regex_replace(across, std::regex("images/"), "same/")).is_null());
  EXPECT_NE(last.err.find("same/test/colour0/0.png: 9 x 9 pixels, but "), std::string::npos) << last.err;
  std::filesystem::create_directories(work.file("images/test/colour7"));
  mt::write_text(work.file("images/test/colour7/a.png"), "x");
  EXPECT_TRUE(train("mixed", config()).is_null());
  EXPECT_NE(last.err.find("class 'colour7' has no folder in dataset.train_path"), std::string::npos) << last.err;
  std::filesystem::remove_all(work.file("images/test/colour7"));
  std::filesystem::create_symlink("loop.png", work.file("images/train/colour0/loop.png"));
  EXPECT_TRUE(train("mixed", config()).is_null());
  EXPECT_NE(last.err.find("colour0/loop.png: Too many levels of symbolic links"), std::string::npos) << last.err;
}

}  // namespace

namespace {

// An image the process may not read: one line naming it, exit != 0, in memory and per
// batch. As root (who reads everything) the command runs as user nobody (setpriv).
TEST_F(MixedFolder, AnUnreadableImageIsNamed) {
  std::filesystem::permissions(work.path(), std::filesystem::perms::all, std::filesystem::perm_options::add);
  for (const auto& entry : std::filesystem::recursive_directory_iterator(work.path()))
    std::filesystem::permissions(entry.path(),
                                 std::filesystem::perms::others_read | std::filesystem::perms::others_exec,
                                 std::filesystem::perm_options::add);
  const auto locked = work.file("images/train/colour1/004.png");
  std::filesystem::permissions(locked, std::filesystem::perms::none, std::filesystem::perm_options::replace);
  // (GCOV_PREFIX: in a coverage build, nobody may not write root's counter files, and libgcov
  // would say so on stderr; its counters go to a folder of the test's instead.)
  const std::string as_user =
      ::geteuid() == 0 ? "setpriv --reuid=65534 --regid=65534 --clear-groups env GCOV_PREFIX=" + work.file("gcov") + " "
                       : "";
  for (const char* cache : {"memory", "none"}) {
    mt::write_text(work.file("locked.yaml"), config(std::string("  cache: ") + cache + "\n"));
    const auto result = mt::run_command(as_user + MODLR_BINARY " data " + work.file("locked.yaml"));
    EXPECT_NE(result.exit_code, 0) << cache;
    EXPECT_NE(result.err.find(locked + ": cannot open file"), std::string::npos) << cache << ": " << result.err;
    EXPECT_NE(result.err.find("Permission denied"), std::string::npos) << cache << ": " << result.err;
    EXPECT_EQ(mt::count(result.err, "\n"), 1u) << result.err;
  }
}

}  // namespace
