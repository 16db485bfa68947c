#pragma once
/// Whole-file I/O helpers for dataset and artifact files: transparent gzip reading,
/// data-file resolution (prefer the .gz), and crash-safe atomic writes.
/// Every failure throws modlr::Error with one line naming the file and the reason.
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

namespace modlr::formats {

/// Bounds on what gzip-compressed bytes may expand to, so that a small hostile file (a
/// "gzip bomb": 16 MB expanding to 16 GiB) ends in one line naming the file instead of
/// taking the machine's memory. Only decompression is bounded; raw files are read as they
/// are (their size is on disk for everyone to see). Data sources take them from the config
/// keys dataset.max_decompressed_mib and dataset.max_compression_ratio.
struct DecodeLimits {
  /// Largest decompressed size in bytes (default 4 GiB: CIFAR-10 is 180 MB, IMDb 340 MB).
  uint64_t max_bytes = uint64_t{4} << 30;
  /// Largest decompressed:compressed ratio, checked once the output passes 64 MiB (small
  /// files of zeros compress 1000:1 legitimately). Real data sets stay under 10:1.
  double max_ratio = 200;
};
/// The size past which DecodeLimits::max_ratio applies.
constexpr uint64_t kRatioCheckedFrom = uint64_t{64} << 20;

/// Reads the whole file at `path`. If its first two bytes are the gzip magic 0x1f 0x8b,
/// the content is decompressed (all concatenated gzip members) and the decompressed bytes
/// are returned; otherwise the raw bytes are returned.
/// Throws modlr::Error naming `path` if the file is missing, unreadable, a directory, or
/// a corrupt / truncated gzip stream (including CRC or length-check failures and
/// non-gzip garbage after the last member), or one that expands past `limits` (the message
/// names the limit and the config key that raises it).
std::vector<uint8_t> read_file_bytes(const std::string& path, const DecodeLimits& limits = {});

/// The file's bytes exactly as stored (no gzip decoding); the same checks as read_file_bytes.
std::vector<uint8_t> read_file_raw(const std::string& path);

/// The first `count` bytes of the file's content (decompressed if it is gzipped), or all of
/// it if shorter: a header read without reading the file. The same errors as
/// read_file_bytes for what is read; a gzipped file is decompressed only up to the first
/// output chunk (4 MiB) that covers `count`.
std::vector<uint8_t> read_file_prefix(const std::string& path, size_t count, const DecodeLimits& limits = {});

/// The in-memory half of read_file_bytes: `bytes` unchanged, or decompressed if they start
/// with the gzip magic. Errors name `source_name`. (The fuzz target for gzip enters here.)
std::vector<uint8_t> decode_bytes(std::vector<uint8_t> bytes, const std::string& source_name,
                                  const DecodeLimits& limits = {});

/// Input of gunzip_stream: fills `buffer` with up to `capacity` bytes and returns how many;
/// 0 only at the end of the input.
using ReadChunk = std::function<size_t(uint8_t* buffer, size_t capacity)>;
/// Output of gunzip_stream: takes the next `size` decompressed bytes.
using WriteChunk = std::function<void(const uint8_t* data, size_t size)>;

/// Decompresses the gzip members `read` delivers (one or more, concatenated) into `write`,
/// a few MiB at a time, with the errors and limits of read_file_bytes (naming `path`); the
/// limits are checked before each chunk is written. Bytes already written stay written
/// when it throws.
void gunzip_stream(const ReadChunk& read, const WriteChunk& write, const std::string& path,
                   const DecodeLimits& limits = {});

/// Returns `dir/stem.gz` if that path exists, else `dir/stem` if it exists.
/// Throws modlr::Error naming both tried paths if neither exists.
/// An empty `dir` means the current directory (the stem is returned unprefixed).
std::string resolve_data_file(const std::string& dir, const std::string& stem);

/// Atomically replaces (or creates) `path` with `contents`: writes to
/// `path + ".tmp.<pid>"` in the same directory, fsyncs it, then rename()s it over `path`.
/// Every write/fsync/close/rename is checked; on any failure the temp file is removed,
/// `path` is left untouched, and modlr::Error is thrown naming `path` and strerror.
void write_file_atomic(const std::string& path, const std::string& contents);
/// The same for contents too large to hold: `produce` hands them to the writer it is given,
/// chunk by chunk. An exception from `produce` removes the temp file and propagates.
void write_file_atomic(const std::string& path, const std::function<void(const WriteChunk&)>& produce);

}  // namespace modlr::formats
