#include <gtest/gtest.h>

#include <cmath>

#include "modlr/metrics/suite.h"

TEST(MetricSuite, ClassificationFromLogits) {
  modlr::MetricSuite suite(modlr::Task::classification, {"accuracy", "f1_macro", "auc_roc", "confusion_matrix"});
  // Predicted classes 0, 1, 1 (argmax) for targets 0, 1, 0: accuracy 2/3.
  suite.update(torch::tensor({{2.0f, 1.0f}, {0.0f, 3.0f}, {0.0f, 1.0f}}), torch::tensor({0, 1, 0}));
  auto m = suite.compute();
  EXPECT_DOUBLE_EQ(m.at("accuracy"), 2.0 / 3.0);
  // Per class: class 0 P=1 R=1/2 F1=2/3; class 1 P=1/2 R=1 F1=2/3.
  EXPECT_DOUBLE_EQ(m.at("f1_macro"), 2.0 / 3.0);
  // Class-1 softmax scores: 0.269 (target 0), 0.953 (target 1), 0.731 (target 0): the
  // positive outranks both negatives, AUC 1; class 0 mirrors it.
  EXPECT_DOUBLE_EQ(m.at("auc_roc"), 1.0);
  EXPECT_EQ(suite.confusion_matrix(), (std::vector<std::vector<int64_t>>{{1, 1}, {0, 1}}));
  EXPECT_EQ(m.count("confusion_matrix"), 0u);
  suite.reset();
  EXPECT_TRUE(suite.compute().empty());
}

TEST(MetricSuite, RegressionAcrossBatches) {
  modlr::MetricSuite suite(modlr::Task::regression, {"mse", "r2"});
  suite.update(torch::tensor({{1.0f}, {2.0f}}), torch::tensor({1.0f, 2.0f}));
  suite.update(torch::tensor({{3.0f}, {5.0f}}), torch::tensor({3.0f, 4.0f}));
  auto m = suite.compute();
  EXPECT_DOUBLE_EQ(m.at("mse"), 0.25);
  EXPECT_DOUBLE_EQ(m.at("r2"), 0.8);
}

TEST(MetricSuite, UnknownOrMismatchedMetricIsAnError) {
  EXPECT_THROW(modlr::MetricSuite(modlr::Task::classification, {"r2"}), modlr::Error);
  EXPECT_THROW(modlr::MetricSuite(modlr::Task::regression, {"accuracy"}), modlr::Error);
  EXPECT_THROW(modlr::MetricSuite(modlr::Task::classification, {"top5"}), modlr::Error);
}

TEST(MetricSuite, StateRoundTripContinuesExactly) {
  modlr::MetricSuite a(modlr::Task::classification, {"accuracy", "auc_roc"});
  a.update(torch::tensor({{2.0f, 1.0f}, {0.0f, 3.0f}}), torch::tensor({0, 0}));
  modlr::MetricSuite b(modlr::Task::classification, {"accuracy", "auc_roc"});
  b.restore(a.state());
  const auto more_logits = torch::tensor({{0.5f, 1.0f}, {4.0f, 3.0f}});
  const auto more_targets = torch::tensor({1, 1});
  a.update(more_logits, more_targets);
  b.update(more_logits, more_targets);
  EXPECT_EQ(a.compute(), b.compute());
  modlr::MetricSuite r(modlr::Task::regression, {"r2"}), s(modlr::Task::regression, {"r2"});
  r.update(torch::tensor({1.0f, 2.0f}), torch::tensor({1.5f, 2.0f}));
  s.restore(r.state());
  r.update(torch::tensor({3.0f}), torch::tensor({2.5f}));
  s.update(torch::tensor({3.0f}), torch::tensor({2.5f}));
  EXPECT_EQ(r.compute(), s.compute());
}

TEST(MetricSuite, MetricsTheDataCannotDefineAreUndefinedWithAReason) {
  // One class in the targets: AUC (needs positives and negatives) is undefined; accuracy is not.
  modlr::MetricSuite classes(modlr::Task::classification, {"accuracy", "auc_roc"});
  classes.update(torch::tensor({{2.0f, 1.0f}, {0.0f, 3.0f}}), torch::tensor({0, 0}));
  auto m = classes.compute();
  EXPECT_TRUE(std::isnan(m.at("auc_roc")));
  EXPECT_DOUBLE_EQ(m.at("accuracy"), 0.5);
  ASSERT_EQ(classes.undefined().size(), 1u);
  EXPECT_NE(classes.undefined().at("auc_roc").find("one class"), std::string::npos);
  // Constant targets: R^2 divides by their variance, 0.
  modlr::MetricSuite constant(modlr::Task::regression, {"mse", "r2"});
  constant.update(torch::tensor({1.0f, 3.0f}), torch::tensor({2.0f, 2.0f}));
  m = constant.compute();
  EXPECT_TRUE(std::isnan(m.at("r2")));
  EXPECT_DOUBLE_EQ(m.at("mse"), 1.0);
  EXPECT_NE(constant.undefined().at("r2").find("all equal"), std::string::npos);
  // Defined again once a second class / a different target arrives.
  classes.update(torch::tensor({{0.0f, 3.0f}}), torch::tensor({1}));
  EXPECT_TRUE(classes.undefined().empty());
  EXPECT_FALSE(std::isnan(classes.compute().at("auc_roc")));
}
