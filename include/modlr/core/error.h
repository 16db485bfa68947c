#pragma once
/// modlr's single error type. Every failure a user can cause (bad config, missing or
/// corrupt file, divergence) is thrown as modlr::Error with a one-line message that names
/// the file or config key at fault; the CLI prints it and exits non-zero.
#include <stdexcept>
#include <string>

namespace modlr {

class Error : public std::runtime_error {
 public:
  explicit Error(const std::string& message) : std::runtime_error(message) {}
};

}  // namespace modlr
