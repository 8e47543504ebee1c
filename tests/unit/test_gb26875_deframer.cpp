// firebus — fire-safety IoT SDK.
// Tests of <firebus/gb26875/deframer.hpp>: cutting GB/T 26875.3 frames out of a TCP stream.
//
// Every stream is checked against a reference model written independently of the deframer (a
// byte-by-byte loop over the whole stream, no buffer, no memchr) that states rules 1–6 of the
// header directly, and fed in many ways: whole, split at every byte boundary, one byte at a
// time, in random chunks. The accounting invariants are checked after every feed.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <ostream>  // doctest prints std::error_code with operator<<
#include <random>
#include <stdexcept>
#include <string>
#include <system_error>
#include <vector>

#include <doctest/doctest.h>

#include <firebus/gb26875/deframer.hpp>
#include <firebus/gb26875/error.hpp>
#include <firebus/gb26875/frame.hpp>

namespace {

namespace gb = firebus::gb26875;
using bytes = std::vector<std::uint8_t>;
using firebus::byte_view;

// --- building streams -------------------------------------------------------------------------

gb::header plain_header(std::uint16_t serial) {
  gb::header h;
  h.serial = serial;
  h.version_major = 1;
  h.version_minor = 0;
  h.time = {21, 55, 10, 30, 11, 26};
  h.source = 0x0000'1234'5678;
  h.destination = 0x0000'0000'0001;
  h.cmd = gb::command::send_data;
  return h;
}

// A header whose every field holds `@@` or `##`: serial, version, time tag, addresses, command.
gb::header nasty_header(std::uint16_t variant) {
  gb::header h;
  h.serial = variant % 2 == 0 ? 0x4040 : 0x2323;
  h.version_major = 0x40;
  h.version_minor = 0x40;
  h.time = {0x40, 0x40, 0x23, 0x23, 0x40, 0x40};
  h.source = variant % 3 == 0 ? 0x4040'4040'4040 : 0x2323'2323'2323;
  h.destination = 0x2340'4023'2340;
  h.cmd = static_cast<gb::command>(variant % 2 == 0 ? 0x40 : 0x23);  // reserved: still delivered
  return h;
}

enum class fill { random, at_signs, hashes, at_hash_pairs };

bytes make_adu(std::size_t size, fill how, std::mt19937& rng) {
  bytes adu(size);
  for (std::size_t i = 0; i < size; ++i) {
    switch (how) {
      case fill::random:
        adu[i] = static_cast<std::uint8_t>(rng());
        break;
      case fill::at_signs:
        adu[i] = 0x40;
        break;
      case fill::hashes:
        adu[i] = 0x23;
        break;
      case fill::at_hash_pairs:
        adu[i] = (i / 2) % 2 == 0 ? 0x40 : 0x23;
        break;
    }
  }
  return adu;
}

void append(bytes& out, const bytes& more) { out.insert(out.end(), more.begin(), more.end()); }

// ADU sizes with `@`, `#` or both in the length field itself (35 = 0x23, 64 = 0x40,
// 803 = 0x0323, 832 = 0x0340), the extremes, and the sizes of the benchmark.
const std::size_t adu_sizes[] = {0, 1, 2, 3, 35, 48, 64, 255, 256, 803, 832, 1023, 1024};

// Frames of every size in adu_sizes, with every payload fill, half of them with nasty headers.
std::vector<bytes> sample_frames(std::mt19937& rng) {
  std::vector<bytes> frames;
  std::uint16_t serial = 1;
  for (const std::size_t size : adu_sizes) {
    for (const fill how : {fill::random, fill::at_signs, fill::hashes, fill::at_hash_pairs}) {
      if (size > 300 && how != fill::random && how != fill::at_hash_pairs) continue;
      const gb::header h = serial % 2 == 0 ? nasty_header(serial) : plain_header(serial);
      frames.push_back(gb::encode_frame(h, make_adu(size, how, rng)));
      ++serial;
    }
  }
  return frames;
}

bytes glue(const std::vector<bytes>& frames) {
  bytes out;
  for (const bytes& f : frames) append(out, f);
  return out;
}

// Garbage with no `@@` anywhere, not even across its ends: no 0x40 first or last.
bytes clean_garbage(std::size_t size, std::mt19937& rng) {
  bytes g(size);
  for (std::size_t i = 0; i < size; ++i) {
    std::uint8_t b = static_cast<std::uint8_t>(rng());
    const bool edge = i == 0 || i + 1 == size;
    if (b == 0x40 && (edge || g[i - 1] == 0x40)) b = 0x41;
    g[i] = b;
  }
  return g;
}

// --- what the deframer reports ----------------------------------------------------------------

// A frame (reason cleared) or a rejection, with its place in the stream.
struct event {
  std::error_code reason;
  std::uint64_t offset = 0;
  std::uint64_t length = 0;

  friend bool operator==(const event& a, const event& b) {
    return a.reason == b.reason && a.offset == b.offset && a.length == b.length;
  }
  friend bool operator!=(const event& a, const event& b) { return !(a == b); }
};

std::string to_string(const event& e) {
  const std::string what = e.reason ? e.reason.message() : std::string("frame");
  return what + " @" + std::to_string(e.offset) + "+" + std::to_string(e.length);
}

// "" if equal, else where and how the two lists first differ.
std::string mismatch(const std::vector<event>& got, const std::vector<event>& want) {
  const std::size_t n = std::min(got.size(), want.size());
  for (std::size_t i = 0; i < n; ++i) {
    if (got[i] != want[i]) {
      return "event " + std::to_string(i) + ": got " + to_string(got[i]) + ", want " +
             to_string(want[i]);
    }
  }
  if (got.size() != want.size()) {
    return std::to_string(got.size()) + " events, want " + std::to_string(want.size()) +
           (got.size() > n ? "; extra " + to_string(got[n]) : "; missing " + to_string(want[n]));
  }
  return {};
}

event frame_at(std::uint64_t offset, std::uint64_t length) { return {{}, offset, length}; }
event rejected(gb::errc why, std::uint64_t offset, std::uint64_t length) {
  return {gb::make_error_code(why), offset, length};
}

std::size_t length_of(byte_view frame) {
  return static_cast<std::size_t>(frame[24] | frame[25] << 8);
}

// Feeds a deframer and records everything it reports, checking as it goes that:
// - each delivered frame re-encodes (encode_frame of its header and ADU) to the stream bytes at
//   its offset, the offset being what the counters say was consumed before it;
// - after every call, delivered + discarded + buffered == fed, reported + pending garbage ==
//   discarded, buffered() <= max_buffered, and the counters match the events.
struct collector {
  const bytes* stream = nullptr;  // null: do not check the frames' bytes (adversarial streams)
  bool keep_events = true;
  gb::deframer d;
  std::vector<event> events;
  std::uint64_t frames = 0;
  std::uint64_t rejections = 0;
  std::uint64_t rejected_bytes = 0;
  std::uint64_t max_buffered_seen = 0;
  std::string failure;  // the first broken check, "" if none

  void fail(const std::string& what) {
    if (failure.empty()) failure = what;
  }

  void on_frame(const gb::frame_view& f) {
    const std::uint64_t size = gb::frame_size(f.adu.size());
    const std::uint64_t consumed = d.bytes_delivered() + d.bytes_discarded();
    if (consumed < size) return fail("frame callback: counters not advanced");
    const std::uint64_t offset = consumed - size;
    if (stream != nullptr) {
      const bytes again = gb::encode_frame(f.hdr, f.adu);
      if (offset + size > stream->size() ||
          !std::equal(again.begin(), again.end(),
                      stream->begin() + static_cast<std::ptrdiff_t>(offset))) {
        fail("frame at " + std::to_string(offset) + " differs from the stream");
      }
    }
    ++frames;
    if (keep_events) events.push_back(frame_at(offset, size));
  }

  void on_reject(const gb::rejection& r) {
    ++rejections;
    rejected_bytes += r.length;
    if (r.length == 0) fail("empty rejection");
    // The candidate is the stream's bytes at the rejection's offset: the frame for a checksum,
    // the header for a length, 30 + L bytes for an end, the span for truncated; none for garbage.
    const std::size_t want =
        r.reason == gb::errc::garbage        ? 0
        : r.reason == gb::errc::adu_too_long ? 27
        : r.reason == gb::errc::truncated || r.reason == gb::errc::checksum_mismatch
            ? static_cast<std::size_t>(r.length)
            : r.candidate.size();
    if (r.candidate.size() != want) fail("candidate of the wrong size");
    if (r.reason == gb::errc::bad_end &&
        (r.candidate.size() < 30 || r.candidate.size() != 30 + length_of(r.candidate))) {
      fail("bad_end candidate is not 30 + L bytes");
    }
    if (stream != nullptr && !r.candidate.empty() &&
        (r.stream_offset + r.candidate.size() > stream->size() ||
         !std::equal(r.candidate.begin(), r.candidate.end(),
                     stream->begin() + static_cast<std::ptrdiff_t>(r.stream_offset)))) {
      fail("candidate differs from the stream at " + std::to_string(r.stream_offset));
    }
    if (keep_events) events.push_back({r.reason, r.stream_offset, r.length});
  }

  void check() {
    if (d.bytes_delivered() + d.bytes_discarded() + d.buffered() != d.bytes_fed()) {
      fail("delivered + discarded + buffered != fed at " + std::to_string(d.bytes_fed()));
    }
    if (rejected_bytes + d.pending_garbage() != d.bytes_discarded()) {
      fail("rejection lengths + pending garbage != discarded");
    }
    if (d.buffered() > gb::deframer::max_buffered) fail("buffered() over max_buffered");
    if (d.frames() != frames || d.rejected() != rejections) fail("counters != callbacks");
    max_buffered_seen = std::max<std::uint64_t>(max_buffered_seen, d.buffered());
  }

  void feed(byte_view chunk) {
    d.feed(
        chunk, [this](const gb::frame_view& f) { on_frame(f); },
        [this](const gb::rejection& r) { on_reject(r); });
    check();
  }
  void flush() {
    d.flush([this](const gb::frame_view& f) { on_frame(f); },
            [this](const gb::rejection& r) { on_reject(r); });
    check();
    if (d.buffered() != 0 || d.pending_garbage() != 0) fail("flush() left bytes behind");
  }
};

// --- the reference model ----------------------------------------------------------------------

std::size_t length_field(const bytes& s, std::size_t at) {
  return static_cast<std::size_t>(s[at + 24] | s[at + 25] << 8);
}

bool pair_at(const bytes& s, std::size_t at) {
  return at + 1 < s.size() && s[at] == 0x40 && s[at + 1] == 0x40;
}

// Whether a candidate at `at` can be decided with the bytes of the whole stream.
bool decidable(const bytes& s, std::size_t at) {
  const std::size_t avail = s.size() - at;
  if (avail < 27) return false;
  const std::size_t length = length_field(s, at);
  return length > 1024 || avail >= 30 + length;
}

bool checksum_ok(const bytes& s, std::size_t at, std::size_t size) {
  unsigned sum = 0;
  for (std::size_t k = at + 2; k < at + size - 3; ++k) sum += s[k];
  return static_cast<std::uint8_t>(sum) == s[at + size - 3];
}

bool ends_ok(const bytes& s, std::size_t at, std::size_t size) {
  return s[at + size - 2] == 0x23 && s[at + size - 1] == 0x23;
}

// Whether a whole valid frame starts at `at`.
bool valid_frame_at(const bytes& s, std::size_t at) {
  if (!pair_at(s, at) || !decidable(s, at)) return false;
  const std::size_t length = length_field(s, at);
  return length <= 1024 && ends_ok(s, at, 30 + length) && checksum_ok(s, at, 30 + length);
}

// Rules 1–6 over the whole stream, then flush(): what the deframer must report.
std::vector<event> reference(const bytes& s) {
  std::vector<event> out;
  std::uint64_t garbage_at = 0;
  std::uint64_t garbage = 0;
  auto end_garbage = [&] {
    if (garbage != 0) out.push_back(rejected(gb::errc::garbage, garbage_at, garbage));
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
      out.push_back(rejected(gb::errc::truncated, i, end - i));
      i = end;
      continue;
    }
    const std::size_t length = length_field(s, i);
    if (length > 1024) {
      out.push_back(rejected(gb::errc::adu_too_long, i, 1));
      i += 1;
      continue;
    }
    const std::size_t size = 30 + length;
    if (!ends_ok(s, i, size)) {
      out.push_back(rejected(gb::errc::bad_end, i, 1));
      i += 1;
      continue;
    }
    if (!checksum_ok(s, i, size)) {
      out.push_back(rejected(gb::errc::checksum_mismatch, i, size));
    } else {
      out.push_back(frame_at(i, size));
    }
    i += size;
  }
  end_garbage();
  return out;
}

// --- ways of feeding --------------------------------------------------------------------------

collector feed_chunks(const bytes& s, const std::vector<std::size_t>& cuts) {
  collector c;
  c.stream = &s;
  std::size_t from = 0;
  for (const std::size_t to : cuts) {
    c.feed(byte_view(s.data() + from, to - from));
    from = to;
  }
  c.feed(byte_view(s.data() + from, s.size() - from));
  c.flush();
  return c;
}

collector feed_whole(const bytes& s) { return feed_chunks(s, {}); }

collector feed_split(const bytes& s, std::size_t k) { return feed_chunks(s, {k}); }

collector feed_bytewise(const bytes& s) {
  std::vector<std::size_t> cuts;
  for (std::size_t k = 1; k < s.size(); ++k) cuts.push_back(k);
  return feed_chunks(s, cuts);
}

collector feed_random(const bytes& s, std::mt19937& rng, std::size_t max_chunk) {
  std::vector<std::size_t> cuts;
  std::size_t at = 0;
  for (;;) {
    // Mostly small chunks, sometimes empty ones, sometimes big ones.
    const std::size_t r = rng() % 8;
    const std::size_t step = r == 0 ? 0 : r < 6 ? rng() % 64 : rng() % (max_chunk + 1);
    if (at + step >= s.size()) break;
    at += step;
    cuts.push_back(at);
  }
  return feed_chunks(s, cuts);
}

// Checks that every way of feeding `s` reports exactly `want` and nothing breaks. The split at
// every byte boundary is O(n^2): only for streams up to `split_limit` bytes.
void check_all_feedings(const bytes& s, const std::vector<event>& want,
                        std::size_t split_limit = 8192) {
  {
    INFO("fed whole");
    const collector c = feed_whole(s);
    CHECK(c.failure == "");
    CHECK(mismatch(c.events, want) == "");
  }
  {
    INFO("fed one byte at a time");
    const collector c = feed_bytewise(s);
    CHECK(c.failure == "");
    CHECK(mismatch(c.events, want) == "");
  }
  if (s.size() <= split_limit) {
    std::string first_bad;
    for (std::size_t k = 0; k <= s.size() && first_bad.empty(); ++k) {
      const collector c = feed_split(s, k);
      if (!c.failure.empty()) first_bad = "split at " + std::to_string(k) + ": " + c.failure;
      const std::string m = mismatch(c.events, want);
      if (!m.empty()) first_bad = "split at " + std::to_string(k) + ": " + m;
    }
    CHECK(first_bad == "");
  }
  std::mt19937 rng(static_cast<std::mt19937::result_type>(s.size()));
  std::string first_bad;
  for (int round = 0; round < 50 && first_bad.empty(); ++round) {
    const collector c = feed_random(s, rng, round % 2 == 0 ? 300 : 3000);
    if (!c.failure.empty()) first_bad = "random round " + std::to_string(round) + ": " + c.failure;
    const std::string m = mismatch(c.events, want);
    if (!m.empty()) first_bad = "random round " + std::to_string(round) + ": " + m;
  }
  CHECK(first_bad == "");
}

std::vector<event> frames_of(const std::vector<bytes>& frames, std::uint64_t at = 0) {
  std::vector<event> out;
  for (const bytes& f : frames) {
    out.push_back(frame_at(at, f.size()));
    at += f.size();
  }
  return out;
}

}  // namespace

TEST_CASE("gb26875 deframer: the reference model agrees with decode_frame on valid frames") {
  std::mt19937 rng(1);
  const std::vector<bytes> frames = sample_frames(rng);
  for (const bytes& f : frames) {
    std::error_code ec;
    (void)gb::decode_frame(f, ec);
    REQUIRE_FALSE(ec);
  }
  const bytes s = glue(frames);
  CHECK(mismatch(reference(s), frames_of(frames)) == "");
}

TEST_CASE("gb26875 deframer: glued frames come out whole, whatever the chunks") {
  std::mt19937 rng(26875);
  const std::vector<bytes> frames = sample_frames(rng);
  const bytes s = glue(frames);
  REQUIRE(frames.size() >= 40);
  INFO(frames.size() << " frames, " << s.size() << " bytes");
  check_all_feedings(s, frames_of(frames), 0);  // splits: below, on a shorter stream

  // Every split point of a stream of small frames with `@@`/`##` everywhere, and a big one.
  std::vector<bytes> some;
  for (const bytes& f : frames) {
    if (f.size() <= 30 + 64) some.push_back(f);
  }
  some.push_back(frames.back());
  const bytes t = glue(some);
  INFO(some.size() << " frames, " << t.size() << " bytes, split everywhere");
  check_all_feedings(t, frames_of(some), 8192);
}

TEST_CASE("gb26875 deframer: one frame alone, every ADU size, split everywhere") {
  std::mt19937 rng(2);
  for (const std::size_t size : adu_sizes) {
    const bytes f = gb::encode_frame(nasty_header(static_cast<std::uint16_t>(size)),
                                     make_adu(size, fill::at_hash_pairs, rng));
    INFO("ADU of " << size << " bytes");
    check_all_feedings(f, {frame_at(0, f.size())});
  }
}

TEST_CASE("gb26875 deframer: every ADU length, valid and with a wrong checksum") {
  // The deframer sums eight bytes at a time: check it against encode_frame's checksum at every
  // length, at every alignment of the frame in the chunk.
  std::mt19937 rng(1024);
  std::string first_bad;
  for (std::size_t size = 0; size <= gb::max_adu_size; ++size) {
    const bytes f = gb::encode_frame(plain_header(1), make_adu(size, fill::random, rng));
    bytes bad = f;
    bad[bad.size() - 3] = static_cast<std::uint8_t>(bad[bad.size() - 3] + 1 + size % 255);
    for (std::size_t shift = 0; shift < 8; ++shift) {
      bytes s(shift, 0x00);
      append(s, f);
      append(s, bad);
      std::vector<event> want;
      if (shift != 0) want.push_back(rejected(gb::errc::garbage, 0, shift));
      want.push_back(frame_at(shift, f.size()));
      want.push_back(rejected(gb::errc::checksum_mismatch, shift + f.size(), f.size()));
      const collector c = feed_whole(s);
      const std::string m = c.failure.empty() ? mismatch(c.events, want) : c.failure;
      if (!m.empty() && first_bad.empty()) first_bad = "ADU " + std::to_string(size) + ": " + m;
    }
  }
  CHECK(first_bad == "");
}

TEST_CASE("gb26875 deframer: a rejection shows its candidate") {
  std::mt19937 rng(15);
  bytes f = gb::encode_frame(plain_header(0x1234), make_adu(40, fill::random, rng));
  f[f.size() - 3] ^= 0xFF;
  gb::deframer d;
  std::vector<bytes> candidates;
  auto keep = [&](const gb::rejection& r) { candidates.push_back(r.candidate.to_vector()); };
  d.feed(
      byte_view(f.data(), 30), [](const gb::frame_view&) {}, keep);
  d.feed(
      byte_view(f.data() + 30, f.size() - 30), [](const gb::frame_view&) {}, keep);
  REQUIRE(candidates.size() == 1);
  CHECK(candidates[0] == f);  // from the buffer: the serial number for a deny is there
  CHECK((candidates[0][2] | candidates[0][3] << 8) == 0x1234);
}

TEST_CASE("gb26875 deframer: the frame_view is the frame, and zero-copy inside a chunk") {
  std::mt19937 rng(7);
  const bytes adu = make_adu(100, fill::at_hash_pairs, rng);
  const gb::header h = nasty_header(4);
  const bytes f = gb::encode_frame(h, adu);
  bytes s = f;
  append(s, f);
  gb::deframer d;
  int n = 0;
  bool in_place = true;
  d.feed(
      byte_view(s.data(), s.size() - 10),
      [&](const gb::frame_view& v) {
        ++n;
        CHECK(v.hdr == h);
        CHECK(v.adu == byte_view(adu));
        in_place = in_place && v.adu.data() >= s.data() && v.adu.data() < s.data() + s.size();
      },
      [&](const gb::rejection&) { FAIL("no rejection expected"); });
  CHECK(n == 1);
  CHECK(in_place);
  CHECK(d.buffered() == f.size() - 10);
  d.feed(
      byte_view(s.data() + s.size() - 10, 10),
      [&](const gb::frame_view& v) {
        ++n;
        CHECK(v.hdr == h);
        CHECK(v.adu == byte_view(adu));  // this one was rebuilt in the buffer
      },
      [&](const gb::rejection&) { FAIL("no rejection expected"); });
  CHECK(n == 2);
  CHECK(d.buffered() == 0);
  CHECK(d.frames() == 2);
  CHECK(d.bytes_delivered() == s.size());
}

TEST_CASE("gb26875 deframer: garbage between frames is one report per run, exactly") {
  std::mt19937 rng(99);
  std::vector<bytes> frames = sample_frames(rng);
  frames.resize(16);
  bytes s;
  std::vector<event> want;
  const std::size_t garbage_sizes[] = {1, 2, 3, 26, 27, 29, 30, 100, 1053, 1054, 1055, 3000};
  std::size_t g = 0;
  std::uint64_t garbage_total = 0;
  for (const bytes& f : frames) {
    const std::size_t n = garbage_sizes[g++ % std::size(garbage_sizes)];
    want.push_back(rejected(gb::errc::garbage, s.size(), n));
    append(s, clean_garbage(n, rng));
    garbage_total += n;
    want.push_back(frame_at(s.size(), f.size()));
    append(s, f);
  }
  append(s, clean_garbage(77, rng));  // trailing garbage: reported by flush()
  want.push_back(rejected(gb::errc::garbage, s.size() - 77, 77));
  garbage_total += 77;
  CHECK(mismatch(reference(s), want) == "");
  check_all_feedings(s, want, 4096);

  const collector c = feed_whole(s);
  CHECK(c.d.bytes_discarded() == garbage_total);
  CHECK(c.d.frames() == frames.size());

  SUBCASE("garbage alone is held as a count, not in memory, until flush") {
    collector only;
    const bytes junk = clean_garbage(100000, rng);
    only.stream = &junk;
    for (std::size_t at = 0; at < junk.size(); at += 999) {
      only.feed(byte_view(junk.data() + at, std::min<std::size_t>(999, junk.size() - at)));
    }
    CHECK(only.events.empty());
    CHECK(only.d.buffered() == 0);
    CHECK(only.d.pending_garbage() == junk.size());
    only.flush();
    CHECK(only.failure == "");
    CHECK(mismatch(only.events, {rejected(gb::errc::garbage, 0, junk.size())}) == "");
  }
}

TEST_CASE("gb26875 deframer: the garbage diagnostic holds its first bytes") {
  gb::deframer d;
  std::vector<gb::rejection> got;
  auto keep = [&](const gb::rejection& r) { got.push_back(r); };
  auto none = [](const gb::frame_view&) {};
  const std::uint8_t a[] = {0x12};
  const std::uint8_t b[] = {0x34, 0x56};
  d.feed(byte_view(a), none, keep);
  d.feed(byte_view(b), none, keep);
  d.flush(none, keep);
  REQUIRE(got.size() == 1);
  CHECK(got[0].reason == gb::errc::garbage);
  CHECK(got[0].length == 3);
  CHECK(got[0].diag.expected == 0x4040u);
  CHECK(got[0].diag.found == 0x1234u);
  CHECK(gb::describe(got[0]) ==
        "bytes skipped before a frame start (3 bytes at stream offset 0 "
        "discarded)");
}

TEST_CASE("gb26875 deframer: false starts in garbage do not hide the frames behind them") {
  std::mt19937 rng(4242);
  std::vector<bytes> frames = sample_frames(rng);
  frames.resize(12);
  // Garbage with `@@` in it: lone `@@`, `@@@@@`, a `@` just before a frame, headers with a length
  // over 1024, headers with a valid length whose end misses `##`, and a header cut short by the
  // next frame. None may swallow a real frame.
  std::vector<bytes> junks;
  junks.push_back({0x40, 0x40});
  junks.push_back({0x40, 0x40, 0x40, 0x40, 0x40});
  junks.push_back({0x01, 0x40});  // `@` + the frame's `@@` = `@@@`
  {
    bytes h(27, 0x00);
    h[0] = h[1] = 0x40;
    h[24] = 0x01;
    h[25] = 0x04;  // 1025
    junks.push_back(h);
  }
  {
    bytes h(40, 0x11);
    h[0] = h[1] = 0x40;
    h[24] = 0x05;
    h[25] = 0x00;  // L = 5: 35 bytes, ends with 0x11 0x11, not `##`
    junks.push_back(h);
  }
  {
    bytes h(10, 0x00);
    h[0] = h[1] = 0x40;  // the frame after it supplies its length field
    junks.push_back(h);
  }
  junks.push_back({0x40, 0x40, 0x23, 0x23});
  bytes s;
  std::vector<event> frames_want;
  for (std::size_t i = 0; i < frames.size(); ++i) {
    append(s, junks[i % junks.size()]);
    frames_want.push_back(frame_at(s.size(), frames[i].size()));
    append(s, frames[i]);
  }
  const std::vector<event> want = reference(s);
  std::vector<event> delivered;
  std::uint64_t rejected_bytes = 0;
  for (const event& e : want) {
    if (!e.reason) delivered.push_back(e);
    rejected_bytes += e.reason ? e.length : 0;
  }
  CHECK(mismatch(delivered, frames_want) == "");  // every frame recovered
  std::uint64_t junk_bytes = 0;
  for (std::size_t i = 0; i < frames.size(); ++i) junk_bytes += junks[i % junks.size()].size();
  CHECK(rejected_bytes == junk_bytes);  // and only the junk rejected
  check_all_feedings(s, want);

  SUBCASE("a frame that starts inside a rejected candidate is found") {
    // `@@` 00 00 00, then a frame whose destination address puts 200 where the false start's
    // length field is: the false start claims 230 bytes and covers the frame's start.
    gb::header h = plain_header(77);
    h.destination = 200u << 8;  // bytes 18..23 = 00 C8 00 00 00 00: t[24] = f[19] = 0xC8
    const bytes f = gb::encode_frame(h, bytes(300, 0x00));
    bytes t = {0x40, 0x40, 0x00, 0x00, 0x00};
    append(t, f);
    append(t, clean_garbage(300, rng));
    REQUIRE(length_field(t, 0) == 200);
    const std::vector<event> w = {rejected(gb::errc::bad_end, 0, 1),
                                  rejected(gb::errc::garbage, 1, 4), frame_at(5, f.size()),
                                  rejected(gb::errc::garbage, 5 + f.size(), 300)};
    CHECK(mismatch(reference(t), w) == "");
    check_all_feedings(t, w);
  }
}

TEST_CASE("gb26875 deframer: long false starts that keep the buffer busy") {
  // Candidates claiming 1024 bytes every 7 bytes, and `@@` headers that never complete, between
  // valid frames: in small chunks the buffer fills, is consumed from the front and compacted
  // again and again. Whatever the chunks, the events are those of the model.
  std::mt19937 rng(77);
  std::vector<bytes> frames = sample_frames(rng);
  const bytes every7 = {0x40, 0x40, 0x00, 0x00, 0x04, 0x00, 0x00};
  bytes endless(27, 0x00);
  endless[0] = endless[1] = 0x40;
  endless[25] = 0x04;
  endless.resize(1100, 0x11);
  bytes s;
  for (std::size_t i = 0; i < 12; ++i) {
    if (i % 3 == 0) {
      for (int k = 0; k < 200; ++k) append(s, every7);
    } else if (i % 3 == 1) {
      append(s, endless);
    }
    append(s, frames[(i * 7) % frames.size()]);
  }
  const std::vector<event> want = reference(s);
  std::size_t delivered = 0;
  for (const event& e : want) delivered += e.reason ? 0 : 1;
  CHECK(delivered >= 10);
  check_all_feedings(s, want, 0);
  std::string first_bad;
  for (const std::size_t chunk : {2u, 3u, 5u, 7u, 11u, 13u, 64u, 100u, 1053u, 1054u, 1055u}) {
    std::vector<std::size_t> cuts;
    for (std::size_t at = chunk; at < s.size(); at += chunk) cuts.push_back(at);
    const collector c = feed_chunks(s, cuts);
    const std::string m = c.failure.empty() ? mismatch(c.events, want) : c.failure;
    if (!m.empty() && first_bad.empty()) first_bad = std::to_string(chunk) + "-byte chunks: " + m;
  }
  CHECK(first_bad == "");
}

TEST_CASE("gb26875 deframer: a corrupted checksum rejects that frame only") {
  std::mt19937 rng(5);
  std::vector<bytes> frames = sample_frames(rng);
  frames.resize(9);
  for (std::size_t victim = 0; victim < frames.size(); ++victim) {
    std::vector<bytes> copy = frames;
    bytes& f = copy[victim];
    const std::size_t sum_at = f.size() - 3;
    const std::uint8_t good = f[sum_at];
    f[sum_at] = static_cast<std::uint8_t>(good + 1 + victim);
    std::vector<event> want = frames_of(copy);
    want[victim] = rejected(gb::errc::checksum_mismatch, want[victim].offset, f.size());
    const bytes s = glue(copy);
    INFO("frame " << victim << " of " << f.size() << " bytes");
    CHECK(mismatch(reference(s), want) == "");
    check_all_feedings(s, want, 2048);

    std::vector<gb::rejection> got;
    gb::deframer d;
    d.feed(
        s, [](const gb::frame_view&) {}, [&](const gb::rejection& r) { got.push_back(r); });
    REQUIRE(got.size() == 1);
    CHECK(got[0].diag.offset == sum_at);
    CHECK(got[0].diag.expected == good);
    CHECK(got[0].diag.found == f[sum_at]);
  }
}

TEST_CASE("gb26875 deframer: wrong end bytes reject one byte, then the rest is garbage") {
  std::mt19937 rng(6);
  std::vector<bytes> frames;
  for (std::uint16_t i = 0; i < 6; ++i) {  // no `@@` after the first byte of each frame
    frames.push_back(gb::encode_frame(plain_header(static_cast<std::uint16_t>(i + 1)),
                                      bytes(i * 100u, static_cast<std::uint8_t>(i))));
  }
  for (std::size_t victim = 0; victim < frames.size(); ++victim) {
    for (const bool second : {false, true}) {
      std::vector<bytes> copy = frames;
      bytes& f = copy[victim];
      f[f.size() - (second ? 1 : 2)] = 0x35;  // "55" instead of "##": a known field bug
      std::vector<event> want = frames_of(copy);
      const std::uint64_t at = want[victim].offset;
      want[victim] = rejected(gb::errc::bad_end, at, 1);
      want.insert(want.begin() + static_cast<std::ptrdiff_t>(victim) + 1,
                  rejected(gb::errc::garbage, at + 1, f.size() - 1));
      const bytes s = glue(copy);
      INFO("frame " << victim << ", end byte " << (second ? 2 : 1));
      CHECK(mismatch(reference(s), want) == "");
      check_all_feedings(s, want, 2048);
    }
  }
  gb::deframer d;
  bytes f = frames[1];
  f[f.size() - 1] = 0x35;
  gb::rejection first;
  int n = 0;
  d.feed(
      f, [](const gb::frame_view&) {},
      [&](const gb::rejection& r) {
        if (n++ == 0) first = r;
      });
  CHECK(first.reason == gb::errc::bad_end);
  CHECK(first.diag.offset == f.size() - 2);
  CHECK(first.diag.expected == 0x2323u);
  CHECK(first.diag.found == 0x2335u);
}

TEST_CASE("gb26875 deframer: an ADU length over 1024 rejects one byte, neighbours delivered") {
  std::mt19937 rng(8);
  std::vector<bytes> frames;
  for (std::uint16_t i = 0; i < 5; ++i) {
    frames.push_back(gb::encode_frame(plain_header(static_cast<std::uint16_t>(i + 1)),
                                      make_adu(i * 60u, fill::random, rng)));
  }
  for (const std::size_t length : {1025u, 1054u, 2048u, 0x2323u, 0x4040u, 0x8000u, 65535u}) {
    for (std::size_t victim = 0; victim < frames.size(); ++victim) {
      std::vector<bytes> copy = frames;
      copy[victim][24] = static_cast<std::uint8_t>(length);
      copy[victim][25] = static_cast<std::uint8_t>(length >> 8);
      const bytes s = glue(copy);
      const std::vector<event> want = reference(s);
      const std::vector<event> all = frames_of(copy);
      INFO("length " << length << ", frame " << victim);
      // The victim's first byte is rejected as adu_too_long; every other frame is delivered.
      CHECK(std::find(want.begin(), want.end(),
                      rejected(gb::errc::adu_too_long, all[victim].offset, 1)) != want.end());
      for (std::size_t i = 0; i < all.size(); ++i) {
        if (i != victim) CHECK(std::find(want.begin(), want.end(), all[i]) != want.end());
      }
      check_all_feedings(s, want, victim == 0 ? 4096 : 0);
    }
  }
  gb::deframer d;
  bytes f = frames[0];
  f[24] = 0x01;
  f[25] = 0x04;
  std::vector<gb::rejection> got;
  d.feed(
      f, [](const gb::frame_view&) {}, [&](const gb::rejection& r) { got.push_back(r); });
  REQUIRE(!got.empty());
  CHECK(got[0].reason == gb::errc::adu_too_long);
  CHECK(got[0].length == 1);
  CHECK(got[0].diag.offset == 24);
  CHECK(got[0].diag.expected == 1024);
  CHECK(got[0].diag.found == 1025);
  CHECK(gb::describe(got[0]) ==
        "ADU length at most 1024 expected, 1025 found at offset 24 (1 byte at stream offset 0 "
        "discarded)");
}

TEST_CASE("gb26875 deframer: a single 0x40 at the end of a chunk is kept") {
  std::mt19937 rng(3);
  const bytes f = gb::encode_frame(plain_header(9), make_adu(20, fill::random, rng));
  collector c;
  bytes s = {0x10, 0x11, 0x40};  // garbage, then the first `@` of the frame
  append(s, f);
  c.stream = &s;
  c.feed(byte_view(s.data(), 3));
  CHECK(c.d.buffered() == 1);
  CHECK(c.d.pending_garbage() == 2);
  CHECK(c.events.empty());
  c.feed(byte_view(s.data() + 3, s.size() - 3));
  c.flush();
  CHECK(c.failure == "");
  // `@` `@@...`: the candidate at 2 reads its length one byte early, so it is decided as
  // whatever the reference says; the frame at 3 is delivered either way.
  CHECK(mismatch(c.events, reference(s)) == "");
  CHECK(std::find(c.events.begin(), c.events.end(), frame_at(3, f.size())) != c.events.end());

  SUBCASE("and reported as garbage by flush()") {
    collector g;
    const bytes t = {0x10, 0x40, 0x11, 0x40};
    g.stream = &t;
    g.feed(t);
    CHECK(g.d.buffered() == 1);
    g.flush();
    CHECK(mismatch(g.events, {rejected(gb::errc::garbage, 0, 4)}) == "");
  }
}

TEST_CASE("gb26875 deframer: flush() reports a partial frame as truncated") {
  std::mt19937 rng(11);
  const bytes f = gb::encode_frame(plain_header(1), make_adu(200, fill::random, rng));
  for (const std::size_t cut : {std::size_t{2}, std::size_t{10}, std::size_t{26}, std::size_t{27},
                                std::size_t{100}, f.size() - 1}) {
    bytes s = clean_garbage(5, rng);
    append(s, f);
    append(s, f);
    s.resize(5 + f.size() + cut);
    collector c;
    c.stream = &s;
    c.feed(s);
    CHECK(c.d.buffered() == cut);
    gb::rejection last;
    c.d.flush([](const gb::frame_view&) {}, [&](const gb::rejection& r) { last = r; });
    CHECK(c.d.buffered() == 0);
    CHECK(last.reason == gb::errc::truncated);
    CHECK(last.stream_offset == 5 + f.size());
    CHECK(last.length == cut);
    CHECK(last.diag.expected == (cut < 27 ? 27u : f.size()));
    CHECK(last.diag.found == cut);
    const std::vector<event> want = {rejected(gb::errc::garbage, 0, 5), frame_at(5, f.size()),
                                     rejected(gb::errc::truncated, 5 + f.size(), cut)};
    CHECK(mismatch(reference(s), want) == "");
    check_all_feedings(s, want, 1024);
  }

  SUBCASE("a false start that cannot complete does not hide a frame inside it") {
    bytes s = {0x40, 0x40};
    append(s, clean_garbage(22, rng));
    s.push_back(0x00);
    s.push_back(0x04);  // L = 1024: needs 1054 bytes, the stream has far fewer
    s.push_back(0x02);
    append(s, f);
    append(s, {0x40, 0x40, 0x01});  // and a real partial frame at the end
    const std::vector<event> want = {rejected(gb::errc::truncated, 0, 27), frame_at(27, f.size()),
                                     rejected(gb::errc::truncated, 27 + f.size(), 3)};
    CHECK(mismatch(reference(s), want) == "");
    check_all_feedings(s, want);
  }

  SUBCASE("`@@` inside a partial frame does not split the truncated report") {
    bytes s = gb::encode_frame(nasty_header(1), make_adu(100, fill::at_signs, rng));
    s.resize(80);
    CHECK(mismatch(reference(s), {rejected(gb::errc::truncated, 0, 80)}) == "");
    check_all_feedings(s, {rejected(gb::errc::truncated, 0, 80)});
  }

  SUBCASE("flush() on an empty deframer reports nothing; offsets continue after it") {
    collector c;
    bytes s = f;
    append(s, f);
    c.stream = &s;
    c.flush();
    CHECK(c.events.empty());
    c.feed(byte_view(s.data(), 50));
    c.flush();
    c.feed(byte_view(s.data() + 50, s.size() - 50));
    c.flush();
    CHECK(c.failure == "");
    // The flush in the middle ended the first frame: truncated. What follows is a new stream
    // segment, at its true offsets; it ends with the second frame.
    std::vector<event> want = {rejected(gb::errc::truncated, 0, 50)};
    for (event e : reference(bytes(s.begin() + 50, s.end()))) {
      e.offset += 50;
      want.push_back(e);
    }
    CHECK(want.back() == frame_at(f.size(), f.size()));
    CHECK(mismatch(c.events, want) == "");
  }
}

TEST_CASE("gb26875 deframer: random streams match the model; accounting holds after every feed") {
  std::mt19937 rng(20260);
  const std::vector<bytes> pool = sample_frames(rng);
  for (int round = 0; round < 60; ++round) {
    bytes s;
    const int pieces = 5 + static_cast<int>(rng() % 40);
    for (int i = 0; i < pieces; ++i) {
      const auto kind = rng() % 10;
      if (kind < 5) {
        append(s, pool[rng() % pool.size()]);
      } else if (kind == 5) {  // garbage that may hold `@` and `@@`
        const std::size_t n = rng() % 100;
        for (std::size_t k = 0; k < n; ++k) s.push_back(rng() % 4 == 0 ? 0x40 : 0x23);
      } else if (kind == 6) {
        append(s, clean_garbage(1 + rng() % 2000, rng));
      } else {  // a damaged frame: one byte changed, or cut short
        bytes f = pool[rng() % pool.size()];
        if (kind == 9) {
          f.resize(rng() % f.size());
        } else {
          f[rng() % f.size()] ^= static_cast<std::uint8_t>(1 + rng() % 255);
        }
        append(s, f);
      }
    }
    const std::vector<event> want = reference(s);
    INFO("round " << round << ", " << s.size() << " bytes");
    for (int k = 0; k < 5; ++k) {
      const collector c = feed_random(s, rng, 5000);
      CHECK(c.failure == "");
      CHECK(mismatch(c.events, want) == "");
      // Every byte is in exactly one event.
      std::uint64_t covered = 0;
      bool contiguous = true;
      for (const event& e : c.events) {
        contiguous = contiguous && e.offset == covered;
        covered += e.length;
      }
      CHECK(contiguous);
      CHECK(covered == s.size());
    }
  }
}

TEST_CASE("gb26875 deframer: memory stays bounded on hostile streams") {
  struct hostile {
    const char* name;
    bytes unit;        // repeated up to `size`
    std::size_t size;  // 10 MB for the worst, less for the others (slow under the sanitizers)
  };
  bytes header_1024(27, 0x00);
  header_1024[0] = header_1024[1] = 0x40;
  header_1024[24] = 0x00;
  header_1024[25] = 0x04;
  bytes endless = header_1024;  // a header claiming 1024 bytes, then zeros that never end it
  endless.resize(1000, 0x00);
  // A candidate with L = 1024 every 7 bytes: each waits for 1054 bytes, then fails on its end.
  const bytes every7 = {0x40, 0x40, 0x00, 0x00, 0x04, 0x00, 0x00};
  const hostile cases[] = {
      {"0x40 forever: a candidate at every byte", bytes(4096, 0x40), 10'000'000},
      {"`@@` + header claiming 1024, never completed", endless, 2'000'000},
      {"candidates with L = 1024 every 7 bytes", every7, 2'000'000},
      {"`##` forever", bytes(4096, 0x23), 2'000'000},
      {"zeros forever", bytes(4096, 0x00), 2'000'000},
  };
  for (const hostile& h : cases) {
    INFO(h.name);
    bytes s;
    while (s.size() < h.size) append(s, h.unit);
    const std::size_t chunks[] = {1, 7, 65536, s.size()};
    for (const std::size_t chunk : chunks) {
      collector one;
      one.keep_events = false;
      // Small chunks on a prefix only: a call per byte is slow under the sanitizers.
      const std::size_t limit = chunk == 1 ? 100'000 : chunk == 7 ? 500'000 : s.size();
      for (std::size_t at = 0; at < limit; at += chunk) {
        one.feed(byte_view(s.data() + at, std::min(chunk, limit - at)));
      }
      CHECK(one.failure == "");
      CHECK(one.max_buffered_seen <= gb::deframer::max_buffered);
      CHECK(one.d.bytes_fed() == limit);
      one.flush();
      CHECK(one.failure == "");
      CHECK(one.d.bytes_discarded() == limit);  // nothing here is a frame
      CHECK(one.d.frames() == 0);
    }
  }
  CHECK(sizeof(gb::deframer) < gb::deframer::buffer_capacity + 256);  // no hidden heap
}

TEST_CASE("gb26875 deframer: reset() and the counters") {
  std::mt19937 rng(12);
  const bytes f = gb::encode_frame(plain_header(1), make_adu(10, fill::random, rng));
  gb::deframer d;
  int frames = 0;
  std::vector<gb::rejection> rejections;
  auto on_frame = [&](const gb::frame_view&) { ++frames; };
  auto on_reject = [&](const gb::rejection& r) { rejections.push_back(r); };
  const std::uint8_t junk[] = {1, 2, 3};
  d.feed(byte_view(junk), on_frame, on_reject);
  d.feed(f, on_frame, on_reject);
  d.feed(byte_view(f.data(), 5), on_frame, on_reject);
  CHECK(frames == 1);
  REQUIRE(rejections.size() == 1);
  CHECK(rejections[0].stream_offset == 0);
  CHECK(d.frames() == 1);
  CHECK(d.rejected() == 1);
  CHECK(d.bytes_fed() == 3 + f.size() + 5);
  CHECK(d.bytes_delivered() == f.size());
  CHECK(d.bytes_discarded() == 3);
  CHECK(d.buffered() == 5);
  d.reset();
  CHECK(d.frames() == 0);
  CHECK(d.rejected() == 0);
  CHECK(d.bytes_fed() == 0);
  CHECK(d.bytes_delivered() == 0);
  CHECK(d.bytes_discarded() == 0);
  CHECK(d.buffered() == 0);
  CHECK(d.pending_garbage() == 0);
  d.feed(byte_view(junk), on_frame, on_reject);  // offsets start again at 0
  d.feed(f, on_frame, on_reject);
  REQUIRE(rejections.size() == 2);
  CHECK(rejections[1].stream_offset == 0);
  CHECK(frames == 2);
  d.feed(byte_view(), on_frame, on_reject);  // an empty chunk changes nothing
  CHECK(d.bytes_fed() == 3 + f.size());

  SUBCASE("a copy is independent") {
    gb::deframer e = d;
    e.feed(byte_view(f.data(), 9), on_frame, on_reject);
    CHECK(e.buffered() == 9);
    CHECK(d.buffered() == 0);
  }
}

TEST_CASE("gb26875 deframer: callbacks cannot re-enter; a throwing callback loses nothing") {
  std::mt19937 rng(13);
  const bytes f = gb::encode_frame(plain_header(1), make_adu(10, fill::random, rng));
  bytes s = f;
  append(s, f);
  append(s, f);

  gb::deframer d;
  int frames = 0;
  d.feed(
      s,
      [&](const gb::frame_view&) {
        ++frames;
        d.feed(
            s, [](const gb::frame_view&) {}, [](const gb::rejection&) {});  // ignored
        d.reset();                                                          // ignored
      },
      [](const gb::rejection&) {});
  CHECK(frames == 3);
  CHECK(d.frames() == 3);
  CHECK(d.bytes_fed() == s.size());

  // A copy made in a callback is a deframer of its own, fed up to the frame being delivered.
  gb::deframer original;
  gb::deframer copy;
  original.feed(
      s, [&](const gb::frame_view&) { copy = gb::deframer(original); },
      [](const gb::rejection&) {});
  CHECK(copy.bytes_fed() == s.size());
  CHECK(copy.frames() == 3);
  int more = 0;
  copy.feed(
      f, [&](const gb::frame_view&) { ++more; }, [](const gb::rejection&) {});
  CHECK(more == 1);
  CHECK(copy.frames() == 4);

  gb::deframer t;
  int seen = 0;
  auto throw_on_second = [&](const gb::frame_view&) {
    if (++seen == 2) throw std::runtime_error("callback failed");
  };
  auto no_reject = [](const gb::rejection&) {};
  // Glued in one chunk (in place), and split so that the second frame comes from the buffer.
  for (const bool split : {false, true}) {
    t.reset();
    seen = 0;
    if (split) {
      const std::size_t first = f.size() + 5;
      t.feed(byte_view(s.data(), first), throw_on_second, no_reject);
      CHECK(t.buffered() == 5);
      CHECK_THROWS_AS(
          t.feed(byte_view(s.data() + first, s.size() - first), throw_on_second, no_reject),
          std::runtime_error);
    } else {
      CHECK_THROWS_AS(t.feed(s, throw_on_second, no_reject), std::runtime_error);
    }
    // Up to the end of the second frame was fed; the rest of the chunk was not.
    CHECK(t.frames() == 2);
    CHECK(t.bytes_delivered() + t.bytes_discarded() + t.buffered() == t.bytes_fed());
    CHECK(t.bytes_fed() == 2 * f.size());
    t.feed(byte_view(s.data() + t.bytes_fed(), s.size() - t.bytes_fed()), throw_on_second,
           no_reject);
    CHECK(t.frames() == 3);
    CHECK(t.bytes_delivered() == s.size());
  }

  // A rejection that throws while the buffer still holds bytes after it: resuming from
  // bytes_fed() gives exactly the events of an uninterrupted run.
  bytes u(27, 0x00);
  u[0] = u[1] = 0x40;
  u[25] = 0x04;  // claims 1054 bytes, ends without `##`
  u.resize(1100, 0x11);
  append(u, f);
  for (const std::size_t first : {std::size_t{0}, std::size_t{1}, std::size_t{100}}) {
    gb::deframer e;
    std::vector<event> got;
    bool thrown = false;
    auto record_frame = [&](const gb::frame_view& v) {
      got.push_back(frame_at(e.bytes_delivered() + e.bytes_discarded() - v.adu.size() - 30,
                             v.adu.size() + 30));
    };
    auto record_and_throw = [&](const gb::rejection& r) {
      got.push_back({r.reason, r.stream_offset, r.length});
      if (r.reason == gb::errc::bad_end && !thrown) {
        thrown = true;
        throw std::runtime_error("rejection callback failed");
      }
    };
    e.feed(byte_view(u.data(), first), record_frame, record_and_throw);
    CHECK_THROWS_AS(
        e.feed(byte_view(u.data() + first, u.size() - first), record_frame, record_and_throw),
        std::runtime_error);
    CHECK((e.buffered() > 0) == (first != 0));  // split: the candidate went through the buffer
    CHECK(e.bytes_delivered() + e.bytes_discarded() + e.buffered() == e.bytes_fed());
    const auto fed = static_cast<std::size_t>(e.bytes_fed());
    e.feed(byte_view(u.data() + fed, u.size() - fed), record_frame, record_and_throw);
    e.flush(record_frame, record_and_throw);
    CHECK(mismatch(got, reference(u)) == "");
  }
}
