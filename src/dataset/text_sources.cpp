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
//                                     # batch (lazy_texts.h), after one checking pass
//   name: text_lines
//   train_path: FILE, test_path: FILE # CSV (formats/csv.h), raw or gzipped
//   cache: memory, unpack_dir         # cache: none | N (MB): each record read again at its
//                                     # offset per batch (a .gz is unpacked into unpack_dir)
//   text: text                        # the column holding the text
//   label: label                      # the column holding the class name; the classes are
//                                     # the training file's distinct labels, sorted bytewise
//   both: max_size, min_freq, max_length, keep (text_encoding.h)
// Inputs int64 token ids [N, max_length]; targets int64 [N]; the class names go to the
// run record. `limit` (the Dataset key) also limits the texts the vocabulary is built on.
#include <algorithm>

#include "class_folders.h"
#include "lazy_examples.h"
#include "lazy_texts.h"
#include "modlr/dataset/dataset.h"
#include "modlr/dataset/text_encoding.h"
#include "modlr/dataset/text_sources.h"
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
  // cppcheck-suppress passedByValue ; a sink: its strings and vectors are moved into members
  explicit TextFolderSource(TextFolderOptions o)
      : config_(std::move(o.keys)),
        train_path_(std::move(o.train_path)),
        test_path_(std::move(o.test_path)),
        encoding_(o.encoding),
        limit_(o.vocabulary_limit),
        read_(std::move(o.read)) {}

  std::optional<ExampleShape> example_shape() const override {
    return ExampleShape{{encoding_.max_length}, torch::kInt64};
  }

  SourceData load() override {
    SourceData out;
    const auto is_text = [](const std::string& name) { return has_extension(name, {"txt"}); };
    const auto train_files =
        list_class_folders(config_, "train_path", train_path_, is_text, ".txt files", out.class_names);
    const auto test_files =
        list_class_folders(config_, "test_path", test_path_, is_text, ".txt files", out.class_names);
    if (read_.per_batch()) return load_lazily(train_files, test_files, std::move(out));
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
  // keeping no text; the ids are made again per batch (lazy_texts.h).
  SourceData load_lazily(const std::vector<ClassFile>& train, const std::vector<ClassFile>& test,
                         SourceData out) const {
    auto files = std::make_shared<std::vector<ClassFile>>(train);
    files->insert(files->end(), test.begin(), test.end());
    LazyTextSet texts;
    texts.train_count = static_cast<int64_t>(train.size());
    for (const auto& file : *files) texts.labels.push_back(file.label);
    texts.read = [files](int64_t item) { return read_whole_file((*files)[static_cast<size_t>(item)].path); };
    texts.name = [files](int64_t item) { return (*files)[static_cast<size_t>(item)].path; };
    std::vector<std::string> digests;
    const auto fingerprint = [&](int64_t item, const std::string& bytes) {
      digests.push_back(formats::sha256_hex_bytes(bytes));
      if (item + 1 != texts.train_count) return;
      out.files.push_back({train_path_, tree_manifest_sha256(train_path_, train, digests)});
      digests.clear();
    };
    encode_texts_lazily(texts, vocabulary_texts(train.size(), limit_), encoding_, read_.cache_bytes, fingerprint, out);
    out.files.push_back({test_path_, tree_manifest_sha256(test_path_, test, digests)});
    return out;
  }

  OptionKeys config_;  ///< names the options in errors
  std::string train_path_, test_path_;
  TextEncodingOptions encoding_;
  int64_t limit_;
  ReadOptions read_;  ///< dataset.cache
};

class TextLinesSource : public DataSource {
 public:
  // cppcheck-suppress passedByValue ; a sink: its strings and vectors are moved into members
  explicit TextLinesSource(TextLinesOptions o)
      : config_(std::move(o.keys)),
        train_path_(std::move(o.train_path)),
        test_path_(std::move(o.test_path)),
        text_column_(std::move(o.text)),
        label_column_(std::move(o.label)),
        encoding_(o.encoding),
        limit_(o.vocabulary_limit),
        decode_limits_(o.decode_limits),
        read_(std::move(o.read)) {}

  std::optional<ExampleShape> example_shape() const override {
    return ExampleShape{{encoding_.max_length}, torch::kInt64};
  }

  SourceData load() override {
    SourceData out;
    if (read_.per_batch()) return load_lazily(std::move(out));
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
        throw Error(where + ": label " + formats::quote_cell(row[label]) + " does not occur in " +
                    config_.path("train_path"));
      require_utf8(row[text], where);
      texts.push_back({"line " + std::to_string(table.lines[r]), found - classes.begin(), row[text]});
    }
    return texts;
  }

  // A file's records found (not kept), each record's text read again per batch.
  struct IndexedFile {
    std::shared_ptr<const formats::SeekableFile> file;
    formats::CsvIndex index;
    size_t text = 0;
  };

  // Indexes `path`; with `define`, the classes become its distinct labels, sorted; otherwise
  // every label must be one of them. Appends each record's class to `labels`.
  IndexedFile index_lazily(const std::string& path, const std::string& sha256, std::vector<std::string>& classes,
                           bool define, std::vector<int64_t>& labels) const {
    IndexedFile indexed;
    indexed.file = formats::SeekableFile::open(path, sha256, read_.unpack_dir, decode_limits_);
    size_t text = 0, label = 0;
    std::vector<std::string> seen;  // define: labels by first appearance, remapped once sorted
    const auto first = labels.size();
    const auto visit = [&](const formats::CsvTable& table, const std::vector<std::string>& fields, size_t record) {
      if (record == 0) {
        text = formats::require_column(table, text_column_, path, config_.path("text"));
        label = formats::require_column(table, label_column_, path, config_.path("label"));
      }
      const auto& name = fields[label];
      auto& names = define ? seen : classes;
      const auto found = std::find(names.begin(), names.end(), name);
      if (found == names.end() && !define)
        throw Error(path + ": line " + std::to_string(table.lines[record]) + ": label " + formats::quote_cell(name) +
                    " does not occur in " + config_.path("train_path"));
      if (found == names.end()) seen.push_back(name);
      labels.push_back(std::find(names.begin(), names.end(), name) - names.begin());
    };
    indexed.index = formats::index_csv(*indexed.file, visit);
    if (indexed.index.size() == 0) throw Error(path + ": a header but no rows");
    if (define) {
      classes = seen;
      std::sort(classes.begin(), classes.end());
      for (auto i = first; i < labels.size(); ++i)
        labels[i] = std::find(classes.begin(), classes.end(), seen[static_cast<size_t>(labels[i])]) - classes.begin();
    }
    indexed.text = text;
    return indexed;
  }

  // One pass per file finds the records, one more checks and counts their texts; each text
  // is read again (and tokenised) when a batch needs it.
  SourceData load_lazily(SourceData out) const {
    for (const auto& path : {train_path_, test_path_}) out.files.push_back({path, formats::sha256_file_hex(path)});
    LazyTextSet texts;
    auto files = std::make_shared<std::vector<IndexedFile>>();
    files->push_back(index_lazily(train_path_, out.files[0].sha256, out.class_names, true, texts.labels));
    files->push_back(index_lazily(test_path_, out.files[1].sha256, out.class_names, false, texts.labels));
    texts.train_count = static_cast<int64_t>((*files)[0].index.size());
    const auto locate = [files](int64_t item) -> std::pair<const IndexedFile*, size_t> {
      const auto n_train = static_cast<int64_t>((*files)[0].index.size());
      return item < n_train ? std::make_pair(&(*files)[0], static_cast<size_t>(item))
                            : std::make_pair(&(*files)[1], static_cast<size_t>(item - n_train));
    };
    texts.read = [locate](int64_t item) {
      const auto [indexed, record] = locate(item);
      return formats::read_csv_record(*indexed->file, indexed->index, record)[indexed->text];
    };
    texts.name = [locate](int64_t item) {
      const auto [indexed, record] = locate(item);
      return indexed->file->path() + ": line " + std::to_string(indexed->index.table.lines[record]);
    };
    encode_texts_lazily(texts, vocabulary_texts(static_cast<size_t>(texts.train_count), limit_), encoding_,
                        read_.cache_bytes, nullptr, out);
    return out;
  }

  OptionKeys config_;  ///< names the options in errors
  std::string train_path_, test_path_, text_column_, label_column_;
  TextEncodingOptions encoding_;
  int64_t limit_;
  formats::DecodeLimits decode_limits_;
  ReadOptions read_;  ///< dataset.cache and unpack_dir
};

}  // namespace

TextFolderOptions TextFolderOptions::from_config(const Config& section) {
  TextFolderOptions o;
  o.keys = OptionKeys(section);
  o.train_path = section.get<std::string>("train_path");
  o.test_path = section.get<std::string>("test_path");
  o.encoding = TextEncodingOptions::from_config(section);
  o.vocabulary_limit = section.get_count("limit", 0, /*allow_zero=*/true);
  o.read = ReadOptions::from_config(section, /*unpacks=*/false);
  return o;
}

TextLinesOptions TextLinesOptions::from_config(const Config& section) {
  TextLinesOptions o;
  o.keys = OptionKeys(section);
  o.train_path = section.get<std::string>("train_path");
  o.test_path = section.get<std::string>("test_path");
  o.text = section.get<std::string>("text", o.text);
  o.label = section.get<std::string>("label", o.label);
  o.encoding = TextEncodingOptions::from_config(section);
  o.vocabulary_limit = section.get_count("limit", 0, /*allow_zero=*/true);
  o.decode_limits = modlr::decode_limits(section);
  o.read = ReadOptions::from_config(section);
  return o;
}

namespace {

void require_paths(const OptionKeys& keys, const std::string& train_path, const std::string& test_path) {
  if (train_path.empty()) keys.fail("train_path", "names no file or folder");
  if (test_path.empty()) keys.fail("test_path", "names no file or folder");
}

}  // namespace

std::unique_ptr<DataSource> make_text_folder_source(TextFolderOptions o) {
  require_paths(o.keys, o.train_path, o.test_path);
  return std::make_unique<TextFolderSource>(std::move(o));
}

std::unique_ptr<DataSource> make_text_lines_source(TextLinesOptions o) {
  require_paths(o.keys, o.train_path, o.test_path);
  if (o.text == o.label) o.keys.fail("label", "names the text column '" + o.text + "' too");
  return std::make_unique<TextLinesSource>(std::move(o));
}

MODLR_REGISTER(data_source_registry, "text_folder", [](const Config& c) -> std::unique_ptr<DataSource> {
  return make_text_folder_source(TextFolderOptions::from_config(c));
});
MODLR_REGISTER(data_source_registry, "text_lines", [](const Config& c) -> std::unique_ptr<DataSource> {
  return make_text_lines_source(TextLinesOptions::from_config(c));
});

}  // namespace modlr
