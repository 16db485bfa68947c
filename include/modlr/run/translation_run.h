#pragma once
/// Translation of new text with a trained checkpoint, as `modlr translate` does it: the
/// configured model (a Seq2SeqModel) and loss (`translation`, whose `search` section says
/// greedy or beam), the weights of the checkpoint, and the tokenizer and vocabularies of the
/// config's parallel_text dataset (rebuilt from its training split).
#include <iosfwd>
#include <string>
#include <vector>

namespace modlr {

struct TranslateRequest {
  std::string config;                  ///< the config the checkpoint was trained with
  std::vector<std::string> overrides;  ///< "section.key=value" (loss.search.beam=5, ...)
  std::string checkpoint;              ///< weights: .pt (modlr's) or .safetensors
  int64_t batch_size = 64;             ///< sentences translated together
  bool detokenize = false;             ///< text::detokenize the output words (for sacreBLEU)
};

/// Reads sentences from `in`, one per line (UTF-8), and writes each one's translation to
/// `out`, one line per input line and in order: the target words joined by single spaces,
/// or detokenised (text::detokenize) with `detokenize` (<unk> for a word outside the
/// vocabulary); a line without words gives an empty line. Throws modlr::Error naming the input line for
/// invalid UTF-8 or a sentence longer than the model's max_length, naming the file when a
/// vocab.<language>.txt beside the checkpoint (its run record) differs from the rebuilt
/// vocabulary, and naming the key when the config is not a translation experiment.
void translate_lines(const TranslateRequest& request, std::istream& in, std::ostream& out);

}  // namespace modlr
