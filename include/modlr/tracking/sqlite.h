#pragma once
/// A thin RAII layer over SQLite 3 (Debian's libsqlite3) for modlr's own databases: the
/// tuning studies (tune/study_store.h) and the run index. No torch here.
///
/// Every error is a modlr::Error of one line naming the database file: a file that is not
/// a database ("file is not a database"), a locked one (after `busy_timeout_ms` of
/// waiting), a full disk. A Database is used by one thread at a time; several processes
/// may share a file (WAL mode: readers never wait for the writer).
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <type_traits>

struct sqlite3;
struct sqlite3_stmt;

namespace modlr {

class SqliteStatement;

class SqliteDatabase {
 public:
  /// Opens (creating it when `create`) the database at `path`, in WAL journal mode with
  /// foreign keys on, waiting up to `busy_timeout_ms` for another process's lock.
  /// Throws naming `path` when it cannot be opened or is not an SQLite database.
  static SqliteDatabase open(const std::string& path, bool create = true, int busy_timeout_ms = 30000);

  /// Runs one or more statements that return no rows.
  void exec(const std::string& sql);
  /// Compiles one statement (bind its `?` parameters, then step it).
  SqliteStatement prepare(const std::string& sql);

  /// BEGIN IMMEDIATE (takes the write lock now, so a read-then-write cannot be overtaken
  /// by another process), then COMMIT; or ROLLBACK when `body` throws.
  template <typename F>
  auto in_transaction(F&& body) {
    exec("BEGIN IMMEDIATE");
    try {
      if constexpr (std::is_void_v<decltype(body())>) {
        body();
        exec("COMMIT");
      } else {
        auto result = body();
        exec("COMMIT");
        return result;
      }
    } catch (...) {
      rollback_quietly();
      throw;
    }
  }

  const std::string& path() const { return path_; }
  /// Throws modlr::Error "<path>: <what>: <sqlite's message>".
  [[noreturn]] void fail(const std::string& what) const;

 private:
  SqliteDatabase(std::string path, sqlite3* handle);
  void rollback_quietly() noexcept;
  std::string path_;
  std::shared_ptr<sqlite3> handle_;
  friend class SqliteStatement;
};

/// One compiled statement. Parameters are 1-based, columns 0-based, as in SQLite's C API.
class SqliteStatement {
 public:
  SqliteStatement& bind(int index, int64_t value);
  SqliteStatement& bind(int index, double value);
  SqliteStatement& bind(int index, const std::string& value);
  SqliteStatement& bind_null(int index);
  /// Binds a value or NULL.
  SqliteStatement& bind(int index, const std::optional<double>& value);

  /// Advances to the next row: true when there is one, false when done.
  bool step();
  /// step() for a statement that returns no rows, then reset() for reuse.
  void run();
  void reset();

  int64_t integer(int column) const;
  double real(int column) const;
  std::string text(int column) const;  ///< "" for NULL
  bool is_null(int column) const;
  std::optional<double> optional_real(int column) const;

 private:
  SqliteStatement(SqliteDatabase& database, sqlite3_stmt* statement);
  void check_bind(int code);
  SqliteDatabase* database_;
  std::shared_ptr<sqlite3_stmt> statement_;
  friend class SqliteDatabase;
};

}  // namespace modlr
