#pragma once
/// The SQL that modlr's tuning studies (tune/study_store.h) run, on either engine: SQLite
/// (tracking/sqlite.h, a file one host's processes share) or PostgreSQL
/// (tracking/postgres.h, a server that drivers on several hosts share). No torch here.
///
/// Statements are written once, in the SQL both engines take (`?` parameters, BIGINT,
/// DOUBLE PRECISION, TEXT, `INSERT ... ON CONFLICT (...) DO UPDATE`); each engine adapts
/// the rest. A NaN parameter is stored as NULL on both (SQLite cannot keep NaN), so a NULL
/// real reads back as NaN only where the caller says so.
///
/// Every error is a modlr::Error of one line naming the database (its file, or its URL with
/// any password hidden). A database is used by one thread at a time.
#include <cstdint>
#include <optional>
#include <string>
#include <type_traits>
#include <variant>
#include <vector>

namespace modlr {

/// A parameter or a result: NULL, an integer, a real or text.
using SqlValue = std::variant<std::monostate, int64_t, double, std::string>;

/// One result row; columns are 0-based. Integers and reals convert into each other.
class SqlRow {
 public:
  explicit SqlRow(std::vector<SqlValue> values) : values_(std::move(values)) {}
  int64_t integer(size_t column) const;
  double real(size_t column) const;       ///< NaN for NULL
  std::string text(size_t column) const;  ///< "" for NULL
  bool is_null(size_t column) const;
  std::optional<double> optional_real(size_t column) const;

 private:
  const SqlValue& at(size_t column) const;
  std::vector<SqlValue> values_;
};

class SqlDatabase {
 public:
  virtual ~SqlDatabase() = default;

  /// Runs one statement with `?` parameters, in order; returns its rows.
  virtual std::vector<SqlRow> query(const std::string& sql, const std::vector<SqlValue>& params = {}) = 0;
  /// Runs statements without parameters or results (a schema), `;`-separated.
  virtual void exec(const std::string& sql) = 0;
  /// The database as messages name it (a path, or a URL without its password).
  virtual const std::string& name() const = 0;
  /// Seconds since the Unix epoch by the database's clock: this host's for a file, the
  /// server's for a server (so hosts whose clocks differ compare the same time).
  virtual double clock_seconds() = 0;

  /// Runs `body` in a transaction that holds the database's write lock from its start (so
  /// a read-then-write cannot be overtaken by another process): committed when `body`
  /// returns, rolled back when it throws.
  template <typename F>
  auto in_transaction(F&& body) {
    begin_locked();
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

 protected:
  /// BEGIN, with the write lock taken now.
  virtual void begin_locked() = 0;
  virtual void rollback_quietly() noexcept = 0;
};

}  // namespace modlr
