// firebus — fire-safety IoT SDK.
// firebus-centre: the SQLite connection (db.hpp).
#include <charconv>
#include <cstring>
#include <string>
#include <unordered_map>

#include <sqlite3.h>

#include "db.hpp"

namespace firebus_centre {

std::int64_t as_int(const value& v) {
  if (const auto* i = std::get_if<std::int64_t>(&v)) return *i;
  if (const auto* d = std::get_if<double>(&v)) return static_cast<std::int64_t>(*d);
  if (const auto* s = std::get_if<std::string>(&v)) {
    std::int64_t out = 0;
    std::from_chars(s->data(), s->data() + s->size(), out);
    return out;
  }
  return 0;
}

std::string as_text(const value& v) {
  if (const auto* s = std::get_if<std::string>(&v)) return *s;
  if (const auto* i = std::get_if<std::int64_t>(&v)) return std::to_string(*i);
  if (const auto* d = std::get_if<double>(&v)) return std::to_string(*d);
  return {};
}

namespace {

class sqlite_connection final : public connection {
 public:
  sqlite_connection(const std::string& path, std::chrono::milliseconds busy_timeout) {
    const int rc =
        sqlite3_open_v2(path.c_str(), &db_,
                        SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, nullptr);
    if (rc != SQLITE_OK) {
      const std::string msg = db_ != nullptr ? sqlite3_errmsg(db_) : sqlite3_errstr(rc);
      sqlite3_close(db_);
      db_ = nullptr;
      throw db_error("cannot open SQLite database " + path + ": " + msg, false);
    }
    sqlite3_busy_timeout(db_, static_cast<int>(busy_timeout.count()));
    sqlite3_extended_result_codes(db_, 1);
    // WAL: readers (the HTTP API) never block the writer; synchronous=FULL: a commit is on disk
    // when it returns, so a confirm sent after it is never a lie (delivery.md).
    exec("PRAGMA journal_mode=WAL");
    exec("PRAGMA synchronous=FULL");
    exec("PRAGMA foreign_keys=ON");
    // A batch of messages dirties a few pages per message (random duplicate keys, per-unit index
    // entries): with the default 2 MiB cache a batch spilled its pages into the WAL mid-transaction
    // and wrote some twice. 64 MiB (allocated as used) keeps a batch in memory until COMMIT.
    exec("PRAGMA cache_size=-65536");
    // Checkpoint every ~16 MiB of WAL instead of ~4 MiB: a page changed by several batches is
    // copied into the database once. Durability is the WAL's (synced at every COMMIT).
    exec("PRAGMA wal_autocheckpoint=4096");
    exec("PRAGMA temp_store=MEMORY");  // RETURNING and statement journals
  }
  ~sqlite_connection() override {
    for (auto& [sql, st] : cache_) sqlite3_finalize(st.stmt);
    sqlite3_close(db_);
  }
  sqlite_connection(const sqlite_connection&) = delete;
  sqlite_connection& operator=(const sqlite_connection&) = delete;

  void exec(const std::string& sql) override {
    // One statement (BEGIN, COMMIT, SAVEPOINT, ...): prepared once, like query(); a script (the
    // schema) goes through sqlite3_exec.
    if (sql.find(';') == std::string::npos) {
      query(sql, {});
      return;
    }
    char* err = nullptr;
    const int rc = sqlite3_exec(db_, sql.c_str(), nullptr, nullptr, &err);
    if (rc != SQLITE_OK) {
      const std::string msg = err != nullptr ? err : sqlite3_errstr(rc);
      sqlite3_free(err);
      fail(rc, msg + " (in: " + sql.substr(0, 80) + ")");
    }
  }

  result query(const std::string& sql, const std::vector<value>& params) override {
    statement& ps = prepare(sql);
    sqlite3_stmt* st = ps.stmt;
    struct resetter {
      sqlite3_stmt* s;
      ~resetter() {
        sqlite3_reset(s);
        sqlite3_clear_bindings(s);
      }
    } reset{st};
    // `$n` binds params[n - 1]; the map from the statement's parameter indexes was made once.
    for (std::size_t idx = 1; idx <= ps.param_of.size(); ++idx) {
      const int k = ps.param_of[idx - 1];
      if (k < 0 || static_cast<std::size_t>(k) >= params.size()) continue;  // NULL
      const value& v = params[static_cast<std::size_t>(k)];
      const int i = static_cast<int>(idx);
      int rc = SQLITE_OK;
      if (const auto* n = std::get_if<std::int64_t>(&v)) {
        rc = sqlite3_bind_int64(st, i, *n);
      } else if (const auto* d = std::get_if<double>(&v)) {
        rc = sqlite3_bind_double(st, i, *d);
      } else if (const auto* s = std::get_if<std::string>(&v)) {
        rc = sqlite3_bind_text(st, i, s->data(), static_cast<int>(s->size()), SQLITE_STATIC);
      } else if (const auto* b = std::get_if<blob>(&v)) {
        rc = sqlite3_bind_blob(st, i, b->data(), static_cast<int>(b->size()), SQLITE_STATIC);
      }  // else NULL: clear_bindings left it so
      if (rc != SQLITE_OK) fail(rc, sqlite3_errmsg(db_));
    }
    result out;
    const int ncol = sqlite3_column_count(st);
    if (ps.columns.size() != static_cast<std::size_t>(ncol)) {  // first use, or re-prepared
      ps.columns.clear();
      for (int c = 0; c < ncol; ++c) ps.columns.emplace_back(sqlite3_column_name(st, c));
    }
    out.columns = ps.columns;
    for (;;) {
      const int rc = sqlite3_step(st);
      if (rc == SQLITE_DONE) break;
      if (rc != SQLITE_ROW) fail(rc, sqlite3_errmsg(db_));
      row r;
      r.reserve(static_cast<std::size_t>(ncol));
      for (int c = 0; c < ncol; ++c) {
        switch (sqlite3_column_type(st, c)) {
          case SQLITE_INTEGER:
            r.emplace_back(static_cast<std::int64_t>(sqlite3_column_int64(st, c)));
            break;
          case SQLITE_FLOAT:
            r.emplace_back(sqlite3_column_double(st, c));
            break;
          case SQLITE_TEXT: {
            const auto* p = reinterpret_cast<const char*>(sqlite3_column_text(st, c));
            r.emplace_back(std::string(p, static_cast<std::size_t>(sqlite3_column_bytes(st, c))));
            break;
          }
          case SQLITE_BLOB: {
            const auto* p = static_cast<const std::uint8_t*>(sqlite3_column_blob(st, c));
            r.emplace_back(blob(p, p + sqlite3_column_bytes(st, c)));
            break;
          }
          default:
            r.emplace_back(std::monostate{});
        }
      }
      out.rows.push_back(std::move(r));
    }
    if (sqlite3_stmt_readonly(st) == 0) {
      out.affected = static_cast<std::int64_t>(sqlite3_changes64(db_));
      out.last_insert_id = static_cast<std::int64_t>(sqlite3_last_insert_rowid(db_));
    }
    return out;
  }

  dialect kind() const noexcept override { return dialect::sqlite; }

 private:
  // A prepared statement, with what is looked up once: which params[] element each of its
  // parameters binds (`$n` → n - 1; -1: a name that is not `$n`) and the column names.
  struct statement {
    sqlite3_stmt* stmt = nullptr;
    std::vector<int> param_of;
    std::vector<std::string> columns;
  };

  statement& prepare(const std::string& sql) {
    auto it = cache_.find(sql);
    if (it != cache_.end()) return it->second;
    sqlite3_stmt* st = nullptr;
    const int rc = sqlite3_prepare_v3(db_, sql.c_str(), static_cast<int>(sql.size()),
                                      SQLITE_PREPARE_PERSISTENT, &st, nullptr);
    if (rc != SQLITE_OK) fail(rc, std::string(sqlite3_errmsg(db_)) + " (in: " + sql + ")");
    statement ps;
    ps.stmt = st;
    const int n = sqlite3_bind_parameter_count(st);
    for (int i = 1; i <= n; ++i) {
      const char* name = sqlite3_bind_parameter_name(st, i);
      int k = -1;
      if (name != nullptr && name[0] == '$') {
        const char* end = name + std::strlen(name);
        if (std::from_chars(name + 1, end, k).ptr != end || k < 1) k = 0;
        --k;
      }
      ps.param_of.push_back(k);
    }
    return cache_.emplace(sql, std::move(ps)).first->second;
  }

  [[noreturn]] static void fail(int rc, const std::string& msg) {
    const int primary = rc & 0xFF;
    const bool retryable = primary == SQLITE_BUSY || primary == SQLITE_LOCKED;
    throw db_error("SQLite: " + msg, retryable);
  }

  sqlite3* db_ = nullptr;
  std::unordered_map<std::string, statement> cache_;
};

}  // namespace

std::unique_ptr<connection> open_sqlite(const std::string& path,
                                        std::chrono::milliseconds busy_timeout) {
  return std::make_unique<sqlite_connection>(path, busy_timeout);
}

}  // namespace firebus_centre
