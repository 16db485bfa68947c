#pragma once
/// Files modlr reads only if it wrote them itself: a libtorch .pt archive is not validated
/// by libtorch's reader (an empty or truncated storage record crashed it, or exported heap
/// bytes as weights), so modlr reads a .pt only when the SHA-256 it recorded beside the file
/// when writing it (`<file>.sha256`) matches. Weights from elsewhere come as safetensors.
/// No torch here (the fuzz target enters at read_checksummed).
#include <cstdint>
#include <string>
#include <vector>

namespace modlr::formats {

/// `<path>.sha256`, the checksum file written beside `path`.
std::string checksum_path(const std::string& path);

/// Writes `bytes` to `path`, then their SHA-256 to checksum_path(path), each atomically.
void write_checksummed(const std::string& path, const std::string& bytes);

/// The bytes of `path` if checksum_path(path) holds their SHA-256 (64 lowercase hex digits
/// and a newline). Throws modlr::Error naming `path` otherwise: missing or unreadable file
/// or checksum, a checksum file that is not one, or a mismatch (a changed, cut or foreign
/// file), saying that .pt files are read only as modlr's own checkpoints.
std::vector<uint8_t> read_checksummed(const std::string& path);

/// Removes `path` and its checksum file (missing ones are fine).
void remove_checksummed(const std::string& path);

}  // namespace modlr::formats
