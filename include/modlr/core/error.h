#pragma once
/// modlr's single error type. Every failure a user can cause (bad config, missing or
/// corrupt file, divergence) is thrown as modlr::Error with a one-line message that names
/// the file or config key at fault; the CLI prints it and exits non-zero.
#include <cstring>
#include <stdexcept>
#include <string>

namespace modlr {

class Error : public std::runtime_error {
 public:
  explicit Error(const std::string& message) : std::runtime_error(message) {}
};

/// The first line of `e`'s message as it is (libtorch errors without their backtraces).
std::string first_line_of(const std::exception& e);

/// One line describing `e` for a terminal or a run record: the first line of its message,
/// control characters escaped; torch errors lose their backtraces and say "torch: ".
std::string describe_error(const std::exception& e);

/// Throws modlr::Error "`path`: `what`: strerror(`err`)" (`err` is an errno value). Inline:
/// the torch-free parsers (and their fuzz targets) use it without linking error.cpp.
[[noreturn]] inline void throw_file_error(const std::string& path, const std::string& what, int err) {
  throw Error(path + ": " + what + ": " + std::strerror(err));
}

}  // namespace modlr
