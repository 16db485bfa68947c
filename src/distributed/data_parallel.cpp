#include "modlr/distributed/data_parallel.h"

#include <torch/serialize.h>

#include <cstdlib>
#include <sstream>

#include "modlr/core/error.h"
#include "modlr/distributed/communicator.h"
#include "modlr/metrics/suite.h"
#include "modlr/model/model_set.h"

namespace modlr {

// A flat buffer holding several parameters' gradients back to back.
struct DataParallel::Bucket {
  torch::Tensor flat;
  std::vector<size_t> slots;  ///< indices into Stage::params
  int64_t pending = 0;        ///< slots still waiting for their gradient
  std::unique_ptr<PendingCollective> work;
};

struct DataParallel::Stage {
  std::vector<torch::Tensor> params;
  std::vector<size_t> bucket_of;       ///< per param
  std::vector<torch::Tensor> views;    ///< per param: its part of the bucket, flat
  std::vector<bool> received;          ///< per param, this backward
  std::vector<unsigned> hook_handles;  ///< per param
  std::vector<Bucket> buckets;
  size_t next_launch = 0;
};

DataParallel::DataParallel(Communicator& communicator, const std::vector<std::vector<torch::Tensor>>& stages,
                           DataParallelOptions options)
    : communicator_(communicator), options_(options) {
  std::vector<const c10::TensorImpl*> seen;
  for (size_t s = 0; s < stages.size(); ++s) {
    auto stage = std::make_unique<Stage>();
    stage->params = stages[s];
    const size_t n = stage->params.size();
    stage->bucket_of.assign(n, 0);
    stage->views.resize(n);
    stage->received.assign(n, false);
    // Reverse order: the last layers' gradients come first in backward.
    int64_t bytes = 0;
    for (size_t k = n; k-- > 0;) {
      const auto& p = stage->params[k];
      if (std::find(seen.begin(), seen.end(), p.unsafeGetTensorImpl()) != seen.end())
        throw Error("distributed: a parameter belongs to two optimizer stages");
      seen.push_back(p.unsafeGetTensorImpl());
      const int64_t size = p.numel() * static_cast<int64_t>(p.element_size());
      auto& buckets = stage->buckets;
      const bool fits = !buckets.empty() && bytes + size <= options_.bucket_bytes &&
                        buckets.back().flat.scalar_type() == p.scalar_type() &&
                        buckets.back().flat.device() == p.device();
      if (!fits) {
        buckets.push_back(Bucket{torch::empty({0}, p.options().requires_grad(false)), {}, 0, nullptr});
        bytes = 0;
      }
      buckets.back().slots.push_back(k);
      bytes += size;
      stage->bucket_of[k] = buckets.size() - 1;
    }
    for (auto& bucket : stage->buckets) {
      int64_t total = 0;
      for (size_t k : bucket.slots) total += stage->params[k].numel();
      bucket.flat = torch::zeros({total}, bucket.flat.options());
      int64_t offset = 0;
      for (size_t k : bucket.slots) {
        stage->views[k] = bucket.flat.narrow(0, offset, stage->params[k].numel());
        offset += stage->params[k].numel();
      }
    }
    for (size_t k = 0; k < n; ++k)
      stage->hook_handles.push_back(
          stage->params[k].register_hook([this, s, k](const torch::Tensor& grad) { on_gradient(s, k, grad); }));
    stages_.push_back(std::move(stage));
  }
}

DataParallel::~DataParallel() {
  for (auto& stage : stages_)
    for (size_t k = 0; k < stage->params.size(); ++k) stage->params[k].remove_hook(stage->hook_handles[k]);
}

int DataParallel::rank() const { return communicator_.rank(); }
int DataParallel::world_size() const { return communicator_.size(); }

// One broadcast per dtype and device: the tensors travel flattened into one buffer.
void DataParallel::broadcast_flat(std::vector<torch::Tensor>& tensors) {
  while (!tensors.empty()) {
    std::vector<torch::Tensor> same, rest;
    for (auto& t : tensors)
      (t.scalar_type() == tensors.front().scalar_type() && t.device() == tensors.front().device() ? same : rest)
          .push_back(t);
    std::vector<torch::Tensor> flat_parts;
    flat_parts.reserve(same.size());
    for (auto& t : same) flat_parts.push_back(t.reshape({-1}));
    auto flat = torch::cat(flat_parts);
    communicator_.broadcast(flat);
    int64_t offset = 0;
    for (auto& t : same) {
      t.copy_(flat.narrow(0, offset, t.numel()).view_as(t));
      offset += t.numel();
    }
    tensors = std::move(rest);
  }
}

void DataParallel::broadcast_models(ModelSet& models) {
  torch::NoGradGuard no_grad;
  std::vector<torch::Tensor> tensors;
  for (const auto& name : models.names()) {
    for (auto& p : models.get(name).parameters()) tensors.push_back(p);
    for (auto& b : models.get(name).buffers()) tensors.push_back(b);
  }
  broadcast_flat(tensors);
}

void DataParallel::broadcast_buffers(ModelSet& models) {
  if (!options_.broadcast_buffers) return;
  torch::NoGradGuard no_grad;
  std::vector<torch::Tensor> tensors;
  for (const auto& name : models.names())
    for (auto& b : models.get(name).buffers()) tensors.push_back(b);
  broadcast_flat(tensors);
}

void DataParallel::begin_backward(size_t stage, double share) {
  if (stage >= stages_.size()) throw Error("distributed: no optimizer stage " + std::to_string(stage));
  active_ = stage;
  share_ = share;
  in_backward_ = true;
  auto& s = *stages_[stage];
  std::fill(s.received.begin(), s.received.end(), false);
  for (auto& bucket : s.buckets) bucket.pending = static_cast<int64_t>(bucket.slots.size());
  s.next_launch = 0;
}

// Autograd calls this with a parameter's whole gradient for this backward (for a leaf, the
// sum over its uses), before it is accumulated into .grad.
void DataParallel::on_gradient(size_t stage, size_t slot, const torch::Tensor& grad) {
  if (!in_backward_ || stage != active_) return;  // another stage's backward passes through
  auto& s = *stages_[stage];
  if (s.received[slot]) throw Error("distributed: a parameter got two gradients in one backward");
  s.received[slot] = true;
  torch::NoGradGuard no_grad;
  torch::mul_out(s.views[slot], grad.reshape({-1}), share_);
  if (--s.buckets[s.bucket_of[slot]].pending == 0 && options_.overlap) launch_ready(s);
}

// Launches complete buckets strictly in bucket order, so every rank issues the same
// sequence of collectives whatever order autograd finished them in.
void DataParallel::launch_ready(Stage& s) {
  while (s.next_launch < s.buckets.size() && s.buckets[s.next_launch].pending == 0) {
    auto& bucket = s.buckets[s.next_launch++];
    bucket.work = communicator_.all_reduce_sum_async(bucket.flat);
  }
}

DataParallel::Agreement DataParallel::end_backward(size_t stage, bool locally_finite, int local_stop_signal) {
  auto& s = *stages_[stage];
  in_backward_ = false;
  for (size_t k = 0; k < s.params.size(); ++k) {
    if (s.received[k]) continue;  // a parameter this rank's loss did not reach
    s.views[k].zero_();
    --s.buckets[s.bucket_of[k]].pending;
  }
  launch_ready(s);
  auto flags = torch::tensor({locally_finite ? int64_t{0} : int64_t{1}, int64_t{local_stop_signal}}, torch::kInt64);
  communicator_.all_reduce_max(flags);
  torch::NoGradGuard no_grad;
  for (auto& bucket : s.buckets) {
    bucket.work->wait();
    bucket.work.reset();
  }
  for (size_t k = 0; k < s.params.size(); ++k) {
    auto& p = s.params[k];
    if (p.grad().defined())
      p.mutable_grad().copy_(s.views[k].view_as(p));
    else
      p.mutable_grad() = s.views[k].view_as(p).clone();
  }
  return {flags[0].item<int64_t>() == 0, static_cast<int>(flags[1].item<int64_t>())};
}

namespace {

std::string serialize(const std::map<std::string, torch::Tensor>& tensors) {
  torch::serialize::OutputArchive archive;
  for (const auto& [name, tensor] : tensors) archive.write(name, tensor);
  std::ostringstream out;
  archive.save_to(out);
  return out.str();
}

std::map<std::string, torch::Tensor> deserialize(const std::string& bytes) {
  torch::serialize::InputArchive archive;
  std::istringstream in(bytes);
  archive.load_from(in);
  std::map<std::string, torch::Tensor> out;
  for (const auto& name : archive.keys()) archive.read(name, out[name]);
  return out;
}

}  // namespace

void DataParallel::merge(MetricSuite& metrics) {
  const auto all = communicator_.all_gather_bytes(serialize(metrics.state()));
  MetricSuite merged = metrics.empty_like();
  for (const auto& bytes : all) {
    MetricSuite part = metrics.empty_like();
    part.restore(deserialize(bytes));
    merged.merge(part);
  }
  metrics.restore(merged.state());
}

void DataParallel::sum(std::map<std::string, double>& values) {
  std::ostringstream mine;
  mine << std::hexfloat;  // exact
  for (const auto& [name, value] : values) mine << name << '\t' << value << '\n';
  std::map<std::string, double> total;
  for (const auto& text : communicator_.all_gather_bytes(mine.str())) {
    std::istringstream in(text);
    for (std::string line; std::getline(in, line);) {
      const auto tab = line.rfind('\t');
      total[line.substr(0, tab)] += std::strtod(line.c_str() + tab + 1, nullptr);
    }
  }
  values = std::move(total);
}

}  // namespace modlr
