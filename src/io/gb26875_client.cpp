// firebus — fire-safety IoT SDK.
// gb26875::client: the Asio transport around gb26875::uitd_session.
//
// Threading model: the engine, the links, the timers, the deframer and the id map are touched
// only by the impl's handlers, and every handler runs under `exec` (a recursive mutex that is
// never contended while the client is used as documented: one thread runs the io_context). The
// destructor takes `exec` too, so it may run on any thread: it waits for a handler running on
// another thread, then stops inline. submit() (any thread) allocates the id from an atomic and
// posts the message; counters() reads a snapshot under its own mutex. No public method other than
// the destructor takes `exec`, so a callback may call any of them.
//
// Links: every connection attempt gets its own `link` (socket, read buffer, write queue). stop()
// detaches the current link and lets it linger: what is already in its write queue is written,
// the socket is shut down for sending, and it is closed when the centre's end of stream arrives,
// on a socket error, or after `linger_time`, whichever comes first. What the centre sends
// meanwhile is read and discarded. A new start() uses a new link, so the old one can still flush.
#include <atomic>
#include <cstdio>
#include <deque>
#include <exception>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>
#include <utility>
#include <variant>
#include <vector>

#include <asio.hpp>

#include <firebus/core/byte_writer.hpp>
#include <firebus/gb26875/deframer.hpp>
#include <firebus/gb26875/frame.hpp>
#include <firebus/io/gb26875_client.hpp>

#include "exec_gate.hpp"

namespace firebus {
inline namespace v1 {
namespace gb26875 {

namespace {
using steady = std::chrono::steady_clock;
using tcp = asio::ip::tcp;

enum class link_state { stopped, resolving, connecting, connected, waiting };

// How long a stopped connection may keep flushing its write queue (see client::stop()).
constexpr std::chrono::milliseconds linger_time = client_close_linger;
}  // namespace

struct client::impl : std::enable_shared_from_this<impl> {
  // One connection (or connection attempt) and what only it uses.
  struct link {
    link(asio::io_context& ctx, std::size_t read_size)
        : socket(ctx), linger_timer(ctx), rbuf(read_size) {}
    tcp::socket socket;
    asio::steady_timer linger_timer;
    std::vector<std::uint8_t> rbuf;
    std::deque<std::vector<std::uint8_t>> writes;
    bool writing = false;    // an async_write is pending
    bool reading = false;    // an async_read_some is pending
    bool lingering = false;  // detached by stop(): flushing `writes`, then closing
    bool eof = false;        // lingering: the centre's end of stream (or an error) was read
    bool closed = false;     // the socket is closed; pending handlers only return
  };
  using link_ptr = std::shared_ptr<link>;
  using exec_lock = io_detail::exec_lock;

  impl(asio::io_context& io_ctx, const client_config& cfg, std::error_code& ec)
      : io(io_ctx),
        config(cfg),
        session(cfg.session, ec),
        resolver(io_ctx),
        engine_timer(io_ctx),
        connect_timer(io_ctx),
        reconnect_timer(io_ctx),
        idle_timer(io_ctx),
        epoch(steady::now()) {
    if (!ec) ec = validate(cfg);
    valid = !ec;
  }

  // Every handler of the impl starts with this: see the threading model above.
  exec_lock enter() { return exec_lock(exec); }

  // --- clocks ------------------------------------------------------------------------------
  mono_time now() const {
    return mono_time(std::chrono::duration_cast<duration>(steady::now() - epoch));
  }
  steady::time_point to_steady(mono_time t) const {
    return epoch + std::chrono::duration_cast<steady::duration>(t.time_since_epoch());
  }

  // --- callbacks: invoked on the io thread, exceptions caught ------------------------------
  template <class F, class... A>
  void call(const F& f, A&&... args) {
    if (detached.load() || !f) return;
    try {
      f(std::forward<A>(args)...);
    } catch (const std::exception& e) {
      callback_error(e.what());
    } catch (...) {
      callback_error("unknown exception");
    }
  }
  void callback_error(const char* what) {
    ++callback_errors;
    if (!error_cb || detached.load()) return;
    try {
      error_cb(std::make_error_code(std::errc::operation_canceled),
               std::string("gb26875::client: a callback threw: ") + what);
    } catch (...) {  // the error handler must not throw; if it does, nothing more can be done
    }
  }

  // --- submitting (posted from any thread) -------------------------------------------------
  std::uint64_t post_submit(const adu& a, message_priority p, std::error_code& ec) {
    if (!valid) {
      ec = firebus::make_error_code(firebus::errc::invalid_argument);
      return 0;
    }
    std::vector<std::uint8_t> bytes;
    byte_writer w(bytes, max_adu_size);
    encode_adu(a, w, ec);
    if (ec) return 0;
    const std::uint64_t id = next_id.fetch_add(1) + 1;
    pending_count.fetch_add(1);
    const steady::time_point at = steady::now();
    asio::post(io, [self = shared_from_this(), id, p, at, b = std::move(bytes)]() {
      const exec_lock g = self->enter();
      self->do_submit(id, b, p, at);
    });
    ec.clear();
    return id;
  }

  void do_submit(std::uint64_t id, const std::vector<std::uint8_t>& bytes, message_priority p,
                 steady::time_point at) {
    std::error_code ec;
    const std::uint64_t eid = session.submit(byte_view(bytes), p, now(), ec);
    settle_submit(id, eid, ec, at);
  }

  std::uint64_t post_duty_answer(std::uint8_t operator_id, std::error_code& ec) {
    if (!valid) {
      ec = firebus::make_error_code(firebus::errc::invalid_argument);
      return 0;
    }
    const std::uint64_t id = next_id.fetch_add(1) + 1;
    pending_count.fetch_add(1);
    const steady::time_point at = steady::now();
    asio::post(io, [self = shared_from_this(), id, operator_id, at]() {
      const exec_lock g = self->enter();
      std::error_code e;
      const uitd_duty_answer r = self->session.answer_duty_check(operator_id, self->now(), e);
      self->settle_submit(id, r.id, e, at);
    });
    ec.clear();
    return id;
  }

  void settle_submit(std::uint64_t id, std::uint64_t eid, std::error_code ec,
                     steady::time_point at) {
    if (ec || eid == 0) {
      pending_count.fetch_sub(1);
      call(failed_cb, id, ec ? ec : make_error_code(errc::queue_full));
    } else {
      ids.emplace(eid, entry{id, at});
    }
    process();
  }

  // --- connecting --------------------------------------------------------------------------
  void start() {
    if (!valid || running) return;
    running = true;
    const auto sys = std::chrono::time_point_cast<duration>(std::chrono::system_clock::now());
    session.set_wall_clock(now(), utc_time(sys.time_since_epoch()));
    begin_connect();
    process();
  }

  void stop() {
    if (!running) return;
    running = false;
    const bool was_connected = state == link_state::connected;
    close_link(was_connected);  // an established connection flushes its write queue
    state = link_state::stopped;
    reconnect_timer.cancel();
    engine_timer.cancel();
    timer_armed = false;
    if (was_connected) {
      ++disconnects;
      session.disconnected(now());
      call(disconnected_cb, std::make_error_code(std::errc::operation_canceled));
    }
    process();
  }

  // Ends the current link: at once, or (`graceful`) after flushing its write queue.
  void close_link(bool graceful) {
    ++generation;
    connected_flag = false;
    resolver.cancel();
    connect_timer.cancel();
    idle_timer.cancel();
    deframer_.reset();
    const link_ptr l = std::move(link_);
    link_.reset();
    if (!l) return;
    if (graceful) {
      begin_linger(l);
    } else {
      end_link(l);
    }
  }

  void begin_connect() {
    if (!running) return;
    state = link_state::resolving;
    const std::uint64_t gen = ++generation;
    link_ = std::make_shared<link>(io, config.read_buffer_size);
    connect_timer.expires_after(
        std::chrono::duration_cast<steady::duration>(config.connect_timeout));
    connect_timer.async_wait([self = shared_from_this(), gen](std::error_code ec) {
      const exec_lock g = self->enter();
      if (ec || gen != self->generation || !self->link_) return;
      if (self->state != link_state::resolving && self->state != link_state::connecting) return;
      std::error_code ignored;
      self->resolver.cancel();
      self->link_->socket.close(ignored);  // the pending connect ends with operation_aborted
    });
    resolver.async_resolve(
        config.host, std::to_string(config.port),
        [self = shared_from_this(), gen](std::error_code ec, tcp::resolver::results_type r) {
          const exec_lock g = self->enter();
          if (gen != self->generation || !self->running || !self->link_) return;
          if (ec) {
            self->connect_failed(ec);
            return;
          }
          self->state = link_state::connecting;
          asio::async_connect(self->link_->socket, r,
                              [self, gen](std::error_code e, const tcp::endpoint&) {
                                const exec_lock g2 = self->enter();
                                if (gen != self->generation || !self->running) return;
                                if (e) {
                                  self->connect_failed(e);
                                  return;
                                }
                                self->on_connect();
                              });
        });
  }

  void connect_failed(std::error_code) {
    ++connect_failures;
    close_link(false);
    schedule_reconnect();
    process();
  }

  void schedule_reconnect() {
    if (!running) return;
    state = link_state::waiting;
    const duration d = session.next_reconnect_delay();
    const std::uint64_t gen = generation;
    reconnect_timer.expires_after(std::chrono::duration_cast<steady::duration>(d));
    reconnect_timer.async_wait([self = shared_from_this(), gen](std::error_code ec) {
      const exec_lock g = self->enter();
      if (ec || gen != self->generation || !self->running) return;
      self->begin_connect();
    });
  }

  void on_connect() {
    connect_timer.cancel();
    state = link_state::connected;
    connected_flag = true;
    ++connects;
    std::error_code ignored;
    link_->socket.set_option(tcp::no_delay(true), ignored);
    deframer_.reset();
    session.connected(now());
    call(connected_cb);
    if (state != link_state::connected) return;  // the callback stopped the client
    start_read(link_, generation);
    process();
  }

  void link_lost(std::error_code ec) {
    if (state != link_state::connected) return;
    close_link(false);
    ++disconnects;
    session.disconnected(now());
    call(disconnected_cb, ec);
    schedule_reconnect();
    process();
  }

  // --- reading -----------------------------------------------------------------------------
  void start_read(const link_ptr& l, std::uint64_t gen) {
    l->reading = true;
    l->socket.async_read_some(asio::buffer(l->rbuf), [self = shared_from_this(), l, gen](
                                                         std::error_code ec, std::size_t n) {
      const exec_lock g = self->enter();
      l->reading = false;
      if (l->lingering) {
        self->linger_read(l, ec, n);
        return;
      }
      if (gen != self->generation) return;
      if (ec) {
        self->link_lost(ec);
        return;
      }
      self->on_bytes(l, n, gen);
    });
  }

  void on_bytes(const link_ptr& l, std::size_t n, std::uint64_t gen) {
    bytes_received += n;
    const mono_time t = now();
    deframer_.feed(
        byte_view(l->rbuf.data(), n), [this, t](const frame_view& f) { session.receive(f, t); },
        [this, t](const rejection& r) { on_reject(r, t); });
    process();
    if (gen != generation || state != link_state::connected) return;
    if (deframer_.buffered() > 0) arm_idle_flush(gen);
    start_read(l, gen);
  }

  void on_reject(const rejection& r, mono_time t) {
    ++frames_rejected;
    if (r.reason == errc::checksum_mismatch || r.reason == errc::bad_end ||
        r.reason == errc::adu_too_long) {
      std::error_code ec;
      session.receive(r.candidate, t, ec);  // §6.5.3: deny it, unless it reads as an answer
    }
  }

  void arm_idle_flush(std::uint64_t gen) {
    idle_timer.expires_after(std::chrono::duration_cast<steady::duration>(config.idle_flush));
    idle_timer.async_wait([self = shared_from_this(), gen](std::error_code ec) {
      const exec_lock g = self->enter();
      if (ec || gen != self->generation || self->state != link_state::connected) return;
      if (self->deframer_.buffered() == 0) return;
      const mono_time t = self->now();
      self->deframer_.flush([self, t](const frame_view& f) { self->session.receive(f, t); },
                            [self, t](const rejection& r) { self->on_reject(r, t); });
      self->process();
    });
  }

  // --- writing -----------------------------------------------------------------------------
  void write(std::vector<std::uint8_t> frame) {
    link_->writes.push_back(std::move(frame));
    if (!link_->writing) write_next(link_);
  }

  void write_next(const link_ptr& l) {
    if (l->closed) return;
    if (l->writes.empty()) {
      l->writing = false;
      if (l->lingering) linger_flushed(l);
      return;
    }
    l->writing = true;
    asio::async_write(l->socket, asio::buffer(l->writes.front()),
                      [self = shared_from_this(), l](std::error_code ec, std::size_t n) {
                        const exec_lock g = self->enter();
                        l->writing = false;
                        if (l->closed) return;
                        if (ec) {
                          if (l->lingering) {
                            self->end_link(l);
                          } else if (l == self->link_) {
                            self->link_lost(ec);
                          }
                          return;
                        }
                        self->bytes_sent += n;
                        l->writes.pop_front();
                        self->write_next(l);
                      });
  }

  // --- lingering: a stopped connection flushes its write queue, then closes ------------------
  void begin_linger(const link_ptr& l) {
    l->lingering = true;
    l->linger_timer.expires_after(linger_time);
    l->linger_timer.async_wait([self = shared_from_this(), l](std::error_code ec) {
      const exec_lock g = self->enter();
      if (!ec) self->end_link(l);  // the centre did not take the bytes, or did not close
    });
    if (!l->writing) write_next(l);  // nothing pending: straight to linger_flushed()
    // Read (and discard) until the centre's end of stream: closing a socket with unread bytes
    // would send a reset, which may destroy the bytes just flushed. Posted: stop() may run
    // inside the deframer's feed() (from the data provider), which still reads l->rbuf.
    asio::post(io, [self = shared_from_this(), l]() {
      const exec_lock g = self->enter();
      if (!l->closed && !l->reading && !l->eof) self->linger_drain(l);
    });
  }

  void linger_drain(const link_ptr& l) {
    l->reading = true;
    l->socket.async_read_some(asio::buffer(l->rbuf),
                              [self = shared_from_this(), l](std::error_code ec, std::size_t n) {
                                const exec_lock g = self->enter();
                                l->reading = false;
                                self->linger_read(l, ec, n);
                              });
  }

  void linger_read(const link_ptr& l, std::error_code ec, std::size_t n) {
    if (l->closed) return;
    if (!ec) {
      bytes_received += n;  // read, not handled: the client is stopped
      linger_drain(l);
      return;
    }
    l->eof = true;
    if (!l->writing) end_link(l);  // else the last write ends it (linger_flushed, or its error)
  }

  void linger_flushed(const link_ptr& l) {
    std::error_code ignored;
    l->socket.shutdown(tcp::socket::shutdown_send, ignored);  // the centre sees the end
    if (l->eof) end_link(l);
  }

  void end_link(const link_ptr& l) {
    if (l->closed) return;
    l->closed = true;
    l->lingering = false;
    std::error_code ignored;
    l->linger_timer.cancel();
    l->socket.shutdown(tcp::socket::shutdown_both, ignored);
    l->socket.close(ignored);  // pending operations end with operation_aborted
    l->writes.clear();
    snapshot();
  }

  // --- engine outputs, timer, counters -----------------------------------------------------
  void process() {
    bool heartbeat_dead = false;
    uitd_output out;
    while (session.poll(out)) {
      if (auto* s = std::get_if<uitd_send>(&out)) {
        if (state == link_state::connected) write(std::move(s->frame));
      } else if (auto* d = std::get_if<uitd_delivered>(&out)) {
        const auto it = ids.find(d->id);
        if (it == ids.end()) continue;
        const entry e = it->second;
        ids.erase(it);
        pending_count.fetch_sub(1);
        const auto latency = std::chrono::duration_cast<duration>(steady::now() - e.submitted);
        call(delivered_cb, e.id, d->attempts, latency);
      } else if (auto* f = std::get_if<uitd_failed>(&out)) {
        const auto it = ids.find(f->id);
        if (it == ids.end()) continue;
        const std::uint64_t id = it->second.id;
        ids.erase(it);
        pending_count.fetch_sub(1);
        call(failed_cb, id, f->error);
      } else if (auto* ev = std::get_if<uitd_event>(&out)) {
        if (ev->kind == uitd_event_kind::heartbeat_failed) heartbeat_dead = true;
        call(event_cb, *ev);
      }
    }
    if (heartbeat_dead && state == link_state::connected) {
      link_lost(make_error_code(errc::no_answer));  // calls process() again
      return;
    }
    arm_engine_timer();
    snapshot();
  }

  void arm_engine_timer() {
    const auto next = running ? session.next_deadline() : std::nullopt;
    if (!next) {
      if (timer_armed) engine_timer.cancel();
      timer_armed = false;
      return;
    }
    if (timer_armed && *next == timer_due) return;
    timer_armed = true;
    timer_due = *next;
    const std::uint64_t arm = ++timer_arm;
    engine_timer.expires_at(to_steady(*next));
    engine_timer.async_wait([self = shared_from_this(), arm](std::error_code ec) {
      const exec_lock g = self->enter();
      if (ec || arm != self->timer_arm) return;
      self->timer_armed = false;
      self->session.advance(self->now());
      self->process();
    });
  }

  void snapshot() {
    const uitd_counters c = session.counters(now());
    std::lock_guard<std::mutex> lock(stats_mutex);
    stats.session = c;
    stats.connects = connects;
    stats.disconnects = disconnects;
    stats.connect_failures = connect_failures;
    stats.bytes_received = bytes_received;
    stats.bytes_sent = bytes_sent;
    stats.frames_rejected = frames_rejected;
    stats.callback_errors = callback_errors;
  }

  struct entry {
    std::uint64_t id;
    steady::time_point submitted;
  };

  asio::io_context& io;
  client_config config;
  bool valid = false;
  uitd_session session;
  tcp::resolver resolver;
  asio::steady_timer engine_timer;
  asio::steady_timer connect_timer;
  asio::steady_timer reconnect_timer;
  asio::steady_timer idle_timer;
  steady::time_point epoch;

  // Held by every handler and by the destructor (see the threading model above).
  io_detail::exec_mutex exec;

  // io-thread state (under `exec`)
  bool running = false;
  link_state state = link_state::stopped;
  std::uint64_t generation = 0;  // bumped whenever a link ends: stale handlers do nothing
  link_ptr link_;                // the connection (attempt); null when there is none
  deframer deframer_;
  std::unordered_map<std::uint64_t, entry> ids;  // engine id -> client id
  bool timer_armed = false;
  mono_time timer_due{};
  std::uint64_t timer_arm = 0;
  std::uint64_t connects = 0, disconnects = 0, connect_failures = 0;
  std::uint64_t bytes_received = 0, bytes_sent = 0, frames_rejected = 0, callback_errors = 0;

  // callbacks (set before start)
  delivered_handler delivered_cb;
  failed_handler failed_cb;
  connected_handler connected_cb;
  disconnected_handler disconnected_cb;
  event_handler event_cb;
  error_handler error_cb;

  // any-thread state
  std::atomic<std::uint64_t> next_id{0};
  std::atomic<std::size_t> pending_count{0};
  std::atomic<bool> detached{false};
  std::atomic<bool> connected_flag{false};
  mutable std::mutex stats_mutex;
  client_counters stats;
};

// The engine's own constructor reports an invalid session configuration; the impl adds the
// transport's checks.
client::client(asio::io_context& io, const client_config& config, std::error_code& ec)
    : impl_(std::make_shared<impl>(io, config, ec)) {}

#if FIREBUS_HAS_EXCEPTIONS
client::client(asio::io_context& io, const client_config& config) {
  std::error_code ec;
  impl_ = std::make_shared<impl>(io, config, ec);
  if (ec) firebus::detail::throw_error(ec, "gb26875::client: invalid configuration");
}
#endif

client::~client() {
  if (!impl_) return;
  // From here on no callback starts. A handler running on another thread (a callback included)
  // holds `exec`: wait for it, then stop inline, so that no callback of ours runs once the
  // destructor has returned. Handlers still queued keep the impl alive and only clean up.
  impl_->detached = true;
  const io_detail::exec_lock g = io_detail::wait_for_callbacks(impl_->exec, "gb26875::client");
  impl_->stop();
}

void client::on_delivered(delivered_handler h) { impl_->delivered_cb = std::move(h); }
void client::on_failed(failed_handler h) { impl_->failed_cb = std::move(h); }
void client::on_connected(connected_handler h) { impl_->connected_cb = std::move(h); }
void client::on_disconnected(disconnected_handler h) { impl_->disconnected_cb = std::move(h); }
void client::on_event(event_handler h) { impl_->event_cb = std::move(h); }
void client::on_error(error_handler h) { impl_->error_cb = std::move(h); }

void client::set_data_provider(data_provider provider) {
  impl_->session.set_data_provider(std::move(provider));
}

void client::start() {
  asio::dispatch(impl_->io, [self = impl_]() {
    const impl::exec_lock g = self->enter();
    self->start();
  });
}

void client::stop() {
  asio::dispatch(impl_->io, [self = impl_]() {
    const impl::exec_lock g = self->enter();
    self->stop();
  });
}

void client::set_wall_clock(utc_time now) {
  const mono_time at = impl_->now();  // the instant of the call, not of the posted work
  asio::dispatch(impl_->io, [self = impl_, at, now]() {
    const impl::exec_lock g = self->enter();
    self->session.set_wall_clock(at, now);
  });
}

std::uint64_t client::submit(const adu& a, std::error_code& ec) {
  return impl_->post_submit(a, classify(a), ec);
}

std::uint64_t client::submit(const adu& a, message_priority p, std::error_code& ec) {
  return impl_->post_submit(a, p, ec);
}

std::uint64_t client::answer_duty_check(std::uint8_t operator_id, std::error_code& ec) {
  return impl_->post_duty_answer(operator_id, ec);
}

std::size_t client::pending() const noexcept { return impl_->pending_count.load(); }

bool client::is_connected() const noexcept { return impl_->connected_flag.load(); }

client_counters client::counters() const {
  std::lock_guard<std::mutex> lock(impl_->stats_mutex);
  client_counters c = impl_->stats;
  c.pending = impl_->pending_count.load();
  return c;
}

}  // namespace gb26875
}  // namespace v1
}  // namespace firebus
