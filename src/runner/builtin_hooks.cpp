#include "modlr/runner/builtin_hooks.h"

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <iomanip>
#include <iostream>
#include <sstream>

#include "modlr/core/error.h"
#include "modlr/core/text.h"
#include "modlr/formats/checksummed.h"
#include "modlr/formats/file_bytes.h"
#include "modlr/model/model_set.h"
#include "modlr/optimizer/optimizer.h"
#include "modlr/runner/runner.h"
#include "modlr/tracking/checkpoint.h"

namespace modlr {

// ---- timing ---------------------------------------------------------------------------

std::vector<Event> TimingHook::events() const {
  if (!measure_breakdown_) return {Event::fit_start, Event::evaluation_start, Event::evaluation_end, Event::fit_end};
  return {Event::fit_start,  Event::batch_start,      Event::batch_ready,    Event::after_loss, Event::after_backward,
          Event::after_step, Event::evaluation_start, Event::evaluation_end, Event::fit_end};
}

double TimingHook::now() const {
  if (device_.is_cuda()) torch::cuda::synchronize();
  using namespace std::chrono;
  return duration<double>(steady_clock::now().time_since_epoch()).count();
}

void TimingHook::on(Event event, const RunState& state, Control&) {
  const double t = now();
  switch (event) {
    case Event::fit_start:
      fit_start_ = t;
      in_fit_ = true;
      validation_in_fit_ = 0;
      break;
    case Event::batch_start:
      last_ = t;
      break;
    case Event::batch_ready:
      data_ += t - last_;
      forward_mark_ = state.models->forward_seconds();
      break;
    case Event::after_loss: {
      const double forward = state.models->forward_seconds() - forward_mark_;
      forward_ += forward;
      loss_ += (t - last_) - forward;
      break;
    }
    case Event::after_backward:
      backward_ += t - last_;
      break;
    case Event::after_step:
      step_ += t - last_;
      forward_mark_ = state.models->forward_seconds();
      break;
    case Event::evaluation_start:
      evaluation_start_ = t;
      break;
    case Event::evaluation_end:
      evaluation_[state.split] = t - evaluation_start_;
      if (in_fit_) validation_in_fit_ += t - evaluation_start_;
      break;
    case Event::fit_end:
      train_seconds_ = carried_seconds_ + (t - fit_start_ - validation_in_fit_);
      in_fit_ = false;
      break;
    default:
      break;
  }
  // Hook time after this point is not charged to the next interval.
  if (measure_breakdown_) last_ = now();
}

void TimingHook::save_state(HookState& out) const {
  out = {{"train_seconds", carried_seconds_ + (now() - fit_start_ - validation_in_fit_)},
         {"data", data_},
         {"forward", forward_},
         {"loss", loss_},
         {"backward", backward_},
         {"step", step_}};
}

void TimingHook::load_state(const HookState& in) {
  carried_seconds_ = in.at("train_seconds");
  data_ = in.at("data"), forward_ = in.at("forward"), loss_ = in.at("loss");
  backward_ = in.at("backward"), step_ = in.at("step");
}

std::map<std::string, double> TimingHook::breakdown() const {
  if (!measure_breakdown_) return {};
  return {{"data", data_}, {"forward", forward_}, {"loss", loss_}, {"backward", backward_}, {"step", step_}};
}

double TimingHook::evaluation_seconds(const std::string& split) const {
  auto found = evaluation_.find(split);
  return found == evaluation_.end() ? 0.0 : found->second;
}

// ---- progress -------------------------------------------------------------------------

namespace {

std::string format_metrics(const std::map<std::string, double>& metrics) {
  std::ostringstream out;
  for (const auto& [name, value] : metrics) out << "  " << name << " " << std::setprecision(4) << value;
  return out.str();
}

std::string format_duration(double seconds) {
  const auto total = static_cast<int64_t>(std::max(0.0, seconds));
  std::ostringstream out;
  out << total / 60 << ':' << std::setw(2) << std::setfill('0') << total % 60;
  return out.str();
}

}  // namespace

ProgressHook::ProgressHook(bool terminal) : terminal_(terminal) {}

std::vector<Event> ProgressHook::events() const {
  if (terminal_) return {Event::epoch_start, Event::batch_end, Event::epoch_end, Event::evaluation_end};
  return {Event::epoch_start, Event::epoch_end, Event::evaluation_end};
}

void ProgressHook::draw_bar(const RunState& s, bool force) {
  const auto now = std::chrono::steady_clock::now();
  if (!force && now - last_draw_ < std::chrono::milliseconds(100)) return;
  last_draw_ = now;
  const double elapsed = std::chrono::duration<double>(now - epoch_start_).count();
  const int64_t done = s.batch + 1;
  const double fraction = static_cast<double>(done) / static_cast<double>(std::max<int64_t>(s.batches_per_epoch, 1));
  const int width = 30;
  const int filled = static_cast<int>(fraction * width);
  std::string bar = std::string(filled, '=') + std::string(width - filled, ' ');
  const double rate = elapsed > 0 ? static_cast<double>(s.examples_seen) / elapsed : 0.0;
  const double eta = fraction > 0 ? elapsed / fraction - elapsed : 0.0;
  std::fprintf(stderr, "\r\033[Kepoch %lld/%lld [%s] %lld/%lld  %.0f ex/s  ETA %s", static_cast<long long>(s.epoch),
               static_cast<long long>(s.epochs), bar.c_str(), static_cast<long long>(done),
               static_cast<long long>(s.batches_per_epoch), rate, format_duration(eta).c_str());
  for (const auto& [name, value] : s.step_objectives) std::fprintf(stderr, "  %s %.4f", name.c_str(), value);
  std::fflush(stderr);
}

void ProgressHook::on(Event event, const RunState& s, Control&) {
  switch (event) {
    case Event::epoch_start:
      epoch_start_ = std::chrono::steady_clock::now();
      break;
    case Event::batch_end:
      draw_bar(s, s.batch + 1 == s.batches_per_epoch);
      break;
    case Event::epoch_end: {
      if (terminal_) std::fprintf(stderr, "\r\033[K");
      const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - epoch_start_).count();
      std::ostringstream line;  // formatted apart, so std::cout's own format is left alone
      line << "epoch " << s.epoch << "/" << s.epochs << format_metrics(s.train_metrics) << "  (" << std::fixed
           << std::setprecision(1) << seconds << " s)";
      std::cout << line.str() << std::endl;
      break;
    }
    case Event::evaluation_end: {
      if (terminal_ && s.evaluation_step > 0) std::fprintf(stderr, "\r\033[K");  // the bar, mid-epoch
      std::ostringstream line;
      line << "  " << s.split;
      if (s.evaluation_step > 0) line << " at step " << s.evaluation_step;
      std::cout << line.str() << format_metrics(s.evaluation->metrics) << std::endl;
      break;
    }
    default:
      break;
  }
}

// ---- validation schedule ----------------------------------------------------------------

std::vector<Event> ValidationScheduleHook::events() const {
  if (every_steps_ > 0 || per_epoch_ > 1) return {Event::batch_end, Event::epoch_end};
  return {Event::epoch_end};
}

void ValidationScheduleHook::on(Event event, const RunState& s, Control& control) {
  if (event == Event::batch_end) {
    if (every_steps_ > 0 && s.global_step % every_steps_ == 0) control.evaluate = true;
    // Batch b (1-based) is the j-th point when it is the first at or past j*B/K.
    const int64_t done = s.batch + 1, batches = s.batches_per_epoch;
    if (per_epoch_ > 1 && done < batches && (done * per_epoch_) / batches > ((done - 1) * per_epoch_) / batches)
      control.evaluate = true;
    return;
  }
  if (s.epoch % every_ == 0 || s.epoch == s.epochs) control.evaluate = true;
}

// ---- checkpoints ------------------------------------------------------------------------

CheckpointHook::CheckpointHook(std::string dir, const CheckpointOptions& options) : options_(options) {
  if (options_.write) store_.emplace(std::move(dir), options_.keep);
}

std::vector<Event> CheckpointHook::events() const {
  return {Event::fit_start, Event::batch_complete, Event::epoch_complete};
}

std::vector<std::string> CheckpointHook::saved() const { return store_ ? store_->saved() : std::vector<std::string>{}; }

void CheckpointHook::on(Event event, const RunState& s, Control& control) {
  std::string name;
  if (event == Event::fit_start) {
    if (options_.save_initial && s.global_step == 0 && store_) store_->save_initial(*s.models);
    return;
  }
  if (event == Event::batch_complete) {
    const bool scheduled = options_.every_steps > 0 && s.global_step % options_.every_steps == 0;
    const bool last_of_epoch = s.batch + 1 == s.batches_per_epoch;
    if (last_of_epoch || !(scheduled || control.stop)) return;  // the epoch's end checkpoints it
    name = CheckpointStore::step_name(s.global_step);
  } else {
    if (s.epoch % options_.every_epochs != 0 && s.epoch != s.epochs && !control.stop) return;
    name = CheckpointStore::epoch_name(s.epoch);
  }
  save(s, name);
}

// A rank that writes nothing still hands its training state over: training_state() is
// collective in a data-parallel run.
void CheckpointHook::save(const RunState& s, const std::string& name) {
  const auto state = s.runner->training_state();
  if (store_) store_->save(name, *s.models, state);
}

std::vector<Event> SignalPointHook::events() const {
  std::vector<Event> all;
  for (int e = static_cast<int>(Event::fit_start); e <= static_cast<int>(Event::fit_end); ++e)
    if (e != static_cast<int>(Event::batch_transform) && e != static_cast<int>(Event::output_transform))
      all.push_back(static_cast<Event>(e));  // the hook points are not events that happen
  return all;
}

// ---- tracking ---------------------------------------------------------------------------

void TrackingHook::on(Event event, const RunState& s, Control&) {
  if (event == Event::fit_start) {
    if (truncate_at_) record_.truncate_metrics(*truncate_at_);
    if (truncate_steps_at_) record_.truncate_step_metrics(*truncate_steps_at_);
    truncate_at_.reset();
    truncate_steps_at_.reset();
    return;
  }
  if (event == Event::epoch_end) {
    for (const auto& [name, value] : epoch_train_scalars(s)) record_.append_metric(s.epoch, "train", name, value);
    return;
  }
  for (const auto& [name, value] : recorded_evaluation_metrics(*s.evaluation)) {
    if (s.evaluation_step > 0)
      record_.append_step_metric(s.evaluation_step, s.epoch, s.split, name, value);
    else
      record_.append_metric(s.epoch, s.split, name, value);
  }
}

std::vector<std::pair<std::string, double>> epoch_train_scalars(const RunState& s) {
  std::vector<std::pair<std::string, double>> scalars(s.train_metrics.begin(), s.train_metrics.end());
  for (const auto& optimizer : *s.optimizers) {
    const std::string suffix = s.optimizers->size() == 1 ? "" : "_" + optimizer->objective();
    scalars.emplace_back("lr" + suffix, optimizer->lr());
  }
  return scalars;
}

std::vector<std::pair<std::string, double>> recorded_evaluation_metrics(const EvaluationResult& result) {
  std::vector<std::pair<std::string, double>> metrics;
  for (const auto& [name, value] : result.metrics)
    if (!result.undefined.count(name)) metrics.emplace_back(name, value);  // undefined: only in summary.json
  return metrics;
}

void TrackingHook::save_state(HookState& out) const {
  out["metrics_csv_bytes"] = static_cast<double>(record_.metrics_bytes());
  out["step_metrics_csv_bytes"] = static_cast<double>(record_.step_metrics_bytes());
}

void TrackingHook::load_state(const HookState& in) {
  truncate_at_ = static_cast<uint64_t>(in.at("metrics_csv_bytes"));
  const auto steps = in.find("step_metrics_csv_bytes");  // absent from older checkpoints
  if (steps != in.end()) truncate_steps_at_ = static_cast<uint64_t>(steps->second);
}

}  // namespace modlr
