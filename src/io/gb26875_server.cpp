// firebus — fire-safety IoT SDK.
// The GB/T 26875.3 centre server over TCP: one strand, one deframer + centre_session + timer
// per connection. The engine decides every protocol question; this file only moves bytes.
//
// Threading model: strand-only state is touched by handlers on the strand, each of which holds
// `state::exec` (a recursive mutex never contended between strand handlers, which are serialised
// anyway). The destructor takes it as well, so it can run on any thread: it waits for a strand
// handler running on another thread, then stops the server inline. No public method other than
// the destructor takes `exec`; `reg_mutex` guards what any thread reads and is never held while
// a handler runs.
//
// Closing: a connection closed for any reason but write_backlog and io_error lingers: what is
// already in its write queue is written, its sending side is shut down, and the socket is closed
// when the UITD's end of stream arrives, on an error, or after server_close_linger. Bytes the UITD
// sends meanwhile are read and discarded (closing with unread bytes would send a reset, which can
// destroy the bytes just flushed). The connection is gone for everything else (handlers, counters,
// connections()) as soon as it is closed.
#include <algorithm>
#include <atomic>
#include <cstdio>
#include <deque>
#include <exception>
#include <mutex>
#include <unordered_map>
#include <utility>

#include <asio.hpp>

#include <firebus/core/byte_writer.hpp>
#include <firebus/gb26875/deframer.hpp>
#include <firebus/io/gb26875_server.hpp>

#include "exec_gate.hpp"

namespace firebus {
inline namespace v1 {
namespace gb26875 {

namespace {

using tcp = asio::ip::tcp;
using steady = std::chrono::steady_clock;
using strand_t = asio::strand<asio::io_context::executor_type>;
using exec_lock = io_detail::exec_lock;

server_close_reason map_reason(close_reason r) noexcept {
  switch (r) {
    case close_reason::idle_timeout:
      return server_close_reason::idle_timeout;
    case close_reason::rate_limit:
      return server_close_reason::rate_limit;
    case close_reason::too_many_errors:
      return server_close_reason::too_many_errors;
    case close_reason::output_overflow:
      return server_close_reason::output_overflow;
    case close_reason::disconnected:
      return server_close_reason::peer_closed;
  }
  return server_close_reason::io_error;
}

bool is_request_type(adu_type t) noexcept {
  const auto v = static_cast<std::uint8_t>(t);
  return (v >= 61 && v <= 88) || is_user_defined(t);
}
bool is_control_type(adu_type t) noexcept {
  const auto v = static_cast<std::uint8_t>(t);
  return (v >= 89 && v <= 91) || is_user_defined(t);
}

}  // namespace

struct server::impl {
  // Everything the asynchronous operations touch lives in `state`, shared with their handlers,
  // so that a handler still queued in the io_context after the server is gone stays harmless.
  struct state;

  struct connection : std::enable_shared_from_this<connection> {
    connection(state& s, connection_id cid, tcp::socket sock, mono_time now, std::error_code& ec)
        : id(cid),
          socket(std::move(sock)),
          timer(s.strand),
          engine(s.cfg.centre, now, ec),
          rbuf(s.cfg.read_buffer_size),
          last_read(steady::now()) {}

    connection_id id;
    tcp::socket socket;
    asio::steady_timer timer;
    steady::time_point armed_at = steady::time_point::max();  // max: no wait pending
    centre_session engine;
    deframer df;
    std::vector<std::uint8_t> rbuf;
    steady::time_point last_read;
    std::deque<std::vector<std::uint8_t>> wq;
    std::size_t wq_bytes = 0;
    bool writing = false;    // an async_write is pending
    bool reading = false;    // an async_read_some is pending
    bool closed = false;     // closed for the server; the socket may still linger
    bool lingering = false;  // closed: flushing `wq`, then closing the socket
    bool eof = false;        // the UITD's end of stream (or a read error) was read
    bool has_address = false;
    std::uint64_t address = 0;
    std::string remote;
    std::unordered_map<std::uint64_t, std::uint64_t> requests;  // engine id -> server id
    centre_counters seen{};  // engine counters already added to the server's
  };
  using conn_ptr = std::shared_ptr<connection>;

  struct state : std::enable_shared_from_this<state> {
    state(asio::io_context& ctx, server_config c)
        : io(ctx),
          strand(asio::make_strand(ctx)),
          acceptor(strand),
          retry(strand),
          cfg(std::move(c)),
          epoch(steady::now()) {}

    asio::io_context& io;
    strand_t strand;
    tcp::acceptor acceptor;
    asio::steady_timer retry;  // accept retry after e.g. EMFILE
    server_config cfg;
    steady::time_point epoch;
    std::atomic<bool> alive{true};
    std::atomic<bool> started{false};
    std::atomic<std::uint16_t> port{0};
    std::atomic<std::uint64_t> next_request{1};
    // Held by every strand handler and by the destructor (see the threading model above).
    io_detail::exec_mutex exec;
    bool stopping = false;                              // strand only
    connection_id next_id = 1;                          // strand only
    std::unordered_map<connection_id, conn_ptr> conns;  // strand only

    connect_handler h_connect;
    message_handler h_message;
    heartbeat_handler h_heartbeat;
    answer_handler h_answer;
    request_failed_handler h_failed;
    close_handler h_close;
    error_handler h_error;

    // Read by any thread; written on the strand. Never held while a handler runs.
    mutable std::mutex reg_mutex;
    std::unordered_map<connection_id, std::uint64_t> open_ids;  // id -> address (or none)
    std::unordered_map<std::uint64_t, connection_id> by_address;
    server_counters stats;

    // Every handler on the strand starts with this.
    exec_lock enter() { return exec_lock(exec); }

    // --- time -------------------------------------------------------------------------------
    mono_time to_mono(steady::time_point t) const noexcept {
      return mono_time(std::chrono::duration_cast<duration>(t - epoch));
    }
    mono_time now() const noexcept { return to_mono(steady::now()); }
    steady::time_point to_steady(mono_time t) const noexcept {
      if (t == mono_time::max()) return steady::time_point::max();
      const auto d = t.time_since_epoch();
      if (d > std::chrono::duration_cast<duration>(steady::time_point::max() - epoch)) {
        return steady::time_point::max();
      }
      return epoch + std::chrono::duration_cast<steady::duration>(d);
    }

    // --- handler calls ------------------------------------------------------------------------
    template <class F, class... A>
    void call(connection_id c, const char* which, const F& f, A&&... args) {
      if (!f || !alive.load(std::memory_order_acquire)) return;
      try {
        f(std::forward<A>(args)...);
      } catch (const std::exception& e) {
        handler_threw(c, which, e.what());
      } catch (...) {
        handler_threw(c, which, "unknown exception");
      }
    }
    void handler_threw(connection_id c, const char* which, const char* what) {
      {
        std::lock_guard<std::mutex> lock(reg_mutex);
        ++stats.handler_exceptions;
      }
      if (std::string_view(which) == "on_error") return;  // nowhere left to report it
      error(c, std::make_error_code(std::errc::interrupted),
            std::string(which) + " handler threw: " + what);
    }
    void error(connection_id c, std::error_code ec, const std::string& what) {
      call(c, "on_error", h_error, c, ec, what);
    }

    // --- accepting ----------------------------------------------------------------------------
    void do_accept() {
      if (stopping) return;
      auto self = shared_from_this();
      acceptor.async_accept(strand, [self](std::error_code ec, tcp::socket sock) {
        const exec_lock g = self->enter();
        self->accepted(ec, std::move(sock));
      });
    }

    void accepted(std::error_code ec, tcp::socket sock) {
      if (stopping) return;
      if (ec) {
        if (ec == asio::error::operation_aborted) return;
        error(0, ec, "accept failed");
        // Out of descriptors and the like: try again shortly rather than spin.
        auto self = shared_from_this();
        retry.expires_after(std::chrono::milliseconds(100));
        retry.async_wait([self](std::error_code e) {
          const exec_lock g = self->enter();
          if (!e) self->do_accept();
        });
        return;
      }
      if (conns.size() >= cfg.max_connections) {
        {
          std::lock_guard<std::mutex> lock(reg_mutex);
          ++stats.connections_refused;
        }
        std::error_code ignored;
        sock.close(ignored);
        do_accept();
        return;
      }
      do_accept();
      open(std::move(sock));
    }

    void open(tcp::socket sock) {
      std::error_code ec;
      std::string remote;
      const tcp::endpoint ep = sock.remote_endpoint(ec);
      if (!ec) {
        remote = ep.address().to_string() + ":" + std::to_string(ep.port());
      }
      sock.set_option(tcp::no_delay(true), ec);  // a confirm is one small frame: send it now
      const connection_id id = next_id++;
      std::error_code cfg_ec;
      auto c = std::make_shared<connection>(*this, id, std::move(sock), now(), cfg_ec);
      c->remote = std::move(remote);
      c->engine.set_wall_clock(
          now(), std::chrono::time_point_cast<duration>(std::chrono::system_clock::now()));
      conns.emplace(id, c);
      {
        std::lock_guard<std::mutex> lock(reg_mutex);
        open_ids.emplace(id, 0);
        ++stats.connections_accepted;
        ++stats.connections_open;
      }
      call(id, "on_connect", h_connect, id, c->remote);
      if (c->closed) return;  // the handler closed it (posted: cannot happen here, but cheap)
      do_read(c);
      arm(c);
    }

    // --- reading ------------------------------------------------------------------------------
    void do_read(const conn_ptr& c) {
      if (c->closed && !c->lingering) return;
      auto self = shared_from_this();
      c->reading = true;
      c->socket.async_read_some(asio::buffer(c->rbuf),
                                [self, c](std::error_code ec, std::size_t n) {
                                  const exec_lock g = self->enter();
                                  c->reading = false;
                                  self->on_read(c, ec, n);
                                });
    }

    void on_read(const conn_ptr& c, std::error_code ec, std::size_t n) {
      if (c->lingering) {
        linger_read(c, ec, n);
        return;
      }
      if (c->closed) return;
      if (n > 0) {
        c->last_read = steady::now();
        {
          std::lock_guard<std::mutex> lock(reg_mutex);
          stats.bytes_in += n;
        }
        feed(c, byte_view(c->rbuf.data(), n));
      }
      if (c->closed) return;
      if (ec) {
        c->eof = true;  // nothing more to read, also while a confirm below is flushed
        // Frames behind a false start at the end of the stream are still delivered.
        flush(c);
        if (c->closed) return;
        const bool eof = ec == asio::error::eof || ec == asio::error::connection_reset;
        if (!eof) error(c->id, ec, "read failed");
        shut(c, eof ? server_close_reason::peer_closed : server_close_reason::io_error);
        return;
      }
      arm(c);
      do_read(c);
    }

    void feed(const conn_ptr& c, byte_view bytes) {
      const mono_time t = now();
      c->df.feed(
          bytes,
          [&](const frame_view& f) {
            c->engine.on_frame(f, t);
            drain(c);
          },
          [&](const rejection& r) {
            c->engine.on_rejection(r, t);
            drain(c);
          });
    }

    void flush(const conn_ptr& c) {
      if (c->df.buffered() == 0) return;
      const mono_time t = now();
      c->df.flush(
          [&](const frame_view& f) {
            c->engine.on_frame(f, t);
            drain(c);
          },
          [&](const rejection& r) {
            c->engine.on_rejection(r, t);
            drain(c);
          });
    }

    // --- the engine's outputs -------------------------------------------------------------------
    void drain(const conn_ptr& c) {
      centre_session::output out;
      bool close_now = false;
      close_reason why = close_reason::disconnected;
      // Counted before anything becomes visible (a write, a handler call), so that a peer or a
      // handler that sees an effect also sees it in counters().
      sync_counters(c);
      while (!c->closed && c->engine.poll(out)) {
        if (auto* s = std::get_if<centre_session::send>(&out)) {
          write(c, std::move(s->bytes));
        } else if (auto* m = std::get_if<centre_session::message>(&out)) {
          learn_address(c);
          call(c->id, "on_message", h_message, c->id, *m);
        } else if (auto* h = std::get_if<centre_session::heartbeat>(&out)) {
          learn_address(c);
          call(c->id, "on_heartbeat", h_heartbeat, c->id, *h);
        } else if (auto* a = std::get_if<centre_session::answer>(&out)) {
          const std::uint64_t sid = take_request(c, a->id);
          if (sid != 0) call(c->id, "on_answer", h_answer, c->id, sid, *a);
        } else if (auto* f = std::get_if<centre_session::failed>(&out)) {
          const std::uint64_t sid = take_request(c, f->id);
          if (sid != 0) call(c->id, "on_request_failed", h_failed, c->id, sid, f->reason);
        } else if (auto* d = std::get_if<centre_session::denied_input>(&out)) {
          error(c->id, d->reason, "denied a frame (serial " + std::to_string(d->serial) + ")");
        } else if (auto* x = std::get_if<centre_session::dropped_input>(&out)) {
          error(c->id, x->reason,
                x->has_serial ? "dropped a frame (serial " + std::to_string(x->serial) + ")"
                              : std::string("dropped bytes"));
        } else if (auto* cl = std::get_if<centre_session::close>(&out)) {
          close_now = true;
          why = cl->reason;
        }
      }
      if (c->closed) return;
      learn_address(c);
      sync_counters(c);
      if (close_now) shut(c, map_reason(why));
    }

    std::uint64_t take_request(const conn_ptr& c, std::uint64_t engine_id) {
      auto it = c->requests.find(engine_id);
      if (it == c->requests.end()) return 0;
      const std::uint64_t sid = it->second;
      c->requests.erase(it);
      return sid;
    }

    void learn_address(const conn_ptr& c) {
      if (c->has_address || !c->engine.has_peer()) return;
      c->has_address = true;
      c->address = c->engine.peer_address();
      std::lock_guard<std::mutex> lock(reg_mutex);
      open_ids[c->id] = c->address;
      by_address[c->address] = c->id;
    }

    void sync_counters(const conn_ptr& c) {
      const centre_counters& n = c->engine.counters();
      centre_counters& o = c->seen;
      std::lock_guard<std::mutex> lock(reg_mutex);
      stats.frames_in += n.frames_in - o.frames_in;
      stats.rejections += n.rejections - o.rejections;
      stats.messages += n.messages - o.messages;
      stats.heartbeats += n.heartbeats - o.heartbeats;
      stats.duplicates += n.duplicates - o.duplicates;
      stats.confirms_sent += n.confirms_sent - o.confirms_sent;
      stats.denies_sent += n.denies_sent - o.denies_sent;
      stats.requests_sent += n.requests_sent - o.requests_sent;
      stats.retransmissions += n.retransmissions - o.retransmissions;
      stats.answers += n.answers - o.answers;
      stats.request_failures += n.failures - o.failures;
      o = n;
    }

    // --- writing ------------------------------------------------------------------------------
    void write(const conn_ptr& c, std::vector<std::uint8_t> bytes) {
      if (c->closed) return;
      if (c->wq_bytes + bytes.size() > cfg.max_write_queue_bytes) {
        // A UITD that does not read its answers: close it rather than grow (never blocks others).
        shut(c, server_close_reason::write_backlog);
        return;
      }
      c->wq_bytes += bytes.size();
      c->wq.push_back(std::move(bytes));
      if (!c->writing) do_write(c);
    }

    void do_write(const conn_ptr& c) {
      if (c->closed && !c->lingering) {
        c->writing = false;
        return;
      }
      if (c->wq.empty()) {
        c->writing = false;
        if (c->lingering) linger_flushed(c);
        return;
      }
      c->writing = true;
      auto self = shared_from_this();
      asio::async_write(c->socket, asio::buffer(c->wq.front()),
                        [self, c](std::error_code ec, std::size_t n) {
                          const exec_lock g = self->enter();
                          c->writing = false;
                          if (c->closed && !c->lingering) return;
                          if (ec) {
                            if (c->lingering) {
                              self->end_linger(c);
                              return;
                            }
                            self->error(c->id, ec, "write failed");
                            self->shut(c, server_close_reason::io_error);
                            return;
                          }
                          {
                            std::lock_guard<std::mutex> lock(self->reg_mutex);
                            self->stats.bytes_out += n;
                          }
                          c->wq_bytes -= c->wq.front().size();
                          c->wq.pop_front();
                          self->do_write(c);
                        });
    }

    // --- timer --------------------------------------------------------------------------------
    // One timer per connection at the earliest of the engine's deadline and the deframer flush.
    void arm(const conn_ptr& c) {
      if (c->closed) return;
      steady::time_point due = to_steady(c->engine.next_deadline());
      if (c->df.buffered() > 0) due = std::min(due, c->last_read + cfg.flush_after);
      if (due == c->armed_at) return;
      c->armed_at = due;
      if (due == steady::time_point::max()) {
        c->timer.cancel();
        return;
      }
      c->timer.expires_at(due);
      auto self = shared_from_this();
      c->timer.async_wait([self, c](std::error_code ec) {
        const exec_lock g = self->enter();
        if (ec == asio::error::operation_aborted || c->closed) return;
        c->armed_at = steady::time_point::max();
        self->on_timer(c);
      });
    }

    void on_timer(const conn_ptr& c) {
      const steady::time_point t = steady::now();
      if (c->df.buffered() > 0 && t >= c->last_read + cfg.flush_after) {
        flush(c);  // deframer.hpp "Latency": a false start must not hold back a fire alarm
        if (c->closed) return;
      }
      c->engine.advance(to_mono(t));
      drain(c);
      arm(c);
    }

    // --- closing ------------------------------------------------------------------------------
    void shut(const conn_ptr& c, server_close_reason why) {
      if (c->closed) return;
      c->closed = true;
      c->engine.on_disconnected();  // fails pending requests (errc::not_connected)
      centre_session::output out;
      while (c->engine.poll(out)) {
        if (auto* f = std::get_if<centre_session::failed>(&out)) {
          const std::uint64_t sid = take_request(c, f->id);
          if (sid != 0) call(c->id, "on_request_failed", h_failed, c->id, sid, f->reason);
        }
      }
      sync_counters(c);
      // Requests posted but not yet handed to the engine are failed by submit() on their own.
      c->timer.cancel();
      if (why == server_close_reason::write_backlog || why == server_close_reason::io_error) {
        close_socket(c);  // a UITD that does not read, or a broken socket: nothing to flush
      } else {
        begin_linger(c);  // a last deny or confirm still reaches the UITD
      }
      conns.erase(c->id);
      {
        std::lock_guard<std::mutex> lock(reg_mutex);
        open_ids.erase(c->id);
        if (c->has_address) {
          auto it = by_address.find(c->address);
          if (it != by_address.end() && it->second == c->id) by_address.erase(it);
        }
        --stats.connections_open;
        ++stats.closes[static_cast<std::size_t>(why)];
      }
      call(c->id, "on_close", h_close, c->id, why);
    }

    // --- lingering: a closed connection flushes its write queue, then closes its socket -------
    void begin_linger(const conn_ptr& c) {
      c->lingering = true;
      auto self = shared_from_this();
      c->timer.expires_after(server_close_linger);
      c->timer.async_wait([self, c](std::error_code ec) {
        const exec_lock g = self->enter();
        if (ec != asio::error::operation_aborted) self->end_linger(c);
      });
      if (!c->writing) do_write(c);  // nothing pending: straight to linger_flushed()
      // Posted: shut() may run inside the deframer's feed(), which still reads c->rbuf.
      asio::post(strand, [self, c] {
        const exec_lock g = self->enter();
        if (c->lingering && !c->eof && !c->reading) self->do_read(c);
      });
    }

    void linger_read(const conn_ptr& c, std::error_code ec, std::size_t n) {
      if (!ec) {
        {
          std::lock_guard<std::mutex> lock(reg_mutex);
          stats.bytes_in += n;  // read and discarded: the connection is closed
        }
        do_read(c);
        return;
      }
      c->eof = true;
      if (!c->writing) end_linger(c);  // else the last write ends it
    }

    void linger_flushed(const conn_ptr& c) {
      std::error_code ignored;
      c->socket.shutdown(tcp::socket::shutdown_send, ignored);  // the UITD sees the end
      if (c->eof) end_linger(c);
    }

    void end_linger(const conn_ptr& c) {
      if (!c->lingering) return;
      c->lingering = false;
      c->timer.cancel();
      close_socket(c);
    }

    void close_socket(const conn_ptr& c) {
      std::error_code ignored;
      c->socket.shutdown(tcp::socket::shutdown_both, ignored);
      c->socket.close(ignored);  // pending operations end with operation_aborted
      c->wq.clear();
      c->wq_bytes = 0;
    }

    void stop_all() {
      if (stopping) return;
      stopping = true;
      std::error_code ignored;
      acceptor.close(ignored);
      retry.cancel();
      std::vector<conn_ptr> all;
      all.reserve(conns.size());
      for (auto& kv : conns) all.push_back(kv.second);
      for (auto& c : all) shut(c, server_close_reason::stopped);
    }

    conn_ptr find(connection_id id) const {
      auto it = conns.find(id);
      return it == conns.end() ? nullptr : it->second;
    }

    // --- requests (on the strand) -------------------------------------------------------------
    void submit(connection_id cid, std::vector<std::uint8_t> adu_bytes, bool is_control,
                std::uint64_t sid) {
      const conn_ptr c = find(cid);
      std::error_code ec;
      if (!c || c->closed) {
        {
          std::lock_guard<std::mutex> lock(reg_mutex);
          ++stats.request_failures;
        }
        call(cid, "on_request_failed", h_failed, cid, sid, make_error_code(errc::not_connected));
        return;
      }
      const adu a = decode_adu(adu_bytes, ec, cfg.centre.users);
      std::uint64_t eid = 0;
      if (!ec) {
        eid = is_control ? c->engine.control(a, now(), ec) : c->engine.request(a, now(), ec);
      }
      if (ec) {
        {
          std::lock_guard<std::mutex> lock(reg_mutex);
          ++stats.request_failures;
        }
        call(cid, "on_request_failed", h_failed, cid, sid, ec);
        drain(c);
        arm(c);
        return;
      }
      c->requests.emplace(eid, sid);
      drain(c);
      arm(c);
    }

    void settle(connection_id cid, std::uint64_t token, bool ok) {
      const conn_ptr c = find(cid);
      std::error_code ec;
      if (!c || c->closed) {
        error(cid, make_error_code(errc::not_connected),
              std::string(ok ? "accept" : "reject") + ": no such connection");
        return;
      }
      if (ok) {
        c->engine.accept(token, now(), ec);
      } else {
        c->engine.reject(token, now(), ec);
      }
      if (ec) {
        error(cid, ec,
              std::string(ok ? "accept" : "reject") + " of token " + std::to_string(token));
      }
      drain(c);
      arm(c);
    }
  };

  impl(asio::io_context& io, server_config cfg) : st(std::make_shared<state>(io, std::move(cfg))) {}

  std::uint64_t send(connection_id c, const adu& a, bool is_control, std::error_code& ec) {
    if (!(is_control ? is_control_type(a.type) : is_request_type(a.type))) {
      ec = firebus::make_error_code(firebus::errc::invalid_argument);
      return 0;
    }
    std::vector<std::uint8_t> bytes;
    byte_writer w(bytes, max_adu_size);
    encode_adu(a, w, ec);
    if (ec) return 0;
    {
      std::lock_guard<std::mutex> lock(st->reg_mutex);
      if (st->open_ids.find(c) == st->open_ids.end()) {
        ec = make_error_code(errc::not_connected);
        return 0;
      }
    }
    const std::uint64_t sid = st->next_request.fetch_add(1);
    asio::post(st->strand, [s = st, c, b = std::move(bytes), is_control, sid]() mutable {
      const exec_lock g = s->enter();
      s->submit(c, std::move(b), is_control, sid);
    });
    ec.clear();
    return sid;
  }

  std::shared_ptr<state> st;
};

server::server(asio::io_context& io, server_config cfg)
    : impl_(std::make_unique<impl>(io, std::move(cfg))) {}

server::~server() {
  // From here on no handler starts. A strand handler running on another thread (a handler call
  // included) holds `exec`: wait for it, then stop inline, so that no handler of the caller's
  // runs once the destructor has returned. Operations still queued keep the state alive.
  auto& s = *impl_->st;
  s.alive.store(false, std::memory_order_release);
  const io_detail::exec_lock g = io_detail::wait_for_callbacks(s.exec, "gb26875::server");
  s.stop_all();
}

void server::on_connect(connect_handler h) { impl_->st->h_connect = std::move(h); }
void server::on_message(message_handler h) { impl_->st->h_message = std::move(h); }
void server::on_heartbeat(heartbeat_handler h) { impl_->st->h_heartbeat = std::move(h); }
void server::on_answer(answer_handler h) { impl_->st->h_answer = std::move(h); }
void server::on_request_failed(request_failed_handler h) { impl_->st->h_failed = std::move(h); }
void server::on_close(close_handler h) { impl_->st->h_close = std::move(h); }
void server::on_error(error_handler h) { impl_->st->h_error = std::move(h); }

void server::start(std::error_code& ec) {
  auto& s = *impl_->st;
  s.cfg.validate(ec);
  if (ec) return;
  if (s.started.exchange(true)) {
    ec = firebus::make_error_code(firebus::errc::invalid_argument);
    return;
  }
  const asio::ip::address addr = asio::ip::make_address(s.cfg.listen_address, ec);
  if (ec) {
    s.started = false;
    return;
  }
  const tcp::endpoint ep(addr, s.cfg.port);
  auto fail = [&] {
    std::error_code ignored;
    s.acceptor.close(ignored);
    s.started = false;
  };
  s.acceptor.open(ep.protocol(), ec);
  if (ec) return fail();
  s.acceptor.set_option(tcp::acceptor::reuse_address(true), ec);
  if (ec) return fail();
  s.acceptor.bind(ep, ec);
  if (ec) return fail();
  s.acceptor.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) return fail();
  s.port = s.acceptor.local_endpoint(ec).port();
  if (ec) return fail();
  asio::post(s.strand, [st = impl_->st] {
    const exec_lock g = st->enter();
    st->do_accept();
  });
}

void server::stop() {
  asio::post(impl_->st->strand, [st = impl_->st] {
    const exec_lock g = st->enter();
    st->stop_all();
  });
}

std::uint16_t server::local_port() const noexcept { return impl_->st->port.load(); }

std::uint64_t server::request(connection_id c, const adu& read, std::error_code& ec) {
  return impl_->send(c, read, false, ec);
}
std::uint64_t server::control(connection_id c, const adu& cmd, std::error_code& ec) {
  return impl_->send(c, cmd, true, ec);
}

void server::accept(connection_id c, std::uint64_t token) {
  asio::post(impl_->st->strand, [st = impl_->st, c, token] {
    const exec_lock g = st->enter();
    st->settle(c, token, true);
  });
}
void server::reject(connection_id c, std::uint64_t token) {
  asio::post(impl_->st->strand, [st = impl_->st, c, token] {
    const exec_lock g = st->enter();
    st->settle(c, token, false);
  });
}
void server::close(connection_id c) {
  asio::post(impl_->st->strand, [st = impl_->st, c] {
    const exec_lock g = st->enter();
    if (auto p = st->find(c)) st->shut(p, server_close_reason::closed);
  });
}

connection_id server::find_by_address(std::uint64_t address) const {
  std::lock_guard<std::mutex> lock(impl_->st->reg_mutex);
  auto it = impl_->st->by_address.find(address);
  return it == impl_->st->by_address.end() ? 0 : it->second;
}

std::vector<connection_id> server::connections() const {
  std::lock_guard<std::mutex> lock(impl_->st->reg_mutex);
  std::vector<connection_id> ids;
  ids.reserve(impl_->st->open_ids.size());
  for (const auto& kv : impl_->st->open_ids) ids.push_back(kv.first);
  std::sort(ids.begin(), ids.end());
  return ids;
}

server_counters server::counters() const {
  std::lock_guard<std::mutex> lock(impl_->st->reg_mutex);
  return impl_->st->stats;
}

#if FIREBUS_HAS_EXCEPTIONS
void server::start() {
  std::error_code ec;
  start(ec);
  if (ec) firebus::detail::throw_error(ec, "gb26875 server: start");
}
std::uint64_t server::request(connection_id c, const adu& read) {
  std::error_code ec;
  const std::uint64_t id = request(c, read, ec);
  if (ec) firebus::detail::throw_error(ec, "gb26875 server: request");
  return id;
}
std::uint64_t server::control(connection_id c, const adu& cmd) {
  std::error_code ec;
  const std::uint64_t id = control(c, cmd, ec);
  if (ec) firebus::detail::throw_error(ec, "gb26875 server: control");
  return id;
}
#endif

}  // namespace gb26875
}  // namespace v1
}  // namespace firebus
