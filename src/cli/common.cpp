#include <iostream>

#include "modlr/cli/commands.h"
#include "modlr/core/error.h"
#include "modlr/core/text.h"

namespace modlr::cli {

int guarded(const std::function<int()>& body) {
  try {
    return body();
  } catch (const std::exception& e) {
    std::cerr << "modlr: error: " << describe_error(e) << std::endl;
    return 1;
  }
}

}  // namespace modlr::cli
