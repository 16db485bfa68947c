// The study database (tune/study_store.h): claims, attempts, curves, orphans, bad files;
// the same tests on SQLite and on a real PostgreSQL server (tune/postgres_fixture.h).
#include <gtest/gtest.h>
#include <unistd.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <thread>

#include "modlr/core/error.h"
#include "modlr/tracking/postgres.h"
#include "modlr/tracking/sqlite.h"
#include "modlr/tune/study_store.h"
#include "tune/postgres_fixture.h"

namespace modlr {
namespace {

std::string test_name() { return ::testing::UnitTest::GetInstance()->current_test_info()->name(); }

class StudyStoreTest : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    std::string name = test_name();
    name = name.substr(0, name.find('/'));
    dir = std::filesystem::temp_directory_path() / ("modlr-store-" + std::to_string(::getpid()) + "-" + name);
    std::filesystem::remove_all(dir);
    std::filesystem::create_directories(dir);
    path = (dir / "study.db").string();
    if (GetParam() == "postgres") {
      server = std::make_unique<testing::PostgresServer>();
      ASSERT_FALSE(server->url().empty());
      location = StudyLocation::postgres(server->url(), "store-test");
    } else {
      location = StudyLocation::sqlite(path);
    }
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

  std::unique_ptr<testing::PostgresServer> server;
  std::filesystem::path dir;
  std::string path;
  StudyLocation location;
  StudySettings settings;
};

INSTANTIATE_TEST_SUITE_P(Engines, StudyStoreTest, ::testing::Values("sqlite", "postgres"),
                         [](const ::testing::TestParamInfo<std::string>& info) { return info.param; });

std::string store_error(const std::function<void()>& body) {
  try {
    body();
  } catch (const Error& e) {
    return e.what();
  }
  return "no error";
}

TEST_P(StudyStoreTest, SettingsRoundTripAndTrialsAreNumberedUpToTheBudget) {
  auto store = StudyStore::create(location, settings);
  auto reopened = StudyStore::open(location);
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
  EXPECT_THROW(StudyStore::create(location, settings), Error);  // never over an existing study
}

TEST_P(StudyStoreTest, CurvesAreMeansOverSeedsAndFinishedTrialsKeepTheirValues) {
  auto store = StudyStore::create(location, settings);
  store.claim(constant, "me:1");
  store.start_run(0, 1, "/runs/a", "seed: 1\n");
  store.start_run(0, 2, "/runs/b", "seed: 2\n");
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
  EXPECT_EQ(runs[1].config, "seed: 2\n");
  EXPECT_EQ(runs[0].state, "complete");
  EXPECT_DOUBLE_EQ(*runs[0].value, 0.6);
  EXPECT_DOUBLE_EQ(runs[0].epochs, 1.0);
  trials = StudyStore::open(location).trials();
  EXPECT_EQ(trials[0].state, TrialState::complete);
  EXPECT_DOUBLE_EQ(*trials[0].value, 0.65);
  EXPECT_DOUBLE_EQ(*store.spread(0), 0.07);
}

TEST_P(StudyStoreTest, ADivergedReportIsNaN) {
  auto store = StudyStore::create(location, settings);
  store.claim(constant, "me:1");
  store.start_run(0, 1, "/runs/a", "seed: 1\n");
  store.report(0, 1, 1, NAN, 0.5);
  EXPECT_TRUE(std::isnan(store.run_curve(0, 1).at(1)));
  EXPECT_TRUE(std::isnan(store.trials()[0].curve.at(1)));
}

TEST_P(StudyStoreTest, OrphanedTrialsRerunWithTheSameParamsAndAFreshCurve) {
  auto store = StudyStore::create(location, settings);
  store.claim(constant, "gone:1");
  store.claim(constant, "alive:2");
  store.start_run(0, 1, "/runs/old", "");
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

TEST_P(StudyStoreTest, HeartbeatsTellDriversApart) {
  auto store = StudyStore::create(location, settings);
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

class SqliteStudyStoreTest : public StudyStoreTest {};
INSTANTIATE_TEST_SUITE_P(Engine, SqliteStudyStoreTest, ::testing::Values("sqlite"),
                         [](const ::testing::TestParamInfo<std::string>& info) { return info.param; });

TEST_P(SqliteStudyStoreTest, BadFilesAreOneLineNamingThem) {
  EXPECT_NE(store_error([&] { StudyStore::open(location); }).find(path + ": no such study database"),
            std::string::npos);
  std::ofstream(path) << "this is not a database, it is a text file of some length............................";
  const auto corrupt = store_error([&] { StudyStore::open(location); });
  EXPECT_NE(corrupt.find(path), std::string::npos) << corrupt;
  EXPECT_NE(corrupt.find("not a database"), std::string::npos) << corrupt;
  std::filesystem::remove(path);
  SqliteDatabase::open(path)->exec("CREATE TABLE other(x)");
  EXPECT_NE(store_error([&] { StudyStore::open(location); }).find("not a modlr study"), std::string::npos);
}

TEST_P(SqliteStudyStoreTest, ALockedDatabaseIsAnErrorNamingItAfterTheTimeout) {
  StudyStore::create(location, settings);
  auto holder = SqliteDatabase::open(path);
  holder->exec("BEGIN IMMEDIATE");
  auto waiter = SqliteDatabase::open(path, false, /*busy_timeout_ms=*/100);
  const auto message = store_error([&] { waiter->exec("BEGIN IMMEDIATE"); });
  EXPECT_NE(message.find(path), std::string::npos) << message;
  EXPECT_NE(message.find("locked"), std::string::npos) << message;
  holder->exec("ROLLBACK");
}

// Drivers on several hosts claim at once: every number is claimed exactly once.
TEST_P(StudyStoreTest, ConcurrentClaimsNeverShareANumber) {
  settings.trials = 24;
  StudyStore::create(location, settings);
  std::vector<std::vector<int64_t>> claimed(3);
  std::vector<std::string> errors(claimed.size());
  std::vector<std::thread> drivers;
  for (size_t d = 0; d < claimed.size(); ++d)
    drivers.emplace_back([&, d] {
      errors[d] = store_error([&] {
        auto store = StudyStore::open(location);  // each driver its own connection
        while (const auto trial = store.claim(constant, "driver:" + std::to_string(d)))
          claimed[d].push_back(trial->number);
      });
    });
  for (auto& driver : drivers) driver.join();
  for (const auto& error : errors) EXPECT_EQ(error, "no error");
  std::vector<int64_t> all;
  for (const auto& numbers : claimed) all.insert(all.end(), numbers.begin(), numbers.end());
  std::sort(all.begin(), all.end());
  ASSERT_EQ(all.size(), 24u);
  for (int64_t n = 0; n < 24; ++n) EXPECT_EQ(all[static_cast<size_t>(n)], n);
}

class PostgresStudyStoreTest : public StudyStoreTest {};
INSTANTIATE_TEST_SUITE_P(Engine, PostgresStudyStoreTest, ::testing::Values("postgres"),
                         [](const ::testing::TestParamInfo<std::string>& info) { return info.param; });

TEST_P(PostgresStudyStoreTest, BadInputIsOneLineNamingTheStudyOrTheServer) {
  const auto missing = store_error([&] { StudyStore::open(location); });
  EXPECT_NE(missing.find("study store-test in " + server->url() + ": no such study"), std::string::npos) << missing;
  StudyStore::create(location, settings);
  const auto taken = store_error([&] { StudyStore::create(location, settings); });
  EXPECT_NE(taken.find("already exists; join it with --join store-test"), std::string::npos) << taken;
  EXPECT_NE(store_error([&] { StudyLocation::postgres(server->url(), "a b"); }).find("study name 'a b'"),
            std::string::npos);
  EXPECT_NE(store_error([&] { StudyLocation::postgres("mysql://host/db", "x"); }).find("not a PostgreSQL URL"),
            std::string::npos);
  // Nobody listens on this port; the password never shows.
  const auto port = std::to_string(testing::unused_port());
  const auto refused = store_error(
      [&] { StudyStore::open(StudyLocation::postgres("postgresql://modlr:secret@127.0.0.1:" + port + "/db", "x")); });
  EXPECT_NE(refused.find("postgresql://modlr:***@127.0.0.1:" + port + "/db: cannot connect: "), std::string::npos)
      << refused;
  EXPECT_EQ(refused.find("secret"), std::string::npos) << refused;
  EXPECT_EQ(refused.find('\n'), std::string::npos) << refused;
}

TEST_P(PostgresStudyStoreTest, AServerThatDiesMidStudyIsOneLineNamingIt) {
  auto store = StudyStore::create(location, settings);
  ASSERT_TRUE(store.claim(constant, "me:1"));
  const auto url = server->url();
  server.reset();  // stopped at once, as a crashed server
  const auto lost = store_error([&] { store.claim(constant, "me:1"); });
  EXPECT_EQ(lost.rfind(url + ": ", 0), 0u) << lost;
  EXPECT_EQ(lost.find('\n'), std::string::npos) << lost;
}

TEST(StudyLocationTest, PasswordsAreHiddenInEveryForm) {
  EXPECT_EQ(hide_url_password("postgresql://u:pw@h:5/db"), "postgresql://u:***@h:5/db");
  EXPECT_EQ(hide_url_password("postgres://u@h/db?password=pw&sslmode=require"),
            "postgres://u@h/db?password=***&sslmode=require");
  EXPECT_EQ(hide_url_password("host=h password='a b' user=u"), "host=h password=*** user=u");
  EXPECT_EQ(hide_url_password("postgresql://h/db"), "postgresql://h/db");
}

}  // namespace
}  // namespace modlr
