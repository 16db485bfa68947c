#pragma once
/// SQLite 3 (Debian's libsqlite3) as an SqlDatabase (tracking/sql_database.h): the tuning
/// studies' default store (tune/study_store.h) and the run index (compare/run_index.h).
/// No torch here.
///
/// Every error is a modlr::Error of one line naming the database file: a file that is not
/// a database ("file is not a database"), a locked one (after `busy_timeout_ms` of
/// waiting), a full disk. A database is used by one thread at a time; several processes
/// may share a file (WAL mode: readers never wait for the writer).
#include <memory>
#include <string>

#include "modlr/tracking/sql_database.h"

struct sqlite3;

namespace modlr {

class SqliteDatabase final : public SqlDatabase {
 public:
  /// Opens (creating it when `create`) the database at `path`, in WAL journal mode with
  /// foreign keys on, waiting up to `busy_timeout_ms` for another process's lock.
  /// Throws naming `path` when it cannot be opened or is not an SQLite database.
  static std::unique_ptr<SqliteDatabase> open(const std::string& path, bool create = true, int busy_timeout_ms = 30000);

  std::vector<SqlRow> query(const std::string& sql, const std::vector<SqlValue>& params = {}) override;
  void exec(const std::string& sql) override;
  const std::string& name() const override { return path_; }
  double clock_seconds() override;

  /// Throws modlr::Error "<path>: <what>: <sqlite's message>".
  [[noreturn]] void fail(const std::string& what) const;

 protected:
  /// BEGIN IMMEDIATE: SQLite's write lock, taken at the start.
  void begin_locked() override { exec("BEGIN IMMEDIATE"); }
  void rollback_quietly() noexcept override;

 private:
  SqliteDatabase(std::string path, sqlite3* handle);
  std::string path_;
  std::unique_ptr<sqlite3, void (*)(sqlite3*)> handle_;
};

}  // namespace modlr
