// firebus — fire-safety IoT SDK.
// What bounds checking costs: decoding 64 KiB of records with firebus::byte_reader versus raw
// std::memcpy and manual byte swapping with no checks at all.
//
//   g++ -std=c++17 -O2 -DNDEBUG -I include tests/bench/bench_byte_reader.cpp -o bench
//       -lbenchmark -lpthread
//   ./bench --benchmark_format=json | python3 tests/bench/ratio.py
//
// A record is u8, u16le, u32le, u48le, i16le, f32be (19 bytes, no padding), the mix of a
// GB/T 26875.3 status record followed by a Modbus float.
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <random>
#include <system_error>
#include <vector>

#include <benchmark/benchmark.h>

#include <firebus/core/byte_reader.hpp>
#include <firebus/core/byte_writer.hpp>

#if !defined(__BYTE_ORDER__) || __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
#error "the memcpy baseline assumes a little-endian host"
#endif

namespace {

constexpr std::size_t record_size = 1 + 2 + 4 + 6 + 2 + 4;
constexpr std::size_t buffer_size = 64 * 1024;
constexpr std::size_t record_count = buffer_size / record_size;

// Everything decoded is folded into one number, so that no field can be optimised away and
// both decoders can be checked against each other.
struct totals {
  std::uint64_t ints = 0;
  double reals = 0;
};

const std::vector<std::uint8_t>& records() {
  static const std::vector<std::uint8_t> bytes = [] {
    std::vector<std::uint8_t> out;
    firebus::byte_writer w(out, record_count * record_size);
    std::mt19937_64 rng(26875);
    for (std::size_t i = 0; i < record_count; ++i) {
      const std::uint64_t r = rng();
      w.u8(static_cast<std::uint8_t>(r));
      w.u16le(static_cast<std::uint16_t>(r >> 8));
      w.u32le(static_cast<std::uint32_t>(r >> 24));
      w.u48le(rng() & 0xFFFFFFFFFFFFull);
      w.i16le(static_cast<std::int16_t>(r >> 40));
      w.f32be(static_cast<float>(r % 100000) / 8.0f);
    }
    return out;
  }();
  return bytes;
}

totals decode_memcpy(const std::uint8_t* p, std::size_t count) {
  totals t;
  for (std::size_t i = 0; i < count; ++i, p += record_size) {
    std::uint8_t a;
    std::uint16_t b;
    std::uint32_t c;
    std::uint64_t d = 0;
    std::int16_t e;
    std::uint32_t fbits;
    float f;
    std::memcpy(&a, p, 1);
    std::memcpy(&b, p + 1, 2);
    std::memcpy(&c, p + 3, 4);
    std::memcpy(&d, p + 7, 6);  // little-endian host: the low six bytes
    std::memcpy(&e, p + 13, 2);
    std::memcpy(&fbits, p + 15, 4);
    fbits = __builtin_bswap32(fbits);
    std::memcpy(&f, &fbits, 4);
    t.ints += a + b + c + d + static_cast<std::uint64_t>(e);
    t.reals += f;
  }
  return t;
}

totals decode_reader(firebus::byte_view bytes, std::size_t count, std::error_code& ec) {
  totals t;
  firebus::byte_reader r(bytes);
  for (std::size_t i = 0; i < count; ++i) {
    const std::uint8_t a = r.u8(ec);
    const std::uint16_t b = r.u16le(ec);
    const std::uint32_t c = r.u32le(ec);
    const std::uint64_t d = r.u48le(ec);
    const std::int16_t e = r.i16le(ec);
    const float f = r.f32be(ec);
    t.ints += a + b + c + d + static_cast<std::uint64_t>(e);
    t.reals += f;
  }
  return t;
}

void BM_memcpy_baseline(benchmark::State& state) {
  const std::vector<std::uint8_t>& bytes = records();
  for (auto _ : state) {
    const std::uint8_t* p = bytes.data();
    benchmark::DoNotOptimize(p);
    const totals t = decode_memcpy(p, record_count);
    benchmark::DoNotOptimize(t.ints);
    benchmark::DoNotOptimize(t.reals);
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations()) *
                          static_cast<std::int64_t>(bytes.size()));
}
BENCHMARK(BM_memcpy_baseline);

void BM_byte_reader(benchmark::State& state) {
  const std::vector<std::uint8_t>& bytes = records();
  // Both decoders must agree, or the comparison means nothing.
  std::error_code check_ec;
  const totals want = decode_memcpy(bytes.data(), record_count);
  const totals got = decode_reader(bytes, record_count, check_ec);
  if (check_ec || got.ints != want.ints || got.reals != want.reals) {
    state.SkipWithError("byte_reader and the memcpy baseline disagree");
    return;
  }
  for (auto _ : state) {
    firebus::byte_view view(bytes);
    benchmark::DoNotOptimize(view);
    std::error_code ec;
    const totals t = decode_reader(view, record_count, ec);
    benchmark::DoNotOptimize(t.ints);
    benchmark::DoNotOptimize(t.reals);
    benchmark::DoNotOptimize(ec);
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations()) *
                          static_cast<std::int64_t>(bytes.size()));
}
BENCHMARK(BM_byte_reader);

}  // namespace

BENCHMARK_MAIN();
