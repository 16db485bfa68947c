#pragma once
/// Line-aligned parallel text (a translation corpus such as Multi30k): two files, gzip'd or
/// plain, UTF-8, one sentence per line, line i of one translating line i of the other.
/// Torch-free (the fuzz target links it alone).
///
/// Lines end at "\n"; a "\r" before it is dropped (CRLF files); a last line without "\n"
/// counts, a final "\n" does not start another. Every line must be well-formed UTF-8
/// (text.h's rules) and, unless `allow_empty_lines`, hold something other than spaces and
/// tabs. Errors are one line naming the file and the 1-based line.
#include <cstdint>
#include <string>
#include <vector>

#include "modlr/formats/file_bytes.h"

namespace modlr::formats {

/// The lines of `bytes` (already decompressed) read as above; `name` is the file in errors.
std::vector<std::string> parse_text_lines(const std::string& bytes, const std::string& name, bool allow_empty_lines);

struct ParallelText {
  std::vector<std::string> source, target;  ///< the same count, aligned
};

/// Reads both files (gzip by magic bytes, within `limits`) and checks that they hold the
/// same number of lines; a difference names both files and their counts.
ParallelText read_parallel_text(const std::string& source_path, const std::string& target_path,
                                const DecodeLimits& limits, bool allow_empty_lines);

}  // namespace modlr::formats
