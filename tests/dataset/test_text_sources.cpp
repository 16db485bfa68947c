// text_folder and text_lines on hand-made texts whose vocabulary is derived by hand: the
// training texts count movie 2, bad 1, good 1, great 1, so the ids are <pad> 0, <unk> 1,
// movie 2, then the ties in byte order: bad 3, good 4, great 5.
#include <gtest/gtest.h>

#include <filesystem>

#include "modlr/core/error.h"
#include "modlr/dataset/data_report.h"
#include "modlr/dataset/dataset.h"
#include "test_support.h"

using modlr::Config;
using modlr::Dataset;
using modlr::Split;
namespace mt = modlr::testing;

namespace {

void write(const std::string& path, const std::string& text) {
  std::filesystem::create_directories(std::filesystem::path(path).parent_path());
  mt::write_text(path, text);
}

std::vector<int64_t> token_row(const torch::Tensor& inputs, int64_t i) {
  const auto r = inputs[i].contiguous();
  return {r.data_ptr<int64_t>(), r.data_ptr<int64_t>() + r.numel()};
}

class TextSources : public ::testing::Test {
 protected:
  void SetUp() override {
    write(dir.file("tree/train/neg/a.txt"), "Bad movie");
    write(dir.file("tree/train/pos/b.TXT"), "good movie<br />great");
    write(dir.file("tree/train/pos/notes.md"), "ignored: not a .txt file");
    write(dir.file("tree/test/pos/c.txt"), "good film");
    write(dir.file("lines/train.csv"), "label,text\nneg,Bad movie\npos,\"good movie<br />great\"\n");
    write(dir.file("lines/test.csv"), "label,text\npos,good film\n");
  }
  std::string folder(const std::string& extra = "") const {
    return "dataset:\n  name: text_folder\n  train_path: " + dir.file("tree/train") +
           "\n  test_path: " + dir.file("tree/test") + "\n  max_length: 4\n" + extra;
  }
  std::string lines(const std::string& extra = "") const {
    return "dataset:\n  name: text_lines\n  train_path: " + dir.file("lines/train.csv") +
           "\n  test_path: " + dir.file("lines/test.csv") + "\n  max_length: 4\n" + extra;
  }
  static Dataset load(const std::string& text) {
    Dataset dataset(Config::parse(text, "test.yaml").section("dataset"), 1);
    dataset.load();
    return dataset;
  }
  mt::TempDir dir;
};

TEST_F(TextSources, FoldersAndLinesEncodeTheSameTexts) {
  for (const auto& text : {folder(), lines()}) {
    const auto dataset = load(text);
    EXPECT_EQ(dataset.class_names(), (std::vector<std::string>{"neg", "pos"}));
    const auto& train = dataset.data(Split::train);
    EXPECT_EQ(token_row(train.inputs, 0), (std::vector<int64_t>{3, 2, 0, 0}));                      // bad movie
    EXPECT_EQ(token_row(train.inputs, 1), (std::vector<int64_t>{4, 2, 5, 0}));                      // good movie great
    EXPECT_EQ(token_row(dataset.data(Split::test).inputs, 0), (std::vector<int64_t>{4, 1, 0, 0}));  // good <unk>
    EXPECT_EQ(dataset.data(Split::test).targets[0].item<int64_t>(), 1);
    ASSERT_EQ(dataset.files().size(), 2u);  // both trees (or files), fingerprinted
    EXPECT_EQ(dataset.files()[0].sha256.size(), 64u);
    ASSERT_EQ(dataset.artifacts().size(), 1u);
    EXPECT_EQ(dataset.artifacts()[0].second, "<pad>\n<unk>\nmovie\nbad\ngood\ngreat\n");
  }
}

TEST_F(TextSources, BadTextsAreOneLineNamingTheFileOrLine) {
  write(dir.file("tree/train/neg/z.txt"), std::string("caf\xe9", 4));
  EXPECT_NE(mt::dataset_error(folder()).find("tree/train/neg/z.txt: not UTF-8 text (invalid byte at offset 3)"),
            std::string::npos)
      << mt::dataset_error(folder());
  write(dir.file("tree/train/neg/z.txt"), "  <br />  ");
  EXPECT_NE(mt::dataset_error(folder()).find("tree/train/neg/z.txt has no tokens"), std::string::npos);
  std::filesystem::remove(dir.file("tree/train/neg/z.txt"));
  std::filesystem::create_directories(dir.file("tree/train/empty"));
  EXPECT_NE(mt::dataset_error(folder()).find("tree/train/empty: no .txt files in this class folder"),
            std::string::npos);
  write(dir.file("lines/test.csv"), "label,text\npos,good\nmaybe,fine\n");
  EXPECT_NE(mt::dataset_error(lines()).find("test.csv: line 3: label 'maybe' does not occur in dataset.train_path"),
            std::string::npos)
      << mt::dataset_error(lines());
  EXPECT_NE(mt::dataset_error(lines("  text: review\n")).find("no column 'review' (named by dataset.text)"),
            std::string::npos);
  EXPECT_NE(mt::dataset_error(lines("  label: text\n")).find("'dataset.label': names the text column"),
            std::string::npos);
}

// Read per batch (cache: none, or a cache of one row), the same ids, vocabulary and
// fingerprints as in memory.
TEST_F(TextSources, FoldersReadPerBatchGiveTheSameIds) {
  const auto memory = load(folder());
  for (const char* cache : {"none", "0.00001"}) {
    const auto lazy = load(folder(std::string("  cache: ") + cache + "\n"));
    ASSERT_NE(lazy.data(Split::train).lazy, nullptr);
    for (const auto split : {Split::train, Split::test}) {
      const auto a = modlr::first_examples(memory, split, 10), b = modlr::first_examples(lazy, split, 10);
      EXPECT_TRUE(torch::equal(a.x, b.x)) << cache;
      EXPECT_TRUE(torch::equal(a.y, b.y)) << cache;
    }
    EXPECT_EQ(lazy.artifacts()[0].second, memory.artifacts()[0].second);
    EXPECT_EQ(lazy.files()[1].sha256, memory.files()[1].sha256);
  }
  write(dir.file("tree/test/pos/d.txt"), "<br />");
  EXPECT_NE(mt::dataset_error(folder("  cache: none\n")).find("tree/test/pos/d.txt has no tokens"), std::string::npos);
}

}  // namespace
