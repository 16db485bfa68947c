#pragma once
/// Your own texts from code: the text_folder and text_lines sources (src/dataset/
/// text_sources.cpp lists their config keys, which fill these same structs). Inputs int64
/// token ids [N, encoding.max_length]; targets int64 [N]; the classes are the training
/// data's, sorted bytewise.
#include <memory>
#include <string>

#include "modlr/core/option_keys.h"
#include "modlr/dataset/dataset.h"
#include "modlr/dataset/read_options.h"
#include "modlr/dataset/text_encoding.h"

namespace modlr {

/// <root>/<class>/<file>.txt trees, one text per file.
struct TextFolderOptions {
  std::string train_path, test_path;  ///< required; the classes are train_path's subfolders
  TextEncodingOptions encoding;
  int64_t vocabulary_limit = 0;          ///< the vocabulary from the first N training texts (0 = all; dataset.limit)
  ReadOptions read;                      ///< dataset.cache (texts in memory, or read per batch)
  OptionKeys keys{"TextFolderOptions"};  ///< what errors found while loading name
  static TextFolderOptions from_config(const Config& section);
};

/// One text per row of a CSV file (raw or gzipped), with a label column.
struct TextLinesOptions {
  std::string train_path, test_path;  ///< required
  std::string text = "text";          ///< the column holding the text
  std::string label = "label";        ///< the column holding the class name
  TextEncodingOptions encoding;
  int64_t vocabulary_limit = 0;
  formats::DecodeLimits decode_limits;
  ReadOptions read;  ///< dataset.cache and unpack_dir
  OptionKeys keys{"TextLinesOptions"};
  static TextLinesOptions from_config(const Config& section);
};

/// Throw modlr::Error naming the field for a missing path or a text column that is also
/// the label column.
std::unique_ptr<DataSource> make_text_folder_source(TextFolderOptions options);
std::unique_ptr<DataSource> make_text_lines_source(TextLinesOptions options);

}  // namespace modlr
