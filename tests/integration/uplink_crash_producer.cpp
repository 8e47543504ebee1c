// firebus — fire-safety IoT SDK.
// The publishing process of the uplink's kill -9 test (test_mqtt_uplink.cpp).
//
//   uplink_crash_producer <journal> <port> <base> <count>
//     Opens the journal, connects to the broker on 127.0.0.1:<port> through an mqtt_uplink and
//     sends messages numbered base+1 .. base+count (every 7th on the alarm lane), each a firebus
//     envelope whose one event has the number as its seq. After each send() returned (the
//     message is on disk) it prints the number on stdout, flushed. The test kills it with
//     SIGKILL at a random instant. With count 0 it sends nothing and exits 0 once the journal is
//     empty (everything acknowledged by the broker), or 1 after 30 s.
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <thread>
#include <vector>

#include <asio.hpp>

#include <firebus/io/journal.hpp>
#include <firebus/io/mqtt_client.hpp>
#include <firebus/io/mqtt_uplink.hpp>
#include <firebus/telemetry/firebus_codec.hpp>

namespace ul = firebus::uplink;
namespace tel = firebus::telemetry;
using namespace std::chrono_literals;

int main(int argc, char** argv) {
  if (argc != 5) {
    std::fprintf(stderr, "usage: uplink_crash_producer <journal> <port> <base> <count>\n");
    return 2;
  }
  const std::uint64_t base = std::strtoull(argv[3], nullptr, 10);
  const std::uint64_t count = std::strtoull(argv[4], nullptr, 10);
  try {
    asio::io_context io;
    auto work = asio::make_work_guard(io);
    ul::journal_options jo;
    jo.path = argv[1];
    ul::journal j(jo);
    firebus::mqtt::client_options co;
    co.port = static_cast<std::uint16_t>(std::atoi(argv[2]));
    co.client_id = "fb-crash-producer";
    co.reconnect_min = 50ms;
    co.reconnect_max = 200ms;
    firebus::mqtt::client c(io, co);
    ul::mqtt_uplink up(io, j, c);
    c.start();
    std::thread t([&] { io.run(); });
    for (std::uint64_t k = base + 1; k <= base + count; ++k) {
      const bool alarm = k % 7 == 0;
      tel::batch b;
      firebus::event e;
      e.seq = k;
      e.kind = alarm ? firebus::event_kind::alarm_on : firebus::event_kind::fault_on;
      b.events.push_back(e);
      const std::vector<std::uint8_t> p = tel::encode_envelope(tel::envelope{"gw1", 1, b});
      ul::message m;
      m.lane = alarm ? ul::lane::alarm : ul::lane::telemetry;
      m.topic = alarm ? "fb/gw1/events" : "fb/gw1/data";
      m.payload = firebus::byte_view(p);
      m.format = ul::format_byte(ul::payload_format::firebus_envelope);
      up.send(m);
      std::printf("%llu\n", static_cast<unsigned long long>(k));
      std::fflush(stdout);
    }
    int status = 0;
    if (count == 0) {
      status = 1;
      const auto until = std::chrono::steady_clock::now() + 30s;
      while (std::chrono::steady_clock::now() < until) {
        if (j.stats(ul::lane::alarm).messages == 0 && j.stats(ul::lane::telemetry).messages == 0) {
          status = 0;
          break;
        }
        std::this_thread::sleep_for(20ms);
      }
    }
    c.stop();
    work.reset();
    io.stop();
    t.join();
    return status;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "uplink_crash_producer: %s\n", e.what());
    return 3;
  }
}
