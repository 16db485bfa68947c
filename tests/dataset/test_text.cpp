// Tokenizer, UTF-8 check, vocabulary and encoding, against expectations written by hand.
#include <gtest/gtest.h>

#include "modlr/dataset/text.h"

using modlr::text::Keep;
using modlr::text::Vocabulary;
using Tokens = std::vector<std::string>;

TEST(Tokenizer, LowerCasesAndSplitsPunctuation) {
  EXPECT_EQ(modlr::text::tokenize("This movie was GREAT!!! 10/10."),
            (Tokens{"this", "movie", "was", "great", "!", "!", "!", "10", "/", "10", "."}));
  EXPECT_EQ(modlr::text::tokenize("(Really) \"bad\": a 2-hour mess; why?"),
            (Tokens{"(", "really", ")", "\"", "bad", "\"", ":", "a", "2", "-", "hour", "mess", ";", "why", "?"}));
  EXPECT_EQ(modlr::text::tokenize(""), Tokens{});
  EXPECT_EQ(modlr::text::tokenize(" \t\r\n\x01\x7f "), Tokens{});
}

TEST(Tokenizer, RemovesLineBreakTagsExactly) {
  EXPECT_EQ(modlr::text::tokenize("end.<br /><br />Next"), (Tokens{"end", ".", "next"}));
  // Only the exact 6 bytes "<br />" go; other spellings are punctuation and words.
  EXPECT_EQ(modlr::text::tokenize("a<br/>b<BR />c"), (Tokens{"a", "<", "br", "/", ">", "b", "<", "br", "/", ">", "c"}));
}

TEST(Tokenizer, ApostrophesInsideWordsOnly) {
  EXPECT_EQ(modlr::text::tokenize("Don't like the 90's 'classics' o'neil's films'"),
            (Tokens{"don't", "like", "the", "90's", "'", "classics", "'", "o'neil's", "films", "'"}));
  EXPECT_EQ(modlr::text::tokenize("rock''n"), (Tokens{"rock", "'", "'", "n"}));
}

TEST(Tokenizer, NonAsciiBytesAreWordBytes) {
  // "Café Crème" (é = C3 A9, è = C3 A8; C3 is not A-Z, so it stays as it is).
  EXPECT_EQ(modlr::text::tokenize("Caf\xc3\xa9 Cr\xc3\xa8me\xe2\x80\x94ok"),
            (Tokens{"caf\xc3\xa9", "cr\xc3\xa8me\xe2\x80\x94ok"}));
  EXPECT_EQ(modlr::text::tokenize("_under_score_"), (Tokens{"_", "under", "_", "score", "_"}));
}

TEST(Detokenizer, UndoesTheTokenizerOnOrdinaryProse) {
  modlr::text::TokenizerOptions keep_case;
  keep_case.lowercase = "none";
  for (const std::string sentence :
       {"A man in a t-shirt, jeans and a hat.", "Two dogs (a black one) play in the snow!",
        "She said \"hello\" to the dogs' owner: 50% off, $5 and 10/10.", "Why? Because it's late; e-mail me@home.",
        "\"Quoted\" at the start", "[Brackets] {braces}"})
    EXPECT_EQ(modlr::text::detokenize(modlr::text::tokenize(sentence, keep_case)), sentence);
  EXPECT_EQ(modlr::text::detokenize({}), "");
  EXPECT_EQ(modlr::text::detokenize({"a", "-", "-", "b"}), "a--b");               // a spaced dash loses its spaces
  EXPECT_EQ(modlr::text::detokenize({"\"", "a", "\"", "\"", "b"}), "\"a\" \"b");  // quotes alternate
}

TEST(Utf8, AcceptsWellFormedRejectsTheRest) {
  using modlr::text::invalid_utf8_offset;
  const auto ok = std::string::npos;
  EXPECT_EQ(invalid_utf8_offset("plain ascii"), ok);
  EXPECT_EQ(invalid_utf8_offset("\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80\xf4\x8f\xbf\xbf"),
            ok);  // é € 😀 U+10FFFF
  EXPECT_EQ(invalid_utf8_offset("ab\xff"), 2u);
  EXPECT_EQ(invalid_utf8_offset("a\xc3"), 1u);             // cut short
  EXPECT_EQ(invalid_utf8_offset("a\xc3(b"), 1u);           // bad continuation
  EXPECT_EQ(invalid_utf8_offset("\xc0\xaf"), 0u);          // overlong '/'
  EXPECT_EQ(invalid_utf8_offset("\xe0\x80\xaf"), 0u);      // overlong
  EXPECT_EQ(invalid_utf8_offset("x\xed\xa0\x80"), 1u);     // surrogate U+D800
  EXPECT_EQ(invalid_utf8_offset("\xf4\x90\x80\x80"), 0u);  // above U+10FFFF
  EXPECT_EQ(invalid_utf8_offset("ok\x80"), 2u);            // lone continuation byte
  EXPECT_EQ(invalid_utf8_offset(std::string("nul\0ok", 6)), ok);
}

namespace {

modlr::text::WordCounts counts_of(const std::vector<std::string>& documents) {
  modlr::text::WordCounts counts;
  for (const auto& document : documents) modlr::text::count_words(modlr::text::tokenize(document), counts);
  return counts;
}

}  // namespace

// Counts: the 4, a 3, b 2, z 2, c 1, y 1.
TEST(Vocabulary, FrequencyThenByteOrder) {
  const auto counts = counts_of({"the a b z c", "the a b z y", "the a the"});
  const auto full = Vocabulary::build(counts, 100, 1);
  EXPECT_EQ(full.to_text(), "<pad>\n<unk>\nthe\na\nb\nz\nc\ny\n");
  EXPECT_EQ(full.size(), 8);
  EXPECT_EQ(full.id("the"), 2);
  EXPECT_EQ(full.id("y"), 7);
  EXPECT_EQ(full.id("never seen"), Vocabulary::kUnknown);
  EXPECT_EQ(full.word(0), "<pad>");
  // max_size counts <pad> and <unk>: 5 entries keep the 3 most frequent words (b before z).
  EXPECT_EQ(Vocabulary::build(counts, 5, 1).to_text(), "<pad>\n<unk>\nthe\na\nb\n");
  EXPECT_EQ(Vocabulary::build(counts, 2, 1).to_text(), "<pad>\n<unk>\n");
  // min_freq 2 drops c and y; min_freq 4 leaves "the".
  EXPECT_EQ(Vocabulary::build(counts, 100, 2).to_text(), "<pad>\n<unk>\nthe\na\nb\nz\n");
  EXPECT_EQ(Vocabulary::build(counts, 100, 4).to_text(), "<pad>\n<unk>\nthe\n");
}

TEST(Vocabulary, TiesUseUnsignedByteOrder) {
  // All counted once: byte order, and "\xc3\xa9..." (0xc3 unsigned) sorts after ASCII words.
  const auto vocabulary = Vocabulary::build(counts_of({"\xc3\xa9t\xc3\xa9 zoo apple 42"}), 10, 1);
  EXPECT_EQ(vocabulary.to_text(), "<pad>\n<unk>\n42\napple\nzoo\n\xc3\xa9t\xc3\xa9\n");
}

TEST(Encode, PadsAndCutsKeepingFirstOrLast) {
  const auto vocabulary = Vocabulary::build(counts_of({"a b c d e"}), 100, 1);  // a=2 ... e=6
  const auto tokens = modlr::text::tokenize("a b x c");
  std::vector<int64_t> row(6, -1);
  modlr::text::encode(tokens, vocabulary, 6, Keep::first, row.data());
  EXPECT_EQ(row, (std::vector<int64_t>{2, 3, 1, 4, 0, 0}));
  row.assign(3, -1);
  modlr::text::encode(tokens, vocabulary, 3, Keep::first, row.data());
  EXPECT_EQ(row, (std::vector<int64_t>{2, 3, 1}));
  modlr::text::encode(tokens, vocabulary, 3, Keep::last, row.data());
  EXPECT_EQ(row, (std::vector<int64_t>{3, 1, 4}));
  row.assign(4, -1);
  modlr::text::encode(tokens, vocabulary, 4, Keep::last, row.data());  // exactly full
  EXPECT_EQ(row, (std::vector<int64_t>{2, 3, 1, 4}));
  modlr::text::encode({}, vocabulary, 4, Keep::last, row.data());
  EXPECT_EQ(row, (std::vector<int64_t>{0, 0, 0, 0}));
}
