// The CSV source reading records per batch (dataset.cache: none | N MB): one pass over the
// file checks every cell and finds the records, the categories and the targets; the inputs
// are parsed again from their records when a batch needs them, and transformed (imputed,
// standardised) as load()'s are, to the same float32 values.
#include <set>

#include "csv_source.h"
#include "lazy_examples.h"
#include "modlr/formats/sha256.h"

namespace modlr::csv_source {

SourceData CsvSource::load_lazily() {
  SourceData out;
  out.files.push_back({path_, formats::sha256_file_hex(path_)});
  const auto file = formats::SeekableFile::open(path_, out.files[0].sha256, read_.unpack_dir, decode_limits_);
  std::optional<RowReader> checker;               // the features without categories: checks cells, finds dropped rows
  std::vector<std::set<std::string>> categories;  // per feature
  std::vector<int64_t> kept;                      // records kept (not dropped), in file order
  std::vector<double> scratch, y;
  const auto visit = [&](const formats::CsvTable& table, const std::vector<std::string>& cells, size_t record) {
    if (!checker) {
      const size_t target = find_column(table, target_, "target");
      checker = row_reader(resolve_features(table), target);
      categories.resize(checker->features().size());
    }
    const auto& features = checker->features();
    for (size_t f = 0; f < features.size(); ++f)
      if (features[f].categorical && !cells[features[f].column].empty())
        categories[f].insert(cells[features[f].column]);
    scratch.clear();
    if (checker->read({table.header, cells, table.lines[record]}, scratch, y))
      kept.push_back(static_cast<int64_t>(record));
  };
  const auto index = std::make_shared<const formats::CsvIndex>(formats::index_csv(*file, visit));
  if (index->size() == 0) throw Error(path_ + ": a header but no data rows");
  auto features = checker->features();
  for (size_t f = 0; f < features.size(); ++f) {
    features[f].categories.assign(categories[f].begin(), categories[f].end());
    if (features[f].categorical) finish_categories(features[f]);
  }
  set_columns(features);
  if (y.empty()) throw Error(path_ + ": no rows left after dropping those with missing values");
  const auto width = static_cast<int64_t>(column_names_.size());
  const auto reader = row_reader(features, checker->target());
  const auto records = std::make_shared<const std::vector<int64_t>>(std::move(kept));
  const auto decode = [file, index, records, reader, width](int64_t item) {
    const auto record = static_cast<size_t>((*records)[static_cast<size_t>(item)]);
    const auto cells = formats::read_csv_record(*file, *index, record);
    std::vector<double> x, target;
    reader.read({index->table.header, cells, index->table.lines[record]}, x, target);
    return torch::tensor(x, torch::kFloat64).view({width});
  };
  lazy_transforms_ = std::make_shared<std::vector<ColumnTransform>>(static_cast<size_t>(width));
  const auto transforms = lazy_transforms_;
  const auto finish = [transforms](const torch::Tensor& rows) {  // float64 [B, width] -> float32
    auto out = rows.contiguous().clone();
    double* data = out.data_ptr<double>();
    const auto width = static_cast<int64_t>(transforms->size());
    for (int64_t i = 0; i < out.numel(); ++i) data[i] = (*transforms)[static_cast<size_t>(i % width)].apply(data[i]);
    return out.to(torch::kFloat32);
  };
  const auto n = static_cast<int64_t>(records->size());
  const auto all = LazyExamples::create(n, decode, {width}, torch::kFloat64, read_.cache_bytes, finish);
  const TensorData rows{torch::Tensor(), torch::tensor(y, torch::kFloat64).to(torch::kFloat32).view({n, 1}), all};
  std::tie(out.train, out.test) = split_off(rows, test_fraction_, split_seed_);
  return out;
}

// Each numeric column's training values, read in chunks (one column in memory at a time),
// fitted as fit_on_train fits the in-memory table's.
void CsvSource::fit_lazily(const TensorData& train) {
  const auto& rows = dynamic_cast<const LazyExamples&>(*train.lazy);
  constexpr int64_t kChunk = 4096;
  for (size_t j = 0; j < numeric_.size(); ++j) {
    if (!numeric_[j]) continue;
    std::vector<double> values;
    values.reserve(static_cast<size_t>(train.size()));
    for (int64_t first = 0; first < train.size(); first += kChunk) {
      const auto chunk = rows.gather_raw(torch::arange(first, std::min(train.size(), first + kChunk), torch::kLong));
      const auto column = chunk.select(1, static_cast<int64_t>(j)).contiguous();
      values.insert(values.end(), column.data_ptr<double>(), column.data_ptr<double>() + column.numel());
    }
    (*lazy_transforms_)[j] = fit_column(std::move(values), j);
  }
}

}  // namespace modlr::csv_source
