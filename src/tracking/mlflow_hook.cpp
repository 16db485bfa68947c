// The run in MLflow (tracking/mlflow_hook.h).
#include "modlr/tracking/mlflow_hook.h"

#include <cmath>
#include <filesystem>
#include <iostream>
#include <nlohmann/json.hpp>

#include "modlr/core/build_info.h"
#include "modlr/formats/file_bytes.h"
#include "modlr/runner/builtin_hooks.h"
#include "modlr/tracking/config_scalars.h"
#include "modlr/tracking/mlflow_client.h"

namespace modlr {
namespace {

constexpr const char* kRecordFile = "mlflow.json";

// The MLflow run a resumed run already has (mlflow.json, same server), else "".
std::pair<std::string, std::string> recorded_mlflow_run(const std::string& run_dir, const std::string& uri) {
  try {
    const auto bytes = formats::read_file_raw(run_dir + "/" + kRecordFile);
    const auto j = nlohmann::json::parse(std::string(bytes.begin(), bytes.end()));
    if (j.at("uri") == uri) return {j.at("experiment_id"), j.at("run_id")};
  } catch (const std::exception&) {  // none yet, or unreadable: a new MLflow run
  }
  return {};
}

}  // namespace

MlflowHook::MlflowHook(MlflowOptions options)
    : options_(std::move(options)), client_(std::make_unique<MlflowClient>(options_.uri)) {}

MlflowHook::~MlflowHook() {
  if (mlflow_run_id_.empty() || ended_ || !error_.empty()) return;
  try {
    client_->end_run(mlflow_run_id_, "FAILED", MlflowClient::now_ms());
  } catch (const std::exception&) {  // best effort: the run record has the outcome
  }
}

template <typename F>
void MlflowHook::attempt(const std::string& what, F&& send) {
  if (!error_.empty()) {
    unsent_.push_back(what);
    return write_record();
  }
  try {
    send();
  } catch (const std::exception& e) {
    error_ = e.what();
    unsent_.push_back(what);
    std::cerr << "modlr: warning: MLflow: " << error_ << "; training goes on, nothing more is sent (see " << run_dir_
              << "/" << kRecordFile << ")" << std::endl;
  }
  write_record();
}

void MlflowHook::write_record() const {
  if (run_dir_.empty()) return;
  const nlohmann::json record = {
      {"uri", options_.uri},      {"experiment", options_.experiment},    {"experiment_id", experiment_id_},
      {"run_id", mlflow_run_id_}, {"complete", ended_ && error_.empty()}, {"error", error_},
      {"unsent", unsent_}};
  try {
    formats::write_file_atomic(run_dir_ + "/" + kRecordFile, record.dump(2) + "\n");
  } catch (const std::exception& e) {
    std::cerr << "modlr: warning: " << e.what() << std::endl;
  }
}

void MlflowHook::start(const RunState& state) {
  run_dir_ = state.run_dir;
  std::tie(experiment_id_, mlflow_run_id_) = recorded_mlflow_run(run_dir_, options_.uri);
  if (!mlflow_run_id_.empty()) return write_record();  // a resumed run goes on logging to its MLflow run
  attempt("the run (params, tags, metrics, artifacts)", [&] {
    experiment_id_ = client_->experiment_id(options_.experiment);
    MlflowPairs tags = {{"modlr.run_id", options_.run_id},
                        {"modlr.version", modlr_version()},
                        {"mlflow.source.git.commit", source_commit()},
                        {"mlflow.source.name", "modlr"}};
    for (const auto& [path, sha256] : options_.data_files)
      tags.emplace_back("modlr.data." + std::filesystem::path(path).filename().string(), sha256);
    mlflow_run_id_ = client_->create_run(experiment_id_, options_.run_id, MlflowClient::now_ms(), tags);
    MlflowPairs params;
    for (const auto& scalar : config_scalars(options_.config_yaml)) params.emplace_back(scalar.key, scalar.text);
    client_->log_batch(mlflow_run_id_, {}, params, {});
  });
}

void MlflowHook::send_metrics(const std::vector<std::pair<std::string, double>>& scalars, const std::string& split,
                              const RunState& state) {
  std::vector<MlflowMetric> metrics;
  const int64_t now = MlflowClient::now_ms();
  for (const auto& [name, value] : scalars)
    if (std::isfinite(value)) metrics.push_back({split + "/" + name, value, state.global_step, now});
  attempt(split + " metrics at step " + std::to_string(state.global_step),
          [&] { client_->log_batch(mlflow_run_id_, metrics, {}, {}); });
}

void MlflowHook::finish(const RunState& state) {
  for (const char* file : {"config.yaml", "model.safetensors"})
    if (std::filesystem::exists(run_dir_ + "/" + file))
      attempt(std::string("artifact ") + file,
              [&] { client_->upload_artifact(experiment_id_, mlflow_run_id_, file, run_dir_ + "/" + file); });
  attempt("the run's end (status FINISHED)", [&] {
    client_->end_run(mlflow_run_id_, "FINISHED", MlflowClient::now_ms());
    ended_ = true;
  });
}

void MlflowHook::on(Event event, const RunState& state, Control&) {
  if (state.rank != 0 || state.run_dir.empty()) return;
  if (event == Event::fit_start) return start(state);
  if (event == Event::epoch_end) return send_metrics(epoch_train_scalars(state), "train", state);
  send_metrics(recorded_evaluation_metrics(*state.evaluation), state.split, state);
  if (state.split == "test") finish(state);
}

}  // namespace modlr
