// libFuzzer target: a run directory read back by `compare` and `report` (compare/run_group.h).
// The input is "summary.json \0 config.yaml \0 metrics.csv" (a part left out: that file is
// absent); load_run must return or raise modlr::Error, nothing else.
#include <unistd.h>

#include <cstdint>
#include <cstdlib>
#include <fstream>
#include <string>

#include "modlr/compare/run_group.h"
#include "modlr/core/error.h"

namespace {

const std::string& work_dir() {
  static const std::string dir = [] {
    char pattern[] = "/tmp/modlr-fuzz-run-record-XXXXXX";
    return std::string(::mkdtemp(pattern));
  }();
  return dir;
}

void write_or_remove(const std::string& path, const std::string& text, bool present) {
  if (!present) {
    ::unlink(path.c_str());
    return;
  }
  std::ofstream(path, std::ios::binary | std::ios::trunc) << text;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string input(reinterpret_cast<const char*>(data), size);
  const auto first = input.find('\0');
  const auto second = first == std::string::npos ? std::string::npos : input.find('\0', first + 1);
  const std::string& dir = work_dir();
  write_or_remove(dir + "/summary.json", input.substr(0, first), true);
  write_or_remove(dir + "/config.yaml", first == std::string::npos ? "" : input.substr(first + 1, second - first - 1),
                  first != std::string::npos);
  write_or_remove(dir + "/metrics.csv", second == std::string::npos ? "" : input.substr(second + 1),
                  second != std::string::npos);
  try {
    modlr::compare::load_run(dir);
  } catch (const modlr::Error&) {
  }
  return 0;
}
