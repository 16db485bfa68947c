#include "modlr/formats/checksummed.h"

#include <cstdio>

#include "modlr/core/error.h"
#include "modlr/formats/file_bytes.h"
#include "modlr/formats/sha256.h"

namespace modlr::formats {
namespace {

[[noreturn]] void refuse(const std::string& path, const std::string& why) {
  throw Error(path + ": not a checkpoint modlr wrote (" + why +
              "); .pt files are read only as modlr's own checkpoints, give other weights as .safetensors");
}

}  // namespace

std::string checksum_path(const std::string& path) { return path + ".sha256"; }

void write_checksummed(const std::string& path, const std::string& bytes) {
  write_file_atomic(path, bytes);
  write_file_atomic(checksum_path(path), sha256_hex_bytes(bytes) + "\n");
}

std::vector<uint8_t> read_checksummed(const std::string& path) {
  auto bytes = read_file_raw(path);
  std::vector<uint8_t> recorded;
  try {
    recorded = read_file_raw(checksum_path(path));
  } catch (const Error&) {
    refuse(path, "no checksum " + checksum_path(path));
  }
  const std::string digest(recorded.begin(), recorded.end());
  if (digest.size() != 65 || digest.back() != '\n' || digest.find_first_not_of("0123456789abcdef") != 64)
    refuse(path, checksum_path(path) + " is not a SHA-256 checksum");
  if (digest.compare(0, 64, sha256_hex(bytes)) != 0) refuse(path, "its bytes do not match its checksum");
  return bytes;
}

void remove_checksummed(const std::string& path) {
  std::remove(path.c_str());
  std::remove(checksum_path(path).c_str());
}

}  // namespace modlr::formats
