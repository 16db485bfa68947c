// libFuzzer target: YAML experiment configs and --set overrides. The input is split at the
// first NUL: before it a config file, after it one override. Every accessor modlr uses is
// exercised; input must be accepted or raise modlr::Error with a message.
#include <cstdint>
#include <string>

#include "modlr/core/config.h"
#include "modlr/core/error.h"

namespace {

void read_everything(const modlr::Config& config) {
  config.get<std::string>("experiment", "x");
  config.get_count("seed", 0, true);
  auto dataset = config.section("dataset");
  dataset.get<std::vector<double>>("mean", {});
  dataset.get_count("batch_size", 32);
  dataset.get<bool>("shuffle", true);
  auto model = config.section("model");
  model.get<std::vector<int64_t>>("sizes", {1, 2});
  model.get_choice("activation", "relu", {"relu", "tanh"});
  if (config.is_list("optimizer")) {
    for (const auto& optimizer : config.list_sections("optimizer")) optimizer.get_positive("lr", 0.1);
  } else {
    config.section("optimizer").get_positive("lr", 0.1);
  }
  auto runner = config.section("runner");
  runner.get<std::vector<std::string>>("builtin_hooks", {"timing", "checkpoint"});
  if (runner.is_list("hooks")) {  // as Experiment reads them: sections, each with a name
    for (const auto& hook : runner.list_sections("hooks")) {
      hook.get<std::string>("name");
      if (hook.has("when")) hook.section("when").get_count("every_steps", 1);
    }
  } else {
    runner.get<std::vector<std::string>>("hooks", {});
  }
  config.check_no_unknown_keys();
  config.dump();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string input(reinterpret_cast<const char*>(data), size);
  const auto split = input.find('\0');
  const std::string text = input.substr(0, split);
  std::vector<std::string> overrides;
  if (split != std::string::npos) overrides.push_back(input.substr(split + 1));
  try {
    read_everything(modlr::Config::parse(text, "fuzz.yaml", overrides));
  } catch (const modlr::Error& e) {
    if (std::string(e.what()).empty()) __builtin_trap();  // errors must say something
  }
  return 0;
}
