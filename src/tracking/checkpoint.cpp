#include "modlr/tracking/checkpoint.h"

#include <sstream>

#include "modlr/formats/file_bytes.h"

namespace modlr {
namespace {

// The "what" of a c10::Error without its backtrace lines.
std::string first_line(const std::exception& e) {
  std::string text = e.what();
  return text.substr(0, text.find('\n'));
}

// state_dict-style names ("conv1.weight") -> tensors, parameters then buffers.
std::vector<std::pair<std::string, torch::Tensor>> named_tensors(const Model& model) {
  std::vector<std::pair<std::string, torch::Tensor>> out;
  for (const auto& item : model.named_parameters()) out.emplace_back(item.key(), item.value());
  for (const auto& item : model.named_buffers()) out.emplace_back(item.key(), item.value());
  return out;
}

}  // namespace

void save_checkpoint(const ModelSet& models, const std::string& path,
                     const std::function<void(torch::serialize::OutputArchive&)>& extra) {
  // Serialised in memory first: libtorch's file writer throws again from its destructor
  // when a write fails (a full disk), which terminates the process. Our writer reports the
  // error, removes its temporary file and leaves any previous file intact.
  std::ostringstream bytes;
  try {
    torch::serialize::OutputArchive archive;
    for (const auto& name : models.names()) {
      c10::Dict<std::string, torch::Tensor> tensors;
      for (const auto& [key, tensor] : named_tensors(models.get(name)))
        tensors.insert(key, tensor.detach().to(torch::kCPU));
      archive.write(name, c10::IValue(tensors));
    }
    if (extra) {
      torch::serialize::OutputArchive training;
      extra(training);
      archive.write("training", training);
    }
    archive.save_to(bytes);
  } catch (const Error&) {
    throw;
  } catch (const std::exception& e) {
    throw Error(path + ": cannot serialise checkpoint: " + first_line(e));
  }
  try {
    formats::write_file_atomic(path, bytes.str());
  } catch (const Error& e) {
    throw Error(std::string("cannot write checkpoint: ") + e.what());
  }
}

void load_checkpoint(ModelSet& models, const std::string& path) {
  torch::serialize::InputArchive archive;
  try {
    archive.load_from(path);
  } catch (const std::exception& e) {
    throw Error(path + ": not a readable modlr checkpoint: " + first_line(e));
  }
  // Read and check everything first, copy after, so a bad file changes nothing.
  std::vector<std::pair<torch::Tensor, torch::Tensor>> copies;
  for (const auto& name : models.names()) {
    c10::IValue value;
    if (!archive.try_read(name, value) || !value.isGenericDict())
      throw Error(path + ": checkpoint has no model '" + name + "'");
    const auto stored = value.toGenericDict();
    const auto expected = named_tensors(models.get(name));
    for (const auto& [key, target] : expected) {
      auto found = stored.find(key);
      if (found == stored.end() || !found->value().isTensor())
        throw Error(path + ": checkpoint lacks '" + key + "' of model '" + name + "'");
      auto tensor = found->value().toTensor();
      if (tensor.sizes() != target.sizes())
        throw Error(path + ": '" + key + "' has shape " + c10::str(tensor.sizes()) +
                    ", the model expects " + c10::str(target.sizes()));
      copies.emplace_back(target, tensor);
    }
    if (stored.size() != expected.size())
      throw Error(path + ": checkpoint for model '" + name + "' holds " +
                  std::to_string(stored.size()) + " tensors, the model has " +
                  std::to_string(expected.size()) + " (another architecture?)");
  }
  torch::NoGradGuard no_grad;
  for (auto& [target, tensor] : copies) target.copy_(tensor);
}

void read_training_state(const std::string& path,
                         const std::function<void(torch::serialize::InputArchive&)>& read) {
  torch::serialize::InputArchive archive, training;
  try {
    archive.load_from(path);
  } catch (const std::exception& e) {
    throw Error(path + ": not a readable modlr checkpoint: " + first_line(e));
  }
  if (!archive.try_read("training", training))
    throw Error(path + ": holds weights only, no training state to resume from");
  try {
    read(training);
  } catch (const Error& e) {
    throw Error(path + ": " + e.what());
  }
}

}  // namespace modlr
