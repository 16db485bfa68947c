// Corpus BLEU: hand-counted cases, and PyPI sacrebleu's own numbers (score, n-gram counts,
// lengths, 13a tokenisation) on edge cases and on Multi30k's validation references against
// a deterministic corruption of themselves.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <fstream>

#include "modlr/core/error.h"
#include "modlr/formats/file_bytes.h"
#include "modlr/formats/parallel_text.h"
#include "modlr/metrics/bleu.h"
#include "test_support.h"

namespace mt = modlr::testing;

namespace {

bool sacrebleu_available() {
  static const bool available = mt::run_command(mt::python() + " -c 'import sacrebleu'").exit_code == 0;
  return available;
}

void write_lines(const std::string& path, const std::vector<std::string>& lines) {
  std::string text;
  for (const auto& line : lines) text += line + "\n";
  mt::write_text(path, text);
}

// Compares with sacrebleu on the same segments: statistics exactly, the score to 1e-9.
void expect_as_sacrebleu(const std::vector<std::string>& hypotheses, const std::vector<std::string>& references,
                         modlr::bleu::Tokenize tokenize) {
  mt::TempDir dir;
  write_lines(dir.file("h.txt"), hypotheses);
  write_lines(dir.file("r.txt"), references);
  const auto run =
      mt::run_command(mt::python() + " " MODLR_SOURCE_DIR "/tests/metrics/bleu_reference.py " + dir.file("h.txt") +
                      " " + dir.file("r.txt") + (tokenize == modlr::bleu::Tokenize::none ? " none" : " 13a"));
  ASSERT_EQ(run.exit_code, 0) << run.err;
  const auto expected = nlohmann::json::parse(run.out);
  const auto score = modlr::bleu::corpus_bleu(hypotheses, references, tokenize);
  EXPECT_NEAR(score.score, expected["score"].get<double>(), 1e-9);
  EXPECT_NEAR(score.brevity_penalty, expected["bp"].get<double>(), 1e-12);
  EXPECT_EQ(score.system_length, expected["sys_len"].get<int64_t>());
  EXPECT_EQ(score.reference_length, expected["ref_len"].get<int64_t>());
  for (size_t n = 0; n < 4; ++n) {
    EXPECT_EQ(score.correct[n], expected["counts"][n].get<int64_t>()) << "n = " << n + 1;
    EXPECT_EQ(score.total[n], expected["totals"][n].get<int64_t>()) << "n = " << n + 1;
  }
  if (tokenize == modlr::bleu::Tokenize::thirteen_a) {
    for (size_t i = 0; i < hypotheses.size(); ++i) {
      EXPECT_EQ(modlr::bleu::tokenize_13a(hypotheses[i]), expected["tokenized"][i].get<std::string>()) << hypotheses[i];
    }
  }
}

}  // namespace

TEST(Bleu, HandCountedCorpus) {
  EXPECT_DOUBLE_EQ(modlr::bleu::corpus_bleu({"a cat sat on the mat ."}, {"a cat sat on the mat ."}).score, 100.0);
  // "the cat the cat" vs "the cat sat": unigrams the,cat,the,cat clip to 2 of 4; bigrams
  // "the cat" x2 clip to 1 of 3; no trigram (0 of 2, smoothed 100/(2*2)) nor 4-gram (0 of
  // 1, 100/(4*1)); 4 tokens >= 3, no brevity penalty.
  const auto s = modlr::bleu::corpus_bleu({"the cat the cat"}, {"the cat sat"}, modlr::bleu::Tokenize::none);
  EXPECT_EQ(s.correct, (std::array<int64_t, 4>{2, 1, 0, 0}));
  EXPECT_EQ(s.total, (std::array<int64_t, 4>{4, 3, 2, 1}));
  EXPECT_NEAR(s.score, std::exp((std::log(50.0) + std::log(100.0 / 3) + std::log(25.0) + std::log(25.0)) / 4), 1e-12);
  EXPECT_EQ(modlr::bleu::corpus_bleu({"x y"}, {"a b c"}).score, 0.0);
  EXPECT_EQ(modlr::bleu::tokenize_13a("He said: \"3.5-4 km, (roughly)\"."),
            "He said : \" 3.5 - 4 km , ( roughly ) \" .");
  EXPECT_THROW(modlr::bleu::corpus_bleu({"a"}, {}), modlr::Error);
}

TEST(Bleu, EdgeCasesAsSacrebleu) {
  if (!sacrebleu_available()) GTEST_SKIP() << mt::python() << " has no sacrebleu (scripts/setup.sh)";
  const std::vector<std::string> hypotheses = {
      "A man &quot;runs&quot; &amp; jumps &lt;fast&gt;.",
      "Prices rose 1,000.5 points, i.e. 3-4 % in 2019-20...",
      "Zwei\u00a0Männer\u2003spielen\u3000Fußball.  ",
      "It's the dog's <skipped> ball - isn't it?",
      "",
      "{braces} [brackets] `tick` ~tilde~ |pipe| ^caret^ _under_ @at# $dollar% *star+ =eq; /slash\\",
      "a. b, c.d e,f 1.a a.1 -1 1- x-y",
  };
  const std::vector<std::string> references = {
      "A man \"runs\" & jumps <fast>.",
      "Prices rose 1,000.5 points, i.e. 3 - 4 % in 2019-20.",
      "Zwei Männer spielen Fußball.",
      "It is the dog's ball, isn't it?",
      "nothing",
      "{braces} [brackets] tick ~tilde~ |pipe| ^caret^ _under_ @at# $dollar% *star+ =eq; /slash\\",
      "a. b, c.d e,f 1.a a.1 -1 1- x - y",
  };
  expect_as_sacrebleu(hypotheses, references, modlr::bleu::Tokenize::thirteen_a);
  expect_as_sacrebleu(hypotheses, references, modlr::bleu::Tokenize::none);
}

TEST(Bleu, Multi30kValidationAsSacrebleu) {
  const std::string file = MODLR_SOURCE_DIR "/../shared/data/multi30k/val.en.gz";
  if (!mt::exists(file)) GTEST_SKIP() << "no " << file;
  if (!sacrebleu_available()) GTEST_SKIP() << mt::python() << " has no sacrebleu (scripts/setup.sh)";
  const auto bytes = modlr::formats::read_file_bytes(file);
  const auto references = modlr::formats::parse_text_lines(std::string(bytes.begin(), bytes.end()), file, false);
  // Every 3rd word dropped, every 5th sentence cut in half, every 7th left as it is.
  std::vector<std::string> hypotheses;
  for (size_t i = 0; i < references.size(); ++i) {
    const auto words = modlr::bleu::split_whitespace(references[i]);
    std::string h;
    const size_t keep = i % 5 == 0 ? words.size() / 2 : words.size();
    for (size_t w = 0; w < keep; ++w)
      if (i % 7 == 0 || w % 3 != 2) h += (h.empty() ? "" : " ") + words[w];
    hypotheses.push_back(h);
  }
  expect_as_sacrebleu(hypotheses, references, modlr::bleu::Tokenize::thirteen_a);
}
