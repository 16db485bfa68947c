// A run in MLflow (tracking/mlflow_hook.h) against a real `mlflow server` (PyPI mlflow,
// SQLite backend) started for this suite, read back with MLflow's own client; and a server
// that is unreachable or fails mid-run, where training goes on and the record says what
// was not sent.
#include <csignal>
#include <fstream>
#include <sstream>

#include "cli/cli_fixture.h"
#include "modlr/core/text.h"
#include "modlr/formats/sha256.h"

namespace modlr::testing {
namespace {

// One server for the suite: it takes half a minute to start.
class MlflowServer {
 public:
  MlflowServer() {
    port_ = unused_port();
    const auto started = run_command(
        "cd " + dir_.path() + " && (" + python() + " -m mlflow server --backend-store-uri sqlite:///" +
        dir_.file("mlflow.db") + " --artifacts-destination " + dir_.file("artifacts") +
        " --host 127.0.0.1 --workers 1 --port " + std::to_string(port_) + " > server.log 2>&1 & echo $! > server.pid)");
    EXPECT_EQ(started.exit_code, 0) << started.err;
    const auto up = run_command(python() +
                                " -c \"import time, urllib.request\nfor _ in range(240):\n  try:\n    "
                                "urllib.request.urlopen('" +
                                uri() +
                                "/health', timeout=2); break\n  "
                                "except Exception: time.sleep(0.5)\nelse: raise SystemExit(1)\"");
    EXPECT_EQ(up.exit_code, 0) << read_text(dir_.file("server.log"));
  }
  ~MlflowServer() {
    std::ifstream pid(dir_.file("server.pid"));
    int process = 0;
    if (pid >> process && process > 0) ::kill(process, SIGTERM);
  }
  std::string uri() const { return "http://127.0.0.1:" + std::to_string(port_); }

 private:
  TempDir dir_;
  int port_ = 0;
};

class MlflowCli : public CliTest {
 protected:
  static void SetUpTestSuite() { server = new MlflowServer(); }
  static void TearDownTestSuite() {
    delete server;
    server = nullptr;
  }
  static MlflowServer* server;
};
MlflowServer* MlflowCli::server = nullptr;

nlohmann::json mlflow_record(const std::string& run_dir) {
  return nlohmann::json::parse(read_text(run_dir + "/mlflow.json"));
}

TEST_F(MlflowCli, ARunLogsItsParamsMetricsTagsAndArtifacts) {
  const auto result = train("--set dataset.validation=0.2 --set tracking.mlflow=" + server->uri() +
                            " --set tracking.mlflow_experiment=mlflow-test");
  ASSERT_EQ(result.exit_code, 0) << result.err;
  EXPECT_EQ(result.err.find("MLflow"), std::string::npos) << result.err;
  const auto run = runs().at(0);
  EXPECT_EQ(mlflow_record(run)["complete"], true);
  const auto view = run_command(python() + " " + MODLR_SOURCE_DIR + "/tests/tracking/mlflow_run.py " + server->uri() +
                                " mlflow-test");
  ASSERT_EQ(view.exit_code, 0) << view.err;
  const auto mlflow = nlohmann::json::parse(view.out);
  const auto summary = summary_of(run);
  EXPECT_EQ(mlflow["status"], "FINISHED");
  EXPECT_EQ(mlflow["run_name"], summary["run_id"]);
  EXPECT_EQ(mlflow["params"]["optimizer.lr"], "0.05");
  EXPECT_EQ(mlflow["params"]["model.name"], "lenet5");
  EXPECT_FALSE(mlflow["params"].contains("tracking.dir"));
  EXPECT_EQ(mlflow["tags"]["mlflow.source.git.commit"], summary["environment"]["git_commit"]);
  for (const auto& [path, sha256] : summary["data"].items())
    EXPECT_EQ(mlflow["tags"]["modlr.data." + path.substr(path.rfind('/') + 1)], sha256) << path;
  // Every row of metrics.csv, in order, with the same double.
  for (const auto& [key, values] : metrics_csv_curves(run)) {
    ASSERT_TRUE(mlflow["metrics"].contains(key)) << key;
    const auto& history = mlflow["metrics"][key];
    ASSERT_LE(values.size(), history.size()) << key;
    for (size_t i = 0; i < values.size(); ++i) EXPECT_EQ(history[i][1].get<double>(), values[i]) << key << " " << i;
  }
  EXPECT_EQ(mlflow["metrics"]["validation/accuracy"][1][0], 30);  // at the global step (15 a epoch)
  // Artifacts: the run's own files, byte for byte.
  const auto sha = [&](const std::string& file) { return formats::sha256_file_hex(run + "/" + file); };
  EXPECT_EQ(mlflow["artifacts"]["config.yaml"], sha("config.yaml"));
  EXPECT_EQ(mlflow["artifacts"]["model.safetensors"], sha("model.safetensors"));
}

TEST_F(CliTest, AnUnreachableMlflowServerCostsOneWarningNotTheRun) {
  const auto result =
      train("--set runner.epochs=1 --set tracking.mlflow=http://127.0.0.1:" + std::to_string(unused_port()));
  ASSERT_EQ(result.exit_code, 0) << result.err;
  EXPECT_EQ(summary_of(runs().at(0))["status"], "finished");
  size_t warnings = 0;
  for (size_t at = result.err.find("warning: MLflow"); at != std::string::npos;
       at = result.err.find("warning: MLflow", at + 1))
    ++warnings;
  EXPECT_EQ(warnings, 1u) << result.err;
  const auto record = mlflow_record(runs().at(0));
  EXPECT_EQ(record["complete"], false);
  EXPECT_EQ(record["unsent"][0], "the run (params, tags, metrics, artifacts)");
  EXPECT_FALSE(record["error"].get<std::string>().empty());
}

TEST_F(CliTest, AnMlflowServerFailingMidRunLeavesTheRecordSayingWhatWasNotSent) {
  // Accepts the params and epoch 1's training metrics, then fails every request.
  const auto port_file = work.file("flaky.port");
  ASSERT_EQ(run_command("(" + python() + " " + MODLR_SOURCE_DIR + "/tests/tracking/flaky_mlflow.py 2 > " + port_file +
                        " 2>&1 & echo $! > " + work.file("flaky.pid") + "); for i in $(seq 1 100); do [ -s " +
                        port_file + " ] && exit 0; sleep 0.1; done; exit 1")
                .exit_code,
            0);
  const auto port = trim(read_text(port_file));
  const auto result = train("--set tracking.mlflow=http://127.0.0.1:" + port);
  run_command("kill $(cat " + work.file("flaky.pid") + ")");
  ASSERT_EQ(result.exit_code, 0) << result.err;
  const auto record = mlflow_record(runs().at(0));
  EXPECT_EQ(record["run_id"], "abc123");
  EXPECT_NE(record["error"].get<std::string>().find("HTTP 500 INTERNAL_ERROR: the server broke"), std::string::npos)
      << record.dump();
  const auto unsent = record["unsent"].dump();
  // 600 training examples in batches of 32: 19 steps an epoch.
  for (const char* what : {"train metrics at step 38", "test metrics at step 38", "artifact model.safetensors",
                           "the run's end (status FINISHED)"})
    EXPECT_NE(unsent.find(what), std::string::npos) << what << " in " << unsent;
  EXPECT_EQ(unsent.find("train metrics at step 19"), std::string::npos) << unsent;  // that one was sent
}

TEST_F(CliTest, AnMlflowUriMustBeHttp) {
  const auto result = train("--set tracking.mlflow=ftp://example.org");
  EXPECT_EQ(result.exit_code, 1);
  EXPECT_NE(result.err.find("'tracking.mlflow'"), std::string::npos) << result.err;
}

}  // namespace
}  // namespace modlr::testing
