// RAII over SQLite's C API (tracking/sqlite.h): every failure one line naming the file.
#include "modlr/tracking/sqlite.h"

#include <sqlite3.h>

#include "modlr/core/error.h"

namespace modlr {

SqliteDatabase SqliteDatabase::open(const std::string& path, bool create, int busy_timeout_ms) {
  sqlite3* handle = nullptr;
  const int flags = SQLITE_OPEN_READWRITE | (create ? SQLITE_OPEN_CREATE : 0) | SQLITE_OPEN_NOMUTEX;
  const int code = sqlite3_open_v2(path.c_str(), &handle, flags, nullptr);
  SqliteDatabase database(path, handle);  // owns the handle even when opening failed
  if (code != SQLITE_OK) database.fail("cannot open the database");
  sqlite3_busy_timeout(handle, busy_timeout_ms);
  // The first statement that reads the file is where "file is not a database" shows.
  database.exec("PRAGMA journal_mode=WAL; PRAGMA foreign_keys=ON; PRAGMA synchronous=NORMAL");
  return database;
}

SqliteDatabase::SqliteDatabase(std::string path, sqlite3* handle)
    : path_(std::move(path)), handle_(handle, [](sqlite3* h) { sqlite3_close_v2(h); }) {}

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

void SqliteDatabase::rollback_quietly() noexcept { sqlite3_exec(handle_.get(), "ROLLBACK", nullptr, nullptr, nullptr); }

SqliteStatement SqliteDatabase::prepare(const std::string& sql) {
  sqlite3_stmt* statement = nullptr;
  if (sqlite3_prepare_v2(handle_.get(), sql.c_str(), -1, &statement, nullptr) != SQLITE_OK)
    fail("cannot prepare a query");
  return SqliteStatement(*this, statement);
}

SqliteStatement::SqliteStatement(SqliteDatabase& database, sqlite3_stmt* statement)
    : database_(&database), statement_(statement, [](sqlite3_stmt* s) { sqlite3_finalize(s); }) {}

void SqliteStatement::check_bind(int code) {
  if (code != SQLITE_OK) database_->fail("cannot bind a query parameter");
}

SqliteStatement& SqliteStatement::bind(int index, int64_t value) {
  check_bind(sqlite3_bind_int64(statement_.get(), index, value));
  return *this;
}

SqliteStatement& SqliteStatement::bind(int index, double value) {
  check_bind(sqlite3_bind_double(statement_.get(), index, value));
  return *this;
}

SqliteStatement& SqliteStatement::bind(int index, const std::string& value) {
  check_bind(
      sqlite3_bind_text(statement_.get(), index, value.data(), static_cast<int>(value.size()), SQLITE_TRANSIENT));
  return *this;
}

SqliteStatement& SqliteStatement::bind_null(int index) {
  check_bind(sqlite3_bind_null(statement_.get(), index));
  return *this;
}

SqliteStatement& SqliteStatement::bind(int index, const std::optional<double>& value) {
  return value ? bind(index, *value) : bind_null(index);
}

bool SqliteStatement::step() {
  const int code = sqlite3_step(statement_.get());
  if (code != SQLITE_ROW && code != SQLITE_DONE) database_->fail("query failed");
  return code == SQLITE_ROW;
}

void SqliteStatement::run() {
  step();
  reset();
}

void SqliteStatement::reset() {
  sqlite3_reset(statement_.get());
  sqlite3_clear_bindings(statement_.get());
}

int64_t SqliteStatement::integer(int column) const { return sqlite3_column_int64(statement_.get(), column); }

double SqliteStatement::real(int column) const { return sqlite3_column_double(statement_.get(), column); }

std::string SqliteStatement::text(int column) const {
  const auto* bytes = sqlite3_column_text(statement_.get(), column);
  if (!bytes) return "";
  return std::string(reinterpret_cast<const char*>(bytes), sqlite3_column_bytes(statement_.get(), column));
}

bool SqliteStatement::is_null(int column) const { return sqlite3_column_type(statement_.get(), column) == SQLITE_NULL; }

std::optional<double> SqliteStatement::optional_real(int column) const {
  if (is_null(column)) return std::nullopt;
  return real(column);
}

}  // namespace modlr
