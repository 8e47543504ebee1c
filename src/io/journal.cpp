// firebus — fire-safety IoT SDK.
// uplink::journal: SQLite (WAL) behind a pimpl; docs/journal.md explains the choices.
//
// One connection, serialised by `mu`. Every write is one transaction (BEGIN IMMEDIATE ...
// COMMIT); on any failure it is rolled back and the in-memory mirror of the database (lane sizes,
// seqs, the thinning mark) is restored from a copy taken before, so that a failed call leaves
// both exactly as they were. What is only in memory: the in-flight cursors (next()), the attempt
// counts and the counters; they start afresh at every open. Log messages are collected while `mu`
// is held and handed to the log handler after it is released.
//
// The schema (version 1):
//   messages(id INTEGER PRIMARY KEY AUTOINCREMENT, lane, seq, produced, qos, retain, format,
//            size, topic BLOB, payload BLOB), index (lane, id)
//   lanes(lane INTEGER PRIMARY KEY, next_seq, thin_mark)
// AUTOINCREMENT keeps the highest id ever given in sqlite_sequence, so ids are never reused, even
// after every row was deleted and the file vacuumed. The lanes table keeps each lane's next seq
// and the thinning mark (telemetry ids up to it have been thinned once) across restarts.
#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <cstring>
#include <ctime>
#include <exception>
#include <limits>
#include <mutex>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include <sqlite3.h>

#include <firebus/core/error.hpp>
#include <firebus/io/journal.hpp>

namespace firebus {
inline namespace v1 {
namespace uplink {

namespace {

// "FBJL" in the database header (PRAGMA application_id): this file is a firebus journal.
constexpr std::int32_t application_id = 0x46424a4c;
constexpr int schema_version = 1;

constexpr std::size_t lane_index(lane l) noexcept { return static_cast<std::size_t>(l); }
constexpr std::size_t telemetry = lane_index(lane::telemetry);

std::error_code map_sqlite(int rc) noexcept {
  switch (rc & 0xff) {
    case SQLITE_FULL:
      return journal_errc::storage_full;
    case SQLITE_READONLY:
      return journal_errc::read_only;
    case SQLITE_IOERR:
      return journal_errc::io_error;
    case SQLITE_CANTOPEN:
    case SQLITE_PERM:
    case SQLITE_AUTH:
      return journal_errc::cannot_open;
    case SQLITE_CORRUPT:
    case SQLITE_NOTADB:
      return journal_errc::corrupt;
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
      return journal_errc::locked;
    case SQLITE_NOMEM:
      return std::make_error_code(std::errc::not_enough_memory);
    default:
      return journal_errc::storage_error;
  }
}

// A prepared statement, reset (and its bindings cleared) by use() when the scope ends.
class statement {
 public:
  statement() = default;
  statement(const statement&) = delete;
  statement& operator=(const statement&) = delete;
  ~statement() { sqlite3_finalize(s_); }

  int prepare(sqlite3* db, const char* sql) {
    sqlite3_finalize(s_);
    s_ = nullptr;
    return sqlite3_prepare_v2(db, sql, -1, &s_, nullptr);
  }
  void finalize() {
    sqlite3_finalize(s_);
    s_ = nullptr;
  }
  sqlite3_stmt* get() const { return s_; }

 private:
  sqlite3_stmt* s_ = nullptr;
};

class use {
 public:
  explicit use(const statement& s) : s_(s.get()) {}
  ~use() {
    sqlite3_reset(s_);
    sqlite3_clear_bindings(s_);
  }
  use(const use&) = delete;
  use& operator=(const use&) = delete;
  sqlite3_stmt* operator*() const { return s_; }
  int bind(int i, std::int64_t v) { return sqlite3_bind_int64(s_, i, v); }
  int bind(int i, std::uint64_t v) {
    return sqlite3_bind_int64(s_, i, static_cast<std::int64_t>(v));
  }
  int bind_blob(int i, const void* p, std::size_t n) {
    // A zero-length blob must not be bound as NULL (the column is NOT NULL).
    static const char empty = 0;
    return sqlite3_bind_blob64(s_, i, n == 0 ? &empty : p, n, SQLITE_STATIC);
  }
  int step() { return sqlite3_step(s_); }
  std::int64_t i64(int col) const { return sqlite3_column_int64(s_, col); }
  std::uint64_t u64(int col) const {
    return static_cast<std::uint64_t>(sqlite3_column_int64(s_, col));
  }

 private:
  sqlite3_stmt* s_;
};

// The result of a step that must be SQLITE_DONE (an INSERT, UPDATE, DELETE).
inline bool done(int rc) { return rc == SQLITE_DONE; }

std::string errno_text(int e) { return std::strerror(e); }

// Syncs the directory holding `path`, so that a newly created file's entry survives power loss.
void sync_directory(const std::string& path) {
  const auto slash = path.find_last_of('/');
  const std::string dir =
      slash == std::string::npos ? "." : (slash == 0 ? "/" : path.substr(0, slash));
  const int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return;
  (void)::fsync(fd);
  ::close(fd);
}

constexpr const char* damaged_infix = ".damaged-";

// Renames the damaged journal `path` (and its -wal and -shm) to `<path>.damaged-<UTC time>`;
// `moved` gets the new name. False (errno set) when it cannot be renamed.
bool move_aside(const std::string& path, std::string& moved) {
  char stamp[32];
  const std::time_t now = std::time(nullptr);
  std::tm t{};
  ::gmtime_r(&now, &t);
  std::strftime(stamp, sizeof stamp, "%Y%m%dT%H%M%SZ", &t);
  moved = path + damaged_infix + stamp;
  struct stat st {};
  for (int n = 2; ::lstat(moved.c_str(), &st) == 0; ++n) {
    moved = path + damaged_infix + stamp + "-" + std::to_string(n);
  }
  if (::rename(path.c_str(), moved.c_str()) != 0) return false;
  for (const char* side : {"-wal", "-shm"}) {
    (void)::rename((path + side).c_str(), (moved + side).c_str());  // absent: nothing to move
  }
  sync_directory(path);
  return true;
}

}  // namespace

struct journal::impl {
  using lock = std::unique_lock<std::mutex>;
  using log_list = std::vector<std::pair<log_level, std::string>>;

  // What the database holds, mirrored in memory; copied before a write and restored if it fails.
  struct mirror {
    std::uint64_t messages[lane_count] = {};
    std::uint64_t bytes[lane_count] = {};
    std::uint64_t next_seq[lane_count] = {1, 1};
    std::uint64_t thin_mark = 0;  // telemetry ids ≤ this have been thinned once
    std::uint64_t last_id = 0;
  };

  mutable std::mutex mu;
  std::condition_variable cv;
  sqlite3* db = nullptr;
  journal_options opt;
  mirror m;
  // In flight: ids ≤ cursor[lane] were handed out since the last rewind(); in_flight counts those
  // still stored.
  std::uint64_t cursor[lane_count] = {};
  std::uint64_t in_flight[lane_count] = {};
  std::uint64_t historical_up_to = 0;  // ids ≤ this were appended before the last rewind()/open
  std::unordered_map<std::uint64_t, std::uint32_t> attempts;
  journal_counters counters;
  std::string last_error;
  std::string moved_aside;  // where the last open() moved a damaged file
  bool relaxed = false;     // synchronous=NORMAL for an ack (durability::full), not yet restored
  log_list logs;            // collected under `mu`, emitted after

  statement begin, commit, rollback, insert, update_lane, select_row, delete_row, select_lane,
      select_window;

  ~impl() { close_db(); }

  // --- errors and logs ---
  void log(log_level level, std::string text) { logs.emplace_back(level, std::move(text)); }

  // Records SQLite's failure `rc` of `what`; returns the error code.
  std::error_code fail(int rc, const char* what) {
    const std::error_code ec = map_sqlite(rc);
    // The connection's message when it is about this failure (it says more: "database disk image
    // is malformed" with where), else SQLite's text for the code.
    const char* text =
        db && sqlite3_extended_errcode(db) == rc ? sqlite3_errmsg(db) : sqlite3_errstr(rc);
    last_error = std::string(what) + ": " + text + " (" + opt.path + ")";
    if (ec != journal_errc::locked) ++counters.storage_errors;
    log(log_level::error, "journal: " + last_error);
    return ec;
  }

  // Hands the collected log messages to the handler; call with `g` released.
  void flush_logs(lock& g) {
    if (logs.empty()) return;
    log_list out;
    out.swap(logs);
    journal_log_handler h = opt.on_log;
    g.unlock();
    if (h) {
      for (auto& l : out) {
        try {
          h(l.first, l.second);
        } catch (...) {
          const std::lock_guard<std::mutex> g2(mu);
          ++counters.log_errors;
        }
      }
    }
  }

  // --- open and close ---
  int exec(const char* sql) { return sqlite3_exec(db, sql, nullptr, nullptr, nullptr); }

  // One integer from a statement (a PRAGMA or a SELECT); `rc` gets the failure.
  std::int64_t query_int(const char* sql, int& rc) {
    statement s;
    rc = s.prepare(db, sql);
    if (rc != SQLITE_OK) return 0;
    use u(s);
    rc = u.step();
    if (rc == SQLITE_ROW) {
      rc = SQLITE_OK;
      return u.i64(0);
    }
    if (rc == SQLITE_DONE) rc = SQLITE_OK;
    return 0;
  }

  std::string query_text(const char* sql, int& rc) {
    statement s;
    rc = s.prepare(db, sql);
    if (rc != SQLITE_OK) return {};
    use u(s);
    rc = u.step();
    std::string out;
    if (rc == SQLITE_ROW) {
      const auto* t = sqlite3_column_text(*u, 0);
      if (t) out = reinterpret_cast<const char*>(t);
      rc = SQLITE_OK;
    } else if (rc == SQLITE_DONE) {
      rc = SQLITE_OK;
    }
    return out;
  }

  std::error_code open(const journal_options& o) {
    opt = o;
    last_error.clear();
    moved_aside.clear();
    if (o.path.empty() || o.max_bytes == 0 || o.busy_timeout < duration::zero() ||
        (o.durability != durability::full && o.durability != durability::normal)) {
      last_error = "open: invalid options (empty path, max_bytes 0, or bad durability)";
      return firebus::errc::invalid_argument;
    }
    bool created = false;
    if (!o.read_only) {
      // Created here, not by SQLite, to get mode 0600 (the WAL inherits it).
      const int fd = ::open(o.path.c_str(), O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
      if (fd >= 0) {
        created = true;
        ::close(fd);
      } else if (errno != EEXIST) {
        last_error = "open: " + errno_text(errno) + " (" + o.path + ")";
        return journal_errc::cannot_open;
      }
    }
    const int flags = (o.read_only ? SQLITE_OPEN_READONLY : SQLITE_OPEN_READWRITE) |
                      SQLITE_OPEN_NOMUTEX | SQLITE_OPEN_PRIVATECACHE;
    int rc = sqlite3_open_v2(o.path.c_str(), &db, flags, o.vfs.empty() ? nullptr : o.vfs.c_str());
    if (rc != SQLITE_OK) {
      const std::error_code ec = fail(rc, "open");
      close_db();
      return ec;
    }
    sqlite3_extended_result_codes(db, 1);
    const auto timeout_ms = std::chrono::duration_cast<std::chrono::milliseconds>(o.busy_timeout);
    sqlite3_busy_timeout(db, static_cast<int>(std::min<std::int64_t>(
                                 timeout_ms.count(), std::numeric_limits<int>::max())));
    const std::error_code ec = setup(created);
    // (A file this call created cannot be damaged: the new one is opened once.)
    if (ec == journal_errc::corrupt && o.move_aside_damaged && !o.read_only && !created) {
      close_db();
      const std::string why = last_error;
      std::string moved;
      if (!move_aside(o.path, moved)) {
        last_error = why + "; it cannot be moved aside: " + errno_text(errno);
        return ec;
      }
      log(log_level::error, "journal: " + why + "; moved aside to " + moved +
                                ", a new journal started (what it held is not sent)");
      const std::error_code again = open(o);  // a new file at o.path
      moved_aside = moved;
      return again;
    }
    if (ec) {
      close_db();
      // A file this call created is removed again, unless another connection (another process
      // opening the new journal at the same instant) holds it: it is that one's journal now.
      if (created && ec != journal_errc::locked) {
        (void)::unlink(o.path.c_str());
        (void)::unlink((o.path + "-wal").c_str());
      }
      return ec;
    }
    if (created) sync_directory(o.path);
    historical_up_to = m.last_id;
    std::fill(std::begin(cursor), std::end(cursor), 0);
    std::fill(std::begin(in_flight), std::end(in_flight), 0);
    attempts.clear();
    counters = {};
    log(log_level::info, "journal: opened " + o.path + ": " + std::to_string(m.messages[0]) +
                             " alarm and " + std::to_string(m.messages[telemetry]) +
                             " telemetry messages waiting, last id " + std::to_string(m.last_id));
    return {};
  }

  std::error_code setup(bool created) {
    int rc = SQLITE_OK;
    if (opt.exclusive && !opt.read_only) {
      // Before WAL mode is entered: SQLite then keeps the WAL index in heap memory (no -shm).
      // Not for a reader: SQLite cannot read a WAL database read-only in exclusive mode.
      rc = exec("PRAGMA locking_mode=EXCLUSIVE");
      if (rc != SQLITE_OK) return fail(rc, "open: locking mode");
    }
    // The first read: garbage fails here (SQLITE_NOTADB), a lock held elsewhere too.
    const std::int64_t app = query_int("PRAGMA application_id", rc);
    if (rc != SQLITE_OK) return fail(rc, "open: reading the header");
    const std::int64_t tables =
        query_int("SELECT count(*) FROM sqlite_master WHERE type='table'", rc);
    if (rc != SQLITE_OK) return fail(rc, "open: reading the schema");
    if (app == 0 && tables == 0) {
      if (opt.read_only) {
        last_error = "open: " + opt.path + " is empty, and read-only: no journal to read";
        return journal_errc::not_a_journal;
      }
      if (const std::error_code ec = create_schema()) return ec;
    } else if (app != application_id) {
      last_error = "open: " + opt.path + " is a SQLite database but not a firebus journal";
      return journal_errc::not_a_journal;
    }
    const std::int64_t version = query_int("PRAGMA user_version", rc);
    if (rc != SQLITE_OK) return fail(rc, "open: reading the version");
    if (version != schema_version) {
      last_error = "open: " + opt.path + " is a journal of schema version " +
                   std::to_string(version) + ", this library reads " +
                   std::to_string(schema_version);
      return journal_errc::not_a_journal;
    }
    if (!opt.read_only) {
      const std::string mode = query_text("PRAGMA journal_mode=WAL", rc);
      if (rc != SQLITE_OK) return fail(rc, "open: entering WAL mode");
      if (mode != "wal") {
        last_error = "open: SQLite refused WAL mode (journal mode " + mode + ")";
        return journal_errc::storage_error;
      }
    }
    rc = exec(opt.durability == durability::full ? "PRAGMA synchronous=FULL"
                                                 : "PRAGMA synchronous=NORMAL");
    if (rc != SQLITE_OK) return fail(rc, "open: synchronous");
    rc = exec(("PRAGMA journal_size_limit=" + std::to_string(opt.wal_limit_bytes)).c_str());
    if (rc != SQLITE_OK) return fail(rc, "open: journal_size_limit");
    if (opt.max_file_bytes > 0) {
      const std::int64_t page = query_int("PRAGMA page_size", rc);
      if (rc != SQLITE_OK) return fail(rc, "open: page size");
      const std::uint64_t pages =
          std::max<std::uint64_t>(1, opt.max_file_bytes / static_cast<std::uint64_t>(page));
      rc = exec(("PRAGMA max_page_count=" + std::to_string(pages)).c_str());
      if (rc != SQLITE_OK) return fail(rc, "open: max_page_count");
    }
    if (opt.verify && !created) {
      const std::string check = query_text("PRAGMA quick_check(1)", rc);
      if (rc != SQLITE_OK) return fail(rc, "open: checking the file");
      if (check != "ok") {
        last_error = "open: " + opt.path + " is damaged: " + check;
        ++counters.storage_errors;
        return journal_errc::corrupt;
      }
    }
    if (const std::error_code ec = prepare()) return ec;
    return load();
  }

  std::error_code create_schema() {
    // WAL first (outside the transaction), so that the creation is already journaled in the WAL.
    int rc = SQLITE_OK;
    const std::string mode = query_text("PRAGMA journal_mode=WAL", rc);
    if (rc != SQLITE_OK) return fail(rc, "create: entering WAL mode");
    rc = exec(
        "BEGIN IMMEDIATE;"
        "CREATE TABLE messages("
        "  id INTEGER PRIMARY KEY AUTOINCREMENT,"
        "  lane INTEGER NOT NULL,"
        "  seq INTEGER NOT NULL,"
        "  produced INTEGER NOT NULL,"
        "  qos INTEGER NOT NULL,"
        "  retain INTEGER NOT NULL,"
        "  format INTEGER NOT NULL,"
        "  size INTEGER NOT NULL,"
        "  topic BLOB NOT NULL,"
        "  payload BLOB NOT NULL);"
        "CREATE INDEX messages_by_lane ON messages(lane, id);"
        "CREATE TABLE lanes(lane INTEGER PRIMARY KEY, next_seq INTEGER NOT NULL,"
        "  thin_mark INTEGER NOT NULL);"
        "INSERT INTO lanes VALUES (0, 1, 0), (1, 1, 0);"
        "PRAGMA application_id=1178749516;"
        "PRAGMA user_version=1;"
        "COMMIT;");
    static_assert(application_id == 1178749516, "the literal above");
    static_assert(schema_version == 1, "the literal above");
    if (rc != SQLITE_OK) {
      const std::error_code ec = fail(rc, "create");
      if (!sqlite3_get_autocommit(db)) exec("ROLLBACK");
      return ec;
    }
    return {};
  }

  std::error_code prepare() {
    struct {
      statement* s;
      const char* sql;
    } const all[] = {
        {&begin, "BEGIN IMMEDIATE"},
        {&commit, "COMMIT"},
        {&rollback, "ROLLBACK"},
        {&insert,
         "INSERT INTO messages(lane, seq, produced, qos, retain, format, size, topic, payload) "
         "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)"},
        {&update_lane, "UPDATE lanes SET next_seq = ?2, thin_mark = ?3 WHERE lane = ?1"},
        {&select_row, "SELECT lane, size FROM messages WHERE id = ?1"},
        {&delete_row, "DELETE FROM messages WHERE id = ?1"},
        {&select_lane,
         "SELECT id, seq, produced, qos, retain, format, topic, payload FROM messages "
         "WHERE lane = ?1 AND id > ?2 ORDER BY id LIMIT ?3"},
        {&select_window,
         "SELECT id, size FROM messages WHERE lane = ?1 AND id > ?2 ORDER BY id LIMIT ?3"},
    };
    for (const auto& x : all) {
      const int rc = x.s->prepare(db, x.sql);
      if (rc != SQLITE_OK) return fail(rc, "open: preparing statements");
    }
    return {};
  }

  std::error_code load() {
    mirror fresh;
    int rc = SQLITE_OK;
    {
      statement s;
      rc = s.prepare(db, "SELECT lane, next_seq, thin_mark FROM lanes");
      if (rc != SQLITE_OK) return fail(rc, "open: reading lanes");
      use u(s);
      while ((rc = u.step()) == SQLITE_ROW) {
        const std::int64_t l = u.i64(0);
        if (l < 0 || l >= static_cast<std::int64_t>(lane_count)) continue;
        fresh.next_seq[l] = u.u64(1);
        if (l == static_cast<std::int64_t>(telemetry)) fresh.thin_mark = u.u64(2);
      }
      if (rc != SQLITE_DONE) return fail(rc, "open: reading lanes");
    }
    {
      statement s;
      rc = s.prepare(db, "SELECT lane, count(*), total(size) FROM messages GROUP BY lane");
      if (rc != SQLITE_OK) return fail(rc, "open: counting messages");
      use u(s);
      while ((rc = u.step()) == SQLITE_ROW) {
        const std::int64_t l = u.i64(0);
        if (l < 0 || l >= static_cast<std::int64_t>(lane_count)) {
          last_error = "open: " + opt.path + " holds messages of unknown lane " + std::to_string(l);
          return journal_errc::not_a_journal;
        }
        fresh.messages[l] = u.u64(1);
        fresh.bytes[l] = static_cast<std::uint64_t>(sqlite3_column_double(*u, 2));
      }
      if (rc != SQLITE_DONE) return fail(rc, "open: counting messages");
    }
    fresh.last_id = static_cast<std::uint64_t>(
        query_int("SELECT seq FROM sqlite_sequence WHERE name = 'messages'", rc));
    if (rc != SQLITE_OK) return fail(rc, "open: reading the last id");
    m = fresh;
    return {};
  }

  void close_db() noexcept {
    for (statement* s : {&begin, &commit, &rollback, &insert, &update_lane, &select_row,
                         &delete_row, &select_lane, &select_window}) {
      s->finalize();
    }
    if (db) {
      sqlite3_close_v2(db);
      db = nullptr;
    }
  }

  // --- transactions ---
  int step_once(const statement& s) {
    use u(s);
    return u.step();
  }

  void abort_transaction() {
    if (db && !sqlite3_get_autocommit(db)) step_once(rollback);
  }

  // --- the size policy ---
  std::uint64_t stored_bytes() const { return m.bytes[0] + m.bytes[telemetry]; }
  std::uint64_t stored_messages() const { return m.messages[0] + m.messages[telemetry]; }
  bool fits(std::uint64_t in_bytes, std::uint64_t in_count, std::uint64_t limit) const {
    if (stored_bytes() + in_bytes > limit) return false;
    return opt.max_messages == 0 || stored_messages() + in_count <= opt.max_messages;
  }

  // Deletes one stored telemetry row (id known to exist), recording it in `evicted`.
  int evict(std::uint64_t id, std::uint64_t size, std::vector<std::uint64_t>& evicted) {
    use d(delete_row);
    d.bind(1, id);
    const int rc = d.step();
    if (!done(rc)) return rc;
    --m.messages[telemetry];
    m.bytes[telemetry] -= std::min(size, m.bytes[telemetry]);
    evicted.push_back(id);
    return SQLITE_OK;
  }

  // Up to `n` telemetry rows (id, size) with ids above `after`, in order.
  int window(std::uint64_t after, std::size_t n,
             std::vector<std::pair<std::uint64_t, std::uint64_t>>& rows) {
    rows.clear();
    use s(select_window);
    s.bind(1, static_cast<std::int64_t>(telemetry));
    s.bind(2, after);
    s.bind(3, static_cast<std::int64_t>(n));
    int rc;
    while ((rc = s.step()) == SQLITE_ROW) rows.emplace_back(s.u64(0), s.u64(1));
    return rc == SQLITE_DONE ? SQLITE_OK : rc;
  }

  // Makes room for `in_bytes` and `in_count` under `limit` accounted bytes by thinning, then
  // dropping, telemetry (inside the transaction). Returns SQLITE_OK with `room` false when even
  // all telemetry is not enough.
  int make_room(std::uint64_t in_bytes, std::uint64_t in_count, std::uint64_t limit, bool& room,
                std::vector<std::uint64_t>& evicted, std::uint64_t& thinned,
                std::uint64_t& dropped) {
    std::vector<std::pair<std::uint64_t, std::uint64_t>> rows;
    room = fits(in_bytes, in_count, limit);
    // 1. Thinning, one window at a time from the mark: every second message goes.
    while (!room) {
      int rc = window(m.thin_mark, journal_thin_window, rows);
      if (rc != SQLITE_OK) return rc;
      if (rows.size() < 2) break;
      for (std::size_t i = 1; i < rows.size(); i += 2) {
        rc = evict(rows[i].first, rows[i].second, evicted);
        if (rc != SQLITE_OK) return rc;
        ++thinned;
      }
      m.thin_mark = rows.back().first;
      room = fits(in_bytes, in_count, limit);
    }
    // 2. Dropping, oldest first.
    while (!room) {
      int rc = window(0, journal_thin_window, rows);
      if (rc != SQLITE_OK) return rc;
      if (rows.empty()) break;
      for (const auto& r : rows) {
        rc = evict(r.first, r.second, evicted);
        if (rc != SQLITE_OK) return rc;
        ++dropped;
        m.thin_mark = std::max(m.thin_mark, r.first);
        room = fits(in_bytes, in_count, limit);
        if (room) break;
      }
    }
    return SQLITE_OK;
  }

  // --- append ---
  std::vector<std::uint64_t> append(const message* ms, std::size_t n, std::error_code& ec) {
    ec.clear();
    std::vector<std::uint64_t> ids;
    if (!db) {
      ec = journal_errc::closed;
      return ids;
    }
    if (opt.read_only) {
      ec = journal_errc::read_only;
      last_error = "append: the journal was opened read-only (" + opt.path + ")";
      return ids;
    }
    if (n == 0) return ids;
    std::uint64_t in_bytes = 0;
    std::uint64_t alarms = 0;
    for (std::size_t i = 0; i < n; ++i) {
      const message& x = ms[i];
      if (lane_index(x.lane) >= lane_count || x.qos > 2) {
        ec = firebus::errc::invalid_argument;
        last_error = "append: message " + std::to_string(i) + ": lane " +
                     std::to_string(static_cast<unsigned>(x.lane)) + " or qos " +
                     std::to_string(static_cast<unsigned>(x.qos)) + " out of range";
        return ids;
      }
      in_bytes += x.topic.size() + x.payload.size() + journal_message_overhead;
      if (x.lane == lane::alarm) ++alarms;
    }
    const std::uint64_t tele = n - alarms;
    auto refuse = [&](journal_errc e, const std::string& why) {
      ec = e;
      counters.refused_alarms += alarms;
      counters.refused_telemetry += tele;
      last_error = "append: " + why;
      log(alarms ? log_level::error : log_level::warning,
          "journal: " + why + ": refused " + std::to_string(alarms) + " alarm and " +
              std::to_string(tele) + " telemetry messages");
    };
    if (in_bytes > opt.max_bytes || (opt.max_messages && n > opt.max_messages)) {
      refuse(journal_errc::message_too_large,
             std::to_string(n) + " message(s) of " + std::to_string(in_bytes) +
                 " bytes exceed the journal's bound (" + std::to_string(opt.max_bytes) +
                 " bytes, " + std::to_string(opt.max_messages) + " messages)");
      return ids;
    }
    if (relaxed) {  // an ack() could not restore the durability: no append without it
      const int rc = exec("PRAGMA synchronous=FULL");
      if (rc != SQLITE_OK) {
        ec = fail(rc, "append: synchronous");
        return ids;
      }
      relaxed = false;
    }
    const mirror saved = m;
    bool room = true;
    std::vector<std::uint64_t> evicted;
    std::uint64_t thinned = 0, dropped = 0;
    const char* what = "append: begin";
    // When the storage itself is full (a full disk, max_file_bytes) a batch with alarms is tried
    // again with telemetry making room beyond the size bound (thinned, then dropped, as for the
    // bound): the pages it frees are reused. Alarms are never refused while telemetry is stored.
    std::uint64_t squeeze = 0;  // accounted bytes to free beyond what the batch adds
    int rc = SQLITE_OK;
    for (;;) {
      rc = step_once(begin);
      if (rc != SQLITE_DONE) {
        ec = fail(rc, "append: begin");
        return ids;
      }
      room = true;
      evicted.clear();
      thinned = dropped = 0;
      what = "append: making room";
      std::uint64_t limit = opt.max_bytes;
      if (squeeze > 0) {
        const std::uint64_t before = stored_bytes() + in_bytes;
        limit = std::min(limit, before > squeeze ? before - squeeze : 0);
      }
      rc = make_room(in_bytes, n, limit, room, evicted, thinned, dropped);
      // Squeezing: whatever telemetry could go went; the batch fits the real bound anyway.
      if (rc == SQLITE_OK && squeeze > 0) room = true;
      if (rc == SQLITE_OK && room) {
        what = "append: insert";
        ids.reserve(n);
        const auto now = std::chrono::time_point_cast<duration>(std::chrono::system_clock::now());
        bool touched[lane_count] = {};
        for (std::size_t i = 0; i < n && rc == SQLITE_OK; ++i) {
          const message& x = ms[i];
          const std::size_t l = lane_index(x.lane);
          const std::uint64_t size = x.topic.size() + x.payload.size() + journal_message_overhead;
          use s(insert);
          s.bind(1, static_cast<std::int64_t>(l));
          s.bind(2, m.next_seq[l]);
          s.bind(3, static_cast<std::int64_t>(x.produced.value_or(now).time_since_epoch().count()));
          s.bind(4, static_cast<std::int64_t>(x.qos));
          s.bind(5, static_cast<std::int64_t>(x.retain ? 1 : 0));
          s.bind(6, static_cast<std::int64_t>(x.format));
          s.bind(7, size);
          s.bind_blob(8, x.topic.data(), x.topic.size());
          s.bind_blob(9, x.payload.data(), x.payload.size());
          rc = s.step();
          if (!done(rc)) break;
          rc = SQLITE_OK;
          ids.push_back(static_cast<std::uint64_t>(sqlite3_last_insert_rowid(db)));
          ++m.next_seq[l];
          ++m.messages[l];
          m.bytes[l] += size;
          touched[l] = true;
        }
        if (rc == SQLITE_OK && (touched[telemetry] || m.thin_mark != saved.thin_mark)) {
          touched[telemetry] = true;
        }
        for (std::size_t l = 0; l < lane_count && rc == SQLITE_OK; ++l) {
          if (!touched[l]) continue;
          what = "append: updating lanes";
          use s(update_lane);
          s.bind(1, static_cast<std::int64_t>(l));
          s.bind(2, m.next_seq[l]);
          s.bind(3, l == telemetry ? m.thin_mark : std::uint64_t{0});
          rc = s.step();
          rc = done(rc) ? SQLITE_OK : rc;
        }
        if (rc == SQLITE_OK) {
          what = "append: commit";
          rc = step_once(commit);
          rc = done(rc) ? SQLITE_OK : rc;
        }
      }
      if (rc == SQLITE_OK && room) break;
      // Storage full with alarms in the batch, and telemetry this attempt left in place: again,
      // freeing twice as much (until an attempt was to free all of it: a bounded number).
      const std::uint64_t total = saved.bytes[0] + saved.bytes[telemetry] + in_bytes;
      const bool again = rc != SQLITE_OK && (rc & 0xff) == SQLITE_FULL && alarms > 0 &&
                         m.messages[telemetry] > 0 && squeeze < total;
      if (!again) {
        if (rc != SQLITE_OK) ec = fail(rc, what);  // before the rollback replaces SQLite's message
        abort_transaction();
        m = saved;
        ids.clear();
        if (rc == SQLITE_OK) {
          refuse(journal_errc::journal_full, "journal full (" + std::to_string(stored_bytes()) +
                                                 " of " + std::to_string(opt.max_bytes) +
                                                 " bytes, " + std::to_string(m.messages[0]) +
                                                 " alarm messages, no telemetry left to drop)");
        }
        return ids;
      }
      abort_transaction();
      m = saved;
      ids.clear();
      squeeze = squeeze == 0 ? std::max<std::uint64_t>(2 * in_bytes, 16384) : 2 * squeeze;
    }
    m.last_id = ids.back();
    counters.appended += n;
    for (const std::uint64_t id : evicted) {
      attempts.erase(id);
      if (id <= cursor[telemetry] && in_flight[telemetry] > 0) --in_flight[telemetry];
    }
    if (thinned || dropped) {
      counters.thinned += thinned;
      counters.dropped += dropped;
      log(log_level::warning,
          (squeeze > 0 ? std::string("journal: storage full (disk or max_file_bytes)")
                       : "journal: full (" + std::to_string(opt.max_bytes) + " bytes)") +
              ": thinned " + std::to_string(thinned) + " and dropped " + std::to_string(dropped) +
              " telemetry messages (ids " + std::to_string(evicted.front()) + ".." +
              std::to_string(evicted.back()) + ") to store " + std::to_string(n) +
              " new; totals: thinned " + std::to_string(counters.thinned) + ", dropped " +
              std::to_string(counters.dropped));
    }
    return ids;
  }

  // --- reading ---
  // Reads rows of lane `l` after `after` into `out`, at most `max_count` in all and, beyond the
  // first entry of `out`, at most `max_bytes`; `full` is set when a row did not fit.
  int read_lane(std::size_t l, std::uint64_t after, std::size_t max_count, std::size_t max_bytes,
                std::size_t& bytes, bool& full, std::vector<entry>& out) {
    while (out.size() < max_count && !full) {
      const std::size_t batch = std::min<std::size_t>(max_count - out.size(), 256);
      use s(select_lane);
      s.bind(1, static_cast<std::int64_t>(l));
      s.bind(2, after);
      s.bind(3, static_cast<std::int64_t>(batch));
      std::size_t got = 0;
      int rc;
      while ((rc = s.step()) == SQLITE_ROW) {
        ++got;
        const auto* topic = static_cast<const char*>(sqlite3_column_blob(*s, 6));
        const std::size_t topic_n = static_cast<std::size_t>(sqlite3_column_bytes(*s, 6));
        const auto* payload = static_cast<const std::uint8_t*>(sqlite3_column_blob(*s, 7));
        const std::size_t payload_n = static_cast<std::size_t>(sqlite3_column_bytes(*s, 7));
        if (!out.empty() && bytes + topic_n + payload_n > max_bytes) {
          full = true;
          break;
        }
        entry e;
        e.id = s.u64(0);
        e.lane = static_cast<lane>(l);
        e.seq = s.u64(1);
        e.produced = utc_time(duration(s.i64(2)));
        e.qos = static_cast<std::uint8_t>(s.i64(3));
        e.retain = s.i64(4) != 0;
        e.format = static_cast<std::uint8_t>(s.i64(5));
        if (topic_n) e.topic.assign(topic, topic_n);
        if (payload_n) e.payload.assign(payload, payload + payload_n);
        e.historical = e.id <= historical_up_to;
        bytes += topic_n + payload_n;
        after = e.id;
        out.push_back(std::move(e));
      }
      if (rc != SQLITE_ROW && rc != SQLITE_DONE) return rc;
      if (got < batch) break;
    }
    return SQLITE_OK;
  }

  std::vector<entry> next(std::size_t max_count, std::size_t max_bytes, std::error_code& ec) {
    ec.clear();
    std::vector<entry> out;
    if (!db) {
      ec = journal_errc::closed;
      return out;
    }
    std::size_t bytes = 0;
    bool full = false;
    for (std::size_t l = 0; l < lane_count && !full && out.size() < max_count; ++l) {
      if (m.messages[l] <= in_flight[l]) continue;  // nothing beyond the cursor
      const std::size_t before = out.size();
      const int rc = read_lane(l, cursor[l], max_count, max_bytes, bytes, full, out);
      if (rc != SQLITE_OK) {
        // Nothing of this call is in flight: the caller may try again.
        out.clear();
        ec = fail(rc, "next");
        return out;
      }
      for (std::size_t i = before; i < out.size(); ++i) {
        cursor[l] = out[i].id;
        ++in_flight[l];
        out[i].attempts = ++attempts[out[i].id];
      }
    }
    counters.handed_out += out.size();
    return out;
  }

  // --- acknowledgement ---
  std::size_t ack(const std::uint64_t* ids, std::size_t n, std::error_code& ec) {
    ec.clear();
    if (!db) {
      ec = journal_errc::closed;
      return 0;
    }
    if (opt.read_only) {
      ec = journal_errc::read_only;
      last_error = "ack: the journal was opened read-only (" + opt.path + ")";
      return 0;
    }
    if (n == 0) return 0;
    const mirror saved = m;
    // An acknowledgement need not be synced on its own: losing it only sends the message again.
    // (A PRAGMA takes effect when it is prepared, not when a prepared statement is stepped:
    // hence exec().)
    const bool relax = opt.durability == durability::full;
    if (relax) {
      relaxed = true;
      exec("PRAGMA synchronous=NORMAL");
    }
    int rc = step_once(begin);
    const char* what = "ack: begin";
    std::vector<std::pair<std::uint64_t, std::size_t>> removed;  // id, lane
    if (done(rc)) {
      rc = SQLITE_OK;
      what = "ack: delete";
      for (std::size_t i = 0; i < n && rc == SQLITE_OK; ++i) {
        std::int64_t l = -1;
        std::uint64_t size = 0;
        {
          use s(select_row);
          s.bind(1, ids[i]);
          rc = s.step();
          if (rc == SQLITE_ROW) {
            l = s.i64(0);
            size = s.u64(1);
            rc = SQLITE_OK;
          } else if (rc == SQLITE_DONE) {
            rc = SQLITE_OK;
          }
        }
        if (rc != SQLITE_OK || l < 0 || l >= static_cast<std::int64_t>(lane_count)) continue;
        use d(delete_row);
        d.bind(1, ids[i]);
        rc = d.step();
        if (!done(rc)) break;
        rc = SQLITE_OK;
        const auto li = static_cast<std::size_t>(l);
        --m.messages[li];
        m.bytes[li] -= std::min(size, m.bytes[li]);
        removed.emplace_back(ids[i], li);
      }
      if (rc == SQLITE_OK) {
        what = "ack: commit";
        rc = step_once(commit);
        rc = done(rc) ? SQLITE_OK : rc;
      }
    }
    if (rc != SQLITE_OK) {
      ec = fail(rc, what);
      abort_transaction();
      m = saved;
    }
    // Back to syncing every commit (outside any transaction); append() retries if this fails.
    if (relax && exec("PRAGMA synchronous=FULL") == SQLITE_OK) relaxed = false;
    if (rc != SQLITE_OK) return 0;
    for (const auto& r : removed) {
      attempts.erase(r.first);
      if (r.first <= cursor[r.second] && in_flight[r.second] > 0) --in_flight[r.second];
    }
    counters.acked += removed.size();
    return removed.size();
  }

  void rewind() {
    std::fill(std::begin(cursor), std::end(cursor), 0);
    std::fill(std::begin(in_flight), std::end(in_flight), 0);
    historical_up_to = m.last_id;
  }

  bool pending() const {
    for (std::size_t l = 0; l < lane_count; ++l) {
      if (m.messages[l] > in_flight[l]) return true;
    }
    return false;
  }

  std::vector<entry> read(lane l, std::uint64_t after, std::size_t max_count, std::error_code& ec) {
    ec.clear();
    std::vector<entry> out;
    if (!db) {
      ec = journal_errc::closed;
      return out;
    }
    if (lane_index(l) >= lane_count) {
      ec = firebus::errc::invalid_argument;
      return out;
    }
    std::size_t bytes = 0;
    bool full = false;
    const int rc = read_lane(lane_index(l), after, max_count,
                             std::numeric_limits<std::size_t>::max(), bytes, full, out);
    if (rc != SQLITE_OK) {
      out.clear();
      ec = fail(rc, "read");
    }
    return out;
  }

  std::error_code compact() {
    if (!db) return journal_errc::closed;
    if (opt.read_only) {
      last_error = "compact: the journal was opened read-only (" + opt.path + ")";
      return journal_errc::read_only;
    }
    int rc = exec("VACUUM");
    if (rc != SQLITE_OK) return fail(rc, "compact: vacuum");
    rc = exec("PRAGMA wal_checkpoint(TRUNCATE)");
    if (rc != SQLITE_OK) return fail(rc, "compact: checkpoint");
    return {};
  }
};

// --- journal ---------------------------------------------------------------------------------

journal::journal() noexcept = default;

journal::journal(const journal_options& options, std::error_code& ec) { open(options, ec); }

#if FIREBUS_HAS_EXCEPTIONS
namespace {
[[noreturn]] void throw_journal(std::error_code ec, const std::string& detail) {
  firebus::detail::throw_error(ec, detail.empty() ? ec.message() : detail);
}
}  // namespace

journal::journal(const journal_options& options) {
  std::error_code ec;
  open(options, ec);
  if (ec) throw_journal(ec, last_error());
}
#endif

journal::~journal() { close(); }
journal::journal(journal&& other) noexcept = default;
journal& journal::operator=(journal&& other) noexcept {
  if (this != &other) {
    close();
    impl_ = std::move(other.impl_);
  }
  return *this;
}

void journal::open(const journal_options& options, std::error_code& ec) {
  close();
  if (!impl_) impl_ = std::make_unique<impl>();
  impl::lock g(impl_->mu);
  ec = impl_->open(options);
  if (ec && impl_->logs.empty()) {
    impl_->log(log_level::error, "journal: cannot open: " + impl_->last_error);
  }
  impl_->flush_logs(g);
}

void journal::close() noexcept {
  if (!impl_) return;
  {
    const std::lock_guard<std::mutex> g(impl_->mu);
    impl_->close_db();
  }
  impl_->cv.notify_all();
}

bool journal::is_open() const noexcept {
  if (!impl_) return false;
  const std::lock_guard<std::mutex> g(impl_->mu);
  return impl_->db != nullptr;
}

std::uint64_t journal::append(const message& m, std::error_code& ec) {
  const auto ids = append(&m, 1, ec);
  return ids.empty() ? 0 : ids.front();
}

std::vector<std::uint64_t> journal::append(const message* messages, std::size_t count,
                                           std::error_code& ec) {
  if (!impl_) {
    ec = journal_errc::closed;
    return {};
  }
  impl::lock g(impl_->mu);
  auto ids = impl_->append(messages, count, ec);
  const bool wake = !ids.empty();
  impl_->flush_logs(g);
  if (wake) impl_->cv.notify_all();
  return ids;
}

#if FIREBUS_HAS_EXCEPTIONS
std::uint64_t journal::append(const message& m) {
  std::error_code ec;
  const std::uint64_t id = append(m, ec);
  if (ec) throw_journal(ec, last_error());
  return id;
}

std::vector<std::uint64_t> journal::append(const std::vector<message>& messages) {
  std::error_code ec;
  auto ids = append(messages.data(), messages.size(), ec);
  if (ec) throw_journal(ec, last_error());
  return ids;
}

std::vector<entry> journal::next(std::size_t max_count, std::size_t max_bytes) {
  std::error_code ec;
  auto out = next(max_count, max_bytes, ec);
  if (ec) throw_journal(ec, last_error());
  return out;
}

std::size_t journal::ack(std::uint64_t id) {
  std::error_code ec;
  const std::size_t n = ack(&id, 1, ec);
  if (ec) throw_journal(ec, last_error());
  return n;
}

std::size_t journal::ack(const std::vector<std::uint64_t>& ids) {
  std::error_code ec;
  const std::size_t n = ack(ids.data(), ids.size(), ec);
  if (ec) throw_journal(ec, last_error());
  return n;
}
#endif

std::vector<entry> journal::next(std::size_t max_count, std::size_t max_bytes,
                                 std::error_code& ec) {
  if (!impl_) {
    ec = journal_errc::closed;
    return {};
  }
  impl::lock g(impl_->mu);
  auto out = impl_->next(max_count, max_bytes, ec);
  impl_->flush_logs(g);
  return out;
}

void journal::rewind() noexcept {
  if (!impl_) return;
  {
    const std::lock_guard<std::mutex> g(impl_->mu);
    impl_->rewind();
  }
  impl_->cv.notify_all();
}

std::size_t journal::ack(std::uint64_t id, std::error_code& ec) { return ack(&id, 1, ec); }

std::size_t journal::ack(const std::uint64_t* ids, std::size_t count, std::error_code& ec) {
  if (!impl_) {
    ec = journal_errc::closed;
    return 0;
  }
  impl::lock g(impl_->mu);
  const std::size_t n = impl_->ack(ids, count, ec);
  impl_->flush_logs(g);
  return n;
}

bool journal::wait(duration timeout) {
  if (!impl_) return false;
  // duration::max() means "until something comes": bounded so that the condition variable's
  // deadline (now + timeout, in nanoseconds) cannot overflow into the past.
  timeout = std::min<duration>(timeout, std::chrono::hours(24 * 365 * 10));
  impl::lock g(impl_->mu);
  impl_->cv.wait_for(g, timeout, [&] { return !impl_->db || impl_->pending(); });
  return impl_->db && impl_->pending();
}

std::vector<entry> journal::read(lane l, std::uint64_t after_id, std::size_t max_count,
                                 std::error_code& ec) const {
  if (!impl_) {
    ec = journal_errc::closed;
    return {};
  }
  impl::lock g(impl_->mu);
  auto out = impl_->read(l, after_id, max_count, ec);
  impl_->flush_logs(g);
  return out;
}

void journal::compact(std::error_code& ec) {
  if (!impl_) {
    ec = journal_errc::closed;
    return;
  }
  impl::lock g(impl_->mu);
  ec = impl_->compact();
  impl_->flush_logs(g);
}

journal_lane_stats journal::stats(lane l) const {
  journal_lane_stats s;
  if (!impl_ || lane_index(l) >= lane_count) return s;
  const std::lock_guard<std::mutex> g(impl_->mu);
  if (!impl_->db) return s;
  const std::size_t i = lane_index(l);
  s.messages = impl_->m.messages[i];
  s.bytes = impl_->m.bytes[i];
  s.in_flight = impl_->in_flight[i];
  s.next_seq = impl_->m.next_seq[i];
  return s;
}

journal_counters journal::counters() const {
  if (!impl_) return {};
  const std::lock_guard<std::mutex> g(impl_->mu);
  return impl_->counters;
}

std::uint64_t journal::last_id() const {
  if (!impl_) return 0;
  const std::lock_guard<std::mutex> g(impl_->mu);
  return impl_->db ? impl_->m.last_id : 0;
}

std::string journal::last_error() const {
  if (!impl_) return {};
  const std::lock_guard<std::mutex> g(impl_->mu);
  return impl_->last_error;
}

std::string journal::path() const {
  if (!impl_) return {};
  const std::lock_guard<std::mutex> g(impl_->mu);
  return impl_->db ? impl_->opt.path : std::string();
}

std::string journal::moved_aside() const {
  if (!impl_) return {};
  const std::lock_guard<std::mutex> g(impl_->mu);
  return impl_->moved_aside;
}

std::vector<std::string> journal::damaged_files(const std::string& path) {
  const auto slash = path.find_last_of('/');
  const std::string dir =
      slash == std::string::npos ? "." : (slash == 0 ? "/" : path.substr(0, slash));
  const std::string prefix =
      (slash == std::string::npos ? path : path.substr(slash + 1)) + damaged_infix;
  std::vector<std::string> out;
  DIR* d = ::opendir(dir.c_str());
  if (d == nullptr) return out;
  while (const dirent* e = ::readdir(d)) {
    const std::string name = e->d_name;
    if (name.compare(0, prefix.size(), prefix) != 0) continue;
    const auto ends = [&name](const char* tail) {
      const std::size_t n = std::strlen(tail);
      return name.size() >= n && name.compare(name.size() - n, n, tail) == 0;
    };
    if (ends("-wal") || ends("-shm")) continue;
    out.push_back(slash == std::string::npos ? name : path.substr(0, slash + 1) + name);
  }
  ::closedir(d);
  std::sort(out.begin(), out.end());  // the UTC time in the name: oldest first
  return out;
}

}  // namespace uplink
}  // namespace v1
}  // namespace firebus
