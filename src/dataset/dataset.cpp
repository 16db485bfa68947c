#include "modlr/dataset/dataset.h"

#include <ATen/CPUGeneratorImpl.h>

#include <algorithm>
#include <cmath>

#include "modlr/core/device.h"

namespace modlr {

DataSourceRegistry& data_source_registry() {
  static DataSourceRegistry registry("dataset");
  return registry;
}

formats::DecodeLimits decode_limits(const Config& section) {
  formats::DecodeLimits limits;
  const int64_t default_mib = static_cast<int64_t>(limits.max_bytes >> 20);
  // Up to 1 PiB: the bound is there to be raised, not to overflow.
  limits.max_bytes =
      static_cast<uint64_t>(section.get_count("max_decompressed_mib", default_mib, false, int64_t{1} << 30)) << 20;
  limits.max_ratio = section.get_positive("max_compression_ratio", limits.max_ratio);
  if (limits.max_ratio < 1) section.fail("max_compression_ratio", "must be >= 1");
  return limits;
}

std::pair<TensorData, TensorData> DataSource::hold_out(const TensorData& train, double fraction, uint64_t seed) const {
  return split_off(train, fraction, seed);
}

const char* split_name(Split split) {
  switch (split) {
    case Split::train:
      return "train";
    case Split::validation:
      return "validation";
    case Split::test:
      return "test";
  }
  return "?";
}

DatasetOptions DatasetOptions::from_config(const Config& section) {
  DatasetOptions o;
  o.limit = section.get_count("limit", o.limit, /*allow_zero=*/true);
  o.validation = section.get<double>("validation", o.validation);
  if (o.validation < 0 || o.validation >= 1) section.fail("validation", "must be a fraction in [0, 1)");
  o.batch_size = section.get_count("batch_size", o.batch_size);
  o.shuffle = section.get<bool>("shuffle", o.shuffle);
  o.drop_last = section.get<bool>("drop_last", o.drop_last);
  o.bucket_by = section.get<std::string>("bucket_by", o.bucket_by);
  o.bucket_pool = section.get_count("bucket_pool", o.bucket_pool);
  o.prefetch = section.get_count("prefetch", o.prefetch, /*allow_zero=*/true);
  o.eval_batch_size = section.get_count("eval_batch_size", o.eval_batch_size);
  // Read only when present, so configs without augmentation resolve as before.
  if (section.has("augment")) o.augment = AugmentOptions::from_config(section.section("augment"));
  o.device = section.get_choice("device", o.device, {"auto", "cpu", "cuda"});
  return o;
}

Dataset::Dataset(const Config& section, uint64_t seed, torch::Device compute_device)
    : config_(section),
      source_name_(section.get<std::string>("name", "idx")),
      seed_(seed),
      compute_device_(compute_device) {
  source_ = data_source_registry().create(source_name_, section.path("name"), section);
  apply(DatasetOptions::from_config(section));
}

Dataset::Dataset(std::unique_ptr<DataSource> source, std::string source_name, DatasetOptions options, uint64_t seed,
                 torch::Device compute_device)
    : source_(std::move(source)), source_name_(std::move(source_name)), seed_(seed), compute_device_(compute_device) {
  if (!source_) throw Error("Dataset: no data source");
  if (options.limit < 0) fail("limit", "must be >= 0");
  if (options.validation < 0 || options.validation >= 1) fail("validation", "must be a fraction in [0, 1)");
  if (options.batch_size <= 0) fail("batch_size", "must be > 0");
  if (options.eval_batch_size <= 0) fail("eval_batch_size", "must be > 0");
  if (options.prefetch < 0) fail("prefetch", "must be >= 0");
  if (options.bucket_pool <= 0) fail("bucket_pool", "must be > 0");
  if (options.device != "auto" && options.device != "cpu" && options.device != "cuda")
    fail("device", "must be auto, cpu or cuda");
  apply(options);
}

void Dataset::apply(const DatasetOptions& options) {
  limit_ = options.limit;
  validation_fraction_ = options.validation;
  train_options_.batch_size = options.batch_size;
  train_options_.shuffle = options.shuffle;
  train_options_.drop_last = options.drop_last;
  train_options_.bucket_by = options.bucket_by;
  train_options_.bucket_pool = options.bucket_pool;
  train_options_.prefetch = options.prefetch;
  train_options_.seed = seed_;
  eval_options_ = train_options_;
  eval_options_.batch_size = options.eval_batch_size;
  eval_options_.shuffle = false;
  eval_options_.drop_last = false;
  eval_options_.bucket_by.clear();
  train_options_.augment = options.augment;
  device_choice_ = options.device;
  if (device_choice_ == "cuda" && !compute_device_.is_cuda())
    fail("device", "cuda needs runner.device: cuda (batches go where the models compute)");
}

// A config error names the file and key; from code, the option.
void Dataset::fail(const std::string& key, const std::string& what) const {
  if (config_) config_->fail(key, what);
  throw Error("'dataset." + key + "': " + what);
}

namespace {

// A source's fields must have one row per example of their split, as its targets do.
void check_fields(const TensorData& data, const std::string& split, const std::string& source) {
  for (const auto& [name, field] : data.fields)
    if (!field.defined() || field.dim() == 0 || field.size(0) != data.size())
      throw Error("data source '" + source + "': field '" + name + "' of the " + split + " split has " +
                  (field.defined() && field.dim() > 0 ? std::to_string(field.size(0)) : std::string("no")) +
                  " rows for " + std::to_string(data.size()) + " examples");
}

}  // namespace

void Dataset::load() {
  if (loaded_) return;
  SourceData data = source_->load();
  check_fields(data.train, "train", source_name());
  check_fields(data.test, "test", source_name());
  check_fields(data.validation, "validation", source_name());
  for (const auto& extra : data.extra_tests) check_fields(extra.data, extra.name, source_name());
  files_ = std::move(data.files);
  artifacts_ = std::move(data.artifacts);
  class_names_ = std::move(data.class_names);
  skipped_ = std::move(data.skipped);
  TensorData train = take_first(data.train, limit_);
  if (data.validation.size() > 0) {
    if (validation_fraction_ > 0)
      fail("validation", "must be 0: the source reads its own validation split (validation_path)");
    train_ = std::move(train);
    validation_ = std::move(data.validation);
  } else if (validation_fraction_ > 0) {
    std::tie(train_, validation_) = source_->hold_out(train, validation_fraction_, seed_);
  } else {
    train_ = std::move(train);
  }
  test_ = std::move(data.test);
  extra_tests_ = std::move(data.extra_tests);
  if (train_.size() == 0) throw Error("dataset: the training split is empty");
  if (test_.size() == 0) throw Error("dataset: the test split is empty");
  check_extra_tests();
  source_->fit_on_train(train_, validation_, test_);
  const auto input_dims = train_.lazy ? static_cast<int64_t>(train_.lazy->row_shape().size()) + 1 : train_.inputs.dim();
  if (train_options_.augment.enabled() && input_dims != 4)
    throw Error("dataset.augment: needs image inputs [N, C, H, W], but this source gives " +
                std::to_string(input_dims) + "-dimensional inputs");
  if (!train_options_.bucket_by.empty() && !train_.fields.count(train_options_.bucket_by)) {
    std::string known;
    for (const auto& field : train_.fields) known += (known.empty() ? "" : ", ") + field.first;
    fail("bucket_by", "names no field of this data source (fields: " + (known.empty() ? "none" : known) + ")");
  }
  place_on_device();
  loaded_ = true;
}

namespace {

int64_t bytes_of(const TensorData& data) {
  int64_t bytes = 0;
  const auto count = [&](const torch::Tensor& t) {
    if (t.defined()) bytes += t.numel() * static_cast<int64_t>(t.element_size());
  };
  count(data.inputs);
  count(data.targets);
  for (const auto& field : data.fields) count(field.second);
  return bytes;
}

TensorData moved_to(const TensorData& data, torch::Device device) {
  if (data.size() == 0 || data.lazy) return data;
  return data.map([&](const torch::Tensor& t) { return t.to(device); });
}

}  // namespace

// dataset.device: the splits move once, here; loaders then cut (and augment) batches where
// they live. auto keeps a CPU run's data on the CPU, and puts a CUDA run's data on its GPU
// when it takes at most a quarter of the GPU's memory (the rest is the model's).
void Dataset::place_on_device() {
  int64_t bytes = bytes_of(train_) + bytes_of(validation_) + bytes_of(test_);
  for (const auto& extra : extra_tests_) bytes += bytes_of(extra.data);
  data_device_ = torch::kCPU;
  if (train_.lazy) {  // read on demand on the host, batches copied as they come
    if (device_choice_ == "cuda") fail("device", "cuda needs the data in memory (cache: memory)");
    train_options_.pin_memory = eval_options_.pin_memory = compute_device_.is_cuda();
    return;
  }
  if (device_choice_ == "cuda" ||
      (device_choice_ == "auto" && compute_device_.is_cuda() &&
       bytes <= cuda_memory_bytes(compute_device_.index() < 0 ? 0 : compute_device_.index()) / 4))
    data_device_ = compute_device_;
  // Data left on the host for a GPU run: batches are cut into pinned memory, so the
  // runner's copy to the device is asynchronous.
  const bool pin = compute_device_.is_cuda() && data_device_.is_cpu();
  train_options_.pin_memory = eval_options_.pin_memory = pin;
  if (data_device_.is_cpu()) return;
  train_ = moved_to(train_, data_device_);
  validation_ = moved_to(validation_, data_device_);
  test_ = moved_to(test_, data_device_);
  for (auto& extra : extra_tests_) extra.data = moved_to(extra.data, data_device_);
}

// The names become metrics.csv splits and summary.json keys: distinct and not a main split.
void Dataset::check_extra_tests() const {
  std::vector<std::string> seen{"train", "validation", "test"};
  for (const auto& extra : extra_tests_) {
    if (std::find(seen.begin(), seen.end(), extra.name) != seen.end())
      throw Error("dataset: extra test split name '" + extra.name + "' is used twice or names a main split");
    seen.push_back(extra.name);
    if (extra.data.size() == 0) throw Error("dataset: the extra test split '" + extra.name + "' is empty");
  }
}

const TensorData& Dataset::data(Split split) const {
  if (!loaded_) throw Error("dataset: load() must run before data is read");
  switch (split) {
    case Split::train:
      return train_;
    case Split::validation:
      return validation_;
    case Split::test:
      return test_;
  }
  return test_;
}

std::optional<ExampleShape> Dataset::example_shape() const {
  if (!loaded_) return source_->example_shape();
  if (train_.size() == 0) return std::nullopt;
  // One row is all it takes; a lazily read split reads just that example.
  const auto row = train_.input_rows(torch::zeros({1}, torch::kInt64));
  return ExampleShape{row.sizes().slice(1).vec(), row.scalar_type()};
}

std::unique_ptr<BatchLoader> Dataset::loader(Split split) const {
  const auto& options = split == Split::train ? train_options_ : eval_options_;
  return std::make_unique<BatchLoader>(data(split), options);
}

void Dataset::shard(int64_t rank, int64_t count) {
  for (auto* options : {&train_options_, &eval_options_}) {
    options->shard_rank = rank;
    options->shard_count = count;
  }
}

std::unique_ptr<BatchLoader> Dataset::extra_test_loader(const std::string& name) const {
  if (!loaded_) throw Error("dataset: load() must run before data is read");
  for (const auto& extra : extra_tests_)
    if (extra.name == name) return std::make_unique<BatchLoader>(extra.data, eval_options_);
  throw Error("dataset: no extra test split '" + name + "'");
}

TensorData take_first(const TensorData& data, int64_t limit) {
  if (limit <= 0 || limit >= data.size()) return data;
  if (data.lazy) return data.select(torch::arange(limit, torch::kLong));
  return {data.inputs.narrow(0, 0, limit), data.targets.narrow(0, 0, limit), nullptr,
          narrow_rows(data.fields, 0, limit)};
}

std::pair<TensorData, TensorData> split_off(const TensorData& data, double fraction, uint64_t seed) {
  const int64_t n = data.size();
  const auto held = static_cast<int64_t>(std::llround(fraction * static_cast<double>(n)));
  auto generator = at::make_generator<at::CPUGeneratorImpl>(seed);
  const auto permutation = torch::randperm(n, generator, torch::kLong);
  const auto held_rows = std::get<0>(permutation.narrow(0, 0, held).sort());
  const auto kept_rows = std::get<0>(permutation.narrow(0, held, n - held).sort());
  return {data.select(kept_rows), data.select(held_rows)};
}

}  // namespace modlr
