// firebus — fire-safety IoT SDK.
// firebus-centre ingest benchmark: many UITD connections on loopback, each stop-and-wait (send a
// frame, wait for its confirm, send the next), against the centre run in-process on SQLite in a
// temporary directory (or PostgreSQL with --pg). Reports confirmed-and-stored frames per second
// and the confirm latency percentiles. A plain program, not Google Benchmark:
//   centre_ingest [--connections 9000] [--seconds 20] [--pg CONNINFO] [--workers N]
//                 [--max-batch N] [--io-threads N]
// Client and server share the process, so each connection costs two file descriptors.
#include <sys/resource.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include <asio.hpp>

#include <firebus/gb26875/adu.hpp>
#include <firebus/gb26875/frame.hpp>

#include "centre.hpp"

namespace gb = firebus::gb26875;
namespace fc = firebus_centre;
using clock_type = std::chrono::steady_clock;

namespace {

struct uitd : std::enable_shared_from_this<uitd> {
  asio::ip::tcp::socket socket;
  std::uint64_t address;
  std::uint16_t serial = 0;
  std::vector<std::uint8_t> out;
  std::uint8_t in[30];
  clock_type::time_point sent;
  std::vector<float>* latencies;
  std::atomic<std::uint64_t>* confirmed;
  const std::atomic<bool>* measuring;
  const std::atomic<bool>* running;

  uitd(asio::io_context& io, std::uint64_t a) : socket(io), address(a) {}

  void next() {
    if (!running->load()) return;
    ++serial;
    gb::component_analog a;
    a.system_type = 1;
    a.system_address = 1;
    a.component_type = 31;
    a.component_address = serial % 16;
    a.analog_type = 3;
    a.value = static_cast<std::int16_t>(serial % 1000);
    a.time.second = static_cast<std::uint8_t>(serial % 60);
    a.time.minute = static_cast<std::uint8_t>((serial / 60) % 60);
    const auto adu = gb::encode_adu(gb::adu{gb::adu_type::component_analog, {a}});
    gb::header h;
    h.serial = serial;
    h.source = address;
    h.destination = 1;
    out = gb::encode_frame(h, firebus::byte_view(adu));
    sent = clock_type::now();
    auto self = shared_from_this();
    asio::async_write(socket, asio::buffer(out), [self](std::error_code ec, std::size_t) {
      if (ec) return;
      asio::async_read(
          self->socket, asio::buffer(self->in), [self](std::error_code ec2, std::size_t) {
            if (ec2 || self->in[26] != 3) return;  // confirm expected
            if (self->measuring->load()) {
              self->latencies->push_back(
                  std::chrono::duration<float>(clock_type::now() - self->sent).count());
              self->confirmed->fetch_add(1, std::memory_order_relaxed);
            }
            self->next();
          });
    });
  }
};

}  // namespace

int main(int argc, char** argv) {
  std::size_t connections = 9000;
  int seconds = 20;
  std::string pg;
  std::size_t workers = 0;
  std::size_t max_batch = 0;  // 0: the centre's default
  std::size_t io_threads = 0;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string a = argv[i];
    if (a == "--connections") connections = std::strtoul(argv[i + 1], nullptr, 10);
    if (a == "--seconds") seconds = std::atoi(argv[i + 1]);
    if (a == "--pg") pg = argv[i + 1];
    if (a == "--workers") workers = std::strtoul(argv[i + 1], nullptr, 10);
    if (a == "--max-batch") max_batch = std::strtoul(argv[i + 1], nullptr, 10);
    if (a == "--io-threads") io_threads = std::strtoul(argv[i + 1], nullptr, 10);
  }
  rlimit rl{};
  ::getrlimit(RLIMIT_NOFILE, &rl);
  rl.rlim_cur = rl.rlim_max;
  ::setrlimit(RLIMIT_NOFILE, &rl);

  char dir[] = "/tmp/firebus-centre-bench-XXXXXX";
  if (::mkdtemp(dir) == nullptr) return 1;
  fc::centre_config cfg;
  cfg.listen_port = 0;
  cfg.out = nullptr;
  cfg.store.sqlite_path = std::string(dir) + "/centre.sqlite";
  cfg.store.pg_conninfo = pg;
  cfg.workers = workers;
  if (max_batch != 0) cfg.max_batch = max_batch;
  if (io_threads != 0) cfg.io_threads = io_threads;
  cfg.max_connections = connections + 100;
  cfg.idle_timeout = std::chrono::seconds(600);
  fc::centre centre(cfg);
  centre.start();

  asio::io_context io;
  std::atomic<std::uint64_t> confirmed{0};
  std::atomic<bool> measuring{false}, running{true};
  std::vector<float> latencies;
  latencies.reserve(1 << 22);
  std::vector<std::shared_ptr<uitd>> uitds;
  const asio::ip::tcp::endpoint ep(asio::ip::make_address("127.0.0.1"), centre.port());
  std::size_t connected = 0;
  for (std::size_t i = 0; i < connections; ++i) {
    auto u = std::make_shared<uitd>(io, 0x100000 + i);
    u->latencies = &latencies;
    u->confirmed = &confirmed;
    u->measuring = &measuring;
    u->running = &running;
    std::error_code ec;
    u->socket.connect(ep, ec);
    if (ec) {
      std::fprintf(stderr, "connection %zu: %s\n", i, ec.message().c_str());
      break;
    }
    ++connected;
    uitds.push_back(u);
  }
  for (auto& u : uitds) u->next();
  std::thread t([&] { io.run(); });
  std::this_thread::sleep_for(std::chrono::seconds(3));  // warm-up
  measuring = true;
  const auto t0 = clock_type::now();
  std::this_thread::sleep_for(std::chrono::seconds(seconds));
  measuring = false;
  const double elapsed = std::chrono::duration<double>(clock_type::now() - t0).count();
  const std::uint64_t n = confirmed.load();
  running = false;
  io.stop();
  t.join();
  std::sort(latencies.begin(), latencies.end());
  const auto pct = [&](double p) {
    if (latencies.empty()) return 0.0;
    return 1000.0 *
           latencies[std::min(latencies.size() - 1,
                              static_cast<std::size_t>(p * static_cast<double>(latencies.size())))];
  };
  const fc::centre_stats s = centre.stats();
  std::printf(
      "centre_ingest: %zu connections, %s, %.1f s: %llu frames confirmed (stored), "
      "%.0f frames/s; confirm latency p50 %.1f ms, p99 %.1f ms, max %.1f ms; "
      "failed %llu\n",
      connected, pg.empty() ? "SQLite" : "PostgreSQL", elapsed, static_cast<unsigned long long>(n),
      static_cast<double>(n) / elapsed, pct(0.5), pct(0.99),
      latencies.empty() ? 0.0 : 1000.0 * latencies.back(),
      static_cast<unsigned long long>(s.failed));
  uitds.clear();
  centre.stop();
  std::system((std::string("rm -rf '") + dir + "'").c_str());
  return 0;
}
