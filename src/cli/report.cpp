#include <filesystem>
#include <fstream>
#include <iostream>

#include "modlr/cli/commands.h"
#include "modlr/compare/format.h"
#include "modlr/core/error.h"
#include "modlr/core/text.h"
#include "modlr/formats/file_bytes.h"
#include "modlr/report/html_report.h"

namespace modlr::cli {
int report(const ReportArgs& args) {
  return guarded([&] {
    const auto groups = compare::load_groups(args.groups);
    const auto comparison = compare::compare_groups(groups, /*require_same_workload=*/false);
    std::error_code error;
    std::filesystem::create_directories(args.out_dir, error);
    if (error) throw Error(args.out_dir + ": cannot create directory: " + error.message());
    formats::write_file_atomic(args.out_dir + "/index.html", report::html_report(groups, comparison, args.title));
    formats::write_file_atomic(args.out_dir + "/comparison.json", compare::format_json(comparison));
    formats::write_file_atomic(args.out_dir + "/comparison.md", compare::format_markdown(comparison));
    for (const auto& note : comparison.notes) std::cerr << "modlr: note: " << escape_text(note) << "\n";
    std::cout << "report: " << args.out_dir << "/index.html" << std::endl;
    return 0;
  });
}

}  // namespace modlr::cli
