#pragma once
/// Reading the IMDb Large Movie Review Dataset (Maas et al. 2011) in its aclImdb layout:
/// aclImdb/{train,test}/{pos,neg}/<id>_<rating>.txt, one review per UTF-8 file. Other
/// files (README, imdb.vocab, urls_*.txt, train/unsup/, ...) are ignored. Torch-free; the
/// `imdb` DataSource (src/dataset/imdb_source.cpp) turns the reviews into tensors.
///
/// Order: each split is sorted by (id, label), i.e. 0 neg, 0 pos, 1 neg, 1 pos, ..., so
/// the order never depends on the archive's or the file system's order and every prefix
/// (dataset.limit) holds both labels in equal parts.
///
/// Bad input is an error (modlr::Error, one line naming the archive and member or the
/// file): a missing path, a truncated or corrupt archive, a review file that is empty, not
/// valid UTF-8 ("unreadable text encoding") or not named <id>_<rating>.txt with a rating
/// in 1..10, the same id twice in one folder, a review entry that is not a regular file,
/// and any of the four folders holding no review.
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "modlr/formats/file_bytes.h"
#include "modlr/formats/seekable_file.h"

namespace modlr::imdb {

struct Review {
  std::string name;  ///< relative to aclImdb/: "train/pos/0_9.txt"
  int64_t id = 0;
  int rating = 0;    ///< 1..10, from the file name
  int label = 0;     ///< 1 = pos, 0 = neg (from the folder)
  std::string text;  ///< the file's bytes, valid UTF-8
};

struct Reviews {
  std::vector<Review> train, test;
  /// What was read and its fingerprint, for the run record: the archive and its sha256,
  /// or the aclImdb directory and the sha256 of its manifest (one line
  /// "<sha256 of file>  <name>\n" per review, train then test, in example order).
  std::string source, sha256;
};

/// Reads the reviews from `path`: a tar archive (gzipped or not; decided by content, not
/// by name) holding aclImdb/..., or a directory that is aclImdb/ itself or holds it.
Reviews read(const std::string& path, const formats::DecodeLimits& limits = {});

/// A review found but not yet read (dataset.cache: none | N MB): where its bytes are.
struct ReviewEntry {
  std::string name;  ///< as Review::name
  int64_t id = 0;
  int rating = 0;
  int label = 0;
  std::string file;               ///< its file, in an aclImdb directory
  std::string member;             ///< its member name, in an archive
  uint64_t offset = 0, size = 0;  ///< its bytes in the (unpacked) archive
};

/// The reviews of `read`, in the same order and with the same checks on their names, but
/// not read: for a source that reads each review when a batch needs it.
struct ReviewIndex {
  std::vector<ReviewEntry> train, test;
  std::string source;                                    ///< as Reviews::source
  std::string archive_sha256;                            ///< the archive's fingerprint; empty for a directory
  std::shared_ptr<const formats::SeekableFile> archive;  ///< null for a directory
  /// The review's bytes, checked as `read` checks them (not empty, UTF-8); thread-safe.
  std::string read(const ReviewEntry& entry) const;
  /// The review in errors: "ARCHIVE: member 'aclImdb/train/pos/0_9.txt'" or its file path.
  std::string where(const ReviewEntry& entry) const;
};

/// The index of the reviews at `path` (as `read` takes it); a gzipped archive is unpacked
/// once into `unpack_dir` (formats/seekable_file.h) and only its headers are read here.
ReviewIndex index(const std::string& path, const formats::DecodeLimits& limits, const std::string& unpack_dir);

/// The reviews in the (uncompressed) tar archive `tar_bytes`; errors name `archive_name`.
/// `source`/`sha256` are left empty.
Reviews parse_archive(const std::vector<uint8_t>& tar_bytes, const std::string& archive_name);

}  // namespace modlr::imdb
