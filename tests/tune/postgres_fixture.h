#pragma once
// A real PostgreSQL server for a test (tests/tune/postgres_server.sh: initdb, trust auth,
// 127.0.0.1 on a free port), stopped and removed when the object goes.
#include <gtest/gtest.h>

#include <string>

#include "test_support.h"

namespace modlr::testing {

class PostgresServer {
 public:
  PostgresServer() {
    const auto started = run_command(script() + " start " + dir_.file("server") + " " + std::to_string(unused_port()));
    EXPECT_EQ(started.exit_code, 0) << started.err;
    url_ = started.out.substr(0, started.out.find('\n'));
  }
  ~PostgresServer() { run_command(script() + " stop " + dir_.file("server")); }
  PostgresServer(const PostgresServer&) = delete;
  PostgresServer& operator=(const PostgresServer&) = delete;

  /// postgresql://modlr@127.0.0.1:PORT/postgres ("" when it did not start).
  const std::string& url() const { return url_; }

 private:
  static std::string script() { return std::string(MODLR_SOURCE_DIR) + "/tests/tune/postgres_server.sh"; }
  TempDir dir_;
  std::string url_;
};

}  // namespace modlr::testing
