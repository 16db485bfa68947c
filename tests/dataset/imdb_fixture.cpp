#include "dataset/imdb_fixture.h"

#include <algorithm>
#include <filesystem>
#include <random>

#include "formats/tar_writer.h"
#include "test_support.h"

namespace fs = std::filesystem;

namespace modlr::testing {
namespace {

const std::vector<std::string> kPositive = {"great", "wonderful", "loved", "brilliant", "superb"};
const std::vector<std::string> kNegative = {"awful", "boring", "hated", "terrible", "worst"};
const std::vector<std::string> kNeutral = {"the", "movie", "film", "was", "and", "a", "plot", "actor", "it", "this"};

std::string review_text(int label, bool test, std::mt19937& rng) {
  const auto& mood = label ? kPositive : kNegative;
  const int words = 6 + static_cast<int>(rng() % 20);
  std::string text = "The";
  for (int i = 0; i < words; ++i) {
    const bool strong = rng() % 10 < 3;
    text += " " + (strong ? mood[rng() % mood.size()] : kNeutral[rng() % kNeutral.size()]);
    if (rng() % 12 == 0) text += rng() % 2 ? "!" : ", don't";
    if (rng() % 15 == 0) text += ".<br /><br />It";
  }
  if (test) text += " unseenword";
  return text + ".";
}

}  // namespace

std::string FixtureReview::path() const {
  return split + "/" + (label ? "pos" : "neg") + "/" + std::to_string(id) + "_" + std::to_string(rating) + ".txt";
}

std::vector<FixtureReview> synthetic_reviews(int per_folder, uint32_t seed) {
  std::mt19937 rng(seed);
  std::vector<FixtureReview> reviews;
  for (const std::string split : {"train", "test"})
    for (int label = 0; label < 2; ++label)
      for (int id = 0; id < per_folder; ++id) {
        FixtureReview review{split, label, id,
                             label ? 7 + static_cast<int>(rng() % 4) : 1 + static_cast<int>(rng() % 4), ""};
        review.text = review_text(label, split == "test", rng);
        reviews.push_back(review);
      }
  std::shuffle(reviews.begin(), reviews.end(), rng);
  return reviews;
}

void write_imdb_directory(const std::string& dir, const std::vector<FixtureReview>& reviews) {
  for (const std::string split : {"train", "test"})
    for (const std::string label : {"pos", "neg"}) fs::create_directories(dir + "/aclImdb/" + split + "/" + label);
  fs::create_directories(dir + "/aclImdb/train/unsup");
  for (const auto& review : reviews) write_text(dir + "/aclImdb/" + review.path(), review.text);
  write_text(dir + "/aclImdb/README", "Large Movie Review Dataset (fixture)\n");
  write_text(dir + "/aclImdb/imdb.vocab", "the\nmovie\n");
  write_text(dir + "/aclImdb/train/urls_pos.txt", "http://www.imdb.com/title/tt0000001/usercomments\n");
  write_text(dir + "/aclImdb/train/unsup/0_0.txt", "an unlabelled review");
}

std::string imdb_tar(const std::vector<FixtureReview>& reviews) {
  std::string tar = tar_directory("aclImdb") + tar_file("aclImdb/README", "fixture\n");
  for (const std::string split : {"train", "test"}) {
    tar += tar_directory("aclImdb/" + split);
    for (const std::string label : {"pos", "neg"}) tar += tar_directory("aclImdb/" + split + "/" + label);
  }
  tar += tar_file("aclImdb/train/urls_pos.txt", "http://www.imdb.com/\n") +
         tar_file("aclImdb/train/unsup/0_0.txt", "an unlabelled review");
  for (const auto& review : reviews) tar += tar_file("aclImdb/" + review.path(), review.text);
  return tar + tar_end();
}

void write_imdb_archive(const std::string& path, const std::vector<FixtureReview>& reviews, bool gz) {
  const auto tar = imdb_tar(reviews);
  write_text(path, gz ? gzip(tar) : tar);
}

std::string imdb_config(const std::string& data_path, const std::string& runs_dir, const std::string& model) {
  return "experiment: imdb-small\nseed: 3\n"
         "dataset:\n  name: imdb\n  path: " +
         data_path +
         "\n  max_size: 200\n  max_length: 24\n  batch_size: 8\n  eval_batch_size: 16\n"
         "model:\n  name: " +
         model +
         "\n  vocab_size: 200\n  embedding_dim: 16\n  hidden_size: 12\n  bidirectional: true\n"
         "  dropout: 0.2\n  pooling: max\n"
         "loss:\n  name: cross_entropy\n"
         "optimizer:\n  name: adam\n  lr: 0.01\n  clip_grad_norm: 5.0\n"
         "runner:\n  epochs: 1\n"
         "tracking:\n  dir: " +
         runs_dir + "\n";
}

}  // namespace modlr::testing
