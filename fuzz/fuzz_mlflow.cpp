// libFuzzer target: what modlr reads from an MLflow server's answers (an HTTP peer is
// untrusted input). Any input must either parse or raise modlr::Error; anything else (a
// crash, a sanitizer report, a leak, another exception type) is a bug.
#include <cstdint>
#include <string>

#include "modlr/core/error.h"
#include "tracking/mlflow_answers.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string answer(reinterpret_cast<const char*>(data), size);
  (void)modlr::mlflow_answers::error_message(answer);  // never throws
  for (const auto& path :
       {std::vector<std::string>{"experiment", "experiment_id"}, std::vector<std::string>{"experiment_id"},
        std::vector<std::string>{"run", "info", "run_id"}}) {
    try {
      (void)modlr::mlflow_answers::string_at(answer, path, "http://fuzz", "fuzz");
    } catch (const modlr::Error&) {
    }
  }
  return 0;
}
