#include "modlr/tracking/checkpoint.h"

#include <cstring>
#include <set>
#include <sstream>

#include "modlr/formats/checksummed.h"
#include "modlr/formats/file_bytes.h"
#include "modlr/formats/safetensors.h"

namespace modlr {
namespace {

// state_dict-style names ("conv1.weight") -> tensors, parameters then buffers.
std::vector<std::pair<std::string, torch::Tensor>> named_tensors(const Model& model) {
  std::vector<std::pair<std::string, torch::Tensor>> out;
  for (const auto& item : model.named_parameters()) out.emplace_back(item.key(), item.value());
  for (const auto& item : model.named_buffers()) out.emplace_back(item.key(), item.value());
  return out;
}

// torch dtypes <-> safetensors dtype names.
const std::vector<std::pair<torch::Dtype, std::string>>& dtype_names() {
  static const std::vector<std::pair<torch::Dtype, std::string>> names = {
      {torch::kFloat32, "F32"}, {torch::kFloat64, "F64"}, {torch::kFloat16, "F16"}, {torch::kBFloat16, "BF16"},
      {torch::kInt64, "I64"},   {torch::kInt32, "I32"},   {torch::kInt16, "I16"},   {torch::kInt8, "I8"},
      {torch::kUInt8, "U8"},    {torch::kBool, "BOOL"}};
  return names;
}

std::string safetensors_dtype(torch::Dtype dtype) {
  for (const auto& [torch_dtype, name] : dtype_names())
    if (torch_dtype == dtype) return name;
  throw Error(std::string("no safetensors dtype for torch dtype ") + c10::toString(dtype));
}

// With one model, plain state_dict names (what PyTorch writes); with several, "<model>.".
std::string tensor_key(const ModelSet& models, const std::string& model, const std::string& key) {
  return models.size() == 1 ? key : model + "." + key;
}

std::string shape_text(c10::IntArrayRef shape) { return c10::str(shape); }

// Checks `stored` against `target` (the model's tensor `key`) and returns it as a tensor.
torch::Tensor to_tensor(const formats::SafeTensor& stored, const torch::Tensor& target, const std::string& path) {
  const auto expected_dtype = safetensors_dtype(target.scalar_type());
  if (stored.dtype != expected_dtype)
    throw Error(path + ": tensor '" + stored.name + "' is " + stored.dtype + ", the model expects " + expected_dtype);
  if (c10::IntArrayRef(stored.shape) != target.sizes())
    throw Error(path + ": tensor '" + stored.name + "' has shape " + shape_text(stored.shape) + ", the model expects " +
                shape_text(target.sizes()));
  auto tensor = torch::empty(target.sizes(), torch::TensorOptions().dtype(target.scalar_type()));
  if (!stored.data.empty()) std::memcpy(tensor.data_ptr(), stored.data.data(), stored.data.size());
  return tensor;
}

}  // namespace

void save_tensors(const std::vector<std::pair<std::string, torch::Tensor>>& tensors, const std::string& path,
                  const std::map<std::string, std::string>& metadata) {
  formats::SafetensorsContent content;
  content.metadata = metadata;
  for (const auto& [name, tensor] : tensors) {
    auto cpu = tensor.detach().to(torch::kCPU).contiguous();
    const auto* bytes = static_cast<const uint8_t*>(cpu.data_ptr());
    content.tensors.push_back(
        {name, safetensors_dtype(cpu.scalar_type()), cpu.sizes().vec(), {bytes, bytes + cpu.nbytes()}});
  }
  formats::write_safetensors(path, content);
}

void save_safetensors(const ModelSet& models, const std::string& path) {
  std::vector<std::pair<std::string, torch::Tensor>> tensors;
  for (const auto& name : models.names())
    for (const auto& [key, tensor] : named_tensors(models.get(name)))
      tensors.emplace_back(tensor_key(models, name, key), tensor);
  save_tensors(tensors, path, {{"format", "pt"}});  // what PyTorch's safetensors writer records
}

void load_safetensors(ModelSet& models, const std::string& path) {
  const auto content = formats::read_safetensors(path);
  std::vector<std::pair<torch::Tensor, torch::Tensor>> copies;
  std::set<std::string> expected;
  for (const auto& name : models.names()) {
    for (const auto& [key, target] : named_tensors(models.get(name))) {
      const auto full = tensor_key(models, name, key);
      expected.insert(full);
      const auto* stored = content.find(full);
      if (!stored)
        throw Error(path + ": missing tensor '" + full + "' (the model expects shape " + shape_text(target.sizes()) +
                    "; another architecture?)");
      copies.emplace_back(target, to_tensor(*stored, target, path));
    }
  }
  for (const auto& stored : content.tensors)
    if (!expected.count(stored.name))
      throw Error(path + ": unexpected tensor '" + stored.name +
                  "' (not a parameter or buffer of the model; another architecture?)");
  torch::NoGradGuard no_grad;
  for (auto& [target, tensor] : copies) target.copy_(tensor);
}

void load_weights(ModelSet& models, const std::string& path) {
  const std::string extension = ".safetensors";
  const bool safetensors =
      path.size() >= extension.size() && path.compare(path.size() - extension.size(), extension.size(), extension) == 0;
  if (safetensors)
    load_safetensors(models, path);
  else
    load_checkpoint(models, path);
}

void save_checkpoint(const ModelSet& models, const std::string& path, const TrainingState* training_state) {
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
    if (training_state) {
      torch::serialize::OutputArchive training;
      write_training_state(training, *training_state);
      archive.write("training", training);
    }
    archive.save_to(bytes);
  } catch (const Error&) {
    throw;
  } catch (const std::exception& e) {
    throw Error(path + ": cannot serialise checkpoint: " + first_line_of(e));
  }
  try {
    formats::write_checksummed(path, bytes.str());
  } catch (const Error& e) {
    throw Error(std::string("cannot write checkpoint: ") + e.what());
  }
}

namespace {

// The archive of a checkpoint this modlr wrote (its recorded SHA-256 matches), read from
// memory: libtorch's reader is never handed bytes modlr did not write itself.
void open_checkpoint(const std::string& bytes, const std::string& path, torch::serialize::InputArchive& archive) {
  try {
    std::istringstream stream(bytes);
    archive.load_from(stream);
  } catch (const std::exception& e) {
    throw Error(path + ": not a readable modlr checkpoint: " + first_line_of(e));
  }
}

}  // namespace

std::string read_checkpoint_bytes(const std::string& path) {
  const auto bytes = formats::read_checksummed(path);
  return {bytes.begin(), bytes.end()};
}

void load_checkpoint(ModelSet& models, const std::string& path) {
  load_checkpoint_bytes(models, read_checkpoint_bytes(path), path);
}

TrainingState read_training_state(const std::string& path) {
  return read_training_state_bytes(read_checkpoint_bytes(path), path);
}

void load_checkpoint_bytes(ModelSet& models, const std::string& bytes, const std::string& path) {
  torch::serialize::InputArchive archive;
  open_checkpoint(bytes, path, archive);
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
        throw Error(path + ": '" + key + "' has shape " + c10::str(tensor.sizes()) + ", the model expects " +
                    c10::str(target.sizes()));
      copies.emplace_back(target, tensor);
    }
    if (stored.size() != expected.size())
      throw Error(path + ": checkpoint for model '" + name + "' holds " + std::to_string(stored.size()) +
                  " tensors, the model has " + std::to_string(expected.size()) + " (another architecture?)");
  }
  torch::NoGradGuard no_grad;
  for (auto& [target, tensor] : copies) target.copy_(tensor);
}

TrainingState read_training_state_bytes(const std::string& bytes, const std::string& path) {
  torch::serialize::InputArchive archive, training;
  open_checkpoint(bytes, path, archive);
  if (!archive.try_read("training", training))
    throw Error(path + ": holds weights only, no training state to resume from");
  try {
    return read_training_state(training);
  } catch (const Error& e) {
    throw Error(path + ": " + e.what());
  }
}

}  // namespace modlr
