// firebus — fire-safety IoT SDK.
//
// firebus-sim: the buses. Each handles one request at a time, like a real line: a Modbus TCP
// listener with any number of connections (one thread serves every TCP bus, epoll over their
// sockets), or an RTU pseudo-terminal (a thread each). Requests are framed with firebus's codec
// (the MBAP length, or the RTU function's length and the CRC), checked with
// firebus::modbus::parse_request, and answered by libmodbus (modbus_reply with the device's
// mapping, modbus_reply_exception). When a TCP request is not timed (line_baud), is not subject to
// a fault that acts on the reply's bytes or time (delay, crc, garbage, late), fired no fault and
// is not a write, libmodbus writes the reply straight to the client's socket (the fast path);
// otherwise it writes it into a socketpair, so that the reply's bytes can be faulted and timed,
// and the events logged, before they go out.
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <termios.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <optional>
#include <random>
#include <string>
#include <system_error>
#include <thread>
#include <utility>
#include <vector>

#include <firebus/modbus/pdu.hpp>
#include <firebus/modbus/rtu.hpp>
#include <firebus/modbus/tcp.hpp>

#include "sim.hpp"

namespace firebus_sim {

namespace mb = firebus::modbus;

namespace {

constexpr std::size_t max_connections = 64;    // per TCP bus; more are refused
constexpr std::size_t rtu_buffer_size = 1024;  // unframed RTU bytes kept at most

clock::duration us(firebus::duration d) { return std::chrono::duration_cast<clock::duration>(d); }

std::string sys_error(const std::string& what) { return what + ": " + std::strerror(errno); }

// A request's table and address ranges (FC 23: the read range, then the write range).
struct span {
  mb::table tbl;
  std::uint32_t address;
  std::uint32_t n;
  bool read;
};

std::vector<span> spans_of(const mb::request& r) {
  std::vector<span> out;
  switch (r.fn) {
    case mb::function::read_coils:
      out.push_back({mb::table::coils, r.address, r.quantity, true});
      break;
    case mb::function::read_discrete_inputs:
      out.push_back({mb::table::discrete_inputs, r.address, r.quantity, true});
      break;
    case mb::function::read_holding_registers:
      out.push_back({mb::table::holding_registers, r.address, r.quantity, true});
      break;
    case mb::function::read_input_registers:
      out.push_back({mb::table::input_registers, r.address, r.quantity, true});
      break;
    case mb::function::write_single_coil:
    case mb::function::write_multiple_coils:
      out.push_back(
          {mb::table::coils, r.address, static_cast<std::uint32_t>(r.values.size()), false});
      break;
    case mb::function::write_single_register:
    case mb::function::write_multiple_registers:
      out.push_back({mb::table::holding_registers, r.address,
                     static_cast<std::uint32_t>(r.values.size()), false});
      break;
    case mb::function::read_write_registers:
      out.push_back({mb::table::holding_registers, r.address, r.quantity, true});
      out.push_back({mb::table::holding_registers, r.write_address,
                     static_cast<std::uint32_t>(r.values.size()), false});
      break;
  }
  return out;
}

bool touches(const exception_fault& x, const std::vector<span>& spans) {
  for (const span& s : spans) {
    if (x.tbl && *x.tbl != s.tbl) continue;
    if (s.address <= x.to && s.address + s.n > x.from) return true;
  }
  return false;
}

// Sends all of `data` on a (non-blocking) descriptor, waiting at most 1 s for room.
bool send_all(int fd, const std::uint8_t* data, std::size_t n, bool socket) {
  const clock::time_point give_up = clock::now() + std::chrono::seconds(1);
  while (n > 0) {
    const ssize_t w = socket ? ::send(fd, data, n, MSG_NOSIGNAL) : ::write(fd, data, n);
    if (w > 0) {
      data += w;
      n -= static_cast<std::size_t>(w);
      continue;
    }
    if (w < 0 && errno == EINTR) continue;
    if (w < 0 && (errno == EAGAIN || errno == EWOULDBLOCK) && clock::now() < give_up) {
      pollfd p{fd, POLLOUT, 0};
      ::poll(&p, 1, 50);
      continue;
    }
    return false;
  }
  return true;
}

void set_nonblocking(int fd) {
  const int flags = ::fcntl(fd, F_GETFL, 0);
  if (flags >= 0) ::fcntl(fd, F_SETFL, flags | O_NONBLOCK);
}

speed_t speed_of(std::uint32_t baud) {
  switch (baud) {
    case 1200:
      return B1200;
    case 2400:
      return B2400;
    case 4800:
      return B4800;
    case 9600:
      return B9600;
    case 19200:
      return B19200;
    case 38400:
      return B38400;
    case 57600:
      return B57600;
    case 115200:
      return B115200;
    default:
      return B9600;  // a pty does not care; the emulated timing uses the configured baud
  }
}

// The length of the RTU request at the start of `b` from its function code: 0 while the bytes
// do not tell yet, npos for a function whose length cannot be known (then silence ends it).
constexpr std::size_t unknown_length = static_cast<std::size_t>(-1);
std::size_t rtu_request_length(const std::vector<std::uint8_t>& b) {
  if (b.size() < 2) return 0;
  switch (b[1]) {
    case 1:
    case 2:
    case 3:
    case 4:
    case 5:
    case 6:
      return 8;
    case 15:
    case 16:
      return b.size() < 7 ? 0 : 9 + std::size_t{b[6]};
    case 23:
      return b.size() < 11 ? 0 : 13 + std::size_t{b[10]};
    default:
      return unknown_length;
  }
}

// epoll_wait with a timeout of `ns` nanoseconds: epoll_pwait2 (Linux 5.11, glibc 2.35) keeps
// the line timing's precision; without it, whole milliseconds rounded down (the loop then spins
// through the last one). `pwait2` is cleared when the kernel lacks it.
int wait_events(int ep, epoll_event* events, int n, std::int64_t ns, bool& pwait2) {
#if defined(__GLIBC__) && (__GLIBC__ > 2 || (__GLIBC__ == 2 && __GLIBC_MINOR__ >= 35))
  if (pwait2) {
    const timespec ts{static_cast<time_t>(ns / 1'000'000'000),
                      static_cast<long>(ns % 1'000'000'000)};
    const int rc = ::epoll_pwait2(ep, events, n, &ts, nullptr);
    if (rc >= 0 || errno != ENOSYS) return rc;
    pwait2 = false;
  }
#else
  pwait2 = false;
#endif
  return ::epoll_wait(ep, events, n, static_cast<int>(ns / 1'000'000));
}

}  // namespace

struct runner::impl {
  building& b;
  std::atomic<bool> stopping{false};
  int wake[2] = {-1, -1};
  std::vector<std::thread> threads;

  struct conn {
    int id = 0;
    int fd = -1;  // non-blocking
    std::vector<std::uint8_t> buf;
  };
  struct pending {
    clock::time_point due;
    int conn_id = 0;  // TCP connection (0 for RTU)
    std::vector<std::uint8_t> bytes;
  };
  struct bus_io {
    bus* bs = nullptr;
    modbus_t* ctx = nullptr;  // replies are composed with it
    int listen_fd = -1;
    int master = -1;
    int slave = -1;
    std::string pty_name;
    bool linked = false;
    int cap[2] = {-1, -1};  // the replies libmodbus writes to cap[0] are read from cap[1]
    std::array<device*, 256> by_unit{};  // bs->units by unit id (nullptr: none), for each request
    std::vector<conn> conns;
    int next_conn = 1;
    std::vector<pending> late;
    std::optional<pending> held;  // TCP: a reply sent when due, the bus busy meanwhile
    std::size_t rr = 0;           // TCP: the connection whose frame is served next
    bool failed = false;          // TCP: its handling threw; no longer served
    clock::time_point wake_at = clock::time_point::max();  // TCP: serve() it then at the latest
    std::vector<std::uint8_t> frame;      // the request being served (its capacity is reused)
    std::vector<std::uint8_t> exc_frame;  // its copy for an exception to function >= 0x80
    clock::time_point busy_until{};
    std::minstd_rand rng{1};
  };
  std::vector<std::unique_ptr<bus_io>> io;

  explicit impl(building& bb) : b(bb) {}

  // Sleeps until `t` unless the runner stops first; false when it stops.
  bool sleep_until(clock::time_point t) {
    while (!stopping.load()) {
      const clock::time_point now = clock::now();
      if (now >= t) return true;
      const auto left = std::chrono::duration_cast<std::chrono::nanoseconds>(t - now);
      timespec ts{};
      ts.tv_sec = static_cast<time_t>(left.count() / 1'000'000'000);
      ts.tv_nsec = static_cast<long>(left.count() % 1'000'000'000);
      pollfd p{wake[0], POLLIN, 0};
      ::ppoll(&p, 1, &ts, nullptr);
    }
    return false;
  }

  std::vector<std::uint8_t> captured(bus_io& x) {
    std::vector<std::uint8_t> out;
    std::uint8_t tmp[512];
    for (;;) {
      const ssize_t n = ::recv(x.cap[1], tmp, sizeof tmp, MSG_DONTWAIT);
      if (n <= 0) break;
      out.insert(out.end(), tmp, tmp + n);
      if (out.size() > 4096) break;
    }
    return out;
  }

  void open_bus(bus_io& x) {
    bus& bs = *x.bs;
    for (const auto& [unit, d] : bs.units) x.by_unit[unit] = d;
    if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, x.cap) != 0) {
      throw config_error(sys_error(bs.id + ": socketpair"));
    }
    if (!bs.rtu) {
      const std::string host = bs.host == "localhost" ? "127.0.0.1" : bs.host;
      x.ctx = modbus_new_tcp(host.c_str(), bs.port);
      if (x.ctx == nullptr) throw config_error(sys_error(bs.id + ": modbus_new_tcp"));
      x.listen_fd = modbus_tcp_listen(x.ctx, 16);
      if (x.listen_fd < 0) {
        throw config_error(bs.id + ": cannot listen on " + host + ":" + std::to_string(bs.port) +
                           ": " + modbus_strerror(errno));
      }
      set_nonblocking(x.listen_fd);
    } else {
      x.ctx = modbus_new_rtu("/dev/null", bs.line.baud == 0 ? 9600 : static_cast<int>(bs.line.baud),
                             bs.line.parity, bs.line.data_bits, bs.line.stop_bits);
      if (x.ctx == nullptr) throw config_error(sys_error(bs.id + ": modbus_new_rtu"));
      x.master = ::posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC);
      if (x.master < 0 || ::grantpt(x.master) != 0 || ::unlockpt(x.master) != 0) {
        throw config_error(sys_error(bs.id + ": posix_openpt"));
      }
      char name[128] = {};
      if (::ptsname_r(x.master, name, sizeof name) != 0) {
        throw config_error(sys_error(bs.id + ": ptsname"));
      }
      x.pty_name = name;
      // Keep the slave side open: the line stays up while no client has it open, and its
      // termios (raw, the baud) is what clients find.
      x.slave = ::open(name, O_RDWR | O_NOCTTY | O_CLOEXEC);
      if (x.slave < 0) throw config_error(sys_error(bs.id + ": open " + x.pty_name));
      termios tio{};
      if (::tcgetattr(x.slave, &tio) == 0) {
        ::cfmakeraw(&tio);
        ::cfsetispeed(&tio, speed_of(bs.line.baud));
        ::cfsetospeed(&tio, speed_of(bs.line.baud));
        ::tcsetattr(x.slave, TCSANOW, &tio);
      }
      set_nonblocking(x.master);
      struct stat st {};
      if (::lstat(bs.link.c_str(), &st) == 0) {
        if (!S_ISLNK(st.st_mode)) {
          throw config_error(bs.id + ": " + bs.link + " exists and is not a symbolic link");
        }
        ::unlink(bs.link.c_str());  // a stale link of an earlier run
      }
      if (::symlink(name, bs.link.c_str()) != 0) {
        throw config_error(sys_error(bs.id + ": symlink " + bs.link));
      }
      x.linked = true;
    }
  }

  void close_bus(bus_io& x) {
    for (conn& c : x.conns) ::close(c.fd);
    x.conns.clear();
    if (x.listen_fd >= 0) ::close(x.listen_fd);
    if (x.linked) {
      char target[256] = {};
      const ssize_t n = ::readlink(x.bs->link.c_str(), target, sizeof target - 1);
      if (n > 0 && x.pty_name == std::string(target, static_cast<std::size_t>(n))) {
        ::unlink(x.bs->link.c_str());
      }
      x.linked = false;
    }
    if (x.slave >= 0) ::close(x.slave);
    if (x.master >= 0) ::close(x.master);
    for (int& fd : x.cap) {
      if (fd >= 0) ::close(fd);
      fd = -1;
    }
    if (x.ctx != nullptr) modbus_free(x.ctx);
    x.ctx = nullptr;
    x.listen_fd = x.master = x.slave = -1;
  }

  // --- one request --------------------------------------------------------------------------

  struct outcome {
    std::vector<std::uint8_t> reply;  // empty: no reply (or sent already, see direct)
    clock::time_point reply_at{};
    bool late = false;
    bool direct = false;       // the fast path: libmodbus wrote the reply to the client's socket
    bool send_failed = false;  // ... and could not write all of it
  };

  void inject(const bus& bs, std::uint8_t unit, const char* fault, const mb::request* r,
              json extra = json::object()) {
    json j;
    j["bus"] = bs.id;
    j["unit"] = unit;
    j["fault"] = fault;
    if (r != nullptr) {
      j["fn"] = static_cast<int>(r->fn);
      j["address"] = r->address;
    }
    for (auto it = extra.begin(); it != extra.end(); ++it) j[it.key()] = *it;
    log().event("inject", j);
  }

  void log_write(const bus& bs, std::uint8_t unit, const mb::request& req) {
    json j;
    j["bus"] = bs.id;
    j["unit"] = unit;
    j["fn"] = static_cast<int>(req.fn);
    j["address"] = req.fn == mb::function::read_write_registers ? req.write_address : req.address;
    j["values"] = req.values;
    log().event("write", j);
  }

  // Handles the whole frame `frame` (TCP: MBAP + PDU; RTU: unit, PDU, CRC checked), arrived at
  // `arrival` (the line is free then). Sets x.busy_until. `client` is the TCP connection's
  // socket (-1 on RTU): when no line timing and no fault acts on the reply, libmodbus writes the
  // reply straight to it (outcome::direct) instead of into the socketpair.
  outcome handle(bus_io& x, const std::vector<std::uint8_t>& frame, clock::time_point arrival,
                 int client = -1) {
    bus& bs = *x.bs;
    outcome out;
    bs.counters.requests++;
    const std::size_t hlen = bs.rtu ? 1 : mb::mbap_size;
    const std::size_t tail = bs.rtu ? 2 : 0;
    const std::uint8_t unit = frame[hlen - 1];
    const firebus::byte_view pdu(frame.data() + hlen, frame.size() - hlen - tail);
    const mb::line_timing lt = bs.line.timing();
    const bool timed = bs.line.baud > 0;
    const std::size_t req_chars = bs.rtu ? frame.size() : pdu.size() + 3;
    const clock::time_point request_end =
        timed ? arrival + us(lt.bytes_time(req_chars) + lt.t35()) : arrival;
    x.busy_until = request_end;

    mb::request req;
    std::error_code ec;
    const bool parsed = mb::parse_request(pdu, req, ec);
    std::uint8_t exc = 0;
    if (!parsed) exc = ec == mb::errc::unknown_function ? 1 : 3;

    // Broadcast (RTU unit 0): every device applies a write, nobody answers.
    if (bs.rtu && unit == mb::broadcast_unit) {
      if (parsed && mb::writes(req.fn)) {
        for (auto& [u, d] : bs.units) {
          std::lock_guard<std::mutex> lk(d->m);
          modbus_set_socket(x.ctx, x.cap[0]);
          modbus_reply(x.ctx, frame.data(), static_cast<int>(frame.size()), d->map);
        }
        captured(x);
      }
      bs.counters.silent++;
      return out;
    }

    device* d = x.by_unit[unit];
    if (d == nullptr && bs.rtu) {  // nobody answers on a serial line
      bs.counters.silent++;
      return out;
    }
    std::unique_lock<std::mutex> lk = d != nullptr ? std::unique_lock<std::mutex>(d->m)
                                                   : std::unique_lock<std::mutex>(bs.fault_m);
    faults& f = d != nullptr ? d->fault : bs.bus_fault;
    std::vector<std::pair<const char*, json>> injected;
    if (f.dead.fires()) {
      lk.unlock();
      bs.counters.silent++;
      bs.counters.faults++;
      inject(bs, unit, "dead", parsed ? &req : nullptr);
      return out;
    }
    std::uint8_t fault_exc = 0;
    if (parsed &&
        (!f.exceptions.empty() || (d != nullptr && !d->codec.profile().modbus.limits.read_gaps))) {
      const std::vector<span> spans = spans_of(req);
      for (exception_fault& xf : f.exceptions) {
        if (touches(xf, spans) && xf.slot.fires()) {
          fault_exc = xf.code;
          break;
        }
      }
      if (fault_exc != 0) {
        exc = fault_exc;
        injected.emplace_back("exception", json{{"code", fault_exc}});
      } else if (d != nullptr && !d->codec.profile().modbus.limits.read_gaps) {
        for (const span& s : spans) {
          if (s.read && !d->covered(s.tbl, s.address, s.n)) exc = 2;
        }
      }
    }
    if (d == nullptr) {
      exc = exc != 0 && fault_exc != 0 ? exc : 0x0B;  // TCP: the gateway's target did not answer
    }
    // libmodbus answers an exception with the request's function + 0x80, which for a function
    // of 0x80 and above (not a request) wraps to a normal function: give it the function with
    // the high bit clear, so that the reply carries the function with the high bit set.
    const std::uint8_t* exc_frame = frame.data();
    if (exc != 0 && frame.size() > hlen && frame[hlen] >= 0x80) {
      x.exc_frame.assign(frame.begin(), frame.end());
      x.exc_frame[hlen] = static_cast<std::uint8_t>(x.exc_frame[hlen] & 0x7F);
      exc_frame = x.exc_frame.data();
    }
    // The fast path: no line timing, no fault acts on the reply's bytes or time, and nothing to
    // report (no fault fired, not a write): the reply goes straight to the client. Writes and
    // fired faults take the socketpair, so that their events are logged before the reply goes
    // out, as they always were.
    if (client >= 0 && !timed && injected.empty() && !(parsed && mb::writes(req.fn)) &&
        !f.delay.on && !f.crc.on && !f.garbage.on && !f.late.on) {
      modbus_set_socket(x.ctx, client);
      const int sent =
          exc != 0 ? modbus_reply_exception(x.ctx, exc_frame, exc)
                   : modbus_reply(x.ctx, frame.data(), static_cast<int>(frame.size()), d->map);
      lk.unlock();
      out.direct = true;
      out.send_failed = sent <= 0;
      // An exception reply is the MBAP header, the function and the code: no reply to a read is
      // as short (the shortest, to a read of one coil, has a byte of data after its byte count).
      bs.counters.replies++;
      if (exc != 0 || sent == static_cast<int>(mb::mbap_size + 2)) bs.counters.exceptions++;
      out.reply_at = arrival;
      x.busy_until = arrival;
      return out;
    }
    modbus_set_socket(x.ctx, x.cap[0]);
    if (exc != 0) {
      modbus_reply_exception(x.ctx, exc_frame, exc);
    } else {
      modbus_reply(x.ctx, frame.data(), static_cast<int>(frame.size()), d->map);
    }
    out.reply = captured(x);
    const bool is_exception = out.reply.size() > hlen && (out.reply[hlen] & 0x80) != 0;
    std::uint32_t delay_ms = 0;
    if (f.delay.fires()) {
      delay_ms = f.delay_ms;
      injected.emplace_back("delay", json{{"ms", delay_ms}});
    }
    if (!out.reply.empty() && f.crc.fires()) {
      if (bs.rtu) {
        out.reply[out.reply.size() - 2] ^= 0x5A;
        out.reply[out.reply.size() - 1] ^= 0xA5;
      } else {  // TCP: a gateway that got a corrupt frame from its line reports 0x0B
        modbus_reply_exception(x.ctx, exc_frame, 0x0B);
        out.reply = captured(x);
      }
      injected.emplace_back("crc", json::object());
    }
    std::size_t garbage = 0;
    if (!out.reply.empty() && f.garbage.fires()) {
      garbage = f.garbage_bytes;
      std::vector<std::uint8_t> g(garbage);
      for (std::uint8_t& c : g) c = static_cast<std::uint8_t>(x.rng() & 0xFF);
      out.reply.insert(out.reply.begin(), g.begin(), g.end());
      injected.emplace_back("garbage", json{{"bytes", garbage}});
    }
    std::uint32_t late_ms = 0;
    if (!out.reply.empty() && f.late.fires()) {
      late_ms = f.late_ms;
      injected.emplace_back("late", json{{"ms", late_ms}});
    }
    lk.unlock();

    if (out.reply.empty()) {
      bs.counters.silent++;
    } else {
      bs.counters.replies++;
      if (is_exception) bs.counters.exceptions++;
    }
    for (const auto& [name, extra] : injected) {
      bs.counters.faults++;
      inject(bs, unit, name, parsed ? &req : nullptr, extra);
    }
    if (parsed && mb::writes(req.fn) && !is_exception && d != nullptr) log_write(bs, unit, req);

    const std::size_t reply_chars =
        out.reply.empty() ? 0 : (bs.rtu ? out.reply.size() : out.reply.size() - mb::mbap_size + 3);
    const auto delay = std::chrono::milliseconds(delay_ms);
    if (late_ms != 0) {  // the device answers long after; the line is not held meanwhile
      out.late = true;
      out.reply_at = arrival + std::chrono::milliseconds(late_ms);
      x.busy_until = request_end + delay;
      return out;
    }
    out.reply_at =
        (timed ? request_end + us(lt.turnaround + lt.bytes_time(reply_chars)) : arrival) + delay;
    x.busy_until = timed && !out.reply.empty() ? out.reply_at + us(lt.t35()) : out.reply_at;
    return out;
  }

  // --- TCP ------------------------------------------------------------------------------------
  // One thread serves every TCP bus (epoll over their listening sockets and connections). Each
  // bus still handles one request at a time: it serves a request only once it is free
  // (busy_until) and has sent the reply it holds (held); these waits are the loop's timeouts,
  // not sleeps, so a slow bus never holds another. Sockets are non-blocking: a connection whose
  // replies cannot be sent (the client leaves them unread until its buffer is full) is closed.

  static constexpr std::uint64_t wake_tag = ~std::uint64_t{0};
  static std::uint64_t tag(std::size_t bus, int conn_id) {
    return (std::uint64_t{bus} << 32) | static_cast<std::uint32_t>(conn_id);
  }

  void close_conn(bus_io& x, std::size_t k, const char* why) {
    json j;
    j["bus"] = x.bs->id;
    j["conn"] = x.conns[k].id;
    j["reason"] = why;
    log().event("disconnect", j);
    ::close(x.conns[k].fd);
    const int id = x.conns[k].id;
    x.conns.erase(x.conns.begin() + static_cast<std::ptrdiff_t>(k));
    if (x.rr > k) --x.rr;
    x.late.erase(std::remove_if(x.late.begin(), x.late.end(),
                                [&](const pending& p) { return p.conn_id == id; }),
                 x.late.end());
    if (x.held && x.held->conn_id == id) x.held.reset();
  }

  std::size_t find_conn(const bus_io& x, int id) const {
    for (std::size_t k = 0; k < x.conns.size(); ++k) {
      if (x.conns[k].id == id) return k;
    }
    return x.conns.size();
  }

  // Sends a reply to connection `id` (if it is still open); closes it when the reply cannot go
  // out whole at once.
  void send_to(bus_io& x, int id, const std::vector<std::uint8_t>& bytes) {
    const std::size_t k = find_conn(x, id);
    if (k == x.conns.size()) return;
    const std::uint8_t* p = bytes.data();
    std::size_t n = bytes.size();
    while (n > 0) {
      const ssize_t w = ::send(x.conns[k].fd, p, n, MSG_NOSIGNAL | MSG_DONTWAIT);
      if (w < 0 && errno == EINTR) continue;
      if (w <= 0) {
        close_conn(x, k, "send failed");
        return;
      }
      p += w;
      n -= static_cast<std::size_t>(w);
    }
  }

  void send_due(bus_io& x, clock::time_point now = clock::now()) {
    for (std::size_t k = 0; k < x.late.size();) {
      if (x.late[k].due > now) {
        ++k;
        continue;
      }
      const pending p = std::move(x.late[k]);
      x.late.erase(x.late.begin() + static_cast<std::ptrdiff_t>(k));
      if (x.bs->rtu) {
        send_all(x.master, p.bytes.data(), p.bytes.size(), false);
      } else {
        send_to(x, p.conn_id, p.bytes);
        k = 0;  // send_to may have closed a connection, and its late replies with it
      }
    }
  }

  // Connection k's first complete frame's length, 0 if none yet; closes the connection (and
  // returns 0) when its stream is not Modbus TCP.
  std::size_t frame_ready(bus_io& x, std::size_t k) {
    const conn& c = x.conns[k];
    std::error_code ec;
    const std::size_t n = mb::tcp_frame_length(c.buf, ec);
    if (ec) {
      x.bs->counters.bad_frames++;
      close_conn(x, k, "not a Modbus TCP frame");
      return 0;
    }
    return n != 0 && c.buf.size() >= n ? n : 0;
  }

  // Serves bus x's requests while it is free: one frame from each connection in turn, like
  // requests queued for one line. Returns when it has none, or must wait (the line is busy, or
  // a reply is held until its time).
  void serve(bus_io& x) {
    for (;;) {
      clock::time_point now = clock::now();
      send_due(x, now);
      if (x.held) {
        if (now < x.held->due) return;
        const pending p = std::move(*x.held);
        x.held.reset();
        send_to(x, p.conn_id, p.bytes);
      }
      if (now < x.busy_until) return;
      // The next connection, from x.rr on, with a complete frame.
      bool found = false;
      std::size_t k = 0;
      std::size_t n = 0;
      for (std::size_t i = 0; i < x.conns.size();) {
        const std::size_t j = (x.rr + i) % x.conns.size();
        const std::size_t before = x.conns.size();
        n = frame_ready(x, j);
        if (x.conns.size() != before) {  // closed: look again from the start
          i = 0;
          continue;
        }
        if (n != 0) {
          found = true;
          k = j;
          break;
        }
        ++i;
      }
      if (!found) return;
      conn& c = x.conns[k];
      x.rr = k + 1;
      x.frame.assign(c.buf.begin(), c.buf.begin() + static_cast<std::ptrdiff_t>(n));
      c.buf.erase(c.buf.begin(), c.buf.begin() + static_cast<std::ptrdiff_t>(n));
      const int id = c.id;
      now = clock::now();
      outcome o = handle(x, x.frame, now, c.fd);
      if (o.direct) {
        if (o.send_failed) close_conn(x, find_conn(x, id), "send failed");
        continue;
      }
      if (o.reply.empty()) continue;
      if (o.late) {
        x.late.push_back(pending{o.reply_at, id, std::move(o.reply)});
        continue;
      }
      if (o.reply_at <= now) {
        send_to(x, id, o.reply);
        continue;
      }
      x.held = pending{o.reply_at, id, std::move(o.reply)};
    }
  }

  // When bus x next needs serve() without an event (a reply due, the line free again with a
  // request waiting), at most `limit`.
  clock::time_point next_wake(const bus_io& x, clock::time_point limit) const {
    for (const pending& p : x.late) limit = std::min(limit, p.due);
    if (x.held) return std::min(limit, x.held->due);
    for (const conn& c : x.conns) {
      std::error_code ec;
      const std::size_t n = mb::tcp_frame_length(c.buf, ec);
      if (!ec && n != 0 && c.buf.size() >= n) return std::min(limit, x.busy_until);
    }
    return limit;
  }

  void accept_conn(int ep, std::size_t bi, bus_io& x) {
    int lfd = x.listen_fd;
    const int s = modbus_tcp_accept(x.ctx, &lfd);
    if (s < 0) return;
    if (x.conns.size() >= max_connections) {
      ::close(s);
      return;
    }
    set_nonblocking(s);
    const int one = 1;
    ::setsockopt(s, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    ::fcntl(s, F_SETFD, FD_CLOEXEC);
    const int id = x.next_conn++;
    epoll_event ev{};
    ev.events = EPOLLIN;
    ev.data.u64 = tag(bi, id);
    if (::epoll_ctl(ep, EPOLL_CTL_ADD, s, &ev) != 0) {
      ::close(s);
      return;
    }
    x.conns.push_back(conn{id, s, {}});
    json j;
    j["bus"] = x.bs->id;
    j["conn"] = id;
    log().event("connect", j);
  }

  // Reads what connection `id` of bus x sent.
  void receive(bus_io& x, int id, std::vector<std::uint8_t>& tmp) {
    const std::size_t k = find_conn(x, id);
    if (k == x.conns.size()) return;  // closed since the event
    const ssize_t n = ::recv(x.conns[k].fd, tmp.data(), tmp.size(), MSG_DONTWAIT);
    if (n <= 0) {
      if (n < 0 && (errno == EAGAIN || errno == EINTR)) return;
      close_conn(x, k, n == 0 ? "closed by the client" : "receive failed");
      return;
    }
    conn& c = x.conns[k];
    c.buf.insert(c.buf.end(), tmp.begin(), tmp.begin() + n);
    if (c.buf.size() > 64 * mb::max_tcp_frame_size) {  // a client that floods: bound it
      x.bs->counters.bad_frames++;
      close_conn(x, k, "too much unanswered data");
    }
  }

  // A bus whose handling threw: reported, and its sockets closed; the other buses carry on.
  void fail_bus(bus_io& x, const std::exception& e) {
    json j;
    j["bus"] = x.bs->id;
    j["error"] = e.what();
    log().event("error", j);
    for (const conn& c : x.conns) ::close(c.fd);
    x.conns.clear();
    x.late.clear();
    x.held.reset();
    if (x.listen_fd >= 0) ::close(x.listen_fd);
    x.listen_fd = -1;
    x.failed = true;
  }

  void run_tcp(const std::vector<std::size_t>& buses) {
    const int ep = ::epoll_create1(EPOLL_CLOEXEC);
    if (ep < 0) throw std::runtime_error(sys_error("epoll_create1"));
    epoll_event ev{};
    ev.events = EPOLLIN;
    ev.data.u64 = wake_tag;
    ::epoll_ctl(ep, EPOLL_CTL_ADD, wake[0], &ev);
    for (const std::size_t bi : buses) {
      ev.data.u64 = tag(bi, 0);
      ::epoll_ctl(ep, EPOLL_CTL_ADD, io[bi]->listen_fd, &ev);
    }
    std::vector<epoll_event> events(64);
    std::vector<std::uint8_t> tmp(4096);
    std::vector<bool> touched(io.size(), false);  // a bus with an event since its last serve()
    bool pwait2 = true;
    while (!stopping.load()) {
      clock::time_point next = clock::now() + std::chrono::milliseconds(100);
      for (const std::size_t bi : buses) {
        if (!io[bi]->failed) next = std::min(next, io[bi]->wake_at);
      }
      const auto left = std::max<clock::duration>(next - clock::now(), clock::duration::zero());
      const auto ns = std::chrono::duration_cast<std::chrono::nanoseconds>(left).count();
      const int rc = wait_events(ep, events.data(), static_cast<int>(events.size()), ns, pwait2);
      if (stopping.load()) break;
      for (int e = 0; e < rc; ++e) {
        const std::uint64_t t = events[static_cast<std::size_t>(e)].data.u64;
        if (t == wake_tag) continue;
        bus_io& x = *io[static_cast<std::size_t>(t >> 32)];
        if (x.failed) continue;
        touched[static_cast<std::size_t>(t >> 32)] = true;
        try {
          const int id = static_cast<int>(t & 0xFFFFFFFFu);
          if (id == 0) {
            accept_conn(ep, static_cast<std::size_t>(t >> 32), x);
          } else {
            receive(x, id, tmp);
          }
        } catch (const std::exception& ex) {
          fail_bus(x, ex);
        }
      }
      // Only the buses that got bytes or connections, or whose time has come.
      const clock::time_point now = clock::now();
      for (const std::size_t bi : buses) {
        bus_io& x = *io[bi];
        if (x.failed || (!touched[bi] && now < x.wake_at)) continue;
        touched[bi] = false;
        try {
          serve(x);
          x.wake_at = next_wake(x, clock::time_point::max());
        } catch (const std::exception& ex) {
          fail_bus(x, ex);
        }
      }
    }
    ::close(ep);
  }

  int poll_timeout_ms(const bus_io& x, clock::time_point extra) const {
    clock::time_point next = clock::now() + std::chrono::milliseconds(100);
    for (const pending& p : x.late) next = std::min(next, p.due);
    if (extra != clock::time_point{}) next = std::min(next, extra);
    const auto left = std::chrono::duration_cast<std::chrono::microseconds>(next - clock::now());
    return left.count() <= 0 ? 0 : static_cast<int>((left.count() + 999) / 1000);
  }

  // --- RTU ------------------------------------------------------------------------------------

  void run_rtu(bus_io& x) {
    const mb::line_timing lt = x.bs->line.timing();
    // The silence that ends a frame whose length its function does not tell, and that
    // discards an incomplete one: t3.5, but at least 20 ms (a pty delivers in bursts).
    const clock::duration gap =
        std::max<clock::duration>(us(lt.t35()), std::chrono::milliseconds(20));
    std::vector<std::uint8_t> buf;
    clock::time_point last_rx{};
    std::uint8_t tmp[512];
    while (!stopping.load()) {
      pollfd fds[2] = {{wake[0], POLLIN, 0}, {x.master, POLLIN, 0}};
      const int rc =
          ::poll(fds, 2, poll_timeout_ms(x, buf.empty() ? clock::time_point{} : last_rx + gap));
      if (stopping.load()) break;
      send_due(x);
      if (rc > 0 && (fds[1].revents & POLLIN) != 0) {
        const ssize_t n = ::read(x.master, tmp, sizeof tmp);
        if (n > 0) {
          buf.insert(buf.end(), tmp, tmp + n);
          last_rx = clock::now();
          if (buf.size() > rtu_buffer_size) {
            buf.erase(buf.begin(), buf.end() - static_cast<std::ptrdiff_t>(rtu_buffer_size));
          }
        }
      } else if (rc > 0 && (fds[1].revents & (POLLHUP | POLLERR)) != 0) {
        std::this_thread::sleep_for(std::chrono::milliseconds(10));  // no reader: wait
      }
      // Frames in the buffer.
      while (!buf.empty() && !stopping.load()) {
        const std::size_t need = rtu_request_length(buf);
        const bool silent = clock::now() - last_rx >= gap;
        std::size_t take = 0;
        if (need == 0) {
          if (silent) {  // a lone byte: noise
            x.bs->counters.bad_frames++;
            buf.clear();
          }
          break;
        }
        if (need == unknown_length) {
          if (!silent) break;
          take = std::min(buf.size(), mb::max_rtu_frame_size);
        } else if (need > mb::max_rtu_frame_size) {
          x.bs->counters.bad_frames++;
          buf.erase(buf.begin());
          continue;
        } else if (buf.size() < need) {
          if (silent) {
            x.bs->counters.bad_frames++;
            buf.clear();
          }
          break;
        } else {
          take = need;
        }
        const std::vector<std::uint8_t> frame(buf.begin(),
                                              buf.begin() + static_cast<std::ptrdiff_t>(take));
        std::error_code ec;
        mb::decode_rtu(frame, ec);
        if (ec) {  // not a frame here: slide by one byte and look again (resynchronize)
          x.bs->counters.bad_frames++;
          buf.erase(buf.begin());
          continue;
        }
        buf.erase(buf.begin(), buf.begin() + static_cast<std::ptrdiff_t>(take));
        if (!sleep_until(x.busy_until)) break;
        const outcome o = handle(x, frame, clock::now());
        if (o.reply.empty()) continue;
        if (o.late) {
          x.late.push_back(pending{o.reply_at, 0, o.reply});
          continue;
        }
        if (!sleep_until(o.reply_at)) break;
        send_all(x.master, o.reply.data(), o.reply.size(), false);
        send_due(x);
      }
    }
  }
};

runner::runner(building& b) : p_(std::make_unique<impl>(b)) {
  if (::pipe2(p_->wake, O_CLOEXEC) != 0) throw config_error(sys_error("pipe"));
}

runner::~runner() {
  stop();
  for (int& fd : p_->wake) {
    if (fd >= 0) ::close(fd);
    fd = -1;
  }
}

void runner::open() {
  for (const auto& bs : p_->b.buses) {
    auto x = std::make_unique<impl::bus_io>();
    x->bs = bs.get();
    x->rng.seed(static_cast<std::uint32_t>(p_->io.size() + 1));
    impl::bus_io& ref = *x;
    p_->io.push_back(std::move(x));
    p_->open_bus(ref);  // on failure, stop() closes what was opened
  }
}

void runner::start() {
  std::vector<std::size_t> tcp;
  for (std::size_t i = 0; i < p_->io.size(); ++i) {
    impl::bus_io* px = p_->io[i].get();
    if (!px->bs->rtu) {
      tcp.push_back(i);
      continue;
    }
    p_->threads.emplace_back([this, px] {
      try {
        p_->run_rtu(*px);
      } catch (const std::exception& e) {
        json j;
        j["bus"] = px->bs->id;
        j["error"] = e.what();
        log().event("error", j);
      }
    });
  }
  if (tcp.empty()) return;
  p_->threads.emplace_back([this, tcp] {
    try {
      p_->run_tcp(tcp);
    } catch (const std::exception& e) {
      for (const std::size_t i : tcp) {
        json j;
        j["bus"] = p_->io[i]->bs->id;
        j["error"] = e.what();
        log().event("error", j);
      }
    }
  });
}

void runner::stop() {
  if (!p_) return;
  p_->stopping.store(true);
  if (p_->wake[1] >= 0) {
    const char c = 1;
    [[maybe_unused]] const ssize_t n = ::write(p_->wake[1], &c, 1);
  }
  for (std::thread& t : p_->threads) {
    if (t.joinable()) t.join();
  }
  p_->threads.clear();
  for (const auto& x : p_->io) p_->close_bus(*x);
  p_->io.clear();
}

}  // namespace firebus_sim
