#include "modlr/tracking/checkpoint_store.h"

#include <sys/stat.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iomanip>
#include <regex>
#include <sstream>

#include "modlr/core/error.h"
#include "modlr/core/text.h"
#include "modlr/formats/checksummed.h"
#include "modlr/formats/file_bytes.h"
#include "modlr/tracking/checkpoint.h"

namespace modlr {
namespace {

std::string numbered(const char* prefix, int width, int64_t number) {
  std::ostringstream name;
  name << prefix << std::setw(width) << std::setfill('0') << number << ".pt";
  return name.str();
}

}  // namespace

CheckpointStore::CheckpointStore(std::string dir, int64_t keep) : dir_(std::move(dir)), keep_(keep) {
  if (keep_ < 1) throw Error("CheckpointStore: keep must be >= 1");
  std::vector<std::pair<std::filesystem::file_time_type, std::string>> existing;
  std::error_code error;
  for (const auto& entry : std::filesystem::directory_iterator(dir_, error)) {
    const auto name = entry.path().filename().string();
    if ((name.rfind("epoch-", 0) == 0 || name.rfind("step-", 0) == 0) && entry.path().extension() == ".pt")
      existing.emplace_back(entry.last_write_time(), name);
  }
  std::sort(existing.begin(), existing.end());
  for (const auto& item : existing) rotation_.push_back(item.second);
  saved_initial_ = std::filesystem::exists(dir_ + "/initial.pt", error);
}

std::string CheckpointStore::epoch_name(int64_t epoch) { return numbered("epoch-", 4, epoch); }
std::string CheckpointStore::step_name(int64_t step) { return numbered("step-", 8, step); }

void CheckpointStore::save(const std::string& name, const ModelSet& models, const TrainingState& state) {
  save_checkpoint(models, dir_ + "/" + name, &state);
  formats::write_file_atomic(dir_ + "/latest", name + "\n");
  rotation_.erase(std::remove(rotation_.begin(), rotation_.end(), name), rotation_.end());
  rotation_.push_back(name);
  // Older files go only after the new one is safely in place.
  while (static_cast<int64_t>(rotation_.size()) > keep_) {
    formats::remove_checksummed(dir_ + "/" + rotation_.front());
    rotation_.erase(rotation_.begin());
  }
}

void CheckpointStore::save_initial(const ModelSet& models) {
  save_checkpoint(models, dir_ + "/initial.pt");
  saved_initial_ = true;
}

std::vector<std::string> CheckpointStore::saved() const {
  auto out = rotation_;
  if (saved_initial_) out.insert(out.begin(), "initial.pt");
  return out;
}

std::string CheckpointStore::latest(const std::string& dir) {
  const std::string path = dir + "/latest";
  struct stat info {};
  if (::lstat(path.c_str(), &info) != 0) return "";  // killed before the first checkpoint
  if (!S_ISREG(info.st_mode)) throw Error(path + ": not a regular file");
  if (info.st_size > 64) throw Error(path + ": " + std::to_string(info.st_size) + " bytes, not a checkpoint name");
  std::ifstream pointer(path);
  std::string name;
  std::getline(pointer, name);
  // Only a name this store writes: a file of this run's checkpoints/, never a path elsewhere.
  static const std::regex checkpoint_name("(initial|epoch-[0-9]{4,}|step-[0-9]{8,})\\.pt");
  if (!std::regex_match(name, checkpoint_name))
    throw Error(path + ": '" + escape_text(name) + "' is not a checkpoint name of this run");
  return name;
}

std::string CheckpointStore::restore_latest(const std::string& dir, ModelSet& models, TrainingState& state) {
  const auto name = latest(dir);
  if (name.empty()) return "";
  std::string path = dir + "/" + name;
  load_checkpoint(models, path);
  state = read_training_state(path);
  return path;
}

}  // namespace modlr
