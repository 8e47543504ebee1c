// firebus — fire-safety IoT SDK.
// GB/T 26875.3 frames: golden vectors, every error path, round trips.
#include <cstdint>
#include <ostream>  // doctest prints std::error_code with operator<<
#include <random>
#include <string>
#include <system_error>
#include <vector>

#include <doctest/doctest.h>

#include <firebus/gb26875/frame.hpp>

namespace gb = firebus::gb26875;
using bytes = std::vector<std::uint8_t>;

namespace {

// A fire alarm from a public vendor capture (shootingfans/codec_gb26875_3_2011, reader test):
// send-data, serial 0, version 1.1, time 2020-10-22 17:13:24, source 0, destination
// 0x010203040506, one component status object (fire alarm system 3, component 0x0600d9, status
// 0x0002, "Ａ区１层呷哺走廊" in GB 18030), checksum 0x68.
const bytes vendor_fire_frame = {
    0x40, 0x40, 0x00, 0x00, 0x01, 0x01, 0x18, 0x0d, 0x11, 0x16, 0x0a, 0x14, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x06, 0x05, 0x04, 0x03, 0x02, 0x01, 0x30, 0x00, 0x02, 0x02, 0x01, 0x01, 0x03, 0x00,
    0xd9, 0x00, 0x06, 0x00, 0x02, 0x00, 0xa3, 0xc1, 0xc7, 0xf8, 0xa3, 0xb1, 0xb2, 0xe3, 0xdf, 0xc8,
    0xb2, 0xb8, 0xd7, 0xdf, 0xc0, 0xc8, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x30, 0x12, 0x13, 0x01, 0x08, 0x14, 0x68, 0x23, 0x23};

gb::header sample_header() {
  gb::header h;
  h.serial = 0x1234;
  h.version_major = 1;
  h.version_minor = 2;
  h.time = {21, 55, 10, 30, 11, 26};
  h.source = 0x0000A1B2C3D4;
  h.destination = 0xFFEEDDCCBBAA;
  h.cmd = gb::command::send_data;
  return h;
}

}  // namespace

TEST_CASE("the vendor fire-alarm frame decodes field by field") {
  REQUIRE(vendor_fire_frame.size() == 78);
  std::error_code ec;
  const gb::frame_view f = gb::decode_frame(vendor_fire_frame, ec);
  REQUIRE_FALSE(ec);
  CHECK(f.hdr.serial == 0);
  CHECK(f.hdr.version_major == 1);
  CHECK(f.hdr.version_minor == 1);
  CHECK(f.hdr.time == gb::time_tag{0x18, 0x0d, 0x11, 0x16, 0x0a, 0x14});
  CHECK(f.hdr.time.to_civil() == firebus::civil_time{2020, 10, 22, 17, 13, 24});
  CHECK(f.hdr.source == 0);
  CHECK(f.hdr.destination == 0x010203040506u);  // little-endian on the wire
  CHECK(f.hdr.cmd == gb::command::send_data);
  REQUIRE(f.adu.size() == 48);
  CHECK(f.adu[0] == 2);                                  // component status
  CHECK(f.adu.data() == vendor_fire_frame.data() + 27);  // a view, not a copy
}

TEST_CASE("re-encoding the vendor frame reproduces it byte for byte") {
  const gb::frame_view f = gb::decode_frame(vendor_fire_frame);
  CHECK(gb::encode_frame(f.hdr, f.adu) == vendor_fire_frame);
}

TEST_CASE("checksum is the sum of bytes 2..26+L modulo 256") {
  // The word-at-a-time sum equals the plain sum for every length and alignment.
  std::mt19937 rng(75);
  bytes data(2100);
  for (auto& b : data) b = static_cast<std::uint8_t>(rng());
  for (std::size_t offset = 0; offset < 8; ++offset) {
    for (std::size_t n = 0; n + offset <= data.size(); n += (n < 40 ? 1 : 97)) {
      std::uint32_t plain = 0;
      for (std::size_t i = 0; i < n; ++i) plain += data[offset + i];
      CHECK(gb::checksum(firebus::byte_view(data).subview(offset, n)) ==
            static_cast<std::uint8_t>(plain));
    }
  }
  CHECK(gb::checksum(firebus::byte_view(vendor_fire_frame).subview(2, 73)) == 0x68);
  CHECK(gb::checksum({}) == 0);
  const bytes ff(300, 0xFF);  // 300 × 255 = 76500 = 0x12AD4
  CHECK(gb::checksum(ff) == 0xD4);
}

TEST_CASE("a wrong checksum is refused with expected, found and offset") {
  bytes f = vendor_fire_frame;
  f[75] = 0x63;  // the same capture also holds this corrupted copy
  std::error_code ec;
  gb::frame_diagnostic d;
  (void)gb::decode_frame(f, ec, &d);
  CHECK(ec == gb::errc::checksum_mismatch);
  CHECK(d.offset == 75);
  CHECK(d.expected == 0x68);
  CHECK(d.found == 0x63);
  CHECK(gb::describe(ec, d) == "checksum 0x68 expected, 0x63 found at offset 75");
  CHECK_THROWS_WITH_AS(gb::decode_frame(f),
                       doctest::Contains("checksum 0x68 expected, 0x63 found at offset 75"),
                       firebus::system_error);
}

TEST_CASE("every corrupted byte of the header or ADU is caught by the checksum") {
  for (std::size_t i = 2; i < 75; ++i) {
    bytes f = vendor_fire_frame;
    if (i == 24 || i == 25) continue;  // the length field: caught by size or end bytes instead
    f[i] ^= 0x01;
    std::error_code ec;
    (void)gb::decode_frame(f, ec);
    CHECK_MESSAGE(ec == gb::errc::checksum_mismatch, "byte ", i);
  }
}

TEST_CASE("structural errors are reported in a fixed order") {
  std::error_code ec;
  gb::frame_diagnostic d;

  SUBCASE("bad start") {
    bytes f = vendor_fire_frame;
    f[1] = 0x41;
    (void)gb::decode_frame(f, ec, &d);
    CHECK(ec == gb::errc::bad_start);
    CHECK(d.found == 0x4041);
  }
  SUBCASE("end bytes written as 0x35 0x35 (a known field bug)") {
    bytes f = vendor_fire_frame;
    f[76] = 0x35;
    f[77] = 0x35;
    (void)gb::decode_frame(f, ec, &d);
    CHECK(ec == gb::errc::bad_end);
    CHECK(d.offset == 76);
    CHECK(gb::describe(ec, d) == "end 0x2323 expected, 0x3535 found at offset 76");
  }
  SUBCASE("length over 1024") {
    bytes f = vendor_fire_frame;
    f[24] = 0x01;
    f[25] = 0x04;  // 1025
    (void)gb::decode_frame(f, ec, &d);
    CHECK(ec == gb::errc::adu_too_long);
    CHECK(d.found == 1025);
  }
  SUBCASE("every truncation") {
    for (std::size_t n = 0; n < vendor_fire_frame.size(); ++n) {
      const firebus::byte_view part = firebus::byte_view(vendor_fire_frame).first(n);
      (void)gb::decode_frame(part, ec, &d);
      CHECK_MESSAGE(ec == gb::errc::truncated, "length ", n);
    }
  }
  SUBCASE("trailing bytes") {
    bytes f = vendor_fire_frame;
    f.push_back(0x40);
    (void)gb::decode_frame(f, ec, &d);
    CHECK(ec == gb::errc::trailing_bytes);
  }
  SUBCASE("first bytes not @@ even when short") {
    const std::uint8_t junk[] = {0x23, 0x23};
    (void)gb::decode_frame(junk, ec);
    CHECK(ec == gb::errc::bad_start);
    (void)gb::decode_frame(firebus::byte_view(junk, 1), ec);
    CHECK(ec == gb::errc::bad_start);
    const std::uint8_t at[] = {0x40};
    (void)gb::decode_frame(at, ec);
    CHECK(ec == gb::errc::truncated);  // may still become a frame
  }
  SUBCASE("check_frame_tail never reads outside a short view") {
    for (std::size_t n = 0; n < gb::min_frame_size; ++n) {
      gb::check_frame_tail(firebus::byte_view(vendor_fire_frame).first(n), ec, &d);
      CHECK(ec == gb::errc::truncated);
    }
  }
}

TEST_CASE("frames are cut by the length field: ## and @@ inside are data") {
  gb::header h = sample_header();
  h.serial = 0x4040;
  h.source = 0x232340402323;
  const bytes adu = {0x23, 0x23, 0x40, 0x40, 0x23, 0x23, 0x23};
  const bytes f = gb::encode_frame(h, adu);
  std::error_code ec;
  const gb::frame_view v = gb::decode_frame(f, ec);
  REQUIRE_FALSE(ec);
  CHECK(v.hdr == h);
  CHECK(v.adu == firebus::byte_view(adu));
}

TEST_CASE("encode writes exactly 30 + L bytes and round-trips every ADU size") {
  std::mt19937 rng(26875);
  for (std::size_t n : {0u, 1u, 2u, 46u, 48u, 1023u, 1024u}) {
    bytes adu(n);
    for (auto& b : adu) b = static_cast<std::uint8_t>(rng());
    const gb::header h = sample_header();
    const bytes f = gb::encode_frame(h, adu);
    CHECK(f.size() == gb::frame_size(n));
    CHECK(f[24] == (n & 0xFF));
    CHECK(f[25] == (n >> 8));
    const gb::frame_view v = gb::decode_frame(f);
    CHECK(v.hdr == h);
    CHECK(v.adu == firebus::byte_view(adu));
  }
}

TEST_CASE("encode refuses what the standard does not allow, writing nothing") {
  std::error_code ec;
  bytes out;
  firebus::byte_writer w(out, gb::max_frame_size);

  const bytes big(1025, 0);
  gb::encode_frame(sample_header(), big, w, ec);
  CHECK(ec == gb::errc::adu_too_long);
  CHECK(out.empty());

  gb::header h = sample_header();
  h.source = gb::max_address + 1;
  gb::encode_frame(h, {}, w, ec);
  CHECK(ec == gb::errc::out_of_range);
  CHECK(out.empty());

  std::uint8_t small[40];
  firebus::byte_writer sw(small);
  const bytes adu(20, 1);  // needs 50 bytes
  gb::encode_frame(sample_header(), adu, sw, ec);
  CHECK(ec == firebus::errc::buffer_full);
  CHECK(sw.position() == 0);

  CHECK_THROWS_AS(gb::encode_frame(sample_header(), big), firebus::system_error);
}

TEST_CASE("reply_header keeps the serial and swaps the addresses (§6.5)") {
  const gb::header h = sample_header();
  const gb::header r = gb::reply_header(h, gb::command::confirm);
  CHECK(r.serial == h.serial);
  CHECK(r.source == h.destination);
  CHECK(r.destination == h.source);
  CHECK(r.cmd == gb::command::confirm);
  CHECK(r.version_major == h.version_major);
}

TEST_CASE("command classification and names") {
  int defined = 0;
  int user = 0;
  int reserved = 0;
  for (int c = 0; c < 256; ++c) {
    const auto cmd = static_cast<gb::command>(c);
    const int kinds = gb::is_defined(cmd) + gb::is_user_defined(cmd) + gb::is_reserved(cmd);
    CHECK(kinds == 1);
    defined += gb::is_defined(cmd);
    user += gb::is_user_defined(cmd);
    reserved += gb::is_reserved(cmd);
    CHECK(gb::to_string(cmd).empty() == !gb::is_defined(cmd));
    CHECK(gb::chinese_name(cmd).empty() == !gb::is_defined(cmd));
  }
  CHECK(defined == 6);
  CHECK(user == 128);
  CHECK(reserved == 122);
  CHECK(gb::to_string(gb::command::deny) == "deny");
  CHECK(gb::chinese_name(gb::command::deny) == "否认");
}

TEST_CASE("a frame with a reserved command still decodes; classifying it is the caller's") {
  gb::header h = sample_header();
  h.cmd = static_cast<gb::command>(7);
  const gb::frame_view v = gb::decode_frame(gb::encode_frame(h, {}));
  CHECK(gb::is_reserved(v.hdr.cmd));
}

TEST_CASE("time tags: binary bytes, validation, UTC offset") {
  std::error_code ec;
  const gb::time_tag t = gb::time_tag::from_civil({2026, 11, 30, 10, 55, 21}, ec);
  REQUIRE_FALSE(ec);
  CHECK(t == gb::time_tag{21, 55, 10, 30, 11, 26});  // not BCD: 21 s is 0x15
  CHECK(t.valid());
  const firebus::utc_time at = t.to_utc(std::chrono::hours(8), ec);
  REQUIRE_FALSE(ec);
  CHECK(firebus::to_iso8601(at) == "2026-11-30T02:55:21.000000Z");
  CHECK(gb::time_tag::from_utc(at, std::chrono::hours(8), ec) == t);

  // The vendor ADU vectors (shootingfans) stamp 2021-07-02 09:00:04 and mean UTC+8.
  const gb::time_tag vendor{0x04, 0x00, 0x09, 0x02, 0x07, 0x15};
  CHECK(vendor.to_utc(std::chrono::hours(8), ec).time_since_epoch() ==
        std::chrono::seconds(1625187604));

  (void)gb::time_tag::from_civil({1999, 12, 31, 23, 59, 59}, ec);
  CHECK(ec == gb::errc::invalid_time);
  (void)gb::time_tag::from_civil({2256, 1, 1, 0, 0, 0}, ec);
  CHECK(ec == gb::errc::invalid_time);
  const gb::time_tag bad{60, 0, 0, 1, 1, 26};
  CHECK_FALSE(bad.valid());
  (void)bad.to_utc(std::chrono::hours(8), ec);
  CHECK(ec == gb::errc::invalid_time);
  const gb::time_tag feb29{0, 0, 0, 29, 2, 23};
  CHECK_FALSE(feb29.valid());
  CHECK(gb::time_tag{0, 0, 0, 29, 2, 24}.valid());
}

TEST_CASE("an invalid time tag does not cost the frame") {
  gb::header h = sample_header();
  h.time = {99, 99, 99, 0, 0, 255};
  std::error_code ec;
  const bytes f = gb::encode_frame(h, {});
  const gb::frame_view v = gb::decode_frame(f, ec);
  CHECK_FALSE(ec);
  CHECK(v.hdr.time == h.time);
  CHECK_FALSE(v.hdr.time.valid());
}

TEST_CASE("decoding random bytes never crashes and never accepts a bad frame") {
  std::mt19937 rng(1054);
  std::error_code ec;
  for (int i = 0; i < 20000; ++i) {
    bytes junk(rng() % 80);
    for (auto& b : junk) b = static_cast<std::uint8_t>(rng() % 4 == 0 ? 0x40 : rng());
    const gb::frame_view v = gb::decode_frame(junk, ec);
    if (!ec) {
      // Anything accepted must be a frame that re-encodes to the same bytes.
      CHECK(gb::encode_frame(v.hdr, v.adu) == junk);
    }
  }
}
