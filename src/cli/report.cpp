#include <filesystem>
#include <fstream>
#include <iostream>

#include "modlr/cli/commands.h"
#include "modlr/compare/format.h"
#include "modlr/core/error.h"
#include "modlr/core/text.h"
#include "modlr/formats/file_bytes.h"
#include "modlr/report/html_report.h"
#include "modlr/report/study_report.h"
#include "modlr/tune/study_store.h"

namespace modlr::cli {
namespace {

void create_out_dir(const std::string& dir) {
  std::error_code error;
  std::filesystem::create_directories(dir, error);
  if (error) throw Error(dir + ": cannot create directory: " + error.message());
}

}  // namespace

int report(const ReportArgs& args) {
  return guarded([&] {
    if (args.groups.size() == 1 && StudyLocation::is_study_directory(args.groups[0])) {  // a study (modlr tune)
      create_out_dir(args.out_dir);
      const auto title = args.title == "modlr report" ? "modlr study " + args.groups[0] : args.title;
      formats::write_file_atomic(args.out_dir + "/index.html", report::study_report_html(args.groups[0], title));
      std::cout << "report: " << args.out_dir << "/index.html" << std::endl;
      return 0;
    }
    const auto groups = compare::load_groups(args.groups);
    const auto comparison = compare::compare_groups(groups, /*require_same_workload=*/false);
    create_out_dir(args.out_dir);
    formats::write_file_atomic(args.out_dir + "/index.html", report::html_report(groups, comparison, args.title));
    formats::write_file_atomic(args.out_dir + "/comparison.json", compare::format_json(comparison));
    formats::write_file_atomic(args.out_dir + "/comparison.md", compare::format_markdown(comparison));
    for (const auto& note : comparison.notes) std::cerr << "modlr: note: " << escape_text(note) << "\n";
    std::cout << "report: " << args.out_dir << "/index.html" << std::endl;
    return 0;
  });
}

}  // namespace modlr::cli
