// libFuzzer target: the CSV parser, its chunked twin index_csv (the lazy sources' reader)
// and the numeric-cell parser (data files are untrusted input). Any input must either parse
// or raise modlr::Error; anything else (a crash, a sanitizer report, a leak, another
// exception type) is a bug, and so is a broken contract: index_csv, in chunks of any size,
// must accept exactly the inputs parse_csv accepts and find the same records.
#include <unistd.h>

#include <cmath>
#include <cstdint>
#include <fstream>
#include <string>

#include "modlr/core/error.h"
#include "modlr/formats/csv.h"

namespace {

// The records index_csv finds reading `path` in chunks of `chunk` bytes, or "error".
std::vector<std::vector<std::string>> indexed_records(const std::string& path, size_t chunk) {
  std::vector<std::vector<std::string>> records;
  try {
    const auto file = modlr::formats::SeekableFile::open(path, "unused", "");
    const auto index = modlr::formats::index_csv(*file, nullptr, chunk);
    for (size_t r = 0; r < index.size(); ++r) records.push_back(modlr::formats::read_csv_record(*file, index, r));
  } catch (const modlr::Error& e) {
    if (std::string(e.what()).find('\n') != std::string::npos) __builtin_trap();  // one line
    return {{"error"}};
  }
  return records;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  static const std::string path = "/tmp/fuzz_csv." + std::to_string(::getpid()) + ".csv";
  std::ofstream(path, std::ios::binary | std::ios::trunc) << text;
  std::vector<std::vector<std::string>> parsed{{"error"}};
  try {
    const auto table = modlr::formats::parse_csv(text, "fuzz");
    if (table.rows.size() != table.lines.size()) __builtin_trap();
    int64_t previous = table.header_line;
    for (size_t i = 0; i < table.rows.size(); ++i) {
      if (table.rows[i].size() != table.header.size() || table.lines[i] <= previous) __builtin_trap();
      previous = table.lines[i];
      for (const auto& cell : table.rows[i]) {
        double value = 0;
        if (modlr::formats::parse_number(cell, value) && !std::isfinite(value)) __builtin_trap();
        if (modlr::formats::quote_cell(cell).find('\n') != std::string::npos) __builtin_trap();
      }
    }
    parsed = table.rows;
  } catch (const modlr::Error& e) {
    if (std::string(e.what()).find('\n') != std::string::npos) __builtin_trap();  // one line
  }
  for (size_t chunk : {size_t{1}, size_t{3}, size_t{64}})
    if (indexed_records(path, chunk) != parsed) __builtin_trap();
  return 0;
}
