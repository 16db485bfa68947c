#include "modlr/tracking/run_record.h"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <iomanip>
#include <memory>
#include <nlohmann/json.hpp>
#include <sstream>

#include "modlr/core/error.h"
#include "modlr/core/text.h"
#include "modlr/formats/file_bytes.h"

namespace modlr {
namespace {

void make_directories(const std::string& path) {
  std::string partial;
  std::stringstream stream(path);
  for (std::string part; std::getline(stream, part, '/');) {
    partial += part + "/";
    if (part.empty() || part == ".") continue;
    if (::mkdir(partial.c_str(), 0777) != 0 && errno != EEXIST)
      throw Error(partial + ": cannot create directory: " + std::strerror(errno));
  }
}

std::string utc_stamp() {
  std::time_t now = std::time(nullptr);
  std::tm utc{};
  gmtime_r(&now, &utc);
  char buffer[32];
  std::strftime(buffer, sizeof buffer, "%Y%m%d-%H%M%S", &utc);
  return buffer;
}

}  // namespace

std::string claim_stamped_directory(const std::string& parent, const std::string& prefix) {
  std::error_code error;
  std::filesystem::create_directories(parent, error);
  if (error) throw Error(parent + ": cannot create directory: " + error.message());
  const std::string stamp = utc_stamp();
  for (int attempt = 1;; ++attempt) {
    std::string name = prefix + stamp + (attempt == 1 ? "" : "-" + std::to_string(attempt));
    if (std::filesystem::create_directory(parent + "/" + name, error)) return name;
    if (error) throw Error(parent + "/" + name + ": cannot create directory: " + error.message());
  }
}

RunRecord RunRecord::create(const std::string& runs_dir, const std::string& experiment, int64_t seed) {
  const std::string parent = runs_dir + "/" + experiment;
  make_directories(parent);
  const std::string base = utc_stamp() + "-seed" + std::to_string(seed);
  RunRecord record;
  for (int attempt = 0;; ++attempt) {
    record.run_id_ = attempt == 0 ? base : base + "-" + std::to_string(attempt + 1);
    record.dir_ = parent + "/" + record.run_id_;
    if (::mkdir(record.dir_.c_str(), 0777) == 0) break;  // mkdir is the atomic claim
    if (errno != EEXIST) throw Error(record.dir_ + ": cannot create run directory: " + std::strerror(errno));
  }
  record.lock();
  if (::mkdir(record.checkpoint_dir().c_str(), 0777) != 0)
    throw Error(record.checkpoint_dir() + ": cannot create directory: " + std::strerror(errno));
  const std::string metrics_path = record.dir_ + "/metrics.csv";
  record.metrics_ = std::make_shared<std::ofstream>(metrics_path);
  *record.metrics_ << "epoch,split,metric,value\n";
  if (!record.metrics_->flush()) throw Error(metrics_path + ": cannot write");
  return record;
}

void RunRecord::lock() {
  const int fd = ::open(dir_.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) throw Error(dir_ + ": cannot open run directory: " + std::strerror(errno));
  lock_ = std::shared_ptr<const int>(new int(fd), [](const int* held) {
    ::close(*held);
    delete held;
  });
  if (::flock(fd, LOCK_EX | LOCK_NB) != 0)
    throw Error(dir_ + ": in use by another modlr process (a run is written or resumed by one at a time)");
}

RunRecord RunRecord::reopen(const std::string& dir) {
  RunRecord record;
  record.dir_ = dir;
  while (record.dir_.size() > 1 && record.dir_.back() == '/') record.dir_.pop_back();
  record.run_id_ = record.dir_.substr(record.dir_.find_last_of('/') + 1);
  const std::string metrics_path = record.dir_ + "/metrics.csv";
  struct stat info {};
  if (::stat(metrics_path.c_str(), &info) != 0)
    throw Error(record.dir_ + ": not a modlr run directory (no metrics.csv)");
  record.lock();
  record.metrics_ = std::make_shared<std::ofstream>(metrics_path, std::ios::app);
  if (!*record.metrics_) throw Error(metrics_path + ": cannot open for appending");
  return record;
}

uint64_t RunRecord::metrics_bytes() const {
  struct stat info {};
  const std::string path = dir_ + "/metrics.csv";
  if (::stat(path.c_str(), &info) != 0) throw Error(path + ": cannot stat: " + std::strerror(errno));
  return static_cast<uint64_t>(info.st_size);
}

void RunRecord::truncate_metrics(uint64_t bytes) {
  const std::string path = dir_ + "/metrics.csv";
  metrics_->close();
  if (::truncate(path.c_str(), static_cast<off_t>(bytes)) != 0)
    throw Error(path + ": cannot truncate: " + std::strerror(errno));
  metrics_->open(path, std::ios::app);
  if (!*metrics_) throw Error(path + ": cannot open for appending");
}

void RunRecord::write_config(const std::string& yaml_text) const {
  formats::write_file_atomic(dir_ + "/config.yaml", yaml_text);
}

void RunRecord::append_metric(int64_t epoch, const std::string& split, const std::string& metric, double value) {
  // 17 significant digits round-trip a double, so reruns can be compared bit for bit.
  *metrics_ << epoch << ',' << split << ',' << metric << ',' << std::setprecision(17) << value << '\n';
  if (!metrics_->flush()) throw Error(dir_ + "/metrics.csv: write failed (disk full?)");
}

void RunRecord::append_step_metric(int64_t step, int64_t epoch, const std::string& split, const std::string& metric,
                                   double value) {
  const std::string path = dir_ + "/step_metrics.csv";
  std::ofstream out(path, std::ios::app);
  if (out && step_metrics_bytes() == 0) out << "step,epoch,split,metric,value\n";
  out << step << ',' << epoch << ',' << split << ',' << metric << ',' << std::setprecision(17) << value << '\n';
  if (!out.flush()) throw Error(path + ": write failed (disk full?)");
}

uint64_t RunRecord::step_metrics_bytes() const {
  struct stat info {};
  return ::stat((dir_ + "/step_metrics.csv").c_str(), &info) == 0 ? static_cast<uint64_t>(info.st_size) : 0;
}

void RunRecord::truncate_step_metrics(uint64_t bytes) {
  const std::string path = dir_ + "/step_metrics.csv";
  if (bytes == step_metrics_bytes()) return;
  const int status = bytes == 0 ? ::unlink(path.c_str()) : ::truncate(path.c_str(), static_cast<off_t>(bytes));
  if (status != 0 && errno != ENOENT) throw Error(path + ": cannot truncate: " + std::strerror(errno));
}

namespace {

// JSON is UTF-8: bytes that are not (from a file name, an experiment name, an error that
// quotes either) are written as \xNN, so summary.json is always written and always parses.
nlohmann::ordered_json valid_utf8(const nlohmann::ordered_json& j) {
  if (j.is_string()) return escape_invalid_utf8(j.get<std::string>());
  if (j.is_array()) {
    auto out = nlohmann::ordered_json::array();
    for (const auto& item : j) out.push_back(valid_utf8(item));
    return out;
  }
  if (!j.is_object()) return j;
  auto out = nlohmann::ordered_json::object();
  for (const auto& [key, value] : j.items()) out[escape_invalid_utf8(key)] = valid_utf8(value);
  return out;
}

}  // namespace

std::string summary_json(const RunSummary& s) {
  nlohmann::ordered_json j;
  j["experiment"] = s.experiment;
  j["run_id"] = s.run_id;
  j["seed"] = s.seed;
  j["status"] = s.status;
  if (!s.error.empty()) j["error"] = s.error;
  j["train"]["epochs"] = s.train_epochs;
  j["train"]["seconds"] = s.train_seconds ? nlohmann::ordered_json(*s.train_seconds) : nlohmann::ordered_json();
  j["train"]["breakdown_seconds"] = nlohmann::ordered_json::object();
  for (const char* part : {"data", "forward", "loss", "backward", "step"})
    if (s.train_breakdown_seconds.count(part))
      j["train"]["breakdown_seconds"][part] = s.train_breakdown_seconds.at(part);
  for (const auto& [name, value] : s.train_metrics) j["train"][name] = value;
  j["test"]["seconds"] = s.test_seconds;
  j["test"]["load_seconds"] = s.test_load_seconds;
  j["test"]["compute_seconds"] = s.test_compute_seconds;
  for (const auto& [name, value] : s.test_metrics) j["test"][name] = value;
  for (const auto& [name, reason] : s.test_undefined) j["test"]["undefined"][name] = reason;
  if (!s.test_confusion_matrix.empty()) j["test"]["confusion_matrix"] = s.test_confusion_matrix;
  for (const auto& extra : s.extra_tests) {
    auto& split = j["extra_tests"][extra.name];
    split["seconds"] = extra.seconds;
    for (const auto& [name, value] : extra.metrics) split[name] = value;
    for (const auto& [name, reason] : extra.undefined) split["undefined"][name] = reason;
    if (!extra.confusion_matrix.empty()) split["confusion_matrix"] = extra.confusion_matrix;
  }
  if (s.stopped_early) j["train"]["stopped_early"] = true;
  if (s.best.epoch > 0)
    j["best"] = {{"file", s.best.file},
                 {"epoch", s.best.epoch},
                 {"monitor", s.best.monitor},
                 {"value", s.best.value},
                 {"restored", s.best.restored}};
  if (!s.classes.empty()) j["classes"] = s.classes;
  if (!s.skipped_examples.empty()) {
    j["skipped_examples"]["count"] = s.skipped_examples.size();
    const auto first = std::min<size_t>(s.skipped_examples.size(), 10);
    j["skipped_examples"]["first"] = std::vector<std::string>(
        s.skipped_examples.begin(), s.skipped_examples.begin() + static_cast<std::ptrdiff_t>(first));
  }
  for (const auto& baseline : s.baselines) {
    auto& split = j["baselines"][baseline.name];
    split = nlohmann::ordered_json::object();
    for (const auto& [name, value] : baseline.metrics) split[name] = value;
    for (const auto& [name, reason] : baseline.undefined) split["undefined"][name] = reason;
  }
  for (const auto& [key, value] : s.environment) j["environment"][key] = value;
  j["environment"]["threads"] = s.threads;
  j["data"] = nlohmann::ordered_json::object();
  for (const auto& [path, digest] : s.data_files) j["data"][path] = digest;
  j["checkpoints"] = s.checkpoints;
  return valid_utf8(j).dump(2) + "\n";
}

namespace {

// A small regular file's text, or "" (absent, unreadable, not regular, over 1 MiB).
std::string small_file_text(const std::string& path) {
  struct stat info {};
  if (::lstat(path.c_str(), &info) != 0 || !S_ISREG(info.st_mode) || info.st_size > (1 << 20)) return "";
  try {
    const auto bytes = formats::read_file_raw(path);
    return std::string(bytes.begin(), bytes.end());
  } catch (const Error&) {
    return "";
  }
}

}  // namespace

std::string RunRecord::recorded_status() const {
  const auto summary = nlohmann::json::parse(small_file_text(dir_ + "/summary.json"), nullptr, false);
  if (!summary.is_object() || !summary.contains("status") || !summary["status"].is_string()) return "";
  return summary["status"].get<std::string>();
}

std::string RunRecord::recorded_config() const { return small_file_text(dir_ + "/config.yaml"); }

void RunRecord::write_summary(const RunSummary& summary) const {
  formats::write_file_atomic(dir_ + "/summary.json", summary_json(summary));
}

}  // namespace modlr
