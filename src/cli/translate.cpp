// `modlr translate`: the arguments into a TranslateRequest (run/translation_run.h).
#include <iostream>
#include <sstream>

#include "modlr/cli/commands.h"
#include "modlr/run/translation_run.h"

namespace modlr::cli {

int translate(const TranslateArgs& args) {
  return guarded([&] {
    TranslateRequest request{args.config, args.overrides, args.checkpoint, args.batch_size, args.detokenize};
    if (args.beam > 0) request.overrides.push_back("loss.search.beam=" + std::to_string(args.beam));
    if (args.length_penalty >= 0) {
      std::ostringstream value;
      value << args.length_penalty;
      request.overrides.push_back("loss.search.length_penalty=" + value.str());
    }
    translate_lines(request, std::cin, std::cout);
    return 0;
  });
}

}  // namespace modlr::cli
