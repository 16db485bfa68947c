#pragma once
/// A data file read at byte offsets, for data sources that read examples on demand
/// (dataset.cache: none | N MB). No torch.
///
/// A raw file is read where it is. A gzipped one (told by its content, as read_file_bytes
/// tells it) cannot be read at an offset, so it is decompressed once, streaming, into
/// `unpack_dir`/<sha256 of the gzipped file>: written under a temporary name, fsynced and
/// renamed, so a killed or failed unpacking (a full disk) leaves no partial file, and
/// later runs (and the other ranks of a job) reuse it. The decompression keeps to
/// DecodeLimits like every other read.
///
/// Thread-safety: read() may be called from several threads at once (pread).
#include <cstdint>
#include <memory>
#include <string>

#include "modlr/formats/file_bytes.h"

namespace modlr::formats {

class SeekableFile {
 public:
  /// Opens `path` (a regular file, raw or gzipped). `sha256_hex` is the digest of its bytes
  /// as stored (it names the unpacked copy); `unpack_dir` is created when a gzipped file
  /// needs it. Errors (one line, naming `path` or the unpacked file): missing or unreadable
  /// file, corrupt gzip, limits, a full disk.
  static std::shared_ptr<const SeekableFile> open(const std::string& path, const std::string& sha256_hex,
                                                  const std::string& unpack_dir, const DecodeLimits& limits = {});
  ~SeekableFile();
  SeekableFile(const SeekableFile&) = delete;
  SeekableFile& operator=(const SeekableFile&) = delete;

  /// The file as named by the caller (what errors name).
  const std::string& path() const { return path_; }
  /// Where the bytes are read from: path() or its unpacked copy.
  const std::string& content_path() const { return content_path_; }
  /// Bytes of content (decompressed size for a gzipped file).
  uint64_t size() const { return size_; }
  /// Reads exactly `n` bytes at `offset` into `out`; a range past size() or a failed read
  /// throws modlr::Error naming path().
  void read(uint64_t offset, void* out, size_t n) const;
  std::string read_string(uint64_t offset, size_t n) const;

 private:
  SeekableFile(std::string path, std::string content_path, int fd, uint64_t size);
  std::string path_, content_path_;
  int fd_ = -1;
  uint64_t size_ = 0;
};

/// Where gzipped data files are unpacked when no dataset.unpack_dir is given:
/// $XDG_CACHE_HOME/modlr/unpacked, else $HOME/.cache/modlr/unpacked ("" when neither is set).
std::string default_unpack_dir();

}  // namespace modlr::formats
