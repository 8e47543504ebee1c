// firebus — fire-safety IoT SDK.
// firebus::uplink::mqtt_uplink: the journal sent over the MQTT client. All the uplink's state
// lives in impl, guarded by impl::m; the client's callbacks, the timers and posted wake-ups hold
// a shared_ptr to it and do nothing once the uplink was destroyed (impl::detached). Each of them
// holds impl::exec while it runs, the application's callbacks included: the destructor takes it
// to wait for one running on another thread.
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <exception>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <utility>
#include <vector>

#include <asio.hpp>

#include <firebus/core/error.hpp>
#include <firebus/io/mqtt_uplink.hpp>
#include <firebus/telemetry/firebus_codec.hpp>

#include "exec_gate.hpp"
#include "mqtt_topic.hpp"

namespace firebus {
inline namespace v1 {
namespace uplink {

namespace {

using mqtt::detail::topic_ok;

// Why `m` can never be published (empty: it can).
std::error_code unsendable(const message& m, std::size_t max_payload, std::string& why) {
  if (!topic_ok(m.topic)) {
    why = "topic '" + std::string(m.topic) + "' is not an MQTT topic name";
    return mqtt::errc::invalid_topic;
  }
  if (m.qos > 1) {
    why = "qos " + std::to_string(m.qos) + ": 0 or 1 expected";
    return firebus::errc::invalid_argument;
  }
  if (m.payload.size() > max_payload) {
    why = std::to_string(m.payload.size()) + "-byte payload above max_payload " +
          std::to_string(max_payload);
    return mqtt::errc::payload_too_large;
  }
  return {};
}

const char* lane_name(lane l) { return l == lane::alarm ? "alarm" : "telemetry"; }

}  // namespace

std::error_code validate(const mqtt_uplink_options& o, std::string* why) {
  auto bad = [&](const char* what) {
    if (why != nullptr) *why = what;
    return make_error_code(firebus::errc::invalid_argument);
  };
  if (o.window < 1 || o.window > 1000) return bad("window: 1..1000 expected");
  if (o.read_bytes < 1) return bad("read_bytes: 1 or more expected");
  if (o.max_payload < 1) return bad("max_payload: 1 or more expected");
  if (o.poll_interval <= duration::zero()) return bad("poll_interval: above 0 expected");
  if (o.retry_delay <= duration::zero()) return bad("retry_delay: above 0 expected");
  return {};
}

struct mqtt_uplink::impl : std::enable_shared_from_this<impl> {
  struct sent {
    std::uint64_t id;
    lane l;
    std::uint64_t seq;
  };
  // What pump() publishes for one entry.
  struct outgoing {
    std::string topic;
    std::vector<std::uint8_t> payload;
    int qos;
    bool retain;
  };

  impl(asio::io_context& io_, journal& j_, mqtt::client& c_, mqtt_uplink_options o_)
      : io(io_), j(j_), c(c_), o(std::move(o_)), poll_timer(io_), retry_timer(io_) {}

  asio::io_context& io;
  journal& j;
  mqtt::client& c;
  const mqtt_uplink_options o;
  asio::steady_timer poll_timer;
  asio::steady_timer retry_timer;
  std::atomic<bool> wake_posted{false};

  // Held by every handler of the io thread from its start to its end (the application's
  // callbacks run inside: on_connection, on_published, on_log, the transform), and by the
  // destructor once `detached` is set: a callback running on another thread is waited for.
  // Recursive: a callback may destroy the uplink (the io thread then holds it already). Taken
  // before `m`, never with it.
  using exec_lock = io_detail::exec_lock;
  io_detail::exec_mutex exec;
  exec_lock enter() { return exec_lock(exec); }

  mutable std::mutex m;  // guards everything below
  bool detached = false;
  bool connected = false;
  bool retry_pending = false;  // the retry timer is armed
  // What waits for the retry: every lane (a refused alarm, a failed journal read), or only the
  // telemetry lane (a refused telemetry message: alarms must not wait behind it).
  bool hold_all = false;
  bool hold_telemetry = false;
  bool paused = false;  // a transform deferred: wait for notify() or the poll timer
  std::unordered_map<std::uint64_t, sent> in_flight;  // by the client's publish token
  // Entries published as several messages: how many are not yet reported, by journal id.
  std::unordered_map<std::uint64_t, std::size_t> parts_left;
  // Tokens of publishes made before the last rewind: their report no longer matters (the
  // client reports every token once, so each is removed again).
  std::unordered_set<std::uint64_t> stale;
  mqtt_uplink_counters n;
  mqtt::client::connection_handler user_connection;
  mqtt::client::published_handler user_published;

  // Forgets what is in flight (its reports will be ignored) and rewinds the journal: every
  // lane is sent again from its oldest unacknowledged message.
  void restart_lanes() {
    for (const auto& kv : in_flight) stale.insert(kv.first);
    in_flight.clear();
    parts_left.clear();
    j.rewind();
  }

  // --- logging: messages are collected under the lock and delivered after it -----------------
  std::vector<std::pair<log_level, std::string>> pending_log;
  void log(log_level l, std::string text) { pending_log.emplace_back(l, std::move(text)); }
  void flush_log(std::unique_lock<std::mutex>& lock) {
    if (pending_log.empty()) return;
    std::vector<std::pair<log_level, std::string>> out;
    out.swap(pending_log);
    lock.unlock();
    if (o.on_log) {
      for (auto& [level, text] : out) {
        try {
          o.on_log(level, text);
        } catch (...) {
          std::lock_guard<std::mutex> g(m);
          ++n.callback_errors;
        }
      }
    }
    lock.lock();
  }

  // --- sending (m held) --------------------------------------------------------------------------
  std::vector<std::uint8_t> prepare(entry& e) {
    if (e.format != format_byte(payload_format::firebus_envelope)) return std::move(e.payload);
    telemetry::envelope_stamp s;
    s.seq = e.seq;
    s.lane = e.lane == lane::alarm ? telemetry::lane::alarm : telemetry::lane::telemetry;
    s.historical = e.historical;
    std::error_code ec;
    std::string why;
    std::vector<std::uint8_t> out =
        telemetry::stamp_envelope(byte_view(e.payload), s, ec, {}, &why);
    if (!ec) return out;
    // A producer's bug (a payload that is not an Envelope): it is still sent, as stored, so
    // that nothing is lost and nothing behind it waits forever; the failure is reported.
    ++n.stamp_failures;
    log(log_level::error, "uplink: message " + std::to_string(e.id) + " (" + lane_name(e.lane) +
                              " lane, seq " + std::to_string(e.seq) +
                              ") is not a firebus envelope, sent as stored: " + why);
    return std::move(e.payload);
  }

  // Holds the lane of `l` (every lane for an alarm, or nullptr: a journal failure) until the
  // retry after retry_delay.
  void schedule_retry(const lane* l) {
    if (l != nullptr && *l == lane::telemetry) {
      hold_telemetry = true;
    } else {
      hold_all = true;
    }
    if (retry_pending) return;
    retry_pending = true;
    retry_timer.expires_after(o.retry_delay);
    retry_timer.async_wait([self = shared_from_this()](const std::error_code& ec) {
      if (ec) return;
      const exec_lock entered = self->enter();
      std::unique_lock<std::mutex> lock(self->m);
      if (self->detached) return;
      self->retry_pending = false;
      self->hold_all = false;
      self->hold_telemetry = false;
      // Sends every lane again from its oldest unacknowledged message: the refused one and
      // whatever was handed out behind it.
      if (self->connected) self->restart_lanes();
      self->pump(lock);
      self->flush_log(lock);
    });
  }

  // The messages of a transformed entry, made by the transform with the lock released (it may
  // call the uplink or run Python). Empty `ok`: it failed and the entry goes as stored.
  std::vector<outgoing> transform(const entry& e, std::unique_lock<std::mutex>& lock, bool& ok,
                                  bool& deferred) {
    std::vector<outgoing> out;
    std::error_code ec;
    std::string why;
    std::vector<publication> made;
    ok = false;
    deferred = false;
    lock.unlock();
    try {
      if (!o.transform) {
        ec = make_error_code(firebus::errc::invalid_argument);
        why = "no transform function is set";
      } else {
        made = o.transform(e, ec, why);
      }
    } catch (const std::exception& x) {
      ec = make_error_code(firebus::errc::invalid_argument);
      why = std::string("the transform threw: ") + x.what();
    } catch (...) {
      ec = make_error_code(firebus::errc::invalid_argument);
      why = "the transform threw";
    }
    lock.lock();
    if (ec == std::errc::resource_unavailable_try_again) {
      deferred = true;  // not now (e.g. births not yet published): nothing lost, nothing counted
      return out;
    }
    if (!ec) {
      for (const publication& p : made) {
        if (!topic_ok(p.topic) || p.qos < 0 || p.qos > 1 || p.payload.size() > o.max_payload) {
          ec = make_error_code(firebus::errc::invalid_argument);
          why = "it made an unpublishable message (topic '" + p.topic + "', qos " +
                std::to_string(p.qos) + ", " + std::to_string(p.payload.size()) + " bytes)";
          break;
        }
      }
    }
    if (ec) {
      ++n.transform_failures;
      log(log_level::error, "uplink: message " + std::to_string(e.id) + " (" + lane_name(e.lane) +
                                " lane, seq " + std::to_string(e.seq) +
                                "): transform failed, sent as stored on '" + e.topic +
                                "': " + (why.empty() ? ec.message() : why));
      return out;
    }
    ++n.transformed;
    ok = true;
    out.reserve(made.size());
    for (publication& p : made) {
      out.push_back({std::move(p.topic), std::move(p.payload), p.qos, p.retain});
    }
    return out;
  }

  // Publishes what the journal holds, up to the window. Runs on the io_context's thread only
  // (every caller does), so pumps never overlap; the lock is released around the transform.
  void pump(std::unique_lock<std::mutex>& lock) {
    if (detached || !connected || hold_all || paused) return;
    while (in_flight.size() < o.window) {
      std::size_t want = o.window - in_flight.size();
      if (hold_telemetry) {
        // Only the alarm lane goes: ask for no more than it has waiting (next() hands out alarms
        // first), so that no telemetry is handed out meanwhile.
        const journal_lane_stats a = j.stats(lane::alarm);
        const std::uint64_t waiting = a.messages > a.in_flight ? a.messages - a.in_flight : 0;
        if (waiting == 0) return;
        want = static_cast<std::size_t>(std::min<std::uint64_t>(want, waiting));
      }
      std::error_code ec;
      std::vector<entry> batch = j.next(want, o.read_bytes, ec);
      if (ec) {
        ++n.journal_errors;
        log(log_level::error, "uplink: reading the journal failed: " + ec.message() + " (" +
                                  j.last_error() + "); retrying");
        schedule_retry(nullptr);
        return;
      }
      if (batch.empty()) return;
      bool held = false;
      for (entry& e : batch) {
        if (hold_telemetry && e.lane == lane::telemetry) {
          // Handed out anyway (the lane changed under us): sent again after the retry's rewind.
          held = true;
          continue;
        }
        std::vector<outgoing> out;
        bool transformed_ok = false;
        if (e.format == format_byte(payload_format::transformed)) {
          bool deferred = false;
          out = transform(e, lock, transformed_ok, deferred);
          // The lock was released: the uplink may have been destroyed, the connection lost or
          // the lanes rewound (this batch is then handed out again by next()).
          if (detached || !connected || hold_all) return;
          if (deferred) {
            // This entry and everything behind it wait; publishing resumes at the next
            // notify() or poll, from the lanes' oldest unacknowledged messages.
            restart_lanes();
            paused = true;
            return;
          }
        }
        if (!transformed_ok) {
          out.clear();
          out.push_back({e.topic, prepare(e), std::min<int>(e.qos, 1), e.retain});
        } else if (out.empty()) {
          // Nothing to publish for it (e.g. a declaration the transform keeps for itself).
          ack(e.id);
          continue;
        }
        if (out.size() > 1) parts_left[e.id] = out.size();
        for (const outgoing& p : out) {
          std::error_code pec;
          const std::uint64_t token = c.publish(p.topic, p.payload, p.qos, p.retain, pec);
          if (token == 0) {
            // The entry's messages already out no longer count: it stays in the journal and
            // is sent whole again (their reports are ignored, the entry is never acknowledged
            // by a part of it).
            forget_parts(e.id);
            if (pec == mqtt::errc::not_connected || pec == mqtt::errc::stopped) {
              // What was handed out is sent again after the next connection's rewind.
              connected = false;
              return;
            }
            ++n.refused;
            log(log_level::error, "uplink: message " + std::to_string(e.id) + " (" +
                                      lane_name(e.lane) + " lane, seq " + std::to_string(e.seq) +
                                      ", topic '" + p.topic + "') not published: " + pec.message() +
                                      "; kept, retrying");
            schedule_retry(&e.lane);
            return;
          }
          ++n.published;
          if (e.attempts > 1) ++n.resent;
          if (e.historical) ++n.historical;
          in_flight.emplace(token, sent{e.id, e.lane, e.seq});
        }
      }
      if (held) return;
    }
  }

  // Forgets the in-flight messages of entry `id` (m held).
  void forget_parts(std::uint64_t id) {
    parts_left.erase(id);
    for (auto it = in_flight.begin(); it != in_flight.end();) {
      if (it->second.id == id) {
        stale.insert(it->first);
        it = in_flight.erase(it);
      } else {
        ++it;
      }
    }
  }

  // Removes a message from the journal (m held).
  void ack(std::uint64_t id) {
    std::error_code aec;
    j.ack(id, aec);
    if (aec) {
      // The message stays in the journal and is sent again later: a duplicate, not a loss.
      ++n.journal_errors;
      log(log_level::error, "uplink: acknowledging message " + std::to_string(id) +
                                " in the journal failed: " + aec.message());
    } else {
      ++n.acked;
    }
  }

  // --- the client's callbacks (io thread) ------------------------------------------------------
  void connection(const mqtt::connection_event& e) {
    const exec_lock entered = enter();
    std::unique_lock<std::mutex> lock(m);
    if (detached) return;
    connected = e.up;
    paused = false;
    if (e.up) ++n.connections;
    // What is in flight goes again, on this connection or the next.
    restart_lanes();
    mqtt::client::connection_handler h = user_connection;
    lock.unlock();
    if (h) {
      try {
        h(e);
      } catch (...) {
        std::lock_guard<std::mutex> g(m);
        ++n.callback_errors;
      }
    }
    lock.lock();
    if (detached) return;
    pump(lock);
    flush_log(lock);
  }

  void published(std::uint64_t token, std::error_code ec) {
    const exec_lock entered = enter();
    std::unique_lock<std::mutex> lock(m);
    if (detached) return;
    const auto it = in_flight.find(token);
    if (it == in_flight.end()) {
      if (stale.erase(token) > 0) return;  // of an earlier connection, or before a retry
      // Not the uplink's: a publish the application made on the client itself.
      mqtt::client::published_handler h = user_published;
      lock.unlock();
      if (h) {
        try {
          h(token, ec);
        } catch (...) {
          std::lock_guard<std::mutex> g(m);
          ++n.callback_errors;
        }
      }
      return;
    }
    const sent s = it->second;
    in_flight.erase(it);
    if (!ec) {
      // An entry published as several messages goes when the last of them was reported.
      const auto part = parts_left.find(s.id);
      if (part == parts_left.end()) {
        ack(s.id);
      } else if (--part->second == 0) {
        parts_left.erase(part);
        ack(s.id);
      }
    } else if (ec != mqtt::errc::connection_lost && ec != mqtt::errc::stopped) {
      ++n.refused;
      log(log_level::error, "uplink: message " + std::to_string(s.id) + " (" + lane_name(s.l) +
                                " lane, seq " + std::to_string(s.seq) +
                                ") refused by the broker: " + ec.message() + "; kept, retrying");
      schedule_retry(&s.l);
    }
    pump(lock);
    flush_log(lock);
  }

  void wake() {
    const exec_lock entered = enter();
    std::unique_lock<std::mutex> lock(m);
    if (detached) return;
    paused = false;
    pump(lock);
    flush_log(lock);
  }

  void arm_poll() {
    poll_timer.expires_after(o.poll_interval);
    poll_timer.async_wait([self = shared_from_this()](const std::error_code& ec) {
      if (ec) return;
      {
        std::lock_guard<std::mutex> g(self->m);
        if (self->detached) return;
      }
      self->wake();
      self->arm_poll();
    });
  }

  void notify() {
    if (wake_posted.exchange(true)) return;
    asio::post(io, [self = shared_from_this()] {
      self->wake_posted = false;
      self->wake();
    });
  }
};

namespace {

// Makes the impl and attaches it to the client; `ec` from validate() (then it stays detached).
std::shared_ptr<mqtt_uplink::impl> attach(asio::io_context& io, journal& j, mqtt::client& c,
                                          mqtt_uplink_options options, std::error_code& ec) {
  ec = validate(options);
  auto p = std::make_shared<mqtt_uplink::impl>(io, j, c, std::move(options));
  if (ec) {
    p->detached = true;
    return p;
  }
  // The client keeps these for its life: they hold the impl, which does nothing once detached.
  c.on_connection([p](const mqtt::connection_event& e) { p->connection(e); });
  c.on_published([p](std::uint64_t token, std::error_code e) { p->published(token, e); });
  {
    // The client may already be connected (started before the uplink): catch up.
    std::lock_guard<std::mutex> g(p->m);
    p->connected = c.connected();
    if (p->connected) j.rewind();
  }
  asio::post(io, [p] {
    {
      std::lock_guard<std::mutex> g(p->m);
      if (p->detached) return;
    }
    p->arm_poll();
    p->wake();
  });
  return p;
}

}  // namespace

mqtt_uplink::mqtt_uplink(asio::io_context& io, journal& j, mqtt::client& c,
                         mqtt_uplink_options options, std::error_code& ec)
    : impl_(attach(io, j, c, std::move(options), ec)) {}

#if FIREBUS_HAS_EXCEPTIONS
namespace {
mqtt_uplink_options checked(mqtt_uplink_options o) {
  std::string why;
  const std::error_code ec = validate(o, &why);
  if (ec) firebus::detail::throw_error(ec, "mqtt_uplink: " + why);
  return o;
}
}  // namespace

mqtt_uplink::mqtt_uplink(asio::io_context& io, journal& j, mqtt::client& c,
                         mqtt_uplink_options options) {
  std::error_code ec;
  impl_ = attach(io, j, c, checked(std::move(options)), ec);
}
#endif

mqtt_uplink::~mqtt_uplink() {
  if (!impl_) return;
  {
    std::lock_guard<std::mutex> g(impl_->m);
    impl_->detached = true;
    impl_->in_flight.clear();
    impl_->parts_left.clear();
    impl_->stale.clear();
  }
  // From here on no callback starts. One running on another thread (the io_context's) holds
  // `exec`: wait for it, so that none is running once the destructor returns. From inside a
  // callback, on the io thread, `exec` is already ours and is taken again at once.
  const io_detail::exec_lock g = io_detail::wait_for_callbacks(impl_->exec, "mqtt_uplink");
  // The timers belong to the io_context's thread: they are cancelled there (or never fire
  // again, their handlers seeing `detached`).
  asio::post(impl_->io, [p = impl_] {
    p->poll_timer.cancel();
    p->retry_timer.cancel();
  });
}

void mqtt_uplink::on_connection(mqtt::client::connection_handler h) {
  std::lock_guard<std::mutex> g(impl_->m);
  impl_->user_connection = std::move(h);
}

void mqtt_uplink::on_published(mqtt::client::published_handler h) {
  std::lock_guard<std::mutex> g(impl_->m);
  impl_->user_published = std::move(h);
}

std::uint64_t mqtt_uplink::send(const message& m, std::error_code& ec) {
  const std::vector<std::uint64_t> ids = send(std::vector<message>{m}, ec);
  return ids.empty() ? 0 : ids.front();
}

std::vector<std::uint64_t> mqtt_uplink::send(const std::vector<message>& messages,
                                             std::error_code& ec) {
  for (const message& msg : messages) {
    std::string why;
    ec = unsendable(msg, impl_->o.max_payload, why);
    if (ec) return {};
  }
  std::vector<std::uint64_t> ids = impl_->j.append(messages, ec);
  if (!ec) notify();
  return ids;
}

#if FIREBUS_HAS_EXCEPTIONS
std::uint64_t mqtt_uplink::send(const message& m) {
  const std::vector<std::uint64_t> ids = send(std::vector<message>{m});
  return ids.front();
}

std::vector<std::uint64_t> mqtt_uplink::send(const std::vector<message>& messages) {
  for (const message& msg : messages) {
    std::string why;
    const std::error_code ec = unsendable(msg, impl_->o.max_payload, why);
    if (ec) firebus::detail::throw_error(ec, "mqtt_uplink::send: " + why);
  }
  std::error_code ec;
  std::vector<std::uint64_t> ids = impl_->j.append(messages, ec);
  if (ec) {
    firebus::detail::throw_error(ec, "mqtt_uplink::send: " + impl_->j.last_error());
  }
  notify();
  return ids;
}
#endif

void mqtt_uplink::notify() { impl_->notify(); }

mqtt_uplink_counters mqtt_uplink::counters() const {
  std::lock_guard<std::mutex> g(impl_->m);
  return impl_->n;
}

std::size_t mqtt_uplink::in_flight() const {
  std::lock_guard<std::mutex> g(impl_->m);
  return impl_->in_flight.size();
}

}  // namespace uplink
}  // namespace v1
}  // namespace firebus
