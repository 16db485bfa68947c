#pragma once
/// A small reader for tar archives as GNU tar and Python's tarfile write them (GNU, POSIX
/// ustar and pax formats), for data sets shipped as .tar.gz: gunzip with read_file_bytes()
/// (formats/file_bytes.h), then parse_tar() on the bytes.
///
/// What it understands:
///   - 512-byte headers with the "ustar" magic (GNU "ustar  " or POSIX "ustar\0"; old v7
///     headers without a magic are refused), checksum validated (the unsigned or the signed
///     byte sum, as tar and Python's tarfile accept);
///   - sizes in octal (NUL/space-terminated, optional leading spaces) or GNU base-256;
///   - the POSIX name prefix field, GNU long names ('L' members) and the `path` record of
///     pax extended headers ('x' members);
///   - the end of the archive: the first all-zero header block (what follows is ignored).
/// Every other member type is listed with its type flag and skipped over by its size.
///
/// Every problem throws modlr::Error with one line naming the archive, the member (when it
/// is known) and the byte offset: a truncated archive (a header or a member's data running
/// past the end, no end-of-archive block) or a corrupt header (checksum mismatch, no magic,
/// a size field that is not a number, a malformed pax record).
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "modlr/formats/seekable_file.h"

namespace modlr::formats {

/// One member of a tar archive. Data is not copied: it is bytes[offset, offset + size).
struct TarMember {
  std::string name;          ///< path as stored, long names resolved ("aclImdb/train/pos/0_9.txt")
  char type = '0';           ///< '0' regular file (also for '\0' and '7'), '5' directory, '1' hard
                             ///< link, '2' symlink, ... (the header's type flag)
  size_t header_offset = 0;  ///< of the member's (last) header block
  size_t offset = 0;         ///< of the data
  size_t size = 0;           ///< data bytes
  bool is_file() const { return type == '0'; }
};

/// The members of the uncompressed tar archive `bytes`, in archive order (GNU long-name
/// and pax headers are consumed, not listed). Errors name `archive_name`.
std::vector<TarMember> parse_tar(const std::vector<uint8_t>& bytes, const std::string& archive_name);

/// The members of `archive` (uncompressed content, read at offsets: only headers are
/// read), as parse_tar lists them; errors name archive.path(). Long-name and pax headers
/// over 1 MiB are refused as corrupt (by both functions).
std::vector<TarMember> list_tar(const SeekableFile& archive);

}  // namespace modlr::formats
