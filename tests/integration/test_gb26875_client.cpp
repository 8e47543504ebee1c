// firebus — fire-safety IoT SDK.
// gb26875::client against a centre played by the test: a raw Asio acceptor on 127.0.0.1 that
// cuts frames with gb26875::deframer and answers with frames built by gb26875::encode_frame.
// Every wait is bounded, so a bug fails a check instead of hanging.
#include <algorithm>
#include <array>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <deque>
#include <fstream>
#include <memory>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include <asio.hpp>
#include <doctest/doctest.h>

#include <firebus/gb26875/adu.hpp>
#include <firebus/gb26875/deframer.hpp>
#include <firebus/gb26875/frame.hpp>
#include <firebus/io/gb26875_client.hpp>

namespace {

namespace gb = firebus::gb26875;
using namespace std::chrono_literals;
using steady = std::chrono::steady_clock;
using tcp = asio::ip::tcp;

constexpr std::uint64_t uitd_address = 0x000012345678;
constexpr std::uint64_t centre_address = 0x000000000001;

struct received {
  gb::header hdr;
  std::vector<std::uint8_t> adu;
  int connection = 0;  // 1 for the first accepted connection
  steady::time_point at;
};

gb::time_tag some_time() { return gb::time_tag{5, 4, 3, 2, 1, 24}; }

// The centre: accepts connections, records every frame, optionally confirms data at once.
class centre {
 public:
  explicit centre(asio::io_context& io) : acceptor_(io) {}
  ~centre() { close(); }

  void listen(std::uint16_t port = 0) {
    acceptor_.open(tcp::v4());
    acceptor_.set_option(tcp::acceptor::reuse_address(true));
    acceptor_.bind(tcp::endpoint(asio::ip::make_address("127.0.0.1"), port));
    acceptor_.listen();
    port_ = acceptor_.local_endpoint().port();
    accept();
  }
  std::uint16_t port() const { return port_; }

  // Confirm every send-data frame as it arrives.
  bool auto_confirm = false;
  std::vector<received> frames;
  int accepted = 0;

  void send(const gb::header& h, const gb::adu* a = nullptr) {
    std::vector<std::uint8_t> adu_bytes;
    if (a != nullptr) adu_bytes = gb::encode_adu(*a);
    auto bytes = std::make_shared<std::vector<std::uint8_t>>(
        gb::encode_frame(h, firebus::byte_view(adu_bytes)));
    CHECK_MESSAGE(conn_ != nullptr, "the centre has no connection to send on");
    if (!conn_) return;
    auto c = conn_;
    asio::async_write(c->socket, asio::buffer(*bytes), [bytes, c](std::error_code, std::size_t) {});
  }
  void answer(const gb::header& request, gb::command cmd) {
    gb::header h = gb::reply_header(request, cmd);
    h.time = some_time();
    send(h);
  }
  // A frame from the centre to the UITD with `cmd` and `serial`.
  void request(gb::command cmd, std::uint16_t serial, const gb::adu& a) {
    send_raw(request_bytes(cmd, serial, a));
  }
  static std::vector<std::uint8_t> request_bytes(gb::command cmd, std::uint16_t serial,
                                                 const gb::adu& a) {
    gb::header h;
    h.serial = serial;
    h.time = some_time();
    h.source = centre_address;
    h.destination = uitd_address;
    h.cmd = cmd;
    const std::vector<std::uint8_t> adu_bytes = gb::encode_adu(a);
    return gb::encode_frame(h, firebus::byte_view(adu_bytes));
  }
  // `bytes` as they are, in one write.
  void send_raw(std::vector<std::uint8_t> bytes) {
    auto b = std::make_shared<std::vector<std::uint8_t>>(std::move(bytes));
    CHECK_MESSAGE(conn_ != nullptr, "the centre has no connection to send on");
    if (!conn_) return;
    auto c = conn_;
    asio::async_write(c->socket, asio::buffer(*b), [b, c](std::error_code, std::size_t) {});
  }
  void drop() {
    if (!conn_) return;
    std::error_code ignored;
    conn_->socket.shutdown(tcp::socket::shutdown_both, ignored);
    conn_->socket.close(ignored);
    conn_.reset();
  }
  void close() {
    drop();
    std::error_code ignored;
    acceptor_.close(ignored);
  }
  std::vector<received> data_frames() const {
    std::vector<received> r;
    for (const auto& f : frames) {
      if (f.hdr.cmd == gb::command::send_data) r.push_back(f);
    }
    return r;
  }

 private:
  struct connection {
    explicit connection(tcp::socket s) : socket(std::move(s)) {}
    tcp::socket socket;
    gb::deframer deframer;
    std::array<std::uint8_t, 2048> buf{};
    int number = 0;
  };

  void accept() {
    acceptor_.async_accept([this](std::error_code ec, tcp::socket s) {
      if (ec) return;
      conn_ = std::make_shared<connection>(std::move(s));
      conn_->number = ++accepted;
      read(conn_);
      accept();
    });
  }
  void read(const std::shared_ptr<connection>& c) {
    c->socket.async_read_some(asio::buffer(c->buf), [this, c](std::error_code ec, std::size_t n) {
      if (ec) return;
      c->deframer.feed(
          firebus::byte_view(c->buf.data(), n),
          [this, &c](const gb::frame_view& f) {
            frames.push_back({f.hdr, std::vector<std::uint8_t>(f.adu.begin(), f.adu.end()),
                              c->number, steady::now()});
            if (auto_confirm && f.hdr.cmd == gb::command::send_data && c == conn_) {
              answer(f.hdr, gb::command::confirm);
            }
          },
          [](const gb::rejection&) {});
      read(c);
    });
  }

  tcp::acceptor acceptor_;
  std::uint16_t port_ = 0;
  std::shared_ptr<connection> conn_;
};

// Runs `io` until `pred` holds or `timeout` passes; says whether `pred` held.
template <class Pred>
bool run_until(asio::io_context& io, Pred pred, steady::duration timeout = 5s) {
  const auto end = steady::now() + timeout;
  while (!pred()) {
    if (steady::now() >= end) return false;
    if (io.stopped()) io.restart();
    io.run_for(2ms);
  }
  return true;
}

void run_for(asio::io_context& io, steady::duration d) {
  run_until(
      io, [] { return false; }, d);
}

gb::client_config make_config(std::uint16_t port) {
  gb::client_config c;
  c.session.address = uitd_address;
  c.session.centre_address = centre_address;
  c.session.answer_timeout = 200ms;
  c.session.retries = 2;
  c.session.heartbeat = firebus::duration::zero();
  c.session.first_serial = 100;
  c.session.backoff_initial = 50ms;
  c.session.backoff_max = 200ms;
  c.host = "127.0.0.1";
  c.port = port;
  c.connect_timeout = 1s;
  return c;
}

gb::adu routine_adu(std::uint8_t n) {
  gb::uitd_operation op;
  op.flags = 0x01;  // reset: routine
  op.operator_id = n;
  op.time = some_time();
  return gb::adu{gb::adu_type::uitd_operation, {op}};
}

gb::adu fire_adu() {
  gb::system_status s;
  s.system_type = 1;
  s.status = 0x0002;  // fire alarm
  s.time = some_time();
  return gb::adu{gb::adu_type::system_status, {s}};
}

// Records every outcome reported by a client.
struct outcomes {
  struct delivery {
    std::uint64_t id;
    int attempts;
  };
  std::vector<delivery> delivered;
  std::vector<std::pair<std::uint64_t, std::error_code>> failed;
  std::vector<gb::uitd_event> events;
  int connected = 0;
  int disconnected = 0;

  void attach(gb::client& c) {
    c.on_delivered([this](std::uint64_t id, int attempts, firebus::duration) {
      delivered.push_back({id, attempts});
    });
    c.on_failed([this](std::uint64_t id, std::error_code ec) { failed.emplace_back(id, ec); });
    c.on_event([this](const gb::uitd_event& e) { events.push_back(e); });
    c.on_connected([this] { ++connected; });
    c.on_disconnected([this](std::error_code) { ++disconnected; });
  }
  std::size_t settled() const { return delivered.size() + failed.size(); }
};

struct fixture {
  asio::io_context io;
  centre ctr{io};
  outcomes out;
};

}  // namespace

TEST_CASE("gb26875 client: submit sends a data frame; a confirm delivers it") {
  fixture f;
  f.ctr.listen();
  gb::client c(f.io, make_config(f.ctr.port()));
  f.out.attach(c);
  c.start();
  REQUIRE(run_until(f.io, [&] { return f.out.connected == 1 && f.ctr.accepted == 1; }));
  CHECK(c.is_connected());

  std::error_code ec;
  const std::uint64_t id = c.submit(routine_adu(7), ec);
  REQUIRE_FALSE(ec);
  CHECK(id == 1);
  CHECK(c.pending() == 1);
  REQUIRE(run_until(f.io, [&] { return f.ctr.frames.size() == 1; }));
  const received& r = f.ctr.frames[0];
  CHECK(r.hdr.cmd == gb::command::send_data);
  CHECK(r.hdr.serial == 100);
  CHECK(r.hdr.source == uitd_address);
  CHECK(r.hdr.destination == centre_address);
  CHECK(r.hdr.time.valid());
  CHECK(gb::decode_adu(firebus::byte_view(r.adu)) == routine_adu(7));

  f.ctr.answer(r.hdr, gb::command::confirm);
  REQUIRE(run_until(f.io, [&] { return f.out.delivered.size() == 1; }));
  CHECK(f.out.delivered[0].id == id);
  CHECK(f.out.delivered[0].attempts == 1);
  CHECK(f.out.failed.empty());
  CHECK(c.pending() == 0);
  const gb::client_counters k = c.counters();
  CHECK(k.connects == 1);
  CHECK(k.session.delivered == 1);
  CHECK(k.bytes_sent > 0);
}

TEST_CASE("gb26875 client: without a confirm it retransmits with the same serial, then fails") {
  fixture f;
  f.ctr.listen();
  gb::client c(f.io, make_config(f.ctr.port()));
  f.out.attach(c);
  c.start();
  REQUIRE(run_until(f.io, [&] { return f.out.connected == 1 && f.ctr.accepted == 1; }));
  std::error_code ec;
  const std::uint64_t id = c.submit(routine_adu(1), ec);
  REQUIRE(run_until(
      f.io, [&] { return f.out.failed.size() == 1; }, 3s));
  CHECK(f.out.failed[0].first == id);
  CHECK(f.out.failed[0].second == gb::errc::no_answer);
  CHECK(f.out.delivered.empty());
  const auto frames = f.ctr.data_frames();
  REQUIRE(frames.size() == 3);  // first transmission + 2 retries
  for (const auto& r : frames) CHECK(r.hdr.serial == 100);
  for (std::size_t i = 1; i < frames.size(); ++i) {
    const auto gap = frames[i].at - frames[i - 1].at;
    CHECK(gap >= 180ms);
    CHECK(gap < 600ms);
  }
  CHECK(c.pending() == 0);
  CHECK(c.counters().session.retransmitted == 2);
}

TEST_CASE("gb26875 client: a denied frame is sent again; the last retry denied fails it") {
  fixture f;
  f.ctr.listen();
  gb::client c(f.io, make_config(f.ctr.port()));  // retries = 2
  f.out.attach(c);
  c.start();
  REQUIRE(run_until(f.io, [&] { return f.out.connected == 1 && f.ctr.accepted == 1; }));
  std::error_code ec;
  const std::uint64_t id = c.submit(routine_adu(2), ec);
  for (std::size_t n = 1; n <= 3; ++n) {
    REQUIRE(run_until(f.io, [&] { return f.ctr.data_frames().size() == n; }));
    const auto frames = f.ctr.data_frames();
    CHECK(frames.back().hdr.serial == 100);  // the same transaction
    f.ctr.answer(frames.back().hdr, gb::command::deny);
  }
  REQUIRE(run_until(f.io, [&] { return f.out.failed.size() == 1; }));
  CHECK(f.out.failed[0].first == id);
  CHECK(f.out.failed[0].second == gb::errc::denied);
  run_for(f.io, 300ms);  // nothing after the last retry
  CHECK(f.ctr.data_frames().size() == 3);
  CHECK(c.counters().session.retransmitted == 2);
}

TEST_CASE("gb26875 client: a fire alarm behind 50 routine messages is sent next") {
  fixture f;
  f.ctr.listen();
  f.ctr.auto_confirm = true;
  gb::client c(f.io, make_config(f.ctr.port()));
  f.out.attach(c);
  c.start();
  REQUIRE(run_until(f.io, [&] { return f.out.connected == 1 && f.ctr.accepted == 1; }));
  std::error_code ec;
  std::vector<std::uint64_t> ids;
  for (std::uint8_t i = 0; i < 50; ++i) ids.push_back(c.submit(routine_adu(i), ec));
  const std::uint64_t fire = c.submit(fire_adu(), ec);
  REQUIRE_FALSE(ec);
  REQUIRE(run_until(f.io, [&] { return f.out.delivered.size() == 51; }));
  const auto frames = f.ctr.data_frames();
  REQUIRE(frames.size() == 51);
  CHECK(gb::decode_adu(firebus::byte_view(frames[0].adu)) == routine_adu(0));
  CHECK(gb::decode_adu(firebus::byte_view(frames[1].adu)) == fire_adu());
  for (std::size_t i = 2; i < frames.size(); ++i) {
    CHECK(gb::decode_adu(firebus::byte_view(frames[i].adu)) ==
          routine_adu(static_cast<std::uint8_t>(i - 1)));
  }
  CHECK(f.out.delivered[1].id == fire);
  for (std::size_t i = 1; i < frames.size(); ++i) {
    CHECK(frames[i].hdr.serial == static_cast<std::uint16_t>(frames[i - 1].hdr.serial + 1));
  }
}

TEST_CASE("gb26875 client: reconnects after the centre drops it and resends the in-flight one") {
  fixture f;
  f.ctr.listen();
  gb::client c(f.io, make_config(f.ctr.port()));
  f.out.attach(c);
  c.start();
  REQUIRE(run_until(f.io, [&] { return f.out.connected == 1 && f.ctr.accepted == 1; }));
  std::error_code ec;
  std::vector<std::uint64_t> ids;
  for (std::uint8_t i = 0; i < 5; ++i) ids.push_back(c.submit(routine_adu(i), ec));
  REQUIRE(run_until(f.io, [&] { return f.ctr.frames.size() == 1; }));
  const std::uint16_t serial = f.ctr.frames[0].hdr.serial;
  const auto dropped_at = steady::now();
  f.ctr.drop();  // no confirm: the first message is in flight
  f.ctr.auto_confirm = true;
  REQUIRE(run_until(f.io, [&] { return f.out.settled() == 5; }));
  CHECK(f.out.disconnected == 1);
  CHECK(f.out.connected == 2);
  CHECK(f.ctr.accepted == 2);
  const auto frames = f.ctr.data_frames();
  REQUIRE(frames.size() >= 6);
  CHECK(frames[1].connection == 2);
  CHECK(frames[1].hdr.serial == serial);     // the resend keeps its serial number
  CHECK(frames[1].at - dropped_at >= 30ms);  // back-off (50 ms, minus at most 20 % jitter)
  // Nothing lost, nothing reported twice.
  CHECK(f.out.failed.empty());
  std::vector<std::uint64_t> got;
  for (const auto& d : f.out.delivered) got.push_back(d.id);
  CHECK(got == ids);
  CHECK(f.out.delivered[0].attempts == 2);
  CHECK(c.pending() == 0);
  const auto k = c.counters();
  CHECK(k.connects == 2);
  CHECK(k.disconnects == 1);
}

TEST_CASE("gb26875 client: keeps retrying until the centre listens") {
  fixture f;
  std::uint16_t port = 0;
  {  // a port nobody listens on (yet)
    tcp::acceptor probe(f.io, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
    port = probe.local_endpoint().port();
  }
  gb::client c(f.io, make_config(port));
  f.out.attach(c);
  c.start();
  std::error_code ec;
  const std::uint64_t id = c.submit(fire_adu(), ec);  // queued while disconnected
  run_for(f.io, 400ms);
  CHECK(f.out.connected == 0);
  CHECK(c.counters().connect_failures >= 2);
  CHECK(c.pending() == 1);
  f.ctr.auto_confirm = true;
  f.ctr.listen(port);
  REQUIRE(run_until(
      f.io, [&] { return f.out.delivered.size() == 1; }, 3s));
  CHECK(f.out.delivered[0].id == id);
  CHECK(f.out.connected == 1);
}

TEST_CASE("gb26875 client: a read request is answered from the data provider") {
  fixture f;
  f.ctr.listen();
  gb::client c(f.io, make_config(f.ctr.port()));
  f.out.attach(c);
  int asked = 0;
  c.set_data_provider([&](const gb::adu& request, gb::adu& response, std::error_code&) {
    ++asked;
    if (request.type != gb::adu_type::read_uitd_status) return false;
    gb::uitd_status s;
    s.status = 0x01;
    s.time = some_time();
    response = gb::adu{gb::adu_type::uitd_status, {s}};
    return true;
  });
  c.start();
  REQUIRE(run_until(f.io, [&] { return f.out.connected == 1 && f.ctr.accepted == 1; }));
  f.ctr.request(gb::command::request, 0x4242,
                gb::adu{gb::adu_type::read_uitd_status, {gb::read_uitd_status{}}});
  REQUIRE(run_until(f.io, [&] { return f.ctr.frames.size() == 1; }));
  const received& r = f.ctr.frames[0];
  CHECK(asked == 1);
  CHECK(r.hdr.cmd == gb::command::response);
  CHECK(r.hdr.serial == 0x4242);
  CHECK(r.hdr.source == uitd_address);
  CHECK(r.hdr.destination == centre_address);
  const gb::adu a = gb::decode_adu(firebus::byte_view(r.adu));
  CHECK(a.type == gb::adu_type::uitd_status);
  // A read the provider refuses is denied.
  f.ctr.request(gb::command::request, 0x4243,
                gb::adu{gb::adu_type::read_uitd_time, {gb::read_uitd_time{}}});
  REQUIRE(run_until(f.io, [&] { return f.ctr.frames.size() == 2; }));
  CHECK(f.ctr.frames[1].hdr.cmd == gb::command::deny);
  CHECK(f.ctr.frames[1].hdr.serial == 0x4243);
}

TEST_CASE("gb26875 client: clock sync and initialise are confirmed and reported") {
  fixture f;
  f.ctr.listen();
  gb::client c(f.io, make_config(f.ctr.port()));
  f.out.attach(c);
  c.start();
  REQUIRE(run_until(f.io, [&] { return f.out.connected == 1 && f.ctr.accepted == 1; }));
  gb::sync_uitd_time sync;
  sync.time = gb::time_tag{0, 30, 12, 15, 6, 25};
  f.ctr.request(gb::command::control, 7, gb::adu{gb::adu_type::sync_uitd_time, {sync}});
  REQUIRE(run_until(f.io, [&] { return f.ctr.frames.size() == 1 && !f.out.events.empty(); }));
  CHECK(f.ctr.frames[0].hdr.cmd == gb::command::confirm);
  CHECK(f.ctr.frames[0].hdr.serial == 7);
  CHECK(f.out.events[0].kind == gb::uitd_event_kind::clock_sync);
  CHECK(f.out.events[0].time == sync.time);

  f.ctr.request(gb::command::control, 8, gb::adu{gb::adu_type::init_uitd, {gb::init_uitd{}}});
  REQUIRE(run_until(f.io, [&] { return f.ctr.frames.size() == 2 && f.out.events.size() == 2; }));
  CHECK(f.ctr.frames[1].hdr.cmd == gb::command::confirm);
  CHECK(f.ctr.frames[1].hdr.serial == 8);
  CHECK(f.out.events[1].kind == gb::uitd_event_kind::init_request);

  // Data sent after the sync carries the synchronised clock in its time tag.
  f.ctr.auto_confirm = true;
  std::error_code ec;
  c.submit(routine_adu(1), ec);
  REQUIRE(run_until(f.io, [&] { return f.out.delivered.size() == 1; }));
  const gb::time_tag t = f.ctr.data_frames().at(0).hdr.time;
  CHECK(t.year == 25);
  CHECK(t.month == 6);
  CHECK(t.day == 15);
  CHECK(t.hour == 12);
}

TEST_CASE("gb26875 client: without adopt_clock_sync, the application sets the wall clock") {
  // A gateway that judges a centre's clock sync itself (one years off is refused) adopts the
  // accepted ones with set_wall_clock(): the frame headers' time tags follow only those.
  fixture f;
  f.ctr.listen();
  gb::client_config cfg = make_config(f.ctr.port());
  cfg.session.adopt_clock_sync = false;
  gb::client c(f.io, cfg);
  f.out.attach(c);
  c.start();
  REQUIRE(run_until(f.io, [&] { return f.out.connected == 1 && f.ctr.accepted == 1; }));
  gb::sync_uitd_time sync;
  sync.time = gb::time_tag{0, 30, 12, 15, 6, 3};  // 2003-06-15 12:30
  f.ctr.request(gb::command::control, 7, gb::adu{gb::adu_type::sync_uitd_time, {sync}});
  REQUIRE(run_until(f.io, [&] { return f.ctr.frames.size() == 1 && !f.out.events.empty(); }));
  CHECK(f.ctr.frames[0].hdr.cmd == gb::command::confirm);  // confirmed and reported all the same
  CHECK(f.out.events[0].kind == gb::uitd_event_kind::clock_sync);
  f.ctr.auto_confirm = true;
  std::error_code ec;
  c.submit(routine_adu(1), ec);
  REQUIRE(run_until(f.io, [&] { return f.out.delivered.size() == 1; }));
  CHECK(f.ctr.data_frames().at(0).hdr.time.year != 3);  // not adopted: still the host's clock
  // The application adopts a time it accepts.
  std::error_code tec;
  const gb::time_tag accepted{0, 0, 8, 1, 2, 25};  // 2025-02-01 08:00
  c.set_wall_clock(accepted.to_utc(cfg.session.utc_offset, tec));
  REQUIRE(!tec);
  c.submit(routine_adu(2), ec);
  REQUIRE(run_until(f.io, [&] { return f.out.delivered.size() == 2; }));
  const gb::time_tag t = f.ctr.data_frames().at(1).hdr.time;
  CHECK(t.year == 25);
  CHECK(t.month == 2);
  CHECK(t.day == 1);
  CHECK(t.hour == 8);
}

TEST_CASE("gb26875 client: duty check is confirmed, reported and answered") {
  fixture f;
  f.ctr.listen();
  gb::client c(f.io, make_config(f.ctr.port()));
  f.out.attach(c);
  c.start();
  REQUIRE(run_until(f.io, [&] { return f.out.connected == 1 && f.ctr.accepted == 1; }));
  gb::duty_check d;
  d.timeout_minutes = 10;
  f.ctr.request(gb::command::control, 9, gb::adu{gb::adu_type::duty_check, {d}});
  REQUIRE(run_until(f.io, [&] { return f.ctr.frames.size() == 1 && !f.out.events.empty(); }));
  CHECK(f.ctr.frames[0].hdr.cmd == gb::command::confirm);
  CHECK(f.ctr.frames[0].hdr.serial == 9);
  CHECK(f.out.events[0].kind == gb::uitd_event_kind::duty_check);
  CHECK(f.out.events[0].timeout_minutes == 10);

  f.ctr.auto_confirm = true;
  std::error_code ec;
  const std::uint64_t id = c.answer_duty_check(3, ec);
  REQUIRE_FALSE(ec);
  REQUIRE(run_until(f.io, [&] { return f.out.delivered.size() == 1; }));
  CHECK(f.out.delivered[0].id == id);
  const auto frames = f.ctr.data_frames();
  REQUIRE(frames.size() == 1);
  const gb::adu a = gb::decode_adu(firebus::byte_view(frames[0].adu));
  REQUIRE(a.type == gb::adu_type::uitd_operation);
  REQUIRE(a.objects.size() == 1);
  const auto& op = std::get<gb::uitd_operation>(a.objects[0]);
  CHECK((op.flags & 0x20) != 0);
  CHECK(op.operator_id == 3);
}

TEST_CASE("gb26875 client: sends a heartbeat when idle") {
  fixture f;
  f.ctr.listen();
  f.ctr.auto_confirm = true;
  auto cfg = make_config(f.ctr.port());
  cfg.session.heartbeat = 150ms;
  gb::client c(f.io, cfg);
  f.out.attach(c);
  c.start();
  REQUIRE(run_until(f.io, [&] { return f.out.connected == 1 && f.ctr.accepted == 1; }));
  const auto t0 = steady::now();
  REQUIRE(run_until(
      f.io, [&] { return f.ctr.data_frames().size() >= 2; }, 2s));
  const auto frames = f.ctr.data_frames();
  CHECK(frames[0].adu.empty());
  CHECK(frames[1].adu.empty());
  CHECK(frames[0].at - t0 >= 100ms);
  CHECK(frames[1].at - frames[0].at >= 120ms);
  CHECK(frames[1].hdr.serial != frames[0].hdr.serial);
  CHECK(f.out.delivered.empty());  // heartbeats are not messages
  CHECK(c.counters().session.heartbeats_sent >= 2);
}

TEST_CASE("gb26875 client: a dead link found by the heartbeat is reconnected") {
  fixture f;
  f.ctr.listen();
  auto cfg = make_config(f.ctr.port());
  cfg.session.heartbeat = 100ms;
  cfg.session.answer_timeout = 100ms;
  cfg.session.retries = 1;
  gb::client c(f.io, cfg);
  f.out.attach(c);
  c.start();  // the centre never answers: heartbeat, retry, dead, reconnect
  REQUIRE(run_until(
      f.io, [&] { return f.out.connected >= 2; }, 3s));
  CHECK(f.out.disconnected >= 1);
  bool saw_dead = false;
  for (const auto& e : f.out.events) saw_dead |= e.kind == gb::uitd_event_kind::heartbeat_failed;
  CHECK(saw_dead);
}

TEST_CASE("gb26875 client: submit from another thread while the io_context runs") {
  asio::io_context io;
  centre ctr(io);
  ctr.listen();
  ctr.auto_confirm = true;
  gb::client c(io, make_config(ctr.port()));
  std::atomic<int> delivered{0};
  std::atomic<int> failed{0};
  std::atomic<bool> connected{false};
  c.on_delivered([&](std::uint64_t, int, firebus::duration) { ++delivered; });
  c.on_failed([&](std::uint64_t, std::error_code) { ++failed; });
  c.on_connected([&] { connected = true; });
  c.start();
  std::atomic<bool> done{false};
  std::thread runner([&] {
    while (!done) io.run_for(5ms);
  });
  const auto deadline = steady::now() + 5s;
  while (!connected && steady::now() < deadline) std::this_thread::sleep_for(1ms);
  CHECK(connected);

  constexpr int per_thread = 50;
  std::vector<std::uint64_t> ids_a, ids_b;
  std::thread a([&] {
    std::error_code ec;
    for (int i = 0; i < per_thread; ++i) {
      ids_a.push_back(c.submit(routine_adu(static_cast<std::uint8_t>(i)), ec));
    }
  });
  std::thread b([&] {
    std::error_code ec;
    for (int i = 0; i < per_thread; ++i) {
      ids_b.push_back(c.submit(routine_adu(static_cast<std::uint8_t>(100 + i)), ec));
    }
  });
  a.join();
  b.join();
  while (delivered + failed < 2 * per_thread && steady::now() < deadline) {
    std::this_thread::sleep_for(1ms);
  }
  CHECK(delivered == 2 * per_thread);
  CHECK(failed == 0);
  CHECK(c.pending() == 0);
  c.stop();
  done = true;
  runner.join();
  // Ids are unique across threads.
  std::vector<std::uint64_t> all = ids_a;
  all.insert(all.end(), ids_b.begin(), ids_b.end());
  std::sort(all.begin(), all.end());
  CHECK(std::adjacent_find(all.begin(), all.end()) == all.end());
  CHECK(all.front() == 1);
  CHECK(all.back() == 2 * per_thread);
}

TEST_CASE("gb26875 client: a throwing callback does not kill the client") {
  fixture f;
  f.ctr.listen();
  f.ctr.auto_confirm = true;
  gb::client c(f.io, make_config(f.ctr.port()));
  int delivered = 0;
  std::vector<std::string> errors;
  c.on_connected([] { throw std::runtime_error("connected handler"); });
  c.on_delivered([&](std::uint64_t, int, firebus::duration) {
    ++delivered;
    throw std::runtime_error("delivered handler");
  });
  c.on_error([&](std::error_code, const std::string& what) { errors.push_back(what); });
  c.start();
  std::error_code ec;
  c.submit(routine_adu(1), ec);
  c.submit(routine_adu(2), ec);
  REQUIRE(run_until(f.io, [&] { return delivered == 2; }));
  CHECK(errors.size() == 3);
  CHECK(c.counters().callback_errors == 3);
  CHECK(c.is_connected());
  c.submit(routine_adu(3), ec);
  REQUIRE(run_until(f.io, [&] { return delivered == 3; }));
}

TEST_CASE("gb26875 client: stop keeps queued messages; start sends them") {
  fixture f;
  f.ctr.listen();
  gb::client c(f.io, make_config(f.ctr.port()));
  f.out.attach(c);
  c.start();
  REQUIRE(run_until(f.io, [&] { return f.out.connected == 1 && f.ctr.accepted == 1; }));
  std::error_code ec;
  c.submit(routine_adu(1), ec);
  c.submit(routine_adu(2), ec);
  REQUIRE(run_until(f.io, [&] { return f.ctr.frames.size() == 1; }));
  c.stop();
  run_for(f.io, 100ms);
  CHECK(f.out.disconnected == 1);
  CHECK_FALSE(c.is_connected());
  CHECK(c.pending() == 2);
  run_for(f.io, 500ms);  // stopped: no retransmission, no failure
  CHECK(f.ctr.data_frames().size() == 1);
  CHECK(f.out.failed.empty());
  f.ctr.auto_confirm = true;
  c.start();
  REQUIRE(run_until(f.io, [&] { return f.out.delivered.size() == 2; }));
  CHECK(c.pending() == 0);
}

TEST_CASE("gb26875 client: an invalid configuration is refused") {
  asio::io_context io;
  gb::client_config cfg = make_config(0);
  std::error_code ec;
  gb::client c(io, cfg, ec);
  CHECK(ec == firebus::errc::invalid_argument);
  std::error_code sec;
  CHECK(c.submit(routine_adu(1), sec) == 0);
  CHECK(sec == firebus::errc::invalid_argument);
  CHECK_THROWS_AS(gb::client(io, cfg), firebus::system_error);
}

namespace {

gb::adu sync_adu() {
  gb::sync_uitd_time sync;
  sync.time = gb::time_tag{0, 30, 12, 15, 6, 25};
  return gb::adu{gb::adu_type::sync_uitd_time, {sync}};
}

// Linux drops a SYN when the listener's accept queue is full, unless tcp_abort_on_overflow is
// set (then it resets the connection, which would be a refusal, not a timeout).
bool syn_dropped_when_backlog_full() {
  std::ifstream f("/proc/sys/net/ipv4/tcp_abort_on_overflow");
  int v = 0;
  return f && (f >> v) && v == 0;
}

}  // namespace

TEST_CASE("gb26875 client: an attempt that gets no answer fails after connect_timeout") {
  if (!syn_dropped_when_backlog_full()) {
    MESSAGE("tcp_abort_on_overflow is set (or not Linux): no black hole on loopback; skipped");
    return;
  }
  fixture f;
  // A listener with a backlog of 0 and one connection that it never accepts: its accept queue
  // is full, so the kernel drops every further SYN. The client's connect neither succeeds nor
  // is refused; only connect_timeout ends it.
  tcp::acceptor full(f.io);
  full.open(tcp::v4());
  full.bind(tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
  full.listen(0);
  const tcp::endpoint ep = full.local_endpoint();
  tcp::socket filler(f.io);
  filler.connect(ep);  // completed by the kernel, queued, never accepted

  auto cfg = make_config(ep.port());
  cfg.connect_timeout = 300ms;
  gb::client c(f.io, cfg);
  f.out.attach(c);
  const auto t0 = steady::now();
  c.start();
  REQUIRE(run_until(
      f.io, [&] { return c.counters().connect_failures >= 1; }, 2s));
  const auto first = steady::now() - t0;
  CHECK(first >= 250ms);  // the timeout, not a refusal
  CHECK(first < 1s);      // not the kernel's own SYN retries (which last minutes)
  // The next attempt (after the back-off) is cut off the same way.
  REQUIRE(run_until(
      f.io, [&] { return c.counters().connect_failures >= 2; }, 2s));
  const auto second = steady::now() - t0;
  CHECK(second - first >= 250ms);
  CHECK(f.out.connected == 0);
  CHECK(c.counters().connects == 0);
  CHECK_FALSE(c.is_connected());
}

TEST_CASE("gb26875 client: a false start from the centre is flushed after idle_flush") {
  fixture f;
  f.ctr.listen();
  auto cfg = make_config(f.ctr.port());
  cfg.idle_flush = 150ms;
  gb::client c(f.io, cfg);
  f.out.attach(c);
  c.start();
  REQUIRE(run_until(f.io, [&] { return f.out.connected == 1 && f.ctr.accepted == 1; }));
  // `@@` and a header whose ADU length reads 1000: the deframer would wait for 1054 bytes, so
  // the clock sync behind it is held back until the deframer is flushed.
  std::vector<std::uint8_t> bytes(27, 0x00);
  bytes[0] = 0x40;
  bytes[1] = 0x40;
  bytes[24] = 0xe8;  // ADU length 1000
  bytes[25] = 0x03;
  const auto sync = centre::request_bytes(gb::command::control, 7, sync_adu());
  bytes.insert(bytes.end(), sync.begin(), sync.end());
  const auto t0 = steady::now();
  f.ctr.send_raw(bytes);
  REQUIRE(run_until(
      f.io, [&] { return !f.out.events.empty(); }, 2s));
  const auto took = steady::now() - t0;
  CHECK(took >= 120ms);  // held back by the false start ...
  CHECK(took < 1s);      // ... until idle_flush, not until more bytes came
  CHECK(f.out.events[0].kind == gb::uitd_event_kind::clock_sync);
  CHECK(f.out.events[0].serial == 7);
  REQUIRE(run_until(f.io, [&] { return f.ctr.frames.size() == 1; }));
  CHECK(f.ctr.frames[0].hdr.cmd == gb::command::confirm);
  CHECK(f.ctr.frames[0].hdr.serial == 7);
  CHECK(c.counters().frames_rejected >= 1);
  CHECK(c.is_connected());
}

TEST_CASE("gb26875 client: stop() flushes the frames already queued; the message stays pending") {
  fixture f;
  f.ctr.listen();
  gb::client c(f.io, make_config(f.ctr.port()));
  f.out.attach(c);
  // Two controls arrive in one segment; their confirms are queued together, the second behind
  // the first (not yet written) when the callback for the second stops the client.
  int stops = 0;
  c.on_event([&](const gb::uitd_event& e) {
    f.out.events.push_back(e);
    if (e.kind == gb::uitd_event_kind::init_request) {
      ++stops;
      c.stop();
    }
  });
  c.start();
  REQUIRE(run_until(f.io, [&] { return f.out.connected == 1 && f.ctr.accepted == 1; }));
  std::error_code ec;
  const std::uint64_t id = c.submit(routine_adu(1), ec);
  REQUIRE(run_until(f.io, [&] { return f.ctr.frames.size() == 1; }));
  const gb::header msg = f.ctr.frames[0].hdr;  // in flight: not confirmed yet

  auto bytes = centre::request_bytes(gb::command::control, 7, sync_adu());
  const auto init = centre::request_bytes(gb::command::control, 8,
                                          gb::adu{gb::adu_type::init_uitd, {gb::init_uitd{}}});
  bytes.insert(bytes.end(), init.begin(), init.end());
  f.ctr.send_raw(bytes);
  REQUIRE(run_until(
      f.io, [&] { return f.ctr.frames.size() == 3; }, 2s));
  CHECK(f.ctr.frames[1].hdr.cmd == gb::command::confirm);
  CHECK(f.ctr.frames[1].hdr.serial == 7);
  CHECK(f.ctr.frames[2].hdr.cmd == gb::command::confirm);
  CHECK(f.ctr.frames[2].hdr.serial == 8);
  CHECK(stops == 1);
  CHECK(f.out.disconnected == 1);
  CHECK_FALSE(c.is_connected());

  // The centre confirms the message now: the stopped client reads the confirm only to discard
  // it, so the message is neither delivered nor failed, and stays pending.
  f.ctr.answer(msg, gb::command::confirm);
  run_for(f.io, 200ms);
  CHECK(f.out.delivered.empty());
  CHECK(f.out.failed.empty());
  CHECK(c.pending() == 1);

  // After start() it is resent with its serial number, and delivered.
  f.ctr.auto_confirm = true;
  c.start();
  REQUIRE(run_until(f.io, [&] { return f.out.delivered.size() == 1; }));
  CHECK(f.out.delivered[0].id == id);
  CHECK(f.out.delivered[0].attempts == 2);
  const auto data = f.ctr.data_frames();
  REQUIRE(data.size() == 2);
  CHECK(data[1].hdr.serial == msg.serial);
  CHECK(data[1].connection == 2);
  CHECK(c.pending() == 0);
}

TEST_CASE("gb26875 client: destroyed on another thread, it waits for a running callback") {
  asio::io_context io;
  centre ctr(io);
  ctr.listen();
  auto c = std::make_unique<gb::client>(io, make_config(ctr.port()));
  std::atomic<bool> connected{false};
  std::atomic<bool> in_callback{false};
  std::atomic<bool> callback_done{false};
  std::atomic<int> disconnected{0};
  c->on_connected([&] { connected = true; });
  c->on_disconnected([&](std::error_code) { ++disconnected; });
  c->on_event([&](const gb::uitd_event&) {
    in_callback = true;
    std::this_thread::sleep_for(200ms);
    callback_done = true;
  });
  c->start();
  std::atomic<bool> done{false};
  std::thread runner([&] {
    while (!done) io.run_for(5ms);
  });
  const auto deadline = steady::now() + 3s;
  while (!connected && steady::now() < deadline) std::this_thread::sleep_for(1ms);
  REQUIRE(connected);
  asio::post(io, [&] { ctr.request(gb::command::control, 7, sync_adu()); });
  while (!in_callback && steady::now() < deadline) std::this_thread::sleep_for(1ms);
  REQUIRE(in_callback);
  c.reset();                 // on this thread, while the io thread is inside the callback
  CHECK(callback_done);      // the destructor waited for it
  CHECK(disconnected == 0);  // and no callback ran after it began
  done = true;
  runner.join();
}
