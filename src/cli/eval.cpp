#include <iomanip>
#include <iostream>

#include "modlr/cli/commands.h"
#include "modlr/runner/experiment.h"
#include "modlr/tracking/checkpoint.h"

namespace modlr::cli {

int eval(const EvalArgs& args) {
  return guarded([&] {
    Experiment experiment(Config::load(args.config, args.overrides));
    const Split split = args.split == "train"        ? Split::train
                        : args.split == "validation" ? Split::validation
                                                     : Split::test;
    auto& dataset = experiment.dataset();
    dataset.load();
    if (dataset.data(split).size() == 0)
      throw Error("split '" + args.split + "' is empty (set dataset.validation for a validation split)");
    load_checkpoint(experiment.models(), args.checkpoint);
    Runner runner(experiment.models(), experiment.loss(), experiment.optimizers(),
                  experiment.runner_options());
    auto loader = dataset.loader(split);
    const auto result = runner.evaluate(*loader, args.split);
    std::cout << "split " << args.split << " (" << result.examples << " examples)\n";
    for (const auto& [name, value] : result.metrics)
      std::cout << std::left << std::setw(18) << name << std::setprecision(6) << value << "\n";
    if (!result.confusion_matrix.empty()) {
      std::cout << "confusion matrix (rows: target, columns: predicted)\n";
      for (const auto& row : result.confusion_matrix) {
        for (auto count : row) std::cout << std::right << std::setw(6) << count;
        std::cout << "\n";
      }
    }
    return 0;
  });
}

}  // namespace modlr::cli
