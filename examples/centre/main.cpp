// firebus — fire-safety IoT SDK.
// firebus-centre: the example monitoring centre's command line (docs/centre.md).
#include <signal.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <iostream>
#include <string>

#include "centre.hpp"

namespace fc = firebus_centre;

namespace {

constexpr const char* usage = R"(usage: firebus-centre --address ADDR [options]

The example monitoring centre: accepts UITDs over GB/T 26875.3, confirms each message after it is
stored, republishes events over MQTT, serves an HTTP JSON API (docs/centre.md).

  --listen HOST:PORT     GB/T 26875.3 TCP listener (default 127.0.0.1:9000; port 0: any)
  --address ADDR         the centre's 6-byte address: decimal, or hex with 0x (required)
  --db PATH              SQLite database file, created on first run (default centre.sqlite)
  --pg CONNINFO          PostgreSQL instead: a libpq connection string, e.g.
                         "host=127.0.0.1 port=5432 dbname=firebus user=firebus"
  --http HOST:PORT       serve the HTTP JSON API (e.g. 127.0.0.1:8080; port 0: any)
  --mqtt mqtt://HOST:PORT  republish events to this broker
  --mqtt-journal PATH    the republish journal (default firebus-centre-mqtt.db)
  --mqtt-prefix PREFIX   topic prefix (default firebus/centre): PREFIX/<uitd hex>/events
  --name NAME            this process in the frames table (default host:pid)
  --json                 one JSON line per stored event on stdout (else readable text)
  --workers N            store threads, one database connection each (default 1 SQLite, 4 PG)
  --dedup-window DUR     duplicate window: 90s, 30m, 12h, 7d (default 7d)
  --utc-offset MINUTES   time zone of the UITDs' time tags (default: the host's)
  --bit0-zero-normal     status bit 0 = 0 means normal (field practice), not test
  --max-connections N    UITD connections at once (default 20000)
  --rate-limit N         frames per second from one UITD before its connection is closed
                         (default 2000)
  --help                 this text
Exit codes: 0 stopped by SIGINT/SIGTERM, 1 cannot start, 2 bad arguments.
)";

[[noreturn]] void bad(const std::string& msg) {
  std::fprintf(stderr, "firebus-centre: %s\n(firebus-centre --help for usage)\n", msg.c_str());
  std::exit(2);
}

bool parse_u64(const std::string& s, std::uint64_t& out, int base = 10) {
  if (s.empty()) return false;
  char* end = nullptr;
  errno = 0;
  out = std::strtoull(s.c_str(), &end, base);
  return errno == 0 && *end == '\0' && s[0] != '-';
}

void host_port(const std::string& opt, const std::string& v, std::string& host,
               std::uint16_t& port) {
  const auto colon = v.rfind(':');
  std::uint64_t p = 0;
  if (colon == std::string::npos || colon == 0 || !parse_u64(v.substr(colon + 1), p) || p > 65535) {
    bad(opt + ": HOST:PORT expected (e.g. 127.0.0.1:9000), \"" + v + "\" found");
  }
  host = v.substr(0, colon);
  if (host.size() > 2 && host.front() == '[' && host.back() == ']') {
    host = host.substr(1, host.size() - 2);
  }
  port = static_cast<std::uint16_t>(p);
}

}  // namespace

namespace {

// The host's offset from UTC now, in minutes (0 if unknown): the default time zone of time tags
// (GB/T 26875.3 does not say; the digest: "default local time of the device").
int host_utc_offset_minutes() {
  const std::time_t now = std::time(nullptr);
  std::tm local{};
  if (now == static_cast<std::time_t>(-1) || ::localtime_r(&now, &local) == nullptr) return 0;
  const long minutes = local.tm_gmtoff / 60;
  return minutes < -1440 || minutes > 1440 ? 0 : static_cast<int>(minutes);
}

}  // namespace

int main(int argc, char** argv) {
  fc::centre_config cfg;
  cfg.store.extract.utc_offset = std::chrono::minutes(host_utc_offset_minutes());
  bool have_address = false;
  std::string mqtt_journal = "firebus-centre-mqtt.db";
  std::string mqtt_prefix;
  bool have_db = false;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    const auto value = [&]() -> std::string {
      if (i + 1 >= argc) bad(a + ": a value expected");
      return argv[++i];
    };
    if (a == "--help" || a == "-h") {
      std::fputs(usage, stdout);
      return 0;
    } else if (a == "--listen") {
      host_port(a, value(), cfg.listen_host, cfg.listen_port);
    } else if (a == "--address") {
      const std::string v = value();
      std::uint64_t addr = 0;
      const bool ok = v.rfind("0x", 0) == 0 || v.rfind("0X", 0) == 0
                          ? parse_u64(v.substr(2), addr, 16)
                          : parse_u64(v, addr, 10);
      if (!ok || addr > 0xFFFFFFFFFFFFull) {
        bad("--address: a 6-byte address (decimal, or hex with 0x) expected, \"" + v + "\" found");
      }
      cfg.address = addr;
      have_address = true;
    } else if (a == "--db") {
      cfg.store.sqlite_path = value();
      have_db = true;
    } else if (a == "--pg") {
      cfg.store.pg_conninfo = value();
      if (cfg.store.pg_conninfo.empty()) bad("--pg: a connection string expected");
    } else if (a == "--http") {
      cfg.http = true;
      host_port(a, value(), cfg.http_host, cfg.http_port);
    } else if (a == "--mqtt") {
      const std::string v = value();
      const std::string scheme = "mqtt://";
      if (v.rfind(scheme, 0) != 0) bad("--mqtt: mqtt://HOST:PORT expected, \"" + v + "\" found");
      fc::mqtt_settings ms;
      host_port(a, v.substr(scheme.size()), ms.host, ms.port);
      cfg.mqtt = ms;
    } else if (a == "--mqtt-journal") {
      mqtt_journal = value();
    } else if (a == "--mqtt-prefix") {
      mqtt_prefix = value();
      if (mqtt_prefix.empty() || mqtt_prefix.find_first_of("#+") != std::string::npos) {
        bad("--mqtt-prefix: a topic without wildcards expected");
      }
    } else if (a == "--name") {
      cfg.store.centre_name = value();
    } else if (a == "--json") {
      cfg.json_lines = true;
    } else if (a == "--workers") {
      std::uint64_t n = 0;
      const std::string v = value();
      if (!parse_u64(v, n) || n < 1 || n > 64) bad("--workers: 1..64 expected, \"" + v + "\"");
      cfg.workers = n;
    } else if (a == "--rate-limit") {
      std::uint64_t n = 0;
      const std::string v = value();
      // The GB/T 26875.3 server's flood guard counts up to 65,536 frames per window.
      if (!parse_u64(v, n) || n < 1 || n > 65536) {
        bad("--rate-limit: 1..65536 frames per second expected, \"" + v + "\" found");
      }
      cfg.rate_max_frames = n;
    } else if (a == "--max-connections") {
      std::uint64_t n = 0;
      const std::string v = value();
      if (!parse_u64(v, n) || n < 1 || n > 1000000) {
        bad("--max-connections: 1..1000000 expected, \"" + v + "\" found");
      }
      cfg.max_connections = n;
    } else if (a == "--dedup-window") {
      const std::string v = value();
      std::uint64_t n = 0;
      const char unit = v.empty() ? '\0' : v.back();
      const std::uint64_t mult = unit == 's'   ? 1
                                 : unit == 'm' ? 60
                                 : unit == 'h' ? 3600
                                 : unit == 'd' ? 86400
                                               : 0;
      if (mult == 0 || !parse_u64(v.substr(0, v.size() - 1), n) || n == 0 ||
          n * mult > 366ull * 86400) {
        bad("--dedup-window: a duration such as 90s, 30m, 12h, 7d (at most 366d) expected, \"" + v +
            "\" found");
      }
      cfg.store.dedup_window = std::chrono::seconds(n * mult);
    } else if (a == "--utc-offset") {
      const std::string v = value();
      char* end = nullptr;
      const long m = std::strtol(v.c_str(), &end, 10);
      if (v.empty() || *end != '\0' || m < -24 * 60 || m > 24 * 60) {
        bad("--utc-offset: minutes -1440..1440 expected, \"" + v + "\" found");
      }
      cfg.store.extract.utc_offset = std::chrono::minutes(m);
    } else if (a == "--bit0-zero-normal") {
      cfg.store.extract.bit0 = firebus::gb26875::bit0_policy::zero_means_normal;
    } else {
      bad("unknown argument \"" + a + "\"");
    }
  }
  if (!have_address) bad("--address is required (the centre's 6-byte address)");
  if (have_db && !cfg.store.pg_conninfo.empty()) bad("--db and --pg: one or the other");
  if (cfg.mqtt) {
    cfg.mqtt->journal_path = mqtt_journal;
    if (!mqtt_prefix.empty()) cfg.mqtt->topic_prefix = mqtt_prefix;
  }
  cfg.out = stdout;
  cfg.color = !cfg.json_lines && ::isatty(STDOUT_FILENO) != 0;

  // SIGINT and SIGTERM are taken by sigwait() below; every thread inherits the mask.
  sigset_t sigs;
  sigemptyset(&sigs);
  sigaddset(&sigs, SIGINT);
  sigaddset(&sigs, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &sigs, nullptr);
  signal(SIGPIPE, SIG_IGN);

  fc::centre c(cfg);
  try {
    c.start();
  } catch (const std::exception& e) {
    std::fprintf(stderr, "firebus-centre: %s\n", e.what());
    return 1;
  }
  const std::string db =
      cfg.store.pg_conninfo.empty() ? "sqlite:" + cfg.store.sqlite_path : std::string("postgresql");
  if (cfg.json_lines) {
    fc::json j{{"type", "listening"}, {"port", c.port()}, {"db", db}};
    if (cfg.http) j["http_port"] = c.http_port();
    std::printf("%s\n", j.dump().c_str());
  } else {
    std::printf("firebus-centre: GB/T 26875.3 on %s:%u, store %s", cfg.listen_host.c_str(),
                static_cast<unsigned>(c.port()), db.c_str());
    if (cfg.http) {
      std::printf(", HTTP on %s:%u", cfg.http_host.c_str(), static_cast<unsigned>(c.http_port()));
    }
    if (cfg.mqtt) {
      std::printf(", MQTT %s:%u", cfg.mqtt->host.c_str(), static_cast<unsigned>(cfg.mqtt->port));
    }
    std::printf("\n");
  }
  std::fflush(stdout);

  int sig = 0;
  sigwait(&sigs, &sig);
  c.stop();
  const fc::centre_stats s = c.stats();
  if (cfg.json_lines) {
    fc::json j{{"type", "stopped"},
               {"signal", sig},
               {"stored", s.stored},
               {"events", s.events},
               {"duplicates", s.store_duplicates + s.session_duplicates},
               {"failed", s.failed}};
    std::printf("%s\n", j.dump().c_str());
  } else {
    std::printf(
        "firebus-centre: stopped (%s): %llu messages stored, %llu events, %llu duplicates, "
        "%llu failed\n",
        sig == SIGINT ? "SIGINT" : "SIGTERM", static_cast<unsigned long long>(s.stored),
        static_cast<unsigned long long>(s.events),
        static_cast<unsigned long long>(s.store_duplicates + s.session_duplicates),
        static_cast<unsigned long long>(s.failed));
  }
  std::fflush(stdout);
  return 0;
}
