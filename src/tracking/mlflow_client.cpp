// MLflow's REST API over libcurl (tracking/mlflow_client.h).
#include "modlr/tracking/mlflow_client.h"

#include <curl/curl.h>

#include <algorithm>
#include <chrono>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>

#include "mlflow_answers.h"
#include "modlr/core/error.h"
#include "modlr/formats/file_bytes.h"

namespace modlr {
namespace {

// libcurl's process-wide setup, once, before the first handle (it is not thread-safe).
void init_curl_once() {
  static const bool done = [] { return curl_global_init(CURL_GLOBAL_DEFAULT) == CURLE_OK; }();
  if (!done) throw Error("mlflow: libcurl could not be initialised");
}

size_t append_to_string(char* data, size_t size, size_t count, void* out) {
  static_cast<std::string*>(out)->append(data, size * count);
  return size * count;
}

nlohmann::json pairs_json(const MlflowPairs& pairs, size_t from, size_t count, size_t max_value) {
  auto out = nlohmann::json::array();
  for (size_t i = from; i < std::min(pairs.size(), from + count); ++i)
    out.push_back({{"key", pairs[i].first}, {"value", pairs[i].second.substr(0, max_value)}});
  return out;
}

// `text` percent-encoded for a URL's query.
std::string url_escaped(const std::string& text) {
  init_curl_once();
  const std::unique_ptr<char, void (*)(void*)> escaped(curl_escape(text.c_str(), static_cast<int>(text.size())),
                                                       curl_free);
  if (!escaped) throw Error("mlflow: cannot encode '" + text + "' for a URL");
  return escaped.get();
}

}  // namespace

MlflowClient::MlflowClient(std::string uri, long timeout_seconds)
    : uri_(std::move(uri)), timeout_seconds_(timeout_seconds) {
  while (!uri_.empty() && uri_.back() == '/') uri_.pop_back();
}

int64_t MlflowClient::now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::string MlflowClient::request(const std::string& method, const std::string& endpoint, const std::string& body,
                                  const std::string& content_type) {
  init_curl_once();
  const std::unique_ptr<CURL, void (*)(CURL*)> curl(curl_easy_init(), curl_easy_cleanup);
  if (!curl) throw Error("mlflow " + uri_ + ": cannot create an HTTP handle");
  const std::string url = uri_ + endpoint;
  const std::string header = "Content-Type: " + content_type;
  const std::unique_ptr<curl_slist, void (*)(curl_slist*)> headers(curl_slist_append(nullptr, header.c_str()),
                                                                   curl_slist_free_all);
  std::string answer;
  curl_easy_setopt(curl.get(), CURLOPT_URL, url.c_str());
  curl_easy_setopt(curl.get(), CURLOPT_CUSTOMREQUEST, method.c_str());
  curl_easy_setopt(curl.get(), CURLOPT_HTTPHEADER, headers.get());
  if (method != "GET") {
    curl_easy_setopt(curl.get(), CURLOPT_POSTFIELDS, body.data());
    curl_easy_setopt(curl.get(), CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(body.size()));
  }
  curl_easy_setopt(curl.get(), CURLOPT_TIMEOUT, timeout_seconds_);
  curl_easy_setopt(curl.get(), CURLOPT_CONNECTTIMEOUT, std::min(timeout_seconds_, 5L));
  curl_easy_setopt(curl.get(), CURLOPT_NOSIGNAL, 1L);  // timeouts without SIGALRM (the runner's signals are its own)
  curl_easy_setopt(curl.get(), CURLOPT_WRITEFUNCTION, append_to_string);
  curl_easy_setopt(curl.get(), CURLOPT_WRITEDATA, &answer);
  const CURLcode code = curl_easy_perform(curl.get());
  if (code != CURLE_OK) throw Error("mlflow " + uri_ + ": " + endpoint + ": " + curl_easy_strerror(code));
  long status = 0;
  curl_easy_getinfo(curl.get(), CURLINFO_RESPONSE_CODE, &status);
  if (status < 200 || status >= 300)
    throw Error("mlflow " + uri_ + ": " + endpoint + ": HTTP " + std::to_string(status) + " " +
                mlflow_answers::error_message(answer));
  return answer;
}

std::string MlflowClient::post(const std::string& endpoint, const std::string& json_body) {
  return request("POST", "/api/2.0/mlflow/" + endpoint, json_body, "application/json");
}

std::string MlflowClient::experiment_id(const std::string& name) {
  std::optional<std::string> answer;
  try {
    answer = request("GET", "/api/2.0/mlflow/experiments/get-by-name?experiment_name=" + url_escaped(name), "",
                     "application/json");
  } catch (const Error& e) {
    if (std::string(e.what()).find("RESOURCE_DOES_NOT_EXIST") == std::string::npos) throw;
  }
  if (answer)
    return mlflow_answers::string_at(*answer, {"experiment", "experiment_id"}, uri_, "experiments/get-by-name");
  return mlflow_answers::string_at(post("experiments/create", nlohmann::json{{"name", name}}.dump()), {"experiment_id"},
                                   uri_, "experiments/create");
}

std::string MlflowClient::create_run(const std::string& experiment_id, const std::string& run_name,
                                     int64_t start_time_ms, const MlflowPairs& tags) {
  const nlohmann::json body = {{"experiment_id", experiment_id},
                               {"run_name", run_name},
                               {"start_time", start_time_ms},
                               {"tags", pairs_json(tags, 0, tags.size(), 8000)}};
  return mlflow_answers::string_at(post("runs/create", body.dump()), {"run", "info", "run_id"}, uri_, "runs/create");
}

void MlflowClient::log_batch(const std::string& run_id, const std::vector<MlflowMetric>& metrics,
                             const MlflowPairs& params, const MlflowPairs& tags) {
  const size_t rounds = std::max({(metrics.size() + 999) / 1000, (params.size() + 99) / 100, (tags.size() + 99) / 100});
  for (size_t round = 0; round < rounds; ++round) {
    auto metric_json = nlohmann::json::array();
    for (size_t i = round * 1000; i < std::min(metrics.size(), (round + 1) * 1000); ++i) {
      const auto& m = metrics[i];
      metric_json.push_back({{"key", m.key}, {"value", m.value}, {"step", m.step}, {"timestamp", m.timestamp_ms}});
    }
    const nlohmann::json body = {{"run_id", run_id},
                                 {"metrics", metric_json},
                                 {"params", pairs_json(params, round * 100, 100, 6000)},
                                 {"tags", pairs_json(tags, round * 100, 100, 8000)}};
    post("runs/log-batch", body.dump());
  }
}

void MlflowClient::upload_artifact(const std::string& experiment_id, const std::string& run_id,
                                   const std::string& artifact_path, const std::string& local_file) {
  const auto bytes = formats::read_file_raw(local_file);
  request("PUT", "/api/2.0/mlflow-artifacts/artifacts/" + experiment_id + "/" + run_id + "/artifacts/" + artifact_path,
          std::string(bytes.begin(), bytes.end()), "application/octet-stream");
}

void MlflowClient::end_run(const std::string& run_id, const std::string& status, int64_t end_time_ms) {
  post("runs/update", nlohmann::json{{"run_id", run_id}, {"status", status}, {"end_time", end_time_ms}}.dump());
}

}  // namespace modlr
