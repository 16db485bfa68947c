// Translation of new text (run/translation_run.h).
#include "modlr/run/translation_run.h"

#include <filesystem>
#include <iostream>

#include "modlr/core/text.h"
#include "modlr/dataset/parallel_text_source.h"
#include "modlr/formats/file_bytes.h"
#include "modlr/loss/translation.h"
#include "modlr/runner/experiment.h"
#include "modlr/tracking/checkpoint.h"

namespace modlr {
namespace {

// The run record of a checkpoint keeps the vocabularies it was trained with: the checkpoint's
// folder or the one above (runs/<experiment>/<run>/checkpoints/...). A differing one means
// the data changed since, and the ids would mean other words.
void check_recorded_vocabulary(const std::string& checkpoint, const std::string& language,
                               const text::Vocabulary& rebuilt) {
  namespace fs = std::filesystem;
  const auto folder = fs::path(checkpoint).parent_path();
  for (const auto& dir : {folder, folder.parent_path()}) {
    const auto file = dir / ("vocab." + language + ".txt");
    if (!fs::exists(file)) continue;
    const auto recorded = formats::read_file_raw(file.string());
    if (std::string(recorded.begin(), recorded.end()) != rebuilt.to_text())
      throw Error(file.string() + ": the checkpoint's vocabulary differs from the one the config's data gives now " +
                  "(the data files or dataset keys changed since training)");
    return;
  }
}

std::vector<int64_t> sentence_ids(const std::string& line, size_t number, const TranslationVocabularies& v,
                                  int64_t max_length) {
  if (!is_valid_utf8(line)) throw Error("stdin: line " + std::to_string(number) + ": not valid UTF-8");
  std::vector<int64_t> ids{TranslationTokens::kBos};
  for (const auto& token : text::tokenize(line, v.tokenizer)) ids.push_back(v.source.id(token));
  ids.push_back(TranslationTokens::kEos);
  if (static_cast<int64_t>(ids.size()) > max_length)
    throw Error("stdin: line " + std::to_string(number) + ": " + std::to_string(ids.size()) +
                " tokens with <bos> and <eos>, more than model.max_length = " + std::to_string(max_length));
  return ids;
}

// Rows of ids, right-padded with 0 into int64 [N, longest].
torch::Tensor padded(const std::vector<std::vector<int64_t>>& rows) {
  size_t longest = 1;
  for (const auto& row : rows) longest = std::max(longest, row.size());
  auto out = torch::zeros({static_cast<int64_t>(rows.size()), static_cast<int64_t>(longest)}, torch::kInt64);
  for (size_t i = 0; i < rows.size(); ++i)
    std::copy(rows[i].begin(), rows[i].end(), out.data_ptr<int64_t>() + i * longest);
  return out;
}

// The words of output ids, up to <eos>, as tokens joined by spaces or as detokenised text.
std::string words_of(const torch::Tensor& row, const text::Vocabulary& target, bool detokenize) {
  std::vector<std::string> words;
  for (int64_t i = 0; i < row.size(0); ++i) {
    const int64_t id = row[i].item<int64_t>();
    if (id == TranslationTokens::kEos) break;
    if (id != TranslationTokens::kBos && id != TranslationTokens::kPad) words.push_back(target.word(id));
  }
  if (detokenize) return text::detokenize(words);
  std::string line;
  for (const auto& word : words) line += (line.empty() ? "" : " ") + word;
  return line;
}

}  // namespace

void translate_lines(const TranslateRequest& request, std::istream& in, std::ostream& out) {
  Experiment experiment(Config::load(request.config, request.overrides));
  const auto* loss = dynamic_cast<const TranslationLoss*>(&experiment.loss());
  if (!loss) experiment.config().section("loss").fail("name", "modlr translate needs the translation loss");
  auto& model = seq2seq_model(experiment.models());
  const auto dataset = experiment.config().section("dataset");
  if (dataset.get<std::string>("name", "") != "parallel_text")
    dataset.fail("name", "modlr translate needs a parallel_text data set (its tokenizer and vocabularies)");
  const auto options = ParallelTextOptions::from_config(dataset);
  const auto vocabularies = translation_vocabularies(options);
  check_recorded_vocabulary(request.checkpoint, options.source_language, vocabularies.source);
  check_recorded_vocabulary(request.checkpoint, options.target_language, vocabularies.target);
  load_weights(experiment.models(), request.checkpoint);
  model.eval();
  const auto device = experiment.runner_options().device;
  model.to(device);
  const c10::InferenceMode inference;
  // A line without tokens translates to an empty line, without the model.
  std::vector<std::vector<int64_t>> batch;
  const auto flush = [&] {
    std::vector<std::vector<int64_t>> sentences;
    for (const auto& ids : batch)
      if (ids.size() > 2) sentences.push_back(ids);
    torch::Tensor translation;
    if (!sentences.empty()) translation = search(model, padded(sentences).to(device), loss->options().search).cpu();
    int64_t next = 0;
    for (const auto& ids : batch)
      out << (ids.size() > 2 ? words_of(translation[next++], vocabularies.target, request.detokenize) : "") << "\n";
    out.flush();
    batch.clear();
  };
  std::string line;
  for (size_t number = 1; std::getline(in, line); ++number) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    batch.push_back(sentence_ids(line, number, vocabularies, model.max_length()));
    if (static_cast<int64_t>(batch.size()) >= request.batch_size) flush();
  }
  flush();
}

}  // namespace modlr
