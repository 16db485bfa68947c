// libFuzzer target: the CSV parser and the numeric-cell parser (data files are untrusted
// input). Any input must either parse or raise modlr::Error; anything else (a crash, a
// sanitizer report, a leak, another exception type) is a bug, and so is a broken contract.
#include <cmath>
#include <cstdint>
#include <string>

#include "modlr/core/error.h"
#include "modlr/formats/csv.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
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
  } catch (const modlr::Error& e) {
    if (std::string(e.what()).find('\n') != std::string::npos) __builtin_trap();  // one line
  }
  return 0;
}
