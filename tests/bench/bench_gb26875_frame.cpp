// firebus — fire-safety IoT SDK.
// GB/T 26875.3 decode and encode, against a memcpy of the same bytes in the same run:
//   /78    a fire alarm: one component status object (the commonest frame that matters most);
//   /1052  a full frame of standard objects: 102 system status objects (1022-byte ADU).
// Decoding means decode_frame() + parse_adu() + reading every object; encoding means
// encode_adu() + encode_frame() into a caller's buffer.
#include <array>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <system_error>
#include <vector>

#include <benchmark/benchmark.h>

#include <firebus/gb26875/adu.hpp>
#include <firebus/gb26875/frame.hpp>

namespace gb = firebus::gb26875;

namespace {

gb::adu make_adu(std::int64_t frame_size) {
  const gb::time_tag t{21, 55, 10, 30, 11, 26};
  if (frame_size == 78) {
    gb::component_status c;
    c.system_type = 1;
    c.component_type = 42;
    c.component_address = 0x00010007;
    c.status = 0x0003;
    c.time = t;
    for (std::size_t i = 0; i < 16; ++i) c.text[i] = static_cast<std::uint8_t>(0xB0 + i);
    return {gb::adu_type::component_status, {c}};
  }
  gb::adu a{gb::adu_type::system_status, {}};
  for (std::uint8_t i = 0; i < 102; ++i) a.objects.push_back(gb::system_status{1, i, 0x0001, t});
  return a;
}

std::vector<std::uint8_t> make_frame(std::int64_t frame_size) {
  gb::header h;
  h.serial = 7;
  h.source = 0x0000A1B2C3D4;
  h.time = {21, 55, 10, 30, 11, 26};
  std::vector<std::uint8_t> f = gb::encode_frame(h, gb::encode_adu(make_adu(frame_size)));
  if (static_cast<std::int64_t>(f.size()) != frame_size) std::abort();
  return f;
}

void report(benchmark::State& state, std::size_t bytes) {
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * bytes));
  state.counters["frames/s"] =
      benchmark::Counter(static_cast<double>(state.iterations()), benchmark::Counter::kIsRate);
}

void BM_memcpy_baseline(benchmark::State& state) {
  const std::vector<std::uint8_t> frame = make_frame(state.range(0));
  std::array<std::uint8_t, gb::max_frame_size> out;
  for (auto _ : state) {
    benchmark::DoNotOptimize(frame.data());
    std::memcpy(out.data(), frame.data(), frame.size());
    benchmark::ClobberMemory();
  }
  report(state, frame.size());
}
BENCHMARK(BM_memcpy_baseline)->Arg(78)->Arg(1052);

void BM_decode(benchmark::State& state) {
  const std::vector<std::uint8_t> frame = make_frame(state.range(0));
  for (auto _ : state) {
    benchmark::DoNotOptimize(frame.data());
    std::error_code ec;
    const gb::frame_view f = gb::decode_frame(frame, ec);
    const gb::adu_view v = gb::parse_adu(f.adu, ec);
    std::uint32_t sum = 0;
    for (const gb::object& o : v) {
      if (const auto* c = std::get_if<gb::component_status>(&o)) sum += c->status;
      if (const auto* s = std::get_if<gb::system_status>(&o)) sum += s->status;
    }
    if (ec || sum == 0) state.SkipWithError("decode failed");
    benchmark::DoNotOptimize(sum);
  }
  report(state, frame.size());
}
BENCHMARK(BM_decode)->Arg(78)->Arg(1052);

void BM_encode(benchmark::State& state) {
  const gb::adu a = make_adu(state.range(0));
  gb::header h;
  h.serial = 7;
  std::array<std::uint8_t, gb::max_adu_size> adu_buf;
  std::array<std::uint8_t, gb::max_frame_size> frame_buf;
  std::size_t size = 0;
  for (auto _ : state) {
    std::error_code ec;
    firebus::byte_writer aw(firebus::mutable_byte_view(adu_buf.data(), adu_buf.size()));
    gb::encode_adu(a, aw, ec);
    firebus::byte_writer fw(firebus::mutable_byte_view(frame_buf.data(), frame_buf.size()));
    gb::encode_frame(h, aw.written(), fw, ec);
    if (ec) state.SkipWithError("encode failed");
    size = fw.position();
    benchmark::DoNotOptimize(frame_buf.data());
    benchmark::ClobberMemory();
  }
  report(state, size);
}
BENCHMARK(BM_encode)->Arg(78)->Arg(1052);

}  // namespace

BENCHMARK_MAIN();
