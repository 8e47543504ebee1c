// firebus — fire-safety IoT SDK.
// firebus-centre: the centre (centre.hpp): server → queues → store workers → accept.
#include "centre.hpp"

#include <unistd.h>

#include <array>
#include <atomic>
#include <condition_variable>
#include <deque>
#include <iostream>
#include <map>
#include <mutex>
#include <sstream>
#include <stdexcept>
#include <thread>
#include <unordered_map>

#include <asio.hpp>

#include <firebus/gb26875/frame.hpp>
#include <firebus/io/gb26875_server.hpp>
#include <firebus/io/journal.hpp>
#include <firebus/io/mqtt_client.hpp>
#include <firebus/io/mqtt_uplink.hpp>

#include "http_api.hpp"

namespace firebus_centre {
namespace {

namespace ul = firebus::uplink;

// A Prometheus histogram with fixed buckets (seconds).
class histogram {
 public:
  static constexpr std::array<double, 12> bounds{0.0005, 0.001, 0.002, 0.005, 0.01, 0.02,
                                                 0.05,   0.1,   0.2,   0.5,   1.0,  5.0};
  void observe(double s) {
    for (std::size_t i = 0; i < bounds.size(); ++i) {
      if (s <= bounds[i]) counts_[i].fetch_add(1, std::memory_order_relaxed);
    }
    count_.fetch_add(1, std::memory_order_relaxed);
    sum_us_.fetch_add(static_cast<std::uint64_t>(s * 1e6), std::memory_order_relaxed);
  }
  void write(std::ostream& o, const std::string& name, const std::string& help) const {
    o << "# HELP " << name << ' ' << help << "\n# TYPE " << name << " histogram\n";
    for (std::size_t i = 0; i < bounds.size(); ++i) {
      o << name << "_bucket{le=\"" << bounds[i] << "\"} " << counts_[i].load() << '\n';
    }
    o << name << "_bucket{le=\"+Inf\"} " << count_.load() << '\n'
      << name << "_sum " << static_cast<double>(sum_us_.load()) / 1e6 << '\n'
      << name << "_count " << count_.load() << '\n';
  }

 private:
  std::array<std::atomic<std::uint64_t>, bounds.size()> counts_{};
  std::atomic<std::uint64_t> count_{0};
  std::atomic<std::uint64_t> sum_us_{0};
};

std::string default_name() {
  char host[256] = {0};
  ::gethostname(host, sizeof host - 1);
  return std::string(host) + ":" + std::to_string(::getpid());
}

// The MQTT client id: one per process, also between hosts and containers (where every centre
// may be pid 1) and processes given one --name by mistake — two clients with one id make the
// broker close one session for the other, again and again. A hash of host, pid and name: "fbc"
// and 16 hex digits, within the 23 characters of [0-9a-zA-Z] every broker accepts (MQTT 3.1.1
// §3.1.3.1).
std::string default_client_id(const std::string& name) {
  const std::string key = default_name() + "/" + name;
  char id[24];
  std::snprintf(id, sizeof id, "fbc%016llx",
                static_cast<unsigned long long>(
                    fnv1a64(reinterpret_cast<const std::uint8_t*>(key.data()), key.size())));
  return id;
}

}  // namespace

struct centre::impl {
  centre_config cfg;
  std::string name;
  asio::io_context io;
  std::optional<asio::executor_work_guard<asio::io_context::executor_type>> work;
  std::vector<std::thread> io_threads;
  std::unique_ptr<firebus::gb26875::server> srv;

  // Store workers: each owns a connection and a queue; a UITD always goes to the same worker,
  // so its messages are stored in the order they arrived.
  struct worker {
    std::unique_ptr<store> db;
    std::mutex mutex;
    std::condition_variable cv;
    std::deque<std::unique_ptr<inbound>> queue;
    bool stop = false;
    std::thread thread;
  };
  std::vector<std::unique_ptr<worker>> workers;
  std::atomic<bool> accepting{false};
  std::atomic<bool> stopping{false};  // workers retry a failing database no longer than needed
  std::atomic<std::uint64_t> queued{0};

  std::unordered_map<std::uint64_t, std::string> peers;  // on the server's strand only

  std::unique_ptr<http_api> http;

  std::unique_ptr<ul::journal> journal;
  std::unique_ptr<firebus::mqtt::client> mqtt;
  std::unique_ptr<ul::mqtt_uplink> uplink;

  std::mutex out_mutex;
  std::atomic<std::uint64_t> stored{0}, store_dups{0}, session_dups{0}, failed{0}, events{0},
      alarms_opened{0}, mqtt_queued{0}, mqtt_refused{0}, batches{0};
  histogram store_latency, confirm_latency;
  bool started = false;
  bool stopped = false;

  void on_message(firebus::gb26875::connection_id c,
                  const firebus::gb26875::centre_session::message& m) {
    if (m.token == 0) {  // a retransmission of a message this connection already confirmed
      session_dups.fetch_add(1, std::memory_order_relaxed);
      return;
    }
    if (!accepting.load()) return;  // stopping: unanswered, the UITD sends it again elsewhere
    auto in = std::make_unique<inbound>();
    in->connection = c;
    in->token = m.token;
    const auto p = peers.find(c);
    if (p != peers.end()) in->peer = p->second;
    in->received_us = now_us();
    in->arrived = std::chrono::steady_clock::now();
    in->hdr = m.hdr;
    in->adu = m.adu_bytes;
    // The frame as received (no byte stuffing in GB/T 26875.3: re-encoding the header and ADU
    // gives back the same bytes, checksum included).
    in->frame = firebus::gb26875::encode_frame(m.hdr, firebus::byte_view(in->adu));
    in->adu_hash = duplicate_hash(in->hdr, in->adu);
    worker& w = *workers[(m.hdr.source * 0x9E3779B97F4A7C15ull >> 32) % workers.size()];
    {
      std::lock_guard<std::mutex> lock(w.mutex);
      w.queue.push_back(std::move(in));
    }
    queued.fetch_add(1, std::memory_order_relaxed);
    w.cv.notify_one();
  }

  void run_worker(worker& w, bool pruner) {
    std::vector<std::unique_ptr<inbound>> taken;
    std::vector<const inbound*> batch;
    auto next_prune = std::chrono::steady_clock::now() + std::chrono::minutes(1);
    for (;;) {
      taken.clear();
      {
        std::unique_lock<std::mutex> lock(w.mutex);
        w.cv.wait_for(lock, std::chrono::seconds(10), [&] { return w.stop || !w.queue.empty(); });
        if (w.queue.empty()) {
          if (w.stop) return;
        }
        while (!w.queue.empty() && taken.size() < cfg.max_batch) {
          taken.push_back(std::move(w.queue.front()));
          w.queue.pop_front();
        }
      }
      if (pruner && std::chrono::steady_clock::now() >= next_prune) {
        next_prune = std::chrono::steady_clock::now() + std::chrono::minutes(10);
        try {
          w.db->prune();
        } catch (const std::exception& e) {
          log(std::string("pruning duplicate keys failed: ") + e.what());
        }
      }
      if (taken.empty()) continue;
      queued.fetch_sub(taken.size(), std::memory_order_relaxed);
      batch.clear();
      for (const auto& t : taken) batch.push_back(t.get());
      const auto t0 = std::chrono::steady_clock::now();
      std::vector<ingest_outcome> out =
          w.db->ingest(batch, [this](const std::vector<const inbound*>& b,
                                     const std::vector<ingest_outcome>& o) { republish(b, o); });
      const auto t1 = std::chrono::steady_clock::now();
      store_latency.observe(std::chrono::duration<double>(t1 - t0).count());
      batches.fetch_add(1, std::memory_order_relaxed);
      std::string text;  // what the batch prints: one write and one flush
      for (std::size_t i = 0; i < batch.size(); ++i) {
        const inbound& m = *batch[i];
        const ingest_outcome& o = out[i];
        // Durable now (committed): confirm. A failure is denied (GB/T 26875.3 §6.5.3).
        if (o.st == ingest_outcome::status::failed) {
          srv->reject(m.connection, m.token);
          failed.fetch_add(1, std::memory_order_relaxed);
          log("message " + std::to_string(m.hdr.serial) + " from " + address_hex(m.hdr.source) +
              " not stored (denied): " + o.error);
          continue;
        }
        srv->accept(m.connection, m.token);
        confirm_latency.observe(std::chrono::duration<double>(t1 - m.arrived).count());
        if (o.st == ingest_outcome::status::duplicate) {
          store_dups.fetch_add(1, std::memory_order_relaxed);
        } else {
          stored.fetch_add(1, std::memory_order_relaxed);
          events.fetch_add(o.events.size(), std::memory_order_relaxed);
          for (const event_record& e : o.events) {
            alarms_opened.fetch_add(e.alarms_opened.size(), std::memory_order_relaxed);
          }
        }
        if (cfg.out != nullptr) format(m, o, text);
      }
      if (!text.empty()) {
        std::lock_guard<std::mutex> lock(out_mutex);
        std::fputs(text.c_str(), cfg.out);
        std::fflush(cfg.out);
      }
    }
  }

  // Before COMMIT: the events go to the MQTT journal (on disk when send() returns). If the
  // commit then fails the UITD sends the message again and subscribers see it twice (same key):
  // at least once, never lost. A journal that refuses (full) does not stop the store: the
  // database is the record; the refusal is counted and logged.
  void republish(const std::vector<const inbound*>& batch, const std::vector<ingest_outcome>& out) {
    if (!uplink) return;
    std::vector<std::string> topics, payloads;
    std::vector<ul::message> msgs;
    for (std::size_t i = 0; i < batch.size(); ++i) {
      if (out[i].st != ingest_outcome::status::stored) continue;
      for (const event_record& e : out[i].events) {
        topics.push_back(cfg.mqtt->topic_prefix + "/" + address_hex(batch[i]->hdr.source) +
                         "/events");
        payloads.push_back(
            event_json(*batch[i], e, name).dump(-1, ' ', false, json::error_handler_t::replace));
      }
    }
    if (payloads.empty()) return;
    std::size_t k = 0;
    for (std::size_t i = 0; i < batch.size(); ++i) {
      if (out[i].st != ingest_outcome::status::stored) continue;
      for (const event_record& e : out[i].events) {
        ul::message m;
        const bool alarm = (e.alarm_bits && *e.alarm_bits != 0) || e.manual_alarm ||
                           !e.alarms_opened.empty() || !e.alarms_cleared.empty();
        m.lane = alarm ? ul::lane::alarm : ul::lane::telemetry;
        m.topic = topics[k];
        m.payload = firebus::byte_view(reinterpret_cast<const std::uint8_t*>(payloads[k].data()),
                                       payloads[k].size());
        m.qos = 1;
        msgs.push_back(m);
        ++k;
      }
    }
    std::error_code ec;
    uplink->send(msgs, ec);
    if (ec) {
      mqtt_refused.fetch_add(msgs.size(), std::memory_order_relaxed);
      log("MQTT journal refused " + std::to_string(msgs.size()) + " events: " + ec.message());
    } else {
      mqtt_queued.fetch_add(msgs.size(), std::memory_order_relaxed);
    }
  }

  // Duty checks sent and not yet confirmed (request id → UITD address), for the log.
  std::mutex duty_mutex;
  std::map<std::uint64_t, std::uint64_t> duty_checks;

  std::string send_duty_check(std::uint64_t address, unsigned minutes, std::uint64_t& id) {
    namespace gbn = firebus::gb26875;
    const gbn::connection_id c = srv->find_by_address(address);
    if (c == 0) return "UITD " + address_hex(address) + " is not connected";
    gbn::duty_check d;
    d.timeout_minutes = static_cast<std::uint8_t>(minutes);
    std::error_code ec;
    std::lock_guard<std::mutex> lock(duty_mutex);  // before the answer can come
    id = srv->control(c, gbn::adu{gbn::adu_type::duty_check, {d}}, ec);
    if (ec) return "duty check to UITD " + address_hex(address) + ": " + ec.message();
    duty_checks[id] = address;
    log("duty check " + std::to_string(id) + " sent to UITD " + address_hex(address) + " (" +
        std::to_string(minutes) + " min to answer)");
    return {};
  }

  bool forget_duty_check(std::uint64_t id) {
    std::lock_guard<std::mutex> lock(duty_mutex);
    return duty_checks.erase(id) == 1;
  }

  void log(const std::string& s) {
    std::lock_guard<std::mutex> lock(out_mutex);
    std::fprintf(stderr, "firebus-centre: %s\n", s.c_str());
  }

  // Appends the lines of one message (its events, or the duplicate) to `text`.
  void format(const inbound& m, const ingest_outcome& o, std::string& text) const {
    if (cfg.json_lines) {
      if (o.st == ingest_outcome::status::duplicate) {
        json j{{"type", "duplicate"},
               {"uitd", address_hex(m.hdr.source)},
               {"serial", m.hdr.serial},
               {"connection", m.connection}};
        text += j.dump() + "\n";
      }
      for (const event_record& e : o.events) {
        json j{{"type", "event"}};
        j.update(event_json(m, e, name));
        text += j.dump(-1, ' ', false, json::error_handler_t::replace) + "\n";
      }
    } else {
      if (o.st == ingest_outcome::status::duplicate) {
        text += iso_utc(m.received_us) + "  " + address_hex(m.hdr.source) + "  duplicate of #" +
                std::to_string(m.hdr.serial) + " (confirmed again, not stored)\n";
      }
      for (const event_record& e : o.events) text += readable(m, e);
    }
  }

  std::string readable(const inbound& m, const event_record& e) const {
    std::ostringstream s;
    s << iso_utc(m.received_us) << "  " << address_hex(m.hdr.source) << "  #" << m.hdr.serial
      << "  " << e.kind;
    if (e.system_type) s << "  sys " << *e.system_type << "/" << e.system_address.value_or(0);
    if (e.component_address) {
      char a[16];
      std::snprintf(a, sizeof a, "%08llx", static_cast<unsigned long long>(*e.component_address));
      s << "  comp " << a;
    }
    if (e.type_name) s << "  " << *e.type_name;
    if (e.description) s << "  \"" << *e.description << '"';
    if (e.status_names) s << "  [" << (e.status_names->empty() ? "normal" : *e.status_names) << ']';
    if (e.value) s << "  " << *e.value << (e.value_unit ? " " + *e.value_unit : "");
    if (e.event_time) s << "  at " << *e.event_time;
    for (const auto& [k, id] : e.alarms_opened) {
      s << (cfg.color ? "  \x1b[1;31m" : "  ") << "** ALARM " << to_string(k) << " #" << id
        << " opened **" << (cfg.color ? "\x1b[0m" : "");
    }
    for (const auto& [k, id] : e.alarms_cleared) {
      s << "  (" << to_string(k) << " cleared, alarm #" << id << " awaits the operator)";
    }
    s << '\n';
    return s.str();
  }

  void start() {
    name = cfg.store.centre_name.empty() ? default_name() : cfg.store.centre_name;
    cfg.store.centre_name = name;
    const bool pg = !cfg.store.pg_conninfo.empty();
    const std::size_t nworkers = cfg.workers != 0 ? cfg.workers : (pg ? 4 : 1);
    for (std::size_t i = 0; i < nworkers; ++i) {
      auto w = std::make_unique<worker>();
      try {
        w->db = store::open(cfg.store);
        w->db->set_give_up([this] { return stopping.load(); });
      } catch (const std::exception& e) {
        throw std::runtime_error(std::string("store: ") + e.what());
      }
      workers.push_back(std::move(w));
    }

    if (cfg.mqtt) {
      const mqtt_settings& ms = *cfg.mqtt;
      if (ms.journal_path.empty()) throw std::runtime_error("MQTT: a journal path is required");
      ul::journal_options jo;
      jo.path = ms.journal_path;
      // A damaged republish journal (a power loss on failing storage) is moved aside, kept for
      // salvage, and a new one started: the centre keeps storing and confirming
      // (firebus_centre_mqtt_journal_damaged_files counts what waits for salvage).
      jo.move_aside_damaged = true;
      std::error_code ec;
      journal = std::make_unique<ul::journal>(jo, ec);
      if (ec) {
        throw std::runtime_error("MQTT journal " + ms.journal_path + ": " + ec.message() + " (" +
                                 journal->last_error() + ")");
      }
      if (!journal->moved_aside().empty()) {
        log("MQTT JOURNAL DAMAGED: moved aside to " + journal->moved_aside() +
            " (the events it held were not republished); a new one started");
      }
      firebus::mqtt::client_options co;
      co.host = ms.host;
      co.port = ms.port;
      co.client_id = ms.client_id.empty() ? default_client_id(name) : ms.client_id;
      mqtt = std::make_unique<firebus::mqtt::client>(io, co, ec);
      if (ec) throw std::runtime_error("MQTT: " + ec.message());
      ul::mqtt_uplink_options uo;
      uo.on_log = [this](ul::log_level, const std::string& s) { log("MQTT: " + s); };
      uplink = std::make_unique<ul::mqtt_uplink>(io, *journal, *mqtt, uo, ec);
      if (ec) throw std::runtime_error("MQTT uplink: " + ec.message());
    }

    namespace gbn = firebus::gb26875;
    gbn::server_config sc;
    sc.listen_address = cfg.listen_host;
    sc.port = cfg.listen_port;
    sc.max_connections = cfg.max_connections;
    sc.centre.address = cfg.address;
    sc.centre.confirm = gbn::confirm_policy::after_accept;
    sc.centre.idle_timeout = cfg.idle_timeout;
    sc.centre.rate_max_frames = cfg.rate_max_frames;
    // Messages of one connection waiting for their commit; beyond this a message is neither
    // queued nor answered and the UITD sends it again after its timeout. Bounds the store
    // queues at max_connections × max_unconfirmed messages.
    sc.centre.max_unconfirmed = cfg.max_unconfirmed;
    sc.centre.utc_offset = cfg.store.extract.utc_offset;
    srv = std::make_unique<gbn::server>(io, sc);
    srv->on_connect([this](gbn::connection_id c, const std::string& remote) { peers[c] = remote; });
    srv->on_close([this](gbn::connection_id c, gbn::server_close_reason) { peers.erase(c); });
    srv->on_message(
        [this](gbn::connection_id c, const gbn::centre_session::message& m) { on_message(c, m); });
    srv->on_answer(
        [this](gbn::connection_id, std::uint64_t id, const gbn::centre_session::answer&) {
          if (forget_duty_check(id))
            log("duty check " + std::to_string(id) + ": confirmed by the UITD");
        });
    srv->on_request_failed([this](gbn::connection_id, std::uint64_t id, std::error_code ec) {
      if (forget_duty_check(id))
        log("duty check " + std::to_string(id) + " failed: " + ec.message());
    });
    srv->on_error([this](gbn::connection_id c, std::error_code ec, const std::string& what) {
      // Garbage and bad frames are the UITDs' business; report only what concerns the centre.
      if (c == 0) log("server: " + ec.message() + ": " + what);
    });
    std::error_code ec;
    srv->start(ec);
    if (ec) {
      throw std::runtime_error("cannot listen on " + cfg.listen_host + ":" +
                               std::to_string(cfg.listen_port) + ": " + ec.message());
    }

    if (cfg.http) {
      std::unique_ptr<store> api_db;
      try {
        api_db = store::open(cfg.store);
      } catch (const std::exception& e) {
        throw std::runtime_error(std::string("store (HTTP): ") + e.what());
      }
      http = std::make_unique<http_api>(
          std::move(api_db), [this] { return metrics_text(); },
          [this](std::uint64_t address, unsigned minutes, std::uint64_t& id) {
            return send_duty_check(address, minutes, id);
          });
      http->start(cfg.http_host, cfg.http_port);
    }

    accepting = true;
    for (std::size_t i = 0; i < workers.size(); ++i) {
      worker& w = *workers[i];
      w.thread = std::thread([this, &w, i] { run_worker(w, i == 0); });
    }
    work.emplace(io.get_executor());
    for (std::size_t i = 0; i < std::max<std::size_t>(1, cfg.io_threads); ++i) {
      io_threads.emplace_back([this] { io.run(); });
    }
    if (mqtt) mqtt->start();
    started = true;
  }

  void stop() {
    if (stopped) return;
    stopped = true;
    accepting = false;
    stopping = true;
    // 1. Store and confirm what was received (the workers drain their queues, then return).
    for (auto& w : workers) {
      {
        std::lock_guard<std::mutex> lock(w->mutex);
        w->stop = true;
      }
      w->cv.notify_all();
    }
    for (auto& w : workers) {
      if (w->thread.joinable()) w->thread.join();
    }
    // 2. Close the connections: the confirms queued by accept() are written first.
    if (srv) {
      srv->stop();
      const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(2);
      while (started && srv->counters().connections_open > 0 &&
             std::chrono::steady_clock::now() < deadline) {
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
      }
    }
    if (http) http->stop();
    uplink.reset();  // what is not acknowledged stays in the journal for the next run
    if (mqtt) mqtt->stop();
    // Give the closing sockets their flush (server_close_linger) before the io_context stops.
    const auto linger_end = std::chrono::steady_clock::now() + std::chrono::milliseconds(300);
    while (started && std::chrono::steady_clock::now() < linger_end) {
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    srv.reset();
    work.reset();
    io.stop();
    for (auto& t : io_threads) t.join();
    io_threads.clear();
    mqtt.reset();
    if (journal) journal->close();
    http.reset();
    workers.clear();  // closes the database connections
  }

  std::string metrics_text() const {
    std::ostringstream o;
    const auto counter = [&o](const char* n, const char* help, std::uint64_t v,
                              const char* type = "counter") {
      o << "# HELP " << n << ' ' << help << "\n# TYPE " << n << ' ' << type << '\n'
        << n << ' ' << v << '\n';
    };
    if (srv) {
      const firebus::gb26875::server_counters c = srv->counters();
      counter("firebus_centre_connections_open", "UITD connections open now.", c.connections_open,
              "gauge");
      counter("firebus_centre_connections_total", "UITD connections accepted.",
              c.connections_accepted);
      counter("firebus_centre_frames_total", "Valid GB/T 26875.3 frames received.", c.frames_in);
      counter("firebus_centre_rejections_total", "Deframer rejections (garbage, bad frames).",
              c.rejections);
      counter("firebus_centre_messages_total", "Messages received (duplicates included).",
              c.messages);
      counter("firebus_centre_heartbeats_total", "Heartbeats (empty send-data frames).",
              c.heartbeats);
      counter("firebus_centre_confirms_total", "Confirms sent.", c.confirms_sent);
      counter("firebus_centre_denies_total", "Denies sent.", c.denies_sent);
    }
    o << "# HELP firebus_centre_duplicates_total Retransmissions recognised: by the connection "
         "(already confirmed on it), by the store (already in the database).\n"
         "# TYPE firebus_centre_duplicates_total counter\n"
      << "firebus_centre_duplicates_total{layer=\"session\"} " << session_dups.load() << '\n'
      << "firebus_centre_duplicates_total{layer=\"store\"} " << store_dups.load() << '\n';
    counter("firebus_centre_stored_messages_total", "Messages stored.", stored.load());
    counter("firebus_centre_stored_events_total", "Events (information objects) stored.",
            events.load());
    counter("firebus_centre_store_failures_total", "Messages denied because the store failed.",
            failed.load());
    counter("firebus_centre_alarms_opened_total", "Alarms opened.", alarms_opened.load());
    counter("firebus_centre_store_transactions_total", "Store transactions (batches).",
            batches.load());
    counter("firebus_centre_queue_depth", "Messages received, waiting for the store.",
            queued.load(), "gauge");
    counter("firebus_centre_mqtt_queued_total", "Events appended to the MQTT journal.",
            mqtt_queued.load());
    counter("firebus_centre_mqtt_refused_total", "Events the MQTT journal refused.",
            mqtt_refused.load());
    if (cfg.mqtt) {
      counter("firebus_centre_mqtt_journal_damaged_files",
              "Damaged MQTT journals moved aside, still next to the journal (salvage, then "
              "remove them).",
              ul::journal::damaged_files(cfg.mqtt->journal_path).size(), "gauge");
    }
    store_latency.write(
        o, "firebus_centre_store_latency_seconds",
        "Duration of one store transaction (a batch of messages, commit included).");
    confirm_latency.write(o, "firebus_centre_confirm_latency_seconds",
                          "From a message's arrival to its confirm being queued.");
    return o.str();
  }
};

centre::centre(centre_config cfg) : impl_(std::make_unique<impl>()) { impl_->cfg = std::move(cfg); }

centre::~centre() { stop(); }

void centre::start() {
  try {
    impl_->start();
  } catch (...) {
    impl_->stop();
    throw;
  }
}

void centre::stop() { impl_->stop(); }

std::uint16_t centre::port() const { return impl_->srv ? impl_->srv->local_port() : 0; }
std::uint16_t centre::http_port() const { return impl_->http ? impl_->http->port() : 0; }

centre_stats centre::stats() const {
  centre_stats s;
  s.stored = impl_->stored.load();
  s.store_duplicates = impl_->store_dups.load();
  s.session_duplicates = impl_->session_dups.load();
  s.failed = impl_->failed.load();
  s.events = impl_->events.load();
  s.alarms_opened = impl_->alarms_opened.load();
  s.mqtt_queued = impl_->mqtt_queued.load();
  s.mqtt_refused = impl_->mqtt_refused.load();
  return s;
}

std::string centre::metrics_text() const { return impl_->metrics_text(); }

}  // namespace firebus_centre
