// firebus — fire-safety IoT SDK.
// firebus-centre: a minimal SQL connection interface with two implementations, SQLite and
// PostgreSQL (libpq), so that the store's statements are written once. Statements use `$1`,
// `$2`, ... parameters in both (SQLite binds them by name); the schema DDL is per dialect.
#ifndef FIREBUS_CENTRE_DB_HPP
#define FIREBUS_CENTRE_DB_HPP

#include <chrono>
#include <cstdint>
#include <memory>
#include <stdexcept>
#include <string>
#include <variant>
#include <vector>

namespace firebus_centre {

/// Raw bytes (BLOB / BYTEA).
using blob = std::vector<std::uint8_t>;
/// One SQL value: NULL, integer, real, text or bytes.
using value = std::variant<std::monostate, std::int64_t, double, std::string, blob>;
/// One result row.
using row = std::vector<value>;

/// The rows of a query and the names of their columns.
struct result {
  std::vector<std::string> columns;
  std::vector<row> rows;
  /// Rows inserted, updated or deleted by an INSERT, UPDATE or DELETE (0 for other statements).
  std::int64_t affected = 0;
  /// SQLite: the rowid of the last row inserted on the connection (use RETURNING in PostgreSQL).
  std::int64_t last_insert_id = 0;
  bool empty() const noexcept { return rows.empty(); }
};

/// A failed statement. `retryable`: a deadlock, a serialization failure, a busy database or a
/// lost connection — trying again may succeed.
class db_error : public std::runtime_error {
 public:
  db_error(const std::string& what, bool retryable)
      : std::runtime_error(what), retryable_(retryable) {}
  bool retryable() const noexcept { return retryable_; }

 private:
  bool retryable_;
};

enum class dialect { sqlite, postgres };

/// One database connection; not thread-safe (one per thread).
class connection {
 public:
  virtual ~connection() = default;
  /// Runs statements without parameters or results (DDL, BEGIN, COMMIT, SAVEPOINT).
  virtual void exec(const std::string& sql) = 0;
  /// Runs one statement with parameters (prepared once per connection and cached).
  virtual result query(const std::string& sql, const std::vector<value>& params = {}) = 0;
  virtual dialect kind() const noexcept = 0;
  /// Re-establishes a lost connection (PostgreSQL); nothing for SQLite.
  virtual void recover() {}
};

/// Opens (creating it if missing) a SQLite database in WAL mode with synchronous=FULL.
std::unique_ptr<connection> open_sqlite(const std::string& path,
                                        std::chrono::milliseconds busy_timeout);
/// Connects to PostgreSQL with a libpq connection string ("host=... port=... dbname=...").
std::unique_ptr<connection> open_postgres(const std::string& conninfo);

// Helpers to read values.
inline bool is_null(const value& v) noexcept { return std::holds_alternative<std::monostate>(v); }
std::int64_t as_int(const value& v);
std::string as_text(const value& v);

}  // namespace firebus_centre

#endif  // FIREBUS_CENTRE_DB_HPP
