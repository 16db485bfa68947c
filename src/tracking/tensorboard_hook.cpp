// The run in TensorBoard (tracking/tensorboard_hook.h).
#include "modlr/tracking/tensorboard_hook.h"

#include <cstdlib>
#include <filesystem>

#include "modlr/formats/file_bytes.h"
#include "modlr/formats/image_decode.h"
#include "modlr/runner/builtin_hooks.h"
#include "modlr/runner/sample_grid_hook.h"
#include "modlr/tracking/config_scalars.h"
#include "modlr/tracking/tensorboard_writer.h"

namespace modlr {
namespace {

// A config scalar as an hparam: true/false a bool, an unquoted number a number, else text.
HParamValue hparam_of(const ConfigScalar& scalar) {
  if (!scalar.quoted && (scalar.text == "true" || scalar.text == "false")) return scalar.text == "true";
  char* end = nullptr;
  const double number = std::strtod(scalar.text.c_str(), &end);
  if (!scalar.quoted && !scalar.text.empty() && *end == '\0') return number;
  return scalar.text;
}

// Config YAML shown as Markdown code (indented four spaces) in the text plugin.
std::string as_markdown_code(const std::string& yaml) {
  std::string text = "    ";
  for (const char c : yaml) {
    text += c;
    if (c == '\n') text += "    ";
  }
  return text;
}

}  // namespace

TensorBoardHook::TensorBoardHook(TensorBoardOptions options) : options_(std::move(options)) {}

TensorBoardHook::~TensorBoardHook() = default;

void TensorBoardHook::start(const RunState& state) {
  writer_ = std::make_unique<TensorBoardWriter>(state.run_dir + "/tensorboard");
  writer_->add_text("config", as_markdown_code(options_.config_yaml), state.global_step);
  std::map<std::string, HParamValue> hparams;
  for (const auto& scalar : config_scalars(options_.config_yaml)) hparams.emplace(scalar.key, hparam_of(scalar));
  std::vector<std::string> metric_tags;
  for (const auto* split : {"validation", "test"}) {
    metric_tags.push_back(std::string(split) + "/loss");
    for (const auto& metric : options_.eval_metrics)
      if (metric != "confusion_matrix") metric_tags.push_back(std::string(split) + "/" + metric);
  }
  writer_->add_hparams(hparams, metric_tags);
}

void TensorBoardHook::on(Event event, const RunState& state, Control&) {
  if (state.rank != 0 || state.run_dir.empty()) return;
  if (event == Event::fit_start) return start(state);
  if (!writer_) return;
  const int64_t step = state.global_step;
  switch (event) {
    case Event::batch_end:
      if (options_.every_steps > 0 && step % options_.every_steps == 0)
        for (const auto& [objective, value] : state.step_objectives)
          writer_->add_scalar("train_step/" + objective, value, step);
      break;
    case Event::epoch_end:
      for (const auto& [metric, value] : epoch_train_scalars(state))
        writer_->add_scalar("train/" + metric, value, step);
      break;
    case Event::evaluation_end:
      for (const auto& [metric, value] : recorded_evaluation_metrics(*state.evaluation))
        writer_->add_scalar(state.split + "/" + metric, value, step);
      if (state.split == "test") writer_->end_hparams_session(true, step);
      break;
    case Event::epoch_complete:
      add_sample_grid(state);
      break;
    default:
      break;
  }
}

// The sample_grid hook's grid of this epoch, written at epoch_end (user hooks run after
// the built-in ones, so at epoch_complete it is there).
void TensorBoardHook::add_sample_grid(const RunState& state) {
  const auto grid = state.run_dir + "/" + SampleGridHook::file_name(state.epoch);
  if (!std::filesystem::exists(grid)) return;
  const auto bytes = formats::read_file_raw(grid);
  writer_->add_image("samples", formats::decode_image(std::string(bytes.begin(), bytes.end()), 3, grid),
                     state.global_step);
}

}  // namespace modlr
