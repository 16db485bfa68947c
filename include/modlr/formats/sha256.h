#pragma once
/// Self-contained SHA-256 (FIPS 180-4), used to fingerprint dataset files and artifacts.
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace modlr::formats {

/// Incremental SHA-256. Feed bytes with update() in any chunking; hex_digest() returns the
/// 64-char lowercase hex digest of everything fed so far. hex_digest() does not modify the
/// hasher, so more data may be fed afterwards (the next digest then covers all of it).
class Sha256 {
 public:
  Sha256();
  /// Appends `n` bytes at `data` to the message (`data` may be null when `n` is 0).
  void update(const void* data, size_t n);
  /// Lowercase hex digest (64 chars) of all bytes fed so far.
  std::string hex_digest() const;

 private:
  void compress(const uint8_t* block);
  uint32_t state_[8];
  uint8_t buffer_[64] = {};
  size_t buffered_ = 0;
  uint64_t total_bytes_ = 0;
};

/// Lowercase hex SHA-256 of `bytes`.
std::string sha256_hex(const std::vector<uint8_t>& bytes);
/// The same for bytes held in a string (a file read whole, a review).
std::string sha256_hex_bytes(const std::string& bytes);

/// Lowercase hex SHA-256 of the raw bytes of the file at `path` as stored on disk (a .gz
/// file is hashed compressed, NOT decompressed). Reads in chunks, so memory use is
/// constant. Throws modlr::Error naming `path` if it cannot be opened or read.
std::string sha256_file_hex(const std::string& path);

}  // namespace modlr::formats
