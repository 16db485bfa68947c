#pragma once
/// What a model will receive from a Dataset (`modlr data`): examples per split and class, a
/// training batch's shapes and dtypes, per-channel statistics of the inputs after
/// preprocessing, token lengths of text, examples the test split shares with the training
/// split, and what the source skipped. Reads the loaded splits; never the model.
#include <string>
#include <vector>

#include "modlr/dataset/dataset.h"

namespace modlr {

struct SplitCounts {
  std::string split;
  int64_t examples = 0;
  std::vector<int64_t> per_class;  ///< class-index targets only; index = class
};

struct DataReport {
  std::string source;                    ///< the DataSource's registry name
  std::vector<std::string> class_names;  ///< where the data names its classes
  std::vector<SplitCounts> splits;       ///< train, validation (if any), test, extra tests
  /// The first training batch as the loader hands it out (augmented, after preprocessing).
  std::vector<int64_t> batch_input_shape, batch_target_shape;
  std::string input_dtype, target_dtype;
  /// The batch's named fields (Batch::fields): name, shape, dtype.
  struct Field {
    std::string name;
    std::vector<int64_t> shape;
    std::string dtype;
  };
  std::vector<Field> batch_fields;
  /// Float inputs of the inspected split: statistics per index of axis 1 (an image's
  /// channel, a table's column), population std, over every element; at most 64 indices.
  std::vector<double> channel_mean, channel_std;
  /// Integer inputs (token ids, 0 = padding): tokens per example in bins of `token_bin`.
  std::vector<int64_t> token_length_histogram;
  int64_t token_bin = 0;
  /// Test examples whose inputs equal a training example's, bit for bit, and the first
  /// few pairs (test index, train index). In-memory data only (0 for dataset.cache other
  /// than memory); the statistics of such data come from its first 1,000 rows.
  int64_t test_duplicates_of_train = 0;
  std::vector<std::pair<int64_t, int64_t>> duplicate_pairs;
  std::vector<std::string> skipped;  ///< the source's skipped examples ("PATH: reason")

  std::string to_json() const;
  std::string to_text() const;
};

/// The report for a loaded `dataset`; statistics and the batch come from `split`. Not
/// thread-safe with other users of the dataset's loaders.
DataReport inspect_data(const Dataset& dataset, Split split);

/// The first `count` examples `split`'s loader hands out (training: shuffled and augmented
/// as in epoch 1), inputs and targets, on the CPU.
Batch first_examples(const Dataset& dataset, Split split, int64_t count);

}  // namespace modlr
