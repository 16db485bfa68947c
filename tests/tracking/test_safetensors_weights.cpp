// Model weights in safetensors: round trip, the load_weights dispatch, and every way a file
// can fail to fit the model (each a one-line error naming the file and the tensor, with
// the model left unchanged).
#include <gtest/gtest.h>

#include "modlr/core/error.h"
#include "modlr/formats/safetensors.h"
#include "modlr/model/model.h"
#include "modlr/tracking/checkpoint.h"
#include "test_support.h"

namespace mf = modlr::formats;
namespace mt = modlr::testing;

namespace {

modlr::ModelSet build(const std::string& yaml, uint64_t seed) {
  torch::manual_seed(seed);
  modlr::ModelSet models;
  models.add("model", modlr::build_model(modlr::Config::parse(yaml, "m")));
  return models;
}

std::vector<torch::Tensor> models_snapshot(const modlr::ModelSet& models) {
  std::vector<torch::Tensor> out;
  for (const auto& p : models.only().parameters()) out.push_back(p.detach().clone());
  return out;
}

bool same_weights(const modlr::ModelSet& a, const modlr::ModelSet& b) {
  const auto x = models_snapshot(a), y = models_snapshot(b);
  if (x.size() != y.size()) return false;
  for (size_t i = 0; i < x.size(); ++i)
    if (!torch::equal(x[i], y[i])) return false;
  return true;
}

// Loads `path` into a fresh LeNet-5 expecting an error that mentions every part; checks
// that the model was not touched.
void expect_load_error(const std::string& path, const std::vector<std::string>& parts) {
  auto models = build("name: lenet5", 3);
  const auto before = models_snapshot(models);
  try {
    modlr::load_weights(models, path);
    ADD_FAILURE() << "loaded a bad file";
  } catch (const modlr::Error& e) {
    const std::string message = e.what();
    EXPECT_EQ(message.find('\n'), std::string::npos);
    EXPECT_NE(message.find(path), std::string::npos) << message;
    for (const auto& part : parts) EXPECT_NE(message.find(part), std::string::npos) << message;
  }
  const auto after = models_snapshot(models);
  for (size_t i = 0; i < before.size(); ++i) EXPECT_TRUE(torch::equal(before[i], after[i]));
}

}  // namespace

TEST(SafetensorsWeights, RoundTripUsesStateDictNames) {
  mt::TempDir dir;
  const auto path = dir.file("w.safetensors");
  const auto saved = build("name: lenet5", 1);
  modlr::save_safetensors(saved, path);
  const auto content = mf::read_safetensors(path);
  EXPECT_EQ(content.metadata.at("format"), "pt");
  std::vector<std::string> names;
  for (const auto& t : content.tensors) names.push_back(t.name);
  EXPECT_EQ(names, (std::vector<std::string>{"conv1.bias", "conv1.weight", "conv2.bias", "conv2.weight", "fc1.bias",
                                             "fc1.weight", "fc2.bias", "fc2.weight", "fc3.bias", "fc3.weight"}));
  EXPECT_EQ(content.find("conv1.weight")->shape, (std::vector<int64_t>{6, 1, 5, 5}));
  auto loaded = build("name: lenet5", 2);
  EXPECT_FALSE(same_weights(saved, loaded));
  modlr::load_weights(loaded, path);
  EXPECT_TRUE(same_weights(saved, loaded));
}

TEST(SafetensorsWeights, LoadWeightsDispatchesOnTheExtension) {
  mt::TempDir dir;
  const auto saved = build("name: mlp\nsizes: [784, 16, 10]", 1);
  modlr::save_checkpoint(saved, dir.file("w.pt"));
  auto loaded = build("name: mlp\nsizes: [784, 16, 10]", 2);
  modlr::load_weights(loaded, dir.file("w.pt"));
  EXPECT_TRUE(same_weights(saved, loaded));
  // A .pt file named .safetensors is read as safetensors, and refused as such.
  std::rename(dir.file("w.pt").c_str(), dir.file("w.safetensors").c_str());
  EXPECT_THROW(modlr::load_weights(loaded, dir.file("w.safetensors")), modlr::Error);
}

TEST(SafetensorsWeights, SeveralModelsArePrefixedByModelName) {
  mt::TempDir dir;
  torch::manual_seed(1);
  modlr::ModelSet models;
  models.add("generator", modlr::build_model(modlr::Config::parse("name: mlp\nsizes: [4, 3]", "m")));
  models.add("discriminator", modlr::build_model(modlr::Config::parse("name: mlp\nsizes: [3, 1]", "m")));
  modlr::save_safetensors(models, dir.file("gan.safetensors"));
  const auto content = mf::read_safetensors(dir.file("gan.safetensors"));
  EXPECT_NE(content.find("generator.fc1.weight"), nullptr);
  EXPECT_NE(content.find("discriminator.fc1.bias"), nullptr);
  EXPECT_NO_THROW(modlr::load_safetensors(models, dir.file("gan.safetensors")));
}

TEST(SafetensorsWeights, AnotherArchitectureIsRefusedNamingTheTensor) {
  mt::TempDir dir;
  modlr::save_safetensors(build("name: lenet1", 1), dir.file("lenet1.safetensors"));
  expect_load_error(dir.file("lenet1.safetensors"), {"tensor 'conv1.weight'", "[4, 1, 5, 5]", "[6, 1, 5, 5]"});
  // Missing: drop fc3.bias. Extra: add fc4.weight. Mis-typed: conv1.bias as F64.
  modlr::save_safetensors(build("name: lenet5", 1), dir.file("l5.safetensors"));
  const auto content = mf::read_safetensors(dir.file("l5.safetensors"));
  auto missing = content;
  missing.tensors.erase(missing.tensors.begin() + 8);  // fc3.bias
  mf::write_safetensors(dir.file("missing.safetensors"), missing);
  expect_load_error(dir.file("missing.safetensors"), {"missing tensor 'fc3.bias'"});
  auto extra = content;
  extra.tensors.push_back({"fc4.weight", "F32", {1}, {0, 0, 0, 0}});
  mf::write_safetensors(dir.file("extra.safetensors"), extra);
  expect_load_error(dir.file("extra.safetensors"), {"unexpected tensor 'fc4.weight'"});
  auto typed = content;
  typed.tensors[0] = {"conv1.bias", "F64", {3}, std::vector<uint8_t>(24, 0)};
  mf::write_safetensors(dir.file("typed.safetensors"), typed);
  expect_load_error(dir.file("typed.safetensors"), {"tensor 'conv1.bias' is F64", "expects F32"});
}

TEST(SafetensorsWeights, CorruptFilesAreRefused) {
  mt::TempDir dir;
  const auto path = dir.file("w.safetensors");
  modlr::save_safetensors(build("name: lenet5", 1), path);
  const auto good = mt::read_text(path);
  mt::write_text(path, good.substr(0, good.size() - 100));
  expect_load_error(path, {"invalid safetensors file", "outside the data section"});
  auto tampered = good;
  const auto at = tampered.find("[6,1,5,5]");
  ASSERT_NE(at, std::string::npos);
  tampered.replace(at, 9, "[6,1,5,4]");
  mt::write_text(path, tampered);
  expect_load_error(path, {"tensor 'conv1.weight'", "need 480 bytes"});
  expect_load_error(dir.file("absent.safetensors"), {"cannot open"});
}
