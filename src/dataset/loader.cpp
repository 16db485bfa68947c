#include "modlr/dataset/loader.h"

#include <ATen/CPUGeneratorImpl.h>

#include "modlr/core/error.h"

namespace modlr {

BatchLoader::BatchLoader(TensorData data, const LoaderOptions& options)
    : data_(std::move(data)), options_(options), generator_(at::make_generator<at::CPUGeneratorImpl>(options.seed)) {
  TORCH_CHECK(options_.batch_size > 0, "batch_size must be > 0");
  TORCH_CHECK(options_.shard_count > 0 && options_.shard_rank >= 0 && options_.shard_rank < options_.shard_count,
              "shard_rank must be in [0, shard_count)");
  if (!options_.bucket_by.empty()) {
    const auto found = data_.fields.find(options_.bucket_by);
    if (found == data_.fields.end() || found->second.dim() != 1 || found->second.scalar_type() != torch::kLong)
      throw Error("bucket_by '" + options_.bucket_by + "': the data source delivers no int64 [N] field of that name");
    TORCH_CHECK(options_.bucket_pool > 0, "bucket_pool must be > 0");
  }
  // Each rank augments its own slice, from its own stream (rank 0's is the unsharded one).
  if (options_.augment.enabled())
    augmenter_ = std::make_unique<BatchAugmenter>(
        options_.augment,
        augment_seed(options_.seed) + static_cast<uint64_t>(options_.shard_rank) * 0x9E3779B97F4A7C15ull);
}

BatchLoader::~BatchLoader() { stop_prefetch(); }

int64_t BatchLoader::batches_per_epoch() const {
  const int64_t n = data_.size(), global = options_.batch_size * options_.shard_count;
  return options_.drop_last ? n / global : (n + global - 1) / global;
}

int64_t BatchLoader::global_batch_examples(int64_t index) const {
  const int64_t global = options_.batch_size * options_.shard_count;
  return std::max<int64_t>(0, std::min(global, data_.size() - index * global));
}

Batch BatchLoader::assemble(int64_t index) const {
  // This shard's slice of global batch `index` (the whole batch when unsharded).
  const int64_t m = global_batch_examples(index), shards = options_.shard_count, r = options_.shard_rank;
  const int64_t start = index * options_.batch_size * shards + r * (m / shards) + std::min(r, m % shards);
  const int64_t length = m / shards + (r < m % shards ? 1 : 0);
  Batch batch;
  if (data_.lazy) {
    const auto rows = permutation_.defined() && permutation_.numel() > 0
                          ? permutation_.narrow(0, start, length)
                          : torch::arange(start, start + length, torch::kLong);
    batch = {data_.lazy->gather(rows), data_.targets.index_select(0, rows), select_rows(data_.fields, rows)};
  } else if (!device_permutation_.defined() || device_permutation_.numel() == 0) {
    batch = {data_.inputs.narrow(0, start, length), data_.targets.narrow(0, start, length),
             narrow_rows(data_.fields, start, length)};
  } else {
    const auto rows = device_permutation_.narrow(0, start, length);
    batch = {data_.inputs.index_select(0, rows), data_.targets.index_select(0, rows), select_rows(data_.fields, rows)};
  }
  if (options_.pin_memory) batch = batch.map([](const torch::Tensor& t) { return t.pin_memory(); });
  return batch;
}

void BatchLoader::set_permutation(torch::Tensor permutation) {
  permutation_ = std::move(permutation);
  const auto device = data_.lazy ? torch::Device(torch::kCPU) : data_.inputs.device();
  device_permutation_ = permutation_.defined() && !device.is_cpu() ? permutation_.to(device) : permutation_;
}

torch::Tensor BatchLoader::bucketed(const torch::Tensor& permutation) {
  const int64_t n = permutation.numel(), global = options_.batch_size * options_.shard_count;
  const int64_t pool = global * options_.bucket_pool;
  const auto lengths = data_.fields.at(options_.bucket_by).to(torch::kCPU);
  std::vector<torch::Tensor> sorted;
  for (int64_t start = 0; start < n; start += pool) {
    const auto rows = permutation.narrow(0, start, std::min(pool, n - start));
    const auto order =
        std::get<1>(lengths.index_select(0, rows).sort(/*stable=*/true, /*dim=*/0, /*descending=*/false));
    sorted.push_back(rows.index_select(0, order));
  }
  const auto by_length = torch::cat(sorted);
  const int64_t full = n / global;
  const auto order = torch::randperm(full, generator_, torch::kLong);
  std::vector<torch::Tensor> batches;
  const auto* index = order.data_ptr<int64_t>();
  for (int64_t b = 0; b < full; ++b) batches.push_back(by_length.narrow(0, index[b] * global, global));
  if (n > full * global) batches.push_back(by_length.narrow(0, full * global, n - full * global));
  return batches.empty() ? by_length : torch::cat(batches);
}

void BatchLoader::start_epoch() {
  stop_prefetch();
  if (options_.shuffle) {
    auto permutation = torch::randperm(data_.size(), generator_, torch::kLong);
    set_permutation(options_.bucket_by.empty() ? permutation : bucketed(permutation));
  }
  begin_at(0);
}

void BatchLoader::begin_at(int64_t first_batch) {
  next_index_ = first_batch;
  batches_ = batches_per_epoch();
  if (options_.prefetch > 0 && first_batch < batches_) {
    stopping_ = false;
    worker_ = std::thread(&BatchLoader::prefetch_loop, this, first_batch, batches_ - first_batch);
  }
}

BatchLoader::State BatchLoader::state() const {
  return {generator_.get_state(), permutation_.defined() ? permutation_ : torch::Tensor(), next_index_,
          augmenter_ ? augmenter_->generator_state() : torch::Tensor()};
}

void BatchLoader::resume_epoch(const State& state) {
  stop_prefetch();
  if (state.augment_generator.defined() != (augmenter_ != nullptr))
    throw Error(std::string("loader state ") + (augmenter_ ? "lacks" : "has") +
                " an augmentation generator but this loader " + (augmenter_ ? "augments" : "does not augment") +
                " (dataset.augment differs from the checkpointed run's)");
  if (augmenter_) augmenter_->set_generator_state(state.augment_generator);
  generator_.set_state(state.generator);
  if (state.next_batch == 0) return start_epoch();  // a new epoch: draw from the generator
  set_permutation(state.permutation);
  if (options_.shuffle && (!permutation_.defined() || permutation_.numel() != data_.size()))
    throw Error("loader state does not match this data set (" + std::to_string(data_.size()) + " examples)");
  begin_at(state.next_batch);
}

void BatchLoader::prefetch_loop(int64_t first, int64_t count) {
  try {
    for (int64_t i = first; i < first + count; ++i) {
      Batch batch = assemble(i);
      std::unique_lock<std::mutex> lock(mutex_);
      changed_.wait(lock, [&] { return stopping_ || static_cast<int64_t>(ready_.size()) < options_.prefetch; });
      if (stopping_) return;
      ready_.push_back(std::move(batch));
      changed_.notify_all();
    }
  } catch (...) {
    std::lock_guard<std::mutex> lock(mutex_);
    worker_error_ = std::current_exception();
    changed_.notify_all();
  }
}

bool BatchLoader::next(Batch& out) {
  if (!take_next(out)) return false;
  if (augmenter_) out.x = augmenter_->apply(out.x);
  return true;
}

bool BatchLoader::take_next(Batch& out) {
  if (next_index_ >= batches_) return false;
  if (!worker_.joinable()) {
    out = assemble(next_index_++);
    return true;
  }
  std::unique_lock<std::mutex> lock(mutex_);
  changed_.wait(lock, [&] { return !ready_.empty() || worker_error_; });
  if (ready_.empty()) std::rethrow_exception(worker_error_);
  out = std::move(ready_.front());
  ready_.pop_front();
  ++next_index_;
  changed_.notify_all();
  return true;
}

void BatchLoader::stop_prefetch() {
  if (worker_.joinable()) {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      stopping_ = true;
    }
    changed_.notify_all();
    worker_.join();
  }
  ready_.clear();
  worker_error_ = nullptr;
}

}  // namespace modlr
