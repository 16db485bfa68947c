// The study database (tune/study_store.h) on SQLite.
#include "modlr/tune/study_store.h"

#include <sys/stat.h>

#include <chrono>
#include <cmath>
#include <nlohmann/json.hpp>

#include "modlr/core/error.h"

namespace modlr {
namespace {

constexpr const char* kFormat = "modlr-study 1";

constexpr const char* kSchema = R"sql(
CREATE TABLE study(key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE trials(number INTEGER PRIMARY KEY, state TEXT NOT NULL, params TEXT NOT NULL, value REAL, spread REAL,
                    error TEXT NOT NULL DEFAULT '', owner TEXT NOT NULL DEFAULT '', attempt INTEGER NOT NULL DEFAULT 1);
CREATE TABLE runs(trial INTEGER NOT NULL, seed INTEGER NOT NULL, attempt INTEGER NOT NULL, run_dir TEXT NOT NULL,
                  state TEXT NOT NULL, epochs REAL NOT NULL DEFAULT 0, error TEXT NOT NULL DEFAULT '',
                  PRIMARY KEY(trial, seed, attempt));
CREATE TABLE reports(trial INTEGER NOT NULL, seed INTEGER NOT NULL, attempt INTEGER NOT NULL, step INTEGER NOT NULL,
                     value REAL, PRIMARY KEY(trial, seed, attempt, step));
CREATE TABLE owners(owner TEXT PRIMARY KEY, heartbeat REAL NOT NULL);
)sql";

double now_seconds() {
  return std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
}

// SQLite keeps NaN as NULL; a NULL report is a NaN (diverged) value.
double value_or_nan(const SqliteStatement& row, int column) { return row.is_null(column) ? NAN : row.real(column); }

TrialParams params_from_json(const std::string& text, const std::string& what) {
  TrialParams params;
  try {
    const auto object = nlohmann::json::parse(text);  // kept: items() views it
    for (const auto& [key, value] : object.items()) params[key] = value.get<double>();
  } catch (const nlohmann::json::exception& e) {
    throw Error(what + ": unreadable trial parameters: " + e.what());
  }
  return params;
}

}  // namespace

std::string settings_json(const StudySettings& s) {
  nlohmann::json j;
  j["config"] = s.config;
  j["overrides"] = s.overrides;
  j["space"] = s.space_text;
  j["objective"] = {{"metric", s.objective.metric}, {"maximize", s.objective.maximize}};
  j["sampler"] = {{"name", s.sampler.name},
                  {"seed", s.sampler.seed},
                  {"startup_trials", s.sampler.startup_trials},
                  {"candidates", s.sampler.candidates}};
  j["pruner"] = {{"name", s.pruner.name},
                 {"startup_trials", s.pruner.startup_trials},
                 {"warmup_steps", s.pruner.warmup_steps},
                 {"min_resource", s.pruner.min_resource},
                 {"reduction_factor", s.pruner.reduction_factor}};
  j["trials"] = s.trials;
  j["parallel"] = s.parallel;
  j["seeds"] = s.seeds;
  j["validations_per_epoch"] = s.validations_per_epoch;
  return j.dump(2);
}

StudySettings settings_from_json(const std::string& text, const std::string& source) {
  StudySettings s;
  try {
    const auto j = nlohmann::json::parse(text);
    s.config = j.at("config").get<std::string>();
    s.overrides = j.at("overrides").get<std::vector<std::string>>();
    s.space_text = j.at("space").get<std::string>();
    s.objective = {j.at("objective").at("metric").get<std::string>(), j.at("objective").at("maximize").get<bool>()};
    const auto& sampler = j.at("sampler");
    s.sampler = {sampler.at("name").get<std::string>(), sampler.at("seed").get<uint64_t>(),
                 sampler.at("startup_trials").get<int64_t>(), sampler.at("candidates").get<int64_t>()};
    const auto& pruner = j.at("pruner");
    s.pruner = {pruner.at("name").get<std::string>(), pruner.at("startup_trials").get<int64_t>(),
                pruner.at("warmup_steps").get<int64_t>(), pruner.at("min_resource").get<int64_t>(),
                pruner.at("reduction_factor").get<int64_t>()};
    s.trials = j.at("trials").get<int64_t>();
    s.parallel = j.at("parallel").get<int64_t>();
    s.seeds = j.at("seeds").get<std::vector<int64_t>>();
    s.validations_per_epoch = j.at("validations_per_epoch").get<int64_t>();
  } catch (const nlohmann::json::exception& e) {
    throw Error(source + ": not a modlr study (its settings are unreadable: " + e.what() + ")");
  }
  return s;
}

StudyStore StudyStore::create(const std::string& path, const StudySettings& settings) {
  struct stat existing {};
  if (::stat(path.c_str(), &existing) == 0) throw Error(path + ": already exists; continue that study with --resume");
  StudyStore store(SqliteDatabase::open(path, /*create=*/true));
  store.database_.in_transaction([&] {
    store.database_.exec(kSchema);
    store.database_.prepare("INSERT INTO study VALUES ('format', ?), ('settings', ?)")
        .bind(1, std::string(kFormat))
        .bind(2, settings_json(settings))
        .run();
  });
  store.settings_ = settings;
  return store;
}

StudyStore StudyStore::open(const std::string& path) {
  struct stat existing {};
  if (::stat(path.c_str(), &existing) != 0) throw Error(path + ": no such study database");
  StudyStore store(SqliteDatabase::open(path, /*create=*/false));
  std::string format, settings;
  try {
    auto row = store.database_.prepare("SELECT key, value FROM study");
    while (row.step()) (row.text(0) == "format" ? format : settings) = row.text(1);
  } catch (const Error&) {
    throw Error(path + ": not a modlr study database (it has no study table)");
  }
  if (format != kFormat) throw Error(path + ": not a modlr study database (format '" + format + "')");
  store.settings_ = settings_from_json(settings, path);
  return store;
}

std::optional<TrialSnapshot> StudyStore::claim(
    const std::function<TrialParams(const std::vector<TrialSnapshot>&, int64_t)>& sample, const std::string& owner) {
  return database_.in_transaction([&]() -> std::optional<TrialSnapshot> {
    auto history = trials_unlocked();
    for (auto& trial : history)
      if (trial.state == TrialState::waiting) {
        database_.prepare("UPDATE trials SET state='running', owner=?, attempt=attempt+1 WHERE number=?")
            .bind(1, owner)
            .bind(2, trial.number)
            .run();
        trial.state = TrialState::running;
        return trial;
      }
    const auto number = static_cast<int64_t>(history.size());
    if (number >= settings_.trials) return std::nullopt;
    TrialSnapshot trial;
    trial.number = number;
    trial.params = sample(history, number);
    database_.prepare("INSERT INTO trials(number, state, params, owner) VALUES (?, 'running', ?, ?)")
        .bind(1, number)
        .bind(2, nlohmann::json(trial.params).dump())
        .bind(3, owner)
        .run();
    return trial;
  });
}

int64_t StudyStore::attempt(int64_t trial) {
  auto row = database_.prepare("SELECT attempt FROM trials WHERE number=?");
  row.bind(1, trial);
  if (!row.step()) throw Error(path() + ": no trial " + std::to_string(trial));
  return row.integer(0);
}

void StudyStore::start_run(int64_t trial, int64_t seed, const std::string& run_dir) {
  const auto current = attempt(trial);
  database_.prepare("INSERT OR REPLACE INTO runs(trial, seed, attempt, run_dir, state) VALUES (?, ?, ?, ?, 'running')")
      .bind(1, trial)
      .bind(2, seed)
      .bind(3, current)
      .bind(4, run_dir)
      .run();
}

void StudyStore::report(int64_t trial, int64_t seed, int64_t step, double value, double epochs) {
  database_.in_transaction([&] {
    const auto current = attempt(trial);
    database_.prepare("INSERT OR REPLACE INTO reports VALUES (?, ?, ?, ?, ?)")
        .bind(1, trial)
        .bind(2, seed)
        .bind(3, current)
        .bind(4, step)
        .bind(5, value)
        .run();
    database_.prepare("UPDATE runs SET epochs=? WHERE trial=? AND seed=? AND attempt=?")
        .bind(1, epochs)
        .bind(2, trial)
        .bind(3, seed)
        .bind(4, current)
        .run();
  });
}

std::map<int64_t, double> StudyStore::run_curve(int64_t trial, int64_t seed) {
  auto row = database_.prepare(
      "SELECT r.step, r.value FROM reports r JOIN trials t ON t.number=r.trial AND t.attempt=r.attempt "
      "WHERE r.trial=? AND r.seed=? ORDER BY r.step");
  row.bind(1, trial).bind(2, seed);
  std::map<int64_t, double> curve;
  while (row.step()) curve[row.integer(0)] = value_or_nan(row, 1);
  return curve;
}

void StudyStore::end_run(int64_t trial, int64_t seed, const std::string& state, const std::string& error) {
  database_
      .prepare(
          "UPDATE runs SET state=?, error=? WHERE trial=? AND seed=? AND attempt=(SELECT attempt FROM trials "
          "WHERE number=?)")
      .bind(1, state)
      .bind(2, error)
      .bind(3, trial)
      .bind(4, seed)
      .bind(5, trial)
      .run();
}

std::vector<TrialRun> StudyStore::runs(int64_t trial) {
  auto row = database_.prepare(
      "SELECT u.seed, u.run_dir, u.state, u.epochs, u.error, (SELECT value FROM reports r WHERE r.trial=u.trial AND "
      "r.seed=u.seed AND r.attempt=u.attempt ORDER BY r.step DESC LIMIT 1), (SELECT COUNT(*) FROM reports r WHERE "
      "r.trial=u.trial AND r.seed=u.seed AND r.attempt=u.attempt) FROM runs u JOIN trials t ON t.number=u.trial AND "
      "t.attempt=u.attempt WHERE u.trial=? ORDER BY u.seed");
  row.bind(1, trial);
  std::vector<TrialRun> runs;
  while (row.step()) {
    TrialRun run{row.integer(0), row.text(1), row.text(2), std::nullopt, row.real(3), row.text(4)};
    if (row.integer(6) > 0) run.value = value_or_nan(row, 5);
    runs.push_back(run);
  }
  return runs;
}

void StudyStore::finish(int64_t trial, TrialState state, std::optional<double> value, std::optional<double> spread,
                        const std::string& error) {
  database_.prepare("UPDATE trials SET state=?, value=?, spread=?, error=? WHERE number=?")
      .bind(1, std::string(trial_state_name(state)))
      .bind(2, value)
      .bind(3, spread)
      .bind(4, error)
      .bind(5, trial)
      .run();
}

void StudyStore::requeue(int64_t trial) {
  database_.prepare("UPDATE trials SET state='waiting', owner='' WHERE number=? AND state='running'")
      .bind(1, trial)
      .run();
}

std::vector<TrialSnapshot> StudyStore::trials() { return trials_unlocked(); }

std::vector<TrialSnapshot> StudyStore::trials_unlocked() {
  std::vector<TrialSnapshot> trials;
  auto row = database_.prepare("SELECT number, state, params, value FROM trials ORDER BY number");
  while (row.step()) {
    TrialSnapshot trial;
    trial.number = row.integer(0);
    trial.state = trial_state_from_name(row.text(1));
    trial.params = params_from_json(row.text(2), path() + ": trial " + std::to_string(trial.number));
    if (trial.state == TrialState::complete) trial.value = value_or_nan(row, 3);
    trials.push_back(std::move(trial));
  }
  // Each trial's curve: the mean over its current attempt's seeds at each step.
  auto curve = database_.prepare(
      "SELECT r.trial, r.step, AVG(r.value), COUNT(r.value), COUNT(*) FROM reports r JOIN trials t ON "
      "t.number=r.trial AND t.attempt=r.attempt GROUP BY r.trial, r.step");
  while (curve.step()) {
    const auto number = static_cast<size_t>(curve.integer(0));
    // A NaN (NULL) among the seeds makes the step's mean NaN: the trial diverged there.
    const bool diverged = curve.integer(3) != curve.integer(4);
    if (number < trials.size()) trials[number].curve[curve.integer(1)] = diverged ? NAN : value_or_nan(curve, 2);
  }
  return trials;
}

std::optional<double> StudyStore::spread(int64_t trial) {
  auto row = database_.prepare("SELECT spread FROM trials WHERE number=?");
  row.bind(1, trial);
  return row.step() ? row.optional_real(0) : std::nullopt;
}

std::string StudyStore::error(int64_t trial) {
  auto row = database_.prepare("SELECT error FROM trials WHERE number=?");
  row.bind(1, trial);
  return row.step() ? row.text(0) : "";
}

void StudyStore::heartbeat(const std::string& owner) {
  database_.prepare("INSERT OR REPLACE INTO owners VALUES (?, ?)").bind(1, owner).bind(2, now_seconds()).run();
}

std::vector<int64_t> StudyStore::requeue_orphans(const std::function<bool(const std::string&, double)>& is_alive) {
  return database_.in_transaction([&] {
    std::vector<int64_t> orphans;
    auto row = database_.prepare(
        "SELECT t.number, t.owner, o.heartbeat FROM trials t LEFT JOIN owners o ON o.owner=t.owner WHERE "
        "t.state='running'");
    const double now = now_seconds();
    while (row.step()) {
      const double age = row.is_null(2) ? INFINITY : now - row.real(2);
      if (!is_alive(row.text(1), age)) orphans.push_back(row.integer(0));
    }
    for (const auto number : orphans) requeue(number);
    return orphans;
  });
}

}  // namespace modlr
