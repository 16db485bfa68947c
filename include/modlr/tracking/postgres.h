#pragma once
/// PostgreSQL (Debian's libpq) as an SqlDatabase (tracking/sql_database.h): the store of a
/// tuning study that drivers on several hosts share (tune/study_store.h). No torch here.
///
/// Statements are the shared SQL of sql_database.h: `?` parameters become `$1, $2, ...`,
/// parameters go as text and Postgres infers their types from the statement. Results are
/// read as integers (int2/4/8), reals (float4/8, numeric) or text.
///
/// Every error is a modlr::Error of one line naming the server by its URL with any password
/// hidden: an unreachable or refusing server (after a 10 s connect timeout unless the URL
/// sets `connect_timeout`), a failed statement, a connection lost mid-study. Passwords
/// belong in ~/.pgpass or PGPASSWORD, which libpq reads itself, not in URLs that logs and
/// files show. A database is used by one thread at a time.
#include <memory>
#include <string>

#include "modlr/tracking/sql_database.h"

struct pg_conn;

namespace modlr {

class PostgresDatabase final : public SqlDatabase {
 public:
  /// Connects to `url` (libpq's `postgresql://[user@]host[:port]/database[?param=value]`
  /// or its `key=value ...` form). With `schema`, unqualified names mean that schema's
  /// tables (it may not exist yet: create it with `CREATE SCHEMA`), and in_transaction
  /// serialises the transactions of every connection to the same schema.
  static std::unique_ptr<PostgresDatabase> connect(const std::string& url, const std::string& schema = "");

  std::vector<SqlRow> query(const std::string& sql, const std::vector<SqlValue>& params = {}) override;
  void exec(const std::string& sql) override;
  const std::string& name() const override { return name_; }
  double clock_seconds() override;

 protected:
  /// BEGIN, then a transaction-scoped advisory lock on the schema: what SQLite's BEGIN
  /// IMMEDIATE is to one file, for the connections that share the schema.
  void begin_locked() override;
  void rollback_quietly() noexcept override;

 private:
  PostgresDatabase(std::string name, pg_conn* connection);
  [[noreturn]] void fail(const std::string& what, const std::string& message) const;
  std::string name_;
  std::unique_ptr<pg_conn, void (*)(pg_conn*)> connection_;
  int64_t lock_key_ = 0;
};

/// True for `postgresql://` and `postgres://` URLs.
bool is_postgres_url(const std::string& text);
/// `url` with the password it carries (`user:password@`, `password=...`) replaced by ***.
std::string hide_url_password(const std::string& url);
/// A name as a quoted SQL identifier ("name", inner quotes doubled).
std::string quote_sql_identifier(const std::string& name);

}  // namespace modlr
