// Which database a study is in (tune/study_store.h: StudyLocation).
#include <sys/stat.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "modlr/core/error.h"
#include "modlr/formats/file_bytes.h"
#include "modlr/tracking/postgres.h"
#include "modlr/tune/study_store.h"

namespace modlr {
namespace {

constexpr const char* kStorageFile = "/study.storage";
constexpr const char* kSqliteFile = "/study.db";

bool exists(const std::string& path) {
  struct stat status {};
  return ::stat(path.c_str(), &status) == 0;
}

}  // namespace

StudyLocation StudyLocation::postgres(const std::string& url, const std::string& study) {
  if (!is_postgres_url(url))
    throw Error("--storage '" + hide_url_password(url) +
                "': not a PostgreSQL URL (postgresql://[user@]host[:port]/db)");
  const bool valid = !study.empty() && study.size() <= 48 &&
                     study.find_first_not_of(
                         "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
                         "0123456789_.-") == std::string::npos;
  if (!valid) throw Error("study name '" + study + "': use 1 to 48 letters, digits, '_', '.' or '-'");
  return {"", url, study};
}

bool StudyLocation::is_study_directory(const std::string& dir) {
  return exists(dir + kStorageFile) || exists(dir + kSqliteFile);
}

StudyLocation StudyLocation::of_directory(const std::string& dir) {
  const std::string storage = dir + kStorageFile;
  if (!exists(storage)) {
    if (!exists(dir + kSqliteFile)) throw Error(dir + ": not a study directory (it has no study.db or study.storage)");
    return sqlite(dir + kSqliteFile);
  }
  std::ifstream in(storage);
  std::stringstream text;
  text << in.rdbuf();
  return parse_storage(text.str(), storage);
}

StudyLocation StudyLocation::parse_storage(const std::string& text, const std::string& source) {
  try {
    const auto j = nlohmann::json::parse(text);
    return postgres(j.at("postgres_url").get<std::string>(), j.at("study").get<std::string>());
  } catch (const nlohmann::json::exception& e) {
    throw Error(source + ": unreadable (" + std::string(e.what()) + ")");
  } catch (const Error& e) {
    throw Error(source + ": " + e.what());
  }
}

void StudyLocation::write_to(const std::string& dir) const {
  const std::string path = dir + kStorageFile;
  formats::write_file_atomic(path, nlohmann::json{{"postgres_url", postgres_url}, {"study", postgres_study}}.dump(2));
  std::filesystem::permissions(path, std::filesystem::perms::owner_read | std::filesystem::perms::owner_write);
}

std::string StudyLocation::describe() const {
  if (postgres_url.empty()) return sqlite_path;
  return "study " + postgres_study + " in " + hide_url_password(postgres_url);
}

}  // namespace modlr
