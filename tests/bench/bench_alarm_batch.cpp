// firebus — fire-safety IoT SDK.
// The alarm engine's batch path (engine::sample_batch, which prefetches the points ahead)
// against feeding the same samples one by one, in the same run: two HIGH limits per point
// (pre-alarm 240, fire 300), no delays, random point order, 0.1 % of the values above a limit.
// The batch path is what the Python numpy feed (Engine.sample_batch) uses.
#include <cstddef>
#include <cstdint>
#include <random>
#include <string>
#include <system_error>
#include <vector>

#include <benchmark/benchmark.h>

#include <firebus/alarm/engine.hpp>

namespace {

namespace alarm = firebus::alarm;

constexpr std::size_t batch = 4096;
constexpr std::size_t length = std::size_t{1} << 21;

struct data {
  std::uint32_t points = 0;
  std::vector<std::uint32_t> point;
  std::vector<double> value;
  std::vector<firebus::mono_time> t;
  alarm::engine engine;
  std::size_t next = 0;
  std::int64_t now = 0;
};

data& fixture(std::uint32_t points) {
  static data* d = nullptr;
  if (d && d->points == points) return *d;
  delete d;
  d = new data;
  d->points = points;
  std::mt19937_64 rng(26875);
  std::uniform_int_distribution<std::uint32_t> pick(0, points - 1);
  std::uniform_real_distribution<double> normal(0, 200), high(235, 335);
  std::uniform_int_distribution<int> permille(0, 999);
  d->point.resize(length);
  d->value.resize(length);
  d->t.resize(batch);
  for (std::size_t i = 0; i < length; ++i) {
    d->point[i] = pick(rng);
    d->value[i] = permille(rng) == 0 ? high(rng) : normal(rng);
  }
  alarm::rules r;
  alarm::alarm_rule pre, fire;
  pre.id = "PRE";
  pre.setpoint = 240;
  pre.deadband = 10;
  pre.cls = firebus::alarm_class::pre_alarm;
  fire.id = "ALM";
  fire.setpoint = 300;
  fire.profile = alarm::profile::fire;
  r.points.resize(points);
  for (std::uint32_t i = 0; i < points; ++i) {
    r.points[i].id = "P" + std::to_string(1'000'000 + i);
    r.points[i].alarms = {pre, fire};
  }
  std::error_code ec;
  d->engine.configure(r, ec);
  // Steady state: every point has a held value and an ordering reference (a point's first
  // sample takes the engine's full path; a running gateway is past that).
  for (std::uint32_t i = 0; i < points; ++i) {
    d->engine.sample(i, firebus::mono_time(firebus::duration(++d->now)), 100.0, ec);
  }
  d->engine.clear_events();
  return *d;
}

void run(benchmark::State& state, bool batched) {
  data& d = fixture(static_cast<std::uint32_t>(state.range(0)));
  std::error_code ec;
  for (auto _ : state) {
    for (auto& t : d.t) t = firebus::mono_time(firebus::duration(++d.now));
    const std::uint32_t* p = d.point.data() + d.next;
    const double* v = d.value.data() + d.next;
    if (batched) {
      if (d.engine.sample_batch(p, d.t.data(), v, batch, ec) != batch)
        state.SkipWithError("refused");
    } else {
      for (std::size_t i = 0; i < batch; ++i) d.engine.sample(p[i], d.t[i], v[i], ec);
      if (ec) state.SkipWithError("refused");
    }
    d.engine.clear_events();
    d.next = (d.next + batch) % length;
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * batch));
}

void BM_alarm_sample_one_by_one(benchmark::State& state) { run(state, false); }
void BM_alarm_sample_batch(benchmark::State& state) { run(state, true); }

}  // namespace

BENCHMARK(BM_alarm_sample_one_by_one)->Arg(1'000)->Arg(100'000)->Arg(1'000'000);
BENCHMARK(BM_alarm_sample_batch)->Arg(1'000)->Arg(100'000)->Arg(1'000'000);
BENCHMARK_MAIN();
