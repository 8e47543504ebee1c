// firebus — fire-safety IoT SDK.
// firebus-centre: the PostgreSQL connection (db.hpp), with libpq.
#include <libpq-fe.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <unordered_map>

#include "db.hpp"

namespace firebus_centre {
namespace {

// Type OIDs of the results we convert (pg_type.h; stable since forever).
constexpr Oid bool_oid = 16;
constexpr Oid bytea_oid = 17;
constexpr Oid int8_oid = 20;
constexpr Oid int2_oid = 21;
constexpr Oid int4_oid = 23;
constexpr Oid float4_oid = 700;
constexpr Oid float8_oid = 701;

class pg_connection final : public connection {
 public:
  explicit pg_connection(const std::string& conninfo) : conninfo_(conninfo) {
    conn_ = PQconnectdb(conninfo.c_str());
    if (PQstatus(conn_) != CONNECTION_OK) {
      const std::string msg = PQerrorMessage(conn_);
      PQfinish(conn_);
      conn_ = nullptr;
      throw db_error("cannot connect to PostgreSQL (" + conninfo + "): " + trim(msg), true);
    }
    // "relation already exists, skipping" and friends would go to stderr otherwise.
    PQsetNoticeProcessor(
        conn_, [](void*, const char*) {}, nullptr);
  }
  ~pg_connection() override { PQfinish(conn_); }
  pg_connection(const pg_connection&) = delete;
  pg_connection& operator=(const pg_connection&) = delete;

  void exec(const std::string& sql) override {
    PGresult* r = PQexec(conn_, sql.c_str());
    check(r, sql);
    PQclear(r);
  }

  result query(const std::string& sql, const std::vector<value>& params) override {
    const std::string& name = prepare(sql);
    std::vector<std::string> text(params.size());
    std::vector<const char*> values(params.size(), nullptr);
    std::vector<int> lengths(params.size(), 0);
    std::vector<int> formats(params.size(), 0);
    for (std::size_t i = 0; i < params.size(); ++i) {
      const value& v = params[i];
      if (const auto* n = std::get_if<std::int64_t>(&v)) {
        text[i] = std::to_string(*n);
      } else if (const auto* d = std::get_if<double>(&v)) {
        char buf[64];
        std::snprintf(buf, sizeof buf, "%.17g", *d);
        text[i] = buf;
      } else if (const auto* s = std::get_if<std::string>(&v)) {
        text[i] = *s;
      } else if (const auto* b = std::get_if<blob>(&v)) {
        values[i] = reinterpret_cast<const char*>(b->data());
        lengths[i] = static_cast<int>(b->size());
        formats[i] = 1;  // binary: bytea as is
        continue;
      } else {
        continue;  // NULL
      }
      values[i] = text[i].c_str();
    }
    PGresult* r = PQexecPrepared(conn_, name.c_str(), static_cast<int>(params.size()),
                                 values.data(), lengths.data(), formats.data(), 0);
    check(r, sql);
    result out;
    out.affected = std::strtoll(PQcmdTuples(r), nullptr, 10);  // "" for other statements: 0
    const int ncol = PQnfields(r);
    const int nrow = PQntuples(r);
    for (int c = 0; c < ncol; ++c) out.columns.emplace_back(PQfname(r, c));
    out.rows.reserve(static_cast<std::size_t>(nrow));
    for (int i = 0; i < nrow; ++i) {
      row rw;
      rw.reserve(static_cast<std::size_t>(ncol));
      for (int c = 0; c < ncol; ++c) {
        if (PQgetisnull(r, i, c) != 0) {
          rw.emplace_back(std::monostate{});
          continue;
        }
        const char* p = PQgetvalue(r, i, c);
        switch (PQftype(r, c)) {
          case int8_oid:
          case int4_oid:
          case int2_oid:
            rw.emplace_back(static_cast<std::int64_t>(std::strtoll(p, nullptr, 10)));
            break;
          case bool_oid:
            rw.emplace_back(static_cast<std::int64_t>(p[0] == 't' ? 1 : 0));
            break;
          case float4_oid:
          case float8_oid:
            rw.emplace_back(std::strtod(p, nullptr));
            break;
          case bytea_oid: {
            std::size_t n = 0;
            unsigned char* u = PQunescapeBytea(reinterpret_cast<const unsigned char*>(p), &n);
            rw.emplace_back(blob(u, u + n));
            PQfreemem(u);
            break;
          }
          default:
            rw.emplace_back(std::string(p, static_cast<std::size_t>(PQgetlength(r, i, c))));
        }
      }
      out.rows.push_back(std::move(rw));
    }
    PQclear(r);
    return out;
  }

  dialect kind() const noexcept override { return dialect::postgres; }

  void recover() override {
    if (PQstatus(conn_) == CONNECTION_OK) return;
    PQreset(conn_);
    prepared_.clear();  // a new session has none
  }

 private:
  const std::string& prepare(const std::string& sql) {
    auto it = prepared_.find(sql);
    if (it != prepared_.end()) return it->second;
    std::string name = "s" + std::to_string(prepared_.size() + 1);
    PGresult* r = PQprepare(conn_, name.c_str(), sql.c_str(), 0, nullptr);
    check(r, sql);
    PQclear(r);
    return prepared_.emplace(sql, std::move(name)).first->second;
  }

  static std::string trim(std::string s) {
    while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) s.pop_back();
    return s;
  }

  // Throws db_error unless `r` is a success; frees `r` then.
  void check(PGresult* r, const std::string& sql) {
    const ExecStatusType st = r != nullptr ? PQresultStatus(r) : PGRES_FATAL_ERROR;
    if (st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK) return;
    const char* state = r != nullptr ? PQresultErrorField(r, PG_DIAG_SQLSTATE) : nullptr;
    const std::string code = state != nullptr ? state : "";
    std::string msg = trim(r != nullptr ? PQresultErrorMessage(r) : PQerrorMessage(conn_));
    if (msg.empty()) msg = trim(PQerrorMessage(conn_));
    PQclear(r);
    // 40001 serialization failure, 40P01 deadlock, 08xxx connection, 57P0x shutdown: retry.
    const bool lost = PQstatus(conn_) != CONNECTION_OK;
    const bool retryable = lost || code == "40001" || code == "40P01" || code.rfind("08", 0) == 0 ||
                           code.rfind("57P0", 0) == 0;
    throw db_error("PostgreSQL: " + msg + (code.empty() ? "" : " [" + code + "]") +
                       " (in: " + sql.substr(0, 80) + ")",
                   retryable);
  }

  std::string conninfo_;
  PGconn* conn_ = nullptr;
  std::unordered_map<std::string, std::string> prepared_;
};

}  // namespace

std::unique_ptr<connection> open_postgres(const std::string& conninfo) {
  return std::make_unique<pg_connection>(conninfo);
}

}  // namespace firebus_centre
