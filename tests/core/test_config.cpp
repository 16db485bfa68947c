#include <gtest/gtest.h>
#include <sys/stat.h>

#include "modlr/core/config.h"
#include "modlr/core/error.h"
#include "test_support.h"

using modlr::Config;
using modlr::Error;
using modlr::testing::error_message;

namespace {

// Runs `body` and returns the modlr::Error message it throws ("" if none).
const char* kYaml =
    "experiment: demo\n"
    "seed: 3\n"
    "dataset:\n  batch_size: 64\n  mean: [0.5, 0.25]\n  shuffle: true\n"
    "optimizer:\n  - name: sgd\n    lr: 0.1\n  - name: adam\n";

}  // namespace

TEST(Config, TypedAccessorsReadValues) {
  auto c = Config::parse(kYaml, "demo.yaml");
  EXPECT_EQ(c.get<std::string>("experiment"), "demo");
  EXPECT_EQ(c.get<int64_t>("seed"), 3);
  auto dataset = c.section("dataset");
  EXPECT_EQ(dataset.get<int>("batch_size"), 64);
  EXPECT_EQ(dataset.get<std::vector<double>>("mean"), (std::vector<double>{0.5, 0.25}));
  EXPECT_TRUE(dataset.get<bool>("shuffle"));
  EXPECT_EQ(dataset.get<double>("missing", 1.5), 1.5);
  auto optimizers = c.list_sections("optimizer");
  ASSERT_EQ(optimizers.size(), 2u);
  EXPECT_EQ(optimizers[1].get<std::string>("name"), "adam");
  EXPECT_EQ(optimizers[0].path("lr"), "optimizer[0].lr");
}

TEST(Config, WrongTypeNamesKeyAndFile) {
  auto c = Config::parse("runner:\n  epochs: ten\n", "x.yaml");
  const auto message = error_message([&] { c.section("runner").get<int64_t>("epochs"); });
  EXPECT_NE(message.find("x.yaml"), std::string::npos) << message;
  EXPECT_NE(message.find("runner.epochs"), std::string::npos) << message;
  EXPECT_NE(message.find("'ten'"), std::string::npos) << message;
}

TEST(Config, MissingRequiredKeyIsNamed) {
  auto c = Config::parse("model: {}\n", "x.yaml");
  EXPECT_NE(error_message([&] { c.section("model").get<std::string>("name"); }).find("model.name"), std::string::npos);
}

TEST(Config, UnknownKeyIsRejectedWithSuggestion) {
  auto c = Config::parse("dataset:\n  bacth_size: 64\n  batch_size: 3\n", "x.yaml");
  c.section("dataset").get<int64_t>("batch_size");
  const auto message = error_message([&] { c.check_no_unknown_keys(); });
  EXPECT_NE(message.find("unknown config key 'dataset.bacth_size'"), std::string::npos) << message;
  EXPECT_NE(message.find("did you mean 'batch_size'"), std::string::npos) << message;
}

TEST(Config, UnknownTopLevelSectionIsRejected) {
  auto c = Config::parse("seed: 1\nrunnr: {epochs: 2}\n", "x.yaml");
  c.get<int64_t>("seed");
  EXPECT_NE(error_message([&] { c.check_no_unknown_keys(); }).find("'runnr'"), std::string::npos);
}

TEST(Config, AllReadKeysPassTheCheck) {
  auto c = Config::parse(kYaml, "demo.yaml");
  c.get<std::string>("experiment");
  c.get<int64_t>("seed");
  auto d = c.section("dataset");
  d.get<int>("batch_size"), d.get<std::vector<double>>("mean"), d.get<bool>("shuffle");
  for (const auto& o : c.list_sections("optimizer")) o.get<std::string>("name"), o.get<double>("lr", 0.1);
  EXPECT_NO_THROW(c.check_no_unknown_keys());
}

TEST(Config, OverridesAreTypedAndCreateSections) {
  auto c = Config::parse(kYaml, "demo.yaml",
                         {"dataset.batch_size=8", "runner.epochs=2", "dataset.mean=[1, 2]", "runner.threads=auto"});
  EXPECT_EQ(c.section("dataset").get<int64_t>("batch_size"), 8);
  EXPECT_EQ(c.section("runner").get<int64_t>("epochs"), 2);
  EXPECT_EQ(c.section("dataset").get<std::vector<double>>("mean"), (std::vector<double>{1, 2}));
  EXPECT_EQ(c.section("runner").get<std::string>("threads"), "auto");
}

TEST(Config, BadOverridesAreErrors) {
  EXPECT_NE(error_message([] { Config::parse(kYaml, "d", {"seed"}); }).find("section.key=value"), std::string::npos);
  EXPECT_NE(error_message([] { Config::parse(kYaml, "d", {"seed.x=1"}); }).find("'seed' is not a section"),
            std::string::npos);
}

TEST(Config, CountsMustBePositive) {
  auto c = Config::parse("a: 0\nb: -3\nc: 4\n", "x.yaml");
  EXPECT_NE(error_message([&] { c.get_count("a", 1); }).find("must be in [1, 2147483647], got 0"), std::string::npos);
  EXPECT_NE(error_message([&] { c.get_count("b", 1, true); }).find("must be in [0, 2147483647], got -3"),
            std::string::npos);
  EXPECT_EQ(c.get_count("c", 1), 4);
  EXPECT_NE(error_message([&] {
              c.get_choice("c", "x", {"relu", "tanh"});
            }).find("one of relu, tanh"),
            std::string::npos);
}

TEST(Config, DefaultsAreRecordedInDump) {
  auto c = Config::parse("runner: {}\n", "x.yaml");
  c.section("runner").get<int64_t>("epochs", 5);
  c.section("tracking").get<std::string>("dir", "runs");
  const auto text = c.dump();
  EXPECT_NE(text.find("epochs: 5"), std::string::npos) << text;
  EXPECT_NE(text.find("dir: runs"), std::string::npos) << text;
  // The dump is itself a valid config with the same values.
  auto again = Config::parse(text, "dump");
  EXPECT_EQ(again.section("runner").get<int64_t>("epochs"), 5);
}

TEST(Config, FileErrorsNameTheFile) {
  modlr::testing::TempDir dir;
  EXPECT_NE(error_message([&] { Config::load(dir.file("none.yaml")); }).find("none.yaml: cannot open"),
            std::string::npos);
  modlr::testing::write_text(dir.file("bad.yaml"), "a: [1, 2\n");
  const auto message = error_message([&] { Config::load(dir.file("bad.yaml")); });
  EXPECT_NE(message.find("bad.yaml: invalid YAML"), std::string::npos) << message;
  modlr::testing::write_text(dir.file("list.yaml"), "- 1\n- 2\n");
  EXPECT_NE(error_message([&] { Config::load(dir.file("list.yaml")); }).find("top level must be a mapping"),
            std::string::npos);
}

TEST(Config, SectionOfScalarIsAnError) {
  auto c = Config::parse("model: lenet5\n", "x.yaml");
  EXPECT_NE(error_message([&] { c.section("model"); }).find("expected a section"), std::string::npos);
}

// Found by fuzz/fuzz_config.cpp: yaml-cpp throws its own InvalidNode for a missing key's
// IsSequence(); a config without the key must read as "no list" / a modlr::Error naming it.
TEST(Config, MissingKeysAreNeverYamlCppExceptions) {
  auto c = Config::parse("seed: 1\nrunner: {epochs: 2}\n", "x.yaml");
  EXPECT_FALSE(c.is_list("optimizer"));
  EXPECT_FALSE(c.section("runner").is_list("hooks"));
  EXPECT_NE(error_message([&] { c.list_sections("optimizer"); }).find("config key 'optimizer'"), std::string::npos);
  EXPECT_NE(error_message([&] { c.section("optimizer").get<std::string>("name"); }).find("optimizer.name"),
            std::string::npos);
}

// Found by fuzz/fuzz_config.cpp: a list or map used as a mapping key made yaml-cpp throw its
// own BadConversion from the unknown-key check.
TEST(Config, NonScalarKeysAreAConfigError) {
  // Refused as the document is read (the structure check walks every key).
  EXPECT_NE(error_message([] {
              Config::parse("seed: 1\n? [a, b]\n: 1\n", "x.yaml");
            }).find("x.yaml: config key under '(top level)' is not a plain name"),
            std::string::npos);
  EXPECT_NE(error_message([] { Config::parse("model:\n  ? {a: 1}\n  : 2\n", "y.yaml"); }).find("under 'model'"),
            std::string::npos);
  // The fuzzer's own input, verbatim.
  EXPECT_THROW(Config::parse("# seM=36\nmodel:\n[ name:h:\n ]", "crash.yaml"), modlr::Error);
}

TEST(Config, DuplicateKeysAreErrorsNamingTheKeyAndLine) {
  EXPECT_EQ(error_message([] { Config::parse("seed: 1\nseed: 2\n", "c.yaml"); }),
            "c.yaml: config key 'seed' appears twice (again at line 2)");
  EXPECT_EQ(error_message([] { Config::parse("runner:\n  epochs: 1\n  threads: 2\n  epochs: 3\n", "c.yaml"); }),
            "c.yaml: config key 'runner.epochs' appears twice (again at line 4)");
  EXPECT_EQ(error_message([] { Config::parse("optimizer:\n  - {name: sgd, lr: 1, lr: 2}\n", "c.yaml"); }),
            "c.yaml: config key 'optimizer[0].lr' appears twice (again at line 2)");
  // An override setting a key that the file already repeats still meets the check.
  EXPECT_NE(error_message([] { Config::parse("seed: 1\nseed: 2\n", "c.yaml", {"seed=3"}); }).find("appears twice"),
            std::string::npos);
}

TEST(Config, OneDocumentOnly) {
  EXPECT_EQ(error_message([] { Config::parse("seed: 1\n---\nseed: 2\n", "c.yaml"); }),
            "c.yaml: holds more than one YAML document ('---'); a config is one document");
  EXPECT_EQ(error_message([] { Config::parse("---\nseed: 1\n", "c.yaml"); }), "no error");  // one, explicitly started
}

TEST(Config, NumbersMustBeFinite) {
  for (const std::string value : {".nan", ".inf", "-.inf", ".NaN"}) {
    const auto config = Config::parse("optimizer: {lr: " + value + "}\n", "c.yaml");
    EXPECT_EQ(error_message([&] { config.section("optimizer").get_positive("lr", 0.1); }),
              "c.yaml: config key 'optimizer.lr': must be a finite number, got '" + value + "'");
  }
  const auto list = Config::parse("dataset: {mean: [0.5, .nan]}\n", "c.yaml");
  EXPECT_NE(error_message([&] { list.section("dataset").get<std::vector<double>>("mean"); }).find("dataset.mean"),
            std::string::npos);
}

TEST(Config, OnlyRegularFilesOfBoundedSizeAreConfigs) {
  modlr::testing::TempDir dir;
  EXPECT_EQ(error_message([&] { Config::load(dir.path()); }), dir.path() + ": is a directory, not a config file");
  ASSERT_EQ(::mkfifo(dir.file("fifo").c_str(), 0600), 0);
  EXPECT_NE(error_message([&] { Config::load(dir.file("fifo")); }).find("not a regular file"), std::string::npos);
  modlr::testing::write_text(dir.file("big.yaml"), "seed: 1\n" + std::string(modlr::kMaxConfigBytes, '#'));
  EXPECT_NE(error_message([&] { Config::load(dir.file("big.yaml")); }).find("a config may hold at most 1048576 bytes"),
            std::string::npos);
  EXPECT_NE(error_message([&] { Config::load(dir.file("missing.yaml")); }).find("cannot open config file"),
            std::string::npos);
}

TEST(Config, NestedAliasesCannotExpandWithoutBound) {
  // Ten levels of ten aliases each: 10^10 values if walked naively, a few hundred bytes.
  std::string yaml = "a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n";
  for (int level = 1; level <= 9; ++level) {
    const std::string previous = "*a" + std::to_string(level - 1);
    yaml += "a" + std::to_string(level) + ": &a" + std::to_string(level) + " [";
    for (int i = 0; i < 10; ++i) yaml += (i ? ", " : "") + previous;
    yaml += "]\n";
  }
  EXPECT_NE(error_message([&] { Config::parse(yaml, "bomb.yaml"); }).find("more than 100000 values"),
            std::string::npos);
}

TEST(Config, MalformedMultiDocumentInputEnds) {
  // Found by fuzzing: yaml-cpp's LoadAll looped forever (allocating) on this text; modlr
  // reads at most the start of a second document.
  const std::string text =
      "# MLP 784-64-10 on MNIST. For Fashion-MNIST:\n#   --set data.et.path=/usr/share/datasets/fashion-mnist --set "
      "d0taset.mean=[0.2860] --set dataset.std=[0.mniseste\n,d: 42\ndataset:\n  name: idx\n  path: ../shared/data/";
  EXPECT_NE(error_message([&] { Config::parse(text, "fuzz.yaml"); }), "no error");
}
