// firebus — fire-safety IoT SDK.
// The telemetry encodings (docs/telemetry.md, "Size" and "Sparkplug B") on one batch of 1,000
// samples: 100 points (50 temperatures in Cel with one decimal, 21.7; 50 residual currents in mA
// with two decimals, 0.35), 10 rows 1 s apart, every sample of a row at the same millisecond,
// quality good — the workload of tests/unit/test_telemetry_firebus.cpp "bytes per sample", with
// decimal values (not floats: firebus sends them in its decimal form, as scaled integers).
//   - BM_encode_json_baseline: the batch's canonical JSON (telemetry::to_json, alias table);
//     the baseline;
//   - BM_encode_firebus: telemetry::encode_envelope with the birth's alias_table;
//   - BM_decode_firebus: telemetry::decode_envelope with a birth_registry holding the birth
//     (aliases back to point ids, samples rebuilt);
//   - BM_encode_sparkplug: the same samples as the DDATA an edge node sends
//     (sparkplug::edge_node::data: aliases, metric timestamps, no datatypes, seq), the 100
//     metrics declared Double so that the values travel exactly, as in firebus;
//   - BM_decode_sparkplug: sparkplug::decode_payload of that DDATA (metrics with alias, timestamp
//     and wire value; no lookup of the aliases);
//   - BM_stamp_envelope: telemetry::stamp_envelope (a new seq) on the encoded firebus batch, what
//     the uplink does to every firebus message it publishes.
// Counters: samples/s (1,000 per iteration) and bytes_per_sample (the encoded message / 1,000:
// JSON text, firebus envelope, Sparkplug payload, stamped envelope).
#include <cstddef>
#include <cstdint>
#include <string>
#include <system_error>
#include <utility>
#include <variant>
#include <vector>

#include <benchmark/benchmark.h>

#include <firebus/core/point.hpp>
#include <firebus/core/quality.hpp>
#include <firebus/core/sample.hpp>
#include <firebus/core/time.hpp>
#include <firebus/telemetry/aliases.hpp>
#include <firebus/telemetry/firebus_codec.hpp>
#include <firebus/telemetry/sparkplug.hpp>
#include <firebus/telemetry/sparkplug_node.hpp>
#include <firebus/telemetry/types.hpp>

namespace {

namespace tel = firebus::telemetry;
namespace spb = firebus::telemetry::sparkplug;
using bytes = std::vector<std::uint8_t>;

constexpr std::size_t points = 100;
constexpr std::size_t rows = 10;
constexpr std::size_t n_samples = points * rows;
constexpr std::int64_t t0_ms = 1'764'471'321'000;
const char* const source = "gw-0001";

firebus::utc_time at_ms(std::int64_t ms) { return firebus::utc_time(firebus::duration(ms * 1000)); }

bool is_temperature(std::size_t p) { return p % 2 == 0; }

std::string point_name(std::size_t p) {
  return is_temperature(p) ? "b1/f1/t" + std::to_string(p)
                           : "b1/f1/rcm" + std::to_string(p) + "/ir";
}

// 18.0 .. 26.9 Cel (one decimal), 0.05 .. 1.04 mA (two decimals).
double value_of(std::size_t row, std::size_t p) {
  if (is_temperature(p)) return static_cast<double>(180 + (p * 7) % 80 + row) / 10.0;
  return static_cast<double>(5 + (p * 13) % 90 + row) / 100.0;
}

struct workload {
  tel::birth birth;
  tel::alias_table aliases;
  tel::birth_registry births;
  tel::envelope env;
  std::vector<firebus::sample> samples;
  bytes firebus_wire;
  std::string json;
  spb::edge_node node;
  bytes sparkplug_wire;
  std::string error;  // empty: everything encoded and decoded back

  workload() {
    birth.birth_id = 7;
    birth.time = at_ms(t0_ms);
    for (std::size_t p = 0; p < points; ++p) {
      tel::point_decl d;
      d.name = firebus::point_id(point_name(p));
      d.unit = is_temperature(p) ? "Cel" : "mA";
      d.quantity = is_temperature(p) ? "temperature" : "residual_current";
      birth.points.push_back(d);
    }
    tel::assign_aliases(birth);
    aliases = tel::alias_table(birth);
    births.add(source, birth);

    tel::batch b;
    b.birth_id = birth.birth_id;
    for (std::size_t row = 0; row < rows; ++row) {
      for (std::size_t p = 0; p < points; ++p) {
        firebus::sample s{birth.points[p].name,
                          at_ms(t0_ms + 1000 * static_cast<std::int64_t>(row)), value_of(row, p)};
        s.quality = firebus::quality_code::good;
        b.samples.push_back(s);
      }
    }
    samples = b.samples;
    env = tel::envelope{source, 1, std::move(b)};

    std::error_code ec;
    std::string why;
    firebus_wire = tel::encode_envelope(env, aliases, ec, {}, &why);
    if (ec) {
      error = "firebus encode: " + why;
      return;
    }
    if (tel::decode_envelope(firebus::byte_view(firebus_wire), births, ec) != env) {
      error = "firebus: the batch does not decode to itself";
      return;
    }
    json = tel::to_json(env, aliases, ec, {}, &why);
    if (ec) {
      error = "to_json: " + why;
      return;
    }

    spb::node_config c;
    c.group_id = "fire";
    c.edge_node_id = source;
    spb::device_decl dev;
    dev.id = "panel1";
    for (std::size_t p = 0; p < points; ++p) {
      spb::metric_decl m{point_name(p), spb::data_type::double_, 0.0};
      m.point = birth.points[p].name;
      m.unit = birth.points[p].unit;
      dev.metrics.push_back(m);
    }
    c.devices.push_back(dev);
    node = spb::edge_node::make(c, ec, &why);
    if (ec) {
      error = "sparkplug node: " + why;
      return;
    }
    node.will();
    node.on_connected(static_cast<std::uint64_t>(t0_ms));
    auto out = node.data(samples, static_cast<std::uint64_t>(t0_ms) + 10'000, false, ec, &why);
    if (ec || out.size() != 1) {
      error = "sparkplug data: " + why;
      return;
    }
    sparkplug_wire = std::move(out[0].payload);
    const spb::payload back = spb::decode_payload(firebus::byte_view(sparkplug_wire), ec);
    if (ec || back.metrics.size() != n_samples) {
      error = "sparkplug: the DDATA does not decode";
      return;
    }
    for (std::size_t i = 0; i < n_samples; ++i) {
      const auto* v = std::get_if<double>(&back.metrics[i].value);
      if (v == nullptr || *v != samples[i].value) {
        error = "sparkplug: a value does not come back";
        return;
      }
    }
  }
};

workload& data() {
  static workload w;
  return w;
}

// Skips the benchmark (true) if the workload could not be built.
bool failed(benchmark::State& state) {
  if (data().error.empty()) return false;
  state.SkipWithError(data().error.c_str());
  return true;
}

void report(benchmark::State& state, std::size_t encoded_bytes) {
  state.counters["samples/s"] = benchmark::Counter(static_cast<double>(n_samples),
                                                   benchmark::Counter::kIsIterationInvariantRate);
  state.counters["bytes_per_sample"] =
      static_cast<double>(encoded_bytes) / static_cast<double>(n_samples);
}

void BM_encode_json_baseline(benchmark::State& state) {
  if (failed(state)) return;
  workload& w = data();
  std::error_code ec;
  std::size_t size = 0;
  for (auto _ : state) {
    std::string json = tel::to_json(w.env, w.aliases, ec);
    size = json.size();
    benchmark::DoNotOptimize(json.data());
  }
  if (ec) state.SkipWithError(ec.message().c_str());
  report(state, size);
}

void BM_encode_firebus(benchmark::State& state) {
  if (failed(state)) return;
  workload& w = data();
  std::error_code ec;
  std::size_t size = 0;
  for (auto _ : state) {
    bytes wire = tel::encode_envelope(w.env, w.aliases, ec);
    size = wire.size();
    benchmark::DoNotOptimize(wire.data());
  }
  if (ec) state.SkipWithError(ec.message().c_str());
  report(state, size);
}

void BM_decode_firebus(benchmark::State& state) {
  if (failed(state)) return;
  workload& w = data();
  std::error_code ec;
  for (auto _ : state) {
    tel::envelope env = tel::decode_envelope(firebus::byte_view(w.firebus_wire), w.births, ec);
    benchmark::DoNotOptimize(&env);
  }
  if (ec) state.SkipWithError(ec.message().c_str());
  report(state, w.firebus_wire.size());
}

void BM_encode_sparkplug(benchmark::State& state) {
  if (failed(state)) return;
  workload& w = data();
  std::error_code ec;
  std::size_t size = 0;
  const std::uint64_t now = static_cast<std::uint64_t>(t0_ms) + 10'000;
  for (auto _ : state) {
    std::vector<spb::message> out = w.node.data(w.samples, now, false, ec);
    size = out.empty() ? 0 : out[0].payload.size();
    benchmark::DoNotOptimize(out.data());
  }
  if (ec) state.SkipWithError(ec.message().c_str());
  report(state, size);
}

void BM_decode_sparkplug(benchmark::State& state) {
  if (failed(state)) return;
  workload& w = data();
  std::error_code ec;
  for (auto _ : state) {
    spb::payload p = spb::decode_payload(firebus::byte_view(w.sparkplug_wire), ec);
    benchmark::DoNotOptimize(&p);
  }
  if (ec) state.SkipWithError(ec.message().c_str());
  report(state, w.sparkplug_wire.size());
}

void BM_stamp_envelope(benchmark::State& state) {
  if (failed(state)) return;
  workload& w = data();
  std::error_code ec;
  std::size_t size = 0;
  tel::envelope_stamp s;
  s.lane = tel::lane::telemetry;
  for (auto _ : state) {
    ++s.seq;
    bytes out = tel::stamp_envelope(firebus::byte_view(w.firebus_wire), s, ec);
    size = out.size();
    benchmark::DoNotOptimize(out.data());
  }
  if (ec) state.SkipWithError(ec.message().c_str());
  report(state, size);
}

}  // namespace

BENCHMARK(BM_encode_json_baseline)->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_encode_firebus)->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_decode_firebus)->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_encode_sparkplug)->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_decode_sparkplug)->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_stamp_envelope)->Unit(benchmark::kMicrosecond);

BENCHMARK_MAIN();
