#pragma once
// Run directories written directly (no training), as `modlr train` / reference/train.py
// lay them out: summary.json, metrics.csv, config.yaml. Fast inputs for compare/report.
#include <filesystem>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "test_support.h"

namespace modlr::testing {

struct FakeRun {
  int64_t seed = 1;
  std::string status = "finished";
  bool python = false;  ///< a reference twin's run
  std::string model = "lenet5", data = "/usr/share/datasets/fashion-mnist";
  double accuracy = 0.85, train_seconds = 10, test_seconds = 1;
  std::vector<double> train_accuracy = {0.6, 0.75, 0.8};  ///< one value per epoch
};

/// Writes `run` into <parent>/<run-id> and returns that directory.
inline std::string write_fake_run(const std::string& parent, const FakeRun& run) {
  const std::string id = "20250101-000000-seed" + std::to_string(run.seed) + (run.python ? "-python" : "");
  const std::string dir = parent + "/" + id;
  std::filesystem::create_directories(dir);
  nlohmann::ordered_json s;
  s["experiment"] = "fake";
  s["run_id"] = id;
  s["seed"] = run.seed;
  s["status"] = run.status;
  if (run.status == "failed") s["error"] = "loss is NaN at epoch 2";
  s["train"] = {{"epochs", run.train_accuracy.size()}, {"seconds", run.train_seconds}};
  s["test"] = {{"seconds", run.test_seconds},
               {"loss", 0.4},
               {"accuracy", run.accuracy},
               {"f1_macro", run.accuracy - 0.01},
               {"auc_roc", 0.98}};
  s["environment"] = {{"modlr_version", run.python ? "reference-python" : "0.1.0"},
                      {"torch_version", "1.13.1"},
                      {"device", "cpu"},
                      {"cpu", "Fake CPU"},
                      {"git_commit", "abc123"},
                      {"threads", 1}};
  write_text(dir + "/summary.json", s.dump(2));
  std::ostringstream csv;
  csv << "epoch,split,metric,value\n";
  for (size_t e = 0; e < run.train_accuracy.size(); ++e) {
    csv << e + 1 << ",train,loss," << 1.0 - run.train_accuracy[e] << "\n";
    csv << e + 1 << ",train,accuracy," << run.train_accuracy[e] << "\n";
  }
  write_text(dir + "/metrics.csv", csv.str());
  write_text(dir + "/config.yaml",
             "experiment: fake\nmodel:\n  name: " + run.model + "\ndataset:\n  path: " + run.data + "\n");
  return dir;
}

/// Five seeds of one framework with accuracy base + 0.001 * seed and the given times.
inline void write_fake_group(const std::string& parent, bool python, double base_accuracy, double train_seconds) {
  for (int seed = 1; seed <= 5; ++seed) {
    FakeRun run;
    run.seed = seed;
    run.python = python;
    run.accuracy = base_accuracy + 0.001 * seed;
    run.train_seconds = train_seconds + 0.1 * seed;
    run.test_seconds = train_seconds / 10 + 0.01 * seed;
    run.train_accuracy = {base_accuracy - 0.2, base_accuracy - 0.05, base_accuracy + 0.001 * seed};
    write_fake_run(parent, run);
  }
}

}  // namespace modlr::testing
