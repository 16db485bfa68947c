#pragma once
/// The part of an MLflow tracking server's REST API (https://mlflow.org/docs/latest/rest-api.html)
/// a run needs: experiments by name, runs, batches of params/metrics/tags, run status, and
/// artifact upload through the server's artifact proxy (`mlflow server`, which serves
/// artifacts by default). Over HTTP(S) with libcurl; no torch here.
///
/// Every call is synchronous with a timeout; any failure (unreachable server, HTTP error,
/// malformed answer) throws modlr::Error of one line naming the server and the endpoint.
/// One client per thread.
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace modlr {

struct MlflowMetric {
  std::string key;
  double value = 0;
  int64_t step = 0;
  int64_t timestamp_ms = 0;
};

using MlflowPairs = std::vector<std::pair<std::string, std::string>>;

class MlflowClient {
 public:
  /// `uri`: the server, e.g. http://127.0.0.1:5000 (a trailing / is dropped).
  explicit MlflowClient(std::string uri, long timeout_seconds = 10);
  const std::string& uri() const { return uri_; }

  /// The id of the experiment `name`, created when the server has none of that name.
  std::string experiment_id(const std::string& name);
  /// Creates a run; returns its run id.
  std::string create_run(const std::string& experiment_id, const std::string& run_name, int64_t start_time_ms,
                         const MlflowPairs& tags);
  /// Logs up to the API's limits (1000 metrics, 100 params, 100 tags per call; longer lists
  /// are sent in several calls). Param values longer than 6000 characters are cut there.
  void log_batch(const std::string& run_id, const std::vector<MlflowMetric>& metrics, const MlflowPairs& params,
                 const MlflowPairs& tags);
  /// Uploads `local_file` as the run's artifact `artifact_path` (PUT to the artifact proxy).
  void upload_artifact(const std::string& experiment_id, const std::string& run_id, const std::string& artifact_path,
                       const std::string& local_file);
  /// Ends the run: status FINISHED, FAILED or KILLED.
  void end_run(const std::string& run_id, const std::string& status, int64_t end_time_ms);

  /// Milliseconds since the Unix epoch, MLflow's timestamps.
  static int64_t now_ms();

 private:
  std::string request(const std::string& method, const std::string& endpoint, const std::string& body,
                      const std::string& content_type);
  std::string post(const std::string& endpoint, const std::string& json_body);
  std::string uri_;
  long timeout_seconds_;
};

}  // namespace modlr
