// The SQL both study engines run (tracking/sql_database.h): the same statements, values and
// transactions on SQLite and on a real PostgreSQL server.
#include <gtest/gtest.h>

#include <chrono>
#include <cmath>
#include <memory>

#include "modlr/core/error.h"
#include "modlr/tracking/postgres.h"
#include "modlr/tracking/sqlite.h"
#include "tune/postgres_fixture.h"

namespace modlr {
namespace {

class SqlEngineTest : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    if (GetParam() == "postgres") {
      server = std::make_unique<testing::PostgresServer>();
      ASSERT_FALSE(server->url().empty());
      database = PostgresDatabase::connect(server->url(), "engine_test");
      database->exec("CREATE SCHEMA engine_test");
    } else {
      database = SqliteDatabase::open(dir.file("test.db"));
    }
    database->exec(
        "CREATE TABLE t(k TEXT PRIMARY KEY, i BIGINT, r DOUBLE PRECISION, s TEXT); CREATE TABLE u(x BIGINT)");
  }

  std::unique_ptr<testing::PostgresServer> server;
  testing::TempDir dir;
  std::unique_ptr<SqlDatabase> database;
};

INSTANTIATE_TEST_SUITE_P(Engines, SqlEngineTest, ::testing::Values("sqlite", "postgres"),
                         [](const ::testing::TestParamInfo<std::string>& info) { return info.param; });

TEST_P(SqlEngineTest, ValuesRoundTripWithTheirTypesAndNaNIsNull) {
  database->query("INSERT INTO t VALUES (?, ?, ?, ?)",
                  {std::string("a"), int64_t{-9007199254740993}, 0.1, std::string("it's ?")});
  database->query("INSERT INTO t VALUES (?, ?, ?, ?)", {std::string("b"), SqlValue(), NAN, SqlValue()});
  const auto rows = database->query("SELECT k, i, r, s FROM t WHERE k IN (?, ?) ORDER BY k", {"a", "b"});
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_EQ(rows[0].integer(1), -9007199254740993);  // beyond a double's integers
  EXPECT_EQ(rows[0].real(2), 0.1);                   // all 17 digits
  EXPECT_EQ(rows[0].text(3), "it's ?");
  EXPECT_TRUE(rows[1].is_null(1));
  EXPECT_TRUE(rows[1].is_null(2));  // NaN was stored as NULL
  EXPECT_TRUE(std::isnan(rows[1].real(2)));
  EXPECT_FALSE(rows[1].optional_real(2));
  EXPECT_EQ(rows[1].text(3), "");
}

TEST_P(SqlEngineTest, QuestionMarksInsideLiteralsAreNotParameters) {
  const auto rows = database->query("SELECT '?' || ?, 'a''?' || ?", {"x", "y"});
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0].text(0), "?x");
  EXPECT_EQ(rows[0].text(1), "a'?y");
}

TEST_P(SqlEngineTest, UpsertAggregatesAndTransactions) {
  for (const int64_t x : {1, 2, 3}) database->query("INSERT INTO u VALUES (?)", {x});
  database->query("INSERT INTO t(k, i) VALUES (?, ?) ON CONFLICT(k) DO UPDATE SET i=excluded.i", {"k", int64_t{1}});
  database->query("INSERT INTO t(k, i) VALUES (?, ?) ON CONFLICT(k) DO UPDATE SET i=excluded.i", {"k", int64_t{2}});
  const auto sums = database->query("SELECT COUNT(*), AVG(x), (SELECT i FROM t WHERE k='k') FROM u");
  EXPECT_EQ(sums[0].integer(0), 3);
  EXPECT_DOUBLE_EQ(sums[0].real(1), 2.0);
  EXPECT_EQ(sums[0].integer(2), 2);
  EXPECT_THROW(database->in_transaction([&] {
    database->query("INSERT INTO u VALUES (?)", {int64_t{4}});
    throw Error("rolled back");
  }),
               Error);
  EXPECT_EQ(database->in_transaction([&] { return database->query("SELECT COUNT(*) FROM u")[0].integer(0); }), 3);
}

TEST_P(SqlEngineTest, TheClockIsTheDatabasesAndInSeconds) {
  const double local = std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
  const double first = database->clock_seconds(), second = database->clock_seconds();
  EXPECT_NEAR(first, local, 5.0);  // the test's server runs on this host
  EXPECT_GE(second, first);
}

TEST_P(SqlEngineTest, AFailedStatementIsOneLineNamingTheDatabase) {
  const auto message = testing::error_message([&] { database->query("SELECT nope FROM t"); });
  EXPECT_EQ(message.rfind(database->name() + ": ", 0), 0u) << message;
  EXPECT_NE(message.find("nope"), std::string::npos) << message;
  EXPECT_EQ(message.find('\n'), std::string::npos) << message;
}

}  // namespace
}  // namespace modlr
