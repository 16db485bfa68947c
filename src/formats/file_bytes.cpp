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

[[noreturn]] void fail(const std::string& path, const std::string& what, int err) {
  throw Error(path + ": " + what + ": " + std::strerror(err));
}

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
  if (guard.fd < 0) fail(path, "cannot open file", errno);
  struct stat st {};
  if (::fstat(guard.fd, &st) != 0) fail(path, "cannot stat file", errno);
  if (S_ISDIR(st.st_mode)) fail(path, "cannot read file", EISDIR);
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
      fail(path, "read error", errno);
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

/// Decompresses all gzip members in `in`; errors name `path`. Output grows in steps of at
/// most 64 MiB, so the limits are checked before memory is spent, and an interrupt is
/// noticed while a large file is decompressed.
std::vector<uint8_t> gunzip(const std::vector<uint8_t>& in, const std::string& path, const DecodeLimits& limits) {
  z_stream zs{};
  if (inflateInit2(&zs, 16 + MAX_WBITS) != Z_OK) throw Error(path + ": cannot initialise zlib");
  InflateGuard guard{&zs};
  constexpr size_t kStep = size_t{64} << 20;
  std::vector<uint8_t> out(std::min<uint64_t>(initial_capacity(in), limits.max_bytes + 1));
  size_t in_pos = 0, out_pos = 0;
  for (;;) {
    check_expansion(out_pos, in_pos, limits, path);
    throw_if_stop_requested();
    if (out_pos == out.size()) out.resize(out.size() + std::min(out.size(), kStep));
    size_t in_chunk = std::min<size_t>(in.size() - in_pos, kStep);
    size_t out_chunk = std::min<size_t>(out.size() - out_pos, kStep);
    zs.next_in = const_cast<Bytef*>(in.data() + in_pos);
    zs.avail_in = static_cast<uInt>(in_chunk);
    zs.next_out = out.data() + out_pos;
    zs.avail_out = static_cast<uInt>(out_chunk);
    int rc = inflate(&zs, Z_NO_FLUSH);
    in_pos += in_chunk - zs.avail_in;
    out_pos += out_chunk - zs.avail_out;
    if (rc == Z_STREAM_END) {
      if (in_pos == in.size()) break;
      if (!has_gzip_magic(in.data() + in_pos, in.size() - in_pos)) {
        throw Error(path + ": corrupt gzip: " + std::to_string(in.size() - in_pos) +
                    " bytes of trailing garbage after the gzip stream at offset " +
                    std::to_string(in_pos));
      }
      inflateReset(&zs);  // next concatenated member
    } else if (rc == Z_BUF_ERROR && in_pos == in.size()) {
      throw Error(path + ": truncated gzip stream: compressed data ends after " +
                  std::to_string(in.size()) + " bytes (" + std::to_string(out_pos) +
                  " bytes decompressed)");
    } else if (rc == Z_DATA_ERROR || rc == Z_NEED_DICT || rc == Z_BUF_ERROR) {
      throw Error(path + ": corrupt gzip stream at compressed offset " + std::to_string(in_pos) +
                  ": " + (zs.msg ? zs.msg : "invalid data"));
    } else if (rc == Z_MEM_ERROR) {
      throw Error(path + ": out of memory while decompressing gzip stream");
    }
  }
  check_expansion(out_pos, in_pos, limits, path);
  out.resize(out_pos);
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
  const std::string tmp = path + ".tmp." + std::to_string(::getpid());
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666);
  if (fd < 0) fail(path, "cannot create temp file " + tmp, errno);
  int err = write_all(fd, contents.data(), contents.size());
  const char* step = "write failed (temp file ";
  if (err == 0 && ::fsync(fd) != 0) {
    err = errno;
    step = "fsync failed (temp file ";
  }
  if (::close(fd) != 0 && err == 0) {
    err = errno;
    step = "close failed (temp file ";
  }
  if (err != 0) {
    ::unlink(tmp.c_str());
    fail(path, step + tmp + ")", err);
  }
  if (::rename(tmp.c_str(), path.c_str()) != 0) {
    err = errno;
    ::unlink(tmp.c_str());
    fail(path, "cannot rename temp file " + tmp + " over it", err);
  }
  sync_parent_dir(path);
}

}  // namespace modlr::formats
