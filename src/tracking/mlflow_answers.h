#pragma once
// What modlr reads from an MLflow server's answers (untrusted bytes), apart from the HTTP
// client (mlflow_client.cpp) so that the fuzz target links it without libcurl. Private to
// src/tracking.
#include <string>
#include <vector>

namespace modlr::mlflow_answers {

// The server's own message from an error answer ({"error_code": ..., "message": ...}), or
// the answer's first line (at most 200 bytes) when it is not such JSON. Never throws.
std::string error_message(const std::string& answer);

// The string at `path` ("experiment", "experiment_id") of a JSON answer to `endpoint`.
// Throws modlr::Error naming `server` and `endpoint` when the answer is not JSON or has no
// string there.
std::string string_at(const std::string& answer, const std::vector<std::string>& path, const std::string& server,
                      const std::string& endpoint);

}  // namespace modlr::mlflow_answers
