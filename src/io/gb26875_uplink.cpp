// firebus — fire-safety IoT SDK.
// firebus::uplink::gb26875_uplink: the journal sent to a monitoring centre over the GB/T 26875.3
// client. All the uplink's state lives in impl, guarded by impl::m; the client's callbacks, the
// timers and posted wake-ups hold a shared_ptr to it and do nothing once the uplink was
// destroyed (impl::detached). Callbacks of the application are collected under the lock and
// called after it (impl::flush). Every handler of the io thread (the client's callbacks, the
// timers, posted wake-ups) holds impl::exec while it runs, the application's callbacks included:
// the destructor takes it to wait for one running on another thread.
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <exception>
#include <limits>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <utility>
#include <vector>

#include <asio.hpp>

#include <firebus/core/byte_writer.hpp>
#include <firebus/core/error.hpp>
#include <firebus/gb26875/error.hpp>
#include <firebus/io/gb26875_uplink.hpp>

#include "exec_gate.hpp"

namespace firebus {
inline namespace v1 {
namespace uplink {

namespace gb = gb26875;

namespace {

const char* lane_name(lane l) { return l == lane::alarm ? "alarm" : "telemetry"; }

std::size_t lane_index(lane l) { return l == lane::alarm ? 0 : 1; }

std::string describe(const entry& e) {
  return "message " + std::to_string(e.id) + " (" + lane_name(e.lane) + " lane, seq " +
         std::to_string(e.seq) + ")";
}

utc_time utc_now() {
  return std::chrono::time_point_cast<duration>(std::chrono::system_clock::now());
}

// Encodes `a` as the journal stores it; the encoder's error in `ec`.
std::vector<std::uint8_t> encode(const gb::adu& a, std::error_code& ec) {
  std::vector<std::uint8_t> out;
  byte_writer w(out, gb::max_adu_size);
  gb::encode_adu(a, w, ec);
  if (ec) out.clear();
  return out;
}

}  // namespace

std::error_code validate(const gb26875_uplink_options& o, std::string* why) {
  auto bad = [&](const char* what) {
    if (why != nullptr) *why = what;
    return make_error_code(firebus::errc::invalid_argument);
  };
  if (o.window < 1 || o.window > 1000) return bad("window: 1..1000 expected");
  if (o.alarm_window < 1 || o.alarm_window > 1000) return bad("alarm_window: 1..1000 expected");
  if (o.poll_interval <= duration::zero()) return bad("poll_interval: above 0 expected");
  if (o.retry_delay <= duration::zero()) return bad("retry_delay: above 0 expected");
  return {};
}

struct gb26875_uplink::impl : std::enable_shared_from_this<impl> {
  // A message submitted to the client and not yet reported.
  struct sent {
    entry e;
    gb::message_priority p;
  };

  impl(asio::io_context& io_, journal& j_, gb::client& c_, gb26875_uplink_options o_)
      : io(io_), j(j_), c(c_), o(std::move(o_)), poll_timer(io_), retry_timer(io_) {}

  asio::io_context& io;
  journal& j;
  gb::client& c;
  const gb26875_uplink_options o;
  asio::steady_timer poll_timer;
  asio::steady_timer retry_timer;
  std::atomic<bool> wake_posted{false};

  // Held by every handler of the io thread from its start to its end (the application's
  // callbacks run inside: on_log, on_delivered, on_denied, on_connected, on_client_delivered,
  // on_client_failed), and by the destructor once `detached` is set: a callback running on
  // another thread is waited for. Recursive: a callback may destroy the uplink (the io thread
  // then holds it already). Taken before `m`, never with it; inside the client's callbacks, after
  // the client's own `exec`.
  using exec_lock = io_detail::exec_lock;
  io_detail::exec_mutex exec;
  exec_lock enter() { return exec_lock(exec); }

  mutable std::mutex m;  // guards everything below
  bool detached = false;
  bool retry_pending = false;  // retry_timer armed: rewind and send again when it fires
  bool read_blocked = false;   // a journal read failed: nothing is read until the retry
  std::unordered_map<std::uint64_t, sent> in_client;  // by the client's message id
  std::unordered_set<std::uint64_t> in_client_ids;    // their journal ids
  std::size_t in_lane[lane_count] = {0, 0};           // of in_client, per lane
  gb26875_uplink_counters n;
  delivered_handler user_delivered;
  denied_handler user_denied;
  gb::client::connected_handler user_connected;
  gb::client::delivered_handler user_client_delivered;
  gb::client::failed_handler user_client_failed;

  // --- deferred calls: collected under the lock and made after it ------------------------------
  std::vector<std::pair<log_level, std::string>> pending_log;
  std::vector<std::function<void()>> pending_calls;
  void log(log_level l, std::string text) { pending_log.emplace_back(l, std::move(text)); }
  void flush(std::unique_lock<std::mutex>& lock) {
    while (!pending_log.empty() || !pending_calls.empty()) {
      std::vector<std::pair<log_level, std::string>> logs;
      logs.swap(pending_log);
      std::vector<std::function<void()>> calls;
      calls.swap(pending_calls);
      lock.unlock();
      // Each callback checks `detached` first: one may destroy the uplink, and a destructor on
      // another thread waits (`exec`) only for the callback running, not for the rest.
      if (o.on_log) {
        // Not a structured binding: a lambda may not capture one in C++17 (clang refuses).
        for (const auto& entry : logs) {
          if (is_detached()) break;
          guarded([&] { o.on_log(entry.first, entry.second); });
        }
      }
      for (auto& f : calls) {
        if (is_detached()) break;
        guarded(f);
      }
      lock.lock();
    }
  }
  bool is_detached() const {
    std::lock_guard<std::mutex> g(m);
    return detached;
  }
  template <class F>
  void guarded(F&& f) {
    try {
      f();
    } catch (...) {
      std::lock_guard<std::mutex> g(m);
      ++n.callback_errors;
    }
  }

  // --- sending (m held) --------------------------------------------------------------------------
  // Forgets what the journal handed out: every lane is read again from its oldest unacknowledged
  // message. What the client still holds is skipped when it comes out again (in_client_ids).
  void rewind() { j.rewind(); }

  void schedule_retry() {
    if (retry_pending) return;
    retry_pending = true;
    retry_timer.expires_after(o.retry_delay);
    retry_timer.async_wait([self = shared_from_this()](const std::error_code& ec) {
      if (ec) return;
      const exec_lock entered = self->enter();
      std::unique_lock<std::mutex> lock(self->m);
      if (self->detached) return;
      self->retry_pending = false;
      self->read_blocked = false;
      self->rewind();
      self->pump();
      self->flush(lock);
    });
  }

  // `e` can never be sent (`why`): removed and reported, never silently.
  void unsendable(entry e, std::error_code why) {
    ++n.unsendable;
    std::error_code aec;
    j.ack(e.id, aec);
    if (aec) ++n.journal_errors;
    log(log_level::error, "gb26875 uplink: " + describe(e) + " is no sendable GB/T 26875.3 ADU (" +
                              why.message() + "); removed from the journal" +
                              (aec ? " (failed: " + aec.message() + ")" : std::string()));
    if (user_denied) {
      pending_calls.emplace_back([h = user_denied, e = std::move(e), why]() mutable { h(e, why); });
    }
  }

  // Hands `e` to the client; false when the client cannot take anything now.
  bool submit(entry& e) {
    if (in_client_ids.count(e.id) != 0) return true;  // still held by the client: it sends it
    if (e.format != gb26875_format) {
      unsendable(std::move(e), make_error_code(firebus::errc::unknown_code));
      return true;
    }
    std::error_code ec;
    const gb::adu a = gb::decode_adu(byte_view(e.payload), ec);
    if (ec) {
      unsendable(std::move(e), ec);
      return true;
    }
    const gb::message_priority p = gb::classify(a);
    const std::uint64_t cid = c.submit(a, p, ec);
    if (cid == 0) {
      if (ec == firebus::errc::invalid_argument) {
        // An unusable client (invalid configuration): nothing can be sent.
        log(log_level::error, "gb26875 uplink: the client refused " + describe(e) + ": " +
                                  ec.message() + "; retrying");
        schedule_retry();
        return false;
      }
      unsendable(std::move(e), ec);
      return true;
    }
    ++n.sent;
    if (e.attempts > 1) ++n.resent;
    ++in_lane[lane_index(e.lane)];
    in_client_ids.insert(e.id);
    in_client.emplace(cid, sent{std::move(e), p});
    return true;
  }

  void pump() {
    if (detached || read_blocked) return;
    for (;;) {
      // Alarms first: while an alarm waits in the journal, only alarms are read (telemetry
      // would come out behind it anyway), within their own window.
      const journal_lane_stats as = j.stats(lane::alarm);
      const std::uint64_t waiting = as.messages > as.in_flight ? as.messages - as.in_flight : 0;
      std::size_t count = 0;
      if (waiting > 0) {
        const std::size_t used = in_lane[lane_index(lane::alarm)];
        if (used >= o.alarm_window) return;
        count = static_cast<std::size_t>(std::min<std::uint64_t>(o.alarm_window - used, waiting));
      } else {
        const std::size_t used = in_lane[lane_index(lane::telemetry)];
        if (used >= o.window) return;
        count = o.window - used;
      }
      std::error_code ec;
      std::vector<entry> batch = j.next(count, std::numeric_limits<std::size_t>::max(), ec);
      if (ec) {
        ++n.journal_errors;
        log(log_level::error, "gb26875 uplink: reading the journal failed: " + ec.message() + " (" +
                                  j.last_error() + "); retrying");
        read_blocked = true;
        schedule_retry();
        return;
      }
      if (batch.empty()) return;
      for (entry& e : batch) {
        if (!submit(e)) return;
      }
    }
  }

  // --- the client's callbacks (io thread) ------------------------------------------------------
  void connected() {
    const exec_lock entered = enter();
    std::unique_lock<std::mutex> lock(m);
    if (detached) return;
    ++n.connections;
    // Everything not acknowledged goes again: what the client holds, the client sends; the
    // rest (reported failed) is submitted again as it comes out of the rewound journal.
    rewind();
    gb::client::connected_handler h = user_connected;
    lock.unlock();
    if (h) guarded(h);
    lock.lock();
    if (detached) return;
    pump();
    flush(lock);
  }

  void delivered(std::uint64_t cid, int attempts, duration latency) {
    const exec_lock entered = enter();
    std::unique_lock<std::mutex> lock(m);
    if (detached) return;
    const auto it = in_client.find(cid);
    if (it == in_client.end()) {
      // Not the uplink's: a message the application submitted on the client itself.
      gb::client::delivered_handler h = user_client_delivered;
      lock.unlock();
      if (h) guarded([&] { h(cid, attempts, latency); });
      return;
    }
    sent s = std::move(it->second);
    in_client.erase(it);
    in_client_ids.erase(s.e.id);
    --in_lane[lane_index(s.e.lane)];
    std::error_code aec;
    j.ack(s.e.id, aec);
    if (aec) {
      // The message stays in the journal and is sent again later: a duplicate, not a loss.
      ++n.journal_errors;
      log(log_level::error, "gb26875 uplink: acknowledging " + describe(s.e) +
                                " in the journal failed: " + aec.message());
    } else {
      ++n.delivered;
    }
    if (user_delivered) {
      gb26875_delivery d;
      d.id = s.e.id;
      d.lane = s.e.lane;
      d.seq = s.e.seq;
      d.priority = s.p;
      d.produced = s.e.produced;
      d.latency = utc_now() - s.e.produced;
      d.attempts = attempts;
      d.submissions = s.e.attempts;
      pending_calls.emplace_back([h = user_delivered, d] { h(d); });
    }
    pump();
    flush(lock);
  }

  void failed(std::uint64_t cid, std::error_code ec) {
    const exec_lock entered = enter();
    std::unique_lock<std::mutex> lock(m);
    if (detached) return;
    const auto it = in_client.find(cid);
    if (it == in_client.end()) {
      gb::client::failed_handler h = user_client_failed;
      lock.unlock();
      if (h) guarded([&] { h(cid, ec); });
      return;
    }
    sent s = std::move(it->second);
    in_client.erase(it);
    in_client_ids.erase(s.e.id);
    --in_lane[lane_index(s.e.lane)];
    if (ec == gb::errc::denied && o.keep_denied) {
      ++n.denied;
      log(log_level::error, "gb26875 uplink: " + describe(s.e) +
                                " denied by the centre; kept, sending again (keep_denied)");
      if (user_denied) pending_calls.emplace_back([h = user_denied, e = s.e, ec] { h(e, ec); });
      schedule_retry();
    } else if (ec == gb::errc::denied) {
      // The centre refused the content (§6.5.3): a resend would not change that.
      ++n.denied;
      std::error_code aec;
      j.ack(s.e.id, aec);
      if (aec) ++n.journal_errors;
      log(log_level::error, "gb26875 uplink: " + describe(s.e) +
                                " denied by the centre; removed from the journal" +
                                (aec ? " (failed: " + aec.message() + ")" : std::string()));
      if (user_denied) {
        pending_calls.emplace_back(
            [h = user_denied, e = std::move(s.e), ec]() mutable { h(e, ec); });
      }
    } else {
      // no_answer, not_connected, queue_full: kept; submitted again after the next rewind.
      ++n.failed;
      log(log_level::warning, "gb26875 uplink: " + describe(s.e) + " not delivered (" +
                                  ec.message() + "); kept, sending again");
      schedule_retry();
    }
    pump();
    flush(lock);
  }

  void wake() {
    const exec_lock entered = enter();
    std::unique_lock<std::mutex> lock(m);
    if (detached) return;
    pump();
    flush(lock);
  }

  void arm_poll() {
    poll_timer.expires_after(o.poll_interval);
    poll_timer.async_wait([self = shared_from_this()](const std::error_code& ec) {
      if (ec) return;
      const exec_lock entered = self->enter();
      if (self->is_detached()) return;
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

  // Encodes and appends; the ids, or empty with `ec` (and `why` for the encoder's error).
  std::vector<std::uint64_t> append(const std::vector<gb::adu>& adus, std::error_code& ec,
                                    std::string* why) {
    std::vector<std::vector<std::uint8_t>> bytes;
    bytes.reserve(adus.size());
    std::vector<message> ms;
    ms.reserve(adus.size());
    for (std::size_t i = 0; i < adus.size(); ++i) {
      bytes.push_back(encode(adus[i], ec));
      if (ec) {
        if (why != nullptr) {
          *why = "ADU " + std::to_string(i) + " of type " +
                 std::to_string(static_cast<int>(adus[i].type)) + " with " +
                 std::to_string(adus[i].objects.size()) + " objects cannot be encoded";
        }
        return {};
      }
    }
    for (std::size_t i = 0; i < adus.size(); ++i) {
      message msg;
      msg.lane = lane_of(gb::classify(adus[i]));
      msg.payload = byte_view(bytes[i]);
      msg.format = gb26875_format;
      ms.push_back(msg);
    }
    std::vector<std::uint64_t> ids = j.append(ms, ec);
    if (ec) {
      if (why != nullptr) *why = j.last_error();
      return {};
    }
    notify();
    return ids;
  }
};

namespace {

// Makes the impl and attaches it to the client; `ec` from validate() (then it stays detached).
std::shared_ptr<gb26875_uplink::impl> attach(asio::io_context& io, journal& j, gb::client& c,
                                             gb26875_uplink_options options, std::error_code& ec) {
  ec = validate(options);
  auto p = std::make_shared<gb26875_uplink::impl>(io, j, c, std::move(options));
  if (ec) {
    p->detached = true;
    return p;
  }
  // The client keeps these for its life: they hold the impl, which does nothing once detached.
  c.on_connected([p] { p->connected(); });
  c.on_delivered([p](std::uint64_t id, int attempts, duration latency) {
    p->delivered(id, attempts, latency);
  });
  c.on_failed([p](std::uint64_t id, std::error_code e) { p->failed(id, e); });
  asio::post(io, [p] {
    const gb26875_uplink::impl::exec_lock entered = p->enter();
    if (p->is_detached()) return;
    p->arm_poll();
    p->wake();
  });
  return p;
}

}  // namespace

gb26875_uplink::gb26875_uplink(asio::io_context& io, journal& j, gb::client& c,
                               gb26875_uplink_options options, std::error_code& ec)
    : impl_(attach(io, j, c, std::move(options), ec)) {}

#if FIREBUS_HAS_EXCEPTIONS
namespace {
gb26875_uplink_options checked(gb26875_uplink_options o) {
  std::string why;
  const std::error_code ec = validate(o, &why);
  if (ec) firebus::detail::throw_error(ec, "gb26875_uplink: " + why);
  return o;
}
}  // namespace

gb26875_uplink::gb26875_uplink(asio::io_context& io, journal& j, gb::client& c,
                               gb26875_uplink_options options) {
  std::error_code ec;
  impl_ = attach(io, j, c, checked(std::move(options)), ec);
}
#endif

gb26875_uplink::~gb26875_uplink() {
  if (!impl_) return;
  {
    std::lock_guard<std::mutex> g(impl_->m);
    impl_->detached = true;
    impl_->in_client.clear();
    impl_->in_client_ids.clear();
    impl_->pending_calls.clear();
    impl_->pending_log.clear();
  }
  // From here on no callback starts. One running on another thread (the io_context's) holds
  // `exec`: wait for it, so that none is running once the destructor returns. From inside a
  // callback, on the io thread, `exec` is already ours and is taken again at once.
  const io_detail::exec_lock g = io_detail::wait_for_callbacks(impl_->exec, "gb26875_uplink");
  // The timers belong to the io_context's thread: they are cancelled there (or never fire
  // again, their handlers seeing `detached`).
  asio::post(impl_->io, [p = impl_] {
    p->poll_timer.cancel();
    p->retry_timer.cancel();
  });
}

void gb26875_uplink::on_delivered(delivered_handler h) {
  std::lock_guard<std::mutex> g(impl_->m);
  impl_->user_delivered = std::move(h);
}

void gb26875_uplink::on_denied(denied_handler h) {
  std::lock_guard<std::mutex> g(impl_->m);
  impl_->user_denied = std::move(h);
}

void gb26875_uplink::on_connected(gb::client::connected_handler h) {
  std::lock_guard<std::mutex> g(impl_->m);
  impl_->user_connected = std::move(h);
}

void gb26875_uplink::on_client_delivered(gb::client::delivered_handler h) {
  std::lock_guard<std::mutex> g(impl_->m);
  impl_->user_client_delivered = std::move(h);
}

void gb26875_uplink::on_client_failed(gb::client::failed_handler h) {
  std::lock_guard<std::mutex> g(impl_->m);
  impl_->user_client_failed = std::move(h);
}

std::uint64_t gb26875_uplink::send(const gb::adu& a, std::error_code& ec) {
  const std::vector<std::uint64_t> ids = impl_->append(std::vector<gb::adu>{a}, ec, nullptr);
  return ids.empty() ? 0 : ids.front();
}

std::vector<std::uint64_t> gb26875_uplink::send(const std::vector<gb::adu>& adus,
                                                std::error_code& ec) {
  return impl_->append(adus, ec, nullptr);
}

#if FIREBUS_HAS_EXCEPTIONS
std::uint64_t gb26875_uplink::send(const gb::adu& a) {
  const std::vector<std::uint64_t> ids = send(std::vector<gb::adu>{a});
  return ids.front();
}

std::vector<std::uint64_t> gb26875_uplink::send(const std::vector<gb::adu>& adus) {
  std::error_code ec;
  std::string why;
  std::vector<std::uint64_t> ids = impl_->append(adus, ec, &why);
  if (ec) firebus::detail::throw_error(ec, "gb26875_uplink::send: " + why);
  return ids;
}
#endif

void gb26875_uplink::notify() { impl_->notify(); }

gb26875_uplink_counters gb26875_uplink::counters() const {
  std::lock_guard<std::mutex> g(impl_->m);
  return impl_->n;
}

std::size_t gb26875_uplink::in_flight() const {
  std::lock_guard<std::mutex> g(impl_->m);
  return impl_->in_client.size();
}

std::optional<utc_time> gb26875_uplink::oldest_unsent(lane l, std::error_code& ec) const {
  const std::vector<entry> first = impl_->j.read(l, 0, 1, ec);
  if (ec || first.empty()) return std::nullopt;
  return first.front().produced;
}

std::optional<utc_time> gb26875_uplink::oldest_unsent(lane l) const {
  std::error_code ec;
  std::optional<utc_time> t = oldest_unsent(l, ec);
  if (ec) {
    std::lock_guard<std::mutex> g(impl_->m);
    ++impl_->n.journal_errors;
  }
  return t;
}

}  // namespace uplink
}  // namespace v1
}  // namespace firebus
