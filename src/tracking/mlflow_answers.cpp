// MLflow answers read (mlflow_answers.h).
#include "mlflow_answers.h"

#include <algorithm>
#include <nlohmann/json.hpp>
#include <vector>

#include "modlr/core/error.h"

namespace modlr::mlflow_answers {

std::string error_message(const std::string& answer) {
  try {
    const auto j = nlohmann::json::parse(answer);
    return j.value("error_code", "") + ": " + j.value("message", "");
  } catch (const nlohmann::json::exception&) {
    return answer.substr(0, std::min<size_t>(answer.find('\n'), 200));
  }
}

std::string string_at(const std::string& answer, const std::vector<std::string>& path, const std::string& server,
                      const std::string& endpoint) {
  try {
    auto j = nlohmann::json::parse(answer);
    for (const auto& key : path) j = j.at(key);
    return j.get<std::string>();
  } catch (const nlohmann::json::exception& e) {
    throw Error("mlflow " + server + ": " + endpoint + ": unexpected answer (" + e.what() + ")");
  }
}

}  // namespace modlr::mlflow_answers
