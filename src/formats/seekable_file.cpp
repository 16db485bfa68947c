#include "modlr/formats/seekable_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>

#include "modlr/core/error.h"

namespace modlr::formats {
namespace {

int open_regular(const std::string& path, struct stat& st) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK);
  if (fd < 0) throw_file_error(path, "cannot open file", errno);
  if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    const int err = errno;
    ::close(fd);
    if (S_ISREG(st.st_mode)) throw_file_error(path, "cannot stat file", err);
    throw Error(path + ": not a regular file (a directory, FIFO, socket or device is never read as data)");
  }
  return fd;
}

bool starts_with_gzip_magic(int fd) {
  uint8_t magic[2] = {0, 0};
  return ::pread(fd, magic, 2, 0) == 2 && magic[0] == 0x1f && magic[1] == 0x8b;
}

// Unpacks the gzipped `path` (open as `in`) into `target`, streaming, through
// write_file_atomic: a failure leaves no file behind.
void unpack(const std::string& path, int in, const std::string& target, const DecodeLimits& limits) {
  uint64_t at = 0;
  const ReadChunk read = [&](uint8_t* buffer, size_t capacity) -> size_t {
    for (;;) {
      const ssize_t n = ::pread(in, buffer, capacity, static_cast<off_t>(at));
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) throw_file_error(path, "read error", errno);
      at += static_cast<uint64_t>(n);
      return static_cast<size_t>(n);
    }
  };
  write_file_atomic(target, [&](const WriteChunk& write) { gunzip_stream(read, write, path, limits); });
}

}  // namespace

std::string default_unpack_dir() {
  const char* cache = std::getenv("XDG_CACHE_HOME");
  if (cache && *cache) return std::string(cache) + "/modlr/unpacked";
  const char* home = std::getenv("HOME");
  if (home && *home) return std::string(home) + "/.cache/modlr/unpacked";
  return "";
}

SeekableFile::SeekableFile(std::string path, std::string content_path, int fd, uint64_t size)
    : path_(std::move(path)), content_path_(std::move(content_path)), fd_(fd), size_(size) {}

SeekableFile::~SeekableFile() {
  if (fd_ >= 0) ::close(fd_);
}

std::shared_ptr<const SeekableFile> SeekableFile::open(const std::string& path, const std::string& sha256_hex,
                                                       const std::string& unpack_dir, const DecodeLimits& limits) {
  struct stat st {};
  int fd = open_regular(path, st);
  if (!starts_with_gzip_magic(fd))
    return std::shared_ptr<const SeekableFile>(new SeekableFile(path, path, fd, static_cast<uint64_t>(st.st_size)));
  if (unpack_dir.empty()) {
    ::close(fd);
    throw Error(path +
                ": a gzipped file read per batch needs a folder to unpack it into: set dataset.unpack_dir "
                "(or HOME / XDG_CACHE_HOME)");
  }
  const std::string target = unpack_dir + "/" + sha256_hex;
  struct stat unpacked {};
  if (::stat(target.c_str(), &unpacked) != 0) {
    std::error_code error;
    std::filesystem::create_directories(unpack_dir, error);
    if (error) {
      ::close(fd);
      throw Error(unpack_dir + ": cannot create the folder to unpack " + path +
                  " into (dataset.unpack_dir): " + error.message());
    }
    try {
      unpack(path, fd, target, limits);
    } catch (...) {
      ::close(fd);
      throw;
    }
  }
  ::close(fd);
  fd = open_regular(target, unpacked);
  return std::shared_ptr<const SeekableFile>(
      new SeekableFile(path, target, fd, static_cast<uint64_t>(unpacked.st_size)));
}

void SeekableFile::read(uint64_t offset, void* out, size_t n) const {
  if (offset > size_ || n > size_ - offset)
    throw Error(path_ + ": read of " + std::to_string(n) + " bytes at offset " + std::to_string(offset) +
                " runs past its " + std::to_string(size_) + " bytes (the file changed while it was read?)");
  auto* bytes = static_cast<uint8_t*>(out);
  while (n > 0) {
    const ssize_t got = ::pread(fd_, bytes, n, static_cast<off_t>(offset));
    if (got < 0 && errno == EINTR) continue;
    if (got < 0) throw_file_error(path_, "read error", errno);
    if (got == 0)
      throw Error(path_ + ": ends early at offset " + std::to_string(offset) +
                  " (the file changed while it was read?)");
    bytes += got;
    offset += static_cast<uint64_t>(got);
    n -= static_cast<size_t>(got);
  }
}

std::string SeekableFile::read_string(uint64_t offset, size_t n) const {
  std::string out(n, '\0');
  read(offset, out.data(), n);
  return out;
}

}  // namespace modlr::formats
