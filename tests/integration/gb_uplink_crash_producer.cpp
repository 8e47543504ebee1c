// firebus — fire-safety IoT SDK.
// The producing process of the GB/T 26875.3 uplink's kill -9 test (test_gb26875_uplink.cpp).
//
//   gb_uplink_crash_producer <journal> <port> <base> <count>
//     Opens the journal, connects to the centre on 127.0.0.1:<port> through a gb26875_uplink
//     and sends ADUs numbered base+1 .. base+count (the number is the first object's component
//     address; every 7th a fire alarm, the others analog values). After each send() returned
//     (the message is on disk) it prints the number on stdout, flushed. The test kills it with
//     SIGKILL at a random instant. With count 0 it sends nothing and exits 0 once the journal is
//     empty (everything confirmed by the centre), or 1 after 30 s.
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <thread>

#include <asio.hpp>

#include <firebus/gb26875/adu.hpp>
#include <firebus/io/gb26875_client.hpp>
#include <firebus/io/gb26875_uplink.hpp>
#include <firebus/io/journal.hpp>

namespace gb = firebus::gb26875;
namespace ul = firebus::uplink;
using namespace std::chrono_literals;

namespace {

gb::adu numbered(std::uint32_t k) {
  const gb::time_tag t{5, 4, 3, 2, 1, 24};
  if (k % 7 == 0) {
    gb::component_status s;
    s.system_type = 1;
    s.component_type = 42;
    s.component_address = k;
    s.status = 0x0003;  // normal operation, fire alarm
    s.time = t;
    return gb::adu{gb::adu_type::component_status, {s}};
  }
  gb::component_analog a;
  a.system_type = 1;
  a.component_type = 31;
  a.component_address = k;
  a.analog_type = 3;
  a.value = static_cast<std::int16_t>(k % 1000);
  a.time = t;
  return gb::adu{gb::adu_type::component_analog, {a}};
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 5) {
    std::fprintf(stderr, "usage: gb_uplink_crash_producer <journal> <port> <base> <count>\n");
    return 2;
  }
  const auto base = static_cast<std::uint32_t>(std::strtoul(argv[3], nullptr, 10));
  const auto count = static_cast<std::uint32_t>(std::strtoul(argv[4], nullptr, 10));
  try {
    asio::io_context io;
    auto work = asio::make_work_guard(io);
    ul::journal_options jo;
    jo.path = argv[1];
    ul::journal j(jo);
    gb::client_config cfg;
    cfg.session.address = 0x000012345678;
    cfg.session.centre_address = 0x000000000001;
    cfg.session.backoff_initial = 50ms;
    cfg.session.backoff_max = 200ms;
    cfg.port = static_cast<std::uint16_t>(std::atoi(argv[2]));
    gb::client c(io, cfg);
    ul::gb26875_uplink_options uo;
    uo.poll_interval = 200ms;
    uo.retry_delay = 200ms;
    ul::gb26875_uplink up(io, j, c, uo);
    c.start();
    std::thread t([&] { io.run(); });
    for (std::uint32_t k = base + 1; k <= base + count; ++k) {
      up.send(numbered(k));
      std::printf("%lu\n", static_cast<unsigned long>(k));
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
    std::fprintf(stderr, "gb_uplink_crash_producer: %s\n", e.what());
    return 3;
  }
}
