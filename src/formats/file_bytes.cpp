#include "modlr/formats/file_bytes.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include <algorithm>
#include <cerrno>
#include <climits>
#include <cstring>

#include "modlr/core/error.h"
#include "modlr/core/interrupt.h"

namespace modlr::formats {
namespace {

/// Closes a file descriptor on scope exit (if still open).
struct FdGuard {
  int fd;
  ~FdGuard() {
    if (fd >= 0) ::close(fd);
  }
};

/// Reads the raw bytes of `path` (no decompression).
std::vector<uint8_t> read_raw(const std::string& path) {
  // O_NONBLOCK: opening a FIFO would otherwise wait for a writer before fstat can refuse it.
  FdGuard guard{::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK)};
  if (guard.fd < 0) throw_file_error(path, "cannot open file", errno);
  struct stat st {};
  if (::fstat(guard.fd, &st) != 0) throw_file_error(path, "cannot stat file", errno);
  if (S_ISDIR(st.st_mode)) throw_file_error(path, "cannot read file", EISDIR);
  if (!S_ISREG(st.st_mode))
    throw Error(path + ": not a regular file (a FIFO, socket or device is never read as data or weights)");
  // +1 so a regular file is read to EOF without a final reallocation.
  std::vector<uint8_t> buf(std::max<size_t>(static_cast<size_t>(st.st_size) + 1, 4096));
  size_t used = 0;
  for (;;) {
    if (used == buf.size()) buf.resize(buf.size() * 2);
    ssize_t n = ::read(guard.fd, buf.data() + used, buf.size() - used);
    if (n < 0) {
      if (errno == EINTR) continue;
      throw_file_error(path, "read error", errno);
    }
    if (n == 0) break;
    used += static_cast<size_t>(n);
  }
  buf.resize(used);
  return buf;
}

bool has_gzip_magic(const uint8_t* p, size_t n) { return n >= 2 && p[0] == 0x1f && p[1] == 0x8b; }

/// Initial output size: the ISIZE trailer (uncompressed size mod 2^32) + 1, unless it is
/// implausible for deflate (ratio > 1032:1), in which case a 4x guess is used.
size_t initial_capacity(const std::vector<uint8_t>& in) {
  size_t guess = in.size() * 4 + 64;
  if (in.size() < 18) return guess;
  const uint8_t* t = in.data() + in.size() - 4;
  size_t isize = uint32_t(t[0]) | uint32_t(t[1]) << 8 | uint32_t(t[2]) << 16 | uint32_t(t[3]) << 24;
  if (isize / 1032 > in.size()) return guess;
  return isize + 1;
}

/// Frees a z_stream on scope exit.
struct InflateGuard {
  z_stream* zs;
  ~InflateGuard() { inflateEnd(zs); }
};

std::string mib(uint64_t bytes) { return std::to_string(bytes >> 20) + " MiB"; }

/// Throws if `produced` decompressed bytes from `consumed` compressed ones break `limits`.
void check_expansion(uint64_t produced, uint64_t consumed, const DecodeLimits& limits, const std::string& path) {
  if (produced > limits.max_bytes)
    throw Error(path + ": gzip data expands past " + mib(limits.max_bytes) +
                " (dataset.max_decompressed_mib raises the limit)");
  if (produced > kRatioCheckedFrom && static_cast<double>(produced) > limits.max_ratio * static_cast<double>(consumed))
    throw Error(path + ": gzip data expands more than " + std::to_string(static_cast<int64_t>(limits.max_ratio)) +
                ":1 (" + mib(produced) + " from " + std::to_string(consumed) +
                " compressed bytes; dataset.max_compression_ratio raises the limit)");
}

/// The compressed input of a streaming decompression, read in chunks, with the look-ahead
/// that concatenated gzip members need.
class ChunkedInput {
 public:
  explicit ChunkedInput(const ReadChunk& read) : read_(read), buffer_(size_t{1} << 20) {}
  const uint8_t* data() const { return buffer_.data() + begin_; }
  size_t available() const { return end_ - begin_; }
  bool at_end() const { return eof_ && available() == 0; }
  void consume(size_t n) {
    begin_ += n;
    consumed_ += n;
  }
  uint64_t consumed() const { return consumed_; }
  /// Reads until at least `n` bytes are buffered or the input ends.
  void want(size_t n) {
    if (available() >= n || eof_) return;
    std::memmove(buffer_.data(), data(), available());
    end_ = available();
    begin_ = 0;
    while (end_ < n && !eof_) {
      const size_t got = read_(buffer_.data() + end_, buffer_.size() - end_);
      if (got == 0) eof_ = true;
      end_ += got;
    }
  }
  /// Bytes left from here to the end of the input (reads it all).
  uint64_t drain() {
    uint64_t left = available();
    consume(available());
    while (!eof_) {
      const size_t got = read_(buffer_.data(), buffer_.size());
      if (got == 0) eof_ = true;
      left += got;
    }
    return left;
  }

 private:
  const ReadChunk& read_;
  std::vector<uint8_t> buffer_;
  size_t begin_ = 0, end_ = 0;
  uint64_t consumed_ = 0;
  bool eof_ = false;
};

}  // namespace

// Output leaves in chunks of at most 4 MiB, each checked against the limits before it is
// written, so memory and disk are never spent past them; an interrupt is noticed between
// chunks while a large file is decompressed.
void gunzip_stream(const ReadChunk& read, const WriteChunk& write, const std::string& path,
                   const DecodeLimits& limits) {
  z_stream zs{};
  if (inflateInit2(&zs, 16 + MAX_WBITS) != Z_OK) throw Error(path + ": cannot initialise zlib");
  InflateGuard guard{&zs};
  ChunkedInput in(read);
  std::vector<uint8_t> out(size_t{4} << 20);
  uint64_t produced = 0;
  for (;;) {
    throw_if_stop_requested();
    in.want(1);
    const size_t offered = in.available();
    zs.next_in = const_cast<Bytef*>(in.data());
    zs.avail_in = static_cast<uInt>(offered);
    zs.next_out = out.data();
    zs.avail_out = static_cast<uInt>(out.size());
    const int rc = inflate(&zs, Z_NO_FLUSH);
    in.consume(offered - zs.avail_in);
    const size_t got = out.size() - zs.avail_out;
    produced += got;
    check_expansion(produced, in.consumed(), limits, path);
    if (got > 0) write(out.data(), got);
    if (rc == Z_STREAM_END) {
      in.want(2);
      if (in.at_end()) return;
      if (!has_gzip_magic(in.data(), in.available())) {
        const uint64_t at = in.consumed();
        throw Error(path + ": corrupt gzip: " + std::to_string(in.drain()) +
                    " bytes of trailing garbage after the gzip stream at offset " + std::to_string(at));
      }
      inflateReset(&zs);  // next concatenated member
    } else if (rc == Z_BUF_ERROR && in.available() == 0) {
      in.want(1);
      if (in.at_end())
        throw Error(path + ": truncated gzip stream: compressed data ends after " + std::to_string(in.consumed()) +
                    " bytes (" + std::to_string(produced) + " bytes decompressed)");
    } else if (rc == Z_DATA_ERROR || rc == Z_NEED_DICT || rc == Z_BUF_ERROR) {
      throw Error(path + ": corrupt gzip stream at compressed offset " + std::to_string(in.consumed()) + ": " +
                  (zs.msg ? zs.msg : "invalid data"));
    } else if (rc == Z_MEM_ERROR) {
      throw Error(path + ": out of memory while decompressing gzip stream");
    }
  }
}

namespace {

/// Decompresses all gzip members in `in` (gunzip_stream into memory); errors name `path`.
std::vector<uint8_t> gunzip(const std::vector<uint8_t>& in, const std::string& path, const DecodeLimits& limits) {
  std::vector<uint8_t> out;
  out.reserve(std::min<uint64_t>(initial_capacity(in), limits.max_bytes + 1));
  size_t at = 0;
  const ReadChunk read = [&](uint8_t* buffer, size_t capacity) {
    const size_t n = std::min(capacity, in.size() - at);
    std::memcpy(buffer, in.data() + at, n);
    at += n;
    return n;
  };
  gunzip_stream(
      read, [&](const uint8_t* data, size_t n) { out.insert(out.end(), data, data + n); }, path, limits);
  return out;
}

bool path_exists(const std::string& p) {
  struct stat st {};
  return ::stat(p.c_str(), &st) == 0;
}

/// Writes all of `data` to `fd`, retrying short writes and EINTR. Returns 0 or an errno.
int write_all(int fd, const char* data, size_t n) {
  while (n > 0) {
    ssize_t w = ::write(fd, data, n);
    if (w < 0) {
      if (errno == EINTR) continue;
      return errno;
    }
    data += w;
    n -= static_cast<size_t>(w);
  }
  return 0;
}

/// Best-effort fsync of the directory holding `path`, so the rename itself is durable.
void sync_parent_dir(const std::string& path) {
  size_t slash = path.rfind('/');
  std::string dir = slash == std::string::npos ? "." : (slash == 0 ? "/" : path.substr(0, slash));
  int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return;
  (void)::fsync(fd);
  ::close(fd);
}

}  // namespace

std::vector<uint8_t> read_file_bytes(const std::string& path, const DecodeLimits& limits) {
  return decode_bytes(read_raw(path), path, limits);
}

std::vector<uint8_t> read_file_raw(const std::string& path) { return read_raw(path); }

namespace {
struct PrefixComplete {};  // ends gunzip_stream once the prefix is in
}  // namespace

std::vector<uint8_t> read_file_prefix(const std::string& path, size_t count, const DecodeLimits& limits) {
  if (count == 0) return {};
  FdGuard guard{::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK)};
  if (guard.fd < 0) throw_file_error(path, "cannot open file", errno);
  struct stat st {};
  if (::fstat(guard.fd, &st) != 0) throw_file_error(path, "cannot stat file", errno);
  if (!S_ISREG(st.st_mode)) throw Error(path + ": not a regular file");
  const ReadChunk read = [&](uint8_t* buffer, size_t capacity) {
    for (;;) {
      const ssize_t n = ::read(guard.fd, buffer, capacity);
      if (n >= 0) return static_cast<size_t>(n);
      if (errno != EINTR) throw_file_error(path, "read error", errno);
    }
  };
  std::vector<uint8_t> head(2);
  head.resize(read(head.data(), 2));
  if (!has_gzip_magic(head.data(), head.size())) {
    std::vector<uint8_t> out(head);
    while (out.size() < count) {
      std::vector<uint8_t> chunk(count - out.size());
      const size_t got = read(chunk.data(), chunk.size());
      if (got == 0) break;
      out.insert(out.end(), chunk.begin(), chunk.begin() + static_cast<std::ptrdiff_t>(got));
    }
    if (out.size() > count) out.resize(count);
    return out;
  }
  bool replayed = false;
  const ReadChunk from_start = [&](uint8_t* buffer, size_t capacity) {
    if (replayed || capacity < 2) return read(buffer, capacity);
    replayed = true;
    std::memcpy(buffer, head.data(), 2);
    return size_t{2} + read(buffer + 2, capacity - 2);
  };
  std::vector<uint8_t> out;
  try {
    gunzip_stream(
        from_start,
        [&](const uint8_t* data, size_t n) {
          out.insert(out.end(), data, data + std::min(n, count - out.size()));
          if (out.size() == count) throw PrefixComplete{};
        },
        path, limits);
  } catch (const PrefixComplete&) {
  }
  return out;
}

std::vector<uint8_t> decode_bytes(std::vector<uint8_t> bytes, const std::string& source_name,
                                  const DecodeLimits& limits) {
  if (!has_gzip_magic(bytes.data(), bytes.size())) return bytes;
  return gunzip(bytes, source_name, limits);
}

std::string resolve_data_file(const std::string& dir, const std::string& stem) {
  std::string base = dir.empty() ? stem : (dir.back() == '/' ? dir + stem : dir + "/" + stem);
  std::string gz = base + ".gz";
  if (path_exists(gz)) return gz;
  if (path_exists(base)) return base;
  throw Error("data file not found: neither " + gz + " nor " + base + " exists");
}

void write_file_atomic(const std::string& path, const std::string& contents) {
  write_file_atomic(path, [&contents](const WriteChunk& write) {
    write(reinterpret_cast<const uint8_t*>(contents.data()), contents.size());
  });
}

void write_file_atomic(const std::string& path, const std::function<void(const WriteChunk&)>& produce) {
  const std::string tmp = path + ".tmp." + std::to_string(::getpid());
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666);
  if (fd < 0) throw_file_error(path, "cannot create temp file " + tmp, errno);
  int err = 0;
  const WriteChunk write = [&](const uint8_t* data, size_t n) {
    err = write_all(fd, reinterpret_cast<const char*>(data), n);
    if (err != 0) {
      ::close(fd);
      ::unlink(tmp.c_str());
      throw_file_error(path, "write failed (temp file " + tmp + ")", err);
    }
  };
  try {
    produce(write);
  } catch (...) {
    if (err == 0) {  // the producer failed (a write failure has cleaned up already)
      ::close(fd);
      ::unlink(tmp.c_str());
    }
    throw;
  }
  const char* step = "fsync failed (temp file ";
  if (::fsync(fd) != 0) err = errno;
  if (::close(fd) != 0 && err == 0) {
    err = errno;
    step = "close failed (temp file ";
  }
  if (err != 0) {
    ::unlink(tmp.c_str());
    throw_file_error(path, step + tmp + ")", err);
  }
  if (::rename(tmp.c_str(), path.c_str()) != 0) {
    err = errno;
    ::unlink(tmp.c_str());
    throw_file_error(path, "cannot rename temp file " + tmp + " over it", err);
  }
  sync_parent_dir(path);
}

}  // namespace modlr::formats
