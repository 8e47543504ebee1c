// firebus — fire-safety IoT SDK.
// MQTT QoS 1 publish throughput to a local mosquitto (started once per process on a free
// 127.0.0.1 port by tests/integration/mqtt_broker.hpp, stopped at exit), with and without the
// store-and-forward journal (docs/telemetry.md, "Delivery"; docs/journal.md). Each iteration
// publishes 1,000 messages of 200 bytes (raw payloads, telemetry lane, topic fb/bench/data) and
// waits until every PUBACK arrived:
//   - BM_client_qos1_baseline: the bare firebus::mqtt::client, at most 16 publishes
//     unacknowledged at once, no journal; the baseline;
//   - BM_uplink_qos1/W: one uplink::mqtt_uplink::send() per message (durability::full: one
//     synced journal transaction each), uplink window W (1 or 16), timed until the journal is
//     empty (every message acknowledged and removed);
//   - BM_uplink_qos1_batch/16: the same through send(std::vector<message>) in batches of 100
//     (group commit: 10 synced transactions per iteration), window 16.
// The journal lives in $FIREBUS_BENCH_DIR, else the temporary directory: put it on the storage
// that matters (a tmpfs measures no sync at all). The time is wall-clock time (UseRealTime: the
// work happens on the client's and the io_context's threads, and syncs cost waiting, not CPU):
// read msgs/s and x_baseline, the wall-clock speed-up over BM_client_qos1_baseline of the same
// run (tests/bench/ratio.py compares CPU times of the benchmark's thread, which miss all that).
#include <stdlib.h>

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <exception>
#include <filesystem>
#include <memory>
#include <mutex>
#include <string>
#include <system_error>
#include <thread>
#include <vector>

#include <asio.hpp>
#include <benchmark/benchmark.h>

#include <firebus/core/bytes.hpp>
#include <firebus/io/journal.hpp>
#include <firebus/io/mqtt_client.hpp>
#include <firebus/io/mqtt_uplink.hpp>

#include "../integration/mqtt_broker.hpp"

namespace {

namespace mqtt = firebus::mqtt;
namespace ul = firebus::uplink;
namespace fs = std::filesystem;
using clock_type = std::chrono::steady_clock;
using namespace std::chrono_literals;

constexpr std::size_t per_iteration = 1000;
constexpr std::size_t payload_size = 200;
constexpr std::size_t client_window = 16;  // the baseline's unacknowledged publishes
constexpr std::size_t batch_size = 100;    // BM_uplink_qos1_batch: messages per send()
constexpr auto drain_timeout = 120s;       // an iteration that takes longer fails
const char* const topic = "fb/bench/data";

double baseline_rate = 0;  // messages/s of BM_client_qos1_baseline, this run

// The broker, started on first use and stopped (SIGKILL, its directory removed) at exit; null
// with `why` if mosquitto cannot be started.
firebus_test::mosquitto_broker* broker(std::string& why) {
  static std::string error;
  static std::unique_ptr<firebus_test::mosquitto_broker> b = [] {
    try {
      return std::make_unique<firebus_test::mosquitto_broker>();
    } catch (const std::exception& e) {
      error = e.what();
      return std::unique_ptr<firebus_test::mosquitto_broker>();
    }
  }();
  why = error;
  return b.get();
}

mqtt::client_options client_options(std::uint16_t port) {
  static int n = 0;
  mqtt::client_options o;
  o.port = port;
  o.client_id = "fb-bench-" + std::to_string(++n);
  o.reconnect_min = 50ms;
  o.reconnect_max = 300ms;
  o.connect_timeout = 3s;
  return o;
}

// An io_context run by its own thread, stopped and joined at the end.
struct io_thread {
  asio::io_context io;
  asio::executor_work_guard<asio::io_context::executor_type> work{io.get_executor()};
  std::thread thread;

  void start() {
    thread = std::thread([this] { io.run(); });
  }
  void stop() {
    work.reset();
    io.stop();
    if (thread.joinable()) thread.join();
  }
};

// Waits until pred() holds, polling every 200 µs; false after `timeout`.
template <class Pred>
bool wait_until(Pred pred, clock_type::duration timeout = drain_timeout) {
  const auto until = clock_type::now() + timeout;
  while (!pred()) {
    if (clock_type::now() > until) return false;
    std::this_thread::sleep_for(200us);
  }
  return true;
}

// Reports msgs/s and returns the wall-clock rate (messages per second of the timed loops).
double report_rate(benchmark::State& state, std::size_t messages, double busy_s) {
  state.counters["msgs/s"] = benchmark::Counter(static_cast<double>(per_iteration),
                                                benchmark::Counter::kIsIterationInvariantRate);
  return busy_s > 0 ? static_cast<double>(messages) / busy_s : 0;
}

// Reports msgs/s and x_baseline, the speed-up over this run's baseline.
void report(benchmark::State& state, std::size_t messages, double busy_s) {
  const double rate = report_rate(state, messages, busy_s);
  if (baseline_rate > 0) state.counters["x_baseline"] = rate / baseline_rate;
}

// --- the bare client -------------------------------------------------------------------------

void BM_client_qos1_baseline(benchmark::State& state) {
  std::string why;
  firebus_test::mosquitto_broker* b = broker(why);
  if (b == nullptr) {
    state.SkipWithError(why.c_str());
    return;
  }
  io_thread t;
  mqtt::client c(t.io, client_options(b->port()));
  std::mutex m;
  std::condition_variable cv;
  bool up = false;
  std::size_t outstanding = 0;  // published, not yet reported
  std::size_t acked = 0;
  std::size_t failed = 0;
  c.on_connection([&](const mqtt::connection_event& e) {
    std::lock_guard<std::mutex> l(m);
    up = e.up;
    cv.notify_all();
  });
  c.on_published([&](std::uint64_t, std::error_code ec) {
    std::lock_guard<std::mutex> l(m);
    --outstanding;
    ++(ec ? failed : acked);
    cv.notify_all();
  });
  c.start();
  t.start();
  const std::vector<std::uint8_t> payload(payload_size, 0x5a);
  std::string error;
  {
    std::unique_lock<std::mutex> l(m);
    if (!cv.wait_for(l, 10s, [&] { return up; })) error = "no connection to mosquitto";
  }
  double busy_s = 0;
  std::size_t messages = 0;
  if (error.empty()) {
    for (auto _ : state) {
      const auto t0 = clock_type::now();
      for (std::size_t i = 0; i < per_iteration && error.empty(); ++i) {
        {
          std::unique_lock<std::mutex> l(m);
          cv.wait(l, [&] { return outstanding < client_window; });
          ++outstanding;
        }
        std::error_code ec;
        if (c.publish(topic, payload, 1, false, ec) == 0) error = "publish: " + ec.message();
      }
      std::unique_lock<std::mutex> l(m);
      if (error.empty() && !cv.wait_for(l, drain_timeout,
                                        [&] { return acked + failed == messages + per_iteration; }))
        error = "PUBACKs missing";
      if (error.empty() && failed > 0) error = "publishes failed";
      l.unlock();
      busy_s += std::chrono::duration<double>(clock_type::now() - t0).count();
      messages += per_iteration;
      if (!error.empty()) {
        state.SkipWithError(error.c_str());
        break;
      }
    }
  } else {
    state.SkipWithError(error.c_str());
  }
  c.stop();
  t.stop();
  if (error.empty()) baseline_rate = report_rate(state, messages, busy_s);
}

// --- the uplink ------------------------------------------------------------------------------

// A journal in a fresh directory, a client and an uplink on their io thread; torn down and the
// directory removed at the end.
struct uplink_fixture {
  fs::path dir;
  ul::journal j;
  io_thread t;
  std::unique_ptr<mqtt::client> c;
  std::unique_ptr<ul::mqtt_uplink> up;
  std::vector<std::uint8_t> payload = std::vector<std::uint8_t>(payload_size, 0x5a);
  std::string error;  // empty: ready

  uplink_fixture(std::uint16_t port, std::size_t window) {
    const char* base = std::getenv("FIREBUS_BENCH_DIR");
    std::string d = ((base && *base) ? fs::path(base) : fs::temp_directory_path()) /
                    "firebus_bench_uplink_XXXXXX";
    if (::mkdtemp(d.data()) == nullptr) {
      error = "mkdtemp failed";
      return;
    }
    dir = d;
    ul::journal_options jo;
    jo.path = (dir / "journal.db").string();
    jo.durability = ul::durability::full;
    jo.max_bytes = std::uint64_t{1} << 30;
    std::error_code ec;
    j.open(jo, ec);
    if (ec) {
      error = "journal: " + j.last_error();
      return;
    }
    c = std::make_unique<mqtt::client>(t.io, client_options(port));
    ul::mqtt_uplink_options uo;
    uo.window = window;
    up = std::make_unique<ul::mqtt_uplink>(t.io, j, *c, uo);
    c->start();
    t.start();
    if (!wait_until([&] { return up->counters().connections > 0 && c->connected(); }, 10s)) {
      error = "no connection to mosquitto";
    }
  }
  ~uplink_fixture() {
    up.reset();
    if (c) c->stop();
    t.stop();
    j.close();
    std::error_code ec;
    if (!dir.empty()) fs::remove_all(dir, ec);
  }
  uplink_fixture(const uplink_fixture&) = delete;
  uplink_fixture& operator=(const uplink_fixture&) = delete;

  ul::message message() const {
    ul::message m;
    m.lane = ul::lane::telemetry;
    m.topic = topic;
    m.payload = firebus::byte_view(payload);
    m.qos = 1;
    m.format = ul::format_byte(ul::payload_format::raw);
    return m;
  }
};

// Sends 1,000 messages per iteration in send() calls of `group` (1: the single-message
// overload), and waits until the uplink has had every one acknowledged and removed.
void run_uplink(benchmark::State& state, std::size_t window, std::size_t group) {
  std::string why;
  firebus_test::mosquitto_broker* b = broker(why);
  if (b == nullptr) {
    state.SkipWithError(why.c_str());
    return;
  }
  uplink_fixture f(b->port(), window);
  if (!f.error.empty()) {
    state.SkipWithError(f.error.c_str());
    return;
  }
  const ul::message one = f.message();
  const std::vector<ul::message> batch(group, one);
  double busy_s = 0;
  std::size_t messages = 0;
  std::string error;
  for (auto _ : state) {
    const auto t0 = clock_type::now();
    std::error_code ec;
    for (std::size_t i = 0; i < per_iteration && !ec; i += group) {
      if (group == 1) {
        f.up->send(one, ec);
      } else {
        f.up->send(batch, ec);
      }
    }
    if (ec) error = "send: " + ec.message() + " (" + f.j.last_error() + ")";
    const std::uint64_t target = messages + per_iteration;
    if (error.empty() && !wait_until([&] { return f.up->counters().acked >= target; })) {
      error = "not every message was acknowledged";
    }
    busy_s += std::chrono::duration<double>(clock_type::now() - t0).count();
    messages += per_iteration;
    if (!error.empty()) {
      state.SkipWithError(error.c_str());
      break;
    }
  }
  if (!error.empty()) return;
  // Outside the timing: the journal is empty, and the uplink saw nothing go wrong.
  const ul::mqtt_uplink_counters n = f.up->counters();
  if (f.j.stats(ul::lane::telemetry).messages != 0 || f.j.stats(ul::lane::alarm).messages != 0) {
    state.SkipWithError("the journal is not empty");
  } else if (n.refused != 0 || n.journal_errors != 0 || n.resent != 0 || n.acked != messages) {
    state.SkipWithError("the uplink refused, resent or failed messages");
  } else {
    report(state, messages, busy_s);
  }
}

void BM_uplink_qos1(benchmark::State& state) {
  run_uplink(state, static_cast<std::size_t>(state.range(0)), 1);
}

void BM_uplink_qos1_batch(benchmark::State& state) {
  run_uplink(state, static_cast<std::size_t>(state.range(0)), batch_size);
}

}  // namespace

BENCHMARK(BM_client_qos1_baseline)->UseRealTime()->Unit(benchmark::kMillisecond);
BENCHMARK(BM_uplink_qos1)->Arg(1)->Arg(16)->UseRealTime()->Unit(benchmark::kMillisecond);
BENCHMARK(BM_uplink_qos1_batch)->Arg(16)->UseRealTime()->Unit(benchmark::kMillisecond);

BENCHMARK_MAIN();
