#include "lazy_images.h"

#include <ATen/Parallel.h>

#include <list>
#include <mutex>
#include <unordered_map>

#include "modlr/core/error.h"

namespace modlr {

struct LazyImages::Shared {
  std::vector<std::string> files;
  Decode decode;
  std::vector<int64_t> shape;
  int64_t budget = 0;
  std::shared_ptr<const ImagePreprocess> preprocess;
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

  void insert(int64_t file, const torch::Tensor& image) {
    const int64_t bytes = image.numel();
    std::lock_guard<std::mutex> lock(mutex);
    if (bytes > budget || cache.count(file)) return;
    while (cached + bytes > budget && !recency.empty()) {
      const auto evicted = cache.find(recency.back());
      cached -= evicted->second.first.numel();
      cache.erase(evicted);
      recency.pop_back();
    }
    recency.push_front(file);
    cache.emplace(file, std::make_pair(image, recency.begin()));
    cached += bytes;
  }
};

std::shared_ptr<LazyImages> LazyImages::create(std::vector<std::string> files, Decode decode, std::vector<int64_t> shape,
                                               int64_t cache_bytes, std::shared_ptr<const ImagePreprocess> preprocess) {
  auto shared = std::make_shared<Shared>();
  const auto n = static_cast<int64_t>(files.size());
  shared->files = std::move(files);
  shared->decode = std::move(decode);
  shared->shape = std::move(shape);
  shared->budget = cache_bytes;
  shared->preprocess = std::move(preprocess);
  return std::make_shared<LazyImages>(shared, torch::arange(n, torch::kLong));
}

LazyImages::LazyImages(std::shared_ptr<Shared> shared, torch::Tensor index)
    : shared_(std::move(shared)), index_(std::move(index)) {}

int64_t LazyImages::size() const { return index_.size(0); }
std::vector<int64_t> LazyImages::row_shape() const { return shared_->shape; }

int64_t LazyImages::cached_bytes() const {
  std::lock_guard<std::mutex> lock(shared_->mutex);
  return shared_->cached;
}

std::shared_ptr<const LazyRows> LazyImages::select(const torch::Tensor& indices) const {
  return std::make_shared<LazyImages>(shared_, index_.index_select(0, indices.to(torch::kLong)));
}

// Cached images as they are; the others decoded on the intra-op threads. An error is the
// first failing file's in row order, whichever thread met it first.
torch::Tensor LazyImages::gather_raw(const torch::Tensor& indices) const {
  const auto files = index_.index_select(0, indices.to(torch::kLong)).contiguous();
  const auto n = files.numel();
  const auto* file = files.data_ptr<int64_t>();
  std::vector<torch::Tensor> images(static_cast<size_t>(n));
  std::vector<std::string> errors(static_cast<size_t>(n));
  at::parallel_for(0, n, 1, [&](int64_t begin, int64_t end) {
    for (int64_t i = begin; i < end; ++i) {
      auto& image = images[static_cast<size_t>(i)];
      image = shared_->lookup(file[i]);
      if (image.defined()) continue;
      try {
        image = shared_->decode(shared_->files[static_cast<size_t>(file[i])]);
        shared_->insert(file[i], image);
      } catch (const std::exception& e) {
        errors[static_cast<size_t>(i)] = e.what();
      }
    }
  });
  for (const auto& error : errors)
    if (!error.empty()) throw Error(error);
  if (images.empty()) {
    auto shape = shared_->shape;
    shape.insert(shape.begin(), 0);
    return torch::empty(shape, torch::kUInt8);
  }
  return torch::stack(images);
}

torch::Tensor LazyImages::gather(const torch::Tensor& indices) const {
  return shared_->preprocess->apply(gather_raw(indices));
}

}  // namespace modlr
