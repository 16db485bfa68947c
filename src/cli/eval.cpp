// `modlr eval`: the arguments into an EvalRequest (run/evaluation_run.h, where the
// evaluation is built and run) and the outcome printed.
#include <algorithm>
#include <iomanip>
#include <iostream>

#include "modlr/cli/commands.h"
#include "modlr/run/evaluation_run.h"

namespace modlr::cli {
namespace {

// Rows: target class, columns: predicted; headed by the class names where the data has them
// (image folders), else by the class indices.
void print_confusion_matrix(const std::vector<std::vector<int64_t>>& matrix, const std::vector<std::string>& names) {
  const auto label = [&](size_t k) { return k < names.size() ? names[k] : std::to_string(k); };
  size_t width = 6, first = 0;
  for (size_t k = 0; k < matrix.size(); ++k) {
    width = std::max(width, label(k).size() + 1);
    first = std::max(first, label(k).size());
  }
  std::cout << "confusion matrix (rows: target, columns: predicted)\n" << std::string(first, ' ');
  for (size_t k = 0; k < matrix.size(); ++k) std::cout << std::right << std::setw(static_cast<int>(width)) << label(k);
  std::cout << "\n";
  for (size_t r = 0; r < matrix.size(); ++r) {
    std::cout << std::left << std::setw(static_cast<int>(first)) << label(r);
    for (auto count : matrix[r]) std::cout << std::right << std::setw(static_cast<int>(width)) << count;
    std::cout << "\n";
  }
}

}  // namespace

int eval(const EvalArgs& args) {
  return guarded([&] {
    const auto outcome =
        evaluate_run({args.config, args.overrides, args.checkpoint, args.split, args.device, args.save_outputs});
    const auto& result = outcome.result;
    std::cout << "split " << args.split << " (" << result.examples << " examples) on " << outcome.device
              << ": batch loading " << std::setprecision(4) << result.load_seconds << " s, computing "
              << result.compute_seconds << " s\n";
    for (const auto& [name, value] : result.metrics) {
      std::cout << std::left << std::setw(18) << name;
      const auto undefined = result.undefined.find(name);
      if (undefined == result.undefined.end())
        std::cout << std::setprecision(6) << value << "\n";
      else
        std::cout << "undefined: " << undefined->second << "\n";
    }
    if (!result.confusion_matrix.empty()) print_confusion_matrix(result.confusion_matrix, outcome.class_names);
    if (outcome.forward_seconds)
      std::cout << std::left << std::setw(18) << "inference_seconds" << std::setprecision(6) << *outcome.forward_seconds
                << "\n"
                << "outputs saved to " << args.save_outputs << "\n";
    return 0;
  });
}

}  // namespace modlr::cli
