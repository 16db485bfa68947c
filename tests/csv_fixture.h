#pragma once
// A learnable synthetic regression table for the csv source's CLI and parity tests.
#include <string>

#include "test_support.h"

namespace modlr::testing {

/// Writes `rows` data rows "a,b,kind,y" with CRLF line ends to `path`: y = 3a - 2b plus an
/// offset per kind (north, south, east) plus a little deterministic noise; b is empty in
/// every 25th row (so a config needs `missing:` other than error) and kind is quoted in
/// every 7th. Inputs after one-hot: 2 numeric + 3 categories = 5.
inline void write_synthetic_csv(const std::string& path, int rows) {
  const char* kinds[] = {"north", "south", "east"};
  const double offsets[] = {1.0, -1.0, 0.5};
  std::string text = "a,b,kind,y\r\n";
  for (int i = 0; i < rows; ++i) {
    const double a = ((i * 37) % 101) / 10.0 - 5, b = ((i * 53) % 97) / 10.0 - 4.8;
    const double y = 3 * a - 2 * b + offsets[i % 3] + ((i * 17) % 11 - 5) / 50.0;
    const std::string kind = i % 7 == 0 ? "\"" + std::string(kinds[i % 3]) + "\"" : kinds[i % 3];
    text += std::to_string(a) + "," + (i % 25 == 24 ? "" : std::to_string(b)) + "," + kind + "," + std::to_string(y) +
            "\r\n";
  }
  write_text(path, text);
}

/// A config training an MLP 5-16-1 on write_synthetic_csv's file `csv`, runs in `runs_dir`.
inline std::string csv_config(const std::string& csv, const std::string& runs_dir) {
  return "experiment: tiny-csv\nseed: 3\ndataset:\n  name: csv\n  path: " + csv +
         "\n  target: y\n  categorical: [kind]\n  missing: median\n  standardize: true\n"
         "  validation: 0.1\n  batch_size: 16\nmodel:\n  name: mlp\n  sizes: [5, 16, 1]\nloss:\n  name: mse\n"
         "optimizer:\n  name: adam\n  lr: 0.01\nrunner:\n  epochs: 15\n  threads: 1\ntracking:\n  dir: " +
         runs_dir + "\n";
}

}  // namespace modlr::testing
