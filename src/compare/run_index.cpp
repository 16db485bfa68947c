// The run index (compare/run_index.h): run records cached in SQLite, keyed by directory and
// the identity (size, modification time) of their summary.json.
#include "modlr/compare/run_index.h"

#include <sys/stat.h>

#include <filesystem>
#include <iostream>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>

#include "modlr/compare/run_group.h"
#include "modlr/core/error.h"
#include "modlr/tracking/sqlite.h"

namespace modlr::compare {
namespace {

// What identifies a summary.json's version: its size and modification time in ns.
std::string summary_stamp(const std::string& run_dir) {
  struct stat info {};
  if (::stat((run_dir + "/summary.json").c_str(), &info) != 0) return "missing";
  return std::to_string(info.st_size) + ":" + std::to_string(info.st_mtim.tv_sec) + "." +
         std::to_string(info.st_mtim.tv_nsec);
}

IndexedRun read_run(const std::string& dir) {
  IndexedRun run;
  run.dir = dir;
  run.run_id = std::filesystem::path(dir).filename().string();
  if (!std::filesystem::exists(dir + "/summary.json")) {
    run.status = "unfinished";
    run.error = "no summary.json (running, or killed before its first record)";
    return run;
  }
  try {
    auto data = load_run(dir);
    run.run_id = data.run_id;
    run.experiment = data.experiment;
    run.status = data.status;
    run.error = data.error;
    run.seed = data.seed;
    run.epochs = data.epochs;
    run.config = std::move(data.config);
    run.values = std::move(data.values);
  } catch (const Error& e) {
    run.status = "unreadable";
    run.error = e.what();
  }
  return run;
}

nlohmann::json to_json(const IndexedRun& run) {
  return {{"run_id", run.run_id}, {"experiment", run.experiment}, {"status", run.status}, {"error", run.error},
          {"seed", run.seed},     {"epochs", run.epochs},         {"config", run.config}, {"values", run.values}};
}

IndexedRun from_json(const std::string& dir, const std::string& text) {
  const auto j = nlohmann::json::parse(text);
  IndexedRun run;
  run.dir = dir;
  run.run_id = j.at("run_id").get<std::string>();
  run.experiment = j.at("experiment").get<std::string>();
  run.status = j.at("status").get<std::string>();
  run.error = j.at("error").get<std::string>();
  run.seed = j.at("seed").get<int64_t>();
  run.epochs = j.at("epochs").get<int64_t>();
  run.config = j.at("config").get<std::map<std::string, std::string>>();
  run.values = j.at("values").get<std::map<std::string, double>>();
  return run;
}

// Reads the run at `dir` (absolute) into the index and returns it.
IndexedRun store_run(SqliteDatabase& database, const std::string& dir) {
  const auto stamp = summary_stamp(dir);  // before reading: a change while reading shows next time
  auto run = read_run(dir);
  database.query("INSERT OR REPLACE INTO runs VALUES (?, ?, ?)", {dir, stamp, to_json(run).dump()});
  return run;
}

}  // namespace

std::optional<std::string> IndexedRun::field(const std::string& key) const {
  if (key == "run") return run_id;
  if (key == "dir") return dir;
  if (key == "experiment") return experiment;
  if (key == "status") return status;
  if (key == "seed") return std::to_string(seed);
  if (key == "epochs") return std::to_string(epochs);
  if (const auto found = values.find(key); found != values.end()) {
    std::ostringstream text;
    text << found->second;
    return text.str();
  }
  if (const auto found = config.find(key); found != config.end()) return found->second;
  return std::nullopt;
}

std::optional<double> IndexedRun::number(const std::string& key) const {
  if (const auto found = values.find(key); found != values.end()) return found->second;
  const auto text = field(key);
  if (!text) return std::nullopt;
  char* end = nullptr;
  const double value = std::strtod(text->c_str(), &end);
  if (text->empty() || *end != '\0') return std::nullopt;
  return value;
}

struct RunIndex::State {
  std::string runs_dir;
  std::unique_ptr<SqliteDatabase> database;
};

RunIndex::RunIndex(std::unique_ptr<State> state) : state_(std::move(state)) {}
RunIndex::~RunIndex() = default;
RunIndex::RunIndex(RunIndex&&) noexcept = default;

RunIndex RunIndex::open(const std::string& runs_dir) {
  std::error_code error;
  std::filesystem::create_directories(runs_dir, error);
  if (error) throw Error(runs_dir + ": cannot create directory: " + error.message());
  const auto path = runs_dir + "/index.db";
  try {
    auto database = SqliteDatabase::open(path);
    database->exec("CREATE TABLE IF NOT EXISTS runs(dir TEXT PRIMARY KEY, stamp TEXT NOT NULL, data TEXT NOT NULL)");
    const auto absolute = std::filesystem::absolute(runs_dir).lexically_normal().string();
    return RunIndex(std::make_unique<State>(State{absolute, std::move(database)}));
  } catch (const Error& e) {
    throw Error(std::string(e.what()) + " (the run index only caches the run records: remove " + path +
                " and it is rebuilt from them)");
  }
}

void RunIndex::update(const std::string& run_dir) {
  store_run(*state_->database, std::filesystem::weakly_canonical(run_dir).string());
}

std::vector<IndexedRun> RunIndex::refresh() {
  auto& database = *state_->database;
  std::map<std::string, std::pair<std::string, std::string>> cached;  // dir -> stamp, data
  for (const auto& row : database.query("SELECT dir, stamp, data FROM runs"))
    cached[row.text(0)] = {row.text(1), row.text(2)};
  std::vector<IndexedRun> runs;
  database.in_transaction([&] {
    const auto dirs = find_run_dirs(state_->runs_dir);
    const std::set<std::string> present(dirs.begin(), dirs.end());
    for (const auto& [dir, entry] : cached)
      if (!present.count(dir)) database.query("DELETE FROM runs WHERE dir=?", {dir});
    for (const auto& dir : dirs) {
      const auto found = cached.find(dir);
      if (found != cached.end() && found->second.first == summary_stamp(dir) && found->second.first != "missing") {
        try {
          runs.push_back(from_json(dir, found->second.second));
          continue;
        } catch (const nlohmann::json::exception&) {  // a damaged entry: read the run again
        }
      }
      runs.push_back(store_run(database, dir));
    }
  });
  return runs;
}

void note_run_in_index(const std::string& tracking_dir, const std::string& run_dir) noexcept {
  try {
    RunIndex::open(tracking_dir).update(run_dir);
  } catch (const std::exception& e) {
    std::cerr << "modlr: warning: the run index was not updated (" << e.what() << "); `modlr runs` will read the run"
              << std::endl;
  }
}

}  // namespace modlr::compare
