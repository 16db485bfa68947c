// PostgreSQL as an SqlDatabase (tracking/postgres.h), through libpq.
#include "modlr/tracking/postgres.h"

#ifdef MODLR_HAVE_POSTGRES
#include <libpq-fe.h>
#endif

#include <cmath>
#include <cstdio>
#include <regex>

#include "modlr/core/error.h"
#include "modlr/core/text.h"

namespace modlr {

bool is_postgres_url(const std::string& text) {
  return text.rfind("postgresql://", 0) == 0 || text.rfind("postgres://", 0) == 0;
}

std::string hide_url_password(const std::string& url) {
  static const std::regex userinfo(R"(^(postgres(?:ql)?://[^:/@?#]*:)[^@/?#]*@)");
  static const std::regex parameter(R"((password\s*=\s*)('(?:[^'\\]|\\.)*'|[^&\s]+))", std::regex::icase);
  return std::regex_replace(std::regex_replace(url, userinfo, "$1***@"), parameter, "$1***");
}

std::string quote_sql_identifier(const std::string& name) {
  std::string quoted = "\"";
  for (const char c : name) quoted += c == '"' ? std::string("\"\"") : std::string(1, c);
  return quoted + "\"";
}

#ifdef MODLR_HAVE_POSTGRES
namespace {

// Type OIDs (the server's catalog/pg_type.h, fixed across versions).
constexpr Oid kBool = 16, kInt8 = 20, kInt2 = 21, kInt4 = 23, kOid = 26, kFloat4 = 700, kFloat8 = 701, kNumeric = 1700;

void close_connection(pg_conn* connection) { PQfinish(connection); }
void ignore_notice(void* /*unused*/, const char* /*message*/) {}

// `?` -> `$1, $2, ...`, outside quoted literals and identifiers.
std::string numbered_parameters(const std::string& sql) {
  std::string out;
  out.reserve(sql.size() + 16);
  char quote = 0;
  int next = 1;
  for (const char c : sql) {
    if (quote) {
      if (c == quote) quote = 0;  // a doubled quote closes and reopens: the same text
    } else if (c == '\'' || c == '"') {
      quote = c;
    } else if (c == '?') {
      out += "$" + std::to_string(next++);
      continue;
    }
    out += c;
  }
  return out;
}

// A parameter as text (nullopt: NULL). NaN is NULL, as SQLite keeps it (sql_database.h).
std::optional<std::string> parameter_text(const SqlValue& value) {
  if (const auto* integer = std::get_if<int64_t>(&value)) return std::to_string(*integer);
  if (const auto* text = std::get_if<std::string>(&value)) return *text;
  if (const auto* real = std::get_if<double>(&value)) {
    if (std::isnan(*real)) return std::nullopt;
    if (std::isinf(*real)) return std::string(*real > 0 ? "Infinity" : "-Infinity");
    char buffer[32];
    std::snprintf(buffer, sizeof buffer, "%.17g", *real);
    return std::string(buffer);
  }
  return std::nullopt;
}

SqlValue result_value(const PGresult* result, int row, int column) {
  if (PQgetisnull(result, row, column)) return std::monostate{};
  const std::string text = PQgetvalue(result, row, column);
  switch (PQftype(result, column)) {
    case kInt2:
    case kInt4:
    case kInt8:
    case kOid:
      return static_cast<int64_t>(std::stoll(text));
    case kFloat4:
    case kFloat8:
    case kNumeric:
      return std::strtod(text.c_str(), nullptr);  // takes "NaN" and "Infinity" too
    case kBool:
      return static_cast<int64_t>(text == "t");
    default:
      return text;
  }
}

// libpq's messages end in newlines and may continue on more lines: the first line is it.
std::string first_line(const char* message) {
  std::string text = message ? message : "";
  if (const auto newline = text.find('\n'); newline != std::string::npos) text.resize(newline);
  text = trim(text);
  return text.empty() ? "unknown error" : text;
}

// FNV-1a: a stable 64-bit advisory lock key per schema.
int64_t lock_key_of(const std::string& schema) {
  uint64_t hash = 14695981039346656037ULL;
  for (const unsigned char c : "modlr:" + schema) hash = (hash ^ c) * 1099511628211ULL;
  return static_cast<int64_t>(hash);
}

}  // namespace

std::unique_ptr<PostgresDatabase> PostgresDatabase::connect(const std::string& url, const std::string& schema) {
  // The URL comes last, so its own connect_timeout or application_name wins.
  const char* keys[] = {"connect_timeout", "application_name", "dbname", nullptr};
  const char* values[] = {"10", "modlr", url.c_str(), nullptr};
  std::unique_ptr<PostgresDatabase> database(
      new PostgresDatabase(hide_url_password(url), PQconnectdbParams(keys, values, /*expand_dbname=*/1)));
  auto* connection = database->connection_.get();
  if (!connection) throw Error(database->name_ + ": cannot connect: out of memory");
  if (PQstatus(connection) != CONNECTION_OK) database->fail("cannot connect", PQerrorMessage(connection));
  PQsetNoticeProcessor(connection, ignore_notice, nullptr);
  if (!schema.empty()) {
    database->exec("SET search_path TO " + quote_sql_identifier(schema));
    database->lock_key_ = lock_key_of(schema);
  }
  return database;
}

PostgresDatabase::PostgresDatabase(std::string name, pg_conn* connection)
    : name_(std::move(name)), connection_(connection, close_connection) {}

void PostgresDatabase::fail(const std::string& what, const std::string& message) const {
  throw Error(name_ + ": " + what + ": " + first_line(message.c_str()));
}

std::vector<SqlRow> PostgresDatabase::query(const std::string& sql, const std::vector<SqlValue>& params) {
  std::vector<std::optional<std::string>> texts;
  texts.reserve(params.size());
  for (const auto& param : params) texts.push_back(parameter_text(param));
  std::vector<const char*> pointers;
  pointers.reserve(texts.size());
  for (const auto& text : texts) pointers.push_back(text ? text->c_str() : nullptr);
  const std::unique_ptr<PGresult, void (*)(PGresult*)> result(
      PQexecParams(connection_.get(), numbered_parameters(sql).c_str(), static_cast<int>(pointers.size()), nullptr,
                   pointers.data(), nullptr, nullptr, /*resultFormat=*/0),
      PQclear);
  const auto status = result ? PQresultStatus(result.get()) : PGRES_FATAL_ERROR;
  if (status != PGRES_TUPLES_OK && status != PGRES_COMMAND_OK)
    fail("query failed", result ? PQresultErrorMessage(result.get()) : PQerrorMessage(connection_.get()));
  std::vector<SqlRow> rows;
  const int count = PQntuples(result.get()), columns = PQnfields(result.get());
  rows.reserve(static_cast<size_t>(count));
  for (int r = 0; r < count; ++r) {
    std::vector<SqlValue> values;
    values.reserve(static_cast<size_t>(columns));
    for (int c = 0; c < columns; ++c) values.push_back(result_value(result.get(), r, c));
    rows.emplace_back(std::move(values));
  }
  return rows;
}

void PostgresDatabase::exec(const std::string& sql) {
  const std::unique_ptr<PGresult, void (*)(PGresult*)> result(PQexec(connection_.get(), sql.c_str()), PQclear);
  const auto status = result ? PQresultStatus(result.get()) : PGRES_FATAL_ERROR;
  if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK)
    fail("query failed", result ? PQresultErrorMessage(result.get()) : PQerrorMessage(connection_.get()));
}

double PostgresDatabase::clock_seconds() {
  return query("SELECT EXTRACT(EPOCH FROM clock_timestamp())::DOUBLE PRECISION")[0].real(0);
}

void PostgresDatabase::begin_locked() {
  exec("BEGIN");
  try {
    query("SELECT pg_advisory_xact_lock(?)", {lock_key_});
  } catch (...) {
    rollback_quietly();
    throw;
  }
}

void PostgresDatabase::rollback_quietly() noexcept {
  PGresult* result = PQexec(connection_.get(), "ROLLBACK");
  PQclear(result);
}

#else  // built without libpq (CMake found no libpq-dev)

std::unique_ptr<PostgresDatabase> PostgresDatabase::connect(const std::string& url, const std::string& /*schema*/) {
  throw Error(hide_url_password(url) +
              ": this modlr was built without PostgreSQL: install libpq-dev (apt-get install libpq-dev) and rebuild");
}
PostgresDatabase::PostgresDatabase(std::string name, pg_conn* /*connection*/)
    : name_(std::move(name)), connection_(nullptr, [](pg_conn* /*unused*/) {}) {}
std::vector<SqlRow> PostgresDatabase::query(const std::string& /*sql*/, const std::vector<SqlValue>& /*params*/) {
  throw Error(name_ + ": built without PostgreSQL");
}
void PostgresDatabase::exec(const std::string& /*sql*/) { throw Error(name_ + ": built without PostgreSQL"); }
double PostgresDatabase::clock_seconds() { throw Error(name_ + ": built without PostgreSQL"); }
void PostgresDatabase::begin_locked() { throw Error(name_ + ": built without PostgreSQL"); }
void PostgresDatabase::rollback_quietly() noexcept {}
void PostgresDatabase::fail(const std::string& what, const std::string& message) const {
  throw Error(name_ + ": " + what + ": " + message);
}

#endif
}  // namespace modlr
