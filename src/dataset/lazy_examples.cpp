#include "lazy_examples.h"

#include <ATen/Parallel.h>

#include <algorithm>
#include <cstdlib>
#include <list>
#include <mutex>
#include <unordered_map>

#include "modlr/core/error.h"

namespace modlr {

struct LazyExamples::Shared {
  Decode decode;
  std::vector<int64_t> shape;
  int64_t budget = 0;
  Finish finish;
  torch::ScalarType dtype = torch::kUInt8;  ///< of a row (for an empty batch)
  std::mutex mutex;                         ///< guards the cache below
  std::list<int64_t> recency;               ///< example indices, most recently used first
  std::unordered_map<int64_t, std::pair<torch::Tensor, std::list<int64_t>::iterator>> cache;
  int64_t cached = 0;  ///< bytes in `cache`

  torch::Tensor lookup(int64_t file) {
    std::lock_guard<std::mutex> lock(mutex);
    const auto found = cache.find(file);
    if (found == cache.end()) return {};
    recency.splice(recency.begin(), recency, found->second.second);
    return found->second.first;
  }

  void insert(int64_t file, const torch::Tensor& row) {
    const int64_t bytes = row.numel() * static_cast<int64_t>(row.element_size());
    std::lock_guard<std::mutex> lock(mutex);
    if (bytes > budget || cache.count(file)) return;
    while (cached + bytes > budget && !recency.empty()) {
      const auto evicted = cache.find(recency.back());
      cached -= evicted->second.first.numel() * static_cast<int64_t>(evicted->second.first.element_size());
      cache.erase(evicted);
      recency.pop_back();
    }
    recency.push_front(file);
    cache.emplace(file, std::make_pair(row, recency.begin()));
    cached += bytes;
  }
};

std::shared_ptr<LazyExamples> LazyExamples::create(int64_t count, Decode decode, std::vector<int64_t> shape,
                                                   torch::ScalarType dtype, int64_t cache_bytes, Finish finish) {
  auto shared = std::make_shared<Shared>();
  shared->decode = std::move(decode);
  shared->shape = std::move(shape);
  shared->budget = cache_bytes;
  shared->finish = std::move(finish);
  shared->dtype = dtype;
  return std::make_shared<LazyExamples>(shared, torch::arange(count, torch::kLong));
}

LazyExamples::LazyExamples(std::shared_ptr<Shared> shared, torch::Tensor index)
    : shared_(std::move(shared)), index_(std::move(index)) {}

int64_t LazyExamples::size() const { return index_.size(0); }
std::vector<int64_t> LazyExamples::row_shape() const { return shared_->shape; }

int64_t LazyExamples::cached_bytes() const {
  std::lock_guard<std::mutex> lock(shared_->mutex);
  return shared_->cached;
}

std::shared_ptr<const LazyRows> LazyExamples::select(const torch::Tensor& indices) const {
  return std::make_shared<LazyExamples>(shared_, index_.index_select(0, indices.to(torch::kLong)));
}

// Cached rows as they are; the others decoded on the intra-op threads (the reader threads:
// runner.threads of them). An error is the first failing example's in row order, whichever
// thread met it first.
torch::Tensor LazyExamples::gather_raw(const torch::Tensor& indices) const {
  const auto items = index_.index_select(0, indices.to(torch::kLong)).contiguous();
  const auto n = items.numel();
  const auto* item = items.data_ptr<int64_t>();
  std::vector<torch::Tensor> decoded(static_cast<size_t>(n));
  std::vector<std::string> errors(static_cast<size_t>(n));
  at::parallel_for(0, n, 1, [&](int64_t begin, int64_t end) {
    for (int64_t i = begin; i < end; ++i) {
      auto& row = decoded[static_cast<size_t>(i)];
      row = shared_->lookup(item[i]);
      if (row.defined()) continue;
      try {
        row = shared_->decode(item[i]);
        shared_->insert(item[i], row);
      } catch (const std::exception& e) {
        errors[static_cast<size_t>(i)] = e.what();
      }
    }
  });
  for (const auto& error : errors)
    if (!error.empty()) throw Error(error);
  if (decoded.empty()) {
    auto shape = shared_->shape;
    shape.insert(shape.begin(), 0);
    return torch::empty(shape, shared_->dtype);
  }
  return torch::stack(decoded);
}

torch::Tensor LazyExamples::gather(const torch::Tensor& indices) const { return shared_->finish(gather_raw(indices)); }

LazyExamples::Decode record_file_decode(std::vector<RecordFilePart> parts, std::vector<int64_t> shape) {
  std::vector<int64_t> ends;  // ends[p]: one past part p's last example
  ends.reserve(parts.size());
  for (const auto& part : parts) ends.push_back((ends.empty() ? 0 : ends.back()) + part.count);
  return [parts = std::move(parts), ends, shape = std::move(shape)](int64_t item) {
    const auto p = static_cast<size_t>(std::upper_bound(ends.begin(), ends.end(), item) - ends.begin());
    const auto& part = parts.at(p);
    const auto record = static_cast<uint64_t>(item - (ends[p] - part.count));
    auto row = torch::empty(shape, torch::kUInt8);
    part.file->read(part.first_offset + record * part.record_bytes + part.pixel_offset, row.data_ptr<uint8_t>(),
                    static_cast<size_t>(row.numel()));
    return row;
  };
}

TensorData lazy_split(const std::shared_ptr<LazyExamples>& all, const torch::Tensor& targets, int64_t first,
                      int64_t count) {
  const auto rows = torch::arange(first, first + count, torch::kLong);
  return {torch::Tensor(), targets.index_select(0, rows), all->select(rows)};
}

}  // namespace modlr
