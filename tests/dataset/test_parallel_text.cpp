// The parallel_text source: line-aligned files (CRLF, last line, UTF-8, empty lines), the
// translation tokenizer's case rules, vocabularies with special tokens, and Multi30k read
// end to end with its counts, lengths and vocabulary sizes pinned against an independent
// Python implementation of the documented rules; bad input is one line naming file and line.
#include <gtest/gtest.h>

#include "modlr/core/error.h"
#include "modlr/dataset/parallel_text_source.h"
#include "modlr/formats/parallel_text.h"
#include "test_support.h"

namespace mt = modlr::testing;

namespace {

const std::string kMulti30k = MODLR_SOURCE_DIR "/../shared/data/multi30k";

modlr::Dataset multi30k(const std::string& extra_yaml = "") {
  return modlr::Dataset(modlr::Config::parse("dataset:\n  name: parallel_text\n  path: " + kMulti30k +
                                                 "\n  source_language: de\n  target_language: en\n"
                                                 "  test: test_2016_flickr\n  validation_split: val\n"
                                                 "  extra_tests: [test_2017_flickr, test_2018_flickr]\n" +
                                                 extra_yaml,
                                             "t.yaml")
                            .section("dataset"),
                        1);
}

}  // namespace

TEST(ParallelText, LinesCrlfLastLineAndErrorsNameFileAndLine) {
  using modlr::formats::parse_text_lines;
  EXPECT_EQ(parse_text_lines("a b\r\nc\n", "f", false), (std::vector<std::string>{"a b", "c"}));
  EXPECT_EQ(parse_text_lines("a\nb", "f", false), (std::vector<std::string>{"a", "b"}));
  EXPECT_EQ(parse_text_lines("a\n\nb\n", "f", true), (std::vector<std::string>{"a", "", "b"}));
  EXPECT_TRUE(parse_text_lines("", "f", false).empty());
  EXPECT_EQ(mt::error_message([] { parse_text_lines("a\n \t\nb\n", "x.de", false); }),
            "x.de: line 2: empty line (every line must hold a sentence; dataset.allow_empty_lines: true keeps them)");
  EXPECT_EQ(mt::error_message([] { parse_text_lines("ok\nab\xff\n", "x.de", false); }),
            "x.de: line 2: not UTF-8 (invalid byte at column 3)");
  mt::TempDir dir;
  mt::write_text(dir.file("a.de"), "eins\nzwei\n");
  mt::write_text(dir.file("a.en"), "one\n");
  EXPECT_EQ(
      mt::error_message([&] { modlr::formats::read_parallel_text(dir.file("a.de"), dir.file("a.en"), {}, false); }),
      dir.file("a.de") + " has 2 lines but " + dir.file("a.en") +
          " has 1: line i of one must translate line i of the other");
}

TEST(ParallelText, TokenizerCaseRulesAndSpecialTokens) {
  modlr::text::TokenizerOptions latin;
  latin.html_breaks = false;
  latin.lowercase = "latin";
  EXPECT_EQ(
      modlr::text::tokenize("Ein MANN mit Über-Größe, ÄÖÜ×<br />!", latin),
      (std::vector<std::string>{"ein", "mann", "mit", "über", "-", "größe", ",", "äöü×", "<", "br", "/", ">", "!"}));
  auto ascii = latin;
  ascii.lowercase = "ascii";
  EXPECT_EQ(modlr::text::tokenize("Über Alles", ascii), (std::vector<std::string>{"Über", "alles"}));
  auto none = latin;
  none.lowercase = "none";
  EXPECT_EQ(modlr::text::tokenize("Über Alles's", none), (std::vector<std::string>{"Über", "Alles's"}));
  modlr::text::WordCounts counts{{"b", 2}, {"a", 2}, {"c", 1}};
  const auto vocabulary = modlr::text::Vocabulary::build(counts, 6, 1, {"<bos>", "<eos>"});
  EXPECT_EQ(vocabulary.to_text(), "<pad>\n<unk>\n<bos>\n<eos>\na\nb\n");
  EXPECT_EQ(vocabulary.id("c"), modlr::TranslationTokens::kUnknown);
}

TEST(ParallelText, Multi30kAsTheRulesSayIt) {
  if (!mt::exists(kMulti30k + "/train.de.gz")) GTEST_SKIP() << "no " << kMulti30k;
  auto dataset = multi30k();
  dataset.load();
  const auto& train = dataset.data(modlr::Split::train);
  // Sizes and widths from an independent reading of the rules (bytes regexes in Python).
  EXPECT_EQ(train.inputs.sizes(), (std::vector<int64_t>{29000, 47}));
  EXPECT_EQ(train.targets.sizes(), (std::vector<int64_t>{29000, 43}));
  EXPECT_EQ(dataset.data(modlr::Split::validation).inputs.sizes(), (std::vector<int64_t>{1014, 39}));
  EXPECT_EQ(dataset.data(modlr::Split::test).targets.sizes(), (std::vector<int64_t>{1000, 35}));
  ASSERT_EQ(dataset.extra_tests().size(), 2u);
  EXPECT_EQ(dataset.extra_tests()[1].name, "test_2018_flickr");
  EXPECT_EQ(dataset.extra_tests()[1].data.inputs.sizes(), (std::vector<int64_t>{1071, 63}));
  // "Zwei junge weiße Männer sind im Freien in der Nähe vieler Büsche." is 13 tokens.
  EXPECT_EQ(train.fields.at("source_lengths")[0].item<int64_t>(), 15);
  EXPECT_EQ(train.fields.at("target_lengths")[1].item<int64_t>(), 14);
  EXPECT_TRUE(torch::equal(train.fields.at("source_lengths"), train.inputs.ne(0).sum(1)));
  EXPECT_TRUE(torch::equal(train.fields.at("target_lengths"), train.targets.ne(0).sum(1)));
  EXPECT_TRUE(train.inputs.select(1, 0).eq(modlr::TranslationTokens::kBos).all().item<bool>());
  const auto last = train.targets.gather(1, (train.fields.at("target_lengths") - 1).unsqueeze(1));
  EXPECT_TRUE(last.eq(modlr::TranslationTokens::kEos).all().item<bool>());
  // Vocabularies (min_freq 2): 7838 German and 5944 English words, plus the 4 specials.
  const auto& artifacts = dataset.artifacts();
  ASSERT_EQ(artifacts.size(), 2u);
  EXPECT_EQ(artifacts[0].first, "vocab.de.txt");
  EXPECT_EQ(std::count(artifacts[0].second.begin(), artifacts[0].second.end(), '\n'), 7842);
  EXPECT_EQ(std::count(artifacts[1].second.begin(), artifacts[1].second.end(), '\n'), 5948);
  EXPECT_EQ(artifacts[1].second.substr(0, 31), "<pad>\n<unk>\n<bos>\n<eos>\na\n.\nin\n");
  EXPECT_EQ(dataset.files().size(), 10u);
}

TEST(ParallelText, BadInputIsOneLineNamingTheFileAndLine) {
  mt::TempDir dir;
  mt::write_text(dir.file("train.de"), "Ein Hund läuft .\nZwei Katzen\n");
  mt::write_text(dir.file("train.en"), "A dog runs .\nTwo cats\n");
  mt::write_text(dir.file("test.de"), "Ein Hund\n");
  mt::write_text(dir.file("test.en"), "A dog\n");
  const auto load = [&](const std::string& yaml, const std::string& test = "test") {
    modlr::Dataset dataset(modlr::Config::parse("dataset:\n  name: parallel_text\n  path: " + dir.path() +
                                                    "\n  source_language: de\n  test: " + test + "\n" + yaml,
                                                "t.yaml")
                               .section("dataset"),
                           1);
    dataset.load();
    return dataset.data(modlr::Split::train).inputs.size(1);
  };
  const std::string en = "  target_language: en\n";
  EXPECT_EQ(load(en + "  min_freq: 1\n"), 6);  // <bos> ein hund läuft . <eos>
  EXPECT_EQ(mt::error_message([&] { load(en + "  max_length: 5\n"); }),
            dir.file("train.de") + ": line 1: 6 tokens with <bos> and <eos>, more than dataset.max_length = 5");
  EXPECT_NE(mt::error_message([&] { load(en, "nowhere"); }).find("nowhere.de"), std::string::npos);
  EXPECT_NE(mt::error_message([&] { load("  target_language: de\n"); }).find("dataset.target_language"),
            std::string::npos);
  EXPECT_NE(mt::error_message([&] { load(en + "  lowercase: upper\n"); }).find("dataset.lowercase"), std::string::npos);
}
