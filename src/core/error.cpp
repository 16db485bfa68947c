#include "modlr/core/error.h"

#include <c10/util/Exception.h>

#include "modlr/core/text.h"

namespace modlr {

std::string describe_error(const std::exception& e) {
  if (auto torch_error = dynamic_cast<const c10::Error*>(&e)) {
    std::string text = torch_error->what_without_backtrace();
    return "torch: " + escape_text(text.substr(0, text.find('\n')));
  }
  std::string text = e.what();
  // Messages quote file names, tar members and config values as they are: shown escaped,
  // they cannot move a terminal's cursor or colour it.
  return escape_text(text.substr(0, text.find('\n')));
}

}  // namespace modlr
