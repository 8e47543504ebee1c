// firebus — fire-safety IoT SDK.
// modbus::rtu_bus: a serial line driven by libmodbus on the bus's own thread, with the same
// scheduler and device handling as modbus::tcp_bus.
//
// Threading model: the line thread owns the libmodbus context and is the only one to call the
// scheduler's next() and complete(); `mu` guards the scheduler, the devices and the counters
// against the public methods called from other threads. Callbacks are posted to the user's
// io_context, never called with `mu` held. A posted handler holds `exec` while it runs the
// callbacks, checking `detached` before each; the destructor sets `detached` and then takes `exec`,
// so that one running on another thread is waited for: none is running once the destructor
// returns, and none starts afterwards.
#include <poll.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <unordered_map>
#include <utility>
#include <vector>

#include <asio.hpp>
#include <modbus/modbus-rtu.h>
#include <modbus/modbus.h>

#include <firebus/core/error.hpp>
#include <firebus/io/modbus_rtu_bus.hpp>
#include <firebus/modbus/pdu.hpp>
#include <firebus/modbus/rtu.hpp>

#include "exec_gate.hpp"
#include "modbus_bus_common.hpp"

namespace firebus {
inline namespace v1 {
namespace modbus {

namespace {
using steady = std::chrono::steady_clock;

std::error_code errno_code(int e) {
  return std::error_code(e != 0 ? e : EIO, std::generic_category());
}
}  // namespace

namespace {
bool standard_baud(std::uint32_t b) noexcept {
  static constexpr std::uint32_t rates[] = {300,    600,    1200,   2400,   4800,   9600,
                                            19200,  38400,  57600,  115200, 230400, 460800,
                                            500000, 576000, 921600, 1000000};
  for (const std::uint32_t r : rates) {
    if (r == b) return true;
  }
  return false;
}
}  // namespace

std::error_code validate(const rtu_bus_config& c) noexcept {
  if (c.device.empty() || !standard_baud(c.baud) ||
      (c.parity != 'N' && c.parity != 'E' && c.parity != 'O') ||
      (c.data_bits != 7 && c.data_bits != 8) || (c.stop_bits != 1 && c.stop_bits != 2) ||
      c.rts_delay < duration::zero() || c.byte_timeout < duration::zero() ||
      c.reopen_min <= duration::zero() || c.reopen_max < c.reopen_min ||
      c.turnaround < duration::zero() || c.late_guard < duration::zero()) {
    return firebus::make_error_code(firebus::errc::invalid_argument);
  }
  return {};
}

struct rtu_bus::impl : std::enable_shared_from_this<impl> {
  using lock = std::unique_lock<std::mutex>;

  impl(asio::io_context& io_ctx, const rtu_bus_config& c, std::error_code& ec)
      : io(io_ctx),
        cfg(c),
        sched(cost_model::rtu(c.line())),
        epoch(c.epoch ? *c.epoch : steady::now()) {
    ec = validate(c);
    valid = !ec;
  }
  ~impl() { close_port(); }

  mono_time now() const {
    return mono_time(std::chrono::duration_cast<duration>(steady::now() - epoch));
  }

  // Posts the collected callbacks to the io_context.
  void post(detail::call_list& calls) {
    if (calls.empty()) return;
    asio::post(io, [self = shared_from_this(), c = std::move(calls)]() {
      const exec_lock entered = self->enter();
      for (const auto& f : c) {
        if (self->detached) return;
        try {
          f();
        } catch (...) {
          const lock g(self->mu);
          ++self->line.callback_errors;
        }
      }
    });
    calls.clear();
  }

  std::uint32_t add_device(std::uint8_t unit, std::shared_ptr<const profile::codec> codec,
                           const device_policy& policy) {
    const lock g(mu);
    if (running || !codec || unit < 1 || unit > 247 || validate(policy)) return UINT32_MAX;
    detail::bus_device d;
    d.unit = unit;
    d.codec = std::move(codec);
    std::array<std::vector<read_item>, 3> items = detail::make_items(d);
    const std::uint32_t id =
        sched.add_device(unit, std::move(items), d.codec->profile().modbus.limits, policy, now());
    devices.push_back(std::move(d));
    return id;
  }

  // --- the port --------------------------------------------------------------------------------
  bool open_port(std::error_code& ec) {
    ctx = modbus_new_rtu(cfg.device.c_str(), static_cast<int>(cfg.baud), cfg.parity, cfg.data_bits,
                         cfg.stop_bits);
    if (ctx == nullptr) {
      ec = errno_code(errno);
      return false;
    }
    if (modbus_connect(ctx) != 0) {
      ec = errno_code(errno);
      close_port();
      return false;
    }
    if (cfg.rs485 && modbus_rtu_set_serial_mode(ctx, MODBUS_RTU_RS485) != 0) {
      ec = errno_code(errno);
      close_port();
      return false;
    }
    if (cfg.rts != rts_mode::none) {
      const int mode = cfg.rts == rts_mode::up ? MODBUS_RTU_RTS_UP : MODBUS_RTU_RTS_DOWN;
      if (modbus_rtu_set_rts(ctx, mode) != 0 ||
          (cfg.rts_delay.count() > 0 &&
           modbus_rtu_set_rts_delay(ctx, static_cast<int>(cfg.rts_delay.count())) != 0)) {
        ec = errno_code(errno);
        close_port();
        return false;
      }
    }
    duration byte_to = cfg.byte_timeout;
    if (byte_to.count() == 0) {
      byte_to = std::max<duration>(std::chrono::milliseconds(20), cfg.line().char_time() * 4);
    }
    modbus_set_byte_timeout(ctx, static_cast<std::uint32_t>(byte_to.count() / 1'000'000),
                            static_cast<std::uint32_t>(byte_to.count() % 1'000'000));
    return true;
  }

  void close_port() {
    if (ctx == nullptr) return;
    modbus_close(ctx);
    modbus_free(ctx);
    ctx = nullptr;
  }

  // --- the line thread ---------------------------------------------------------------------------
  void start() {
    const lock g(mu);
    if (!valid || running) return;
    running = true;
    started = now();
    work.emplace(asio::make_work_guard(io));  // io.run() keeps running while the line does
    thread = std::thread([self = shared_from_this()] { self->line_loop(); });
  }

  void stop() {
    std::thread t;
    {
      const lock g(mu);
      if (!running) return;
      running = false;
      wake.notify_all();
      t = std::move(thread);
    }
    // The line thread never calls stop() (callbacks run on the io_context), so this joins.
    if (t.joinable()) t.join();
    const lock g(mu);
    work.reset();
  }

  void line_loop() {
    duration backoff = cfg.reopen_min;
    while (true) {
      {
        const lock g(mu);
        if (!running) break;
      }
      std::error_code ec;
      detail::call_list calls;
      if (!open_port(ec)) {
        {
          const lock g(mu);
          ++line.open_failures;
          if (cb.connection) calls.emplace_back([f = cb.connection, ec] { f(false, ec); });
        }
        post(calls);
        lock g(mu);
        wake.wait_for(g, backoff, [this] { return !running; });
        backoff = std::min(backoff * 2, cfg.reopen_max);
        continue;
      }
      backoff = cfg.reopen_min;
      {
        const lock g(mu);
        ++line.opens;
        is_open = true;
        if (cb.connection) calls.emplace_back([f = cb.connection] { f(true, {}); });
      }
      post(calls);
      poll_loop();
      {
        const lock g(mu);
        is_open = false;
        // Stopped (not a line error, which reported itself): the line goes down as on TCP.
        if (!running && cb.connection) {
          calls.emplace_back([f = cb.connection] { f(false, make_error_code(errc::cancelled)); });
        }
      }
      post(calls);
      close_port();
    }
    close_port();
  }

  // Polls until stop() or a line error.
  void poll_loop() {
    std::array<std::uint8_t, MODBUS_RTU_MAX_ADU_LENGTH> rsp{};
    std::array<std::uint8_t, 1 + max_pdu_size> raw{};
    while (true) {
      detail::call_list calls;
      std::optional<job> j;
      {
        lock g(mu);
        if (!running) return;
        j = sched.next(now());
        if (!j) {
          const std::optional<mono_time> due = sched.next_deadline();
          const auto wait =
              due ? std::chrono::duration_cast<steady::duration>(*due - now())
                  : std::chrono::duration_cast<steady::duration>(std::chrono::seconds(1));
          if (wait.count() > 0) wake.wait_for(g, wait);
          continue;
        }
      }
      // One transaction, without the lock: libmodbus blocks for up to the timeout.
      std::error_code ec;
      const std::size_t pdu_size =
          encode_request(j->read.req, mutable_byte_view(raw.data() + 1, raw.size() - 1), ec);
      response resp;
      bool line_error = false;
      int n = 0;
      if (!ec) {
        raw[0] = j->unit;
        modbus_set_slave(ctx, j->unit);
        const auto timeout = j->deadline - j->sent;
        modbus_set_response_timeout(ctx, static_cast<std::uint32_t>(timeout.count() / 1'000'000),
                                    static_cast<std::uint32_t>(timeout.count() % 1'000'000));
        modbus_flush(ctx);  // a late reply to an earlier request must not be read as this one's
        if (modbus_send_raw_request(ctx, raw.data(), static_cast<int>(pdu_size + 1)) < 0) {
          ec = make_error_code(errc::disconnected);
          line_error = errno == EBADF || errno == EIO || errno == ENXIO;
        } else {
          n = modbus_receive_confirmation(ctx, rsp.data());
          if (n < 0) {
            const int e = errno;
            if (e == ETIMEDOUT) {
              ec = make_error_code(errc::timeout);
            } else if (e == EMBBADCRC) {
              ec = make_error_code(errc::crc_mismatch);
            } else if (e == EMBBADSLAVE) {
              ec = make_error_code(errc::unit_mismatch);
            } else if (e >= EMBXILFUN && e <= EMBXGTAR) {
              ec = std::error_code(e - MODBUS_ENOBASE, category());  // an exception reply
            } else if (e == EBADF || e == EIO || e == ENXIO) {
              ec = make_error_code(errc::disconnected);
              line_error = true;
            } else {
              ec = make_error_code(errc::byte_count_mismatch);
            }
          } else {
            // libmodbus checked the CRC and the unit; firebus checks the rest against the
            // request (function, byte count, echo), exceptions included.
            resp = parse_rtu_reply(j->read.req, j->unit,
                                   byte_view(rsp.data(), static_cast<std::size_t>(n)), ec);
          }
        }
      }
      // No valid reply: let a late one arrive now and drop it, before the next request.
      std::uint64_t stale = 0;
      if (ec && !is_exception(ec) && !line_error) stale = drain(cfg.late_guard);
      {
        const lock g(mu);
        line.stale_bytes += stale;
        if (ec == errc::crc_mismatch) ++line.crc_errors;
        if (ec == errc::unit_mismatch || ec == errc::function_mismatch ||
            ec == errc::byte_count_mismatch || ec == errc::echo_mismatch) {
          ++line.bad_replies;
        }
        const mono_time t = now();
        for (const outcome& o : sched.complete(t, ec)) {
          detail::handle_outcome(devices[o.j.device], o, t,
                                 (o.j.id == j->id && !ec) ? &resp : nullptr, cb, writes, calls);
        }
        if (line_error) {
          detail::fail_all(devices, t, make_error_code(errc::disconnected), cb, calls);
          if (cb.connection) calls.emplace_back([f = cb.connection, ec] { f(false, ec); });
        }
      }
      post(calls);
      if (line_error) return;
    }
  }

  // Reads and discards what the line brings for `guard`, and while bytes keep coming, until it
  // has been silent for 2 × t3.5 (at most 2 × guard in all). Returns the bytes discarded.
  std::uint64_t drain(duration guard) {
    if (guard.count() <= 0 || ctx == nullptr) return 0;
    const int fd = modbus_get_socket(ctx);
    if (fd < 0) return 0;
    const auto start = steady::now();
    const auto end = start + std::chrono::duration_cast<steady::duration>(guard);
    const auto hard_end = start + std::chrono::duration_cast<steady::duration>(guard * 2);
    const auto quiet = std::chrono::duration_cast<steady::duration>(cfg.line().t35() * 2);
    auto last = start;
    std::uint64_t dropped = 0;
    std::array<std::uint8_t, 256> buf{};
    for (;;) {
      const auto t = steady::now();
      const auto until = std::max(end, dropped > 0 ? last + quiet : end);
      if (t >= until || t >= hard_end) break;
      const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(until - t).count() + 1;
      pollfd p{fd, POLLIN, 0};
      const int r = ::poll(&p, 1, static_cast<int>(ms));
      if (r <= 0 || (p.revents & POLLIN) == 0) {
        if (r < 0 && errno != EINTR) break;
        continue;
      }
      const ssize_t n = ::read(fd, buf.data(), buf.size());
      if (n <= 0) break;
      dropped += static_cast<std::uint64_t>(n);
      last = steady::now();
    }
    return dropped;
  }

  // --- writes ------------------------------------------------------------------------------------
  std::uint64_t write(std::uint32_t dev, std::size_t point, double value,
                      std::optional<std::uint32_t> password, std::error_code& ec) {
    detail::call_list calls;
    std::uint64_t id = 0;
    {
      const lock g(mu);
      if (dev >= devices.size()) {
        ec = firebus::make_error_code(firebus::errc::invalid_argument);
        return 0;
      }
      detail::bus_device& d = devices[dev];
      std::vector<request> steps;
      if (!d.codec->encode_write(point, value, password, d.image, steps, ec)) return 0;
      id = ++last_write;
      const std::uint64_t sid = sched.submit_write(dev, steps);
      writes.emplace(sid, detail::write_state{id, steps.size()});
      wake.notify_all();
    }
    ec.clear();
    return id;
  }

  asio::io_context& io;
  rtu_bus_config cfg;
  bool valid = false;
  scheduler sched;
  steady::time_point epoch;
  modbus_t* ctx = nullptr;  // the line thread's

  mutable std::mutex mu;
  std::condition_variable wake;
  std::optional<asio::executor_work_guard<asio::io_context::executor_type>> work;
  std::thread thread;
  bool running = false;
  bool is_open = false;
  std::atomic<bool> detached{false};
  // Held by every posted handler while it runs the user's callbacks, and by the destructor once
  // `detached` is set: a callback running on another thread is waited for. Recursive: a callback
  // may destroy its bus (the io thread then holds it already). Never taken with `mu` held; the
  // line thread never takes it.
  using exec_lock = io_detail::exec_lock;
  io_detail::exec_mutex exec;
  exec_lock enter() { return exec_lock(exec); }
  mono_time started{};
  std::vector<detail::bus_device> devices;
  std::unordered_map<std::uint64_t, detail::write_state> writes;
  std::uint64_t last_write = 0;
  rtu_bus_counters line;
  detail::bus_callbacks cb;
};

rtu_bus::rtu_bus(asio::io_context& io, const rtu_bus_config& config, std::error_code& ec)
    : impl_(std::make_shared<impl>(io, config, ec)) {}

#if FIREBUS_HAS_EXCEPTIONS
rtu_bus::rtu_bus(asio::io_context& io, const rtu_bus_config& config) {
  std::error_code ec;
  impl_ = std::make_shared<impl>(io, config, ec);
  if (ec) firebus::detail::throw_error(ec, "modbus::rtu_bus: invalid configuration");
}
#endif

rtu_bus::~rtu_bus() {
  if (!impl_) return;
  // From here on no callback starts. One running on another thread (the io_context's) holds
  // `exec`: wait for it, so that none is running once the destructor returns. From inside a
  // callback, on the io thread, `exec` is already ours and is taken again at once. stop() first:
  // the line thread never takes `exec`, and a callback may call stop() or write() meanwhile.
  impl_->detached = true;
  impl_->stop();
  const io_detail::exec_lock g = io_detail::wait_for_callbacks(impl_->exec, "modbus::rtu_bus");
}

std::uint32_t rtu_bus::add_device(std::uint8_t unit, std::shared_ptr<const profile::codec> codec,
                                  device_policy policy) {
  return impl_->add_device(unit, std::move(codec), policy);
}

void rtu_bus::on_readings(bus_readings_handler h) { impl_->cb.readings = std::move(h); }
void rtu_bus::on_failure(bus_failure_handler h) { impl_->cb.failure = std::move(h); }
void rtu_bus::on_write(bus_write_handler h) { impl_->cb.write = std::move(h); }
void rtu_bus::on_connection(bus_connection_handler h) { impl_->cb.connection = std::move(h); }

std::uint64_t rtu_bus::write(std::uint32_t device, std::size_t point, double value,
                             std::optional<std::uint32_t> password, std::error_code& ec) {
  return impl_->write(device, point, value, password, ec);
}

void rtu_bus::start() { impl_->start(); }
void rtu_bus::stop() { impl_->stop(); }

bus_counters rtu_bus::counters() const {
  const impl::lock g(impl_->mu);
  return impl_->sched.counters();
}

bus_counters rtu_bus::device_counters(std::uint32_t device) const {
  const impl::lock g(impl_->mu);
  if (device >= impl_->sched.device_count()) return {};
  return impl_->sched.counters(device);
}

rtu_bus_counters rtu_bus::line_counters() const {
  const impl::lock g(impl_->mu);
  return impl_->line;
}

bool rtu_bus::open() const noexcept {
  const impl::lock g(impl_->mu);
  return impl_->is_open;
}

double rtu_bus::utilisation() const {
  const impl::lock g(impl_->mu);
  if (!impl_->running) return 0;
  return impl_->sched.utilisation(impl_->now() - impl_->started);
}

}  // namespace modbus
}  // namespace v1
}  // namespace firebus
