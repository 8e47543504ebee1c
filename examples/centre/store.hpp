// firebus — fire-safety IoT SDK.
// firebus-centre: the store. One schema, written for SQLite (the default: one file, created on
// first run) and PostgreSQL (several centre processes may share one database). docs/centre.md
// describes the tables, the duplicate rule and the alarm lifecycle.
#ifndef FIREBUS_CENTRE_STORE_HPP
#define FIREBUS_CENTRE_STORE_HPP

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "db.hpp"
#include "model.hpp"

namespace firebus_centre {

/// Where and how to store.
struct store_options {
  std::string sqlite_path = "centre.sqlite";  ///< used when pg_conninfo is empty
  std::string pg_conninfo;                    ///< libpq connection string: PostgreSQL
  /// A message whose (UITD address, serial number, ADU hash) was stored less than this long ago
  /// is a duplicate (docs/centre.md, "Duplicates").
  std::chrono::seconds dedup_window = std::chrono::hours(24 * 7);
  std::string centre_name = "centre";  ///< recorded with every frame (which process stored it)
  extract_options extract;
  std::chrono::milliseconds busy_timeout{5000};  ///< SQLite: wait for another writer
  /// A batch whose store fails with a retryable error (PostgreSQL restarting: the session is
  /// lost; a deadlock; SQLite busy) is tried again for at least this long (and at least 4 times)
  /// before its messages are denied; the confirms wait meanwhile.
  std::chrono::milliseconds retry_for{15000};
};

/// What became of one message.
struct ingest_outcome {
  enum class status { stored, duplicate, failed };
  status st = status::failed;
  std::int64_t frame_id = 0;
  std::vector<event_record> events;  ///< stored: with ids and alarm changes
  std::string error;                 ///< failed: why
};

/// Result of an operator action on an alarm.
enum class transition_result { ok, not_found, invalid_transition };

/// One connection's worth of store; not thread-safe (one per thread).
class store {
 public:
  /// Connects (creating the SQLite file, or the schema in PostgreSQL, if missing). Throws
  /// db_error with a readable message.
  static std::unique_ptr<store> open(const store_options& o);

  /// Stores a batch of messages in one transaction, all of a message or none of it: first
  /// without savepoints; if a message fails, the transaction is rolled back and the batch stored
  /// again with a savepoint per message, so that only that message fails. `before_commit` sees
  /// the outcomes just before COMMIT (the MQTT journal append). Never throws: failures are
  /// outcomes.
  std::vector<ingest_outcome> ingest(
      const std::vector<const inbound*>& batch,
      const std::function<void(const std::vector<const inbound*>&,
                               const std::vector<ingest_outcome>&)>& before_commit = {});

  /// Current alarms: `state` empty → received and acknowledged; "all"; or one state.
  json alarms(const std::string& state, std::int64_t limit = 1000);
  /// One alarm, or null.
  json alarm(std::int64_t id);
  /// The units with their device and open-alarm counts.
  json units();
  /// A unit's events, newest first; nullopt if the unit is unknown.
  std::optional<json> history(std::uint64_t uitd_address, std::int64_t limit);
  /// Operator action: "ack" (received → acknowledged), "resolve" or "false_alarm" (acknowledged
  /// → resolved | false_alarm).
  transition_result transition(std::int64_t id, const std::string& action,
                               const std::string& operator_name, const std::string& note,
                               std::string* current_state = nullptr);
  /// Forgets duplicate keys older than the window; returns how many.
  std::int64_t prune();

  /// Checked between retries of a failing batch: true stops retrying beyond the first 4
  /// attempts (the centre is stopping).
  void set_give_up(std::function<bool()> f) { give_up_ = std::move(f); }

  connection& db() noexcept { return *db_; }
  const store_options& options() const noexcept { return o_; }

  /// The rows of a query as JSON objects (*_us columns get an ISO *_at twin, uitd_address a hex
  /// `uitd`).
  static json rows_json(const result& r);

 private:
  store(std::unique_ptr<connection> db, store_options o);
  void ensure_schema();
  void ingest_one(const inbound& m, ingest_outcome& out);
  std::int64_t device(std::int64_t unit, const event_record& e, micros now,
                      std::optional<std::int64_t>& prev_status, bool& superseded);
  // A late status without alarm bit alarm_kinds[k] between a device's statuses with it: the
  // bit fell and rose (store.cpp).
  void split_late(std::int64_t unit, std::int64_t dev, bool uitd_level, event_record& e, micros now,
                  std::size_t k);

  // The identity of a device row: unit id, level (0 uitd, 1 system, 2 component), system type,
  // system address, component address — the unique key of `devices`.
  struct device_key {
    std::int64_t unit;
    int level;
    std::int64_t system_type, system_address, component_address;
    bool operator==(const device_key& o) const noexcept {
      return unit == o.unit && level == o.level && system_type == o.system_type &&
             system_address == o.system_address && component_address == o.component_address;
    }
  };
  struct device_key_hash {
    std::size_t operator()(const device_key& k) const noexcept;
  };

  std::int64_t unit_id(const inbound& m, micros now);
  std::int64_t insert_id(const std::string& sqlite_sql, const std::string& pg_sql,
                         const std::vector<value>& params);
  void forget_pending(std::size_t units, std::size_t devices);
  void keep_pending();

  std::unique_ptr<connection> db_;
  store_options o_;
  std::function<bool()> give_up_;
  // Ids of units and devices that exist (committed): rows are never deleted nor re-keyed, so an
  // id stays right whatever other connections or centre processes do; what the rows hold (last
  // status, last seen) is always read and written in the database. Ids learnt in a transaction
  // wait in pending_* until its COMMIT (a rollback must not leave ids of rows that are gone).
  std::unordered_map<std::uint64_t, std::int64_t> unit_ids_;  // UITD address → units.id
  std::unordered_map<device_key, std::int64_t, device_key_hash> device_ids_;
  std::vector<std::pair<std::uint64_t, std::int64_t>> pending_units_;
  std::vector<std::pair<device_key, std::int64_t>> pending_devices_;
};

/// The schema version this build writes (table meta, key "schema_version").
inline constexpr int schema_version = 1;

}  // namespace firebus_centre

#endif  // FIREBUS_CENTRE_STORE_HPP
