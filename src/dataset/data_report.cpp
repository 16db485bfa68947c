#include "modlr/dataset/data_report.h"

#include <nlohmann/json.hpp>

#include <iomanip>
#include <sstream>
#include <string_view>
#include <unordered_map>

namespace modlr {
namespace {

constexpr int64_t kMaxChannels = 64;
constexpr size_t kMaxPairs = 10;
constexpr int64_t kLazySample = 1000;

std::string dtype_name(const torch::Tensor& t) { return std::string(c10::toString(t.scalar_type())); }

std::vector<int64_t> shape_of(const torch::Tensor& t) { return t.sizes().vec(); }

SplitCounts count(const std::string& name, const TensorData& data) {
  SplitCounts counts{name, data.size(), {}};
  const auto& y = data.targets;
  if (y.defined() && y.dim() == 1 && y.scalar_type() == torch::kInt64 && y.numel() > 0) {
    const auto bins = y.cpu().bincount().contiguous();
    counts.per_class.assign(bins.data_ptr<int64_t>(), bins.data_ptr<int64_t>() + bins.numel());
  }
  return counts;
}

void channel_statistics(const torch::Tensor& inputs, DataReport& report) {
  if (!inputs.is_floating_point() || inputs.dim() < 2 || inputs.size(1) > kMaxChannels || inputs.numel() == 0) return;
  const auto channels = inputs.size(1);
  const auto x = inputs.detach().cpu().to(torch::kFloat64).transpose(0, 1).reshape({channels, -1});
  const auto mean = x.mean(1), deviation = x.sub(mean.unsqueeze(1)).pow(2).mean(1).sqrt();
  for (int64_t c = 0; c < channels; ++c) {
    report.channel_mean.push_back(mean[c].item<double>());
    report.channel_std.push_back(deviation[c].item<double>());
  }
}

void token_lengths(const torch::Tensor& inputs, DataReport& report) {
  if (inputs.is_floating_point() || inputs.dim() != 2 || inputs.numel() == 0) return;
  const auto lengths = inputs.cpu().ne(0).sum(1).contiguous();
  const int64_t longest = lengths.max().item<int64_t>();
  report.token_bin = std::max<int64_t>(1, (longest + 19) / 20);  // about 20 bins
  report.token_length_histogram.assign(static_cast<size_t>(longest / report.token_bin + 1), 0);
  const auto* each = lengths.data_ptr<int64_t>();
  for (int64_t i = 0; i < lengths.numel(); ++i)
    ++report.token_length_histogram[static_cast<size_t>(each[i] / report.token_bin)];
}

// Test rows whose input bytes equal a training row's: hashed, then compared exactly.
void duplicates(const TensorData& train, const TensorData& test, DataReport& report) {
  if (train.size() == 0 || test.size() == 0 || train.lazy || test.lazy) return;  // in-memory data only
  const auto a = train.inputs.cpu().contiguous().reshape({train.size(), -1});
  const auto b = test.inputs.cpu().contiguous().reshape({test.size(), -1});
  if (a.size(1) != b.size(1) || a.scalar_type() != b.scalar_type()) return;
  const auto row_bytes = static_cast<size_t>(a.size(1)) * a.element_size();
  // Views into the tensors, which outlive the map: no row is copied.
  const auto row = [&](const torch::Tensor& t, int64_t i) {
    return std::string_view(static_cast<const char*>(t.data_ptr()) + static_cast<size_t>(i) * row_bytes, row_bytes);
  };
  std::unordered_multimap<std::string_view, int64_t> seen;
  seen.reserve(static_cast<size_t>(a.size(0)));
  for (int64_t i = 0; i < a.size(0); ++i) seen.emplace(row(a, i), i);
  for (int64_t j = 0; j < b.size(0); ++j) {
    const auto found = seen.find(row(b, j));
    if (found == seen.end()) continue;
    ++report.test_duplicates_of_train;
    if (report.duplicate_pairs.size() < kMaxPairs) report.duplicate_pairs.emplace_back(j, found->second);
  }
}

}  // namespace

Batch first_examples(const Dataset& dataset, Split split, int64_t count) {
  auto loader = dataset.loader(split);
  loader->start_epoch();
  std::vector<torch::Tensor> xs, ys;
  Batch batch;
  for (int64_t taken = 0; taken < count && loader->next(batch); taken += batch.size()) {
    xs.push_back(batch.x.cpu());
    ys.push_back(batch.y.cpu());
  }
  if (xs.empty()) return {};
  const auto x = torch::cat(xs), y = torch::cat(ys);
  const auto n = std::min<int64_t>(count, x.size(0));
  return {x.narrow(0, 0, n), y.narrow(0, 0, n)};
}

DataReport inspect_data(const Dataset& dataset, Split split) {
  DataReport report;
  report.source = dataset.source_name();
  report.class_names = dataset.class_names();
  report.splits.push_back(count("train", dataset.data(Split::train)));
  if (dataset.has_validation()) report.splits.push_back(count("validation", dataset.data(Split::validation)));
  report.splits.push_back(count("test", dataset.data(Split::test)));
  for (const auto& extra : dataset.extra_tests()) report.splits.push_back(count(extra.name, extra.data));
  auto loader = dataset.loader(Split::train);
  loader->start_epoch();
  Batch first;
  if (loader->next(first)) {
    report.batch_input_shape = shape_of(first.x);
    report.batch_target_shape = shape_of(first.y);
    report.input_dtype = dtype_name(first.x);
    report.target_dtype = dtype_name(first.y);
    for (const auto& [name, field] : first.fields)
      report.batch_fields.push_back({name, shape_of(field), dtype_name(field)});
  }
  // Data read on demand: statistics of its first kLazySample rows (bounded memory).
  const auto& data = dataset.data(split);
  const auto inputs =
      data.lazy ? data.input_rows(torch::arange(std::min(data.size(), kLazySample), torch::kLong)) : data.inputs;
  channel_statistics(inputs, report);
  token_lengths(inputs, report);
  duplicates(dataset.data(Split::train), dataset.data(Split::test), report);
  report.skipped = dataset.skipped();
  return report;
}

std::string DataReport::to_json() const {
  nlohmann::ordered_json j;
  j["source"] = source;
  if (!class_names.empty()) j["classes"] = class_names;
  for (const auto& s : splits) {
    auto& split = j["splits"][s.split];
    split["examples"] = s.examples;
    if (!s.per_class.empty()) split["per_class"] = s.per_class;
  }
  j["batch"] = {{"inputs", {{"shape", batch_input_shape}, {"dtype", input_dtype}}},
                {"targets", {{"shape", batch_target_shape}, {"dtype", target_dtype}}}};
  for (const auto& f : batch_fields) j["batch"]["fields"][f.name] = {{"shape", f.shape}, {"dtype", f.dtype}};
  if (!channel_mean.empty()) j["inputs"] = {{"mean", channel_mean}, {"std", channel_std}};
  if (!token_length_histogram.empty()) j["token_lengths"] = {{"bin", token_bin}, {"histogram", token_length_histogram}};
  j["test_duplicates_of_train"] = {{"count", test_duplicates_of_train}, {"first_pairs", duplicate_pairs}};
  j["skipped"] = {{"count", skipped.size()}, {"examples", skipped}};
  return j.dump(2) + "\n";
}

std::string DataReport::to_text() const {
  std::ostringstream out;
  out << "source " << source << "\n";
  for (const auto& s : splits) {
    out << std::left << std::setw(12) << s.split << std::right << std::setw(9) << s.examples << " examples";
    if (!s.per_class.empty()) {
      out << "  per class:";
      for (size_t k = 0; k < s.per_class.size(); ++k)
        out << " " << (k < class_names.size() ? class_names[k] : std::to_string(k)) << "=" << s.per_class[k];
    }
    out << "\n";
  }
  const auto shape = [](const std::vector<int64_t>& s) {
    std::string text = "[";
    for (size_t i = 0; i < s.size(); ++i) text += (i ? ", " : "") + std::to_string(s[i]);
    return text + "]";
  };
  out << "a training batch: inputs " << shape(batch_input_shape) << " " << input_dtype << ", targets "
      << shape(batch_target_shape) << " " << target_dtype;
  for (size_t i = 0; i < batch_fields.size(); ++i)
    out << (i == 0 ? "; fields: " : ", ") << batch_fields[i].name << " " << shape(batch_fields[i].shape) << " "
        << batch_fields[i].dtype;
  out << "\n";
  if (!channel_mean.empty()) {
    out << "inputs after preprocessing, per index of axis 1 (mean/std):";
    for (size_t c = 0; c < channel_mean.size(); ++c)
      out << " " << std::setprecision(4) << channel_mean[c] << "/" << channel_std[c];
    out << "\n";
  }
  if (!token_length_histogram.empty()) {
    out << "tokens per example (bins of " << token_bin << "):";
    for (size_t b = 0; b < token_length_histogram.size(); ++b)
      if (token_length_histogram[b] > 0)
        out << " " << b * static_cast<size_t>(token_bin) << "+:" << token_length_histogram[b];
    out << "\n";
  }
  out << "test examples identical to a training example: " << test_duplicates_of_train << "\n";
  out << "examples skipped by the source: " << skipped.size() << "\n";
  return out.str();
}

}  // namespace modlr
