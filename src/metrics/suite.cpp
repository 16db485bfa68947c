#include "modlr/metrics/suite.h"

#include <algorithm>
#include <limits>

namespace modlr {
namespace {

bool is_rate(const std::string& name) { return name == "class_accuracy" || name == "judge_accuracy"; }

}  // namespace

std::vector<std::string> metric_names(Task task) {
  switch (task) {
    case Task::classification:
      return {"accuracy", "precision_macro", "recall_macro", "f1_macro", "auc_roc", "confusion_matrix"};
    case Task::regression:
      return {"mse", "rmse", "mae", "r2"};
    case Task::generative:
      return {"d_real", "d_fake", "class_accuracy", "judge_accuracy"};
    case Task::translation:
      return {"bleu"};
  }
  return {};
}

bool evaluation_only_metric(const std::string& name) { return name == "bleu" || name == "judge_accuracy"; }

MetricSuite::MetricSuite(Task task, std::vector<std::string> names) : task_(task), names_(std::move(names)) {
  const auto valid = metric_names(task);
  for (const auto& name : names_) {
    if (std::find(valid.begin(), valid.end(), name) == valid.end()) {
      std::string known;
      for (const auto& v : valid) known += (known.empty() ? "" : ", ") + v;
      throw Error("unknown metric '" + name + "' for this loss (known: " + (known.empty() ? "none" : known) + ")");
    }
  }
  needs_scores_ = wants("auc_roc");
  for (const auto& name : names_)
    if (is_rate(name)) rates_[name] = {0, 0};
}

bool MetricSuite::wants(const std::string& name) const {
  return std::find(names_.begin(), names_.end(), name) != names_.end();
}

void MetricSuite::reset() {
  confusion_.reset();
  scores_.clear();
  targets_.clear();
  regression_.reset();
  probability_sums_ = {};
  probability_counts_ = {};
  bleu_ = {};
  for (auto& [name, sums] : rates_) sums = {0, 0};
}

void MetricSuite::update_rates(const std::map<std::string, Rate>& rates) {
  for (const auto& [name, rate] : rates) {
    auto found = rates_.find(name);
    if (found == rates_.end() || rate.trials == 0) continue;
    found->second[0] += rate.hits.item<double>();
    found->second[1] += static_cast<double>(rate.trials);
  }
}

void MetricSuite::update(const torch::Tensor& predictions, const torch::Tensor& targets) {
  if (names_.empty() || !predictions.defined()) return;
  torch::NoGradGuard no_grad;
  if (task_ == Task::classification) return update_classification(predictions, targets);
  if (task_ == Task::generative) return update_generative(predictions, targets);
  if (task_ == Task::translation) return update_translation(predictions, targets);
  auto p = predictions.detach().to(torch::kCPU, torch::kFloat32).contiguous();
  auto t = targets.to(torch::kCPU, torch::kFloat32).contiguous();
  if (p.numel() != t.numel()) throw Error("metrics: predictions and targets differ in size");
  regression_.add(p.data_ptr<float>(), t.data_ptr<float>(), static_cast<size_t>(p.numel()));
}

void MetricSuite::update_classification(const torch::Tensor& logits, const torch::Tensor& targets) {
  if (!confusion_) {
    classes_ = logits.size(1);
    confusion_ = std::make_unique<metrics::ConfusionMatrix>(static_cast<int>(classes_));
  }
  auto predicted = logits.argmax(1).to(torch::kCPU).contiguous();
  auto actual = targets.to(torch::kCPU, torch::kInt64).contiguous();
  confusion_->add_batch(actual.data_ptr<int64_t>(), predicted.data_ptr<int64_t>(), static_cast<size_t>(actual.numel()));
  if (!needs_scores_) return;
  auto probabilities = torch::softmax(logits.to(torch::kFloat32), 1).to(torch::kCPU).contiguous();
  scores_.insert(scores_.end(), probabilities.data_ptr<float>(),
                 probabilities.data_ptr<float>() + probabilities.numel());
  targets_.insert(targets_.end(), actual.data_ptr<int64_t>(), actual.data_ptr<int64_t>() + actual.numel());
}

// Sequential double sums over float32 probabilities (the twin sums in the same order).
void MetricSuite::update_generative(const torch::Tensor& logits, const torch::Tensor& targets) {
  auto p = torch::sigmoid(logits.detach().to(torch::kFloat32)).to(torch::kCPU).contiguous().reshape({-1});
  auto t = targets.to(torch::kCPU, torch::kFloat32).contiguous().reshape({-1});
  if (p.numel() != t.numel()) throw Error("metrics: predictions and targets differ in size");
  const float* probability = p.data_ptr<float>();
  const float* target = t.data_ptr<float>();
  for (int64_t i = 0; i < p.numel(); ++i) {
    const size_t kind = target[i] > 0.5f ? 0 : 1;
    probability_sums_[kind] += static_cast<double>(probability[i]);
    probability_counts_[kind] += 1.0;
  }
}

namespace {

// Row `row` of ids [N, L] (int64, contiguous, CPU) as BLEU tokens: the non-zero ids, as text.
std::vector<std::string> sentence_tokens(const torch::Tensor& ids, int64_t row) {
  std::vector<std::string> tokens;
  const auto* data = ids.data_ptr<int64_t>() + row * ids.size(1);
  for (int64_t i = 0; i < ids.size(1); ++i)
    if (data[i] != 0) tokens.push_back(std::to_string(data[i]));
  return tokens;
}

}  // namespace

void MetricSuite::update_translation(const torch::Tensor& outputs, const torch::Tensor& references) {
  const auto hypotheses = outputs.to(torch::kCPU, torch::kInt64).contiguous();
  const auto truths = references.to(torch::kCPU, torch::kInt64).contiguous();
  if (hypotheses.dim() != 2 || truths.dim() != 2 || hypotheses.size(0) != truths.size(0))
    throw Error("metrics: bleu needs output and reference ids [N, L] with the same N, got " +
                c10::str(hypotheses.sizes()) + " and " + c10::str(truths.sizes()));
  for (int64_t row = 0; row < hypotheses.size(0); ++row)
    bleu::add_segment(bleu_, sentence_tokens(hypotheses, row), sentence_tokens(truths, row));
}

std::string MetricSuite::undefined_reason(const std::string& name) const {
  if (is_rate(name) && rates_.at(name)[1] == 0)
    return "the loss measured no " + name + " (the acgan loss does; judge_accuracy needs loss.judge)";
  if (name == "r2" && regression_.count() > 0 && regression_.targets_constant())
    return "the targets are all equal (R^2 divides by their variance)";
  if (name == "auc_roc" && confusion_ && confusion_->total() > 0) {
    int classes_present = 0;
    for (int c = 0; c < confusion_->num_classes(); ++c) classes_present += confusion_->target_count(c) > 0;
    if (classes_present < 2) return "the split holds examples of one class only (AUC needs two)";
  }
  return "";
}

std::map<std::string, std::string> MetricSuite::undefined() const {
  std::map<std::string, std::string> out;
  for (const auto& name : names_) {
    auto reason = undefined_reason(name);
    if (!reason.empty()) out[name] = std::move(reason);
  }
  return out;
}

std::map<std::string, double> MetricSuite::compute() const {
  std::map<std::string, double> out;
  for (const auto& name : names_) {
    if (!undefined_reason(name).empty()) {
      out[name] = std::numeric_limits<double>::quiet_NaN();
      continue;
    }
    if (is_rate(name)) {
      out[name] = rates_.at(name)[0] / rates_.at(name)[1];
      continue;
    }
    if (task_ == Task::generative) {
      const size_t kind = name == "d_real" ? 0 : 1;
      if (probability_counts_[kind] > 0) out[name] = probability_sums_[kind] / probability_counts_[kind];
      continue;
    }
    if (task_ == Task::translation) {
      if (bleu_.reference_length == 0) continue;
      auto score = bleu_;
      bleu::finish(score);
      out[name] = score.score;
      continue;
    }
    if (task_ == Task::regression) {
      if (regression_.count() == 0) continue;
      if (name == "mse") out[name] = regression_.mse();
      if (name == "rmse") out[name] = regression_.rmse();
      if (name == "mae") out[name] = regression_.mae();
      if (name == "r2") out[name] = regression_.r2();
      continue;
    }
    if (!confusion_ || confusion_->total() == 0) continue;
    if (name == "accuracy") out[name] = metrics::accuracy(*confusion_);
    if (name == "precision_macro") out[name] = metrics::precision_macro(*confusion_);
    if (name == "recall_macro") out[name] = metrics::recall_macro(*confusion_);
    if (name == "f1_macro") out[name] = metrics::f1_macro(*confusion_);
    if (name == "auc_roc") out[name] = metrics::auc_roc_ovr_macro(scores_, targets_, static_cast<int>(classes_));
  }
  return out;
}

std::map<std::string, torch::Tensor> MetricSuite::state() const {
  std::map<std::string, torch::Tensor> out;
  const auto regression = regression_.state();
  out["regression"] = torch::tensor(regression, torch::kFloat64);
  out["generative"] = torch::tensor(
      {probability_sums_[0], probability_counts_[0], probability_sums_[1], probability_counts_[1]}, torch::kFloat64);
  if (task_ == Task::translation)  // only there: other tasks' checkpoints stay as they were
    out["bleu"] =
        torch::tensor({bleu_.correct[0], bleu_.correct[1], bleu_.correct[2], bleu_.correct[3], bleu_.total[0],
                       bleu_.total[1], bleu_.total[2], bleu_.total[3], bleu_.system_length, bleu_.reference_length},
                      torch::kInt64);
  for (const auto& [name, sums] : rates_) out["rate." + name] = torch::tensor({sums[0], sums[1]}, torch::kFloat64);
  if (confusion_) {
    std::vector<int64_t> counts;
    for (const auto& row : confusion_->rows()) counts.insert(counts.end(), row.begin(), row.end());
    out["confusion"] = torch::tensor(counts, torch::kInt64).view({classes_, classes_});
    out["scores"] = torch::tensor(scores_, torch::kFloat32);
    out["targets"] = torch::tensor(targets_, torch::kInt64);
  }
  return out;
}

void MetricSuite::restore(const std::map<std::string, torch::Tensor>& state) {
  reset();
  auto regression = state.at("regression").contiguous();
  regression_.restore({regression.data_ptr<double>(), regression.data_ptr<double>() + regression.numel()});
  const auto generative = state.find("generative");  // absent in checkpoints of older builds
  if (generative != state.end() && generative->second.numel() == 4) {
    const auto g = generative->second.to(torch::kFloat64).contiguous();
    probability_sums_ = {g[0].item<double>(), g[2].item<double>()};
    probability_counts_ = {g[1].item<double>(), g[3].item<double>()};
  }
  const auto counts_of_bleu = state.find("bleu");  // absent in checkpoints of older builds
  if (counts_of_bleu != state.end() && counts_of_bleu->second.numel() == 10) {
    const auto b = counts_of_bleu->second.to(torch::kInt64).contiguous();
    const auto* v = b.data_ptr<int64_t>();
    for (size_t n = 0; n < 4; ++n) {
      bleu_.correct[n] = v[n];
      bleu_.total[n] = v[4 + n];
    }
    bleu_.system_length = v[8];
    bleu_.reference_length = v[9];
  }
  for (auto& [name, sums] : rates_) {
    const auto rate = state.find("rate." + name);
    if (rate == state.end() || rate->second.numel() != 2) continue;
    const auto r = rate->second.to(torch::kFloat64).contiguous();
    sums = {r[0].item<double>(), r[1].item<double>()};
  }
  auto found = state.find("confusion");
  if (found == state.end()) return;
  const auto counts = found->second.contiguous();
  classes_ = counts.size(0);
  confusion_ = std::make_unique<metrics::ConfusionMatrix>(static_cast<int>(classes_));
  for (int64_t t = 0; t < classes_; ++t)
    for (int64_t p = 0; p < classes_; ++p) confusion_->add_count(t, p, counts[t][p].item<int64_t>());
  const auto scores = state.at("scores").contiguous(), targets = state.at("targets").contiguous();
  scores_.assign(scores.data_ptr<float>(), scores.data_ptr<float>() + scores.numel());
  targets_.assign(targets.data_ptr<int64_t>(), targets.data_ptr<int64_t>() + targets.numel());
}

void MetricSuite::merge(const MetricSuite& other) {
  if (other.task_ != task_ || other.names_ != names_) throw Error("metrics: merging suites of different metrics");
  regression_.merge(other.regression_);
  for (size_t kind = 0; kind < 2; ++kind) {
    probability_sums_[kind] += other.probability_sums_[kind];
    probability_counts_[kind] += other.probability_counts_[kind];
  }
  for (size_t n = 0; n < 4; ++n) {
    bleu_.correct[n] += other.bleu_.correct[n];
    bleu_.total[n] += other.bleu_.total[n];
  }
  bleu_.system_length += other.bleu_.system_length;
  bleu_.reference_length += other.bleu_.reference_length;
  for (auto& [name, sums] : rates_) {
    sums[0] += other.rates_.at(name)[0];
    sums[1] += other.rates_.at(name)[1];
  }
  if (!other.confusion_) return;
  if (!confusion_) {
    classes_ = other.classes_;
    confusion_ = std::make_unique<metrics::ConfusionMatrix>(static_cast<int>(classes_));
  }
  if (other.classes_ != classes_) throw Error("metrics: merging suites of different class counts");
  const auto rows = other.confusion_->rows();
  for (int64_t t = 0; t < classes_; ++t)
    for (int64_t p = 0; p < classes_; ++p)
      if (rows[static_cast<size_t>(t)][static_cast<size_t>(p)] != 0)
        confusion_->add_count(t, p, rows[static_cast<size_t>(t)][static_cast<size_t>(p)]);
  scores_.insert(scores_.end(), other.scores_.begin(), other.scores_.end());
  targets_.insert(targets_.end(), other.targets_.begin(), other.targets_.end());
}

std::vector<std::vector<int64_t>> MetricSuite::confusion_matrix() const {
  if (!wants("confusion_matrix") || !confusion_) return {};
  return confusion_->rows();
}

}  // namespace modlr
