// firebus — fire-safety IoT SDK.
// How fast firebus::gb26875::deframer cuts a TCP stream into frames, against the cheapest thing
// that can be done with the same bytes: copying them with std::memcpy.
//
//   g++ -std=c++17 -O2 -DNDEBUG -I include tests/bench/bench_gb26875_deframer.cpp -o bench
//       -lbenchmark -lpthread
//   ./bench --benchmark_format=json | python3 tests/bench/ratio.py
//
// The stream is 4 MiB of glued valid frames fed in 64 KiB chunks, as reads from a socket would
// come, so frames are split across chunks. The argument picks the frames:
//   0: a random mix of 78-byte (48-byte ADU, a typical status upload) and 1054-byte frames;
//   1: 78-byte frames only (per-frame cost);  2: 1054-byte frames only (per-byte cost).
// The baseline copies the same stream in the same chunks into a 64 KiB buffer.
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <random>
#include <vector>

#include <benchmark/benchmark.h>

#include <firebus/gb26875/deframer.hpp>
#include <firebus/gb26875/frame.hpp>

namespace {

namespace gb = firebus::gb26875;

constexpr std::size_t stream_size = 4 * 1024 * 1024;
constexpr std::size_t chunk_size = 64 * 1024;

struct stream {
  std::vector<std::uint8_t> bytes;
  std::size_t frames = 0;
};

stream make_stream(int mix) {
  stream s;
  std::mt19937 rng(26875);
  std::uint16_t serial = 0;
  for (;;) {
    const bool big = mix == 2 || (mix == 0 && rng() % 2 == 0);
    std::vector<std::uint8_t> adu(big ? gb::max_adu_size : 48);
    for (std::uint8_t& b : adu) b = static_cast<std::uint8_t>(rng());
    gb::header h;
    h.serial = ++serial;
    h.time = {21, 55, 10, 30, 11, 26};
    h.source = 0x0000'1234'5678;
    h.destination = 1;
    h.cmd = gb::command::send_data;
    const std::vector<std::uint8_t> f = gb::encode_frame(h, adu);
    if (s.bytes.size() + f.size() > stream_size) break;
    s.bytes.insert(s.bytes.end(), f.begin(), f.end());
    ++s.frames;
  }
  return s;
}

const stream& stream_for(int mix) {
  static const stream streams[] = {make_stream(0), make_stream(1), make_stream(2)};
  return streams[mix];
}

void BM_gb26875_deframer(benchmark::State& state) {
  const stream& s = stream_for(static_cast<int>(state.range(0)));
  gb::deframer d;
  std::uint64_t frames = 0;
  std::uint64_t adu_bytes = 0;
  std::uint64_t rejections = 0;
  for (auto _ : state) {
    for (std::size_t at = 0; at < s.bytes.size(); at += chunk_size) {
      const std::size_t n = s.bytes.size() - at < chunk_size ? s.bytes.size() - at : chunk_size;
      d.feed(
          firebus::byte_view(s.bytes.data() + at, n),
          [&](const gb::frame_view& f) {
            ++frames;
            adu_bytes += f.adu.size();
          },
          [&](const gb::rejection&) { ++rejections; });
    }
    benchmark::DoNotOptimize(adu_bytes);
  }
  if (rejections != 0 || frames != s.frames * static_cast<std::uint64_t>(state.iterations())) {
    state.SkipWithError("the deframer lost frames");
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations()) *
                          static_cast<std::int64_t>(s.bytes.size()));
  state.counters["frames/s"] =
      benchmark::Counter(static_cast<double>(frames), benchmark::Counter::kIsRate);
}
BENCHMARK(BM_gb26875_deframer)->Arg(0)->Arg(1)->Arg(2);

void BM_memcpy_baseline(benchmark::State& state) {
  const stream& s = stream_for(static_cast<int>(state.range(0)));
  std::vector<std::uint8_t> buffer(chunk_size);
  for (auto _ : state) {
    for (std::size_t at = 0; at < s.bytes.size(); at += chunk_size) {
      const std::size_t n = s.bytes.size() - at < chunk_size ? s.bytes.size() - at : chunk_size;
      std::memcpy(buffer.data(), s.bytes.data() + at, n);
      benchmark::ClobberMemory();
    }
    benchmark::DoNotOptimize(buffer.data());
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations()) *
                          static_cast<std::int64_t>(s.bytes.size()));
  state.counters["frames/s"] =
      benchmark::Counter(static_cast<double>(s.frames) * static_cast<double>(state.iterations()),
                         benchmark::Counter::kIsRate);
}
BENCHMARK(BM_memcpy_baseline)->Arg(0)->Arg(1)->Arg(2);

}  // namespace

BENCHMARK_MAIN();
