// firebus — fire-safety IoT SDK.
// modbus::tcp_bus against a real, independent peer: a libmodbus TCP server on 127.0.0.1 in a
// thread of the test, with one register map per unit id and faults the test switches on: a
// dead unit, late replies, exception 02 over a register. Every wait is bounded, so a bug fails
// a check instead of hanging.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/select.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include <asio.hpp>
#include <doctest/doctest.h>
#include <modbus/modbus.h>

#include <firebus/io/modbus_tcp_bus.hpp>
#include <firebus/profile/codec.hpp>
#include <firebus/profile_json.hpp>

namespace {

namespace mb = firebus::modbus;
namespace pf = firebus::profile;
using namespace std::chrono_literals;

// A libmodbus server: one mapping (holding registers 0..199) per unit id.
class server {
 public:
  server() {
    ctx_ = modbus_new_tcp("127.0.0.1", 0);
    REQUIRE(ctx_ != nullptr);
    listen_ = modbus_tcp_listen(ctx_, 4);
    REQUIRE(listen_ >= 0);
    sockaddr_in a{};
    socklen_t n = sizeof a;
    REQUIRE(getsockname(listen_, reinterpret_cast<sockaddr*>(&a), &n) == 0);
    port_ = ntohs(a.sin_port);
  }
  ~server() {
    stop_ = true;
    if (thread_.joinable()) thread_.join();
    for (auto& m : maps_) modbus_mapping_free(m.second);
    if (listen_ >= 0) close(listen_);
    modbus_free(ctx_);
  }
  std::uint16_t port() const { return port_; }

  void unit(int u) { maps_[u] = modbus_mapping_new(0, 0, 200, 0); }
  void set(int u, int address, std::uint16_t v) {
    const std::lock_guard<std::mutex> g(mu_);
    maps_.at(u)->tab_registers[address] = v;
  }
  std::uint16_t get(int u, int address) {
    const std::lock_guard<std::mutex> g(mu_);
    return maps_.at(u)->tab_registers[address];
  }
  std::atomic<int> dead_unit{-1};
  std::atomic<int> late_unit{-1};  // replies after late_ms
  std::atomic<int> late_ms{0};
  std::atomic<int> refuse_address{-1};  // exception 02 for reads covering it
  std::atomic<int> garbage_unit{-1};    // bytes that start no frame, before each reply
  std::atomic<int> requests{0};

  void start() {
    thread_ = std::thread([this] { loop(); });
  }

 private:
  // A reply held back (late_unit), sent when due without blocking the other units.
  struct deferred {
    std::chrono::steady_clock::time_point due;
    int socket;
    std::vector<std::uint8_t> query;
  };

  void loop() {
    std::vector<int> clients;
    std::vector<deferred> later;
    std::uint8_t query[MODBUS_TCP_MAX_ADU_LENGTH];
    while (!stop_) {
      const auto t = std::chrono::steady_clock::now();
      for (std::size_t i = 0; i < later.size();) {
        if (later[i].due > t) {
          ++i;
          continue;
        }
        if (std::find(clients.begin(), clients.end(), later[i].socket) != clients.end()) {
          modbus_set_socket(ctx_, later[i].socket);
          serve(later[i].query.data(), static_cast<int>(later[i].query.size()));
        }
        later.erase(later.begin() + static_cast<std::ptrdiff_t>(i));
      }
      fd_set set;
      FD_ZERO(&set);
      FD_SET(listen_, &set);
      int top = listen_;
      for (int c : clients) {
        FD_SET(c, &set);
        top = std::max(top, c);
      }
      timeval tv{0, 20'000};
      if (select(top + 1, &set, nullptr, nullptr, &tv) <= 0) continue;
      if (FD_ISSET(listen_, &set)) {
        const int c = accept(listen_, nullptr, nullptr);
        if (c >= 0) clients.push_back(c);
      }
      for (std::size_t i = 0; i < clients.size();) {
        const int c = clients[i];
        if (!FD_ISSET(c, &set)) {
          ++i;
          continue;
        }
        modbus_set_socket(ctx_, c);
        const int n = modbus_receive(ctx_, query);
        if (n <= 0) {
          close(c);
          clients.erase(clients.begin() + static_cast<std::ptrdiff_t>(i));
          continue;
        }
        ++requests;
        if (query[6] == late_unit) {
          later.push_back(
              deferred{std::chrono::steady_clock::now() + std::chrono::milliseconds(late_ms.load()),
                       c, std::vector<std::uint8_t>(query, query + n)});
        } else {
          serve(query, n);
        }
        ++i;
      }
    }
    for (int c : clients) close(c);
  }

  void serve(const std::uint8_t* q, int n) {
    const int unit = q[6];
    if (unit == dead_unit) return;
    const auto it = maps_.find(unit);
    if (it == maps_.end()) return;
    const int fn = q[7];
    const int address = (q[8] << 8) | q[9];
    const int quantity = (q[10] << 8) | q[11];
    const int refuse = refuse_address;
    if ((fn == 3 || fn == 4) && refuse >= address && refuse < address + quantity) {
      modbus_reply_exception(ctx_, q, MODBUS_EXCEPTION_ILLEGAL_DATA_ADDRESS);
      return;
    }
    if (unit == garbage_unit) {
      // No byte pair of it is 00 00, so no position can hold a protocol id of 0.
      const std::uint8_t junk[] = {0xFF, 0x13, 0x7E, 0x01, 0xFE, 0x55, 0x02};
      const ssize_t w = ::send(modbus_get_socket(ctx_), junk, sizeof junk, MSG_NOSIGNAL);
      (void)w;
    }
    const std::lock_guard<std::mutex> g(mu_);
    modbus_reply(ctx_, q, n, it->second);
  }

  modbus_t* ctx_ = nullptr;
  int listen_ = -1;
  std::uint16_t port_ = 0;
  std::map<int, modbus_mapping_t*> maps_;
  std::mutex mu_;
  std::atomic<bool> stop_{false};
  std::thread thread_;
};

// The ASJ10L-LD1A residual-current relay's registers that matter here.
std::shared_ptr<const pf::codec> relay() {
  return std::make_shared<const pf::codec>(
      pf::load_profile(FIREBUS_TEST_SOURCE_DIR "/protocols/profiles/acrel-asj10l-ld1a.json"));
}

struct recorder {
  std::mutex mu;
  std::vector<std::tuple<std::uint32_t, std::string, double>> values;
  std::vector<std::tuple<std::uint32_t, std::string, firebus::alarm::device_status>> statuses;
  std::vector<std::tuple<std::uint32_t, std::string, firebus::alarm::device_condition>> conditions;
  std::vector<std::pair<std::uint32_t, std::error_code>> failures;
  std::vector<std::pair<std::uint64_t, std::error_code>> writes;
  std::map<std::uint32_t, std::vector<std::chrono::steady_clock::time_point>> seen;

  void attach(mb::tcp_bus& bus, const pf::codec& c) {
    bus.on_readings([this, &c](std::uint32_t d, firebus::mono_time, const pf::readings& r) {
      const std::lock_guard<std::mutex> g(mu);
      seen[d].push_back(std::chrono::steady_clock::now());
      for (const auto& v : r.values) values.emplace_back(d, c.point(v.point).id, v.value);
      for (const auto& s : r.statuses) statuses.emplace_back(d, c.point(s.point).id, s.status);
      for (const auto& x : r.conditions) {
        conditions.emplace_back(d, c.point(x.point).id, x.condition);
      }
    });
    bus.on_failure([this](std::uint32_t d, firebus::mono_time, const std::vector<std::size_t>&,
                          std::error_code e) {
      const std::lock_guard<std::mutex> g(mu);
      failures.emplace_back(d, e);
    });
    bus.on_write([this](std::uint64_t id, std::error_code e) {
      const std::lock_guard<std::mutex> g(mu);
      writes.emplace_back(id, e);
    });
  }
  std::optional<double> last(std::uint32_t d, const std::string& id) {
    const std::lock_guard<std::mutex> g(mu);
    for (auto it = values.rbegin(); it != values.rend(); ++it) {
      if (std::get<0>(*it) == d && std::get<1>(*it) == id) return std::get<2>(*it);
    }
    return std::nullopt;
  }
};

// Runs `io` until `done()` or `limit`.
template <class F>
bool run_until(asio::io_context& io, F done, std::chrono::milliseconds limit) {
  const auto end = std::chrono::steady_clock::now() + limit;
  while (std::chrono::steady_clock::now() < end) {
    io.run_for(10ms);
    if (done()) return true;
  }
  return false;
}

mb::device_policy fast_policy() {
  mb::device_policy p;
  p.period = {std::chrono::milliseconds(100), std::chrono::milliseconds(200),
              std::chrono::seconds(5)};
  p.timeout = std::chrono::milliseconds(150);
  p.retries = 1;
  p.quarantine_after = 2;
  p.backoff_initial = std::chrono::seconds(1);
  p.backoff_max = std::chrono::seconds(2);
  return p;
}

}  // namespace

TEST_CASE("a relay's registers become samples, conditions and statuses") {
  server srv;
  srv.unit(3);
  srv.set(3, 0x00, 312);    // residual current, mA
  srv.set(3, 0x1B, 0b110);  // alarm and CT break
  srv.start();
  asio::io_context io;
  mb::tcp_bus_config cfg;
  cfg.port = srv.port();
  mb::tcp_bus bus(io, cfg);
  const auto codec = relay();
  recorder rec;
  rec.attach(bus, *codec);
  const auto dev = bus.add_device(3, codec, fast_policy());
  bus.start();
  REQUIRE(run_until(
      io, [&] { return rec.last(dev, "IR").has_value(); }, 3000ms));
  CHECK(*rec.last(dev, "IR") == 312);
  {
    const std::lock_guard<std::mutex> g(rec.mu);
    bool fire = false;
    bool open = false;
    for (const auto& c : rec.conditions) {
      if (std::get<1>(c) == "ALM") fire = std::get<2>(c) == firebus::alarm::device_condition::fire;
    }
    for (const auto& s : rec.statuses) {
      if (std::get<1>(s) == "IR") {
        open = std::get<2>(s) == firebus::alarm::device_status::open_circuit;
      }
    }
    CHECK(fire);
    CHECK(open);
  }
  // A change on the device shows within a poll period.
  srv.set(3, 0x00, 450);
  REQUIRE(run_until(
      io, [&] { return rec.last(dev, "IR") == 450.0; }, 2000ms));
  CHECK(bus.connected());
  CHECK(bus.counters().replies > 0);
  CHECK(bus.counters().timeouts == 0);
  bus.stop();
  io.run_for(50ms);
}

TEST_CASE("a dead unit is quarantined and does not hold up the others beyond one transaction") {
  server srv;
  srv.unit(1);
  srv.unit(2);
  srv.set(1, 0, 100);
  srv.dead_unit = 2;
  srv.start();
  asio::io_context io;
  mb::tcp_bus_config cfg;
  cfg.port = srv.port();
  mb::tcp_bus bus(io, cfg);
  const auto codec = relay();
  recorder rec;
  rec.attach(bus, *codec);
  const auto live = bus.add_device(1, codec, fast_policy());
  const auto dead = bus.add_device(2, codec, fast_policy());
  bus.start();
  run_until(
      io, [] { return false; }, 4000ms);
  const auto dc = bus.device_counters(dead);
  CHECK(dc.quarantines == 1);
  CHECK(dc.replies == 0);
  // In 4 s: 2 transactions × 2 attempts before quarantine, then probes 1 s and 2 s apart.
  CHECK(dc.requests <= 4 + 3);
  CHECK(bus.device_counters(live).timeouts == 0);
  {
    const std::lock_guard<std::mutex> g(rec.mu);
    const auto& t = rec.seen[live];
    REQUIRE(t.size() > 20);
    // The live device's alarm reads come every 100 ms, delayed at most by one dead
    // transaction (150 ms and one retry) plus scheduling noise.
    for (std::size_t i = 1; i < t.size(); ++i) CHECK(t[i] - t[i - 1] < 100ms + 300ms + 100ms);
    bool reported = false;
    for (const auto& f : rec.failures) reported = reported || f.first == dead;
    CHECK(reported);
  }
  bus.stop();
  io.run_for(50ms);
}

TEST_CASE("a late reply is discarded, never taken for the next request's") {
  server srv;
  srv.unit(1);
  srv.unit(2);
  srv.set(1, 0, 111);
  srv.set(2, 0, 222);
  srv.late_unit = 2;
  srv.late_ms = 250;  // beyond the 150 ms timeout
  srv.start();
  asio::io_context io;
  mb::tcp_bus_config cfg;
  cfg.port = srv.port();
  mb::tcp_bus bus(io, cfg);
  const auto codec = relay();
  recorder rec;
  rec.attach(bus, *codec);
  auto policy = fast_policy();
  policy.quarantine_after = 1000;  // keep asking unit 2
  policy.retries = 0;
  // Slow enough that unit 2's timeouts leave room for unit 1 (priorities are strict).
  policy.period = {std::chrono::milliseconds(500), std::chrono::milliseconds(500),
                   std::chrono::seconds(5)};
  bus.add_device(1, codec, policy);
  bus.add_device(2, codec, policy);
  bus.start();
  run_until(
      io, [] { return false; }, 2500ms);
  CHECK(bus.connection_counters().stale_replies > 0);
  {
    const std::lock_guard<std::mutex> g(rec.mu);
    int ones = 0;
    for (const auto& v : rec.values) {
      if (std::get<1>(v) != "IR") continue;
      // Every value belongs to the device it is reported for.
      CHECK(std::get<2>(v) == (std::get<0>(v) == 0 ? 111 : 222));
      ones += std::get<0>(v) == 0 ? 1 : 0;
    }
    CHECK(ones > 3);
  }
  bus.stop();
  io.run_for(50ms);
}

TEST_CASE("a read refused with exception 02 is split, and the other registers are read") {
  server srv;
  srv.unit(1);
  srv.set(1, 0x1E, 0b01);     // DI1 on
  srv.set(1, 0x1B, 0b010);    // alarm
  srv.refuse_address = 0x1C;  // between the status (0x1B) and the inputs (0x1E)
  srv.start();
  asio::io_context io;
  mb::tcp_bus_config cfg;
  cfg.port = srv.port();
  cfg.cost = mb::cost_model::rtu(mb::line_timing{});  // as behind a 9600-baud gateway: merges
  mb::tcp_bus bus(io, cfg);
  // Two alarm-class points, so that 0x1B..0x1E is one merged read at first.
  const auto codec = std::make_shared<const pf::codec>(pf::parse_profile(R"({
    "version": 1, "id": "split-test", "vendor": "t", "model": "t", "source": {"title": "t"},
    "points": [
      {"id": "ALM", "table": "holding", "address": 27, "type": "u16",
       "states": [{"value": 2, "state": "fire"}]},
      {"id": "DI1", "table": "holding", "address": 30, "type": "u16", "poll": "alarm"}]})"));
  recorder rec;
  rec.attach(bus, *codec);
  const auto dev = bus.add_device(1, codec, fast_policy());
  bus.start();
  REQUIRE(run_until(
      io, [&] { return rec.last(dev, "DI1").has_value(); }, 3000ms));
  CHECK(*rec.last(dev, "DI1") == 1);
  CHECK(rec.last(dev, "ALM") == 2.0);
  CHECK(bus.counters().splits == 1);
  CHECK(bus.counters().exceptions == 1);
  bus.stop();
  io.run_for(50ms);
}

TEST_CASE("a password-protected setpoint write reaches the device in order") {
  server srv;
  srv.unit(1);
  srv.start();
  asio::io_context io;
  mb::tcp_bus_config cfg;
  cfg.port = srv.port();
  mb::tcp_bus bus(io, cfg);
  const auto codec = relay();
  recorder rec;
  rec.attach(bus, *codec);
  const auto dev = bus.add_device(1, codec, fast_policy());
  bus.start();
  std::error_code ec;
  CHECK(bus.write(dev, codec->find("IDN"), 50000, 1u, ec) == 0);
  CHECK(ec == pf::errc::value_out_of_range);
  const auto id = bus.write(dev, codec->find("IDN"), 300, 1u, ec);
  REQUIRE_FALSE(ec);
  REQUIRE(run_until(
      io,
      [&] {
        const std::lock_guard<std::mutex> g(rec.mu);
        return !rec.writes.empty();
      },
      3000ms));
  {
    const std::lock_guard<std::mutex> g(rec.mu);
    CHECK(rec.writes[0].first == id);
    CHECK_FALSE(rec.writes[0].second);
  }
  CHECK(srv.get(1, 0x1D) == 1);
  CHECK(srv.get(1, 0x08) == 300);
  bus.stop();
  io.run_for(50ms);
}

TEST_CASE("garbage before replies is skipped; the connection and the framing survive") {
  server srv;
  srv.unit(1);
  srv.unit(2);
  srv.set(1, 0, 111);
  srv.set(2, 0, 222);
  srv.garbage_unit = 2;
  srv.start();
  asio::io_context io;
  mb::tcp_bus_config cfg;
  cfg.port = srv.port();
  mb::tcp_bus bus(io, cfg);
  const auto codec = relay();
  recorder rec;
  rec.attach(bus, *codec);
  const auto a = bus.add_device(1, codec, fast_policy());
  const auto b = bus.add_device(2, codec, fast_policy());
  bus.start();
  REQUIRE(run_until(
      io, [&] { return rec.last(a, "IR") == 111.0 && rec.last(b, "IR") == 222.0; }, 3000ms));
  run_until(
      io, [] { return false; }, 500ms);
  const auto c = bus.connection_counters();
  CHECK(c.connects == 1);
  CHECK(c.framing_errors == 0);
  CHECK(c.skipped_bytes >= 7);
  CHECK(bus.counters().timeouts == 0);
  bus.stop();
  io.run_for(50ms);
}

namespace {

// A raw Modbus TCP peer for one connection that answers reads (FC 3, 4) of any unit with
// register r = `value` at address 0 and 0 elsewhere, in pieces: a stale reply (the previous
// transaction id) and the first bytes of the reply in one segment, then the rest of the reply
// a byte at a time.
class piecemeal_server {
 public:
  explicit piecemeal_server(std::uint16_t value) : value_(value) {
    listen_ = ::socket(AF_INET, SOCK_STREAM, 0);
    REQUIRE(listen_ >= 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    REQUIRE(::bind(listen_, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0);
    REQUIRE(::listen(listen_, 1) == 0);
    socklen_t n = sizeof a;
    REQUIRE(getsockname(listen_, reinterpret_cast<sockaddr*>(&a), &n) == 0);
    port_ = ntohs(a.sin_port);
    thread_ = std::thread([this] { loop(); });
  }
  ~piecemeal_server() {
    stop_ = true;
    thread_.join();
    ::close(listen_);
  }
  std::uint16_t port() const { return port_; }
  std::atomic<int> replies{0};

 private:
  // Waits up to 20 ms for `fd` to be readable.
  static bool readable(int fd) {
    fd_set set;
    FD_ZERO(&set);
    FD_SET(fd, &set);
    timeval tv{0, 20'000};
    return select(fd + 1, &set, nullptr, nullptr, &tv) > 0;
  }
  void send_bytes(int fd, const std::uint8_t* p, std::size_t n) {
    const ssize_t w = ::send(fd, p, n, MSG_NOSIGNAL);
    (void)w;
  }
  void loop() {
    int c = -1;
    while (!stop_ && c < 0) {
      if (readable(listen_)) c = ::accept(listen_, nullptr, nullptr);
    }
    if (c < 0) return;
    const int one = 1;
    setsockopt(c, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    std::vector<std::uint8_t> in;
    std::uint8_t tmp[256];
    while (!stop_) {
      if (!readable(c)) continue;
      const ssize_t n = ::recv(c, tmp, sizeof tmp, 0);
      if (n <= 0) break;
      in.insert(in.end(), tmp, tmp + n);
      while (in.size() >= 12) {
        const std::uint8_t* q = in.data();
        const int fn = q[7];
        const int address = (q[8] << 8) | q[9];
        const int quantity = (q[10] << 8) | q[11];
        std::vector<std::uint8_t> reply = {q[0], q[1], 0, 0, 0, 0, q[6], q[7]};
        if (fn == 3 || fn == 4) {
          reply.push_back(static_cast<std::uint8_t>(2 * quantity));
          for (int i = 0; i < quantity; ++i) {
            const std::uint16_t v = address + i == 0 ? value_ : std::uint16_t{0};
            reply.push_back(static_cast<std::uint8_t>(v >> 8));
            reply.push_back(static_cast<std::uint8_t>(v & 0xFF));
          }
        } else {  // illegal function
          reply[7] = static_cast<std::uint8_t>(fn | 0x80);
          reply.push_back(1);
        }
        const std::size_t len = reply.size() - 6;
        reply[4] = static_cast<std::uint8_t>(len >> 8);
        reply[5] = static_cast<std::uint8_t>(len & 0xFF);
        std::vector<std::uint8_t> stale = reply;
        const std::uint16_t tid = static_cast<std::uint16_t>((q[0] << 8) | q[1]);
        stale[0] = static_cast<std::uint8_t>((tid - 1) >> 8);
        stale[1] = static_cast<std::uint8_t>((tid - 1) & 0xFF);
        in.erase(in.begin(), in.begin() + 12);
        std::vector<std::uint8_t> first = stale;
        first.insert(first.end(), reply.begin(), reply.begin() + 5);
        send_bytes(c, first.data(), first.size());
        for (std::size_t i = 5; i < reply.size(); ++i) {
          std::this_thread::sleep_for(1ms);
          send_bytes(c, &reply[i], 1);
        }
        ++replies;
      }
    }
    ::close(c);
  }

  std::uint16_t value_;
  int listen_ = -1;
  std::uint16_t port_ = 0;
  std::atomic<bool> stop_{false};
  std::thread thread_;
};

}  // namespace

TEST_CASE("a reply in pieces, after a stale one in the same segment, is taken whole") {
  piecemeal_server srv(312);
  asio::io_context io;
  mb::tcp_bus_config cfg;
  cfg.port = srv.port();
  mb::tcp_bus bus(io, cfg);
  const auto codec = relay();
  recorder rec;
  rec.attach(bus, *codec);
  auto policy = fast_policy();
  policy.timeout = std::chrono::milliseconds(500);  // a reply takes ~30 ms, a byte at a time
  const auto dev = bus.add_device(3, codec, policy);
  bus.start();
  REQUIRE(run_until(
      io, [&] { return rec.last(dev, "IR").has_value() && srv.replies > 5; }, 5000ms));
  CHECK(*rec.last(dev, "IR") == 312);
  const auto c = bus.connection_counters();
  CHECK(c.connects == 1);
  CHECK(c.stale_replies >= 5);
  CHECK(c.framing_errors == 0);
  CHECK(c.skipped_bytes == 0);
  CHECK(bus.counters().timeouts == 0);
  CHECK(bus.counters().bad_replies == 0);
  bus.stop();
  io.run_for(50ms);
}
