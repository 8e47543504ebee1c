// firebus — fire-safety IoT SDK.
// firebus-centre: the monitoring centre as a library (firebus_centre_core), so that tests and
// benchmarks run it in-process. It accepts UITDs over GB/T 26875.3 (gb26875::server), stores
// every message (store.hpp) and confirms it only after the commit, republishes the events over
// MQTT through a journal, and serves a small HTTP JSON API. docs/centre.md.
#ifndef FIREBUS_CENTRE_CENTRE_HPP
#define FIREBUS_CENTRE_CENTRE_HPP

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <memory>
#include <optional>
#include <string>

#include "store.hpp"

namespace firebus_centre {

/// Republishing events over MQTT.
struct mqtt_settings {
  std::string host = "127.0.0.1";
  std::uint16_t port = 1883;
  std::string client_id;     ///< default "fbc" + a hash of host, pid and centre name (unique)
  std::string journal_path;  ///< the uplink journal (SQLite file), required
  std::string topic_prefix = "firebus/centre";  ///< topic: <prefix>/<uitd hex>/events
};

/// Settings of a centre.
struct centre_config {
  std::string listen_host = "127.0.0.1";
  std::uint16_t listen_port = 9000;  ///< 0: an ephemeral port (port() tells)
  std::uint64_t address = 1;         ///< the centre's own 6-byte address
  store_options store;
  bool http = false;
  std::string http_host = "127.0.0.1";
  std::uint16_t http_port = 8080;  ///< 0: ephemeral (http_port() tells)
  std::optional<mqtt_settings> mqtt;
  /// Where one line per stored event goes (nullptr: nowhere); JSON lines or readable text.
  std::FILE* out = stdout;
  bool json_lines = false;
  bool color = false;       ///< ANSI colours for alarms in readable text
  std::size_t workers = 0;  ///< store threads (one DB connection each); 0: 1 SQLite, 4 PostgreSQL
  std::size_t max_batch = 256;            ///< messages per transaction at most
  std::size_t max_connections = 20000;    ///< UITD connections at once
  std::size_t io_threads = 1;             ///< threads running the GB/T 26875.3 server
  std::chrono::seconds idle_timeout{90};  ///< close a UITD silent this long
  /// Per UITD per second; beyond it the connection is closed (a flood guard). A stop-and-wait
  /// UITD sends at most one message per round trip: 2,000/s is a LAN or loopback gateway with
  /// a backlog (the library's default of 200 closed such a gateway's connection every second).
  std::size_t rate_max_frames = 2000;
  /// Messages of one UITD connection received and not yet confirmed (1 .. 4096): the store
  /// queues hold at most max_connections × this many (docs/centre.md, "Bounds"). A firebus UITD
  /// is stop-and-wait; 64 leaves room for one that sends a backlog without waiting, whose
  /// messages beyond the bound (a fire among them) would wait for its answer timeout.
  std::size_t max_unconfirmed = 64;
};

/// Counts for tests and /metrics.
struct centre_stats {
  std::uint64_t stored = 0;              ///< messages stored
  std::uint64_t store_duplicates = 0;    ///< messages recognised as duplicates by the store
  std::uint64_t session_duplicates = 0;  ///< recognised by the connection (already confirmed)
  std::uint64_t failed = 0;              ///< messages rejected because the store failed
  std::uint64_t events = 0;              ///< events stored
  std::uint64_t alarms_opened = 0;
  std::uint64_t mqtt_queued = 0;   ///< events appended to the MQTT journal
  std::uint64_t mqtt_refused = 0;  ///< events the MQTT journal refused (logged)
};

class centre {
 public:
  explicit centre(centre_config cfg);
  ~centre();  ///< stop()
  centre(const centre&) = delete;
  centre& operator=(const centre&) = delete;

  /// Opens the store, listens, starts the threads. Throws std::runtime_error with a readable
  /// message (database, address in use, journal locked, ...).
  void start();
  /// Stops accepting messages, stores and confirms those already received, closes the
  /// connections, the HTTP server, the MQTT uplink and the database. Idempotent.
  void stop();

  std::uint16_t port() const;
  std::uint16_t http_port() const;
  centre_stats stats() const;
  /// Prometheus text exposition.
  std::string metrics_text() const;

  struct impl;

 private:
  std::unique_ptr<impl> impl_;
};

}  // namespace firebus_centre

#endif  // FIREBUS_CENTRE_CENTRE_HPP
