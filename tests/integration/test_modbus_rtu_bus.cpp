// firebus — fire-safety IoT SDK.
// modbus::rtu_bus (libmodbus on the line) against devices played by the test on the other end of
// a pseudo-terminal: frames cut at a silence, answered with firebus's own codec, with faults the
// test switches on — a dead unit, a corrupted CRC, a late reply that lands in the next request's
// window. Every wait is bounded.
#include <fcntl.h>
#include <poll.h>
#include <stdlib.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <tuple>
#include <vector>

#include <asio.hpp>
#include <doctest/doctest.h>

#include <firebus/io/modbus_rtu_bus.hpp>
#include <firebus/modbus/pdu.hpp>
#include <firebus/modbus/rtu.hpp>
#include <firebus/profile/codec.hpp>
#include <firebus/profile_json.hpp>

#include "dtor_probe.hpp"

namespace {

namespace mb = firebus::modbus;
namespace pf = firebus::profile;
using namespace std::chrono_literals;

// The devices on the line: the master side of a pseudo-terminal.
class line {
 public:
  line() {
    master_ = posix_openpt(O_RDWR | O_NOCTTY);
    REQUIRE(master_ >= 0);
    REQUIRE(grantpt(master_) == 0);
    REQUIRE(unlockpt(master_) == 0);
    path_ = ptsname(master_);
    // Keep one slave fd open so that the master never sees a hang-up between bus reopenings.
    keep_ = ::open(path_.c_str(), O_RDWR | O_NOCTTY);
    REQUIRE(keep_ >= 0);
  }
  ~line() {
    stop_ = true;
    if (thread_.joinable()) thread_.join();
    ::close(keep_);
    ::close(master_);
  }
  const std::string& path() const { return path_; }

  void unit(int u, std::map<int, std::uint16_t> regs) {
    const std::lock_guard<std::mutex> g(mu_);
    units_[u] = std::move(regs);
  }
  std::uint16_t get(int u, int a) {
    const std::lock_guard<std::mutex> g(mu_);
    return units_[u][a];
  }
  std::atomic<int> dead_unit{-1};
  std::atomic<int> bad_crc_unit{-1};
  std::atomic<int> late_unit{-1};
  std::atomic<int> late_ms{0};

  void start() {
    thread_ = std::thread([this] { loop(); });
  }

 private:
  void loop() {
    std::vector<std::uint8_t> buf;
    while (!stop_) {
      pollfd p{master_, POLLIN, 0};
      // A frame ends at a silence (generous on a pseudo-terminal: 5 ms).
      const int r = ::poll(&p, 1, buf.empty() ? 20 : 5);
      if (r > 0 && (p.revents & POLLIN) != 0) {
        std::uint8_t tmp[512];
        const ssize_t n = ::read(master_, tmp, sizeof tmp);
        if (n > 0) buf.insert(buf.end(), tmp, tmp + n);
        continue;
      }
      if (buf.empty()) continue;
      answer(buf);
      buf.clear();
    }
  }

  void answer(const std::vector<std::uint8_t>& frame) {
    std::error_code ec;
    const mb::rtu_frame f = mb::decode_rtu(firebus::byte_view(frame.data(), frame.size()), ec);
    if (ec) return;  // a broken request: a device stays silent
    const int u = f.unit;
    if (u == dead_unit) return;
    mb::request req;
    if (!mb::parse_request(f.pdu, req, ec)) return;
    std::vector<std::uint16_t> values;
    {
      const std::lock_guard<std::mutex> g(mu_);
      auto it = units_.find(u);
      if (it == units_.end()) return;
      if (req.fn == mb::function::read_holding_registers) {
        for (std::uint16_t k = 0; k < req.quantity; ++k)
          values.push_back(it->second[req.address + k]);
      } else if (req.fn == mb::function::write_single_register ||
                 req.fn == mb::function::write_multiple_registers) {
        for (std::size_t k = 0; k < req.values.size(); ++k) {
          it->second[static_cast<int>(req.address + k)] = req.values[k];
        }
      }
    }
    std::array<std::uint8_t, mb::max_pdu_size> pdu{};
    const std::size_t n = mb::encode_response(req, values, pdu, ec);
    if (ec) return;
    std::vector<std::uint8_t> out =
        mb::encode_rtu(static_cast<std::uint8_t>(u), firebus::byte_view(pdu.data(), n));
    if (u == bad_crc_unit) out.back() ^= 0x5A;
    if (u == late_unit) std::this_thread::sleep_for(std::chrono::milliseconds(late_ms.load()));
    const ssize_t w = ::write(master_, out.data(), out.size());
    (void)w;
  }

  int master_ = -1;
  int keep_ = -1;
  std::string path_;
  std::mutex mu_;
  std::map<int, std::map<int, std::uint16_t>> units_;
  std::atomic<bool> stop_{false};
  std::thread thread_;
};

std::shared_ptr<const pf::codec> relay() {
  return std::make_shared<const pf::codec>(
      pf::load_profile(FIREBUS_TEST_SOURCE_DIR "/protocols/profiles/acrel-asj10l-ld1a.json"));
}

mb::device_policy fast_policy() {
  mb::device_policy p;
  p.period = {std::chrono::milliseconds(200), std::chrono::milliseconds(300),
              std::chrono::seconds(5)};
  p.timeout = std::chrono::milliseconds(150);
  p.retries = 1;
  p.quarantine_after = 2;
  p.backoff_initial = std::chrono::seconds(1);
  p.backoff_max = std::chrono::seconds(2);
  return p;
}

struct recorder {
  std::mutex mu;
  std::map<std::pair<std::uint32_t, std::string>, double> last;
  std::vector<std::string> conditions;
  std::vector<std::pair<std::uint32_t, std::error_code>> failures;
  std::vector<std::pair<std::uint64_t, std::error_code>> writes;
  int opens = 0;
  std::vector<std::error_code> downs;

  void attach(mb::rtu_bus& bus, const pf::codec& c) {
    bus.on_readings([this, &c](std::uint32_t d, firebus::mono_time, const pf::readings& r) {
      const std::lock_guard<std::mutex> g(mu);
      for (const auto& v : r.values) last[{d, c.point(v.point).id}] = v.value;
      for (const auto& x : r.conditions) {
        if (x.condition == firebus::alarm::device_condition::fire) {
          conditions.push_back(c.point(x.point).id);
        }
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
    bus.on_connection([this](bool up, std::error_code e) {
      const std::lock_guard<std::mutex> g(mu);
      opens += up ? 1 : 0;
      if (!up) downs.push_back(e);
    });
  }
  std::optional<double> value(std::uint32_t d, const std::string& id) {
    const std::lock_guard<std::mutex> g(mu);
    auto it = last.find({d, id});
    if (it == last.end()) return std::nullopt;
    return it->second;
  }
};

template <class F>
bool run_until(asio::io_context& io, F done, std::chrono::milliseconds limit) {
  const auto end = std::chrono::steady_clock::now() + limit;
  while (std::chrono::steady_clock::now() < end) {
    io.run_for(10ms);
    if (done()) return true;
  }
  return false;
}

}  // namespace

TEST_CASE("an RTU line: values, conditions, a setpoint write, and a dead and a garbled unit") {
  line l;
  l.unit(1, {{0x00, 312}, {0x1B, 0b010}});
  l.unit(2, {{0x00, 45}});
  l.unit(3, {{0x00, 99}});
  l.dead_unit = 2;
  l.bad_crc_unit = 3;
  l.start();
  asio::io_context io;
  mb::rtu_bus_config cfg;
  cfg.device = l.path();
  cfg.baud = 19200;
  mb::rtu_bus bus(io, cfg);
  const auto codec = relay();
  recorder rec;
  rec.attach(bus, *codec);
  const auto ok = bus.add_device(1, codec, fast_policy());
  const auto dead = bus.add_device(2, codec, fast_policy());
  const auto garbled = bus.add_device(3, codec, fast_policy());
  bus.start();
  REQUIRE(run_until(
      io, [&] { return rec.value(ok, "IR") == 312.0; }, 5000ms));
  {
    const std::lock_guard<std::mutex> g(rec.mu);
    CHECK(rec.opens == 1);
    CHECK(std::find(rec.conditions.begin(), rec.conditions.end(), "ALM") != rec.conditions.end());
  }
  std::error_code ec;
  const auto id = bus.write(ok, codec->find("IDN"), 500, 1u, ec);
  REQUIRE_FALSE(ec);
  REQUIRE(run_until(
      io,
      [&] {
        const std::lock_guard<std::mutex> g(rec.mu);
        return !rec.writes.empty();
      },
      5000ms));
  CHECK(rec.writes[0].first == id);
  CHECK_FALSE(rec.writes[0].second);
  CHECK(l.get(1, 0x1D) == 1);
  CHECK(l.get(1, 0x08) == 500);
  run_until(
      io, [] { return false; }, 2500ms);
  // The silent unit and the one whose replies fail their CRC are quarantined; the good one
  // never failed, and every value it reported is its own.
  CHECK(bus.device_counters(dead).quarantines == 1);
  CHECK(bus.device_counters(garbled).quarantines == 1);
  CHECK(bus.line_counters().crc_errors > 0);
  CHECK(bus.device_counters(ok).timeouts == 0);
  CHECK(bus.device_counters(ok).bad_replies == 0);
  CHECK_FALSE(rec.value(garbled, "IR").has_value());
  CHECK(rec.value(ok, "IR") == 312.0);
  bus.stop();
  io.run_for(20ms);
  // Stopping takes the line down as on TCP: one report, errc::cancelled.
  const std::lock_guard<std::mutex> g(rec.mu);
  REQUIRE(rec.downs.size() == 1);
  CHECK(rec.downs[0] == mb::errc::cancelled);
}

TEST_CASE("an RTU reply that comes after its timeout is flushed, never read as the next one's") {
  line l;
  l.unit(1, {{0x00, 111}});
  l.unit(2, {{0x00, 222}});
  l.late_unit = 2;
  l.late_ms = 200;  // beyond the 150 ms timeout, within the 100 ms late guard after it
  l.start();
  asio::io_context io;
  mb::rtu_bus_config cfg;
  cfg.device = l.path();
  cfg.baud = 19200;
  mb::rtu_bus bus(io, cfg);
  const auto codec = relay();
  recorder rec;
  std::mutex seen_mu;
  std::vector<std::pair<std::uint32_t, double>> seen;
  bus.on_readings([&](std::uint32_t d, firebus::mono_time, const pf::readings& r) {
    const std::lock_guard<std::mutex> g(seen_mu);
    for (const auto& v : r.values) {
      if (codec->point(v.point).id == "IR") seen.emplace_back(d, v.value);
    }
  });
  auto policy = fast_policy();
  policy.quarantine_after = 1000;
  policy.retries = 0;
  policy.period = {std::chrono::milliseconds(600), std::chrono::milliseconds(600),
                   std::chrono::seconds(5)};
  bus.add_device(1, codec, policy);
  bus.add_device(2, codec, policy);
  bus.start();
  run_until(
      io, [] { return false; }, 3000ms);
  bus.stop();
  io.run_for(20ms);
  CHECK(bus.line_counters().stale_bytes > 0);
  const std::lock_guard<std::mutex> g(seen_mu);
  int ones = 0;
  for (const auto& s : seen) {
    CHECK(s.second == (s.first == 0 ? 111 : 222));
    ones += s.first == 0 ? 1 : 0;
  }
  CHECK(ones >= 2);
}

TEST_CASE("an RTU port that cannot be opened is retried and reported") {
  asio::io_context io;
  mb::rtu_bus_config cfg;
  cfg.device = "/nonexistent/ttyS99";
  cfg.reopen_min = 50ms;
  cfg.reopen_max = 100ms;
  mb::rtu_bus bus(io, cfg);
  std::vector<std::error_code> downs;
  bus.on_connection([&](bool up, std::error_code e) {
    if (!up) downs.push_back(e);
  });
  bus.start();
  REQUIRE(run_until(
      io, [&] { return downs.size() >= 2; }, 3000ms));
  CHECK(downs[0] == std::errc::no_such_file_or_directory);
  CHECK_FALSE(bus.open());
  CHECK(bus.line_counters().open_failures >= 2);
  bus.stop();
  std::error_code ec;
  cfg.baud = 7;
  mb::rtu_bus bad(io, cfg, ec);
  CHECK(ec == firebus::errc::invalid_argument);
  // Only the rates a serial driver knows: libmodbus would run 12345 at 9600 without a word.
  cfg.baud = 12345;
  CHECK(mb::validate(cfg) == firebus::errc::invalid_argument);
  cfg.baud = 19200;
  CHECK_FALSE(mb::validate(cfg));
}

namespace {

// io.run() on a thread of its own, for as long as the object lives.
struct io_thread {
  asio::io_context io;
  asio::executor_work_guard<asio::io_context::executor_type> work{io.get_executor()};
  std::thread t{[this] { io.run(); }};
  ~io_thread() {
    work.reset();
    io.stop();
    t.join();
  }
};

template <class Pred>
bool eventually(Pred pred, std::chrono::milliseconds limit) {
  const auto end = std::chrono::steady_clock::now() + limit;
  while (std::chrono::steady_clock::now() < end) {
    if (pred()) return true;
    std::this_thread::sleep_for(10ms);
  }
  return pred();
}

}  // namespace

TEST_CASE(
    "an RTU bus destroyed on another thread while one of its callbacks runs: the destructor "
    "returns only once that callback has") {
  line l;
  l.unit(1, {{0x00, 312}});
  l.start();
  const auto codec = relay();
  firebus_test::dtor_probe probe;
  bool in_readings = false;
  SUBCASE("on_connection") {}
  SUBCASE("on_readings") { in_readings = true; }
  io_thread runner;
  mb::rtu_bus_config cfg;
  cfg.device = l.path();
  cfg.baud = 19200;
  auto bus = std::make_unique<mb::rtu_bus>(runner.io, cfg);
  bus->on_connection(
      [&](bool up, std::error_code) { up && !in_readings ? probe.slow() : probe.other(); });
  bus->on_readings([&](std::uint32_t, firebus::mono_time, const pf::readings&) {
    in_readings ? probe.slow() : probe.other();
  });
  bus->on_failure([&](std::uint32_t, firebus::mono_time, const std::vector<std::size_t>&,
                      std::error_code) { probe.other(); });
  bus->add_device(1, codec, fast_policy());
  bus->start();
  REQUIRE(probe.wait_entered(5000ms));
  probe.destroy(bus);
  probe.check(300ms);
}

TEST_CASE("an RTU bus may be destroyed by its own callback (no deadlock)") {
  line l;
  l.unit(1, {{0x00, 312}});
  l.start();
  const auto codec = relay();
  std::atomic<std::unique_ptr<mb::rtu_bus>*> slot{nullptr};
  std::atomic<bool> gone{false};
  std::atomic<int> after{0};  // callbacks started once the bus was destroyed
  io_thread runner;
  mb::rtu_bus_config cfg;
  cfg.device = l.path();
  cfg.baud = 19200;
  auto bus = std::make_unique<mb::rtu_bus>(runner.io, cfg);
  slot = &bus;
  bus->on_connection([&](bool, std::error_code) {
    if (gone.load()) ++after;
  });
  bus->on_readings([&](std::uint32_t, firebus::mono_time, const pf::readings&) {
    if (gone.load()) {
      ++after;
      return;
    }
    slot.load()->reset();  // on the io thread, inside the bus's own callback
    gone = true;
  });
  bus->add_device(1, codec, fast_policy());
  bus->start();
  CHECK(eventually([&] { return gone.load(); }, 5000ms));
  std::this_thread::sleep_for(300ms);
  CHECK(after.load() == 0);
}
