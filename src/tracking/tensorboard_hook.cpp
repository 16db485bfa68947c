// The run in TensorBoard (tracking/tensorboard_hook.h).
#include "modlr/tracking/tensorboard_hook.h"

#include <yaml-cpp/yaml.h>

#include <filesystem>

#include "modlr/formats/file_bytes.h"
#include "modlr/formats/image_decode.h"
#include "modlr/runner/builtin_hooks.h"
#include "modlr/runner/sample_grid_hook.h"
#include "modlr/tracking/tensorboard_writer.h"

namespace modlr {
namespace {

// The scalars of a YAML tree by dotted key: numbers as numbers, true/false as bools, the
// rest as text; lists and `skip`'s subtree left out.
void flatten_scalars(const YAML::Node& node, const std::string& prefix, std::map<std::string, HParamValue>& out) {
  if (node.IsMap()) {
    for (const auto& entry : node) {
      const auto key = prefix.empty() ? entry.first.as<std::string>() : prefix + "." + entry.first.as<std::string>();
      if (key != "tracking") flatten_scalars(entry.second, key, out);
    }
    return;
  }
  if (!node.IsScalar()) return;
  const auto& text = node.Scalar();
  if (text == "true" || text == "false") {
    out.emplace(prefix, text == "true");
    return;
  }
  double number = 0;
  if (YAML::convert<double>::decode(node, number) && node.Tag() != "!") {
    out.emplace(prefix, number);
    return;
  }
  out.emplace(prefix, text);
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
  flatten_scalars(YAML::Load(options_.config_yaml), "", hparams);
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
