// firebus — fire-safety IoT SDK.
// libFuzzer target for firebus::gb26875::deframer.
//
// The input is two control bytes followed by the stream:
//
//   [c0] [c1] [stream...]
//
// c0's top three bits pick the largest chunk (1, 2, 7, 64, 300, 1100, 5000 bytes, or the whole
// stream); c0's low bits and c1 seed the generator of the chunk sizes (0 included). The target
// feeds the stream in those chunks, then flush(), and traps on any violation of:
//   - after every call: delivered + discarded + buffered == fed, the rejection lengths plus
//     pending_garbage() == discarded, buffered() <= max_buffered, counters == callbacks;
//   - every delivered frame is the stream's bytes at its offset; they re-decode with
//     decode_frame() without error to the same header and ADU, and encode_frame(header, ADU)
//     gives them back byte for byte;
//   - every rejection is what frame.hpp says of its candidate (decode_frame() gives
//     checksum_mismatch or bad_end, check_frame_head() gives adu_too_long), and a garbage run holds
//     no `@@`;
//   - after flush(), the events tile the stream: contiguous, every byte in exactly one;
//   - the events are exactly those of feeding the whole stream at once, and exactly those of an
//     independent byte-by-byte model of the rules (the same model as the unit tests).
//
// Build for fuzzing:
//   clang++-14 -std=c++17 -g -O1 -fsanitize=fuzzer,address,undefined -I include
//       tests/fuzz/fuzz_gb26875_deframer.cpp -o fuzz_gb26875_deframer
// Build for corpus replay (any compiler):
//   g++ -std=c++17 -I include tests/fuzz/fuzz_gb26875_deframer.cpp tests/fuzz/replay_main.cpp
// Seeds: tests/fuzz/make_gb26875_seeds.py writes tests/fuzz/corpus/gb26875_deframer/.
#include <cstddef>
#include <cstdint>
#include <system_error>
#include <vector>

#include <firebus/core/bytes.hpp>
#include <firebus/gb26875/deframer.hpp>
#include <firebus/gb26875/error.hpp>
#include <firebus/gb26875/frame.hpp>

namespace {

namespace gb = firebus::gb26875;
using firebus::byte_view;

// An explicit check: stays active in every build mode, unlike assert().
#define FIREBUS_FUZZ_CHECK(cond)   \
  do {                             \
    if (!(cond)) __builtin_trap(); \
  } while (0)

// A frame (reason 0) or a rejection, with everything that must not depend on the chunking.
struct event {
  int reason = 0;
  std::uint64_t offset = 0;
  std::uint64_t length = 0;
  std::size_t diag_offset = 0;
  std::uint32_t expected = 0;
  std::uint32_t found = 0;

  friend bool operator==(const event& a, const event& b) {
    return a.reason == b.reason && a.offset == b.offset && a.length == b.length &&
           a.diag_offset == b.diag_offset && a.expected == b.expected && a.found == b.found;
  }
};

int code(gb::errc e) { return static_cast<int>(e); }

struct run {
  byte_view stream;
  gb::deframer d;
  std::vector<event> events;
  std::uint64_t frames = 0;
  std::uint64_t rejections = 0;
  std::uint64_t rejected_bytes = 0;

  void on_frame(const gb::frame_view& f) {
    const std::uint64_t size = gb::frame_size(f.adu.size());
    const std::uint64_t consumed = d.bytes_delivered() + d.bytes_discarded();
    FIREBUS_FUZZ_CHECK(consumed >= size && consumed <= stream.size());
    const std::uint64_t offset = consumed - size;
    const byte_view bytes =
        stream.subview(static_cast<std::size_t>(offset), static_cast<std::size_t>(size));
    FIREBUS_FUZZ_CHECK(bytes.size() == size);
    std::error_code ec;
    const gb::frame_view again = gb::decode_frame(bytes, ec);
    FIREBUS_FUZZ_CHECK(!ec);
    FIREBUS_FUZZ_CHECK(again.hdr == f.hdr);
    FIREBUS_FUZZ_CHECK(again.adu == f.adu);
    FIREBUS_FUZZ_CHECK(byte_view(gb::encode_frame(f.hdr, f.adu)) == bytes);
    ++frames;
    events.push_back({0, offset, size, 0, 0, 0});
  }

  void on_reject(const gb::rejection& r) {
    FIREBUS_FUZZ_CHECK(r.length != 0);
    FIREBUS_FUZZ_CHECK(r.stream_offset + r.length <= stream.size());
    const auto at = static_cast<std::size_t>(r.stream_offset);
    const byte_view span = stream.subview(at, static_cast<std::size_t>(r.length));
    if (!r.candidate.empty()) {
      FIREBUS_FUZZ_CHECK(r.candidate == stream.subview(at, r.candidate.size()));
    }
    std::error_code ec;
    if (r.reason == gb::errc::garbage) {
      FIREBUS_FUZZ_CHECK(r.candidate.empty());
      for (std::size_t k = at; k < at + span.size(); ++k) {
        FIREBUS_FUZZ_CHECK(!(k + 1 < stream.size() && stream[k] == gb::start_byte &&
                             stream[k + 1] == gb::start_byte));
      }
    } else if (r.reason == gb::errc::adu_too_long) {
      FIREBUS_FUZZ_CHECK(r.length == 1 && r.candidate.size() == gb::header_size);
      (void)gb::check_frame_head(r.candidate, ec);
      FIREBUS_FUZZ_CHECK(ec == gb::errc::adu_too_long);
    } else if (r.reason == gb::errc::bad_end) {
      FIREBUS_FUZZ_CHECK(r.length == 1);
      (void)gb::decode_frame(r.candidate, ec);
      FIREBUS_FUZZ_CHECK(ec == gb::errc::bad_end);
    } else if (r.reason == gb::errc::checksum_mismatch) {
      FIREBUS_FUZZ_CHECK(r.candidate == span);
      (void)gb::decode_frame(r.candidate, ec);
      FIREBUS_FUZZ_CHECK(ec == gb::errc::checksum_mismatch);
    } else if (r.reason == gb::errc::truncated) {
      FIREBUS_FUZZ_CHECK(r.candidate == span);
      // It starts at a `@@`, and may be a single byte if a frame starts right behind it.
      FIREBUS_FUZZ_CHECK(at + 1 < stream.size() && stream[at] == gb::start_byte &&
                         stream[at + 1] == gb::start_byte);
      // Only flush() reports it, and only for a candidate the stream cannot complete.
      FIREBUS_FUZZ_CHECK(r.diag.found == stream.size() - at);
      FIREBUS_FUZZ_CHECK(r.diag.expected > r.diag.found);
    } else {
      __builtin_trap();
    }
    ++rejections;
    rejected_bytes += r.length;
    events.push_back({r.reason.value(), r.stream_offset, r.length, r.diag.offset, r.diag.expected,
                      r.diag.found});
  }

  void check() const {
    FIREBUS_FUZZ_CHECK(d.bytes_delivered() + d.bytes_discarded() + d.buffered() == d.bytes_fed());
    FIREBUS_FUZZ_CHECK(rejected_bytes + d.pending_garbage() == d.bytes_discarded());
    FIREBUS_FUZZ_CHECK(d.buffered() <= gb::deframer::max_buffered);
    FIREBUS_FUZZ_CHECK(d.frames() == frames && d.rejected() == rejections);
  }

  void feed(byte_view chunk) {
    const std::uint64_t before = d.bytes_fed();
    d.feed(
        chunk, [this](const gb::frame_view& f) { on_frame(f); },
        [this](const gb::rejection& r) { on_reject(r); });
    FIREBUS_FUZZ_CHECK(d.bytes_fed() == before + chunk.size());
    check();
  }

  void flush() {
    d.flush([this](const gb::frame_view& f) { on_frame(f); },
            [this](const gb::rejection& r) { on_reject(r); });
    check();
    FIREBUS_FUZZ_CHECK(d.buffered() == 0 && d.pending_garbage() == 0);
    FIREBUS_FUZZ_CHECK(d.bytes_fed() == stream.size());
    // The events tile the stream.
    std::uint64_t covered = 0;
    for (const event& e : events) {
      FIREBUS_FUZZ_CHECK(e.offset == covered);
      covered += e.length;
    }
    FIREBUS_FUZZ_CHECK(covered == stream.size());
  }
};

// --- the model: rules 1–6 of deframer.hpp, byte by byte over the whole stream ------------------

std::size_t length_field(byte_view s, std::size_t at) {
  return static_cast<std::size_t>(s[at + 24] | s[at + 25] << 8);
}
bool pair_at(byte_view s, std::size_t at) {
  return at + 1 < s.size() && s[at] == 0x40 && s[at + 1] == 0x40;
}
bool decidable(byte_view s, std::size_t at) {
  const std::size_t avail = s.size() - at;
  if (avail < 27) return false;
  const std::size_t length = length_field(s, at);
  return length > 1024 || avail >= 30 + length;
}
bool ends_ok(byte_view s, std::size_t at, std::size_t size) {
  return s[at + size - 2] == 0x23 && s[at + size - 1] == 0x23;
}
bool checksum_ok(byte_view s, std::size_t at, std::size_t size) {
  unsigned sum = 0;
  for (std::size_t k = at + 2; k < at + size - 3; ++k) sum += s[k];
  return static_cast<std::uint8_t>(sum) == s[at + size - 3];
}
bool valid_frame_at(byte_view s, std::size_t at) {
  if (!pair_at(s, at) || !decidable(s, at)) return false;
  const std::size_t length = length_field(s, at);
  return length <= 1024 && ends_ok(s, at, 30 + length) && checksum_ok(s, at, 30 + length);
}

// Reason, offset and length of each event (the diagnostics are checked against frame.hpp above).
std::vector<event> model(byte_view s) {
  std::vector<event> out;
  std::uint64_t garbage_at = 0;
  std::uint64_t garbage = 0;
  auto end_garbage = [&] {
    if (garbage != 0) out.push_back({code(gb::errc::garbage), garbage_at, garbage, 0, 0, 0});
    garbage = 0;
  };
  std::size_t i = 0;
  while (i < s.size()) {
    if (!pair_at(s, i)) {
      if (garbage == 0) garbage_at = i;
      ++garbage;
      ++i;
      continue;
    }
    end_garbage();
    if (!decidable(s, i)) {
      std::size_t end = i + 1;
      while (end < s.size() && !valid_frame_at(s, end)) ++end;
      out.push_back({code(gb::errc::truncated), i, end - i, 0, 0, 0});
      i = end;
      continue;
    }
    const std::size_t length = length_field(s, i);
    if (length > 1024) {
      out.push_back({code(gb::errc::adu_too_long), i, 1, 0, 0, 0});
      i += 1;
    } else if (!ends_ok(s, i, 30 + length)) {
      out.push_back({code(gb::errc::bad_end), i, 1, 0, 0, 0});
      i += 1;
    } else if (!checksum_ok(s, i, 30 + length)) {
      out.push_back({code(gb::errc::checksum_mismatch), i, 30 + length, 0, 0, 0});
      i += 30 + length;
    } else {
      out.push_back({0, i, 30 + length, 0, 0, 0});
      i += 30 + length;
    }
  }
  end_garbage();
  return out;
}

constexpr std::size_t max_chunks[] = {1, 2, 7, 64, 300, 1100, 5000, 0 /* whole */};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 2) return 0;
  const std::size_t max_chunk = max_chunks[data[0] >> 5];
  std::uint32_t state = (std::uint32_t{data[0]} << 8 | data[1]) * 2654435761u + 1;
  const byte_view stream(data + 2, size - 2);

  run chunked;
  chunked.stream = stream;
  std::size_t at = 0;
  while (at < stream.size()) {
    state = state * 1103515245u + 12345u;
    std::size_t n = max_chunk == 0 ? stream.size() : (state >> 8) % (max_chunk + 1);
    if (n > stream.size() - at) n = stream.size() - at;
    chunked.feed(stream.subview(at, n));
    at += n;
  }
  chunked.feed(byte_view());
  chunked.flush();

  run whole;
  whole.stream = stream;
  whole.feed(stream);
  whole.flush();
  FIREBUS_FUZZ_CHECK(chunked.events == whole.events);
  FIREBUS_FUZZ_CHECK(chunked.d.frames() == whole.d.frames());
  FIREBUS_FUZZ_CHECK(chunked.d.bytes_discarded() == whole.d.bytes_discarded());

  const std::vector<event> want = model(stream);
  FIREBUS_FUZZ_CHECK(want.size() == whole.events.size());
  for (std::size_t k = 0; k < want.size(); ++k) {
    const event& got = whole.events[k];
    FIREBUS_FUZZ_CHECK(got.reason == want[k].reason && got.offset == want[k].offset &&
                       got.length == want[k].length);
  }
  return 0;
}
