// Line-aligned parallel text (formats/parallel_text.h).
#include "modlr/formats/parallel_text.h"

#include "modlr/core/error.h"
#include "modlr/dataset/text.h"

namespace modlr::formats {

std::vector<std::string> parse_text_lines(const std::string& bytes, const std::string& name, bool allow_empty_lines) {
  std::vector<std::string> lines;
  for (size_t at = 0; at < bytes.size();) {
    const size_t newline = bytes.find('\n', at);
    const size_t end = newline == std::string::npos ? bytes.size() : newline;
    std::string line = bytes.substr(at, end - at);
    if (!line.empty() && line.back() == '\r') line.pop_back();
    const auto where = name + ": line " + std::to_string(lines.size() + 1);
    const size_t bad = text::invalid_utf8_offset(line);
    if (bad != std::string::npos)
      throw Error(where + ": not UTF-8 (invalid byte at column " + std::to_string(bad + 1) + ")");
    if (!allow_empty_lines && line.find_first_not_of(" \t") == std::string::npos)
      throw Error(where + ": empty line (every line must hold a sentence; dataset.allow_empty_lines: true keeps them)");
    lines.push_back(std::move(line));
    at = end + 1;
  }
  return lines;
}

ParallelText read_parallel_text(const std::string& source_path, const std::string& target_path,
                                const DecodeLimits& limits, bool allow_empty_lines) {
  const auto read = [&](const std::string& path) {
    const auto bytes = read_file_bytes(path, limits);
    return parse_text_lines(std::string(bytes.begin(), bytes.end()), path, allow_empty_lines);
  };
  ParallelText out{read(source_path), read(target_path)};
  if (out.source.size() != out.target.size())
    throw Error(source_path + " has " + std::to_string(out.source.size()) + " lines but " + target_path + " has " +
                std::to_string(out.target.size()) + ": line i of one must translate line i of the other");
  return out;
}

}  // namespace modlr::formats
