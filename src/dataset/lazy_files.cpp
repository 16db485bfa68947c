#include "lazy_files.h"

#include <ATen/Parallel.h>

#include <cstdlib>
#include <list>
#include <mutex>
#include <unordered_map>

#include "modlr/core/error.h"

namespace modlr {

struct LazyFiles::Shared {
  std::vector<std::string> files;
  Decode decode;
  std::vector<int64_t> shape;
  int64_t budget = 0;
  Finish finish;
  torch::ScalarType dtype = torch::kUInt8;  ///< of a row (for an empty batch)
  std::mutex mutex;  ///< guards the cache below
  std::list<int64_t> recency;  ///< file indices, most recently used first
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

std::shared_ptr<LazyFiles> LazyFiles::create(std::vector<std::string> files, Decode decode, std::vector<int64_t> shape,
                                             torch::ScalarType dtype, int64_t cache_bytes, Finish finish) {
  auto shared = std::make_shared<Shared>();
  const auto n = static_cast<int64_t>(files.size());
  shared->files = std::move(files);
  shared->decode = std::move(decode);
  shared->shape = std::move(shape);
  shared->budget = cache_bytes;
  shared->finish = std::move(finish);
  shared->dtype = dtype;
  return std::make_shared<LazyFiles>(shared, torch::arange(n, torch::kLong));
}

LazyFiles::LazyFiles(std::shared_ptr<Shared> shared, torch::Tensor index)
    : shared_(std::move(shared)), index_(std::move(index)) {}

int64_t LazyFiles::size() const { return index_.size(0); }
std::vector<int64_t> LazyFiles::row_shape() const { return shared_->shape; }

int64_t LazyFiles::cached_bytes() const {
  std::lock_guard<std::mutex> lock(shared_->mutex);
  return shared_->cached;
}

std::shared_ptr<const LazyRows> LazyFiles::select(const torch::Tensor& indices) const {
  return std::make_shared<LazyFiles>(shared_, index_.index_select(0, indices.to(torch::kLong)));
}

// Cached rows as they are; the others decoded on the intra-op threads. An error is the
// first failing file's in row order, whichever thread met it first.
torch::Tensor LazyFiles::gather_raw(const torch::Tensor& indices) const {
  const auto files = index_.index_select(0, indices.to(torch::kLong)).contiguous();
  const auto n = files.numel();
  const auto* file = files.data_ptr<int64_t>();
  std::vector<torch::Tensor> decoded(static_cast<size_t>(n));
  std::vector<std::string> errors(static_cast<size_t>(n));
  at::parallel_for(0, n, 1, [&](int64_t begin, int64_t end) {
    for (int64_t i = begin; i < end; ++i) {
      auto& row = decoded[static_cast<size_t>(i)];
      row = shared_->lookup(file[i]);
      if (row.defined()) continue;
      try {
        row = shared_->decode(shared_->files[static_cast<size_t>(file[i])]);
        shared_->insert(file[i], row);
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

torch::Tensor LazyFiles::gather(const torch::Tensor& indices) const {
  return shared_->finish(gather_raw(indices));
}

int64_t read_cache_option(const Config& section) {
  const auto cache = section.get<std::string>("cache", "memory");
  if (cache == "memory") return -1;
  if (cache == "none") return 0;
  char* end = nullptr;
  const double mb = std::strtod(cache.c_str(), &end);
  if (cache.empty() || *end != '\0' || !(mb >= 0) || mb > 1e7) section.fail("cache", "must be memory, none or a size in MB");
  return static_cast<int64_t>(mb * 1024 * 1024);
}

}  // namespace modlr
