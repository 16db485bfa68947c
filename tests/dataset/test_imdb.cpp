// The aclImdb reader (archive and directory) and the imdb DataSource on a generated
// fixture, and every bad input the reader must name.
#include <gtest/gtest.h>

#include <filesystem>

#include "dataset/imdb_fixture.h"
#include "formats/tar_writer.h"
#include "modlr/core/config.h"
#include "modlr/core/error.h"
#include "modlr/dataset/dataset.h"
#include "modlr/dataset/imdb.h"
#include "modlr/dataset/text.h"
#include "modlr/formats/sha256.h"
#include "test_support.h"

namespace fs = std::filesystem;
namespace mt = modlr::testing;
using modlr::imdb::Reviews;

namespace {

class ImdbTest : public ::testing::Test {
 protected:
  void SetUp() override {
    reviews = mt::synthetic_reviews(5);
    mt::write_imdb_directory(dir.path(), reviews);
    archive = dir.file("aclImdb.tar.gz");
    mt::write_imdb_archive(archive, reviews);
  }
  // The message of the modlr::Error reading `path` throws ("" if none).
  static std::string error_reading(const std::string& path) {
    try {
      modlr::imdb::read(path);
    } catch (const modlr::Error& e) {
      return e.what();
    }
    return "";
  }
  std::string archive_with(std::vector<mt::FixtureReview> changed) const {
    const auto path = dir.file("changed.tar.gz");
    mt::write_imdb_archive(path, changed);
    return path;
  }
  std::vector<mt::FixtureReview> reviews;
  mt::TempDir dir;
  std::string archive;
};

std::vector<std::string> review_names(const std::vector<modlr::imdb::Review>& split) {
  std::vector<std::string> out;
  for (const auto& review : split) out.push_back(review.name);
  return out;
}

}  // namespace

TEST_F(ImdbTest, ArchiveAndDirectoryGiveTheSameReviewsInIdLabelOrder) {
  const auto from_archive = modlr::imdb::read(archive);
  const auto from_directory = modlr::imdb::read(dir.path());
  const auto from_acl = modlr::imdb::read(dir.file("aclImdb"));
  ASSERT_EQ(from_archive.train.size(), 10u);
  ASSERT_EQ(from_archive.test.size(), 10u);
  EXPECT_EQ(review_names(from_archive.train), review_names(from_directory.train));
  EXPECT_EQ(review_names(from_archive.test), review_names(from_acl.test));
  // (id, label): 0 neg, 0 pos, 1 neg, ...; the fixture wrote them shuffled.
  for (size_t i = 0; i < 10; ++i) {
    EXPECT_EQ(from_archive.train[i].id, static_cast<int64_t>(i / 2));
    EXPECT_EQ(from_archive.train[i].label, static_cast<int>(i % 2));
    EXPECT_EQ(from_archive.train[i].text, from_directory.train[i].text);
  }
  for (const auto& expected : reviews) {
    const auto& split = expected.split == "train" ? from_archive.train : from_archive.test;
    const auto& got = split[static_cast<size_t>(expected.id * 2 + expected.label)];
    EXPECT_EQ(got.name, expected.path());
    EXPECT_EQ(got.rating, expected.rating);
    EXPECT_EQ(got.text, expected.text);
  }
  EXPECT_EQ(from_archive.source, archive);
  EXPECT_EQ(from_archive.sha256, modlr::formats::sha256_file_hex(archive));
  // The directory's fingerprint: sha256 of its manifest lines, train then test.
  std::string manifest;
  for (const auto* split : {&from_directory.train, &from_directory.test})
    for (const auto& review : *split)
      manifest += modlr::formats::sha256_hex(mt::to_bytes(review.text)) + "  " + review.name + "\n";
  EXPECT_EQ(from_directory.sha256, modlr::formats::sha256_hex(mt::to_bytes(manifest)));
  EXPECT_EQ(from_directory.source, dir.path() + "/aclImdb/");
}

TEST_F(ImdbTest, ReadsAnUncompressedTarAndAnArchiveGnuTarWrote) {
  const auto tar = dir.file("plain.tar");
  mt::write_imdb_archive(tar, reviews, /*gz=*/false);
  EXPECT_EQ(review_names(modlr::imdb::read(tar).train), review_names(modlr::imdb::read(archive).train));
  const auto by_tar = dir.file("by-tar.tar.gz");
  ASSERT_EQ(mt::run_command("tar -czf " + by_tar + " -C " + dir.path() + " ./aclImdb").exit_code, 0);
  const auto read_back = modlr::imdb::read(by_tar);
  EXPECT_EQ(review_names(read_back.test), review_names(modlr::imdb::read(archive).test));
  EXPECT_EQ(read_back.test[3].text, modlr::imdb::read(archive).test[3].text);
}

TEST_F(ImdbTest, MissingOrBrokenArchives) {
  EXPECT_NE(error_reading(dir.file("absent.tar.gz")).find(dir.file("absent.tar.gz") + ": cannot open the IMDb data"),
            std::string::npos);
  const auto bytes = mt::read_text(archive);
  mt::write_text(dir.file("cut.tar.gz"), bytes.substr(0, bytes.size() / 2));
  EXPECT_NE(error_reading(dir.file("cut.tar.gz")).find(dir.file("cut.tar.gz") + ": truncated gzip stream"),
            std::string::npos);
  const auto tar = mt::imdb_tar(reviews);
  mt::write_text(dir.file("cut.tar"), tar.substr(0, tar.size() - 3000));
  EXPECT_NE(error_reading(dir.file("cut.tar")).find(dir.file("cut.tar") + ": truncated tar archive"),
            std::string::npos);
  auto corrupt = tar;
  corrupt[512 * 3 + 10] ^= 0x20;
  mt::write_text(dir.file("corrupt.tar.gz"), mt::gzip(corrupt));
  EXPECT_NE(error_reading(dir.file("corrupt.tar.gz")).find("corrupt tar archive: header at offset 1536"),
            std::string::npos);
  mt::write_text(dir.file("not-an-archive"), "just some text, not a tar archive" + std::string(2000, '.'));
  EXPECT_NE(error_reading(dir.file("not-an-archive")).find("corrupt tar archive"), std::string::npos);
}

TEST_F(ImdbTest, BadReviewFilesAreNamed) {
  auto changed = reviews;
  changed[0].text = "";
  EXPECT_NE(error_reading(archive_with(changed))
                .find("changed.tar.gz: member 'aclImdb/" + changed[0].path() + "': empty review file"),
            std::string::npos)
      << error_reading(archive_with(changed));
  changed = reviews;
  changed[1].text = "fine until \xff here";
  EXPECT_NE(error_reading(archive_with(changed))
                .find("member 'aclImdb/" + changed[1].path() + "': unreadable text encoding: invalid UTF-8 at byte 11"),
            std::string::npos);
  mt::write_text(dir.file("aclImdb/" + reviews[2].path()), "bad \xc3(");
  EXPECT_EQ(error_reading(dir.path()),
            dir.file("aclImdb/" + reviews[2].path()) + ": unreadable text encoding: invalid UTF-8 at byte 4");
  mt::write_text(dir.file("aclImdb/" + reviews[2].path()), "");
  EXPECT_EQ(error_reading(dir.path()), dir.file("aclImdb/" + reviews[2].path()) + ": empty review file");
}

TEST_F(ImdbTest, BadNamesDuplicatesAndMissingFolders) {
  const auto acl = dir.file("aclImdb/");
  mt::write_text(acl + "train/pos/notes.txt", "a stray file");
  EXPECT_EQ(error_reading(dir.path()),
            acl + "train/pos/notes.txt: review file name is not <id>_<rating>.txt with a rating in 1..10");
  fs::remove(acl + "train/pos/notes.txt");
  mt::write_text(acl + "train/pos/3_11.txt", "rating out of range");
  EXPECT_NE(error_reading(dir.path()).find("3_11.txt: review file name is not"), std::string::npos);
  fs::remove(acl + "train/pos/3_11.txt");
  mt::write_text(acl + "train/pos/0_1.txt", "same id again");
  EXPECT_NE(error_reading(dir.path()).find(": two reviews with id 0: train/pos/"), std::string::npos);
  fs::remove(acl + "train/pos/0_1.txt");
  fs::remove_all(acl + "test/neg");
  EXPECT_EQ(error_reading(dir.path()), acl +
                                           "test/neg: missing folder (expected an aclImdb directory with "
                                           "{train,test}/{pos,neg}/)");
  fs::create_directories(acl + "test/neg");
  EXPECT_EQ(error_reading(dir.path()), dir.path() + ": no reviews found in " + acl +
                                           "test/neg/ (expected aclImdb/{train,test}/{pos,neg}/<id>_<rating>.txt)");
  std::vector<mt::FixtureReview> no_test_neg;
  for (const auto& review : reviews)
    if (review.split == "train" || review.label == 1) no_test_neg.push_back(review);
  EXPECT_NE(error_reading(archive_with(no_test_neg)).find("changed.tar.gz: no reviews found in aclImdb/test/neg/"),
            std::string::npos);
  const auto empty = dir.file("empty.tar.gz");
  mt::write_text(empty, mt::gzip(mt::tar_end()));
  EXPECT_NE(error_reading(empty).find("no reviews found in aclImdb/train/neg/"), std::string::npos);
}

TEST_F(ImdbTest, LinkMembersAreNotReviews) {
  const auto tar = mt::tar_file("aclImdb/train/pos/0_9.txt", "", '2') + mt::imdb_tar(reviews);
  mt::write_text(dir.file("link.tar"), tar);
  EXPECT_EQ(error_reading(dir.file("link.tar")),
            dir.file("link.tar") + ": member 'aclImdb/train/pos/0_9.txt': not a regular file (tar type '2')");
}

// ---- the DataSource ----------------------------------------------------------------------

namespace {

struct Loaded {
  modlr::TensorData train, test;
  std::string vocabulary;
};

Loaded load(const std::string& path, int64_t max_size = 40, int64_t max_length = 12, const std::string& extra = "") {
  const auto config =
      modlr::Config::parse("dataset:\n  name: imdb\n  path: " + path + "\n  max_size: " + std::to_string(max_size) +
                               "\n  max_length: " + std::to_string(max_length) + "\n" + extra,
                           "imdb.yaml");
  modlr::Dataset dataset(config.section("dataset"), 1);
  dataset.load();
  return {dataset.data(modlr::Split::train), dataset.data(modlr::Split::test), dataset.artifacts().at(0).second};
}

modlr::text::Vocabulary vocabulary_of(const std::vector<modlr::imdb::Review>& reviews, size_t count, int64_t max_size) {
  modlr::text::WordCounts counts;
  for (size_t i = 0; i < count; ++i) modlr::text::count_words(modlr::text::tokenize(reviews[i].text), counts);
  return modlr::text::Vocabulary::build(counts, max_size, 1);
}

// The id rows the source must produce, built here from the text functions directly.
torch::Tensor expected_rows(const std::vector<modlr::imdb::Review>& reviews, size_t count,
                            const modlr::text::Vocabulary& vocabulary, int64_t max_length, modlr::text::Keep keep) {
  auto rows = torch::empty({static_cast<int64_t>(count), max_length}, torch::kLong);
  for (size_t i = 0; i < count; ++i)
    modlr::text::encode(modlr::text::tokenize(reviews[i].text), vocabulary, max_length, keep,
                        rows.data_ptr<int64_t>() + i * static_cast<size_t>(max_length));
  return rows;
}

}  // namespace

TEST_F(ImdbTest, SourceEncodesIdsWithAVocabularyFromTrainingReviewsOnly) {
  const auto data = load(archive);
  EXPECT_EQ(data.train.inputs.sizes(), (std::vector<int64_t>{10, 12}));
  EXPECT_EQ(data.train.inputs.scalar_type(), torch::kLong);
  EXPECT_EQ(data.test.inputs.sizes(), (std::vector<int64_t>{10, 12}));
  EXPECT_TRUE(torch::equal(data.train.targets, torch::tensor({0, 1, 0, 1, 0, 1, 0, 1, 0, 1}, torch::kLong)));
  EXPECT_TRUE(torch::equal(data.test.targets, data.train.targets));
  const auto read = modlr::imdb::read(archive);
  const auto vocabulary = vocabulary_of(read.train, 10, 40);
  EXPECT_EQ(data.vocabulary, vocabulary.to_text());
  EXPECT_EQ(data.vocabulary.find("\nunseenword\n"), std::string::npos);  // only in test reviews
  EXPECT_TRUE(torch::equal(data.train.inputs, expected_rows(read.train, 10, vocabulary, 12, modlr::text::Keep::first)));
  EXPECT_TRUE(torch::equal(data.test.inputs, expected_rows(read.test, 10, vocabulary, 12, modlr::text::Keep::first)));
  // From the directory: the same tensors.
  const auto from_directory = load(dir.path());
  EXPECT_TRUE(torch::equal(data.train.inputs, from_directory.train.inputs));
  EXPECT_TRUE(torch::equal(data.test.inputs, from_directory.test.inputs));
}

TEST_F(ImdbTest, UnseenTestWordsAreUnknownAndKeepLastKeepsTheEnd) {
  const auto data = load(archive, 1000, 100);
  const auto read = modlr::imdb::read(archive);
  const auto tokens = modlr::text::tokenize(read.test[0].text);
  ASSERT_EQ(tokens[tokens.size() - 2], "unseenword");
  ASSERT_LT(tokens.size(), 100u);
  const auto row = data.test.inputs[0];
  EXPECT_EQ(row[static_cast<int64_t>(tokens.size()) - 2].item<int64_t>(), modlr::text::Vocabulary::kUnknown);
  EXPECT_NE(row[static_cast<int64_t>(tokens.size()) - 1].item<int64_t>(), 0);
  EXPECT_EQ(row[static_cast<int64_t>(tokens.size())].item<int64_t>(),
            0);  // padding after the review
  const auto last = load(archive, 40, 6, "  keep: last\n");
  const auto vocabulary = vocabulary_of(read.train, 10, 40);
  EXPECT_TRUE(torch::equal(last.train.inputs, expected_rows(read.train, 10, vocabulary, 6, modlr::text::Keep::last)));
  EXPECT_FALSE(torch::equal(last.train.inputs, load(archive, 40, 6).train.inputs));
}

TEST_F(ImdbTest, LimitAlsoLimitsTheVocabulary) {
  const auto data = load(archive, 40, 12, "  limit: 4\n");
  EXPECT_EQ(data.train.size(), 4);
  EXPECT_EQ(data.test.size(), 10);
  EXPECT_TRUE(torch::equal(data.train.targets, torch::tensor({0, 1, 0, 1}, torch::kLong)));
  EXPECT_EQ(data.vocabulary, vocabulary_of(modlr::imdb::read(archive).train, 4, 40).to_text());
  EXPECT_NE(data.vocabulary, load(archive).vocabulary);
}

TEST_F(ImdbTest, SourceErrors) {
  auto changed = reviews;
  changed[5].text = "<br />  <br />\n";
  try {
    load(archive_with(changed));
    ADD_FAILURE() << "no error";
  } catch (const modlr::Error& e) {
    EXPECT_NE(std::string(e.what()).find("changed.tar.gz: review " + changed[5].path() + " has no tokens"),
              std::string::npos)
        << e.what();
  }
  EXPECT_THROW(load(archive, 1), modlr::Error);
  EXPECT_THROW(load(archive, 40, 12, "  keep: middle\n"), modlr::Error);
  EXPECT_THROW(load(archive, 40, 0), modlr::Error);
}
