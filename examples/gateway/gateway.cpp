// firebus — fire-safety IoT SDK.
#include "gateway.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <cmath>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <deque>
#include <fstream>
#include <iomanip>
#include <map>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <sstream>
#include <tuple>
#include <utility>
#include <variant>
#include <vector>

#include <asio.hpp>

#include <firebus/alarm/engine.hpp>
#include <firebus/alarm_json.hpp>
#include <firebus/gb26875/adu.hpp>
#include <firebus/gb26875/codes.hpp>
#include <firebus/io/gb26875_client.hpp>
#include <firebus/io/gb26875_uplink.hpp>
#include <firebus/io/journal.hpp>
#include <firebus/io/modbus_rtu_bus.hpp>
#include <firebus/io/modbus_tcp_bus.hpp>
#include <firebus/io/mqtt_client.hpp>
#include <firebus/io/mqtt_uplink.hpp>
#include <firebus/profile/codec.hpp>
#include <firebus/profile_json.hpp>
#include <firebus/telemetry/aliases.hpp>
#include <firebus/telemetry/firebus_codec.hpp>
#include <firebus/text.hpp>

#include "gb_mapping.hpp"
#include "sparkplug_link.hpp"

namespace fbgw {
namespace {

namespace gb = firebus::gb26875;
namespace ul = firebus::uplink;
namespace tm = firebus::telemetry;
using firebus::duration;
using firebus::mono_time;
using firebus::utc_time;
using steady = std::chrono::steady_clock;
using json = nlohmann::json;

constexpr std::uint32_t npos = firebus::alarm::npos;

std::string iso(utc_time t) {
  const auto us = t.time_since_epoch().count();
  const std::time_t secs = static_cast<std::time_t>(us / 1000000);
  std::tm tmv{};
  gmtime_r(&secs, &tmv);
  char buf[40];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S", &tmv);
  char frac[16];
  std::snprintf(frac, sizeof frac, ".%03dZ", static_cast<int>((us % 1000000) / 1000));
  return std::string(buf) + frac;
}

double seconds_of(duration d) { return std::chrono::duration<double>(d).count(); }

/// Writes `bytes` to `path` atomically and durably: a temporary file, fsync, rename, fsync of
/// the directory. A crash leaves the old file or the new one, never a torn one.
bool write_file_atomic(const std::string& path, const std::vector<std::uint8_t>& bytes,
                       std::string& why) {
  const std::string tmp = path + ".tmp";
  const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) {
    why = tmp + ": " + std::strerror(errno);
    return false;
  }
  std::size_t done = 0;
  while (done < bytes.size()) {
    const ssize_t n = ::write(fd, bytes.data() + done, bytes.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      why = tmp + ": " + std::strerror(errno);
      ::close(fd);
      return false;
    }
    done += static_cast<std::size_t>(n);
  }
  if (::fsync(fd) != 0) {
    why = tmp + ": fsync: " + std::strerror(errno);
    ::close(fd);
    return false;
  }
  ::close(fd);
  if (::rename(tmp.c_str(), path.c_str()) != 0) {
    why = path + ": " + std::strerror(errno);
    return false;
  }
  const auto slash = path.rfind('/');
  const std::string dir = slash == std::string::npos ? "." : path.substr(0, slash);
  const int dfd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dfd >= 0) {
    ::fsync(dfd);
    ::close(dfd);
  }
  return true;
}

bool read_file(const std::string& path, std::vector<std::uint8_t>& out) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return false;
  out.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  return true;
}

/// A GB/T 26875.3 description (31 bytes of GB 18030) from UTF-8, cut at a character boundary
/// when longer (characters GB 18030 cannot encode are replaced).
gb::description description_of(const std::string& utf8) {
  std::error_code ec;
  const std::vector<std::uint8_t> b =
      firebus::utf8_to_gb18030(utf8, ec, firebus::text_policy::replace);
  gb::description d{};
  std::size_t i = 0;
  while (!ec && i < b.size()) {
    std::size_t n = 1;
    if (b[i] >= 0x81 && b[i] <= 0xFE && i + 1 < b.size()) {
      n = (b[i + 1] >= 0x30 && b[i + 1] <= 0x39) ? 4 : 2;
    }
    if (i + n > d.size() || i + n > b.size()) break;
    for (std::size_t k = 0; k < n; ++k) d[i + k] = b[i + k];
    i += n;
  }
  return d;
}

/// A Modbus bus of either kind.
struct bus_holder {
  std::unique_ptr<firebus::modbus::tcp_bus> tcp;
  std::unique_ptr<firebus::modbus::rtu_bus> rtu;
  bool up = false;
  bool reported_down = false;
  template <class F>
  void each(F&& f) {
    if (tcp) f(*tcp);
    if (rtu) f(*rtu);
  }
};

/// One configured device at run time.
// The wall clock in ms since 1970 (Sparkplug's times).
std::uint64_t unix_ms_now() {
  const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                      std::chrono::system_clock::now().time_since_epoch())
                      .count();
  return ms < 0 ? 0 : static_cast<std::uint64_t>(ms);
}

struct device_rt {
  std::size_t config = 0;  // index into gateway_config::devices
  std::size_t bus = 0;
  std::uint32_t bus_device = 0;  // the bus's device index
  std::shared_ptr<const firebus::profile::codec> codec;
  std::vector<std::uint32_t> engine_point;  // profile point → engine point (npos: none)
  tm::device_state state = tm::device_state::unknown;
  std::string detail;
};

}  // namespace

struct gateway::impl : std::enable_shared_from_this<gateway::impl> {
  asio::io_context& io;
  gateway_config cfg;
  gateway_options opt;

  // Time: mono_time counts from `epoch`; `utc0` is the wall clock at mono zero. After a restart
  // from a snapshot the epoch is chosen so that mono time continues from the previous run.
  steady::time_point epoch;
  utc_time utc0{};
  // Numbers the gateway's events 1, 2, 3, ... (firebus::event::seq: receivers detect loss and
  // duplicates per source). The next number is kept in the snapshot, and after a kill -9 also
  // taken from the newest alarm envelopes in the MQTT journal (appended before the snapshot).
  std::uint64_t next_event_seq = 1;
  duration gb_clock_shift{};  // the centre's clock minus the host's (clock sync, type 90)
  // A duty check (查岗, type 91) waiting for an operator's answer (POST /api/command
  // {"command": "answer_duty_check", "operator": N}): when it came and until when (no deadline
  // when the centre gave 0 minutes).
  std::optional<mono_time> duty_since;
  std::optional<mono_time> duty_deadline;

  std::map<std::string, std::shared_ptr<const firebus::profile::codec>> codecs;
  std::vector<bus_holder> buses;
  std::vector<device_rt> devices;
  std::vector<std::vector<std::size_t>> bus_devices;  // bus → its devices (by bus index)
  firebus::alarm::engine engine;
  firebus::alarm::rules rules;
  std::vector<std::vector<std::uint32_t>> zone_members;
  asio::steady_timer engine_timer;
  asio::steady_timer tick_timer;
  bool snapshot_dirty = false;
  // What an engine step sends (its MQTT envelope 'M', its GB ADUs 'G', encoded), written into
  // the snapshot with the step's state before it goes to the journals: a kill -9 between the
  // two neither forgets a latched fire nor loses its events (resent at the next start).
  std::vector<std::pair<char, std::vector<std::uint8_t>>> outbox;
  std::size_t outbox_resent = 0;  // at start: its messages journalled again
  // FIREBUS_GATEWAY_FAILPOINT=kill_after_step_snapshot (tests): SIGKILL itself between a step's
  // snapshot and its journal appends, the window a kill -9 rarely hits.
  const bool kill_after_step_snapshot = [] {
    const char* v = std::getenv("FIREBUS_GATEWAY_FAILPOINT");
    return v != nullptr && std::string(v) == "kill_after_step_snapshot";
  }();
  steady::time_point last_snapshot{};
  steady::time_point last_telemetry{};
  std::string snapshot_path;

  // MQTT uplink. With mqtt.format "sparkplug", the link makes the Sparkplug messages of what
  // the journal holds when it is published (declared first: it outlives the client's Will
  // provider and the uplink's transform, which use it).
  std::unique_ptr<sparkplug_link> spb;
  bool death_sent = false, death_done = false;  // the NDEATH published on SIGTERM
  std::uint64_t death_token = 0;
  std::unique_ptr<ul::journal> mqtt_journal;
  std::unique_ptr<firebus::mqtt::client> mqtt;
  std::unique_ptr<ul::mqtt_uplink> mqtt_up;
  tm::birth birth;
  tm::alias_table aliases;
  std::vector<firebus::sample> pending_samples;
  std::string topic_alarm, topic_telemetry;

  // GB/T 26875.3 uplink.
  std::unique_ptr<ul::journal> gb_journal;
  std::unique_ptr<gb::client> gb_client;
  std::unique_ptr<ul::gb26875_uplink> gb_up;
  gb_mapper mapper;
  std::vector<gb::adu> pending_analog;  // routine analog values of the current second
  bool gb_link_down_reported = false;

  // Health.
  struct counters_t {
    std::uint64_t readings = 0, failures = 0, samples = 0, events = 0, alarms_on = 0;
    std::uint64_t mqtt_sent = 0, gb_sent = 0, send_errors = 0, snapshot_errors = 0;
    std::uint64_t gb_denied = 0, duty_checks = 0, duty_answered = 0, duty_missed = 0;
    std::uint64_t clock_syncs = 0, clock_syncs_refused = 0;
  } counters;
  bool own_fault = false;  // a journal refused an alarm, a snapshot cannot be written
  std::map<std::string, std::string> fault_causes;   // what the fault stands for: cause → reason
  std::map<std::string, std::string> journal_paths;  // "mqtt", "gb26875" → the journal's file
  // Alarms a journal refused (full, disk error), kept in memory, in order, and offered to the
  // journal again every tick and before any later alarm (which queues behind them): nothing is
  // dropped while the fault is reported. Bounded by max_held: beyond it the oldest go, counted.
  // Each with the wall-clock time it was produced (the age of the oldest unsent alarm).
  std::deque<std::pair<utc_time, std::vector<std::uint8_t>>> held_mqtt;  // alarm-lane envelopes
  std::deque<std::pair<utc_time, gb::adu>> held_gb;  // fire, alarm and fault ADUs
  static constexpr std::size_t max_held = 10000;
  static constexpr duration max_clock_shift = std::chrono::hours(24);
  std::uint64_t held_dropped = 0;
  std::vector<double> latencies_ms;    // detector reading → uplink journal, of alarm transitions
  std::vector<double> gb_delivery_ms;  // produced → confirmed by the centre
  mutable std::mutex metrics_mu;
  std::string metrics_text;
  std::string active_text = "[]";
  bool stopping = false;

  impl(asio::io_context& i, gateway_config c, gateway_options o)
      : io(i), cfg(std::move(c)), opt(std::move(o)), engine_timer(i), tick_timer(i) {}

  // --- logging --------------------------------------------------------------------------------
  void log_line(const std::string& s) {
    if (opt.log) {
      opt.log(s);
    } else {
      std::fwrite(s.data(), 1, s.size(), stdout);
      std::fputc('\n', stdout);
      std::fflush(stdout);
    }
  }
  void log(const std::string& what, json fields = json::object()) {
    const utc_time now = std::chrono::time_point_cast<duration>(std::chrono::system_clock::now());
    if (opt.json) {
      fields["time"] = iso(now);
      fields["stage"] = "gateway";
      fields["what"] = what;
      log_line(fields.dump());
      return;
    }
    std::ostringstream s;
    s << iso(now).substr(11, 12) << " gateway  " << what;
    for (auto it = fields.begin(); it != fields.end(); ++it) {
      s << ' ' << it.key() << '=';
      if (it->is_string()) {
        s << it->get<std::string>();
      } else {
        s << it->dump();
      }
    }
    log_line(s.str());
  }

  mono_time mono_now() const {
    return mono_time(std::chrono::duration_cast<duration>(steady::now() - epoch));
  }
  utc_time utc_of(mono_time t) const { return utc0 + t.time_since_epoch(); }
  /// The wall clock of the GB/T 26875.3 time tags: the host's, moved by the centre's last clock
  /// synchronisation (type 90). Kept apart from utc0, the engine's time base: the snapshot
  /// stores utc0, and a centre's clock must never bend the engine's time line (latches, delays,
  /// stale times) across a restart, nor the MQTT events' times.
  utc_time gb_utc_of(mono_time t) const { return utc_of(t) + gb_clock_shift; }

  // --- start ----------------------------------------------------------------------------------
  std::shared_ptr<const firebus::profile::codec> load_codec(const std::string& profile,
                                                            std::string& why) {
    auto it = codecs.find(profile);
    if (it != codecs.end()) return it->second;
    std::vector<std::string> candidates;
    const bool is_path = profile.find('/') != std::string::npos ||
                         (profile.size() > 5 && profile.substr(profile.size() - 5) == ".json");
    if (is_path) {
      candidates.push_back(profile);
    } else {
      std::vector<std::string> dirs = cfg.profile_dirs;
      if (!opt.default_profile_dir.empty()) dirs.push_back(opt.default_profile_dir);
      for (const std::string& d : dirs) candidates.push_back(d + "/" + profile + ".json");
    }
    for (const std::string& path : candidates) {
      struct stat st {};
      if (::stat(path.c_str(), &st) != 0) continue;
      firebus::profile::device_profile p;
      std::error_code ec;
      firebus::profile::profile_error perr;
      if (!firebus::profile::load_profile(path, p, ec, perr)) {
        why = path + ": " + (perr.what().empty() ? ec.message() : perr.what());
        return nullptr;
      }
      firebus::profile::profile_error verr;
      auto c = std::make_shared<firebus::profile::codec>();
      if (!c->assign(std::move(p), verr)) {
        why = path + ": " + verr.what();
        return nullptr;
      }
      codecs[profile] = c;
      return c;
    }
    why = "profile \"" + profile + "\" not found (looked in:";
    for (const auto& c : candidates) why += " " + c;
    why += ")";
    return nullptr;
  }

  /// The engine's rules: every device's profile defaults (points "<device>/<point>", stale time
  /// from the poll settings), replaced or extended by the configuration's rules, and its zones.
  bool build_rules(const gateway_config& c, firebus::alarm::rules& out, std::string& why) {
    out = firebus::alarm::rules{};
    out.max_shelve_s = c.rules.max_shelve_s;
    out.chatter = c.rules.chatter;
    out.flood = c.rules.flood;
    out.outputs = c.rules.outputs;
    std::map<std::string, std::size_t> index;
    for (std::size_t i = 0; i < c.devices.size(); ++i) {
      const device_config& d = c.devices[i];
      auto codec = load_codec(d.profile, why);
      if (!codec) {
        why = "devices[" + std::to_string(i) + "].profile: " + why;
        return false;
      }
      const std::size_t first = out.points.size();
      if (c.profile_defaults) {
        codec->append_default_rules(d.id + "/", out);
      } else {
        for (const auto& p : codec->profile().points) {
          if (!p.publish) continue;
          firebus::alarm::point_rule pr;
          pr.id = d.id + "/" + p.id;
          pr.unit = p.unit;
          pr.range = p.range;
          out.points.push_back(std::move(pr));
        }
      }
      // Comm loss: a point not read for three periods of its poll class, plus the time the
      // retries take, is stale. Configuration-class points (setpoints, settings; read every few
      // minutes) get no stale time: their device's alarm and measurement points say it first.
      std::map<std::string, firebus::profile::poll_class> class_of;
      for (const auto& p : codec->profile().points) {
        class_of[d.id + "/" + p.id] = firebus::profile::effective_poll(p);
      }
      for (std::size_t k = first; k < out.points.size(); ++k) {
        auto& pr = out.points[k];
        const auto cls = class_of[pr.id];
        const duration period = cls == firebus::profile::poll_class::alarm ? d.alarm_period
                                : cls == firebus::profile::poll_class::measurement
                                    ? d.measurement_period
                                    : duration::zero();
        if (d.stale_s > 0) {
          pr.stale_s = d.stale_s;
        } else if (period > duration::zero()) {
          // Three periods and the retries' time; the profile's own stale time (written for a
          // generic poll rate) caps it, as long as two polls and their retries still fit.
          const double retry_s = seconds_of(d.timeout) * (d.retries + 1) * 2 + 1;
          const double auto_stale = 3 * seconds_of(period) + retry_s;
          const double floor_s = 2 * seconds_of(period) + retry_s;
          pr.stale_s =
              pr.stale_s > 0 ? std::max(floor_s, std::min(pr.stale_s, auto_stale)) : auto_stale;
        }
        index[pr.id] = k;
      }
    }
    for (const auto& pr : c.rules.points) {
      auto it = index.find(pr.id);
      if (it != index.end()) {
        out.points[it->second] = pr;
      } else {
        index[pr.id] = out.points.size();
        out.points.push_back(pr);
      }
    }
    out.zones = c.rules.zones;
    firebus::alarm::rules_error rerr;
    if (!firebus::alarm::validate(out, rerr)) {
      why = "alarm rules (profiles' defaults with alarms.rules): " + rerr.what();
      return false;
    }
    return true;
  }

  void restore_time_base() {
    // The snapshot file holds the wall-clock time of mono zero; keep mono time continuous so
    // that the engine's timers (latches, delays, stale times) keep their meaning.
    epoch = steady::now();
    utc0 = std::chrono::time_point_cast<duration>(std::chrono::system_clock::now());
    std::vector<std::uint8_t> bytes;
    if (!read_file(snapshot_path, bytes) || bytes.size() < 16) return;
    std::int64_t base_us = 0;
    for (int i = 0; i < 8; ++i)
      base_us |= std::int64_t{bytes[static_cast<std::size_t>(i)]} << (8 * i);
    const utc_time base{duration(base_us)};
    const duration elapsed = utc0 - base;
    if (elapsed < duration::zero() || elapsed > std::chrono::hours(24 * 365 * 10)) return;
    epoch = steady::now() - std::chrono::duration_cast<steady::duration>(elapsed);
    utc0 = base;
  }

  static constexpr std::size_t snapshot_header = 20;
  static constexpr std::uint8_t seq_magic[4] = {'F', 'B', 'E', 'Q'};
  static constexpr std::uint8_t out_magic[4] = {'F', 'B', 'E', '2'};

  bool restore_snapshot() {
    std::vector<std::uint8_t> bytes;
    if (!read_file(snapshot_path, bytes) || bytes.size() < 16) return false;
    std::error_code ec;
    std::size_t at = 8;
    if (bytes.size() >= snapshot_header &&
        std::equal(seq_magic, seq_magic + 4, bytes.begin() + 8)) {
      std::uint64_t next = 0;
      for (int i = 0; i < 8; ++i)
        next |= std::uint64_t{bytes[static_cast<std::size_t>(12 + i)]} << (8 * i);
      next_event_seq = std::max<std::uint64_t>(next, 1);
      at = snapshot_header;
    }
    std::size_t body_size = bytes.size() - at;
    outbox.clear();
    if (bytes.size() >= snapshot_header + 8 &&
        std::equal(out_magic, out_magic + 4, bytes.begin() + 8)) {
      // "FBE2": the next event number, the engine's snapshot's size, the snapshot, the outbox.
      std::uint64_t next = 0, size = 0;
      for (int i = 0; i < 8; ++i) {
        next |= std::uint64_t{bytes[static_cast<std::size_t>(12 + i)]} << (8 * i);
        size |= std::uint64_t{bytes[static_cast<std::size_t>(20 + i)]} << (8 * i);
      }
      at = snapshot_header + 8;
      if (size > bytes.size() - at) {
        log("snapshot not restored", {{"path", snapshot_path}, {"reason", "truncated"}});
        return false;
      }
      next_event_seq = std::max<std::uint64_t>(next, 1);
      body_size = static_cast<std::size_t>(size);
      std::size_t k = at + body_size;
      while (k + 5 <= bytes.size()) {
        const char kind = static_cast<char>(bytes[k]);
        std::uint32_t n = 0;
        for (int i = 0; i < 4; ++i)
          n |= std::uint32_t{bytes[k + 1 + static_cast<std::size_t>(i)]} << (8 * i);
        k += 5;
        if (n > bytes.size() - k) break;
        outbox.emplace_back(kind,
                            std::vector<std::uint8_t>(bytes.begin() + static_cast<long>(k),
                                                      bytes.begin() + static_cast<long>(k + n)));
        k += n;
      }
    }
    const firebus::byte_view body(bytes.data() + at, body_size);
    if (!engine.restore(body, mono_now(), ec)) {
      outbox.clear();
      log("snapshot not restored", {{"path", snapshot_path}, {"reason", ec.message()}});
      return false;
    }
    std::size_t latched = 0;
    for (const auto& a : engine.active()) {
      if (a.state == firebus::alarm_state::latched_unack ||
          a.state == firebus::alarm_state::latched_acked || a.cls == firebus::alarm_class::fire) {
        ++latched;
      }
    }
    log("snapshot restored", {{"path", snapshot_path},
                              {"active", engine.active().size()},
                              {"latched_or_fire", latched}});
    return true;
  }

  void write_snapshot() {
    // The file: the wall-clock time of mono zero (8 bytes), "FBE2", the next event sequence
    // number (8 bytes), the size of the engine's snapshot (8 bytes), the engine's snapshot, then
    // the outbox: records of a kind byte, a 4-byte size and the bytes. (Older gateways wrote
    // "FBEQ" without the size and the outbox, or only the time: both are still read.)
    const auto snap = engine.snapshot();
    std::vector<std::uint8_t> bytes(snapshot_header + 8);
    const std::int64_t base = utc0.time_since_epoch().count();
    for (int i = 0; i < 8; ++i) {
      bytes[static_cast<std::size_t>(i)] = static_cast<std::uint8_t>(base >> (8 * i));
      bytes[static_cast<std::size_t>(12 + i)] =
          static_cast<std::uint8_t>(next_event_seq >> (8 * i));
      bytes[static_cast<std::size_t>(20 + i)] =
          static_cast<std::uint8_t>(static_cast<std::uint64_t>(snap.size()) >> (8 * i));
    }
    std::copy(out_magic, out_magic + 4, bytes.begin() + 8);
    bytes.insert(bytes.end(), snap.begin(), snap.end());
    for (const auto& [kind, rec] : outbox) {
      bytes.push_back(static_cast<std::uint8_t>(kind));
      for (int i = 0; i < 4; ++i)
        bytes.push_back(
            static_cast<std::uint8_t>(static_cast<std::uint32_t>(rec.size()) >> (8 * i)));
      bytes.insert(bytes.end(), rec.begin(), rec.end());
    }
    std::string why;
    if (!write_file_atomic(snapshot_path, bytes, why)) {
      ++counters.snapshot_errors;
      raise_fault("snapshot", "snapshot: " + why);
      return;
    }
    clear_fault("snapshot");
    snapshot_dirty = false;
    last_snapshot = steady::now();
  }

  bool open_journal(const journal_config& jc, const std::string& name,
                    std::unique_ptr<ul::journal>& out, std::string& why) {
    ul::journal_options o;
    o.path = jc.path.empty() ? cfg.data_dir + "/" + name + "-journal.db" : jc.path;
    o.max_bytes = jc.max_bytes;
    o.max_messages = jc.max_messages;
    o.durability = jc.sync ? ul::durability::full : ul::durability::normal;
    o.on_log = [this, name](ul::log_level, const std::string& m) {
      // Called on the appending thread (the io thread): log at once.
      log("journal", {{"journal", name}, {"message", m}});
    };
    // A damaged journal (a power loss on failing storage) is moved aside, kept for salvage, and
    // a new one started: alarms keep flowing. The gateway's fault stands while the moved file
    // is there (check_damaged_journals()).
    o.move_aside_damaged = true;
    std::error_code ec;
    auto j = std::make_unique<ul::journal>(o, ec);
    if (ec) {
      why = o.path + ": " + ec.message();
      return false;
    }
    if (!j->moved_aside().empty()) {
      log("JOURNAL DAMAGED: moved aside, a new one started",
          {{"journal", name}, {"path", o.path}, {"moved_to", j->moved_aside()}});
    }
    journal_paths[name] = o.path;
    out = std::move(j);
    check_damaged_journals();
    return true;
  }

  // The gateway's own fault stands while a journal moved aside as damaged is still next to it:
  // what it held was not sent; removing the file (once salvaged) clears the fault.
  void check_damaged_journals() {
    for (const auto& [name, path] : journal_paths) {
      const std::string cause = "journal " + name + " damaged";
      const std::vector<std::string> files = ul::journal::damaged_files(path);
      if (files.empty()) {
        clear_fault(cause);
      } else if (!fault_causes.count(cause)) {
        raise_fault(cause, "moved aside to " + files.front() +
                               ": what it held was not sent; remove the file once salvaged");
      }
    }
  }

  /// What start() validates before it opens anything: profiles, alarm rules and zones, the GB
  /// components and mapping. Touches no file but the profiles, opens no bus or uplink.
  bool check(std::string& why) {
    firebus::alarm::rules r;
    if (!build_rules(cfg, r, why)) return false;
    firebus::alarm::engine e;
    std::error_code ec;
    firebus::alarm::rules_error rerr;
    if (!e.configure(r, ec, &rerr)) {
      why = "alarm rules: " + rerr.what();
      return false;
    }
    std::vector<gb_component> comps;
    return gb_components(e, comps, why);
  }

  bool start(std::string& why) {
    ::mkdir(cfg.data_dir.c_str(), 0700);
    struct stat st {};
    if (::stat(cfg.data_dir.c_str(), &st) != 0 || !S_ISDIR(st.st_mode)) {
      why = "data_dir " + cfg.data_dir + ": not a directory";
      return false;
    }
    snapshot_path = cfg.data_dir + "/engine.snapshot";
    if (!build_rules(cfg, rules, why)) return false;
    std::error_code ec;
    firebus::alarm::rules_error rerr;
    if (!engine.configure(rules, ec, &rerr)) {
      why = "alarm rules: " + rerr.what();
      return false;
    }
    zone_members.assign(engine.zone_count(), {});
    for (const auto& z : rules.zones) {
      const std::uint32_t zi = engine.find_zone(z.id);
      if (zi == npos) continue;
      for (const auto& m : z.members) zone_members[zi].push_back(engine.find_point(m));
    }
    restore_time_base();
    const bool restored = restore_snapshot();

    // Buses and devices.
    std::map<std::string, std::size_t> bus_index;
    for (const bus_config& b : cfg.buses) {
      bus_holder h;
      if (b.rtu) {
        firebus::modbus::rtu_bus_config rc;
        rc.device = b.device;
        rc.baud = b.baud;
        rc.parity = b.parity;
        rc.data_bits = b.data_bits;
        rc.stop_bits = b.stop_bits;
        rc.rs485 = b.rs485;
        rc.epoch = epoch;
        h.rtu = std::make_unique<firebus::modbus::rtu_bus>(io, rc, ec);
      } else {
        firebus::modbus::tcp_bus_config tc;
        tc.host = b.host;
        tc.port = b.port;
        tc.epoch = epoch;
        if (b.line_baud > 0) {
          firebus::modbus::line_timing lt;
          lt.baud = b.line_baud;
          tc.cost = firebus::modbus::cost_model::rtu(lt);
        }
        h.tcp = std::make_unique<firebus::modbus::tcp_bus>(io, tc, ec);
      }
      if (ec) {
        why = "buses[" + std::to_string(buses.size()) + "] (" + b.id + "): " + ec.message();
        return false;
      }
      bus_index[b.id] = buses.size();
      buses.push_back(std::move(h));
    }
    bus_devices.assign(buses.size(), {});
    for (std::size_t i = 0; i < cfg.devices.size(); ++i) {
      const device_config& d = cfg.devices[i];
      device_rt rt;
      rt.config = i;
      rt.bus = bus_index.at(d.bus);
      rt.codec = codecs.at(d.profile);
      firebus::modbus::device_policy pol;
      pol.period = {d.alarm_period, d.measurement_period, d.config_period};
      pol.timeout = d.timeout;
      pol.retries = d.retries;
      std::uint32_t idx = 0;
      buses[rt.bus].each([&](auto& bus) {
        idx = bus.add_device(static_cast<std::uint8_t>(d.unit), rt.codec, pol);
      });
      if (idx == UINT32_MAX) {
        why = "devices[" + std::to_string(i) + "]: the bus refused the device's poll settings";
        return false;
      }
      rt.bus_device = idx;
      rt.engine_point.assign(rt.codec->size(), npos);
      for (std::size_t p = 0; p < rt.codec->size(); ++p) {
        rt.engine_point[p] = engine.find_point(d.id + "/" + rt.codec->point(p).id);
      }
      if (bus_devices[rt.bus].size() <= idx) bus_devices[rt.bus].resize(idx + 1, SIZE_MAX);
      bus_devices[rt.bus][idx] = devices.size();
      devices.push_back(std::move(rt));
    }
    std::weak_ptr<impl> weak = weak_from_this();
    for (std::size_t b = 0; b < buses.size(); ++b) {
      buses[b].each([&](auto& bus) {
        bus.on_readings(
            [weak, b](std::uint32_t d, mono_time t, const firebus::profile::readings& r) {
              if (auto self = weak.lock()) self->on_readings(b, d, t, r);
            });
        bus.on_failure([weak, b](std::uint32_t d, mono_time t, const std::vector<std::size_t>& pts,
                                 std::error_code e) {
          if (auto self = weak.lock()) self->on_failure(b, d, t, pts, e);
        });
        bus.on_connection([weak, b](bool up, std::error_code e) {
          if (auto self = weak.lock()) self->on_bus(b, up, e);
        });
      });
    }

    // GB/T 26875.3 mapping (even without that uplink: it answers nothing then, but costs little).
    // Time tags in the host's local time unless configured, fixed for this run.
    const bool host_zone = !cfg.gb.mapping.utc_offset_minutes;
    if (host_zone) cfg.gb.mapping.utc_offset_minutes = host_utc_offset_minutes();
    {
      std::vector<gb_component> comps;
      if (!gb_components(engine, comps, why)) return false;
      build_mapper(std::move(comps));
    }
    if (cfg.gb.enabled) {
      log("gb26875 time zone", {{"utc_offset_minutes", *cfg.gb.mapping.utc_offset_minutes},
                                {"from", host_zone ? "host" : "configuration"}});
    }

    if (cfg.mqtt.enabled && !start_mqtt(why)) return false;
    if (cfg.gb.enabled && !start_gb(restored, why)) return false;
    outbox_done();

    for (auto& b : buses) b.each([](auto& bus) { bus.start(); });
    log("started", {{"id", cfg.id},
                    {"buses", buses.size()},
                    {"devices", devices.size()},
                    {"points", engine.point_count()},
                    {"alarms", engine.alarm_count()},
                    {"zones", engine.zone_count()},
                    {"restored", restored}});
    last_snapshot = last_telemetry = steady::now();
    render_metrics();  // served at once, not only after the first tick
    render_active();
    schedule_engine();
    schedule_tick();
    return true;
  }

  /// The GB/T 26875.3 components of engine `e` (../shared/specs/gb26875-mapping.md): points
  /// with alarms, measured quantities the mapping has an analog type for, and points the
  /// configuration names (setpoints and settings otherwise not). False with `why` (naming the
  /// JSON path) for a point whose value cannot be sent right, a configured point the profile
  /// does not have, or two components at one address.
  bool gb_components(const firebus::alarm::engine& e, std::vector<gb_component>& comps,
                     std::string& why) const {
    comps.clear();
    std::vector<bool> has_alarms(e.point_count(), false);
    for (std::uint32_t a = 0; a < e.alarm_count(); ++a) {
      const std::uint32_t p = e.alarm_point(a);
      if (p < has_alarms.size()) has_alarms[p] = true;
    }
    // (system type, system address, component address) → where it was given.
    std::map<std::tuple<int, int, std::uint32_t>, std::string> taken;
    // From the configuration and the loaded profiles (not the runtime devices): check() runs
    // this before any bus exists. start() adds the devices in this order.
    for (std::size_t di = 0; di < cfg.devices.size(); ++di) {
      const device_config& d = cfg.devices[di];
      const auto codec_it = codecs.find(d.profile);
      if (codec_it == codecs.end()) {  // build_rules() loads every profile first
        why = "devices[" + std::to_string(di) + "].profile: not loaded";
        return false;
      }
      const firebus::profile::codec& codec = *codec_it->second;
      const std::string path = "devices[" + std::to_string(di) + "].gb26875";
      const auto& profile = codec.profile();
      for (const auto& configured_point : d.gb_points) {
        const std::string& id = configured_point.first;
        bool found = false;
        for (const auto& pd : profile.points) found = found || pd.id == id;
        if (!found) {
          why = path + ".points." + id + ": profile " + profile.id + " has no point \"" + id + "\"";
          return false;
        }
      }
      std::vector<std::string> quantities;
      for (const auto& pd : profile.points) quantities.push_back(pd.quantity);
      const int device_type = default_device_component_type(profile.kind, quantities);
      const int system_type =
          d.system_type >= 0 ? d.system_type : cfg.gb.mapping.default_system_type;
      std::uint16_t number = 0;
      for (std::size_t p = 0; p < codec.size(); ++p) {
        const auto& pd = codec.point(p);
        const std::uint32_t ep = e.find_point(d.id + "/" + pd.id);
        if (ep == npos || ep >= has_alarms.size()) continue;
        const auto over = d.gb_points.find(pd.id);
        const bool configured = over != d.gb_points.end();
        const bool setting = pd.quantity == "setpoint" || pd.quantity == "setting";
        const gb_point_defaults def = default_point_mapping(
            pd.quantity, pd.unit, cfg.gb.mapping.residual_current_analog_type, device_type);
        if (!has_alarms[ep] && !configured && (setting || def.analog_type < 0)) continue;
        ++number;  // every reported point counts, so that an explicit address renumbers none
        gb_component c;
        c.point = ep;
        c.system_type = static_cast<std::uint8_t>(system_type);
        c.system_address = static_cast<std::uint8_t>(d.system_address);
        std::string bad;
        if (!map_point(pd.quantity, pd.unit, device_type,
                       cfg.gb.mapping.residual_current_analog_type,
                       configured ? &over->second : nullptr,
                       component_address(static_cast<std::uint16_t>(std::max(0, pd.loop)), number),
                       c, bad)) {
          why = path + ".points." + pd.id + ": " + bad + " (profile " + profile.id + ")";
          return false;
        }
        const std::string where =
            configured && over->second.component_address
                ? path + ".points." + pd.id + ".component_address"
                : "devices[" + std::to_string(di) + "] point " + pd.id + " (default address)";
        const auto key = std::make_tuple(system_type, d.system_address, c.component_address);
        const auto clash = taken.emplace(key, where);
        if (!clash.second) {
          char hex[16];
          std::snprintf(hex, sizeof hex, "0x%08x", static_cast<unsigned>(c.component_address));
          why = where + ": component address " + hex + " of system " + std::to_string(system_type) +
                "/" + std::to_string(d.system_address) + " is already that of " +
                clash.first->second;
          return false;
        }
        c.text = description_of(d.name + " " + (pd.name.empty() ? pd.id : pd.name));
        c.device = static_cast<std::uint32_t>(di);
        c.power_fault_source = configured && over->second.power_fault;
        if (c.power_fault_source && !has_alarms[ep]) {
          why =
              path + ".points." + pd.id +
              ".power_fault: the point has no alarm (give it one in alarms, or a profile default)";
          return false;
        }
        comps.push_back(std::move(c));
      }
    }
    const std::pair<const char*, const std::string*> power[] = {
        {"main_power_point", &cfg.gb.mapping.main_power_point},
        {"backup_power_point", &cfg.gb.mapping.backup_power_point}};
    for (const auto& [key, id] : power) {
      if (id->empty()) continue;
      const std::uint32_t ep = e.find_point(*id);
      if (ep == npos || ep >= has_alarms.size() || !has_alarms[ep]) {
        why = std::string("gb26875.mapping.") + key + ": \"" + *id +
              (ep == npos ? "\" is not a point (\"<device id>/<point id>\")"
                          : "\" has no alarm (give it one in alarms, or a profile default)");
        return false;
      }
    }
    return true;
  }

  void build_mapper(std::vector<gb_component> comps) {
    gb_mapper_options mo;
    mo.strict_normal_bit = cfg.gb.mapping.strict_normal_bit;
    mo.analog_period = cfg.gb.mapping.analog_period;
    mo.utc_offset = gb_utc_offset();
    if (!cfg.gb.mapping.main_power_point.empty()) {
      mo.main_power_point = engine.find_point(cfg.gb.mapping.main_power_point);
    }
    if (!cfg.gb.mapping.backup_power_point.empty()) {
      mo.backup_power_point = engine.find_point(cfg.gb.mapping.backup_power_point);
    }
    mapper = gb_mapper(engine, std::move(comps), zone_members, mo);
  }

  /// The time zone of GB time tags: the configuration's, else the host's local offset taken
  /// when the gateway started (start() fills it in; the mapping page: local time).
  std::chrono::minutes gb_utc_offset() const {
    return std::chrono::minutes(cfg.gb.mapping.utc_offset_minutes.value_or(0));
  }

  // --- MQTT -----------------------------------------------------------------------------------
  bool start_mqtt(std::string& why) {
    if (!open_journal(cfg.mqtt.journal, "mqtt", mqtt_journal, why)) return false;
    const bool resend = outbox_missed('m', *mqtt_journal);  // before the birth is appended
    resume_event_seq();
    std::error_code ec;
    topic_alarm = cfg.mqtt.topic_prefix + "/" + cfg.id + "/alarm";
    topic_telemetry = cfg.mqtt.topic_prefix + "/" + cfg.id + "/telemetry";
    // The birth: every published point, in engine order. Its id is a hash of the declaration,
    // so an unchanged gateway keeps it across restarts (replayed batches still decode).
    birth = tm::birth{};
    birth.time = std::chrono::time_point_cast<duration>(std::chrono::system_clock::now());
    std::uint64_t h = 1469598103934665603ull;
    for (std::uint32_t p = 0; p < engine.point_count(); ++p) {
      tm::point_decl d;
      d.name = firebus::point_id::make(engine.point_name(p), ec);
      for (char ch : engine.point_name(p))
        h = (h ^ static_cast<unsigned char>(ch)) * 1099511628211ull;
      h = (h ^ 0xff) * 1099511628211ull;
      birth.points.push_back(std::move(d));
    }
    for (const auto& r : rules.points) {
      const std::uint32_t p = engine.find_point(r.id);
      if (p < birth.points.size()) {
        birth.points[p].unit = r.unit;
        for (char ch : r.unit) h = (h ^ static_cast<unsigned char>(ch)) * 1099511628211ull;
      }
    }
    tm::assign_aliases(birth);
    birth.birth_id = (h & 0x7fffffffffffffffull) | 1;
    aliases = tm::alias_table(birth);
    if (cfg.mqtt.format == "sparkplug" && !make_sparkplug(why)) return false;
    firebus::mqtt::client_options co;
    co.host = cfg.mqtt.host;
    co.port = cfg.mqtt.port;
    co.client_id = cfg.mqtt.client_id;
    co.username = cfg.mqtt.username;
    co.password = cfg.mqtt.password;
    if (cfg.mqtt.tls) {
      firebus::mqtt::tls_options t;
      t.ca_file = cfg.mqtt.ca_file;
      t.cert_file = cfg.mqtt.cert_file;
      t.key_file = cfg.mqtt.key_file;
      co.tls = t;
    }
    if (spb) co.will = [link = spb.get()] { return link->will(); };
    mqtt = std::make_unique<firebus::mqtt::client>(io, co, ec);
    if (ec) {
      why = "mqtt: " + ec.message();
      return false;
    }
    ul::mqtt_uplink_options uo;
    uo.on_log = [this](ul::log_level, const std::string& m) {
      log("mqtt uplink", {{"message", m}});
    };
    if (spb) {
      uo.transform = [link = spb.get()](const ul::entry& e, std::error_code& tec,
                                        std::string& twhy) {
        return link->transform(e, tec, twhy);
      };
    }
    mqtt_up = std::make_unique<ul::mqtt_uplink>(io, *mqtt_journal, *mqtt, uo, ec);
    if (ec) {
      why = "mqtt uplink: " + ec.message();
      return false;
    }
    std::weak_ptr<impl> weak = weak_from_this();
    mqtt_up->on_connection([weak](const firebus::mqtt::connection_event& e) {
      auto self = weak.lock();
      if (!self) return;
      if (e.up) {
        self->log("mqtt connected",
                  {{"broker", self->cfg.mqtt.host + ":" + std::to_string(self->cfg.mqtt.port)}});
        // Sparkplug: NBIRTH and the DBIRTHs go before the journal's replay.
        if (self->spb) {
          self->publish_sparkplug(
              self->spb->on_connected(unix_ms_now(), self->current_alarm_events(), e.will),
              "births");
        }
      } else {
        if (self->spb) self->spb->on_disconnected();
        self->log("mqtt down", {{"reason", e.error.message()}, {"detail", e.detail}});
      }
    });
    if (spb) {
      mqtt_up->on_published([weak](std::uint64_t token, std::error_code) {
        auto self = weak.lock();
        if (self && token != 0 && token == self->death_token) self->death_done = true;
      });
      mqtt->on_message([weak](const firebus::mqtt::message& msg) {
        auto self = weak.lock();
        if (!self || !self->spb) return;
        sparkplug_link::reaction r =
            self->spb->on_message(msg, unix_ms_now(), self->current_alarm_events());
        for (const std::string& p : r.problems) {
          self->log("sparkplug message refused", {{"topic", msg.topic}, {"problem", p}});
        }
        if (!r.publish.empty()) {
          self->publish_sparkplug(std::move(r.publish), r.born ? "births" : "rebirth");
        }
        if (r.born) {
          self->log("sparkplug primary host online", {{"host", self->cfg.mqtt.sparkplug_host}});
          self->mqtt_up->notify();  // the journal goes after the births
        }
        if (r.disconnect) {
          // Sparkplug 3.0: the primary host offline — NDEATH, disconnect, connect again and
          // wait for the host (the journal keeps everything meanwhile).
          self->log("sparkplug primary host offline",
                    {{"host", self->cfg.mqtt.sparkplug_host}, {"action", "reconnecting"}});
          self->publish_death();
          self->mqtt->stop();  // writes what is queued (the NDEATH), then DISCONNECT
          self->mqtt->start();
        }
      });
      // QoS 1: the primary host's STATE is published at QoS 1 (Sparkplug 3.0), and so are
      // rebirth requests; a QoS 0 subscription would downgrade them.
      for (const std::string& f : spb->subscriptions()) {
        mqtt->subscribe(f, 1, ec);
        if (ec) {
          why = "mqtt: subscribing to " + f + ": " + ec.message();
          return false;
        }
      }
    }
    tm::envelope env;
    env.source_id = cfg.id;
    env.lane = tm::lane::alarm;
    env.seq = 1;  // stamped by the uplink
    env.body = birth;
    if (!send_envelope(env, ul::lane::alarm, topic_alarm)) {
      why = "mqtt: the birth could not be stored in the journal";
      return false;
    }
    if (resend) resend_outbox('M');
    mqtt->start();
    return true;
  }

  // Sparkplug: the edge node's declaration from the engine's points and rules.
  bool make_sparkplug(std::string& why) {
    sparkplug_setup su;
    su.group_id = cfg.mqtt.sparkplug_group;
    su.edge_node_id = cfg.mqtt.sparkplug_node.empty() ? cfg.id : cfg.mqtt.sparkplug_node;
    su.qos = cfg.mqtt.sparkplug_qos;
    su.primary_host = cfg.mqtt.sparkplug_host;
    for (const auto& d : cfg.devices) su.devices.push_back(d.id);
    for (const tm::point_decl& d : birth.points) {
      sparkplug_point sp;
      sp.id = std::string(d.name.view());
      sp.unit = d.unit;
      su.points.push_back(std::move(sp));
    }
    for (const auto& r : rules.points) {
      const std::uint32_t p = engine.find_point(r.id);
      if (p >= su.points.size()) continue;
      for (const auto& a : r.alarms) su.points[p].alarms.emplace_back(a.id, a.cls);
    }
    spb = sparkplug_link::make(su, why);
    if (!spb) {
      why = "mqtt.sparkplug: " + why;
      return false;
    }
    spb->add_birth(cfg.id, birth);
    return true;
  }

  // Publishes what the Sparkplug link made outside the journal (births), on the io_context.
  void publish_sparkplug(std::vector<ul::publication> out, const char* what) {
    for (const ul::publication& p : out) {
      std::error_code ec;
      if (mqtt->publish(p.topic, p.payload, p.qos, p.retain, ec) == 0) {
        log("sparkplug publish failed",
            {{"what", what}, {"topic", p.topic}, {"reason", ec.message()}});
        return;
      }
    }
  }

  // The engine's current state, one event per alarm and per point fault, for the Sparkplug
  // births (current values; what the journal replays after them is history).
  std::vector<firebus::event> current_alarm_events() const {
    std::vector<firebus::event> out;
    std::error_code ec;
    for (std::uint32_t a = 0; a < engine.alarm_count(); ++a) {
      firebus::event e;
      e.state = engine.state(a);
      const bool on =
          e.state != firebus::alarm_state::normal && e.state != firebus::alarm_state::rtn_unack;
      e.kind = on ? firebus::event_kind::alarm_on : firebus::event_kind::alarm_off;
      e.cls = engine.alarm_class_of(a);
      e.alarm = std::string(engine.alarm_name(a));
      const std::uint32_t p = engine.alarm_point(a);
      if (p != npos) {
        e.point = firebus::point_id::make(engine.point_name(p), ec);
      } else {
        e.zone = std::string(engine.zone_name(engine.alarm_zone(a)));
      }
      out.push_back(std::move(e));
    }
    for (std::uint32_t p = 0; p < engine.point_count(); ++p) {
      firebus::event e;
      e.reason = engine.fault(p);
      e.kind = e.reason != firebus::event_reason::none ? firebus::event_kind::fault_on
                                                       : firebus::event_kind::fault_off;
      e.cls = firebus::alarm_class::fault;
      e.point = firebus::point_id::make(engine.point_name(p), ec);
      out.push_back(std::move(e));
    }
    return out;
  }

  // Publishes the Sparkplug session's NDEATH before an intentional disconnect (the broker
  // publishes the Will only for a lost connection). Returns its token; 0 when it did not go out.
  std::uint64_t publish_death() {
    const auto d = spb->death();
    if (!d) return 0;
    std::error_code ec;
    const std::uint64_t token = mqtt->publish(d->topic, d->payload, d->qos, false, ec);
    if (token == 0) log("sparkplug NDEATH not published", {{"reason", ec.message()}});
    return token;
  }

  bool send_envelope(const tm::envelope& env, ul::lane lane, const std::string& topic) {
    std::error_code ec;
    std::string detail;
    const auto bytes = tm::encode_envelope(env, aliases, ec, {}, &detail);
    if (ec) {
      ++counters.send_errors;
      log("telemetry encode failed", {{"reason", ec.message()}, {"detail", detail}});
      return false;
    }
    if (lane == ul::lane::alarm) {
      retry_held();  // older refused alarms first: the lane keeps its order
      if (!held_mqtt.empty()) {
        hold(held_mqtt, std::vector<std::uint8_t>(bytes.begin(), bytes.end()));
        return false;
      }
    }
    append_mqtt(bytes.data(), bytes.size(), lane, topic, ec);
    if (ec) {
      ++counters.send_errors;
      log("mqtt journal refused a message",
          {{"lane", lane == ul::lane::alarm ? "alarm" : "telemetry"}, {"reason", ec.message()}});
      if (lane == ul::lane::alarm) {
        // Held first: raising the fault sends the UITD's fault status, which retries the held
        // alarms and would clear a cause with nothing held.
        hold(held_mqtt, std::vector<std::uint8_t>(bytes.begin(), bytes.end()));
        raise_fault("mqtt journal", "the mqtt journal refused an alarm: " + ec.message());
      }
      return false;
    }
    ++counters.mqtt_sent;
    return true;
  }

  void append_mqtt(const std::uint8_t* data, std::size_t size, ul::lane lane,
                   const std::string& topic, std::error_code& ec) {
    ul::message m;
    m.lane = lane;
    m.topic = topic;
    m.payload = firebus::byte_view(data, size);
    m.qos = 1;
    m.format = ul::format_byte(spb ? ul::payload_format::transformed
                                   : ul::payload_format::firebus_envelope);
    mqtt_up->send(m, ec);
  }

  template <typename T>
  void hold(std::deque<std::pair<utc_time, T>>& q, T item) {
    if (q.size() >= max_held) {
      q.pop_front();
      ++held_dropped;
      log("GATEWAY FAULT", {{"reason", "an alarm refused by a journal was dropped: more than " +
                                           std::to_string(max_held) + " wait"}});
    }
    q.emplace_back(std::chrono::time_point_cast<duration>(std::chrono::system_clock::now()),
                   std::move(item));
  }

  // Offers the refused alarms to their journals again, oldest first; clears the journal's part
  // of the gateway fault once none waits.
  void retry_held() {
    while (mqtt_up && !held_mqtt.empty()) {
      std::error_code ec;
      append_mqtt(held_mqtt.front().second.data(), held_mqtt.front().second.size(), ul::lane::alarm,
                  topic_alarm, ec);
      if (ec) break;
      held_mqtt.pop_front();
      ++counters.mqtt_sent;
    }
    if (held_mqtt.empty()) clear_fault("mqtt journal");
    while (gb_up && !held_gb.empty()) {
      std::error_code ec;
      gb_up->send(held_gb.front().second, ec);
      if (ec) break;
      held_gb.pop_front();
      ++counters.gb_sent;
    }
    if (held_gb.empty()) clear_fault("gb26875 journal");
  }

  void flush_telemetry() {
    if (!mqtt_up || pending_samples.empty()) return;
    tm::envelope env;
    env.source_id = cfg.id;
    env.seq = 1;
    tm::batch b;
    b.birth_id = birth.birth_id;
    b.samples = std::move(pending_samples);
    env.body = std::move(b);
    pending_samples.clear();
    send_envelope(env, ul::lane::telemetry, topic_telemetry);
  }

  // --- GB/T 26875.3 ---------------------------------------------------------------------------
  bool start_gb(bool restored, std::string& why) {
    if (!open_journal(cfg.gb.journal, "gb26875", gb_journal, why)) return false;
    const bool resend = outbox_missed('g', *gb_journal);  // before the initial report
    gb::client_config cc;
    cc.session.address = cfg.gb.address;
    cc.session.centre_address = cfg.gb.centre_address;
    cc.session.heartbeat = cfg.gb.heartbeat;
    cc.session.answer_timeout = cfg.gb.answer_timeout;
    cc.session.fire_answer_timeout = cfg.gb.fire_answer_timeout;
    cc.session.retries = cfg.gb.retries;
    cc.session.utc_offset = gb_utc_offset();
    // The frame headers' time tags follow a centre's clock sync only when the gateway accepts
    // it (on_gb_event), as the objects' time tags do.
    cc.session.adopt_clock_sync = false;
    cc.host = cfg.gb.host;
    cc.port = cfg.gb.port;
    std::error_code ec;
    gb_client = std::make_unique<gb::client>(io, cc, ec);
    if (ec) {
      why = "gb26875: " + ec.message();
      return false;
    }
    std::weak_ptr<impl> weak = weak_from_this();
    gb_client->set_data_provider([weak](const gb::adu& req, gb::adu& resp, std::error_code&) {
      auto self = weak.lock();
      if (!self) return false;
      return self->mapper.answer(req, self->gb_utc_of(self->mono_now()), resp);
    });
    gb_client->on_event([weak](const gb::uitd_event& e) {
      auto self = weak.lock();
      if (self) self->on_gb_event(e);
    });
    ul::gb26875_uplink_options uo;
    // A deny from the centre is kept and sent again (the project's centre denies what it could
    // not store): nothing is lost; each deny is counted and logged (docs/gateway.md).
    uo.keep_denied = true;
    uo.on_log = [this](ul::log_level, const std::string& m) {
      log("gb26875 uplink", {{"message", m}});
    };
    gb_up = std::make_unique<ul::gb26875_uplink>(io, *gb_journal, *gb_client, uo, ec);
    if (ec) {
      why = "gb26875 uplink: " + ec.message();
      return false;
    }
    gb_up->on_connected([weak]() {
      auto self = weak.lock();
      if (!self) return;
      self->log("centre connected",
                {{"centre", self->cfg.gb.host + ":" + std::to_string(self->cfg.gb.port)}});
      if (self->gb_link_down_reported) {
        self->gb_link_down_reported = false;
        std::vector<gb::adu> out;
        self->mapper.set_link_fault(false, self->gb_utc_of(self->mono_now()), out);
        self->send_gb(out);
      }
    });
    gb_client->on_disconnected([weak](std::error_code e) {
      auto self = weak.lock();
      if (!self || self->stopping) return;
      self->log("centre down", {{"reason", e.message()}});
      if (!self->gb_link_down_reported) {
        self->gb_link_down_reported = true;
        std::vector<gb::adu> out;
        self->mapper.set_link_fault(true, self->gb_utc_of(self->mono_now()), out);
        self->send_gb(out);
      }
    });
    gb_up->on_delivered([weak](const ul::gb26875_delivery& d) {
      auto self = weak.lock();
      if (!self) return;
      self->gb_delivery_ms.push_back(seconds_of(d.latency) * 1000);
      if (self->gb_delivery_ms.size() > 4096)
        self->gb_delivery_ms.erase(self->gb_delivery_ms.begin());
    });
    gb_up->on_denied([weak](const ul::entry&, std::error_code e) {
      auto self = weak.lock();
      if (!self) return;
      ++self->counters.gb_denied;
      self->log("centre denied a message", {{"reason", e.message()}});
    });
    // The last run's final step first (its transitions, with their times), then the first
    // report after start: the whole picture (after a restart: what is latched).
    if (resend) resend_outbox('G');
    std::vector<gb::adu> out;
    mapper.initial(engine, gb_utc_of(mono_now()), !restored, out);
    // A fault raised before the uplink existed (a damaged journal moved aside at open).
    if (own_fault) mapper.set_uitd_fault(true, gb_utc_of(mono_now()), out);
    if (!send_gb(out)) {
      why = "gb26875: the initial status could not be stored in the journal";
      return false;
    }
    gb_client->start();
    return true;
  }

  bool send_gb(const std::vector<gb::adu>& adus) {
    if (adus.empty()) return true;
    retry_held();  // older refused alarms first
    // All in one transaction (one sync); if the journal refuses the batch, or refused alarms
    // still wait, one by one, so that what it can take it takes, alarms keep their order behind
    // the held ones, and each refusal is reported for what it is.
    if (held_gb.empty()) {
      std::error_code bec;
      gb_up->send(adus, bec);
      if (!bec) {
        counters.gb_sent += adus.size();
        return true;
      }
    }
    bool ok = true;
    for (const gb::adu& a : adus) {
      const bool urgent = gb::classify(a) != gb::message_priority::routine;
      if (urgent && !held_gb.empty()) {
        hold(held_gb, a);
        ok = false;
        continue;
      }
      std::error_code ec;
      gb_up->send(a, ec);
      if (ec) {
        ok = false;
        ++counters.send_errors;
        log("gb26875 journal refused a message", {{"reason", ec.message()}});
        if (urgent) {
          hold(held_gb, a);  // first: see send_envelope()
          raise_fault("gb26875 journal", "the gb26875 journal refused an alarm: " + ec.message());
        }
        continue;
      }
      ++counters.gb_sent;
    }
    return ok;
  }

  void flush_analog() {
    if (!gb_up || pending_analog.empty()) return;
    std::vector<gb::adu> out;
    out.swap(pending_analog);
    send_gb(out);
  }

  void on_gb_event(const gb::uitd_event& e) {
    switch (e.kind) {
      case gb::uitd_event_kind::clock_sync: {
        // Adopt the centre's clock for the GB time tags (not for the engine's time line: see
        // gb_utc_of). A time more than a day away from a host clock that is itself plausible
        // is refused: a centre that far off is wrong, and fire alarms stamped years off could
        // be filed as history by the centre.
        const utc_time host = utc_of(mono_now());
        const duration shift = e.utc - host;
        const bool host_plausible = host >= utc_time(std::chrono::seconds(1704067200));  // 2024
        if (host_plausible && (shift > max_clock_shift || shift < -max_clock_shift)) {
          ++counters.clock_syncs_refused;
          log("clock sync refused: the centre's time is more than a day away from the host's",
              {{"centre_time", iso(e.utc)},
               {"host_time", iso(host)},
               {"shift_s", seconds_of(shift)}});
          break;
        }
        gb_clock_shift = shift;
        if (gb_client) gb_client->set_wall_clock(host + shift);
        ++counters.clock_syncs;
        log("clock synchronised by the centre",
            {{"shift_s", seconds_of(shift)}, {"centre_time", iso(e.utc)}});
        break;
      }
      case gb::uitd_event_kind::duty_check: {
        ++counters.duty_checks;
        const mono_time now = mono_now();
        duty_since = now;
        duty_deadline.reset();
        if (e.timeout_minutes > 0) duty_deadline = now + std::chrono::minutes(e.timeout_minutes);
        log("duty check from the centre: an operator must answer (POST /api/command "
            "{\"command\": \"answer_duty_check\", \"operator\": N})",
            {{"minutes", e.timeout_minutes}});
        break;
      }
      case gb::uitd_event_kind::init_request:
        log("centre asked to initialise (ignored: the gateway's state is its devices')");
        break;
      case gb::uitd_event_kind::heartbeat_failed:
        log("centre did not answer heartbeats");
        break;
      default:
        break;
    }
  }

  // --- inputs ---------------------------------------------------------------------------------
  device_rt* device_of(std::size_t bus, std::uint32_t bus_device) {
    if (bus >= bus_devices.size() || bus_device >= bus_devices[bus].size()) return nullptr;
    const std::size_t i = bus_devices[bus][bus_device];
    return i < devices.size() ? &devices[i] : nullptr;
  }

  void set_device_state(device_rt& rt, tm::device_state s, const std::string& detail, mono_time t) {
    if (rt.state == s) return;
    const bool first = rt.state == tm::device_state::unknown;
    rt.state = s;
    rt.detail = detail;
    const device_config& d = cfg.devices[rt.config];
    if (!first || s != tm::device_state::online) {
      log("device " + std::string(tm::to_string(s)),
          {{"device", d.id}, {"name", d.name}, {"detail", detail}});
    }
    if (mqtt_up) {
      tm::envelope env;
      env.source_id = cfg.id;
      env.seq = 1;
      tm::batch b;
      b.birth_id = birth.birth_id;
      b.statuses.push_back(tm::device_status{d.id, utc_of(t), s, detail});
      env.body = std::move(b);
      send_envelope(env, ul::lane::alarm, topic_alarm);
    }
  }

  void on_readings(std::size_t bus, std::uint32_t bd, mono_time t,
                   const firebus::profile::readings& r) {
    device_rt* rt = device_of(bus, bd);
    if (!rt || stopping) return;
    ++counters.readings;
    set_device_state(*rt, tm::device_state::online, "", t);
    std::error_code ec;
    const utc_time at = utc_of(t);
    for (const auto& st : r.statuses) {
      const std::uint32_t p =
          st.point < rt->engine_point.size() ? rt->engine_point[st.point] : npos;
      if (p != npos) engine.status(p, t, st.status, ec);
    }
    for (const auto& c : r.conditions) {
      const std::uint32_t p = c.point < rt->engine_point.size() ? rt->engine_point[c.point] : npos;
      if (p != npos) engine.condition(p, t, c.condition, ec);
    }
    for (const auto& v : r.values) {
      const std::uint32_t p = v.point < rt->engine_point.size() ? rt->engine_point[v.point] : npos;
      if (p == npos) continue;
      engine.sample(p, t, v.value, ec);
      ++counters.samples;
      if (mqtt_up && pending_samples.size() < 1000000) {
        firebus::sample s;
        s.point = firebus::point_id::make(engine.point_name(p), ec);
        s.time = at;
        s.value = v.value;
        s.quality = v.quality;
        pending_samples.push_back(std::move(s));
      }
    }
    process_events(&t);
    // Analog values after the step, so that a value that caused a transition goes once, with
    // it (on_events); the routine ones wait for the next tick and are journalled in one
    // transaction (one sync) with the others of that second.
    if (gb_up) {
      for (const auto& v : r.values) {
        const std::uint32_t p =
            v.point < rt->engine_point.size() ? rt->engine_point[v.point] : npos;
        if (p != npos) mapper.on_value(p, v.value, gb_utc_of(t), pending_analog);
      }
    }
    schedule_engine();
  }

  void on_failure(std::size_t bus, std::uint32_t bd, mono_time t, const std::vector<std::size_t>&,
                  std::error_code e) {
    device_rt* rt = device_of(bus, bd);
    if (!rt || stopping) return;
    ++counters.failures;
    // online → offline (timeouts, exceptions, lost connection) → quarantined; back to online
    // with the next reading.
    const bool quarantined = e == firebus::modbus::errc::quarantined;
    if (quarantined || rt->state != tm::device_state::quarantined) {
      set_device_state(*rt, quarantined ? tm::device_state::quarantined : tm::device_state::offline,
                       e.message(), t);
    }
    // The engine learns of the loss from its stale timers (comm_loss), deterministically.
    advance_engine();
  }

  void on_bus(std::size_t b, bool up, std::error_code e) {
    if (b >= buses.size()) return;
    const bool was = buses[b].up;
    buses[b].up = up;
    if (!up && !was && buses[b].reported_down) return;  // a failed retry: said already
    buses[b].reported_down = !up;
    log(up ? "bus up" : "bus down", {{"bus", cfg.buses[b].id}, {"reason", up ? "" : e.message()}});
  }

  // The gateway's own fault (the UITD's fault bit, firebus_gateway_fault) stands while any of
  // its causes does: a journal that refused an alarm still held, a snapshot not written.
  void raise_fault(const std::string& cause, const std::string& why) {
    log("GATEWAY FAULT", {{"cause", cause}, {"reason", why}});
    fault_causes[cause] = why;
    update_own_fault();
  }
  void clear_fault(const std::string& cause) {
    if (fault_causes.erase(cause) == 0) return;
    log("gateway fault cleared", {{"cause", cause}, {"remaining", fault_causes.size()}});
    update_own_fault();
  }
  void update_own_fault() {
    const bool fault = !fault_causes.empty();
    if (own_fault == fault) return;
    own_fault = fault;
    if (gb_up) {
      std::vector<gb::adu> out;
      mapper.set_uitd_fault(fault, gb_utc_of(mono_now()), out);
      send_gb(out);  // (a refusal here is already the fault being reported)
    }
  }

  // --- engine ---------------------------------------------------------------------------------
  void advance_engine() {
    std::error_code ec;
    engine.advance(mono_now(), ec);
    process_events(nullptr);
    schedule_engine();
  }

  // After a kill -9 between a journal append and the snapshot, the newest alarm envelopes hold
  // numbers the snapshot does not know: continue after them (a number is never given twice).
  void resume_event_seq() {
    // The newest alarm-lane messages: those among the newest ids of the journal (both lanes
    // share the ids), looked for further back while none is found (telemetry appended after
    // them, a snapshot that could not be written meanwhile).
    const std::uint64_t last = mqtt_journal->last_id();
    std::vector<ul::entry> entries;
    for (std::uint64_t window = 64; entries.empty(); window *= 16) {
      const std::uint64_t after = last > window ? last - window : 0;
      std::error_code ec;
      entries = mqtt_journal->read(ul::lane::alarm, after, static_cast<std::size_t>(window), ec);
      if (ec || after == 0) break;
    }
    for (const auto& en : entries) {
      std::error_code dec;
      const tm::envelope env =
          tm::decode_envelope(firebus::byte_view(en.payload.data(), en.payload.size()), dec);
      const auto* b = dec ? nullptr : std::get_if<tm::batch>(&env.body);
      if (!b) continue;
      for (const firebus::event& e : b->events) {
        if (e.seq >= next_event_seq && e.seq != UINT64_MAX) next_event_seq = e.seq + 1;
      }
    }
  }

  // What the last run's final engine step sent, as its snapshot kept it: journalled again into
  // each journal whose highest id has not grown since that snapshot (the step appended there
  // first, so a grown id means its messages got there). Judged when the journal is opened, before
  // this run appends anything to it (the birth, the initial report: judged after them, every
  // interrupted step looked delivered and was lost — found by a chaos soak).
  bool outbox_missed(char id_kind, const ul::journal& j) const {
    for (const auto& [kind, bytes] : outbox) {
      if (kind != id_kind || bytes.size() != 8) continue;
      std::uint64_t id = 0;
      for (int i = 0; i < 8; ++i)
        id |= std::uint64_t{bytes[static_cast<std::size_t>(i)]} << (8 * i);
      return j.last_id() <= id;
    }
    return false;
  }

  // Journals the outbox's messages of one kind again: 'M' MQTT envelopes, 'G' GB ADUs.
  void resend_outbox(char which) {
    for (const auto& [kind, bytes] : outbox) {
      if (kind != which) continue;
      std::error_code ec;
      if (kind == 'M' && mqtt_up) {
        const tm::envelope env = tm::decode_envelope(firebus::byte_view(bytes), ec);
        const auto* b = ec ? nullptr : std::get_if<tm::batch>(&env.body);
        if (b == nullptr || b->events.empty()) continue;
        send_envelope(env, ul::lane::alarm, topic_alarm);
        ++outbox_resent;
      } else if (kind == 'G' && gb_up) {
        const gb::adu a = gb::decode_adu(firebus::byte_view(bytes), ec);
        if (ec) continue;
        send_gb({a});
        ++outbox_resent;
      }
    }
  }

  // After both uplinks started: the outbox is done with (a snapshot without it).
  void outbox_done() {
    if (outbox_resent > 0) {
      log("resent the last step of the previous run", {{"journalled_again", outbox_resent}});
    }
    if (outbox.empty()) return;
    outbox.clear();
    write_snapshot();
  }

  void process_events(const mono_time* reading) {
    const auto& evs = engine.events();
    if (evs.empty()) return;
    counters.events += evs.size();
    // What this step sends, made first: to MQTT one envelope per engine step, in the alarm
    // lane; to the centre the status changes.
    outbox.clear();
    std::optional<tm::envelope> env;
    if (mqtt_up) {
      env.emplace();
      env->source_id = cfg.id;
      env->seq = 1;
      env->lane = tm::lane::alarm;
      tm::batch b;
      b.birth_id = birth.birth_id;
      for (const auto& e : evs) {
        firebus::event fe = engine.to_event(e);
        fe.source_id = cfg.id;
        fe.seq = next_event_seq;
        next_event_seq = next_event_seq == UINT64_MAX ? 1 : next_event_seq + 1;
        fe.time = utc_of(e.t);
        b.events.push_back(std::move(fe));
      }
      env->body = std::move(b);
      std::error_code ec;
      const auto bytes = tm::encode_envelope(*env, aliases, ec, {}, nullptr);
      if (!ec) outbox.emplace_back('M', std::vector<std::uint8_t>(bytes.begin(), bytes.end()));
    }
    // Each journal's highest id before this step: a start that finds a higher one knows the
    // step's messages got there (the step appends them first), so it does not send them again.
    const auto last_id_record = [this](char kind, const std::unique_ptr<ul::journal>& j) {
      if (!j) return;
      const std::uint64_t id = j->last_id();
      std::vector<std::uint8_t> b(8);
      for (int i = 0; i < 8; ++i)
        b[static_cast<std::size_t>(i)] = static_cast<std::uint8_t>(id >> (8 * i));
      outbox.emplace_back(kind, std::move(b));
    };
    if (mqtt_up) last_id_record('m', mqtt_journal);
    std::vector<gb::adu> out;
    if (gb_up) {
      last_id_record('g', gb_journal);
      mapper.on_events(
          engine, evs, [this](mono_time t) { return gb_utc_of(t); }, out);
      for (const gb::adu& a : out) {
        std::error_code ec;
        std::vector<std::uint8_t> bytes;
        firebus::byte_writer w(bytes, gb::max_adu_size);
        gb::encode_adu(a, w, ec);
        if (!ec) outbox.emplace_back('G', std::move(bytes));
      }
    }
    // The step's state (a latched fire) and what it sends are on disk before the journals get
    // it: a kill -9 between the two re-latches the fire and resends (start_mqtt(), start_gb():
    // resend_outbox()).
    write_snapshot();
    // Tests only (docs/gateway.md): die here, as a kill -9 at this instant would.
    if (kill_after_step_snapshot && (env || !out.empty())) ::raise(SIGKILL);
    if (env) send_envelope(*env, ul::lane::alarm, topic_alarm);
    if (gb_up) send_gb(out);
    outbox.clear();  // journalled (or held and faulted): the next snapshot drops it
    for (const auto& e : evs) {
      if (e.kind == firebus::event_kind::alarm_on) ++counters.alarms_on;
      log_event(e);
    }
    if (reading) {
      // Detector reading → both uplinks' journals (on disk), for the alarms of this step: taken
      // after the appends above returned (they return once the entry is durable).
      const steady::time_point now = steady::now();
      const double ms =
          std::chrono::duration<double, std::milli>(
              now -
              (epoch + std::chrono::duration_cast<steady::duration>(reading->time_since_epoch())))
              .count();
      latencies_ms.push_back(std::max(0.0, ms));
      if (latencies_ms.size() > 4096) latencies_ms.erase(latencies_ms.begin());
    }
    engine.clear_events();
    snapshot_dirty = true;  // written again (without the outbox) at the next tick
  }

  void log_event(const firebus::alarm::alarm_event& e) {
    const firebus::event fe = engine.to_event(e);
    json f;
    if (!fe.point.empty()) f["point"] = std::string(fe.point.str());
    if (!fe.alarm.empty()) f["alarm"] = fe.alarm;
    if (!fe.zone.empty()) f["zone"] = fe.zone;
    if (fe.cls != firebus::alarm_class::none) f["class"] = std::string(firebus::to_string(fe.cls));
    f["state"] = std::string(firebus::to_string(fe.state));
    if (fe.reason != firebus::event_reason::none)
      f["reason"] = std::string(firebus::to_string(fe.reason));
    if (fe.value) f["value"] = *fe.value;
    if (!fe.cause.empty()) f["source"] = std::string(fe.cause.str());
    f["event_time"] = iso(utc_of(e.t));
    std::string what(firebus::to_string(fe.kind));
    if (e.kind == firebus::event_kind::alarm_on && e.cls == firebus::alarm_class::fire)
      what = "FIRE " + what;
    log("event " + what, f);
  }

  void schedule_engine() {
    const auto due = engine.next_due();
    if (!due) {
      engine_timer.cancel();
      return;
    }
    engine_timer.expires_at(epoch +
                            std::chrono::duration_cast<steady::duration>(due->time_since_epoch()));
    std::weak_ptr<impl> weak = weak_from_this();
    engine_timer.async_wait([weak](const std::error_code& e) {
      if (e) return;
      if (auto self = weak.lock()) self->advance_engine();
    });
  }

  void schedule_tick() {
    tick_timer.expires_after(std::chrono::seconds(1));
    std::weak_ptr<impl> weak = weak_from_this();
    tick_timer.async_wait([weak](const std::error_code& e) {
      if (e) return;
      auto self = weak.lock();
      if (!self || self->stopping) return;
      self->tick();
      self->schedule_tick();
    });
  }

  void tick() {
    const auto now = steady::now();
    if (duty_deadline && mono_now() >= *duty_deadline) {
      ++counters.duty_missed;
      log("duty check not answered in time",
          {{"waited_s", seconds_of(*duty_deadline - *duty_since)}});
      duty_since.reset();
      duty_deadline.reset();
    }
    retry_held();
    flush_analog();
    if (now - last_telemetry >= cfg.mqtt.telemetry_interval) {
      flush_telemetry();
      last_telemetry = now;
    }
    if (snapshot_dirty || now - last_snapshot >= cfg.snapshot_interval) write_snapshot();
    check_damaged_journals();
    render_metrics();
    render_active();
  }

  // --- metrics --------------------------------------------------------------------------------
  static double sum_of(const std::vector<double>& v) {
    double s = 0;
    for (double x : v) s += x;
    return s;
  }
  static double quantile(std::vector<double> v, double q) {
    if (v.empty()) return 0;
    std::sort(v.begin(), v.end());
    const std::size_t i = static_cast<std::size_t>(q * static_cast<double>(v.size() - 1) + 0.5);
    return v[std::min(i, v.size() - 1)];
  }

  // The age of the oldest alarm not yet acknowledged by the receiver: in the journal's alarm
  // lane, or refused by the journal and held in memory (older still: it waits in front).
  template <typename T>
  double oldest_age_s(ul::journal* j, ul::lane lane,
                      const std::deque<std::pair<utc_time, T>>& held) {
    const auto now = std::chrono::time_point_cast<duration>(std::chrono::system_clock::now());
    double age = 0;
    if (!held.empty()) age = seconds_of(now - held.front().first);
    if (!j) return std::max(0.0, age);
    std::error_code ec;
    const auto e = j->read(lane, 0, 1, ec);
    if (!ec && !e.empty()) age = std::max(age, seconds_of(now - e.front().produced));
    return std::max(0.0, age);
  }

  void render_metrics() {
    std::ostringstream m;
    m << std::setprecision(10);
    const auto metric = [&m](const char* name, const char* type, const char* help) {
      m << "# HELP " << name << ' ' << help << "\n# TYPE " << name << ' ' << type << '\n';
    };
    metric("firebus_gateway_readings_total", "counter", "Completed device reads.");
    m << "firebus_gateway_readings_total " << counters.readings << '\n';
    metric("firebus_gateway_read_failures_total", "counter",
           "Reads that failed (timeouts, exceptions, quarantine).");
    m << "firebus_gateway_read_failures_total " << counters.failures << '\n';
    metric("firebus_gateway_samples_total", "counter", "Samples given to the alarm engine.");
    m << "firebus_gateway_samples_total " << counters.samples << '\n';
    metric("firebus_gateway_events_total", "counter", "Alarm engine events.");
    m << "firebus_gateway_events_total " << counters.events << '\n';
    metric("firebus_gateway_alarms_on_total", "counter", "alarm_on events.");
    m << "firebus_gateway_alarms_on_total " << counters.alarms_on << '\n';
    metric("firebus_gateway_active_alarms", "gauge", "Active or latched alarms and faults.");
    m << "firebus_gateway_active_alarms " << engine.active().size() << '\n';
    metric("firebus_gateway_fault", "gauge",
           "1 while the gateway itself is faulty (journal, snapshot).");
    m << "firebus_gateway_fault " << (own_fault ? 1 : 0) << '\n';
    metric("firebus_gateway_send_errors_total", "counter", "Messages a journal refused.");
    m << "firebus_gateway_send_errors_total " << counters.send_errors << '\n';
    metric("firebus_gateway_alarms_held", "gauge",
           "Alarms a journal refused, held in memory and offered to it again every second.");
    m << "firebus_gateway_alarms_held{uplink=\"mqtt\"} " << held_mqtt.size() << '\n';
    m << "firebus_gateway_alarms_held{uplink=\"gb26875\"} " << held_gb.size() << '\n';
    metric("firebus_gateway_alarms_held_dropped_total", "counter",
           "Held alarms dropped because more than 10000 waited.");
    m << "firebus_gateway_alarms_held_dropped_total " << held_dropped << '\n';
    metric("firebus_gateway_bus_up", "gauge", "1 while the bus's connection or line is up.");
    metric("firebus_gateway_bus_utilisation", "gauge", "Busy time over time since start (0..1).");
    metric("firebus_gateway_bus_requests_total", "counter", "Modbus requests sent.");
    metric("firebus_gateway_bus_timeouts_total", "counter", "Modbus requests that timed out.");
    for (std::size_t b = 0; b < buses.size(); ++b) {
      const std::string l = "{bus=\"" + cfg.buses[b].id + "\"}";
      double util = 0;
      firebus::modbus::bus_counters bc;
      buses[b].each([&](auto& bus) {
        util = bus.utilisation();
        bc = bus.counters();
      });
      m << "firebus_gateway_bus_up" << l << ' ' << (buses[b].up ? 1 : 0) << '\n';
      m << "firebus_gateway_bus_utilisation" << l << ' ' << util << '\n';
      m << "firebus_gateway_bus_requests_total" << l << ' ' << bc.requests << '\n';
      m << "firebus_gateway_bus_timeouts_total" << l << ' ' << bc.timeouts << '\n';
    }
    metric("firebus_gateway_device_online", "gauge", "1 while the device answers.");
    for (const device_rt& rt : devices) {
      m << "firebus_gateway_device_online{device=\"" << cfg.devices[rt.config].id << "\"} "
        << (rt.state == tm::device_state::online ? 1 : 0) << '\n';
    }
    metric("firebus_gateway_oldest_unsent_alarm_seconds", "gauge",
           "Age of the oldest alarm-lane message not yet acknowledged, per uplink.");
    m << "firebus_gateway_oldest_unsent_alarm_seconds{uplink=\"mqtt\"} "
      << oldest_age_s(mqtt_journal.get(), ul::lane::alarm, held_mqtt) << '\n';
    m << "firebus_gateway_oldest_unsent_alarm_seconds{uplink=\"gb26875\"} "
      << oldest_age_s(gb_journal.get(), ul::lane::alarm, held_gb) << '\n';
    metric("firebus_gateway_journal_messages", "gauge", "Messages waiting in a journal.");
    for (auto* jp : {mqtt_journal.get(), gb_journal.get()}) {
      if (!jp) continue;
      const char* name = jp == mqtt_journal.get() ? "mqtt" : "gb26875";
      m << "firebus_gateway_journal_messages{uplink=\"" << name << "\",lane=\"alarm\"} "
        << jp->stats(ul::lane::alarm).messages << '\n';
      m << "firebus_gateway_journal_messages{uplink=\"" << name << "\",lane=\"telemetry\"} "
        << jp->stats(ul::lane::telemetry).messages << '\n';
    }
    metric("firebus_gateway_alarm_latency_ms", "summary",
           "Detector reading to the uplinks' journals (on disk), alarm steps, last 4096.");
    m << "firebus_gateway_alarm_latency_ms{quantile=\"0.5\"} " << quantile(latencies_ms, 0.5)
      << '\n';
    m << "firebus_gateway_alarm_latency_ms{quantile=\"0.99\"} " << quantile(latencies_ms, 0.99)
      << '\n';
    m << "firebus_gateway_alarm_latency_ms_sum " << sum_of(latencies_ms) << '\n';
    m << "firebus_gateway_alarm_latency_ms_count " << latencies_ms.size() << '\n';
    metric("firebus_gateway_gb26875_delivery_ms", "summary",
           "Produced to confirmed by the centre, last 4096 messages.");
    m << "firebus_gateway_gb26875_delivery_ms{quantile=\"0.5\"} " << quantile(gb_delivery_ms, 0.5)
      << '\n';
    m << "firebus_gateway_gb26875_delivery_ms{quantile=\"0.99\"} " << quantile(gb_delivery_ms, 0.99)
      << '\n';
    m << "firebus_gateway_gb26875_delivery_ms_sum " << sum_of(gb_delivery_ms) << '\n';
    m << "firebus_gateway_gb26875_delivery_ms_count " << gb_delivery_ms.size() << '\n';
    metric("firebus_gateway_gb26875_connected", "gauge", "1 while connected to the centre.");
    m << "firebus_gateway_gb26875_connected " << (gb_client && gb_client->is_connected() ? 1 : 0)
      << '\n';
    metric("firebus_gateway_duty_checks_total", "counter", "Duty checks (查岗) from the centre.");
    m << "firebus_gateway_duty_checks_total " << counters.duty_checks << '\n';
    metric("firebus_gateway_duty_checks_answered_total", "counter",
           "Duty checks an operator answered in time.");
    m << "firebus_gateway_duty_checks_answered_total " << counters.duty_answered << '\n';
    metric("firebus_gateway_duty_checks_missed_total", "counter",
           "Duty checks not answered before their deadline.");
    m << "firebus_gateway_duty_checks_missed_total " << counters.duty_missed << '\n';
    metric("firebus_gateway_duty_check_pending", "gauge",
           "1 while a duty check waits for an operator's answer.");
    m << "firebus_gateway_duty_check_pending " << (duty_since ? 1 : 0) << '\n';
    metric("firebus_gateway_clock_syncs_total", "counter",
           "Clock synchronisations (type 90) from the centre adopted for the GB time tags.");
    m << "firebus_gateway_clock_syncs_total " << counters.clock_syncs << '\n';
    metric("firebus_gateway_clock_syncs_refused_total", "counter",
           "Clock synchronisations refused: more than a day away from the host's clock.");
    m << "firebus_gateway_clock_syncs_refused_total " << counters.clock_syncs_refused << '\n';
    metric("firebus_gateway_mqtt_connected", "gauge", "1 while connected to the broker.");
    m << "firebus_gateway_mqtt_connected " << (mqtt && mqtt->connected() ? 1 : 0) << '\n';
    if (spb && mqtt_up) {
      const ul::mqtt_uplink_counters uc = mqtt_up->counters();
      metric("firebus_gateway_sparkplug_transform_failures_total", "counter",
             "Journal entries not turned into Sparkplug B (published as firebus Envelopes).");
      m << "firebus_gateway_sparkplug_transform_failures_total " << uc.transform_failures << '\n';
      metric("firebus_gateway_sparkplug_skipped_samples_total", "counter",
             "Samples of a device after its DDEATH, left out (its DBIRTH carries the values).");
      m << "firebus_gateway_sparkplug_skipped_samples_total " << spb->skipped_samples() << '\n';
    }
    std::lock_guard<std::mutex> lock(metrics_mu);
    metrics_text = m.str();
  }

  // --- operator commands ----------------------------------------------------------------------
  std::string execute(const std::string& text) {
    json j;
    try {
      j = json::parse(text);
    } catch (const std::exception& e) {
      return std::string("not JSON: ") + e.what();
    }
    if (!j.is_object() || !j.contains("command") || !j["command"].is_string()) {
      return "expected {\"command\": \"reset\", \"point\": ..., \"operator\": 1}";
    }
    const bool duty = j["command"] == "answer_duty_check";
    // Every key is checked: a misspelt "point" must not turn a command for one point into one
    // for the whole panel (nor a misspelt "operator" record operator 0).
    for (auto it = j.begin(); it != j.end(); ++it) {
      static const std::set<std::string> keys = {"command", "point",      "alarm",
                                                 "zone",    "duration_s", "operator"};
      if (!keys.count(it.key()) || (duty && it.key() != "command" && it.key() != "operator")) {
        return "unknown key " + json(it.key()).dump() + " for " + j["command"].dump();
      }
    }
    if (duty) return answer_duty_check(j);
    std::error_code ec;
    firebus::alarm::command c;
    c.kind = firebus::alarm::command_kind_from_string(j["command"].get<std::string>(), ec);
    if (ec) return "unknown command " + j["command"].dump();
    for (const char* k : {"point", "alarm", "zone"}) {
      if (j.contains(k) && !j[k].is_string()) return std::string(k) + ": expected a string";
    }
    c.point = j.value("point", "");
    c.alarm = j.value("alarm", "");
    c.zone = j.value("zone", "");
    if (j.contains("duration_s")) {
      if (!j["duration_s"].is_number()) return "duration_s: expected a number of seconds";
      c.duration_s = j["duration_s"].get<double>();
    }
    const int op = operator_of(j, 0);
    if (op < 0) return "operator: expected an integer 0..255";
    const mono_time now = mono_now();
    const std::vector<firebus::alarm::active_entry> active_before = engine.active();
    engine.execute(now, c, ec);
    if (ec) return ec.message();
    log("operator command",
        {{"command", j["command"]}, {"point", c.point}, {"zone", c.zone}, {"operator", op}});
    // The record for the centre: reset, silence and ack (confirm) of the systems concerned.
    std::uint8_t flags = 0;
    if (c.kind == firebus::alarm::command_kind::reset)
      flags = static_cast<std::uint8_t>(gb::operation_flag::reset);
    if (c.kind == firebus::alarm::command_kind::silence)
      flags = static_cast<std::uint8_t>(gb::operation_flag::silence);
    if (c.kind == firebus::alarm::command_kind::ack)
      flags = static_cast<std::uint8_t>(gb::operation_flag::confirm);
    if (gb_up && flags != 0) {
      // The systems the command concerns: the point's device, or, for the whole panel, the
      // devices with something active or latched before the command.
      std::set<std::string> concerned;
      if (c.point.empty()) {
        for (const auto& a : active_before) {
          std::uint32_t p = a.point;
          if (p == npos && a.zone < zone_members.size() && !zone_members[a.zone].empty()) {
            p = zone_members[a.zone].front();
          }
          if (p == npos) continue;
          const std::string name(engine.point_name(p));
          concerned.insert(name.substr(0, name.find('/')));
        }
      }
      std::set<std::pair<int, int>> systems;
      for (const device_config& d : cfg.devices) {
        if (!c.point.empty() && c.point.rfind(d.id + "/", 0) != 0) continue;
        if (c.point.empty() && !concerned.count(d.id)) continue;
        systems.insert({d.system_type >= 0 ? d.system_type : cfg.gb.mapping.default_system_type,
                        d.system_address});
      }
      std::vector<gb::adu> out;
      for (const auto& sys : systems) {
        gb::system_operation o;
        o.system_type = static_cast<std::uint8_t>(sys.first);
        o.system_address = static_cast<std::uint8_t>(sys.second);
        o.flags = flags;
        o.operator_id = static_cast<std::uint8_t>(op);
        std::error_code tec;
        o.time = gb::time_tag::from_utc(gb_utc_of(now), gb_utc_offset(), tec);
        out.push_back(gb::adu{gb::adu_type::system_operation, {o}});
      }
      send_gb(out);
    }
    process_events(nullptr);
    schedule_engine();
    return {};
  }

  // The "operator" of a command: `absent` when it has none; -1 unless an integer 0..255 (a
  // larger one is not cut to 8 bits: 263 is not operator 7).
  static int operator_of(const json& j, int absent) {
    const auto it = j.find("operator");
    if (it == j.end()) return absent;
    if (it->is_number_unsigned()) {
      return it->get<std::uint64_t>() <= 255 ? static_cast<int>(it->get<std::uint64_t>()) : -1;
    }
    return it->is_number_integer() && it->get<std::int64_t>() >= 0 && it->get<std::int64_t>() <= 255
               ? static_cast<int>(it->get<std::int64_t>())
               : -1;
  }

  // The operator's answer to the pending duty check: a UITD operation record (type 24) with
  // flag bit 5 (查岗应答) and the operator's number, in the GB uplink's alarm lane.
  std::string answer_duty_check(const json& j) {
    const int op = j.contains("operator") ? operator_of(j, 0) : -1;
    if (op < 0) return "operator: expected an integer 0..255 (who answers the duty check)";
    if (!gb_up) return "no GB/T 26875.3 uplink: there is no centre to answer";
    if (!duty_since) return "no duty check is pending";
    const mono_time now = mono_now();
    gb::uitd_operation o;
    o.flags = static_cast<std::uint8_t>(gb::operation_flag::duty_check_answer);
    o.operator_id = static_cast<std::uint8_t>(op);
    std::error_code tec;
    o.time = gb::time_tag::from_utc(gb_utc_of(now), gb_utc_offset(), tec);
    if (!send_gb({gb::adu{gb::adu_type::uitd_operation, {o}}})) {
      return "the GB/T 26875.3 journal refused the answer (see the log); try again";
    }
    ++counters.duty_answered;
    log("duty check answered", {{"operator", op}, {"after_s", seconds_of(now - *duty_since)}});
    duty_since.reset();
    duty_deadline.reset();
    return {};
  }

  void render_active() {
    json list = json::array();
    for (const auto& a : engine.active()) {
      json e;
      if (a.point != npos) e["point"] = std::string(engine.point_name(a.point));
      if (a.zone != npos) e["zone"] = std::string(engine.zone_name(a.zone));
      if (a.alarm != npos) e["alarm"] = std::string(engine.alarm_name(a.alarm));
      e["class"] = std::string(firebus::to_string(a.cls));
      e["state"] = std::string(firebus::to_string(a.state));
      if (a.reason != firebus::event_reason::none)
        e["reason"] = std::string(firebus::to_string(a.reason));
      e["since"] = iso(utc_of(a.since));
      list.push_back(std::move(e));
    }
    std::lock_guard<std::mutex> lock(metrics_mu);
    active_text = list.dump();
  }

  // --- stop and reload ------------------------------------------------------------------------
  void stop(duration drain, std::function<void()> done) {
    if (stopping) return;
    stopping = true;
    log("stopping", {{"drain_s", seconds_of(drain)}});
    for (auto& b : buses) b.each([](auto& bus) { bus.stop(); });
    flush_telemetry();
    flush_analog();
    write_snapshot();
    engine_timer.cancel();
    tick_timer.cancel();
    auto self = shared_from_this();
    auto deadline = std::make_shared<steady::time_point>(steady::now() + drain);
    auto timer = std::make_shared<asio::steady_timer>(io);
    auto check = std::make_shared<std::function<void()>>();
    *check = [self, deadline, timer, check, done]() {
      const auto left = [](ul::journal* j) {
        return j ? j->stats(ul::lane::alarm).messages + j->stats(ul::lane::telemetry).messages : 0;
      };
      const std::uint64_t waiting = left(self->mqtt_journal.get()) + left(self->gb_journal.get());
      if (waiting == 0 || steady::now() >= *deadline) {
        // Sparkplug: an intentional disconnect publishes the session's NDEATH first (the broker
        // publishes the Will only for a lost connection); up to 2 s for its PUBACK.
        if (self->spb && self->mqtt && self->mqtt->connected() && !self->death_sent) {
          self->death_sent = true;
          self->death_token = self->publish_death();
          if (self->death_token != 0) {
            *deadline = std::max(*deadline, steady::now() + std::chrono::seconds(2));
          }
        }
        if (self->death_token != 0 && !self->death_done && steady::now() < *deadline) {
          timer->expires_after(std::chrono::milliseconds(20));
          timer->async_wait([check](const std::error_code&) {
            if (*check) (*check)();
          });
          return;
        }
        self->retry_held();
        self->log("stopped",
                  {{"left_in_journals", waiting},
                   {"refused_alarms_lost", self->held_mqtt.size() + self->held_gb.size()}});
        if (self->mqtt) self->mqtt->stop();
        if (self->gb_client) self->gb_client->stop();
        *check = nullptr;  // break the cycle
        done();
        return;
      }
      timer->expires_after(std::chrono::milliseconds(50));
      timer->async_wait([check](const std::error_code&) {
        if (*check) (*check)();
      });
    };
    (*check)();
  }

  bool reload(const gateway_config& next, std::string& why) {
    // What cannot change without dropping buses or uplinks.
    const auto same_bus = [](const bus_config& a, const bus_config& b) {
      return a.id == b.id && a.rtu == b.rtu && a.host == b.host && a.port == b.port &&
             a.line_baud == b.line_baud && a.device == b.device && a.baud == b.baud &&
             a.parity == b.parity && a.data_bits == b.data_bits && a.stop_bits == b.stop_bits &&
             a.rs485 == b.rs485;
    };
    if (next.id != cfg.id) return why = "the gateway id changed: restart needed", false;
    if (next.data_dir != cfg.data_dir) return why = "data_dir changed: restart needed", false;
    if (next.profile_dirs != cfg.profile_dirs) {
      return why = "profile_dirs changed: restart needed", false;
    }
    if (next.metrics_listen != cfg.metrics_listen) {
      return why = "metrics changed: restart needed", false;
    }
    if (next.buses.size() != cfg.buses.size() ||
        !std::equal(next.buses.begin(), next.buses.end(), cfg.buses.begin(), same_bus)) {
      return why = "buses changed: restart needed (buses are never dropped by a reload)", false;
    }
    if (next.devices.size() != cfg.devices.size()) {
      return why = "devices added or removed: restart needed", false;
    }
    for (std::size_t i = 0; i < next.devices.size(); ++i) {
      const auto& a = next.devices[i];
      const auto& b = cfg.devices[i];
      if (a.id != b.id || a.bus != b.bus || a.unit != b.unit || a.profile != b.profile ||
          a.alarm_period != b.alarm_period || a.measurement_period != b.measurement_period ||
          a.config_period != b.config_period || a.timeout != b.timeout || a.retries != b.retries ||
          a.system_type != b.system_type || a.system_address != b.system_address ||
          a.name != b.name) {
        return why = "devices[" + std::to_string(i) + "] changed: restart needed", false;
      }
      const auto same_gb_point = [](const auto& x, const auto& y) {
        return x.first == y.first && x.second.component_type == y.second.component_type &&
               x.second.analog_type == y.second.analog_type &&
               x.second.analog_scale == y.second.analog_scale &&
               x.second.deadband == y.second.deadband &&
               x.second.component_address == y.second.component_address &&
               x.second.power_fault == y.second.power_fault;
      };
      if (a.gb_points.size() != b.gb_points.size() ||
          !std::equal(a.gb_points.begin(), a.gb_points.end(), b.gb_points.begin(), same_gb_point)) {
        return why = "devices[" + std::to_string(i) + "].gb26875 changed: restart needed", false;
      }
    }
    // The GB/T 26875.3 mapping (the gateway's time zone may have been filled in from the host).
    const gb_mapping_config& nm = next.gb.mapping;
    const gb_mapping_config& cm = cfg.gb.mapping;
    if (nm.strict_normal_bit != cm.strict_normal_bit ||
        nm.default_system_type != cm.default_system_type ||
        nm.residual_current_analog_type != cm.residual_current_analog_type ||
        nm.analog_period != cm.analog_period || nm.main_power_point != cm.main_power_point ||
        nm.backup_power_point != cm.backup_power_point ||
        nm.utc_offset_minutes.value_or(host_utc_offset_minutes()) != cm.utc_offset_minutes) {
      return why = "gb26875.mapping changed: restart needed", false;
    }
    if (next.mqtt.enabled != cfg.mqtt.enabled || next.mqtt.host != cfg.mqtt.host ||
        next.mqtt.port != cfg.mqtt.port || next.mqtt.topic_prefix != cfg.mqtt.topic_prefix ||
        next.mqtt.format != cfg.mqtt.format ||
        next.mqtt.sparkplug_group != cfg.mqtt.sparkplug_group ||
        next.mqtt.sparkplug_node != cfg.mqtt.sparkplug_node ||
        next.mqtt.sparkplug_qos != cfg.mqtt.sparkplug_qos ||
        next.mqtt.sparkplug_host != cfg.mqtt.sparkplug_host || next.gb.enabled != cfg.gb.enabled ||
        next.gb.host != cfg.gb.host || next.gb.port != cfg.gb.port ||
        next.gb.address != cfg.gb.address) {
      return why = "uplinks changed: restart needed", false;
    }
    // Settings the uplinks took at start: a reload does not reach them, so it says so rather
    // than pretending to apply them.
    const auto same_journal = [](const journal_config& x, const journal_config& y) {
      return x.path == y.path && x.max_bytes == y.max_bytes && x.max_messages == y.max_messages &&
             x.sync == y.sync;
    };
    const mqtt_config& nq = next.mqtt;
    const mqtt_config& cq = cfg.mqtt;
    if (nq.client_id != cq.client_id || nq.tls != cq.tls || nq.ca_file != cq.ca_file ||
        nq.cert_file != cq.cert_file || nq.key_file != cq.key_file || nq.username != cq.username ||
        nq.password != cq.password) {
      return why = "mqtt connection settings changed: restart needed", false;
    }
    if (!same_journal(nq.journal, cq.journal)) {
      return why = "mqtt.journal changed: restart needed", false;
    }
    const gb_config& ng = next.gb;
    const gb_config& cg = cfg.gb;
    if (ng.centre_address != cg.centre_address || ng.heartbeat != cg.heartbeat ||
        ng.answer_timeout != cg.answer_timeout ||
        ng.fire_answer_timeout != cg.fire_answer_timeout || ng.retries != cg.retries) {
      return why = "gb26875 session settings changed: restart needed", false;
    }
    if (!same_journal(ng.journal, cg.journal)) {
      return why = "gb26875.journal changed: restart needed", false;
    }
    firebus::alarm::rules r;
    gateway_config trial = next;
    std::swap(cfg, trial);
    const bool built = build_rules(cfg, r, why);
    std::swap(cfg, trial);
    if (!built) return false;
    const bool rules_changed = firebus::alarm::to_json(r) != firebus::alarm::to_json(rules);
    if (rules_changed) {
      if (!engine.active().empty()) {
        why = "alarm rules changed while " + std::to_string(engine.active().size()) +
              " alarms or faults are active or latched: reset them first (a new configuration "
              "starts the engine afresh)";
        return false;
      }
      // What active() does not list but a fresh engine would forget as well: an operator's
      // shelving or out-of-service, an alarm back to normal that still awaits its ack, a
      // condition held back by a delay or a shelving.
      for (std::uint32_t a = 0; a < engine.alarm_count(); ++a) {
        if (engine.state(a) != firebus::alarm_state::normal || engine.shelved(a) ||
            engine.out_of_service(a) || engine.disabled(a) || engine.condition_active(a)) {
          why = "alarm rules changed while alarm " + std::string(engine.alarm_name(a)) +
                (engine.alarm_point(a) != npos
                     ? " of " + std::string(engine.point_name(engine.alarm_point(a)))
                     : std::string()) +
                " is shelved, out of service, awaiting its ack or its condition is active: "
                "return it to normal first (a new configuration starts the engine afresh)";
          return false;
        }
      }
      std::error_code ec;
      firebus::alarm::rules_error rerr;
      firebus::alarm::engine fresh;
      if (!fresh.configure(r, ec, &rerr)) return why = "alarm rules: " + rerr.what(), false;
      if (fresh.point_count() != engine.point_count()) {
        return why = "the set of points changed: restart needed (the MQTT birth would change)",
               false;
      }
      // A point that now has alarms becomes a component: its mapping must hold too.
      std::vector<gb_component> comps;
      if (!gb_components(fresh, comps, why)) return false;
      engine = std::move(fresh);
      rules = std::move(r);
      zone_members.assign(engine.zone_count(), {});
      for (const auto& z : rules.zones) {
        const std::uint32_t zi = engine.find_zone(z.id);
        if (zi == npos) continue;
        for (const auto& m : z.members) zone_members[zi].push_back(engine.find_point(m));
      }
      build_mapper(std::move(comps));
      for (device_rt& rt : devices) {
        const device_config& d = next.devices[rt.config];
        for (std::size_t p = 0; p < rt.codec->size(); ++p) {
          rt.engine_point[p] = engine.find_point(d.id + "/" + rt.codec->point(p).id);
        }
      }
    }
    cfg.rules = next.rules;
    cfg.profile_defaults = next.profile_defaults;
    cfg.mqtt.telemetry_interval = next.mqtt.telemetry_interval;
    cfg.snapshot_interval = next.snapshot_interval;
    write_snapshot();
    log("configuration reloaded", {{"rules_changed", rules_changed}});
    return true;
  }
};

gateway::gateway(asio::io_context& io, gateway_config config, gateway_options options)
    : impl_(std::make_shared<impl>(io, std::move(config), std::move(options))) {}

gateway::~gateway() {
  if (impl_) {
    for (auto& b : impl_->buses) b.each([](auto& bus) { bus.stop(); });
    impl_->engine_timer.cancel();
    impl_->tick_timer.cancel();
    impl_->gb_up.reset();
    impl_->mqtt_up.reset();
    if (impl_->gb_client) impl_->gb_client->stop();
    if (impl_->mqtt) impl_->mqtt->stop();
  }
}

bool gateway::start(std::string& why) { return impl_->start(why); }
bool gateway::check(std::string& why) { return impl_->check(why); }

void gateway::stop(duration drain, std::function<void()> done) {
  impl_->stop(drain, std::move(done));
}

bool gateway::reload(const gateway_config& next, std::string& why) {
  return impl_->reload(next, why);
}

void gateway::command(const std::string& json_command, std::function<void(std::string)> done) {
  std::weak_ptr<impl> weak = impl_;
  asio::post(impl_->io, [weak, json_command, done = std::move(done)] {
    auto self = weak.lock();
    if (!self) return done("stopped");
    std::string why = self->stopping ? std::string("stopping") : self->execute(json_command);
    self->render_active();
    done(why);
  });
}

void gateway::raise_fault(const std::string& cause, const std::string& why) {
  std::weak_ptr<impl> weak = impl_;
  asio::post(impl_->io, [weak, cause, why] {
    if (auto self = weak.lock()) self->raise_fault(cause, why);
  });
}

void gateway::clear_fault(const std::string& cause) {
  std::weak_ptr<impl> weak = impl_;
  asio::post(impl_->io, [weak, cause] {
    if (auto self = weak.lock()) self->clear_fault(cause);
  });
}

std::string gateway::active_json() const {
  std::lock_guard<std::mutex> lock(impl_->metrics_mu);
  return impl_->active_text;
}

std::string gateway::metrics() const {
  std::lock_guard<std::mutex> lock(impl_->metrics_mu);
  return impl_->metrics_text;
}

}  // namespace fbgw
