// The study driver (tune/study.h): set up or reopen a study, then keep `parallel` trial
// runs going until the store has no trial left to claim.
#include "modlr/tune/study.h"

#include <sys/stat.h>

#include <chrono>
#include <cmath>
#include <csignal>
#include <filesystem>
#include <iomanip>
#include <iostream>
#include <map>
#include <sstream>
#include <thread>

#include "modlr/core/interrupt.h"
#include "modlr/formats/file_bytes.h"
#include "modlr/run/training_run.h"
#include "modlr/tracking/postgres.h"
#include "modlr/tracking/run_record.h"
#include "study_summary.h"
#include "trial_process.h"

namespace modlr {
namespace {

struct ActiveRun {
  int64_t trial = 0;
  TrialParams params;  // as claimed: its later seeds and its report need no store read
  size_t seed_index = 0;
  std::string log;
};

class Driver {
 public:
  Driver(std::string dir, StudyStore& store, const SearchSpace& space, std::string binary)
      : dir_(std::move(dir)), store_(store), space_(space), binary_(std::move(binary)), owner_(driver_name()) {
    const auto& s = store_.settings();
    sampler_ = make_sampler(s.sampler, s.objective, space_);
    threads_ = trial_threads(s);
  }

  // Returns the exit status (tune/study.h).
  int run() {
    const int64_t parallel = store_.settings().parallel;
    auto last_heartbeat = std::chrono::steady_clock::time_point{};
    for (;;) {
      if (const int signal = stop_signal()) return stop(signal);
      if (std::chrono::steady_clock::now() - last_heartbeat > std::chrono::seconds(5)) {
        store_.heartbeat(owner_);
        last_heartbeat = std::chrono::steady_clock::now();
      }
      while (static_cast<int64_t>(active_.size()) < parallel && !stop_signal()) {
        const auto trial = store_.claim([&](const std::vector<TrialSnapshot>& history,
                                            int64_t number) { return sampler_->sample(space_, history, number); },
                                        owner_);
        if (!trial) break;
        launch(trial->number, trial->params, 0);
      }
      if (active_.empty()) return any_failed_ ? 1 : 0;
      const auto ended = wait_for_child(200);
      if (ended.pid > 0) on_end(ended);
    }
  }

 private:
  static int64_t trial_threads(const StudySettings& s) {
    for (const auto& o : s.overrides)
      if (o.rfind("runner.threads=", 0) == 0) return 0;
    if (s.parallel <= 1) return 0;  // the config's own
    return std::max<int64_t>(1, static_cast<int64_t>(std::thread::hardware_concurrency()) / s.parallel);
  }

  std::vector<std::string> trial_args(int64_t trial, int64_t seed, const TrialParams& params) const {
    const auto& s = store_.settings();
    std::vector<std::string> args{"train", s.config};
    const auto add_set = [&](const std::string& o) { args.insert(args.end(), {"--set", o}); };
    for (const auto& o : s.overrides) add_set(o);
    for (const auto& o : space_.overrides_for(params)) add_set(o);
    add_set("seed=" + std::to_string(seed));
    add_set("tracking.dir=" + dir_ + "/runs");
    add_set("runner.validations_per_epoch=" + std::to_string(s.validations_per_epoch));
    if (threads_ > 0) add_set("runner.threads=" + std::to_string(threads_));
    args.insert(args.end(), {"--tune-study", dir_, "--tune-trial", std::to_string(trial)});
    return args;
  }

  void launch(int64_t trial, const TrialParams& params, size_t seed_index) {
    const int64_t seed = store_.settings().seeds.at(seed_index);
    const std::string log = dir_ + "/logs/trial-" + std::to_string(trial) + "-seed-" + std::to_string(seed) + ".log";
    const pid_t pid = start_process(binary_, trial_args(trial, seed, params), log);
    active_[pid] = {trial, params, seed_index, log};
  }

  void on_end(const EndedProcess& ended) {
    const auto found = active_.find(ended.pid);
    if (found == active_.end()) return;  // not a trial of ours
    const ActiveRun run = found->second;
    active_.erase(found);
    if (stop_signal()) return;  // stop() requeues the trial
    const auto& seeds = store_.settings().seeds;
    const int64_t seed = seeds[run.seed_index];
    const auto runs = store_.runs(run.trial);
    const auto this_run = std::find_if(runs.begin(), runs.end(), [&](const TrialRun& r) { return r.seed == seed; });
    const bool pruned = this_run != runs.end() && this_run->state == "pruned";
    if (ended.status != 0 && !pruned) return fail(run, error_from_log(run.log, ended.status));
    if (pruned) return end_trial(run, TrialState::pruned, "");
    if (this_run == runs.end() || !this_run->value)
      return fail(run, "the run reported no " + store_.settings().objective.metric + " (is there a validation split?)");
    store_.end_run(run.trial, seed, "complete");
    if (run.seed_index + 1 < seeds.size()) return launch(run.trial, run.params, run.seed_index + 1);
    end_trial(run, TrialState::complete, "");
  }

  void fail(const ActiveRun& run, const std::string& error) {
    store_.end_run(run.trial, store_.settings().seeds[run.seed_index], "failed", error);
    any_failed_ = true;
    end_trial(run, TrialState::failed, error);
  }

  void end_trial(const ActiveRun& run, TrialState state, const std::string& error) {
    const int64_t trial = run.trial;
    std::vector<double> values;
    double epochs = 0;
    for (const auto& r : store_.runs(trial)) {
      epochs += r.epochs;
      if (r.state == "complete" && r.value) values.push_back(*r.value);
    }
    std::optional<double> value, spread;
    if (state == TrialState::complete) std::tie(value, spread) = mean_and_spread(values);
    store_.finish(trial, state, value, spread, error);
    const auto& objective = store_.settings().objective;
    std::ostringstream line;
    line << "trial " << trial << " " << trial_state_name(state);
    if (value) line << "  " << objective.metric << " " << std::setprecision(4) << *value;
    if (spread) line << " ± " << std::setprecision(2) << *spread;
    line << "  (" << std::fixed << std::setprecision(2) << epochs << " epochs)  " << space_.describe(run.params);
    if (!error.empty()) line << "\n  error: " << error;
    std::cout << line.str() << std::endl;
  }

  int stop(int signal) {
    for (const auto& [pid, run] : active_) ::kill(pid, SIGTERM);
    while (!active_.empty()) {
      const auto ended = wait_for_child(1000);
      if (ended.pid > 0) {
        if (const auto found = active_.find(ended.pid); found != active_.end()) {
          store_.requeue(found->second.trial);
          active_.erase(found);
        }
      }
    }
    std::cerr << "modlr: study stopped (signal " << signal << "); trials that were running will run again. "
              << "Continue with: modlr tune --resume " << dir_ << std::endl;
    return 128 + signal;
  }

  std::string dir_;
  StudyStore& store_;
  const SearchSpace& space_;
  std::string binary_, owner_;
  std::unique_ptr<Sampler> sampler_;
  int64_t threads_ = 0;
  std::map<pid_t, ActiveRun> active_;
  bool any_failed_ = false;
};

void check_request(const TuneRequest& request) {
  const auto& s = request.settings;
  if (s.objective.metric.rfind("validation.", 0) != 0 || s.objective.metric.size() <= 11)
    throw Error("--metric '" + s.objective.metric +
                "': name a validation metric, e.g. validation.accuracy or validation.loss (tuning on the test split "
                "would overfit it)");
  if (s.trials < 1) throw Error("--trials must be at least 1");
  if (!request.study_name.empty() && request.storage.empty())
    throw Error("--study-name names a study in a PostgreSQL database: give --storage URL too");
  if (s.parallel < 1 || s.parallel > 256) throw Error("--parallel must be 1..256");
  if (s.validations_per_epoch < 1 || s.validations_per_epoch > 1000)
    throw Error("--validations-per-epoch must be 1..1000");
  for (const auto& o : request.overrides)
    for (const auto& locked : {"seed=", "tracking.dir=", "runner.validations_per_epoch="})
      if (o.rfind(locked, 0) == 0)
        throw Error("--set " + o +
                    ": the study sets this key for every trial (--seeds, the study directory, "
                    "--validations-per-epoch)");
  make_pruner(s.pruner, s.objective);  // its options' errors, before anything is created
}

// A new study: everything checked, then its directory and database created.
std::string create_study(const TuneRequest& request) {
  check_request(request);
  const auto space = SearchSpace::load(request.space);
  auto settings = request.settings;
  settings.config = std::filesystem::absolute(request.config).lexically_normal().string();
  settings.overrides = request.overrides;
  settings.space_text = space.text();
  const auto facts = check_space_against_config(settings, space);
  settings.seeds = request.seeds.empty() ? std::vector<int64_t>{facts.seed} : parse_seeds(request.seeds);
  make_sampler(settings.sampler, settings.objective, space);  // a grid without points
  std::string dir = request.study_dir;
  if (dir.empty()) {
    const std::string parent = facts.tracking_dir + "/" + facts.experiment;
    const std::string prefix = request.study_name.empty() ? "study-" : "";
    dir = parent + "/" + (prefix.empty() ? request.study_name : claim_stamped_directory(parent, prefix));
  }
  if (StudyLocation::is_study_directory(dir)) throw Error(dir + ": already a study; continue it with --resume " + dir);
  std::error_code error;
  std::filesystem::create_directories(dir, error);
  if (error) throw Error(dir + ": cannot create the study directory: " + error.message());
  dir = std::filesystem::absolute(dir).lexically_normal().string();
  try {
    if (request.storage.empty()) {
      StudyStore::create(StudyLocation::sqlite(dir + "/study.db"), settings);
    } else {
      const auto name =
          request.study_name.empty() ? std::filesystem::path(dir).filename().string() : request.study_name;
      const auto location = StudyLocation::postgres(request.storage, name);
      StudyStore::create(location, settings);
      location.write_to(dir);
      std::cout << "other hosts join with: modlr tune --join " << name << " --storage '"
                << hide_url_password(request.storage) << "'" << std::endl;
    }
  } catch (const Error&) {
    std::error_code ignored;
    std::filesystem::remove(dir, ignored);  // the directory this call made, when still empty
    throw;
  }
  formats::write_file_atomic(dir + "/space.yaml", space.text());
  return dir;
}

// Another driver for a study in PostgreSQL: its settings from the store, checked against
// this host's config, and a study directory here for this host's trials.
std::string join_study(const TuneRequest& request) {
  if (request.storage.empty()) throw Error("--join " + request.join + ": give the study's --storage URL");
  const auto location = StudyLocation::postgres(request.storage, request.join);
  const auto store = StudyStore::open(location);
  const auto space = SearchSpace::parse(store.settings().space_text, store.name() + " (its search space)");
  const auto facts = check_space_against_config(store.settings(), space);
  std::string dir =
      request.study_dir.empty() ? facts.tracking_dir + "/" + facts.experiment + "/" + request.join : request.study_dir;
  if (StudyLocation::is_study_directory(dir)) {
    if (StudyLocation::of_directory(dir).describe() != location.describe())
      throw Error(dir + ": holds another study (" + StudyLocation::of_directory(dir).describe() + ")");
  } else {
    std::error_code error;
    std::filesystem::create_directories(dir, error);
    if (error) throw Error(dir + ": cannot create the study directory: " + error.message());
    location.write_to(dir);
    formats::write_file_atomic(dir + "/space.yaml", space.text());
  }
  return std::filesystem::absolute(dir).lexically_normal().string();
}

int run_study(const std::string& dir, const std::string& binary, bool resumed) {
  auto store = StudyStore::open(StudyLocation::of_directory(dir));
  const auto space = SearchSpace::parse(store.settings().space_text, store.name() + " (its search space)");
  std::filesystem::create_directories(dir + "/logs");
  if (resumed) {
    const auto requeued = store.requeue_orphans(driver_alive);
    if (!requeued.empty())
      std::cout << "rerunning " << requeued.size() << " trial(s) whose driver stopped" << std::endl;
  }
  std::cout << "study: " << dir;
  if (store.name() != dir + "/study.db") std::cout << " (" << store.name() << ")";
  std::cout << std::endl;
  Driver driver(dir, store, space, binary);
  const int status = driver.run();
  if (status < 128) write_study_summary(dir, store, space);
  return status;
}

}  // namespace

int tune_study(const TuneRequest& request) {
  install_stop_handlers();
  std::string dir;
  try {
    const bool joined = !request.join.empty(), resumed = !request.resume.empty() || joined;
    if (joined)
      dir = join_study(request);
    else
      dir = resumed ? std::filesystem::absolute(request.resume).string() : create_study(request);
    const auto binary = request.modlr_binary.empty() ? this_executable() : request.modlr_binary;
    return run_study(dir, binary, resumed);
  } catch (const Interrupted& e) {
    std::cerr << "modlr: " << describe_error(e) << std::endl;
    return 128 + e.signal();
  } catch (const std::exception& e) {
    std::cerr << "modlr: error: " << describe_error(e) << std::endl;
    return 1;
  }
}

}  // namespace modlr
