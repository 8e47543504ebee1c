// firebus — fire-safety IoT SDK.
// Samples per second through firebus::alarm::engine for threshold rules, at 1k, 100k and 1M
// points, against the memory-access floor: the same random point order over a plain array of
// the two setpoints of each point, doing the two comparisons and nothing else.
//
//   g++ -std=c++17 -O2 -DNDEBUG -I include tests/bench/bench_alarm_engine.cpp -o bench
//       -lbenchmark -lpthread
//   ./bench --benchmark_format=json | python3 tests/bench/ratio.py
//
// Every point has two HIGH limits: PRE (pre_alarm, 240, deadband 10, isa) and ALM (fire, 300,
// profile fire); no delays, no staleness, no zones, outputs off. The input is a pre-generated
// random sequence (fixed seed) of (point, value): values uniform in [0, 200), except about 0.1%
// uniform in [235, 335) so that alarms go on, return, latch and emit events. Time advances by
// 1 µs per sample and keeps increasing across iterations (the engine refuses time going back).
// Before the timing, every point gets one sample (steady state: a point's first sample takes the
// engine's full path, and a running gateway is past that).
// One iteration is a batch of 4096 samples followed by clear_events(), as a gateway draining
// events would do. Goals (the issue): ≥ 20 million samples/s at 100k points on one core; cost
// per sample within 2× from 1k to 1M points; ≤ 256 bytes of engine state per point (counter
// bytes_per_point = memory_bytes() / points).
#include <cstddef>
#include <cstdint>
#include <memory>
#include <random>
#include <string>
#include <system_error>
#include <vector>

#include <benchmark/benchmark.h>

#include <firebus/alarm/engine.hpp>
#include <firebus/alarm/rules.hpp>
#include <firebus/alarm/types.hpp>
#include <firebus/core/time.hpp>

namespace {

namespace alarm = firebus::alarm;

constexpr std::size_t batch = 4096;
constexpr std::size_t sequence_length = std::size_t{1} << 22;  // 4M samples, 64 MiB
constexpr double pre_setpoint = 240;
constexpr double fire_setpoint = 300;

struct input {
  std::uint32_t point;
  double value;
};

std::vector<input> make_sequence(std::uint32_t points) {
  std::vector<input> seq(sequence_length);
  std::mt19937_64 rng(4717);
  std::uniform_int_distribution<std::uint32_t> pick(0, points - 1);
  std::uniform_real_distribution<double> normal(0, 200);
  std::uniform_real_distribution<double> high(235, 335);
  std::uniform_int_distribution<int> permille(0, 999);
  for (input& s : seq) {
    s.point = pick(rng);
    s.value = permille(rng) == 0 ? high(rng) : normal(rng);
  }
  return seq;
}

alarm::rules make_rules(std::uint32_t points) {
  alarm::rules r;
  alarm::alarm_rule pre;
  pre.id = "PRE";
  pre.type = alarm::rule_type::high;
  pre.setpoint = pre_setpoint;
  pre.deadband = 10;
  pre.cls = firebus::alarm_class::pre_alarm;
  pre.profile = alarm::profile::isa;
  alarm::alarm_rule fire;
  fire.id = "ALM";
  fire.type = alarm::rule_type::high;
  fire.setpoint = fire_setpoint;
  fire.cls = firebus::alarm_class::fire;
  fire.profile = alarm::profile::fire;
  r.points.resize(points);
  for (std::uint32_t i = 0; i < points; ++i) {
    alarm::point_rule& p = r.points[i];
    p.id = "P" + std::to_string(1'000'000 + i);  // "P1000000"... : 8 bytes, sorted as numbers
    p.unit = "mA";
    p.alarms = {pre, fire};
  }
  return r;
}

// One engine and one sequence per point count, kept across Google Benchmark's calls of the same
// benchmark (configuring a million points takes seconds); the engine's time keeps increasing.
struct fixture {
  std::uint32_t points = 0;
  std::vector<input> sequence;
  alarm::engine engine;
  std::size_t next = 0;   // position in the sequence
  std::int64_t t_us = 0;  // the time of the next sample
};

fixture& fixture_for(std::uint32_t points, std::error_code& ec) {
  static std::unique_ptr<fixture> current;
  if (!current || current->points != points) {
    current.reset();  // free the previous (possibly 1M-point) engine first
    auto f = std::make_unique<fixture>();
    f->points = points;
    f->sequence = make_sequence(points);
    f->engine.configure(make_rules(points), ec);
    // Steady state: every point has a held value and an ordering reference (a point's first
    // sample takes the engine's full path; a running gateway is past that).
    for (std::uint32_t i = 0; i < points && !ec; ++i, ++f->t_us) {
      f->engine.sample(i, firebus::mono_time(firebus::duration(f->t_us)), 100.0, ec);
    }
    f->engine.clear_events();
    current = std::move(f);
  }
  return *current;
}

// The memory-access floor: the same sequence as the engine's, over the two setpoints of each
// point.
struct fixture_baseline {
  std::uint32_t points = 0;
  std::vector<input> sequence;
  std::vector<double> limits;  // [2 * point] = PRE setpoint, [2 * point + 1] = ALM setpoint
  std::size_t next = 0;
};

fixture_baseline& baseline_for(std::uint32_t points) {
  static std::unique_ptr<fixture_baseline> current;
  if (!current || current->points != points) {
    current.reset();
    auto f = std::make_unique<fixture_baseline>();
    f->points = points;
    f->sequence = make_sequence(points);
    f->limits.resize(2 * std::size_t{points});
    for (std::size_t i = 0; i < points; ++i) {
      f->limits[2 * i] = pre_setpoint;
      f->limits[2 * i + 1] = fire_setpoint;
    }
    current = std::move(f);
  }
  return *current;
}

void BM_alarm_engine(benchmark::State& state) {
  const auto points = static_cast<std::uint32_t>(state.range(0));
  std::error_code ec;
  fixture& f = fixture_for(points, ec);
  if (ec) {
    state.SkipWithError("the benchmark rules are invalid");
    return;
  }
  bool refused = false;
  bool unexpected = false;
  std::uint64_t events = 0;
  for (auto _ : state) {
    const input* s = f.sequence.data() + f.next;
    for (std::size_t i = 0; i < batch; ++i, ++f.t_us) {
      f.engine.sample(s[i].point, firebus::mono_time(firebus::duration(f.t_us)), s[i].value, ec);
      refused = refused || static_cast<bool>(ec);
    }
    // Only limit transitions (and the buzzer, off here) can come from these inputs.
    for (const alarm::alarm_event& e : f.engine.events()) {
      unexpected = unexpected || (e.kind != firebus::event_kind::alarm_on &&
                                  e.kind != firebus::event_kind::alarm_off &&
                                  e.kind != firebus::event_kind::returned_latched);
    }
    events += f.engine.events().size();
    f.engine.clear_events();
    f.next = (f.next + batch) % f.sequence.size();
  }
  const auto samples = static_cast<std::uint64_t>(state.iterations()) * batch;
  if (refused || unexpected || (samples > 100'000 && events == 0)) {
    state.SkipWithError("the engine refused a sample or emitted unexpected events");
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(samples));
  state.counters["bytes_per_point"] =
      static_cast<double>(f.engine.memory_bytes()) / static_cast<double>(points);
  state.counters["events"] = static_cast<double>(events);
}
BENCHMARK(BM_alarm_engine)->Arg(1'000)->Arg(100'000)->Arg(1'000'000);

void BM_memory_baseline(benchmark::State& state) {
  const auto points = static_cast<std::uint32_t>(state.range(0));
  fixture_baseline& f = baseline_for(points);
  std::uint64_t above = 0;
  for (auto _ : state) {
    const input* s = f.sequence.data() + f.next;
    const double* limits = f.limits.data();
    benchmark::DoNotOptimize(limits);
    for (std::size_t i = 0; i < batch; ++i) {
      const double* l = limits + 2 * std::size_t{s[i].point};
      above += s[i].value >= l[0] ? 1u : 0u;
      above += s[i].value >= l[1] ? 1u : 0u;
    }
    benchmark::DoNotOptimize(above);
    f.next = (f.next + batch) % f.sequence.size();
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()) *
                          static_cast<std::int64_t>(batch));
  state.counters["bytes_per_point"] = 2 * sizeof(double);
}
BENCHMARK(BM_memory_baseline)->Arg(1'000)->Arg(100'000)->Arg(1'000'000);

}  // namespace

BENCHMARK_MAIN();
