// firebus — fire-safety IoT SDK.
// firebus::gb26875::server against UITDs played by the test: raw TCP sockets on 127.0.0.1 that
// write frames made with encode_frame/encode_adu and read the answers through a deframer.
// Every wait is bounded, so a bug fails a test instead of hanging CI.
#include <poll.h>
#include <sys/resource.h>
#include <sys/socket.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include <asio.hpp>
#include <doctest/doctest.h>

#include <firebus/core/byte_writer.hpp>
#include <firebus/gb26875/adu.hpp>
#include <firebus/gb26875/deframer.hpp>
#include <firebus/gb26875/frame.hpp>
#include <firebus/io/gb26875_server.hpp>

namespace {

namespace gb = firebus::gb26875;
using asio::ip::tcp;
using namespace std::chrono_literals;
using clock_type = std::chrono::steady_clock;

constexpr std::uint64_t centre_address = 0x0000'0000'0001;
constexpr std::uint64_t uitd_address = 0x0000'1234'5678;

std::vector<std::uint8_t> frame_of(const gb::header& h, const std::vector<std::uint8_t>& adu) {
  std::vector<std::uint8_t> out;
  firebus::byte_writer w(out, gb::max_frame_size);
  std::error_code ec;
  gb::encode_frame(h, adu, w, ec);
  REQUIRE_FALSE(ec);
  return out;
}

gb::header uitd_header(std::uint16_t serial, gb::command cmd = gb::command::send_data,
                       std::uint64_t source = uitd_address) {
  gb::header h;
  h.serial = serial;
  h.source = source;
  h.destination = centre_address;
  h.cmd = cmd;
  h.time = gb::time_tag{5, 4, 3, 2, 1, 26};
  return h;
}

std::vector<std::uint8_t> fire_alarm_adu() {
  gb::component_status cs;
  cs.system_type = 1;  // fire alarm system (Table 4)
  cs.component_type = 21;
  cs.component_address = 0x0102'0304;
  cs.status = 0x0002;  // fire alarm
  cs.time = gb::time_tag{5, 4, 3, 2, 1, 26};
  return gb::encode_adu(gb::adu{gb::adu_type::component_status, {cs}});
}

std::vector<std::uint8_t> fire_alarm(std::uint16_t serial, std::uint64_t source = uitd_address) {
  return frame_of(uitd_header(serial, gb::command::send_data, source), fire_alarm_adu());
}
std::vector<std::uint8_t> heartbeat(std::uint16_t serial, std::uint64_t source = uitd_address) {
  return frame_of(uitd_header(serial, gb::command::send_data, source), {});
}

struct got_frame {
  gb::header hdr;
  std::vector<std::uint8_t> adu;
  std::vector<std::uint8_t> bytes;
};

// A UITD played by the test: a blocking socket read with poll() timeouts.
class uitd {
 public:
  explicit uitd(asio::io_context& io) : socket_(io) {}

  void connect(std::uint16_t port, int rcvbuf = 0) {
    socket_.open(tcp::v4());
    if (rcvbuf > 0) socket_.set_option(asio::socket_base::receive_buffer_size(rcvbuf));
    socket_.connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), port));
    socket_.set_option(tcp::no_delay(true));
  }

  void send(const std::vector<std::uint8_t>& bytes) { asio::write(socket_, asio::buffer(bytes)); }
  bool try_send(const std::vector<std::uint8_t>& bytes) {
    std::error_code ec;
    asio::write(socket_, asio::buffer(bytes), ec);
    return !ec;
  }

  // The next frame from the centre, or nothing after `timeout` (or at end of stream).
  std::optional<got_frame> read(std::chrono::milliseconds timeout = 2000ms) {
    const auto deadline = clock_type::now() + timeout;
    while (frames_.empty() && !eof_) {
      const auto left =
          std::chrono::duration_cast<std::chrono::milliseconds>(deadline - clock_type::now());
      if (left <= 0ms) break;
      if (!wait_readable(left)) break;
      std::uint8_t buf[4096];
      const ssize_t n = ::recv(socket_.native_handle(), buf, sizeof buf, 0);
      if (n <= 0) {
        eof_ = true;
        break;
      }
      df_.feed(
          firebus::byte_view(buf, static_cast<std::size_t>(n)),
          [&](const gb::frame_view& f) {
            // Re-encoded: the same bytes, since the frame was valid (an empty ADU has no data()).
            frames_.push_back({f.hdr, f.adu.to_vector(), frame_of(f.hdr, f.adu.to_vector())});
          },
          [&](const gb::rejection&) { ++rejections_; });
    }
    if (frames_.empty()) return std::nullopt;
    got_frame f = std::move(frames_.front());
    frames_.pop_front();
    return f;
  }

  // True once the centre closed the connection (within `timeout`); frames before are dropped.
  bool closed_by_peer(std::chrono::milliseconds timeout = 3000ms) {
    const auto deadline = clock_type::now() + timeout;
    while (!eof_) {
      const auto left =
          std::chrono::duration_cast<std::chrono::milliseconds>(deadline - clock_type::now());
      if (left <= 0ms) return false;
      if (!wait_readable(left)) return false;
      std::uint8_t buf[4096];
      if (::recv(socket_.native_handle(), buf, sizeof buf, 0) <= 0) eof_ = true;
    }
    return true;
  }

  int rejections() const { return rejections_; }
  tcp::socket& socket() { return socket_; }

 private:
  bool wait_readable(std::chrono::milliseconds timeout) {
    pollfd p{socket_.native_handle(), POLLIN, 0};
    return ::poll(&p, 1, static_cast<int>(timeout.count())) > 0;
  }

  tcp::socket socket_;
  gb::deframer df_;
  std::deque<got_frame> frames_;
  bool eof_ = false;
  int rejections_ = 0;
};

struct message_event {
  gb::connection_id conn;
  gb::header hdr;
  std::vector<std::uint8_t> adu;
  std::uint64_t token;
};
struct answer_event {
  gb::connection_id conn;
  std::uint64_t id;
  gb::header hdr;
  std::vector<std::uint8_t> adu;
};
struct failed_event {
  gb::connection_id conn;
  std::uint64_t id;
  std::error_code reason;
};
struct close_event {
  gb::connection_id conn;
  gb::server_close_reason reason;
};
struct error_event {
  gb::connection_id conn;
  std::error_code ec;
  std::string what;
};

// The centre under test: a server on an io_context run by its own thread, whose handlers
// record everything.
class centre {
 public:
  explicit centre(gb::server_config cfg = config(),
                  std::function<void(gb::connection_id, const gb::centre_session::message&)>
                      extra_on_message = {})
      : work_(asio::make_work_guard(io_)), server_(io_, cfg), extra_(std::move(extra_on_message)) {
    server_.on_connect([this](gb::connection_id c, const std::string& remote) {
      std::lock_guard<std::mutex> lock(m_);
      connects.push_back(c);
      remotes.push_back(remote);
      cv_.notify_all();
    });
    server_.on_message([this](gb::connection_id c, const gb::centre_session::message& msg) {
      {
        std::lock_guard<std::mutex> lock(m_);
        messages.push_back({c, msg.hdr, msg.adu_bytes, msg.token});
        cv_.notify_all();
      }
      if (extra_) extra_(c, msg);
    });
    server_.on_heartbeat([this](gb::connection_id, const gb::centre_session::heartbeat&) {
      std::lock_guard<std::mutex> lock(m_);
      ++heartbeats;
      cv_.notify_all();
    });
    server_.on_answer(
        [this](gb::connection_id c, std::uint64_t id, const gb::centre_session::answer& a) {
          std::lock_guard<std::mutex> lock(m_);
          answers.push_back({c, id, a.hdr, a.adu_bytes});
          cv_.notify_all();
        });
    server_.on_request_failed([this](gb::connection_id c, std::uint64_t id, std::error_code ec) {
      std::lock_guard<std::mutex> lock(m_);
      failures.push_back({c, id, ec});
      cv_.notify_all();
    });
    server_.on_close([this](gb::connection_id c, gb::server_close_reason r) {
      std::lock_guard<std::mutex> lock(m_);
      closes.push_back({c, r});
      cv_.notify_all();
    });
    server_.on_error([this](gb::connection_id c, std::error_code ec, const std::string& what) {
      std::lock_guard<std::mutex> lock(m_);
      errors.push_back({c, ec, what});
      cv_.notify_all();
    });
    std::error_code ec;
    server_.start(ec);
    REQUIRE_FALSE(ec);
    REQUIRE(server_.local_port() != 0);
    thread_ = std::thread([this] { io_.run(); });
  }

  ~centre() {
    server_.stop();
    const auto deadline = clock_type::now() + 3s;
    while (server_.counters().connections_open != 0 && clock_type::now() < deadline) {
      std::this_thread::sleep_for(5ms);
    }
    work_.reset();
    io_.stop();
    thread_.join();
  }

  static gb::server_config config() {
    gb::server_config cfg;
    cfg.listen_address = "127.0.0.1";
    cfg.port = 0;
    cfg.centre.address = centre_address;
    return cfg;
  }

  // Waits until `pred` (called under the lock) holds; false after `timeout`.
  template <class Pred>
  bool wait(Pred pred, std::chrono::milliseconds timeout = 3000ms) {
    std::unique_lock<std::mutex> lock(m_);
    return cv_.wait_for(lock, timeout, [&] { return pred(); });
  }
  template <class F>
  auto locked(F f) {
    std::lock_guard<std::mutex> lock(m_);
    return f();
  }

  std::uint16_t port() const { return server_.local_port(); }
  gb::server& server() { return server_; }
  asio::io_context& client_io() { return client_io_; }

  std::vector<gb::connection_id> connects;
  std::vector<std::string> remotes;
  std::vector<message_event> messages;
  int heartbeats = 0;
  std::vector<answer_event> answers;
  std::vector<failed_event> failures;
  std::vector<close_event> closes;
  std::vector<error_event> errors;

 private:
  asio::io_context io_;
  asio::executor_work_guard<asio::io_context::executor_type> work_;
  gb::server server_;
  std::function<void(gb::connection_id, const gb::centre_session::message&)> extra_;
  asio::io_context client_io_;
  std::thread thread_;
  std::mutex m_;
  std::condition_variable cv_;
};

void check_reply(const got_frame& f, gb::command cmd, std::uint16_t serial) {
  CHECK(f.hdr.cmd == cmd);
  CHECK(f.hdr.serial == serial);
  CHECK(f.hdr.source == centre_address);  // swapped addresses (§6.5)
  CHECK(f.hdr.destination == uitd_address);
  CHECK(f.adu.empty());
}

}  // namespace

TEST_CASE("gb26875 server: a fire alarm is delivered and confirmed with swapped addresses") {
  centre c;
  uitd u(c.client_io());
  u.connect(c.port());
  u.send(fire_alarm(42));
  auto f = u.read();
  REQUIRE(f);
  check_reply(*f, gb::command::confirm, 42);
  REQUIRE(c.wait([&] { return c.messages.size() == 1; }));
  const message_event m = c.locked([&] { return c.messages[0]; });
  CHECK(m.hdr.serial == 42);
  CHECK(m.hdr.source == uitd_address);
  CHECK(m.token == 0);
  const gb::adu a = gb::decode_adu(m.adu);
  REQUIRE(a.type == gb::adu_type::component_status);
  REQUIRE(a.objects.size() == 1);
  CHECK(std::get<gb::component_status>(a.objects[0]).status == 0x0002);
  CHECK(c.server().find_by_address(uitd_address) == m.conn);
  CHECK(c.server().find_by_address(0x99) == 0);
  CHECK(c.locked([&] { return c.remotes.at(0).rfind("127.0.0.1:", 0) == 0; }));
  const gb::server_counters k = c.server().counters();
  CHECK(k.connections_accepted == 1);
  CHECK(k.connections_open == 1);
  CHECK(k.frames_in == 1);
  CHECK(k.messages == 1);
  CHECK(k.confirms_sent == 1);
}

TEST_CASE("gb26875 server: a heartbeat is confirmed") {
  centre c;
  uitd u(c.client_io());
  u.connect(c.port());
  u.send(heartbeat(7));
  auto f = u.read();
  REQUIRE(f);
  check_reply(*f, gb::command::confirm, 7);
  CHECK(c.wait([&] { return c.heartbeats == 1; }));
  CHECK(c.locked([&] { return c.messages.empty(); }));
}

TEST_CASE("gb26875 server: a frame with a damaged checksum is denied (§6.5.3)") {
  centre c;
  uitd u(c.client_io());
  u.connect(c.port());
  auto bad = fire_alarm(99);
  bad[bad.size() - 3] = static_cast<std::uint8_t>(bad[bad.size() - 3] + 1);
  u.send(bad);
  auto f = u.read();
  REQUIRE(f);
  check_reply(*f, gb::command::deny, 99);
  CHECK(c.wait([&] { return !c.errors.empty(); }));
  CHECK(c.locked([&] { return c.errors[0].ec == gb::errc::checksum_mismatch; }));
  CHECK(c.server().counters().denies_sent == 1);
  // The connection stays usable.
  u.send(heartbeat(100));
  f = u.read();
  REQUIRE(f);
  check_reply(*f, gb::command::confirm, 100);
}

TEST_CASE("gb26875 server: garbage, then a valid frame that is confirmed") {
  centre c;
  uitd u(c.client_io());
  u.connect(c.port());
  std::vector<std::uint8_t> bytes = {0x00, 0x11, 0x40, 0x22, 0x23, 0x23, 0xff, 0x40};
  const auto good = fire_alarm(5);
  bytes.insert(bytes.end(), good.begin(), good.end());
  u.send(bytes);
  auto f = u.read();
  REQUIRE(f);
  check_reply(*f, gb::command::confirm, 5);
  CHECK(c.wait([&] { return c.messages.size() == 1; }));
  CHECK(c.server().counters().rejections >= 1);
}

TEST_CASE("gb26875 server: a false start is flushed so that the frame behind it is confirmed") {
  // A `@@` whose length field looks valid (1000) would hold back the frame behind it until 1054
  // bytes arrived; the server flushes its deframer after flush_after of silence.
  auto cfg = centre::config();
  cfg.flush_after = 100ms;
  centre c(cfg);
  uitd u(c.client_io());
  u.connect(c.port());
  std::vector<std::uint8_t> bytes(27, 0x00);
  bytes[0] = 0x40;
  bytes[1] = 0x40;
  bytes[24] = 0xe8;  // ADU length 1000
  bytes[25] = 0x03;
  const auto good = fire_alarm(6);
  bytes.insert(bytes.end(), good.begin(), good.end());
  const auto t0 = clock_type::now();
  u.send(bytes);
  auto f = u.read();
  REQUIRE(f);
  check_reply(*f, gb::command::confirm, 6);
  CHECK(clock_type::now() - t0 < 1500ms);
}

TEST_CASE("gb26875 server: frames split into 1-byte writes") {
  centre c;
  uitd u(c.client_io());
  u.connect(c.port());
  const auto a = fire_alarm(11);
  const auto b = heartbeat(12);
  for (const auto* frame : {&a, &b}) {
    for (const std::uint8_t byte : *frame) {
      u.send({byte});
    }
  }
  auto f = u.read();
  REQUIRE(f);
  check_reply(*f, gb::command::confirm, 11);
  f = u.read();
  REQUIRE(f);
  check_reply(*f, gb::command::confirm, 12);
}

TEST_CASE("gb26875 server: glued frames in one write") {
  centre c;
  uitd u(c.client_io());
  u.connect(c.port());
  std::vector<std::uint8_t> bytes;
  for (std::uint16_t s = 1; s <= 5; ++s) {
    const auto one = s % 2 != 0 ? fire_alarm(s) : heartbeat(s);
    bytes.insert(bytes.end(), one.begin(), one.end());
  }
  u.send(bytes);
  for (std::uint16_t s = 1; s <= 5; ++s) {
    auto f = u.read();
    REQUIRE(f);
    check_reply(*f, gb::command::confirm, s);
  }
  CHECK(c.wait([&] { return c.messages.size() == 3 && c.heartbeats == 2; }));
}

TEST_CASE("gb26875 server: a request is answered and correlated") {
  centre c;
  uitd u(c.client_io());
  u.connect(c.port());
  u.send(heartbeat(1));  // the server learns the UITD's address from its first frame
  REQUIRE(u.read());
  REQUIRE(c.wait([&] { return c.server().find_by_address(uitd_address) != 0; }));
  const gb::connection_id conn = c.server().find_by_address(uitd_address);

  std::error_code ec;
  const std::uint64_t id = c.server().request(
      conn, gb::adu{gb::adu_type::read_uitd_status, {gb::read_uitd_status{}}}, ec);
  REQUIRE_FALSE(ec);
  REQUIRE(id != 0);
  auto req = u.read();
  REQUIRE(req);
  CHECK(req->hdr.cmd == gb::command::request);
  CHECK(req->hdr.source == centre_address);
  CHECK(req->hdr.destination == uitd_address);
  CHECK(gb::decode_adu(req->adu).type == gb::adu_type::read_uitd_status);

  gb::uitd_status st;
  st.status = 0x01;
  st.time = gb::time_tag{1, 2, 3, 4, 5, 26};
  u.send(frame_of(gb::reply_header(req->hdr, gb::command::response),
                  gb::encode_adu(gb::adu{gb::adu_type::uitd_status, {st}})));
  REQUIRE(c.wait([&] { return c.answers.size() == 1; }));
  const answer_event a = c.locked([&] { return c.answers[0]; });
  CHECK(a.conn == conn);
  CHECK(a.id == id);
  CHECK(a.hdr.cmd == gb::command::response);
  CHECK(a.hdr.serial == req->hdr.serial);
  CHECK(std::get<gb::uitd_status>(gb::decode_adu(a.adu).objects.at(0)).status == 0x01);

  // A control is completed by a confirm.
  const std::uint64_t id2 =
      c.server().control(conn, gb::adu{gb::adu_type::init_uitd, {gb::init_uitd{}}}, ec);
  REQUIRE_FALSE(ec);
  CHECK(id2 > id);
  auto ctl = u.read();
  REQUIRE(ctl);
  CHECK(ctl->hdr.cmd == gb::command::control);
  u.send(frame_of(gb::reply_header(ctl->hdr, gb::command::confirm), {}));
  REQUIRE(c.wait([&] { return c.answers.size() == 2; }));
  CHECK(c.locked([&] { return c.answers[1].id; }) == id2);

  // Wrong type, unknown connection: refused at once.
  CHECK(c.server().request(conn, gb::adu{gb::adu_type::init_uitd, {gb::init_uitd{}}}, ec) == 0);
  CHECK(ec == firebus::errc::invalid_argument);
  CHECK(c.server().request(12345, gb::adu{gb::adu_type::read_uitd_status, {gb::read_uitd_status{}}},
                           ec) == 0);
  CHECK(ec == gb::errc::not_connected);
}

TEST_CASE("gb26875 server: an unanswered request is retransmitted, then fails") {
  auto cfg = centre::config();
  cfg.centre.answer_timeout = 200ms;
  cfg.centre.retries = 1;
  centre c(cfg);
  uitd u(c.client_io());
  u.connect(c.port());
  u.send(heartbeat(1));
  REQUIRE(u.read());
  REQUIRE(c.wait([&] { return c.server().find_by_address(uitd_address) != 0; }));
  const gb::connection_id conn = c.server().find_by_address(uitd_address);
  const auto t0 = clock_type::now();
  const std::uint64_t id =
      c.server().request(conn, gb::adu{gb::adu_type::read_uitd_time, {gb::read_uitd_time{}}});
  auto first = u.read();
  REQUIRE(first);
  auto again = u.read(1000ms);
  REQUIRE(again);
  CHECK(again->bytes == first->bytes);  // the identical frame (§6.5.4)
  CHECK(clock_type::now() - t0 >= 150ms);
  REQUIRE(c.wait([&] { return c.failures.size() == 1; }));
  const failed_event f = c.locked([&] { return c.failures[0]; });
  CHECK(f.id == id);
  CHECK(f.conn == conn);
  CHECK(f.reason == gb::errc::no_answer);
  CHECK(clock_type::now() - t0 >= 350ms);
  const auto k = c.server().counters();
  CHECK(k.retransmissions == 1);
  CHECK(k.request_failures == 1);
}

TEST_CASE("gb26875 server: an idle connection is closed") {
  auto cfg = centre::config();
  cfg.centre.idle_timeout = 300ms;
  centre c(cfg);
  uitd u(c.client_io());
  u.connect(c.port());
  const auto t0 = clock_type::now();
  u.send(heartbeat(1));
  REQUIRE(u.read());
  CHECK(u.closed_by_peer(3000ms));
  CHECK(clock_type::now() - t0 >= 250ms);
  REQUIRE(c.wait([&] { return c.closes.size() == 1; }));
  CHECK(c.locked([&] { return c.closes[0].reason; }) == gb::server_close_reason::idle_timeout);
  CHECK(c.server().counters().closed(gb::server_close_reason::idle_timeout) == 1);
  CHECK(c.server().counters().connections_open == 0);
}

TEST_CASE("gb26875 server: the rate limit closes a flooding connection, not its neighbour") {
  auto cfg = centre::config();
  cfg.centre.rate_max_frames = 20;
  centre c(cfg);
  uitd flood(c.client_io());
  uitd good(c.client_io());
  flood.connect(c.port());
  good.connect(c.port());
  std::vector<std::uint8_t> bytes;
  for (std::uint16_t s = 1; s <= 100; ++s) {
    const auto hb = heartbeat(s, 0x77);
    bytes.insert(bytes.end(), hb.begin(), hb.end());
  }
  (void)flood.try_send(bytes);
  CHECK(flood.closed_by_peer());
  REQUIRE(c.wait([&] { return c.closes.size() == 1; }));
  CHECK(c.locked([&] { return c.closes[0].reason; }) == gb::server_close_reason::rate_limit);
  for (std::uint16_t s = 1; s <= 5; ++s) {
    good.send(fire_alarm(s));
    auto f = good.read();
    REQUIRE(f);
    check_reply(*f, gb::command::confirm, s);
  }
}

TEST_CASE("gb26875 server: max_connections is enforced") {
  auto cfg = centre::config();
  cfg.max_connections = 2;
  centre c(cfg);
  uitd a(c.client_io());
  uitd b(c.client_io());
  uitd extra(c.client_io());
  a.connect(c.port());
  b.connect(c.port());
  REQUIRE(c.wait([&] { return c.connects.size() == 2; }));
  extra.connect(c.port());
  CHECK(extra.closed_by_peer());
  CHECK(c.server().counters().connections_refused == 1);
  CHECK(c.server().connections().size() == 2);
  a.send(heartbeat(1));
  b.send(heartbeat(2));
  REQUIRE(a.read());
  REQUIRE(b.read());
  // A place freed is available again.
  a.socket().close();
  REQUIRE(c.wait([&] { return c.closes.size() == 1; }));
  CHECK(c.locked([&] { return c.closes[0].reason; }) == gb::server_close_reason::peer_closed);
  uitd d(c.client_io());
  d.connect(c.port());
  d.send(heartbeat(3));
  auto f = d.read();
  REQUIRE(f);
  check_reply(*f, gb::command::confirm, 3);
}

TEST_CASE("gb26875 server: a slow reader is closed and does not block others") {
  auto cfg = centre::config();
  cfg.centre.rate_max_frames = 65536;
  cfg.centre.rate_window = std::chrono::milliseconds(1);
  cfg.max_write_queue_bytes = 4096;
  centre c(cfg);
  uitd slow(c.client_io());
  uitd good(c.client_io());
  slow.connect(c.port(), 4096);
  good.connect(c.port());
  std::vector<std::uint8_t> chunk;
  for (int i = 0; i < 2000; ++i) {
    const auto hb = heartbeat(static_cast<std::uint16_t>(i), 0x55);
    chunk.insert(chunk.end(), hb.begin(), hb.end());
  }
  // The slow UITD writes and never reads: its confirms pile up in the server's write queue.
  std::atomic<bool> done{false};
  std::thread writer([&] {
    const auto deadline = clock_type::now() + 8s;
    while (clock_type::now() < deadline && slow.try_send(chunk)) {
    }
    done = true;
  });
  std::uint16_t serial = 1;
  while (!done && serial < 1000) {
    good.send(fire_alarm(serial));
    auto f = good.read();
    REQUIRE(f);
    check_reply(*f, gb::command::confirm, serial);
    ++serial;
  }
  writer.join();
  REQUIRE(c.wait([&] { return !c.closes.empty(); }));
  CHECK(c.locked([&] { return c.closes[0].reason; }) == gb::server_close_reason::write_backlog);
  good.send(fire_alarm(serial));
  auto f = good.read();
  REQUIRE(f);
  check_reply(*f, gb::command::confirm, serial);
}

TEST_CASE("gb26875 server: after_accept confirms only after accept()") {
  auto cfg = centre::config();
  cfg.centre.confirm = gb::confirm_policy::after_accept;
  centre c(cfg);
  uitd u(c.client_io());
  u.connect(c.port());
  u.send(fire_alarm(31));
  u.send(fire_alarm(32));
  REQUIRE(c.wait([&] { return c.messages.size() == 2; }));
  CHECK_FALSE(u.read(200ms));  // nothing confirmed yet
  const message_event m1 = c.locked([&] { return c.messages[0]; });
  const message_event m2 = c.locked([&] { return c.messages[1]; });
  CHECK(m1.token != 0);
  CHECK(m2.token != 0);
  std::thread([&] { c.server().accept(m1.conn, m1.token); }).join();  // from any thread
  auto f = u.read();
  REQUIRE(f);
  check_reply(*f, gb::command::confirm, 31);
  c.server().reject(m2.conn, m2.token);
  f = u.read();
  REQUIRE(f);
  check_reply(*f, gb::command::deny, 32);
  // An unknown token is an error, reported to the error handler.
  c.server().accept(m1.conn, m1.token);
  CHECK(c.wait([&] {
    for (const auto& e : c.errors) {
      if (e.ec == firebus::errc::invalid_argument) return true;
    }
    return false;
  }));
}

TEST_CASE("gb26875 server: a throwing handler does not kill the server") {
  int calls = 0;
  centre c(centre::config(), [&](gb::connection_id, const gb::centre_session::message&) {
    if (++calls == 1) throw std::runtime_error("boom");
  });
  uitd u(c.client_io());
  u.connect(c.port());
  u.send(fire_alarm(1));
  auto f = u.read();
  REQUIRE(f);
  check_reply(*f, gb::command::confirm, 1);
  REQUIRE(c.wait([&] {
    for (const auto& e : c.errors) {
      if (e.what.find("boom") != std::string::npos) return true;
    }
    return false;
  }));
  u.send(fire_alarm(2));
  f = u.read();
  REQUIRE(f);
  check_reply(*f, gb::command::confirm, 2);
  CHECK(c.wait([&] { return c.messages.size() == 2; }));
  CHECK(c.server().counters().handler_exceptions == 1);
}

TEST_CASE("gb26875 server: 1000 concurrent connections each get their confirm") {
  constexpr int n = 1000;
  rlimit lim{};
  REQUIRE(::getrlimit(RLIMIT_NOFILE, &lim) == 0);
  const rlim_t need = 2 * n + 100;  // both ends live in this process
  if (lim.rlim_cur < need) {
    rlimit want = lim;
    want.rlim_cur = lim.rlim_max == RLIM_INFINITY || lim.rlim_max >= need ? need : lim.rlim_max;
    if (want.rlim_cur < need || ::setrlimit(RLIMIT_NOFILE, &want) != 0) {
      MESSAGE("RLIMIT_NOFILE too low (" << lim.rlim_cur << ") and cannot be raised: skipped");
      return;
    }
  }
  auto cfg = centre::config();
  cfg.max_connections = n + 10;
  centre c(cfg);
  asio::io_context io;
  const tcp::endpoint ep(asio::ip::make_address("127.0.0.1"), c.port());
  struct client {
    explicit client(asio::io_context& ctx) : socket(ctx) {}
    tcp::socket socket;
    std::vector<std::uint8_t> out;
    std::array<std::uint8_t, gb::min_frame_size> in{};
  };
  std::vector<std::unique_ptr<client>> clients;
  std::atomic<int> ok{0};
  std::atomic<int> bad{0};
  const auto t0 = clock_type::now();
  for (int i = 0; i < n; ++i) {
    auto cl = std::make_unique<client>(io);
    client* p = cl.get();
    p->out = fire_alarm(static_cast<std::uint16_t>(i + 1), 0x1000 + static_cast<std::uint64_t>(i));
    p->socket.async_connect(ep, [p, i, &ok, &bad](std::error_code ec) {
      if (ec) {
        ++bad;
        return;
      }
      asio::async_write(
          p->socket, asio::buffer(p->out), [p, i, &ok, &bad](std::error_code e, std::size_t) {
            if (e) {
              ++bad;
              return;
            }
            asio::async_read(p->socket, asio::buffer(p->in),
                             [p, i, &ok, &bad](std::error_code e2, std::size_t) {
                               std::error_code dec;
                               const gb::frame_view f = gb::decode_frame(p->in, dec);
                               if (!e2 && !dec && f.hdr.cmd == gb::command::confirm &&
                                   f.hdr.serial == static_cast<std::uint16_t>(i + 1)) {
                                 ++ok;
                               } else {
                                 ++bad;
                               }
                             });
          });
    });
    clients.push_back(std::move(cl));
  }
  io.run_for(15s);
  const auto took = clock_type::now() - t0;
  MESSAGE("1000 connections confirmed in "
          << std::chrono::duration_cast<std::chrono::milliseconds>(took).count() << " ms");
  CHECK(ok == n);
  CHECK(bad == 0);
  CHECK(c.wait([&] { return c.messages.size() == static_cast<std::size_t>(n); }, 5000ms));
  CHECK(c.server().counters().connections_open == static_cast<std::uint64_t>(n));
  CHECK(c.server().find_by_address(0x1000 + 500) != 0);
  for (auto& cl : clients) {
    std::error_code ignored;
    cl->socket.close(ignored);
  }
  CHECK(c.wait([&] { return c.closes.size() == static_cast<std::size_t>(n); }, 5000ms));
}

TEST_CASE("gb26875 server: close() and stop() close connections and fail pending requests") {
  centre c;
  uitd a(c.client_io());
  uitd b(c.client_io());
  a.connect(c.port());
  b.connect(c.port());
  a.send(heartbeat(1, 0xa));
  b.send(heartbeat(1, 0xb));
  REQUIRE(a.read());
  REQUIRE(b.read());
  REQUIRE(c.wait([&] {
    return c.server().find_by_address(0xa) != 0 && c.server().find_by_address(0xb) != 0;
  }));
  const gb::connection_id ca = c.server().find_by_address(0xa);
  const gb::connection_id cb = c.server().find_by_address(0xb);
  c.server().close(ca);
  CHECK(a.closed_by_peer());
  REQUIRE(c.wait([&] { return c.closes.size() == 1; }));
  CHECK(c.locked([&] { return c.closes[0].reason; }) == gb::server_close_reason::closed);
  CHECK(c.server().find_by_address(0xa) == 0);

  const std::uint64_t id =
      c.server().request(cb, gb::adu{gb::adu_type::read_uitd_status, {gb::read_uitd_status{}}});
  REQUIRE(b.read());  // the request is in flight
  c.server().stop();
  CHECK(b.closed_by_peer());
  REQUIRE(c.wait([&] { return c.closes.size() == 2 && c.failures.size() == 1; }));
  CHECK(c.locked([&] { return c.closes[1].reason; }) == gb::server_close_reason::stopped);
  CHECK(c.locked([&] { return c.failures[0].id; }) == id);
  CHECK(c.locked([&] { return c.failures[0].reason; }) == gb::errc::not_connected);
  // No longer accepting.
  uitd late(c.client_io());
  std::error_code ec;
  late.socket().open(tcp::v4());
  late.socket().connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), c.port()), ec);
  CHECK(ec);
}

TEST_CASE("gb26875 server: the deny queued before a too_many_errors close reaches the UITD") {
  auto cfg = centre::config();
  cfg.centre.max_consecutive_errors = 1;  // the second bad frame closes the connection
  centre c(cfg);
  uitd u(c.client_io());
  u.connect(c.port());
  // Two damaged frames in one segment: both denies are queued in one read, the second behind
  // the first (not yet written) when the engine asks for the close.
  std::vector<std::uint8_t> bytes;
  for (const std::uint16_t serial : {std::uint16_t{21}, std::uint16_t{22}}) {
    auto bad = fire_alarm(serial);
    bad[bad.size() - 3] = static_cast<std::uint8_t>(bad[bad.size() - 3] + 1);
    bytes.insert(bytes.end(), bad.begin(), bad.end());
  }
  u.send(bytes);
  auto f = u.read();
  REQUIRE(f);
  check_reply(*f, gb::command::deny, 21);
  f = u.read();
  REQUIRE(f);
  check_reply(*f, gb::command::deny, 22);
  CHECK(u.closed_by_peer());
  REQUIRE(c.wait([&] { return c.closes.size() == 1; }));
  CHECK(c.locked([&] { return c.closes[0].reason; }) == gb::server_close_reason::too_many_errors);
  CHECK(c.server().counters().denies_sent == 2);
}

TEST_CASE("gb26875 server: close() or stop() right after accept() still sends the confirms") {
  const bool use_stop = [] {
    bool stop = false;
    SUBCASE("close()") { stop = false; }
    SUBCASE("stop()") { stop = true; }
    return stop;
  }();
  auto cfg = centre::config();
  cfg.centre.confirm = gb::confirm_policy::after_accept;
  std::atomic<gb::server*> srv{nullptr};
  std::vector<std::uint64_t> tokens;  // the strand's only
  // On the second message: accept both, then close. All three are posted in this order, so the
  // second confirm is still queued behind the first when the close runs.
  centre c(cfg, [&](gb::connection_id conn, const gb::centre_session::message& m) {
    tokens.push_back(m.token);
    if (tokens.size() != 2) return;
    gb::server* s = srv.load();
    s->accept(conn, tokens[0]);
    s->accept(conn, tokens[1]);
    if (use_stop) {
      s->stop();
    } else {
      s->close(conn);
    }
  });
  srv = &c.server();
  uitd u(c.client_io());
  u.connect(c.port());
  auto bytes = fire_alarm(31);
  const auto second = fire_alarm(32);
  bytes.insert(bytes.end(), second.begin(), second.end());
  u.send(bytes);
  auto f = u.read();
  REQUIRE(f);
  check_reply(*f, gb::command::confirm, 31);
  f = u.read();
  REQUIRE(f);
  check_reply(*f, gb::command::confirm, 32);
  CHECK(u.closed_by_peer());
  REQUIRE(c.wait([&] { return c.closes.size() == 1; }));
  CHECK(c.locked([&] { return c.closes[0].reason; }) ==
        (use_stop ? gb::server_close_reason::stopped : gb::server_close_reason::closed));
  CHECK(c.server().counters().confirms_sent == 2);
}

TEST_CASE("gb26875 server: destroyed on another thread, it waits for a running handler") {
  asio::io_context io;
  auto work = asio::make_work_guard(io);
  auto srv = std::make_unique<gb::server>(io, centre::config());
  std::atomic<bool> in_handler{false};
  std::atomic<bool> handler_done{false};
  std::atomic<int> closes{0};
  srv->on_message([&](gb::connection_id, const gb::centre_session::message&) {
    in_handler = true;
    std::this_thread::sleep_for(200ms);
    handler_done = true;
  });
  srv->on_close([&](gb::connection_id, gb::server_close_reason) { ++closes; });
  srv->start();
  std::thread runner([&] { io.run(); });
  asio::io_context client_io;
  uitd u(client_io);
  u.connect(srv->local_port());
  u.send(fire_alarm(1));
  const auto deadline = clock_type::now() + 3s;
  while (!in_handler && clock_type::now() < deadline) std::this_thread::sleep_for(1ms);
  REQUIRE(in_handler);
  srv.reset();                // on this thread, while the io thread is inside the handler
  CHECK(handler_done);        // the destructor waited for it
  CHECK(closes == 0);         // and no handler ran after it began
  CHECK(u.closed_by_peer());  // the destructor stopped the server
  work.reset();
  io.stop();
  runner.join();
}
