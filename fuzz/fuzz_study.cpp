// libFuzzer target: what `modlr tune` reads back from files others may have written: a
// search space (SPACE.yaml, and the copy in a study database) and a study's settings (JSON
// in study.db) and a study directory's study.storage (JSON naming a PostgreSQL study). The
// input is split at NULs: the space, the settings, the storage file. Each must be accepted
// or raise modlr::Error with a message; an accepted space must give overrides for any
// in-range values; a storage's description never shows a password.
#include <cstdint>
#include <string>

#include "modlr/core/error.h"
#include "modlr/tune/search_space.h"
#include "modlr/tune/study_store.h"

namespace {

void exercise_space(const std::string& text) {
  const auto space = modlr::SearchSpace::parse(text, "space.yaml");
  modlr::TrialParams params;
  for (const auto& p : space.parameters())
    params[p.key] = p.distribution == modlr::Distribution::categorical ? 0 : p.low;
  space.check(params, "fuzz");
  if (space.overrides_for(params).size() != space.parameters().size()) __builtin_trap();
  space.describe(params);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string input(reinterpret_cast<const char*>(data), size);
  const auto split = input.find('\0');
  try {
    exercise_space(input.substr(0, split));
  } catch (const modlr::Error& e) {
    if (std::string(e.what()).empty()) __builtin_trap();  // errors must say something
  }
  if (split == std::string::npos) return 0;
  const auto second = input.find('\0', split + 1);
  try {
    const auto settings = modlr::settings_from_json(input.substr(split + 1, second - split - 1), "study.db");
    if (modlr::settings_from_json(modlr::settings_json(settings), "again").trials != settings.trials) __builtin_trap();
  } catch (const modlr::Error& e) {
    if (std::string(e.what()).empty()) __builtin_trap();
  }
  if (second == std::string::npos) return 0;
  try {
    const auto location = modlr::StudyLocation::parse_storage(input.substr(second + 1), "study.storage");
    const auto& url = location.postgres_url;
    const auto authority = url.find("://") + 3, at = url.find('@', authority);
    const auto userinfo = at == std::string::npos ? std::string() : url.substr(authority, at - authority);
    const auto colon = userinfo.find(':');
    if (colon != std::string::npos && userinfo.find_first_of("/?#") == std::string::npos &&
        location.describe().find(userinfo + "@") != std::string::npos && userinfo.substr(colon + 1) != "***")
      __builtin_trap();  // the password of user:password@ shows
  } catch (const modlr::Error& e) {
    if (std::string(e.what()).empty()) __builtin_trap();
  }
  return 0;
}
