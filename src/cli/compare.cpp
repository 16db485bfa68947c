#include <fstream>
#include <iostream>

#include "modlr/cli/commands.h"
#include "modlr/compare/format.h"
#include "modlr/core/error.h"
#include "modlr/core/text.h"
#include "modlr/formats/file_bytes.h"

namespace modlr::cli {
int compare(const CompareArgs& args) {
  return guarded([&] {
    const auto groups = compare::load_groups(args.groups);
    const auto result = compare::compare_groups(groups, !args.allow_mixed_workloads);
    if (args.format == "json")
      std::cout << compare::format_json(result);
    else if (args.format == "markdown")
      std::cout << compare::format_markdown(result);
    else
      std::cout << compare::format_text(result);
    if (!args.json_out.empty()) formats::write_file_atomic(args.json_out, compare::format_json(result));
    if (!args.markdown_out.empty()) formats::write_file_atomic(args.markdown_out, compare::format_markdown(result));
    if (args.format != "table")  // the table already lists the notes; keep stdout parseable
      for (const auto& note : result.notes) std::cerr << "modlr: note: " << escape_text(note) << "\n";
    return 0;
  });
}

}  // namespace modlr::cli
