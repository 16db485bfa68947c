// SQLite as an SqlDatabase (tracking/sqlite.h): every failure one line naming the file.
#include "modlr/tracking/sqlite.h"

#include <sqlite3.h>

#include <chrono>
#include <cmath>

#include "modlr/core/error.h"

namespace modlr {
namespace {

void close_database(sqlite3* handle) { sqlite3_close_v2(handle); }

SqlValue column_value(sqlite3_stmt* statement, int column) {
  switch (sqlite3_column_type(statement, column)) {
    case SQLITE_INTEGER:
      return static_cast<int64_t>(sqlite3_column_int64(statement, column));
    case SQLITE_FLOAT:
      return sqlite3_column_double(statement, column);
    case SQLITE_NULL:
      return std::monostate{};
    default: {
      const auto* bytes = sqlite3_column_text(statement, column);
      return std::string(reinterpret_cast<const char*>(bytes), sqlite3_column_bytes(statement, column));
    }
  }
}

}  // namespace

std::unique_ptr<SqliteDatabase> SqliteDatabase::open(const std::string& path, bool create, int busy_timeout_ms) {
  sqlite3* handle = nullptr;
  const int flags = SQLITE_OPEN_READWRITE | (create ? SQLITE_OPEN_CREATE : 0) | SQLITE_OPEN_NOMUTEX;
  const int code = sqlite3_open_v2(path.c_str(), &handle, flags, nullptr);
  std::unique_ptr<SqliteDatabase> database(new SqliteDatabase(path, handle));  // owns the handle even on failure
  if (code != SQLITE_OK) database->fail("cannot open the database");
  sqlite3_busy_timeout(handle, busy_timeout_ms);
  // The first statement that reads the file is where "file is not a database" shows.
  database->exec("PRAGMA journal_mode=WAL; PRAGMA foreign_keys=ON; PRAGMA synchronous=NORMAL");
  return database;
}

SqliteDatabase::SqliteDatabase(std::string path, sqlite3* handle)
    : path_(std::move(path)), handle_(handle, close_database) {}

void SqliteDatabase::fail(const std::string& what) const {
  const char* message = handle_ ? sqlite3_errmsg(handle_.get()) : "out of memory";
  throw Error(path_ + ": " + what + ": " + message);
}

void SqliteDatabase::exec(const std::string& sql) {
  char* message = nullptr;
  if (sqlite3_exec(handle_.get(), sql.c_str(), nullptr, nullptr, &message) == SQLITE_OK) return;
  const std::string text = message ? message : "unknown error";
  sqlite3_free(message);
  throw Error(path_ + ": " + text);
}

double SqliteDatabase::clock_seconds() {
  return std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
}

void SqliteDatabase::rollback_quietly() noexcept { sqlite3_exec(handle_.get(), "ROLLBACK", nullptr, nullptr, nullptr); }

std::vector<SqlRow> SqliteDatabase::query(const std::string& sql, const std::vector<SqlValue>& params) {
  sqlite3_stmt* raw = nullptr;
  if (sqlite3_prepare_v2(handle_.get(), sql.c_str(), -1, &raw, nullptr) != SQLITE_OK) fail("cannot prepare a query");
  const std::unique_ptr<sqlite3_stmt, int (*)(sqlite3_stmt*)> statement(raw, sqlite3_finalize);
  for (size_t i = 0; i < params.size(); ++i) {
    const int index = static_cast<int>(i) + 1;
    const auto& param = params[i];
    int code = SQLITE_OK;
    if (const auto* integer = std::get_if<int64_t>(&param)) {
      code = sqlite3_bind_int64(raw, index, *integer);
    } else if (const auto* real = std::get_if<double>(&param); real && !std::isnan(*real)) {
      code = sqlite3_bind_double(raw, index, *real);
    } else if (const auto* text = std::get_if<std::string>(&param)) {
      code = sqlite3_bind_text(raw, index, text->data(), static_cast<int>(text->size()), SQLITE_TRANSIENT);
    } else {
      code = sqlite3_bind_null(raw, index);  // NULL, or NaN (sql_database.h)
    }
    if (code != SQLITE_OK) fail("cannot bind a query parameter");
  }
  std::vector<SqlRow> rows;
  for (;;) {
    const int code = sqlite3_step(raw);
    if (code == SQLITE_DONE) return rows;
    if (code != SQLITE_ROW) fail("query failed");
    std::vector<SqlValue> values;
    const int columns = sqlite3_column_count(raw);
    values.reserve(static_cast<size_t>(columns));
    for (int c = 0; c < columns; ++c) values.push_back(column_value(raw, c));
    rows.emplace_back(std::move(values));
  }
}

}  // namespace modlr
