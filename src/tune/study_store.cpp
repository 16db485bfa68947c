// The study database (tune/study_store.h), in the SQL that SQLite and PostgreSQL share.
#include "modlr/tune/study_store.h"

#include <sys/stat.h>

#include <cmath>
#include <nlohmann/json.hpp>

#include "modlr/core/error.h"
#include "modlr/tracking/postgres.h"
#include "modlr/tracking/sqlite.h"

namespace modlr {
namespace {

constexpr const char* kFormat = "modlr-study 1";

constexpr const char* kSchema = R"sql(
CREATE TABLE study(key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE trials(number BIGINT PRIMARY KEY, state TEXT NOT NULL, params TEXT NOT NULL, value DOUBLE PRECISION,
                    spread DOUBLE PRECISION, error TEXT NOT NULL DEFAULT '', owner TEXT NOT NULL DEFAULT '',
                    attempt BIGINT NOT NULL DEFAULT 1);
CREATE TABLE runs(trial BIGINT NOT NULL, seed BIGINT NOT NULL, attempt BIGINT NOT NULL, run_dir TEXT NOT NULL,
                  state TEXT NOT NULL, epochs DOUBLE PRECISION NOT NULL DEFAULT 0, error TEXT NOT NULL DEFAULT '',
                  config TEXT NOT NULL DEFAULT '', PRIMARY KEY(trial, seed, attempt));
CREATE TABLE reports(trial BIGINT NOT NULL, seed BIGINT NOT NULL, attempt BIGINT NOT NULL, step BIGINT NOT NULL,
                     value DOUBLE PRECISION, PRIMARY KEY(trial, seed, attempt, step));
CREATE TABLE owners(owner TEXT PRIMARY KEY, heartbeat DOUBLE PRECISION NOT NULL);
)sql";

// NaN is kept as NULL (sql_database.h); a NULL report is a NaN (diverged) value.
double value_or_nan(const SqlRow& row, size_t column) { return row.real(column); }

// A study from before runs kept their configs gets the column (two processes may race here).
void add_config_column(SqlDatabase& database) {
  const auto has_column = [&] {
    try {
      database.query("SELECT config FROM runs WHERE 0=1");
      return true;
    } catch (const Error&) {
      return false;
    }
  };
  if (has_column()) return;
  try {
    database.exec("ALTER TABLE runs ADD COLUMN config TEXT NOT NULL DEFAULT ''");
  } catch (const Error&) {
    if (!has_column()) throw;
  }
}

std::string postgres_schema(const StudyLocation& location) { return "modlr_" + location.postgres_study; }

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

StudyStore StudyStore::connect(const StudyLocation& location, bool create) {
  if (location.postgres_url.empty()) {
    struct stat existing {};
    const bool exists = ::stat(location.sqlite_path.c_str(), &existing) == 0;
    if (create && exists) throw Error(location.sqlite_path + ": already exists; continue that study with --resume");
    if (!create && !exists) throw Error(location.sqlite_path + ": no such study database");
    return {SqliteDatabase::open(location.sqlite_path, create), location.describe()};
  }
  auto database = PostgresDatabase::connect(location.postgres_url, postgres_schema(location));
  return {std::move(database), location.describe()};
}

StudyStore StudyStore::create(const StudyLocation& location, const StudySettings& settings) {
  auto store = connect(location, /*create=*/true);
  auto& database = *store.database_;
  database.in_transaction([&] {
    if (!location.postgres_url.empty()) {
      const auto schema = postgres_schema(location);
      if (!database.query("SELECT 1 FROM pg_namespace WHERE nspname=?", {schema}).empty())
        throw Error(store.name() + ": already exists; join it with --join " + location.postgres_study +
                    " --storage URL");
      database.exec("CREATE SCHEMA " + quote_sql_identifier(schema));
    }
    database.exec(kSchema);
    database.query("INSERT INTO study VALUES ('format', ?), ('settings', ?)",
                   {std::string(kFormat), settings_json(settings)});
  });
  store.settings_ = settings;
  return store;
}

StudyStore StudyStore::open(const StudyLocation& location) {
  auto store = connect(location, /*create=*/false);
  auto& database = *store.database_;
  if (!location.postgres_url.empty() &&
      database.query("SELECT 1 FROM pg_namespace WHERE nspname=?", {postgres_schema(location)}).empty())
    throw Error(store.name() + ": no such study (start it with modlr tune CONFIG ... --storage URL --study-name " +
                location.postgres_study + ")");
  std::string format, settings;
  try {
    for (const auto& row : database.query("SELECT key, value FROM study"))
      (row.text(0) == "format" ? format : settings) = row.text(1);
  } catch (const Error&) {
    throw Error(store.name() + ": not a modlr study database (it has no study table)");
  }
  if (format != kFormat) throw Error(store.name() + ": not a modlr study database (format '" + format + "')");
  add_config_column(database);
  store.settings_ = settings_from_json(settings, store.name());
  return store;
}

std::optional<TrialSnapshot> StudyStore::claim(
    const std::function<TrialParams(const std::vector<TrialSnapshot>&, int64_t)>& sample, const std::string& owner) {
  return database_->in_transaction([&]() -> std::optional<TrialSnapshot> {
    auto history = trials_unlocked();
    for (auto& trial : history)
      if (trial.state == TrialState::waiting) {
        database_->query("UPDATE trials SET state='running', owner=?, attempt=attempt+1 WHERE number=?",
                         {owner, trial.number});
        trial.state = TrialState::running;
        return trial;
      }
    const auto number = static_cast<int64_t>(history.size());
    if (number >= settings_.trials) return std::nullopt;
    TrialSnapshot trial;
    trial.number = number;
    trial.params = sample(history, number);
    database_->query("INSERT INTO trials(number, state, params, owner) VALUES (?, 'running', ?, ?)",
                     {number, nlohmann::json(trial.params).dump(), owner});
    return trial;
  });
}

int64_t StudyStore::attempt(int64_t trial) {
  const auto rows = database_->query("SELECT attempt FROM trials WHERE number=?", {trial});
  if (rows.empty()) throw Error(name_ + ": no trial " + std::to_string(trial));
  return rows[0].integer(0);
}

void StudyStore::start_run(int64_t trial, int64_t seed, const std::string& run_dir, const std::string& config) {
  const auto current = attempt(trial);
  database_->query(
      "INSERT INTO runs(trial, seed, attempt, run_dir, state, config) VALUES (?, ?, ?, ?, 'running', ?) ON "
      "CONFLICT(trial, seed, attempt) DO UPDATE SET run_dir=excluded.run_dir, state=excluded.state, epochs=0, "
      "error='', config=excluded.config",
      {trial, seed, current, run_dir, config});
}

void StudyStore::report(int64_t trial, int64_t seed, int64_t step, double value, double epochs) {
  database_->in_transaction([&] {
    const auto current = attempt(trial);
    database_->query(
        "INSERT INTO reports VALUES (?, ?, ?, ?, ?) ON CONFLICT(trial, seed, attempt, step) DO UPDATE SET "
        "value=excluded.value",
        {trial, seed, current, step, value});
    database_->query("UPDATE runs SET epochs=? WHERE trial=? AND seed=? AND attempt=?", {epochs, trial, seed, current});
  });
}

std::map<int64_t, double> StudyStore::run_curve(int64_t trial, int64_t seed) {
  std::map<int64_t, double> curve;
  for (const auto& row : database_->query(
           "SELECT r.step, r.value FROM reports r JOIN trials t ON t.number=r.trial AND t.attempt=r.attempt "
           "WHERE r.trial=? AND r.seed=? ORDER BY r.step",
           {trial, seed}))
    curve[row.integer(0)] = value_or_nan(row, 1);
  return curve;
}

void StudyStore::end_run(int64_t trial, int64_t seed, const std::string& state, const std::string& error) {
  database_->query(
      "UPDATE runs SET state=?, error=? WHERE trial=? AND seed=? AND attempt=(SELECT attempt FROM trials WHERE "
      "number=?)",
      {state, error, trial, seed, trial});
}

std::vector<TrialRun> StudyStore::runs(int64_t trial) {
  std::vector<TrialRun> runs;
  for (const auto& row : database_->query(
           "SELECT u.seed, u.run_dir, u.state, u.epochs, u.error, (SELECT value FROM reports r WHERE r.trial=u.trial "
           "AND r.seed=u.seed AND r.attempt=u.attempt ORDER BY r.step DESC LIMIT 1), (SELECT COUNT(*) FROM reports r "
           "WHERE r.trial=u.trial AND r.seed=u.seed AND r.attempt=u.attempt), u.config FROM runs u JOIN trials t ON "
           "t.number=u.trial AND t.attempt=u.attempt WHERE u.trial=? ORDER BY u.seed",
           {trial})) {
    TrialRun run{row.integer(0), row.text(1), row.text(2), std::nullopt, row.real(3), row.text(4), row.text(7)};
    if (row.integer(6) > 0) run.value = value_or_nan(row, 5);
    runs.push_back(run);
  }
  return runs;
}

void StudyStore::finish(int64_t trial, TrialState state, std::optional<double> value, std::optional<double> spread,
                        const std::string& error) {
  const auto nullable = [](const std::optional<double>& v) { return v ? SqlValue(*v) : SqlValue(); };
  database_->query("UPDATE trials SET state=?, value=?, spread=?, error=? WHERE number=?",
                   {std::string(trial_state_name(state)), nullable(value), nullable(spread), error, trial});
}

void StudyStore::requeue(int64_t trial) {
  database_->query("UPDATE trials SET state='waiting', owner='' WHERE number=? AND state='running'", {trial});
}

std::vector<TrialSnapshot> StudyStore::trials() { return trials_unlocked(); }

std::vector<TrialSnapshot> StudyStore::trials_unlocked() {
  std::vector<TrialSnapshot> trials;
  for (const auto& row : database_->query("SELECT number, state, params, value FROM trials ORDER BY number")) {
    TrialSnapshot trial;
    trial.number = row.integer(0);
    trial.state = trial_state_from_name(row.text(1));
    trial.params = params_from_json(row.text(2), name_ + ": trial " + std::to_string(trial.number));
    if (trial.state == TrialState::complete) trial.value = value_or_nan(row, 3);
    trials.push_back(std::move(trial));
  }
  // Each trial's curve: the mean over its current attempt's seeds at each step.
  for (const auto& row : database_->query(
           "SELECT r.trial, r.step, AVG(r.value), COUNT(r.value), COUNT(*) FROM reports r JOIN trials t ON "
           "t.number=r.trial AND t.attempt=r.attempt GROUP BY r.trial, r.step")) {
    const auto number = static_cast<size_t>(row.integer(0));
    // A NaN (NULL) among the seeds makes the step's mean NaN: the trial diverged there.
    const bool diverged = row.integer(3) != row.integer(4);
    if (number < trials.size()) trials[number].curve[row.integer(1)] = diverged ? NAN : value_or_nan(row, 2);
  }
  return trials;
}

std::optional<double> StudyStore::spread(int64_t trial) {
  const auto rows = database_->query("SELECT spread FROM trials WHERE number=?", {trial});
  return rows.empty() ? std::nullopt : rows[0].optional_real(0);
}

std::string StudyStore::error(int64_t trial) {
  const auto rows = database_->query("SELECT error FROM trials WHERE number=?", {trial});
  return rows.empty() ? "" : rows[0].text(0);
}

void StudyStore::heartbeat(const std::string& owner) {
  database_->query("INSERT INTO owners VALUES (?, ?) ON CONFLICT(owner) DO UPDATE SET heartbeat=excluded.heartbeat",
                   {owner, database_->clock_seconds()});
}

std::vector<int64_t> StudyStore::requeue_orphans(const std::function<bool(const std::string&, double)>& is_alive) {
  return database_->in_transaction([&] {
    std::vector<int64_t> orphans;
    const double now = database_->clock_seconds();
    for (const auto& row : database_->query("SELECT t.number, t.owner, o.heartbeat FROM trials t LEFT JOIN owners o "
                                            "ON o.owner=t.owner WHERE t.state='running'")) {
      const double age = row.is_null(2) ? INFINITY : now - row.real(2);
      if (!is_alive(row.text(1), age)) orphans.push_back(row.integer(0));
    }
    for (const auto number : orphans) requeue(number);
    return orphans;
  });
}

}  // namespace modlr
