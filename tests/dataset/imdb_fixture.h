#pragma once
// A small synthetic data set in the aclImdb layout, written as a directory or a tar(.gz)
// archive, for the imdb reader, source, model and CLI tests.
#include <cstdint>
#include <string>
#include <vector>

namespace modlr::testing {

struct FixtureReview {
  std::string split;  // train | test
  int label = 0;      // 1 = pos
  int64_t id = 0;
  int rating = 1;
  std::string text;
  /// "train/pos/3_8.txt"
  std::string path() const;
};

/// `per_folder` reviews in each of train/{pos,neg} and test/{pos,neg}, ids 0..per_folder-1,
/// in a shuffled order. Texts mix sentiment words of their label (great, awful, ...) with
/// neutral ones, capitals, punctuation, "<br />" and "don't"; every test review also holds
/// "unseenword", which no training review has.
std::vector<FixtureReview> synthetic_reviews(int per_folder, uint32_t seed = 1);

/// Writes dir/aclImdb/{train,test}/{pos,neg}/<id>_<rating>.txt plus files the reader must
/// ignore (README, imdb.vocab, train/urls_pos.txt, train/unsup/0_0.txt).
void write_imdb_directory(const std::string& dir, const std::vector<FixtureReview>& reviews);
/// The same layout as tar archive bytes (directories first, reviews in the given order).
std::string imdb_tar(const std::vector<FixtureReview>& reviews);
/// imdb_tar() written to `path`, gzipped when `gz`.
void write_imdb_archive(const std::string& path, const std::vector<FixtureReview>& reviews, bool gz = true);

/// An experiment config for model `model` on the imdb data at `data_path`: small sizes
/// (max_size 200, max_length 24, embedding 16, hidden 12), 1 epoch, batch 8.
std::string imdb_config(const std::string& data_path, const std::string& runs_dir,
                        const std::string& model = "lstm_classifier");

}  // namespace modlr::testing
