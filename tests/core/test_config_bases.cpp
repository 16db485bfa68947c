// Families of configs: `base: FILE` resolved by Config::load into one document.
#include <gtest/gtest.h>

#include <filesystem>

#include "modlr/core/config.h"
#include "modlr/core/error.h"
#include "test_support.h"

namespace mt = modlr::testing;
using modlr::Config;

TEST(ConfigBases, AChildOverridesItsBaseMappingByMapping) {
  mt::TempDir dir;
  std::filesystem::create_directories(dir.file("family"));
  mt::write_text(dir.file("root.yaml"),
                 "seed: 1\ndataset: {name: idx, path: /data, batch_size: 64}\noptimizer: {name: sgd, lr: 0.1}\n");
  mt::write_text(dir.file("family/mid.yaml"),
                 "base: ../root.yaml\noptimizer: {lr: 0.05}\nmetrics: {train: [accuracy]}\n");
  mt::write_text(dir.file("family/leaf.yaml"),
                 "base: mid.yaml\nseed: 7\ndataset: {batch_size: 32, limit: 100}\nmetrics: {train: []}\n");
  const auto c = Config::load(dir.file("family/leaf.yaml"), {"optimizer.lr=0.02"});
  EXPECT_EQ(c.get<int64_t>("seed"), 7);
  EXPECT_EQ(c.section("dataset").get<std::string>("path"), "/data");  // from the root
  EXPECT_EQ(c.section("dataset").get<int64_t>("batch_size"), 32);     // the leaf's
  EXPECT_EQ(c.section("dataset").get<int64_t>("limit"), 100);         // new in the leaf
  EXPECT_EQ(c.section("optimizer").get<std::string>("name"), "sgd");
  EXPECT_EQ(c.section("optimizer").get<double>("lr"), 0.02);                         // --set last
  EXPECT_TRUE(c.section("metrics").get<std::vector<std::string>>("train").empty());  // a list replaces
  const auto resolved = c.dump();
  EXPECT_EQ(resolved.find("base"), std::string::npos) << resolved;
  EXPECT_LT(resolved.find("seed"), resolved.find("dataset")) << resolved;  // the base's key order
  EXPECT_LT(resolved.find("optimizer"), resolved.find("metrics")) << resolved;
}

TEST(ConfigBases, CyclesAndMissingBasesNameTheBaseKey) {
  mt::TempDir dir;
  mt::write_text(dir.file("a.yaml"), "base: b.yaml\nseed: 1\n");
  mt::write_text(dir.file("b.yaml"), "base: a.yaml\n");
  EXPECT_EQ(mt::error_message([&] { Config::load(dir.file("a.yaml")); }),
            dir.file("b.yaml") + ": config key 'base': extends itself: " + dir.file("a.yaml") + " -> " +
                dir.file("b.yaml") + " -> " + dir.file("a.yaml"));
  mt::write_text(dir.file("self.yaml"), "base: ./self.yaml\n");
  EXPECT_NE(mt::error_message([&] { Config::load(dir.file("self.yaml")); }).find("config key 'base': extends itself"),
            std::string::npos);
  mt::write_text(dir.file("c.yaml"), "base: nowhere.yaml\n");
  EXPECT_EQ(mt::error_message([&] { Config::load(dir.file("c.yaml")); }),
            dir.file("c.yaml") + ": config key 'base': " + dir.file("nowhere.yaml") +
                ": cannot open config file (no such file)");
  mt::write_text(dir.file("d.yaml"), "base: [a.yaml]\n");
  EXPECT_EQ(mt::error_message([&] { Config::load(dir.file("d.yaml")); }),
            dir.file("d.yaml") + ": config key 'base': must name a config file");
  mt::write_text(dir.file("bad.yaml"), "seed: [1\n");
  mt::write_text(dir.file("e.yaml"), "base: bad.yaml\n");
  EXPECT_NE(mt::error_message([&] { Config::load(dir.file("e.yaml")); }).find(dir.file("bad.yaml") + ": invalid YAML"),
            std::string::npos);
  EXPECT_EQ(mt::error_message([] { Config::parse("base: a.yaml\n", "text"); }),
            "text: config key 'base': only a config file can extend another (Config::load)");
}
