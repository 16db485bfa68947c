#pragma once
/// The run in MLflow: with `tracking.mlflow: URI` a run also logs to that MLflow tracking
/// server (tracking/mlflow_client.h), in experiment `tracking.mlflow_experiment` (default:
/// the experiment's name): params (every scalar of the resolved config but tracking.*),
/// tags (modlr.run_id, modlr.version, mlflow.source.git.commit, modlr.data.<file> = its
/// sha256), metrics "<split>/<metric>" at the run's global step as the run record has
/// them, and, when the test is done, the artifacts config.yaml and model.safetensors; then
/// the MLflow run ends FINISHED (FAILED if the run does not get that far).
///
/// MLflow is never the run's only record: when the server is unreachable or fails mid-run,
/// training goes on, one warning goes to stderr, nothing more is sent, and
/// <run dir>/mlflow.json records the server, the MLflow run id and what was not sent. A
/// resumed run logs to the same MLflow run (its id is read back from mlflow.json). Only
/// rank 0 of a data-parallel run logs.
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "modlr/runner/hook.h"

namespace modlr {

class MlflowClient;

struct MlflowOptions {
  std::string uri;                                              ///< tracking.mlflow
  std::string experiment;                                       ///< tracking.mlflow_experiment
  std::string config_yaml;                                      ///< the run's resolved config
  std::string run_id;                                           ///< the run record's id (the MLflow run's name)
  std::vector<std::pair<std::string, std::string>> data_files;  ///< path, sha256
};

class MlflowHook : public Hook {
 public:
  explicit MlflowHook(MlflowOptions options);
  /// Ends an MLflow run the run did not finish as FAILED (best effort).
  ~MlflowHook() override;
  std::string name() const override { return "mlflow"; }
  std::vector<Event> events() const override { return {Event::fit_start, Event::epoch_end, Event::evaluation_end}; }
  void on(Event event, const RunState& state, Control& control) override;

 private:
  void start(const RunState& state);
  void send_metrics(const std::vector<std::pair<std::string, double>>& scalars, const std::string& split,
                    const RunState& state);
  void finish(const RunState& state);
  /// Runs `send`; on failure notes `what` as unsent, warns once and stops sending.
  template <typename F>
  void attempt(const std::string& what, F&& send);
  void write_record() const;

  MlflowOptions options_;
  std::unique_ptr<MlflowClient> client_;
  std::string run_dir_, experiment_id_, mlflow_run_id_, error_;
  std::vector<std::string> unsent_;
  bool ended_ = false;
};

}  // namespace modlr
