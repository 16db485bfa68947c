#pragma once
// Writes small tar archives for the tests: headers built by hand (so the tests control
// every field, including broken ones) and gzip.
#include <cstdint>
#include <string>
#include <vector>

namespace modlr::testing {

/// One 512-byte header. `magic` is "ustar  " (GNU, with its NUL) or "ustar" (POSIX:
/// "ustar\0" + version "00"). The checksum is computed unless `checksum` >= 0 is given.
struct TarHeader {
  std::string name;
  uint64_t size = 0;
  char type = '0';
  std::string magic = "ustar  ";
  std::string prefix;  // POSIX only
  int64_t checksum = -1;
};
std::string tar_header(const TarHeader& header);

/// A regular file member: header plus data padded to 512 bytes.
std::string tar_file(const std::string& name, const std::string& data, char type = '0');
/// A directory member ("name/", type '5').
std::string tar_directory(const std::string& name);
/// A GNU long-name member ('L') naming the member that follows.
std::string tar_long_name(const std::string& name);
/// A pax extended header ('x') with one record "path=<path>".
std::string tar_pax_path(const std::string& path);
/// The end-of-archive marker: two zero blocks.
std::string tar_end();

/// gzip-compresses `bytes` (zlib's gzip wrapper).
std::string gzip(const std::string& bytes);
std::vector<uint8_t> to_bytes(const std::string& s);

}  // namespace modlr::testing
