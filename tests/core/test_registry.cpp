#include <gtest/gtest.h>

#include "modlr/core/registry.h"
#include "modlr/loss/loss.h"
#include "modlr/model/model.h"

namespace {

using IntRegistry = modlr::Registry<int, int>;
IntRegistry& numbers() {
  static IntRegistry registry("number");
  return registry;
}
MODLR_REGISTER(numbers, "double", [](int x) { return 2 * x; });
MODLR_REGISTER(numbers, "square", [](int x) { return x * x; });

}  // namespace

TEST(Registry, CreatesByName) {
  EXPECT_EQ(numbers().create("double", "k", 4), 8);
  EXPECT_EQ(numbers().create("square", "k", 4), 16);
  EXPECT_EQ(numbers().names(), (std::vector<std::string>{"double", "square"}));
}

TEST(Registry, UnknownNameListsKnownOnes) {
  try {
    numbers().create("cube", "model.name", 2);
    FAIL() << "no error";
  } catch (const modlr::Error& e) {
    EXPECT_STREQ(e.what(), "config key 'model.name': unknown number 'cube' (known: double, square)");
  }
}

TEST(Registry, DuplicateRegistrationThrows) {
  EXPECT_THROW(numbers().add("double", [](int x) { return x; }), modlr::Error);
}

TEST(Registry, BuiltinComponentsAreRegistered) {
  for (const char* name : {"mlp", "lenet1", "lenet5"}) EXPECT_TRUE(modlr::model_registry().contains(name)) << name;
  for (const char* name : {"cross_entropy", "mse"}) EXPECT_TRUE(modlr::loss_registry().contains(name)) << name;
}
