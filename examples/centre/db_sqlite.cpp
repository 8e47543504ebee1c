// firebus — fire-safety IoT SDK.
// firebus-centre: the SQLite connection (db.hpp).
#include <charconv>
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
  }
  ~sqlite_connection() override {
    for (auto& [sql, st] : cache_) sqlite3_finalize(st);
    sqlite3_close(db_);
  }
  sqlite_connection(const sqlite_connection&) = delete;
  sqlite_connection& operator=(const sqlite_connection&) = delete;

  void exec(const std::string& sql) override {
    char* err = nullptr;
    const int rc = sqlite3_exec(db_, sql.c_str(), nullptr, nullptr, &err);
    if (rc != SQLITE_OK) {
      const std::string msg = err != nullptr ? err : sqlite3_errstr(rc);
      sqlite3_free(err);
      fail(rc, msg + " (in: " + sql.substr(0, 80) + ")");
    }
  }

  result query(const std::string& sql, const std::vector<value>& params) override {
    sqlite3_stmt* st = prepare(sql);
    struct resetter {
      sqlite3_stmt* s;
      ~resetter() {
        sqlite3_reset(s);
        sqlite3_clear_bindings(s);
      }
    } reset{st};
    for (std::size_t i = 0; i < params.size(); ++i) {
      const std::string name = "$" + std::to_string(i + 1);
      const int idx = sqlite3_bind_parameter_index(st, name.c_str());
      if (idx == 0) continue;  // not used by this statement
      const value& v = params[i];
      int rc = SQLITE_OK;
      if (const auto* n = std::get_if<std::int64_t>(&v)) {
        rc = sqlite3_bind_int64(st, idx, *n);
      } else if (const auto* d = std::get_if<double>(&v)) {
        rc = sqlite3_bind_double(st, idx, *d);
      } else if (const auto* s = std::get_if<std::string>(&v)) {
        rc = sqlite3_bind_text(st, idx, s->data(), static_cast<int>(s->size()), SQLITE_TRANSIENT);
      } else if (const auto* b = std::get_if<blob>(&v)) {
        rc = sqlite3_bind_blob(st, idx, b->data(), static_cast<int>(b->size()), SQLITE_TRANSIENT);
      } else {
        rc = sqlite3_bind_null(st, idx);
      }
      if (rc != SQLITE_OK) fail(rc, sqlite3_errmsg(db_));
    }
    result out;
    const int ncol = sqlite3_column_count(st);
    for (int c = 0; c < ncol; ++c) out.columns.emplace_back(sqlite3_column_name(st, c));
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
    return out;
  }

  dialect kind() const noexcept override { return dialect::sqlite; }

 private:
  sqlite3_stmt* prepare(const std::string& sql) {
    auto it = cache_.find(sql);
    if (it != cache_.end()) return it->second;
    sqlite3_stmt* st = nullptr;
    const int rc = sqlite3_prepare_v3(db_, sql.c_str(), static_cast<int>(sql.size()),
                                      SQLITE_PREPARE_PERSISTENT, &st, nullptr);
    if (rc != SQLITE_OK) fail(rc, std::string(sqlite3_errmsg(db_)) + " (in: " + sql + ")");
    cache_.emplace(sql, st);
    return st;
  }

  [[noreturn]] static void fail(int rc, const std::string& msg) {
    const int primary = rc & 0xFF;
    const bool retryable = primary == SQLITE_BUSY || primary == SQLITE_LOCKED;
    throw db_error("SQLite: " + msg, retryable);
  }

  sqlite3* db_ = nullptr;
  std::unordered_map<std::string, sqlite3_stmt*> cache_;
};

}  // namespace

std::unique_ptr<connection> open_sqlite(const std::string& path,
                                        std::chrono::milliseconds busy_timeout) {
  return std::make_unique<sqlite_connection>(path, busy_timeout);
}

}  // namespace firebus_centre
