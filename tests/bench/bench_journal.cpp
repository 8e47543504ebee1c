// firebus — fire-safety IoT SDK.
// The journal's durable throughput and latency (uplink::journal, durability::full: every
// transaction synced to disk). Each iteration stores 100 messages of 200 bytes:
//   - BM_append_single_baseline: 100 transactions of one message (one sync each);
//   - BM_append_group/10, /100: group commit, 10 transactions of 10, or one of 100;
//   - BM_append_single_normal: 100 single transactions with durability::normal (no sync);
//   - BM_uplink_cycle/N: the steady state of an uplink: append N (one transaction), next(),
//     ack() all of them (one transaction, not synced on its own), for 100 messages.
// The file lives in $FIREBUS_BENCH_DIR, else the temporary directory: put it on the storage that
// matters (a tmpfs measures no sync at all). The time is wall-clock time (UseRealTime: a sync
// costs waiting, not CPU): read msgs/s, the p50/p99 append latency in µs, and x_baseline, the
// wall-clock speed-up over BM_append_single_baseline of the same run (tests/bench/ratio.py
// compares CPU times, which miss the syncs).
#include <stdlib.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <system_error>
#include <vector>

#include <benchmark/benchmark.h>

#include <firebus/io/journal.hpp>

namespace {

namespace ul = firebus::uplink;
namespace fs = std::filesystem;
using clock_type = std::chrono::steady_clock;

constexpr std::size_t per_iteration = 100;
constexpr std::size_t payload_size = 200;

double baseline_rate = 0;  // messages/s of BM_append_single_baseline, this run

// A fresh journal in a fresh directory, removed at the end of the benchmark.
struct fixture {
  fs::path dir;
  ul::journal j;
  std::vector<std::uint8_t> payload = std::vector<std::uint8_t>(payload_size, 0x5a);

  explicit fixture(ul::durability d) {
    const char* base = std::getenv("FIREBUS_BENCH_DIR");
    std::string t = ((base && *base) ? fs::path(base) : fs::temp_directory_path()) /
                    "firebus_bench_journal_XXXXXX";
    if (::mkdtemp(t.data()) == nullptr) std::abort();
    dir = t;
    ul::journal_options o;
    o.path = (dir / "journal.db").string();
    o.durability = d;
    o.max_bytes = std::uint64_t{1} << 30;
    std::error_code ec;
    j.open(o, ec);
    if (ec) std::abort();
  }
  ~fixture() {
    j.close();
    std::error_code ec;
    fs::remove_all(dir, ec);
  }
  fixture(const fixture&) = delete;
  fixture& operator=(const fixture&) = delete;

  std::vector<ul::message> batch(std::size_t n) const {
    std::vector<ul::message> b(n);
    for (auto& m : b) {
      m.lane = ul::lane::telemetry;
      m.topic = "firebus/v1/gw1/data";
      m.payload = firebus::byte_view(payload);
    }
    return b;
  }
};

double percentile(std::vector<double>& v, double p) {
  if (v.empty()) return 0;
  const auto k = static_cast<std::size_t>(p * static_cast<double>(v.size() - 1));
  std::nth_element(v.begin(), v.begin() + static_cast<long>(k), v.end());
  return v[k];
}

// Appends 100 messages per iteration in transactions of `group`; reports rate and latency, and
// returns the rate (messages per second of append time).
double run_appends(benchmark::State& state, ul::durability d, std::size_t group) {
  fixture f(d);
  const auto b = f.batch(group);
  std::vector<double> latency_us;
  double busy_s = 0;
  std::size_t messages = 0;
  std::error_code ec;
  for (auto _ : state) {
    for (std::size_t i = 0; i < per_iteration; i += group) {
      const auto t0 = clock_type::now();
      auto ids = f.j.append(b.data(), b.size(), ec);
      const auto t1 = clock_type::now();
      if (ec) {
        state.SkipWithError(f.j.last_error().c_str());
        return 0;
      }
      benchmark::DoNotOptimize(ids);
      const double us = std::chrono::duration<double, std::micro>(t1 - t0).count();
      latency_us.push_back(us);
      busy_s += us / 1e6;
      messages += group;
    }
    // Keep the journal small, as an uplink would: acknowledge, outside the timing.
    state.PauseTiming();
    const auto out = f.j.next(per_iteration * 2, SIZE_MAX, ec);
    std::vector<std::uint64_t> ids;
    for (const auto& e : out) ids.push_back(e.id);
    f.j.ack(ids, ec);
    state.ResumeTiming();
  }
  const double rate = busy_s > 0 ? static_cast<double>(messages) / busy_s : 0;
  state.SetItemsProcessed(static_cast<std::int64_t>(messages));
  state.counters["msgs_per_s"] = rate;
  state.counters["append_p50_us"] = percentile(latency_us, 0.5);
  state.counters["append_p99_us"] = percentile(latency_us, 0.99);
  return rate;
}

void report_ratio(benchmark::State& state, double rate) {
  if (baseline_rate > 0) state.counters["x_baseline"] = rate / baseline_rate;
}

void BM_append_single_baseline(benchmark::State& state) {
  baseline_rate = run_appends(state, ul::durability::full, 1);
}

void BM_append_group(benchmark::State& state) {
  report_ratio(state,
               run_appends(state, ul::durability::full, static_cast<std::size_t>(state.range(0))));
}

void BM_append_single_normal(benchmark::State& state) {
  report_ratio(state, run_appends(state, ul::durability::normal, 1));
}

// The uplink's steady state: append a group, hand it out, acknowledge it.
void BM_uplink_cycle(benchmark::State& state) {
  const auto group = static_cast<std::size_t>(state.range(0));
  fixture f(ul::durability::full);
  const auto b = f.batch(group);
  std::error_code ec;
  double busy_s = 0;
  std::size_t messages = 0;
  for (auto _ : state) {
    const auto t0 = clock_type::now();
    for (std::size_t i = 0; i < per_iteration; i += group) {
      f.j.append(b.data(), b.size(), ec);
      const auto out = f.j.next(group, SIZE_MAX, ec);
      std::vector<std::uint64_t> ids;
      ids.reserve(out.size());
      for (const auto& e : out) ids.push_back(e.id);
      f.j.ack(ids, ec);
      if (ec) {
        state.SkipWithError(f.j.last_error().c_str());
        return;
      }
    }
    busy_s += std::chrono::duration<double>(clock_type::now() - t0).count();
    messages += per_iteration;
  }
  const double rate = busy_s > 0 ? static_cast<double>(messages) / busy_s : 0;
  state.SetItemsProcessed(static_cast<std::int64_t>(messages));
  state.counters["msgs_per_s"] = rate;
  report_ratio(state, rate);
}

}  // namespace

BENCHMARK(BM_append_single_baseline)->UseRealTime()->Unit(benchmark::kMillisecond);
BENCHMARK(BM_append_group)->Arg(10)->Arg(100)->UseRealTime()->Unit(benchmark::kMillisecond);
BENCHMARK(BM_append_single_normal)->UseRealTime()->Unit(benchmark::kMillisecond);
BENCHMARK(BM_uplink_cycle)->Arg(1)->Arg(10)->Arg(100)->UseRealTime()->Unit(benchmark::kMillisecond);

BENCHMARK_MAIN();
