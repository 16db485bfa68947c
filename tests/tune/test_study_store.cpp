// The study database (tune/study_store.h): claims, attempts, curves, orphans, bad files.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cmath>
#include <filesystem>
#include <fstream>

#include "modlr/core/error.h"
#include "modlr/tune/study_store.h"

namespace modlr {
namespace {

class StudyStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir = std::filesystem::temp_directory_path() / ("modlr-store-" + std::to_string(::getpid()) + "-" +
                                                    ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(dir);
    std::filesystem::create_directories(dir);
    path = (dir / "study.db").string();
    settings.config = "/abs/config.yaml";
    settings.overrides = {"runner.epochs=2"};
    settings.space_text = "lr: {type: uniform, low: 0, high: 1}\n";
    settings.trials = 3;
    settings.seeds = {1, 2};
    settings.pruner.name = "asha";
  }
  void TearDown() override { std::filesystem::remove_all(dir); }

  static TrialParams constant(const std::vector<TrialSnapshot>&, int64_t number) {
    return {{"lr", 0.1 * static_cast<double>(number + 1)}};
  }

  std::filesystem::path dir;
  std::string path;
  StudySettings settings;
};

std::string store_error(const std::function<void()>& body) {
  try {
    body();
  } catch (const Error& e) {
    return e.what();
  }
  return "no error";
}

TEST_F(StudyStoreTest, SettingsRoundTripAndTrialsAreNumberedUpToTheBudget) {
  auto store = StudyStore::create(path, settings);
  auto reopened = StudyStore::open(path);
  EXPECT_EQ(settings_json(reopened.settings()), settings_json(settings));
  EXPECT_EQ(reopened.settings().seeds, (std::vector<int64_t>{1, 2}));
  for (int64_t n = 0; n < 3; ++n) {
    auto& claimer = n % 2 ? store : reopened;  // two connections share one numbering
    const auto trial = claimer.claim(constant, "host:1");
    ASSERT_TRUE(trial);
    EXPECT_EQ(trial->number, n);
    EXPECT_DOUBLE_EQ(trial->params.at("lr"), 0.1 * static_cast<double>(n + 1));
  }
  EXPECT_FALSE(store.claim(constant, "host:1"));
  EXPECT_THROW(StudyStore::create(path, settings), Error);  // never over an existing study
}

TEST_F(StudyStoreTest, CurvesAreMeansOverSeedsAndFinishedTrialsKeepTheirValues) {
  auto store = StudyStore::create(path, settings);
  store.claim(constant, "me:1");
  store.start_run(0, 1, "/runs/a");
  store.start_run(0, 2, "/runs/b");
  store.report(0, 1, 1, 0.5, 0.5);
  store.report(0, 2, 1, 0.7, 0.5);
  store.report(0, 1, 2, 0.6, 1.0);
  EXPECT_EQ(store.run_curve(0, 1), (std::map<int64_t, double>{{1, 0.5}, {2, 0.6}}));
  auto trials = store.trials();
  EXPECT_DOUBLE_EQ(trials[0].curve.at(1), 0.6);
  EXPECT_DOUBLE_EQ(trials[0].curve.at(2), 0.6);
  store.end_run(0, 1, "complete");
  store.finish(0, TrialState::complete, 0.65, 0.07, "");
  const auto runs = store.runs(0);
  ASSERT_EQ(runs.size(), 2u);
  EXPECT_EQ(runs[0].run_dir, "/runs/a");
  EXPECT_EQ(runs[0].state, "complete");
  EXPECT_DOUBLE_EQ(*runs[0].value, 0.6);
  EXPECT_DOUBLE_EQ(runs[0].epochs, 1.0);
  trials = StudyStore::open(path).trials();
  EXPECT_EQ(trials[0].state, TrialState::complete);
  EXPECT_DOUBLE_EQ(*trials[0].value, 0.65);
  EXPECT_DOUBLE_EQ(*store.spread(0), 0.07);
}

TEST_F(StudyStoreTest, ADivergedReportIsNaN) {
  auto store = StudyStore::create(path, settings);
  store.claim(constant, "me:1");
  store.start_run(0, 1, "/runs/a");
  store.report(0, 1, 1, NAN, 0.5);
  EXPECT_TRUE(std::isnan(store.run_curve(0, 1).at(1)));
  EXPECT_TRUE(std::isnan(store.trials()[0].curve.at(1)));
}

TEST_F(StudyStoreTest, OrphanedTrialsRerunWithTheSameParamsAndAFreshCurve) {
  auto store = StudyStore::create(path, settings);
  store.claim(constant, "gone:1");
  store.claim(constant, "alive:2");
  store.start_run(0, 1, "/runs/old");
  store.report(0, 1, 1, 0.3, 0.5);
  const auto requeued =
      store.requeue_orphans([](const std::string& owner, double) { return owner.rfind("alive", 0) == 0; });
  EXPECT_EQ(requeued, (std::vector<int64_t>{0}));
  EXPECT_EQ(store.trials()[0].state, TrialState::waiting);
  const auto again = store.claim(constant, "new:3");
  ASSERT_TRUE(again);
  EXPECT_EQ(again->number, 0);
  EXPECT_DOUBLE_EQ(again->params.at("lr"), 0.1);
  EXPECT_EQ(store.attempt(0), 2);
  EXPECT_TRUE(store.run_curve(0, 1).empty());  // the old attempt's reports do not count
  EXPECT_TRUE(store.runs(0).empty());
  EXPECT_EQ(store.trials()[1].state, TrialState::running);
}

TEST_F(StudyStoreTest, HeartbeatsTellDriversApart) {
  auto store = StudyStore::create(path, settings);
  store.claim(constant, "other-host:9");
  store.heartbeat("other-host:9");
  double seen_age = -1;
  store.requeue_orphans([&](const std::string&, double age) {
    seen_age = age;
    return true;
  });
  EXPECT_GE(seen_age, 0);
  EXPECT_LT(seen_age, 60);
}

TEST_F(StudyStoreTest, BadFilesAreOneLineNamingThem) {
  EXPECT_NE(store_error([&] { StudyStore::open(path); }).find(path + ": no such study database"), std::string::npos);
  std::ofstream(path) << "this is not a database, it is a text file of some length............................";
  const auto corrupt = store_error([&] { StudyStore::open(path); });
  EXPECT_NE(corrupt.find(path), std::string::npos) << corrupt;
  EXPECT_NE(corrupt.find("not a database"), std::string::npos) << corrupt;
  std::filesystem::remove(path);
  SqliteDatabase::open(path).exec("CREATE TABLE other(x)");
  EXPECT_NE(store_error([&] { StudyStore::open(path); }).find("not a modlr study"), std::string::npos);
}

TEST_F(StudyStoreTest, ALockedDatabaseIsAnErrorNamingItAfterTheTimeout) {
  StudyStore::create(path, settings);
  auto holder = SqliteDatabase::open(path);
  holder.exec("BEGIN IMMEDIATE");
  auto waiter = SqliteDatabase::open(path, false, /*busy_timeout_ms=*/100);
  const auto message = store_error([&] { waiter.exec("BEGIN IMMEDIATE"); });
  EXPECT_NE(message.find(path), std::string::npos) << message;
  EXPECT_NE(message.find("locked"), std::string::npos) << message;
  holder.exec("ROLLBACK");
}

}  // namespace
}  // namespace modlr
