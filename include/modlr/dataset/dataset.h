#pragma once
/// MODLR component 3: the Dataset. It reads a format, preprocesses, splits, batches,
/// shuffles and prefetches; it never sees the model.
///
/// A Dataset is built from the config's `dataset` section:
///   name: idx                 # the DataSource that reads the format (registry name)
///   path: /usr/share/datasets/fashion-mnist   # where the files are (source-specific)
///   limit: 0                  # use only the first N training examples (0 = all)
///   validation: 0.0           # fraction of the training examples held out, seeded (a time
///                             # series holds out its last windows: DataSource::hold_out)
///   batch_size: 64, eval_batch_size: 1000, shuffle: true, drop_last: false,
///   bucket_by: ""             # length bucketing of training batches (loader.h): a field of
///                             # per-example lengths, e.g. source_lengths (parallel_text)
///   bucket_pool: 100          # batches sorted together per pool
///   prefetch: 0               # batches assembled ahead on a background thread (a count; 0 =
///                             # in line). Off by default: with libtorch 2.11 assembling a
///                             # batch is ~1.5 % of a LeNet-5 step, and a prefetch thread
///                             # beside 2 compute threads on 2 cores made the epoch 1.7x slower
///                             # (3.65 s vs 2.10 s); with a core free it gained nothing (2.52 s
///                             # vs 2.47 s). Worth it only for slow data pipelines.
///   augment: {crop_padding: 4, hflip: true}   # optional, training batches only (augment.h)
///   device: auto              # where the splits live and batches are cut and augmented:
///                             # cpu | cuda | auto (cuda when the run computes on a GPU and
///                             # the data takes at most a quarter of its memory, else cpu).
///                             # On cuda no batch is copied per step; on cpu with a CUDA run,
///                             # batches are cut into pinned memory and copied asynchronously.
///   max_decompressed_mib: 4096, max_compression_ratio: 200   # gzip bounds (decode_limits)
///   cache: memory             # every source: memory (all decoded at load) | none | N (MB):
///                             # examples read per batch through an N MB cache (LazyRows);
///   unpack_dir: ~/.cache/modlr/unpacked   # where a gzipped file read per batch is unpacked
/// plus the source's own keys (e.g. scale, mean, std for images).
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "modlr/core/config.h"
#include "modlr/core/registry.h"
#include "modlr/dataset/batch.h"
#include "modlr/dataset/input_normalization.h"
#include "modlr/dataset/loader.h"
#include "modlr/formats/file_bytes.h"

namespace modlr {

/// One data file read by a run, recorded in its run record.
struct DataFile {
  std::string path;
  std::string sha256;  ///< of the bytes on disk (compressed if the file is)
};

/// A further labelled split a source provides for evaluation only, under its own name
/// (e.g. CIFAR-10's 1,000 official test images beside the held-out test split). A run
/// evaluates it after `test` and records its metrics under `name`.
struct NamedSplit {
  std::string name;  ///< [a-z][a-z0-9_]*, not train, validation or test
  TensorData data;
};

/// What a DataSource reads: train and test splits, any extra test splits, and the files
/// they came from.
struct SourceData {
  TensorData train;
  TensorData test;
  /// A validation split the source reads itself (an image folder's validation_path); empty
  /// otherwise. Then dataset.validation must be 0.
  TensorData validation;
  /// Class names by class index, where the data names its classes (folder names).
  std::vector<std::string> class_names;
  /// Examples left out because they do not decode ("PATH: reason"), when the source is
  /// configured to skip them.
  std::vector<std::string> skipped;
  std::vector<NamedSplit> extra_tests;
  std::vector<DataFile> files;
  /// Files the run record keeps beside the run, as (file name, contents): a text source's
  /// vocabulary (vocab.txt), so a run shows what its token ids mean.
  std::vector<std::pair<std::string, std::string>> artifacts;
};

/// A reference model's predictions for the test split, in the targets' shape and units
/// (a time series' persistence forecast): the run record reports its metrics beside the
/// trained model's, so a number can be judged against the obvious answer.
struct NamedPredictions {
  std::string name;  ///< [a-z][a-z0-9_]*
  torch::Tensor test_predictions;
};

/// Reads one data format (IDX, CIFAR-10, CSV, ...) and applies its preprocessing.
/// Errors name the file and what is wrong.
class DataSource {
 public:
  virtual ~DataSource() = default;
  virtual SourceData load() = 0;
  /// Called by Dataset::load once the splits are final (after `limit` and `validation`):
  /// preprocessing whose statistics must come from the training rows alone (imputation,
  /// standardisation) is fitted on `train` here and applied to all three splits in place.
  /// `validation` has size 0 when there is no validation split. Default: nothing.
  virtual void fit_on_train(TensorData& train, TensorData& validation, TensorData& test) {}
  /// Splits dataset.validation's fraction off the training rows (after `limit`): returns
  /// {kept, held_out}. Default: split_off, a seeded random sample; a time series holds out
  /// its last windows instead, so validation comes after training in time.
  virtual std::pair<TensorData, TensorData> hold_out(const TensorData& train, double fraction, uint64_t seed) const;
  /// Baseline predictions for the test split, valid after fit_on_train. Default: none.
  virtual std::vector<NamedPredictions> baselines() const { return {}; }
  /// What load() (and fit_on_train) do to raw inputs, if it is an element-wise scaling and
  /// normalisation along axis 1 (modlr export --with-preprocessing); nullopt otherwise.
  virtual std::optional<InputNormalization> input_normalization() const { return std::nullopt; }
  /// One example's input shape as the config (and at most a file header) declares it,
  /// known before load(); nullopt where it depends on the data (a CSV's one-hot columns).
  virtual std::optional<ExampleShape> example_shape() const { return std::nullopt; }
};

/// The gzip limits of a `dataset` section (formats::DecodeLimits): max_decompressed_mib
/// (default 4096) and max_compression_ratio (default 200). Every source that reads files
/// passes them to its reader; this is the keys' one reader.
formats::DecodeLimits decode_limits(const Config& section);

using DataSourceRegistry = Registry<std::unique_ptr<DataSource>, const Config&>;
DataSourceRegistry& data_source_registry();

enum class Split { train, validation, test };
const char* split_name(Split split);

/// How a Dataset splits, batches and places what its source reads; the keys of the
/// `dataset` section above, with the same defaults.
struct DatasetOptions {
  int64_t limit = 0;        ///< first N training examples (0 = all)
  double validation = 0.0;  ///< fraction held out, in [0, 1)
  int64_t batch_size = 32;
  int64_t eval_batch_size = 1000;
  bool shuffle = true;
  bool drop_last = false;
  std::string bucket_by;  ///< "" = no length bucketing
  int64_t bucket_pool = 100;
  int64_t prefetch = 0;
  AugmentOptions augment;       ///< training batches only; off by default
  std::string device = "auto";  ///< auto | cpu | cuda
  /// Reads the keys above from a `dataset` section (one reader per key); errors name them.
  static DatasetOptions from_config(const Config& section);
};

class Dataset {
 public:
  /// Reads the `dataset` section; the source is created now, data is read by load().
  /// `compute_device` is where the models run (runner.device): it decides dataset.device auto.
  Dataset(const Config& section, uint64_t seed, torch::Device compute_device = torch::kCPU);
  /// The same from code: `source` (e.g. make_idx_source), registered as `source_name` for
  /// the run record. Throws modlr::Error naming the option when one is out of range.
  Dataset(std::unique_ptr<DataSource> source, std::string source_name, DatasetOptions options, uint64_t seed,
          torch::Device compute_device = torch::kCPU);

  /// Reads the data (once), applies `limit` and the validation split, then places the
  /// splits on the data device.
  void load();
  /// Where the splits live after load() (dataset.device resolved).
  torch::Device data_device() const { return data_device_; }
  bool has_validation() const { return validation_.size() > 0; }
  const TensorData& data(Split split) const;
  const std::vector<DataFile>& files() const { return files_; }
  /// The source's extra test splits, in the source's order (empty for most sources).
  const std::vector<NamedSplit>& extra_tests() const { return extra_tests_; }
  const std::vector<std::pair<std::string, std::string>>& artifacts() const { return artifacts_; }
  const std::vector<std::string>& class_names() const { return class_names_; }
  /// Examples the source skipped ("PATH: reason"), in file order.
  const std::vector<std::string>& skipped() const { return skipped_; }
  /// The source's baseline predictions for the test split (after load()); see DataSource.
  std::vector<NamedPredictions> baselines() const { return source_->baselines(); }
  /// One training example's input shape: what the source declares (before load(), nothing
  /// read but a header), or after load() the training split's own; nullopt before load()
  /// when the source cannot declare it.
  std::optional<ExampleShape> example_shape() const;
  int64_t batch_size() const { return train_options_.batch_size; }
  /// The `name` the source is registered under ("idx", "cifar10", ...).
  const std::string& source_name() const { return source_name_; }
  /// The source's preprocessing of raw inputs (after load()); see DataSource.
  std::optional<InputNormalization> input_normalization() const { return source_->input_normalization(); }

  /// A loader over `split`: the training split shuffles (if configured) with batch_size,
  /// the others keep their order with eval_batch_size.
  std::unique_ptr<BatchLoader> loader(Split split) const;
  /// Makes every loader created afterwards hand out shard `rank` of `count` (data-parallel
  /// runs; LoaderOptions::shard_rank): batch_size and eval_batch_size become per rank.
  void shard(int64_t rank, int64_t count);
  /// An evaluation loader (eval_batch_size, in order) over the extra test split `name`;
  /// throws modlr::Error if there is none of that name.
  std::unique_ptr<BatchLoader> extra_test_loader(const std::string& name) const;

 private:
  void check_extra_tests() const;
  void place_on_device();

  [[noreturn]] void fail(const std::string& key, const std::string& what) const;
  void apply(const DatasetOptions& options);

  std::optional<Config> config_;  ///< the dataset section, for errors naming its keys (none from code)
  std::unique_ptr<DataSource> source_;
  std::string source_name_;
  int64_t limit_ = 0;
  double validation_fraction_ = 0;
  LoaderOptions train_options_;
  LoaderOptions eval_options_;
  uint64_t seed_ = 0;
  std::string device_choice_;  ///< dataset.device: auto | cpu | cuda
  torch::Device compute_device_ = torch::kCPU;
  torch::Device data_device_ = torch::kCPU;
  bool loaded_ = false;
  TensorData train_, validation_, test_;
  std::vector<NamedSplit> extra_tests_;
  std::vector<DataFile> files_;
  std::vector<std::pair<std::string, std::string>> artifacts_;
  std::vector<std::string> class_names_;
  std::vector<std::string> skipped_;
};

/// First `limit` rows of `data` (all when limit is 0 or >= size).
TensorData take_first(const TensorData& data, int64_t limit);
/// Splits off round(fraction * size) rows, chosen by a permutation from a generator seeded
/// with `seed`; both parts keep the original row order. Returns {kept, held_out}.
std::pair<TensorData, TensorData> split_off(const TensorData& data, double fraction, uint64_t seed);

}  // namespace modlr
