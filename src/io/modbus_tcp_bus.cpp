// firebus — fire-safety IoT SDK.
// modbus::tcp_bus: the Asio transport around modbus::scheduler and the devices' profile codecs.
//
// Threading model: every handler runs on the io_context's thread and takes `mu` for the state it
// touches; counters() takes it from any thread. User callbacks are never called with `mu` held:
// a handler collects them in `calls` and runs them after unlocking. `generation` is bumped
// whenever a connection ends, so that handlers of an old connection do nothing.
//
// Per transaction the bus makes one send and one receive, and no timer call: the request is
// written at once when the socket takes it (an Asio write only when it does not), replies are
// parsed where they were received, and the buffers, the list of callbacks to run and the readings
// handed to on_readings are reused.
#include <algorithm>
#include <array>
#include <atomic>
#include <cstdint>
#include <cstring>
#include <exception>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include <asio.hpp>

#include <firebus/core/error.hpp>
#include <firebus/io/modbus_tcp_bus.hpp>
#include <firebus/modbus/pdu.hpp>
#include <firebus/modbus/tcp.hpp>

#include "modbus_bus_common.hpp"

namespace firebus {
inline namespace v1 {
namespace modbus {

namespace {
using steady = std::chrono::steady_clock;
using tcp = asio::ip::tcp;

// Bytes kept while a frame is incomplete: a few frames at most (a peer cannot grow it beyond).
constexpr std::size_t max_pending_bytes = 4 * max_tcp_frame_size;
}  // namespace

std::error_code validate(const tcp_bus_config& c) noexcept {
  if (c.host.empty() || c.port == 0 || c.connect_timeout <= duration::zero() ||
      c.reconnect_min <= duration::zero() || c.reconnect_max < c.reconnect_min) {
    return firebus::make_error_code(firebus::errc::invalid_argument);
  }
  return {};
}

struct tcp_bus::impl : std::enable_shared_from_this<impl> {
  using device_state = detail::bus_device;
  using lock = std::unique_lock<std::mutex>;
  using call_list = detail::call_list;

  impl(asio::io_context& io_ctx, const tcp_bus_config& c, std::error_code& ec)
      : io(io_ctx),
        cfg(c),
        sched(c.cost),
        resolver(io_ctx),
        socket(io_ctx),
        poll_timer(io_ctx),
        connect_timer(io_ctx),
        reconnect_timer(io_ctx),
        epoch(c.epoch ? *c.epoch : steady::now()),
        rbuf(4096) {
    ec = validate(c);
    valid = !ec;
    backoff = cfg.reconnect_min;
  }

  mono_time now() const {
    return mono_time(std::chrono::duration_cast<duration>(steady::now() - epoch));
  }
  steady::time_point to_steady(mono_time t) const {
    return epoch + std::chrono::duration_cast<steady::duration>(t.time_since_epoch());
  }

  // Runs the callbacks collected by a handler, after its lock is released.
  void run(call_list& calls) {
    for (auto& f : calls) {
      if (detached) return;
      try {
        f();
      } catch (...) {
        const lock g(mu);
        ++conn.callback_errors;
      }
    }
    calls.clear();
    // Kept for take_calls(), on the io_context's thread only (a detached bus may be stopped
    // from the destructor's).
    if (!detached && calls.capacity() > spare_calls.capacity()) spare_calls.swap(calls);
  }
  // An empty call list, with the capacity of one used before (handlers run on the io_context's
  // thread: a handler that runs inside another's callbacks just gets one without).
  call_list take_calls() {
    call_list c;
    c.swap(spare_calls);
    return c;
  }

  // --- devices -------------------------------------------------------------------------------
  std::uint32_t add_device(std::uint8_t unit, std::shared_ptr<const profile::codec> codec,
                           const device_policy& policy) {
    const lock g(mu);
    if (running || !codec || validate(policy)) return UINT32_MAX;
    device_state d;
    d.unit = unit;
    d.codec = std::move(codec);
    std::array<std::vector<read_item>, 3> items = detail::make_items(d);
    const std::uint32_t id =
        sched.add_device(unit, std::move(items), d.codec->profile().modbus.limits, policy, now());
    devices.push_back(std::move(d));
    return id;
  }

  // --- connection ----------------------------------------------------------------------------
  void start() {
    const lock g(mu);
    if (!valid || running) return;
    running = true;
    started = now();
    begin_connect();
  }

  void stop() {
    call_list calls;
    {
      const lock g(mu);
      if (!running) return;
      running = false;
      close(calls, make_error_code(errc::cancelled));
      reconnect_timer.cancel();
    }
    run(calls);
  }

  void begin_connect() {
    const std::uint64_t gen = ++generation;
    connect_timer.expires_after(std::chrono::duration_cast<steady::duration>(cfg.connect_timeout));
    connect_timer.async_wait([self = shared_from_this(), gen](std::error_code ec) {
      const lock g(self->mu);
      if (ec || gen != self->generation || self->connected) return;
      std::error_code ignored;
      self->resolver.cancel();
      self->socket.close(ignored);  // the pending connect ends with operation_aborted
    });
    resolver.async_resolve(
        cfg.host, std::to_string(cfg.port),
        [self = shared_from_this(), gen](std::error_code ec, tcp::resolver::results_type r) {
          call_list calls;
          {
            const lock g(self->mu);
            if (gen != self->generation || !self->running) return;
            if (ec) {
              self->connect_failed();
              return;
            }
            asio::async_connect(self->socket, r,
                                [self, gen](std::error_code e, const tcp::endpoint&) {
                                  call_list calls2;
                                  {
                                    const lock g2(self->mu);
                                    if (gen != self->generation || !self->running) return;
                                    if (e) {
                                      self->connect_failed();
                                      return;
                                    }
                                    self->on_connect(calls2);
                                  }
                                  self->run(calls2);
                                });
          }
        });
  }

  void connect_failed() {
    ++conn.connect_failures;
    std::error_code ignored;
    socket.close(ignored);
    schedule_reconnect();
  }

  void schedule_reconnect() {
    if (!running) return;
    const std::uint64_t gen = ++generation;
    reconnect_timer.expires_after(std::chrono::duration_cast<steady::duration>(backoff));
    backoff = std::min(backoff * 2, cfg.reconnect_max);
    reconnect_timer.async_wait([self = shared_from_this(), gen](std::error_code ec) {
      const lock g(self->mu);
      if (ec || gen != self->generation || !self->running) return;
      self->begin_connect();
    });
  }

  void on_connect(call_list& calls) {
    connect_timer.cancel();
    connected = true;
    ++conn.connects;
    backoff = cfg.reconnect_min;
    std::error_code ignored;
    socket.set_option(tcp::no_delay(true), ignored);
    socket.non_blocking(true, ignored);  // send() below returns would_block, never waits
    pending.clear();
    garbage_run = 0;
    if (cb.connection) calls.emplace_back([f = cb.connection] { f(true, {}); });
    start_read(generation);
    pump(calls);
  }

  // Ends the connection: the request in flight fails, every point is reported not updated.
  void close(call_list& calls, std::error_code why) {
    ++generation;
    resolver.cancel();
    connect_timer.cancel();
    poll_timer.cancel();
    timer_armed = false;
    std::error_code ignored;
    socket.close(ignored);
    const bool was = connected;
    connected = false;
    writing = false;
    if (current) finish(calls, make_error_code(errc::disconnected), nullptr);
    if (!was) return;
    ++conn.disconnects;
    detail::fail_all(devices, now(), make_error_code(errc::disconnected), cb, calls);
    if (cb.connection) calls.emplace_back([f = cb.connection, why] { f(false, why); });
  }

  void lost(std::error_code ec) {
    call_list calls;
    {
      const lock g(mu);
      if (!connected) return;
      close(calls, ec);
      schedule_reconnect();
    }
    run(calls);
  }

  // --- the request cycle ---------------------------------------------------------------------
  // Sends the next request, or arms the timer for when one falls due.
  // A request whose bytes are still being written (the socket did not take them at once) holds
  // the next one back even when it has ended (a timeout): frames are never interleaved.
  void pump(call_list& calls) {
    if (!running || !connected || current || writing) return;
    const mono_time t = now();
    std::optional<job> j = sched.next(t);
    if (!j) {
      const std::optional<mono_time> due = sched.next_deadline();
      if (!due) return;
      arm(*due);
      return;
    }
    current = std::move(*j);
    transaction = static_cast<std::uint16_t>(transaction + 1);
    std::error_code ec;
    const std::size_t n = encode_request(current->read.req, pdu, ec);
    std::size_t len = 0;
    if (!ec) len = encode_tcp(transaction, current->unit, byte_view(pdu.data(), n), wbuf, ec);
    if (ec) {  // not reached for planned reads; a write the codec made invalid
      finish(calls, ec, nullptr);
      return;
    }
    arm(current->deadline);
    // The socket nearly always takes a request whole at once: send it here, and leave to an
    // Asio write only what it does not take.
    const std::uint64_t gen = generation;
    std::error_code se;
    const std::size_t sent = socket.send(asio::buffer(wbuf.data(), len), 0, se);
    if (se && se != asio::error::would_block && se != asio::error::try_again) {
      asio::post(io, [self = shared_from_this(), gen, se] {
        {
          const lock g(self->mu);
          if (gen != self->generation) return;
        }
        self->lost(se);
      });
      return;
    }
    if (!se && sent == len) return;
    writing = true;
    const std::size_t from = se ? 0 : sent;
    asio::async_write(socket, asio::buffer(wbuf.data() + from, len - from),
                      [self = shared_from_this(), gen](std::error_code e, std::size_t) {
                        call_list next;
                        {
                          const lock g(self->mu);
                          if (gen != self->generation) return;
                          self->writing = false;
                          if (!e) self->pump(next);  // the request may have ended meanwhile
                        }
                        if (e) {
                          self->lost(e);
                          return;
                        }
                        self->run(next);
                      });
  }

  // The timer wakes the bus at `at` at the latest: for the deadline of the request in flight,
  // or when the scheduler has something due. It is re-armed only when `at` is earlier than the
  // wake-up already pending (a request's deadline is later than the last one's, so most
  // requests leave it alone); a wake-up that comes early looks at the state and sleeps again.
  // That keeps the timer's system calls off the path of every request.
  void arm(mono_time at) {
    const steady::time_point when = to_steady(at);
    if (timer_armed && timer_at <= when) return;
    timer_armed = true;
    timer_at = when;
    poll_timer.expires_at(when);
    const std::uint64_t gen = generation;
    poll_timer.async_wait([self = shared_from_this(), gen, when](std::error_code ec) {
      if (ec) return;  // re-armed earlier, or closed
      call_list calls;
      {
        const lock g(self->mu);
        if (gen != self->generation || self->timer_at != when) return;
        self->timer_armed = false;
        if (self->current) {
          if (self->now() >= self->current->deadline) {
            // What is buffered is no reply to anything in flight: a part of it would only
            // misframe what comes next.
            self->pending.clear();
            self->finish(calls, make_error_code(errc::timeout), nullptr);
            if (self->writing) {  // not even sent by its deadline: the peer reads nothing
              self->close(calls, make_error_code(errc::timeout));
              self->schedule_reconnect();
            }
          } else {
            self->arm(self->current->deadline);
          }
        } else {
          self->pump(calls);
        }
      }
      self->run(calls);
    });
  }

  void start_read(std::uint64_t gen) {
    socket.async_read_some(asio::buffer(rbuf),
                           [self = shared_from_this(), gen](std::error_code ec, std::size_t n) {
                             call_list calls;
                             bool framing = false;
                             {
                               const lock g(self->mu);
                               if (gen != self->generation) return;
                               if (!ec) {
                                 calls = self->take_calls();
                                 framing = !self->on_bytes(calls, n);
                                 if (!framing) self->start_read(gen);
                               }
                             }
                             if (ec) {
                               self->lost(ec);
                               return;
                             }
                             self->run(calls);
                             if (framing) self->lost(make_error_code(errc::bad_length));
                           });
  }

  // Parses what arrived; false when the stream is not Modbus TCP (the connection must close).
  // The bytes are parsed where they are: in rbuf when nothing was left over from earlier reads
  // (the usual case: one whole reply), else in `pending` after them. What is left of an
  // incomplete frame is kept in `pending`.
  bool on_bytes(call_list& calls, std::size_t n) {
    const bool in_place = pending.empty();
    if (!in_place) {
      pending.insert(pending.end(), rbuf.begin(), rbuf.begin() + static_cast<std::ptrdiff_t>(n));
    }
    const std::uint8_t* const base = in_place ? rbuf.data() : pending.data();
    const std::size_t size = in_place ? n : pending.size();
    std::size_t pos = 0;
    while (pos < size) {
      std::error_code ec;
      const byte_view rest(base + pos, size - pos);
      const std::size_t len = tcp_frame_length(rest, ec);
      if (ec) {
        // Not a Modbus TCP header here (garbage a gateway let through): skip a byte and look
        // again. A reply is taken only with the request's transaction id, unit and function,
        // so resynchronising cannot attribute garbage to a request. A stream that stays
        // garbage for longer than a few frames is not Modbus: close it.
        ++conn.skipped_bytes;
        ++pos;
        if (++garbage_run > max_pending_bytes) {
          ++conn.framing_errors;
          return false;
        }
        continue;
      }
      if (len == 0 || rest.size() < len) break;
      garbage_run = 0;
      const byte_view frame(base + pos, len);
      const tcp_frame f = decode_tcp(frame, ec);
      if (!current || ec || f.transaction != transaction) {
        ++conn.stale_replies;  // a reply to a request already given up on
      } else {
        std::error_code rec;
        const response resp =
            parse_tcp_reply(current->read.req, transaction, current->unit, frame, rec);
        finish(calls, rec, rec ? nullptr : &resp);
      }
      pos += len;
    }
    if (in_place) {
      pending.assign(base + pos, base + size);
    } else {
      pending.erase(pending.begin(), pending.begin() + static_cast<std::ptrdiff_t>(pos));
    }
    if (pending.size() > max_pending_bytes) {
      ++conn.framing_errors;
      return false;
    }
    return true;
  }

  // The request in flight ended with `ec` (and `resp` when it is a valid reply).
  void finish(call_list& calls, std::error_code ec, const response* resp) {
    const job done = std::move(*current);
    current.reset();
    const mono_time t = now();
    for (outcome& o : sched.complete(t, ec))
      handle(calls, o, t, o.j.id == done.id ? resp : nullptr);
    pump(calls);
  }

  void handle(call_list& calls, const outcome& o, mono_time t, const response* resp) {
    detail::handle_outcome(devices[o.j.device], o, t, resp, cb, writes, calls, &pool);
  }

  // --- writes --------------------------------------------------------------------------------
  std::uint64_t write(std::uint32_t dev, std::size_t point, double value,
                      std::optional<std::uint32_t> password, std::error_code& ec) {
    std::shared_ptr<const profile::codec> codec;
    {
      const lock g(mu);
      if (dev >= devices.size()) {
        ec = firebus::make_error_code(firebus::errc::invalid_argument);
        return 0;
      }
      codec = devices[dev].codec;
    }
    // Check the value now (range, type, password) against an empty image; decimals read from
    // the device are applied on the io thread.
    std::vector<request> probe;
    const profile::register_image empty;
    if (!codec->encode_write(point, value, password, empty, probe, ec) &&
        ec != profile::errc::data_missing) {
      return 0;
    }
    ec.clear();
    const std::uint64_t id = ++last_write;
    asio::post(io, [self = shared_from_this(), dev, point, value, password, id] {
      call_list calls;
      {
        const lock g(self->mu);
        std::vector<request> steps;
        std::error_code e;
        device_state& d = self->devices[dev];
        if (!self->running) {
          e = make_error_code(errc::cancelled);
        } else if (d.codec->encode_write(point, value, password, d.image, steps, e)) {
          const std::uint64_t sid = self->sched.submit_write(dev, steps);
          self->writes.emplace(sid, detail::write_state{id, steps.size()});
          self->pump(calls);
        }
        if (e && self->cb.write) calls.emplace_back([f = self->cb.write, id, e] { f(id, e); });
      }
      self->run(calls);
    });
    return id;
  }

  asio::io_context& io;
  tcp_bus_config cfg;
  bool valid = false;
  scheduler sched;
  tcp::resolver resolver;
  tcp::socket socket;
  asio::steady_timer poll_timer;
  bool timer_armed = false;     // a wait on poll_timer is pending ...
  steady::time_point timer_at;  // ... until this
  asio::steady_timer connect_timer;
  asio::steady_timer reconnect_timer;
  steady::time_point epoch;

  mutable std::mutex mu;
  bool running = false;
  bool connected = false;
  bool writing = false;
  std::atomic<bool> detached{false};
  std::uint64_t generation = 0;
  duration backoff{0};
  mono_time started{};
  std::vector<device_state> devices;
  std::optional<job> current;
  std::uint16_t transaction = 0;
  std::array<std::uint8_t, max_pdu_size> pdu;         // the request being sent: its PDU ...
  std::array<std::uint8_t, max_tcp_frame_size> wbuf;  // ... and its frame
  std::vector<std::uint8_t> rbuf;
  std::vector<std::uint8_t> pending;
  call_list spare_calls;        // see take_calls()
  detail::readings_pool pool;   // the readings handed to on_readings, reused
  std::size_t garbage_run = 0;  // bytes skipped since the last frame
  std::unordered_map<std::uint64_t, detail::write_state> writes;  // scheduler write id → state
  std::atomic<std::uint64_t> last_write{0};
  tcp_bus_counters conn;

  detail::bus_callbacks cb;
};

tcp_bus::tcp_bus(asio::io_context& io, const tcp_bus_config& config, std::error_code& ec)
    : impl_(std::make_shared<impl>(io, config, ec)) {}

#if FIREBUS_HAS_EXCEPTIONS
tcp_bus::tcp_bus(asio::io_context& io, const tcp_bus_config& config) {
  std::error_code ec;
  impl_ = std::make_shared<impl>(io, config, ec);
  if (ec) firebus::detail::throw_error(ec, "modbus::tcp_bus: invalid configuration");
}
#endif

tcp_bus::~tcp_bus() {
  if (!impl_) return;
  impl_->detached = true;
  impl_->stop();
}

std::uint32_t tcp_bus::add_device(std::uint8_t unit, std::shared_ptr<const profile::codec> codec,
                                  device_policy policy) {
  return impl_->add_device(unit, std::move(codec), policy);
}

void tcp_bus::on_readings(readings_handler h) { impl_->cb.readings = std::move(h); }
void tcp_bus::on_failure(failure_handler h) { impl_->cb.failure = std::move(h); }
void tcp_bus::on_write(write_handler h) { impl_->cb.write = std::move(h); }
void tcp_bus::on_connection(connection_handler h) { impl_->cb.connection = std::move(h); }

std::uint64_t tcp_bus::write(std::uint32_t device, std::size_t point, double value,
                             std::optional<std::uint32_t> password, std::error_code& ec) {
  return impl_->write(device, point, value, password, ec);
}

void tcp_bus::start() {
  asio::dispatch(impl_->io, [self = impl_] { self->start(); });
}

void tcp_bus::stop() {
  asio::dispatch(impl_->io, [self = impl_] { self->stop(); });
}

bus_counters tcp_bus::counters() const {
  const impl::lock g(impl_->mu);
  return impl_->sched.counters();
}

bus_counters tcp_bus::device_counters(std::uint32_t device) const {
  const impl::lock g(impl_->mu);
  if (device >= impl_->sched.device_count()) return {};
  return impl_->sched.counters(device);
}

tcp_bus_counters tcp_bus::connection_counters() const {
  const impl::lock g(impl_->mu);
  return impl_->conn;
}

bool tcp_bus::connected() const noexcept {
  const impl::lock g(impl_->mu);
  return impl_->connected;
}

double tcp_bus::utilisation() const {
  const impl::lock g(impl_->mu);
  if (!impl_->running) return 0;
  return impl_->sched.utilisation(impl_->now() - impl_->started);
}

}  // namespace modbus
}  // namespace v1
}  // namespace firebus
