#include "modlr/formats/tar.h"

#include <algorithm>
#include <cstring>
#include <functional>

#include "modlr/core/error.h"
#include "modlr/core/interrupt.h"

namespace modlr::formats {
namespace {

constexpr size_t kBlock = 512;
constexpr size_t kMaxHeaderData = size_t{1} << 20;

// Header field offsets and widths (POSIX.1-1988 ustar; GNU shares the first 345 bytes).
constexpr size_t kName = 0, kNameSize = 100;
constexpr size_t kSize = 124, kSizeSize = 12;
constexpr size_t kChecksum = 148, kChecksumSize = 8;
constexpr size_t kType = 156;
constexpr size_t kMagic = 257;
constexpr size_t kPrefix = 345, kPrefixSize = 155;

/// Walks the archive block by block; errors name the archive, offset and member.
class TarParser {
 public:
  /// Reads `n` bytes at `offset` (< size) into `out`.
  using ReadAt = std::function<void(uint64_t offset, uint8_t* out, size_t n)>;
  TarParser(uint64_t size, ReadAt read, const std::string& archive)
      : size_(size), read_(std::move(read)), archive_(archive) {}

  std::vector<TarMember> parse() {
    std::vector<TarMember> members;
    std::string long_name;  // from a GNU 'L' or pax 'x' header, for the next member
    for (size_t at = 0;;) {
      throw_if_stop_requested();  // a large archive takes a while: Ctrl-C is honoured here
      if (at >= size_) truncated("it ends at offset " + std::to_string(at) + " without the end-of-archive block");
      if (size_ - at < kBlock) truncated("the header at offset " + std::to_string(at) + " is cut off");
      uint8_t header[kBlock];
      read_(at, header, kBlock);
      if (std::all_of(header, header + kBlock, [](uint8_t b) { return b == 0; })) {
        if (!long_name.empty()) corrupt(at, long_name, "a long-name header is not followed by its member");
        return members;
      }
      TarMember member = read_header(header, at, long_name);
      at += kBlock;
      member.offset = at;
      if (member.size > size_ - at)
        truncated("member '" + member.name + "' needs " + std::to_string(member.size) + " bytes of data at offset " +
                  std::to_string(at) + " but only " + std::to_string(size_ - at) + " remain");
      at += member.size + (kBlock - member.size % kBlock) % kBlock;
      if (member.type == 'L') {
        const auto data = member_data(member);
        long_name = field(reinterpret_cast<const uint8_t*>(data.data()), data.size());
      } else if (member.type == 'x') {
        long_name = pax_path(member, long_name);
      } else if (member.type != 'g' && member.type != 'K') {
        if (member.type == '\0' || member.type == '7') member.type = '0';
        long_name.clear();
        members.push_back(std::move(member));
      }
    }
  }

 private:
  [[noreturn]] void truncated(const std::string& what) const {
    throw Error(archive_ + ": truncated tar archive: " + what);
  }
  [[noreturn]] void corrupt(size_t at, const std::string& member, const std::string& what) const {
    throw Error(archive_ + ": corrupt tar archive: header at offset " + std::to_string(at) +
                (member.empty() ? "" : " (member '" + member + "')") + ": " + what);
  }

  // The data of a long-name or pax header (bounded: a name is never megabytes long).
  std::string member_data(const TarMember& member) const {
    if (member.size > kMaxHeaderData)
      corrupt(member.header_offset, member.name,
              "a long-name or pax header of " + std::to_string(member.size) + " bytes (at most " +
                  std::to_string(kMaxHeaderData) + " are read)");
    std::string data(member.size, '\0');
    read_(member.offset, reinterpret_cast<uint8_t*>(data.data()), data.size());
    return data;
  }

  // A NUL-terminated string field of at most `n` bytes.
  static std::string field(const uint8_t* p, size_t n) {
    const size_t length = std::find(p, p + n, uint8_t{0}) - p;
    return std::string(reinterpret_cast<const char*>(p), length);
  }

  // A numeric field: octal digits with optional surrounding spaces, ended by NUL or the
  // field's end (an empty field is 0), or GNU base-256 (first byte 0x80). False if malformed.
  static bool number(const uint8_t* p, size_t n, uint64_t& out) {
    out = 0;
    if (p[0] == 0x80) {
      for (size_t i = 1; i < n; ++i) {
        if (out >> 56) return false;
        out = out << 8 | p[i];
      }
      return true;
    }
    std::string text = field(p, n);
    const auto first = text.find_first_not_of(' ');
    if (first == std::string::npos) return true;
    text = text.substr(first, text.find_last_not_of(' ') - first + 1);
    for (char c : text) {
      if (c < '0' || c > '7' || (out >> 61)) return false;
      out = out * 8 + static_cast<uint64_t>(c - '0');
    }
    return true;
  }

  void check_checksum(const uint8_t* header, size_t at, const std::string& name) const {
    uint64_t stored = 0;
    if (!number(header + kChecksum, kChecksumSize, stored)) corrupt(at, name, "checksum field is not an octal number");
    uint64_t unsigned_sum = 0;
    int64_t signed_sum = 0;
    for (size_t i = 0; i < kBlock; ++i) {
      const uint8_t b = (i >= kChecksum && i < kChecksum + kChecksumSize) ? uint8_t{' '} : header[i];
      unsigned_sum += b;
      signed_sum += static_cast<int8_t>(b);
    }
    if (stored != unsigned_sum && static_cast<int64_t>(stored) != signed_sum)
      corrupt(
          at, name,
          "checksum mismatch (stored " + std::to_string(stored) + ", computed " + std::to_string(unsigned_sum) + ")");
  }

  TarMember read_header(const uint8_t* header, size_t at, const std::string& long_name) const {
    TarMember member;
    member.header_offset = at;
    member.name = field(header + kName, kNameSize);
    check_checksum(header, at, member.name);
    if (std::memcmp(header + kMagic, "ustar", 5) != 0) corrupt(at, member.name, "no ustar magic (not a tar archive?)");
    const bool posix = header[kMagic + 5] == 0;  // "ustar\0": the prefix field holds a path
    const std::string prefix = posix ? field(header + kPrefix, kPrefixSize) : "";
    if (!prefix.empty()) member.name = prefix + "/" + member.name;
    if (!long_name.empty()) member.name = long_name;
    member.type = static_cast<char>(header[kType]);
    uint64_t size = 0;
    if (!number(header + kSize, kSizeSize, size)) corrupt(at, member.name, "size field is not a number");
    member.size = static_cast<size_t>(size);
    if (member.size != size) corrupt(at, member.name, "size " + std::to_string(size) + " is too large");
    return member;
  }

  // The `path` of a pax extended header (records "LEN key=value\n"), else `fallback`.
  std::string pax_path(const TarMember& member, const std::string& fallback) const {
    std::string path = fallback;
    const std::string data = member_data(member);
    for (size_t at = 0; at < data.size();) {
      if (data[at] == '\0') break;  // NUL padding after the last record
      size_t digits = at;
      uint64_t length = 0;
      while (digits < data.size() && data[digits] >= '0' && data[digits] <= '9' && length < data.size())
        length = length * 10 + static_cast<uint64_t>(data[digits++] - '0');
      const size_t end = at + static_cast<size_t>(length);
      if (digits == at || digits >= data.size() || data[digits] != ' ' || length > data.size() - at ||
          end <= digits + 1 || data[end - 1] != '\n')
        corrupt(member.header_offset, member.name, "malformed pax record at byte " + std::to_string(at));
      const std::string record = data.substr(digits + 1, end - digits - 2);
      const auto equals = record.find('=');
      if (equals == std::string::npos)
        corrupt(member.header_offset, member.name, "malformed pax record at byte " + std::to_string(at));
      if (record.compare(0, equals, "path") == 0 && equals == 4) path = record.substr(equals + 1);
      at = end;
    }
    return path;
  }

  uint64_t size_;
  ReadAt read_;
  const std::string& archive_;
};

}  // namespace

std::vector<TarMember> parse_tar(const std::vector<uint8_t>& bytes, const std::string& archive_name) {
  const auto read = [&bytes](uint64_t offset, uint8_t* out, size_t n) { std::memcpy(out, bytes.data() + offset, n); };
  return TarParser(bytes.size(), read, archive_name).parse();
}

std::vector<TarMember> list_tar(const SeekableFile& archive) {
  const auto read = [&archive](uint64_t offset, uint8_t* out, size_t n) { archive.read(offset, out, n); };
  return TarParser(archive.size(), read, archive.path()).parse();
}

}  // namespace modlr::formats
