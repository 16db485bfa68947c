#include "modlr/core/error.h"

#include <c10/util/Exception.h>

#include "modlr/core/text.h"

namespace modlr {

std::string first_line_of(const std::exception& e) {
  const auto* torch_error = dynamic_cast<const c10::Error*>(&e);
  const std::string text = torch_error ? torch_error->what_without_backtrace() : e.what();
  return text.substr(0, text.find('\n'));
}

std::string describe_error(const std::exception& e) {
  // Messages quote file names, tar members and config values as they are: shown escaped,
  // they cannot move a terminal's cursor or colour it.
  const std::string prefix = dynamic_cast<const c10::Error*>(&e) ? "torch: " : "";
  return prefix + escape_text(first_line_of(e));
}

}  // namespace modlr
