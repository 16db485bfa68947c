// `modlr data CONFIG`: the data as the model will receive it, without training anything.
#include <filesystem>
#include <iostream>
#include <sstream>

#include "modlr/cli/commands.h"
#include "modlr/dataset/data_report.h"
#include "modlr/formats/file_bytes.h"
#include "modlr/formats/png.h"
#include "modlr/runner/experiment.h"
#include "modlr/runner/sample_grid_hook.h"

namespace modlr::cli {
namespace {

constexpr int64_t kSamples = 64;  // an 8 x 8 grid
constexpr int64_t kTextSamples = 8;

Split parse_split(const std::string& name, const Dataset& dataset) {
  if (name == "train") return Split::train;
  if (name == "test") return Split::test;
  if (name == "validation" && dataset.has_validation()) return Split::validation;
  throw Error("--split: '" + name + "' is not a split of this data (train, test" +
              (dataset.has_validation() ? ", validation)" : "; no validation: dataset.validation is 0)"));
}

std::vector<std::string> vocabulary(const Dataset& dataset) {
  std::vector<std::string> words;
  for (const auto& [name, contents] : dataset.artifacts()) {
    if (name != "vocab.txt") continue;
    std::istringstream in(contents);
    for (std::string word; std::getline(in, word);) words.push_back(word);
  }
  return words;
}

// Images: a grid, each image's values rescaled to [-1, 1] by the batch's range (what
// image_grid draws). Anything else: the first examples as text.
void write_samples(const Dataset& dataset, const std::string& dir) {
  const auto batch = first_examples(dataset, Split::train, kSamples);
  if (!batch.x.defined()) return;
  const auto& x = batch.x;
  if (x.dim() == 4 && (x.size(1) == 1 || x.size(1) == 3) && x.is_floating_point()) {
    const auto low = x.min(), high = x.max();
    const auto scaled = (x - low).div(torch::clamp_min(high - low, 1e-12)).mul(2).sub(1);
    const int64_t rows = std::max<int64_t>(1, static_cast<int64_t>(std::sqrt(static_cast<double>(x.size(0)))));
    formats::write_png(dir + "/samples.png", image_grid(scaled, rows));
    return;
  }
  const auto words = vocabulary(dataset);
  std::ostringstream out;
  for (int64_t i = 0; i < std::min<int64_t>(kTextSamples, x.size(0)); ++i) {
    out << "target " << batch.y[i].flatten().to(torch::kFloat64).sum().item<double>() << ":";
    const auto row = x[i].flatten().to(torch::kFloat64);
    for (int64_t j = 0; j < std::min<int64_t>(row.numel(), 400); ++j) {
      const double v = row[j].item<double>();
      if (!x.is_floating_point() && v == 0) continue;  // padding
      const auto id = static_cast<size_t>(v);
      out << " " << (!x.is_floating_point() && id < words.size() ? words[id] : std::to_string(v));
    }
    out << "\n";
  }
  formats::write_file_atomic(dir + "/samples.txt", out.str());
}

}  // namespace

int data(const DataArgs& args) {
  return guarded([&] {
    Experiment experiment(Config::load(args.config, args.overrides));
    auto& dataset = experiment.dataset();
    dataset.load();
    const auto report = inspect_data(dataset, parse_split(args.split, dataset));
    std::cout << report.to_text();
    for (const auto& skipped : report.skipped) std::cout << "  skipped " << skipped << "\n";
    if (args.out_dir.empty()) return 0;
    std::filesystem::create_directories(args.out_dir);
    formats::write_file_atomic(args.out_dir + "/data.json", report.to_json());
    write_samples(dataset, args.out_dir);
    std::cout << "wrote " << args.out_dir << "/data.json and the samples" << std::endl;
    return 0;
  });
}

}  // namespace modlr::cli
