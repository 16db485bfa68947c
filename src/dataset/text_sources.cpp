// Your own texts: text_folder (one file per example, <root>/<class>/<file>.txt, the aclImdb
// layout generalised) and text_lines (one example per row of a CSV file, with a label
// column). Both encode through dataset/text_encoding.h: a vocabulary from the training
// texts only, ids cut or padded to max_length.
//
// Config (dataset section):
//   name: text_folder
//   train_path: DIR, test_path: DIR   # classes = train_path's subfolders, sorted; files
//                                     # *.txt (any case) in name order, valid UTF-8
//   cache: memory                     # memory | none | N (MB): texts read and tokenised per
//                                     # batch (lazy_files.h), after one checking pass
//   name: text_lines
//   train_path: FILE, test_path: FILE # CSV (formats/csv.h), raw or gzipped
//   text: text                        # the column holding the text
//   label: label                      # the column holding the class name; the classes are
//                                     # the training file's distinct labels, sorted bytewise
//   both: max_size, min_freq, max_length, keep (text_encoding.h)
// Inputs int64 token ids [N, max_length]; targets int64 [N]; the class names go to the
// run record. `limit` (the Dataset key) also limits the texts the vocabulary is built on.
#include <algorithm>

#include "class_folders.h"
#include "lazy_files.h"
#include "modlr/dataset/dataset.h"
#include "modlr/dataset/text_encoding.h"
#include "modlr/formats/csv.h"
#include "modlr/formats/sha256.h"

namespace modlr {
namespace {

void require_utf8(const std::string& text, const std::string& where) {
  const auto bad = text::invalid_utf8_offset(text);
  if (bad != std::string::npos)
    throw Error(where + ": not UTF-8 text (invalid byte at offset " + std::to_string(bad) + ")");
}

class TextFolderSource : public DataSource {
 public:
  explicit TextFolderSource(const Config& c)
      : config_(c),
        train_path_(c.get<std::string>("train_path")),
        test_path_(c.get<std::string>("test_path")),
        encoding_(TextEncodingOptions::from_config(c)),
        limit_(c.get_count("limit", 0, /*allow_zero=*/true)),
        cache_bytes_(read_cache_option(c)) {}

  SourceData load() override {
    SourceData out;
    const auto is_text = [](const std::string& name) { return has_extension(name, {"txt"}); };
    const auto train_files = list_class_folders(config_, "train_path", train_path_, is_text, ".txt files", out.class_names);
    const auto test_files = list_class_folders(config_, "test_path", test_path_, is_text, ".txt files", out.class_names);
    if (cache_bytes_ >= 0) return load_lazily(train_files, test_files, std::move(out));
    const auto train = read(train_path_, train_files, out);
    const auto test = read(test_path_, test_files, out);
    encode_texts(train, vocabulary_texts(train.size(), limit_), test, encoding_, train_path_, out);
    return out;
  }

 private:
  // The texts of the tree at `root`; records the tree's fingerprint.
  std::vector<LabelledText> read(const std::string& root, const std::vector<ClassFile>& files, SourceData& out) const {
    std::vector<LabelledText> texts;
    std::vector<std::string> digests;
    for (const auto& file : files) {
      auto bytes = read_whole_file(file.path);
      require_utf8(bytes, file.path);
      digests.push_back(formats::sha256_hex_bytes(bytes));
      texts.push_back({file.path, file.label, std::move(bytes)});
    }
    out.files.push_back({root, tree_manifest_sha256(root, files, digests)});
    return texts;
  }

  // One pass over every file (fingerprints, UTF-8 and token checks, the training words),
  // keeping no text; the ids are made again per batch (LazyFiles).
  SourceData load_lazily(const std::vector<ClassFile>& train, const std::vector<ClassFile>& test, SourceData out) const {
    text::WordCounts counts;
    const size_t counted = vocabulary_texts(train.size(), limit_);
    std::vector<std::string> paths;
    std::vector<int64_t> labels;
    for (const auto* files : {&train, &test}) {
      const auto& root = files == &train ? train_path_ : test_path_;
      std::vector<std::string> digests;
      for (size_t i = 0; i < files->size(); ++i) {
        const auto& file = (*files)[i];
        const auto bytes = read_whole_file(file.path);
        require_utf8(bytes, file.path);
        const auto tokens = text::tokenize(bytes);
        if (tokens.empty()) throw Error(file.path + " has no tokens (only spaces and <br />)");
        if (files == &train && i < counted) text::count_words(tokens, counts);
        digests.push_back(formats::sha256_hex_bytes(bytes));
        paths.push_back(file.path);
        labels.push_back(file.label);
      }
      out.files.push_back({root, tree_manifest_sha256(root, *files, digests)});
    }
    auto vocabulary = std::make_shared<const text::Vocabulary>(text::Vocabulary::build(counts, encoding_.max_size, encoding_.min_freq));
    out.artifacts.emplace_back("vocab.txt", vocabulary->to_text());
    const auto options = encoding_;
    const auto decode = [vocabulary, options](const std::string& path) {
      const auto tokens = text::tokenize(read_whole_file(path));
      auto row = torch::empty({options.max_length}, torch::kLong);
      text::encode(tokens, *vocabulary, options.max_length, options.keep, row.data_ptr<int64_t>());
      return row;
    };
    const auto all = LazyFiles::create(paths, decode, {options.max_length}, torch::kLong, cache_bytes_,
                                       [](const torch::Tensor& rows) { return rows; });
    const auto targets = torch::tensor(labels, torch::kInt64);
    const auto n_train = static_cast<int64_t>(train.size()), n_test = static_cast<int64_t>(test.size());
    const auto train_rows = torch::arange(n_train, torch::kLong), test_rows = torch::arange(n_train, n_train + n_test, torch::kLong);
    out.train = {torch::Tensor(), targets.index_select(0, train_rows), all->select(train_rows)};
    out.test = {torch::Tensor(), targets.index_select(0, test_rows), all->select(test_rows)};
    return out;
  }

  Config config_;
  std::string train_path_, test_path_;
  TextEncodingOptions encoding_;
  int64_t limit_;
  int64_t cache_bytes_;  ///< dataset.cache: -1 = memory
};

class TextLinesSource : public DataSource {
 public:
  explicit TextLinesSource(const Config& c)
      : config_(c),
        train_path_(c.get<std::string>("train_path")),
        test_path_(c.get<std::string>("test_path")),
        text_column_(c.get<std::string>("text", "text")),
        label_column_(c.get<std::string>("label", "label")),
        encoding_(TextEncodingOptions::from_config(c)),
        limit_(c.get_count("limit", 0, /*allow_zero=*/true)),
        decode_limits_(decode_limits(c)) {
    if (text_column_ == label_column_) c.fail("label", "names the text column '" + text_column_ + "' too");
  }

  SourceData load() override {
    SourceData out;
    const auto train = read(train_path_, out.class_names, true);
    const auto test = read(test_path_, out.class_names, false);
    encode_texts(train, vocabulary_texts(train.size(), limit_), test, encoding_, train_path_, out);
    for (const auto& path : {train_path_, test_path_}) out.files.push_back({path, formats::sha256_file_hex(path)});
    return out;
  }

 private:
  // With `define`, the classes become the file's distinct labels, sorted; otherwise every
  // label must be one of them.
  std::vector<LabelledText> read(const std::string& path, std::vector<std::string>& classes, bool define) const {
    const auto table = formats::read_csv(path, decode_limits_);
    if (table.rows.empty()) throw Error(path + ": a header but no rows");
    const size_t text = formats::require_column(table, text_column_, path, config_.path("text"));
    const size_t label = formats::require_column(table, label_column_, path, config_.path("label"));
    if (define) {
      for (const auto& row : table.rows) classes.push_back(row[label]);
      std::sort(classes.begin(), classes.end());
      classes.erase(std::unique(classes.begin(), classes.end()), classes.end());
    }
    std::vector<LabelledText> texts;
    for (size_t r = 0; r < table.rows.size(); ++r) {
      const auto where = path + ": line " + std::to_string(table.lines[r]);
      const auto& row = table.rows[r];
      const auto found = std::find(classes.begin(), classes.end(), row[label]);
      if (found == classes.end())
        throw Error(where + ": label " + formats::quote_cell(row[label]) + " does not occur in " + config_.path("train_path"));
      require_utf8(row[text], where);
      texts.push_back({"line " + std::to_string(table.lines[r]), found - classes.begin(), row[text]});
    }
    return texts;
  }

  Config config_;
  std::string train_path_, test_path_, text_column_, label_column_;
  TextEncodingOptions encoding_;
  int64_t limit_;
  formats::DecodeLimits decode_limits_;
};

}  // namespace

MODLR_REGISTER(data_source_registry, "text_folder", [](const Config& c) -> std::unique_ptr<DataSource> {
  return std::make_unique<TextFolderSource>(c);
});
MODLR_REGISTER(data_source_registry, "text_lines", [](const Config& c) -> std::unique_ptr<DataSource> {
  return std::make_unique<TextLinesSource>(c);
});

}  // namespace modlr
