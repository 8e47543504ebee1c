// firebus — fire-safety IoT SDK.
// Tests of <firebus/core/byte_writer.hpp>: bounded writes into a buffer or a vector.
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <limits>
#include <ostream>  // doctest prints std::error_code with operator<<
#include <random>
#include <string>
#include <system_error>
#include <vector>

#include <doctest/doctest.h>

#include <firebus/core/byte_reader.hpp>
#include <firebus/core/byte_writer.hpp>

namespace {

using firebus::byte_reader;
using firebus::byte_view;
using firebus::byte_writer;
using firebus::endian;

using bytes = std::vector<std::uint8_t>;

bytes written(const byte_writer& w) { return w.written().to_vector(); }

}  // namespace

TEST_CASE("byte_writer: fixed buffer, every width in both orders") {
  std::uint8_t buf[64] = {};
  byte_writer w(buf);
  std::error_code ec = firebus::errc::unknown_code;  // a good write clears it
  w.u8(0x01, ec);
  CHECK_FALSE(ec);
  w.u16le(0x0302, ec);
  w.u16be(0x0405, ec);
  w.u32le(0x09080706u, ec);
  w.u32be(0x0A0B0C0Du, ec);
  w.u48le(0x131211100F0Eull, ec);
  w.u48be(0x141516171819ull, ec);
  w.u64le(0x21201F1E1D1C1B1Aull, ec);
  w.u64be(0x2223242526272829ull, ec);
  CHECK_FALSE(ec);
  CHECK(w.position() == 1 + 2 + 2 + 4 + 4 + 6 + 6 + 8 + 8);
  bytes expect;
  for (std::uint8_t i = 1; i <= 0x29; ++i) expect.push_back(i);
  CHECK(written(w) == expect);
  CHECK(w.written().data() == buf);
  CHECK(w.remaining() == 64 - expect.size());
  CHECK(w.ok());
  CHECK_FALSE(w.error());
}

TEST_CASE("byte_writer: signed values and floats are written as their bit patterns") {
  std::uint8_t buf[64] = {};
  byte_writer w(buf);
  std::error_code ec;
  w.i8(-1, ec);
  w.i16le(-2, ec);
  w.i16be(-2, ec);
  w.i32le(std::numeric_limits<std::int32_t>::min(), ec);
  w.i32be(-1, ec);
  w.i64le(-2, ec);
  w.i64be(std::numeric_limits<std::int64_t>::min(), ec);
  CHECK_FALSE(ec);
  const bytes expect = {0xFF, 0xFE, 0xFF, 0xFF, 0xFE, 0x00, 0x00, 0x00, 0x80, 0xFF,
                        0xFF, 0xFF, 0xFF, 0xFE, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF,
                        0xFF, 0x80, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00};
  CHECK(written(w) == expect);

  std::uint8_t fbuf[24] = {};
  byte_writer f(fbuf);
  f.f32le(1.0f, ec);
  f.f32be(1.0f, ec);
  f.f64be(-3.141592653589793, ec);
  std::uint32_t snan_bits = 0x7FA00001u;
  float snan;
  std::memcpy(&snan, &snan_bits, 4);
  f.f32be(snan, ec);
  f.f32le(-0.0f, ec);
  CHECK_FALSE(ec);
  const bytes fexpect = {0x00, 0x00, 0x80, 0x3F, 0x3F, 0x80, 0x00, 0x00, 0xC0, 0x09, 0x21, 0xFB,
                         0x54, 0x44, 0x2D, 0x18, 0x7F, 0xA0, 0x00, 0x01, 0x00, 0x00, 0x00, 0x80};
  CHECK(written(f) == fexpect);
  CHECK(f.remaining() == 0);
}

TEST_CASE("byte_writer: a value too wide for its field is out_of_range and writes nothing") {
  std::uint8_t buf[16] = {};
  byte_writer w(buf);
  std::error_code ec;
  w.u8(0xAA, ec);
  w.u48le(std::uint64_t{1} << 48, ec);
  CHECK(ec == firebus::errc::out_of_range);
  w.u48be(0xFFFFFFFFFFFFFFFFull, ec);
  CHECK(ec == firebus::errc::out_of_range);
  w.uint(0x100, 1, endian::little, ec);
  CHECK(ec == firebus::errc::out_of_range);
  w.uint(0x1000000, 3, endian::big, ec);
  CHECK(ec == firebus::errc::out_of_range);
  w.uint(std::uint64_t{1} << 56, 7, endian::little, ec);
  CHECK(ec == firebus::errc::out_of_range);
  // Nothing written, and the writer is still good: a value error is not a full buffer.
  CHECK(w.position() == 1);
  CHECK(w.ok());
  CHECK(buf[1] == 0);
  // The largest value of each width fits.
  w.u48le(0xFFFFFFFFFFFFull, ec);
  CHECK_FALSE(ec);
  w.uint(0xFFFFFF, 3, endian::big, ec);
  CHECK_FALSE(ec);
  w.uint(0xFFFFFFFFFFFFFFFFull, 8, endian::big, ec);
  w.uint(0, 1, endian::big, ec);  // 1 + 6 + 3 + 8 + 1 = 19 > 16: buffer full
  CHECK(ec == firebus::errc::buffer_full);

  std::uint8_t tb[8] = {};
  byte_writer t(tb);
  try {
    t.u48le(std::uint64_t{1} << 48);
    FAIL("no exception");
  } catch (const firebus::system_error& e) {
    CHECK(e.code() == firebus::errc::out_of_range);
  }
  try {
    t.uint(300, 1, endian::little);
    FAIL("no exception");
  } catch (const firebus::system_error& e) {
    CHECK(e.code() == firebus::errc::out_of_range);
    const std::string what = e.what();
    CHECK(what.find("300") != std::string::npos);
    CHECK(what.find("1 byte(s)") != std::string::npos);
  }
  CHECK(t.position() == 0);
  CHECK(t.ok());
}

TEST_CASE("byte_writer: uint() with a width outside 1..8 is invalid_argument") {
  std::uint8_t buf[16] = {};
  byte_writer w(buf);
  std::error_code ec;
  for (std::size_t width : {std::size_t{0}, std::size_t{9}, SIZE_MAX}) {
    CAPTURE(width);
    w.uint(0, width, endian::little, ec);
    CHECK(ec == firebus::errc::invalid_argument);
    CHECK(w.position() == 0);
    CHECK(w.ok());
    try {
      w.uint(1, width, endian::big);
      FAIL("no exception");
    } catch (const firebus::system_error& e) {
      CHECK(e.code() == firebus::errc::invalid_argument);
      CHECK(std::string(e.what()).find("width " + std::to_string(width)) != std::string::npos);
    }
  }
  w.uint(0x0102, 2, endian::big, ec);
  CHECK_FALSE(ec);
  CHECK(written(w) == bytes{0x01, 0x02});
}

TEST_CASE("byte_writer: a write that does not fit writes nothing and fails the writer") {
  std::uint8_t buf[5] = {0xEE, 0xEE, 0xEE, 0xEE, 0xEE};
  byte_writer w(buf);
  std::error_code ec;
  w.u16be(0x4040, ec);
  w.u32le(0x01020304, ec);  // 4 needed, 3 left
  CHECK(ec == firebus::errc::buffer_full);
  CHECK(buf[2] == 0xEE);
  CHECK(buf[4] == 0xEE);
  CHECK(w.position() == 2);
  CHECK_FALSE(w.ok());
  CHECK_FALSE(static_cast<bool>(w));
  CHECK(w.error() == firebus::errc::buffer_full);
  CHECK(w.error_offset() == 2);

  // Sticky: a byte would fit, but the writer has failed.
  ec.clear();
  w.u8(0x11, ec);
  CHECK(ec == firebus::errc::buffer_full);
  CHECK(buf[2] == 0xEE);
  ec.clear();
  w.bytes(byte_view(), ec);
  CHECK(ec == firebus::errc::buffer_full);
  ec.clear();
  w.fill(0, 0, ec);
  CHECK(ec == firebus::errc::buffer_full);
  CHECK(w.position() == 2);
  CHECK(w.error_offset() == 2);
  CHECK(written(w) == bytes{0x40, 0x40});

  CHECK_THROWS_AS(w.u8(1), firebus::system_error);
  try {
    w.u8(1);
  } catch (const firebus::system_error& e) {
    CHECK(e.code() == firebus::errc::buffer_full);
    // The first failure: 4 bytes at offset 2, 3 left.
    CHECK(std::string(e.what()).find("4 byte(s) to write at offset 2, 3 left") !=
          std::string::npos);
  }
}

TEST_CASE("byte_writer: exactly full is fine, one more byte is not") {
  std::uint8_t buf[6] = {};
  byte_writer w(buf);
  std::error_code ec;
  w.u48be(0x010203040506ull, ec);
  CHECK_FALSE(ec);
  CHECK(w.remaining() == 0);
  w.bytes(byte_view(), ec);  // nothing to write: fits
  CHECK_FALSE(ec);
  w.fill(0, 0xFF, ec);
  CHECK_FALSE(ec);
  w.u8(7, ec);
  CHECK(ec == firebus::errc::buffer_full);
  CHECK(written(w) == bytes{1, 2, 3, 4, 5, 6});
}

TEST_CASE("byte_writer: an empty buffer") {
  byte_writer w{firebus::mutable_byte_view()};
  std::error_code ec;
  CHECK(w.remaining() == 0);
  CHECK(w.written().empty());
  w.u8(1, ec);
  CHECK(ec == firebus::errc::buffer_full);
  CHECK(w.error_offset() == 0);
}

TEST_CASE("byte_writer: bytes() and fill()") {
  std::uint8_t buf[8] = {};
  byte_writer w(buf);
  std::error_code ec;
  const std::uint8_t payload[] = {0xDE, 0xAD, 0xBE};
  w.bytes(payload, ec);
  w.fill(3, 0x20, ec);
  CHECK_FALSE(ec);
  CHECK(written(w) == bytes{0xDE, 0xAD, 0xBE, 0x20, 0x20, 0x20});
  w.fill(3, 0x00, ec);  // 2 left
  CHECK(ec == firebus::errc::buffer_full);
  CHECK(w.position() == 6);
  CHECK(buf[6] == 0);

  std::uint8_t b2[4] = {};
  byte_writer w2(b2);
  w2.fill(SIZE_MAX, 0xAB, ec);
  CHECK(ec == firebus::errc::buffer_full);
  CHECK(b2[0] == 0);
  CHECK_THROWS_AS(w2.bytes(payload), firebus::system_error);
  std::uint8_t b3[4] = {};
  byte_writer w3(b3);
  w3.bytes(payload);
  w3.fill(1, 9);
  CHECK(written(w3) == bytes{0xDE, 0xAD, 0xBE, 9});
  CHECK_THROWS_AS(w3.fill(1, 9), firebus::system_error);
}

TEST_CASE("byte_writer: vector mode appends and grows") {
  bytes out = {0x68};
  byte_writer w(out);
  std::error_code ec;
  w.u16le(0x1234, ec);
  w.u32be(0xCAFEBABE, ec);
  CHECK_FALSE(ec);
  CHECK(out == bytes{0x68, 0x34, 0x12, 0xCA, 0xFE, 0xBA, 0xBE});
  // written() is what this writer wrote, not the prefix that was there.
  CHECK(written(w) == bytes{0x34, 0x12, 0xCA, 0xFE, 0xBA, 0xBE});
  CHECK(w.position() == 6);
  // written() follows the vector when it reallocates.
  for (int i = 0; i < 1000; ++i) w.u8(static_cast<std::uint8_t>(i), ec);
  CHECK_FALSE(ec);
  CHECK(out.size() == 1007);
  CHECK(w.written().data() == out.data() + 1);
  CHECK(w.written().size() == 1006);
  CHECK(w.written()[1005] == static_cast<std::uint8_t>(999));
}

TEST_CASE("byte_writer: vector mode max_size limits the total size") {
  bytes out = {1, 2, 3};
  byte_writer w(out, 8);  // 3 already there: 5 more at most
  CHECK(w.remaining() == 5);
  std::error_code ec;
  w.u32le(0, ec);
  CHECK_FALSE(ec);
  w.u16le(0, ec);  // would make 9
  CHECK(ec == firebus::errc::buffer_full);
  CHECK(out.size() == 7);
  CHECK_FALSE(w.ok());
  CHECK(w.error_offset() == 4);
  w.u8(0, ec);  // would fit, but sticky
  CHECK(ec == firebus::errc::buffer_full);
  CHECK(out.size() == 7);

  bytes full = {1, 2, 3, 4};
  byte_writer none(full, 4);
  CHECK(none.remaining() == 0);
  none.u8(0, ec);
  CHECK(ec == firebus::errc::buffer_full);
  CHECK(full.size() == 4);

  // A limit below the current size: no room at all, and the vector is left alone.
  bytes over = {1, 2, 3, 4};
  byte_writer below(over, 2);
  CHECK(below.remaining() == 0);
  below.fill(0, 0, ec);
  CHECK_FALSE(ec);
  below.u8(0, ec);
  CHECK(ec == firebus::errc::buffer_full);
  CHECK(over == bytes{1, 2, 3, 4});
}

TEST_CASE("byte_writer: vector mode reports an impossible size as buffer_full") {
  bytes out;
  byte_writer w(out);  // no limit given
  std::error_code ec;
  w.u8(1, ec);
  // More than std::vector::max_size(): resize throws length_error, which must not escape.
  w.fill(SIZE_MAX - 1, 0, ec);
  CHECK(ec == firebus::errc::buffer_full);
  CHECK(out == bytes{1});
  CHECK_FALSE(w.ok());
  CHECK(w.error_offset() == 1);
}

TEST_CASE("byte_writer: patch_* overwrites written bytes only") {
  std::uint8_t buf[8] = {};
  byte_writer w(buf);
  std::error_code ec;
  w.u8(0x40, ec);
  w.u16le(0, ec);  // length placeholder
  w.u8(0x99, ec);
  w.patch_u16le(1, 0x1234, ec);
  CHECK_FALSE(ec);
  w.patch_u8(3, 0x55, ec);
  CHECK_FALSE(ec);
  CHECK(written(w) == bytes{0x40, 0x34, 0x12, 0x55});
  w.patch_u16be(2, 0xABCD, ec);
  CHECK_FALSE(ec);
  CHECK(written(w) == bytes{0x40, 0x34, 0xAB, 0xCD});

  // Not yet written, or straddling the end: out_of_range, nothing changes.
  w.patch_u8(4, 1, ec);
  CHECK(ec == firebus::errc::out_of_range);
  w.patch_u16le(3, 0xFFFF, ec);
  CHECK(ec == firebus::errc::out_of_range);
  w.patch_u16be(SIZE_MAX, 0xFFFF, ec);
  CHECK(ec == firebus::errc::out_of_range);
  w.patch_u16be(SIZE_MAX - 1, 0xFFFF, ec);
  CHECK(ec == firebus::errc::out_of_range);
  w.patch_u8(SIZE_MAX, 1, ec);
  CHECK(ec == firebus::errc::out_of_range);
  CHECK(written(w) == bytes{0x40, 0x34, 0xAB, 0xCD});
  CHECK(buf[4] == 0);
  CHECK(w.ok());  // a bad patch does not fail the writer

  try {
    w.patch_u16le(3, 0);
    FAIL("no exception");
  } catch (const firebus::system_error& e) {
    CHECK(e.code() == firebus::errc::out_of_range);
    const std::string what = e.what();
    CHECK(what.find("offset 3") != std::string::npos);
    CHECK(what.find("only 4 written") != std::string::npos);
  }
  CHECK_NOTHROW(w.patch_u8(0, 0x41));
  CHECK_NOTHROW(w.patch_u16be(0, 0x4243));
  CHECK_THROWS_AS(w.patch_u8(4, 0), firebus::system_error);
  CHECK_THROWS_AS(w.patch_u16be(3, 0), firebus::system_error);
  CHECK(written(w) == bytes{0x42, 0x43, 0xAB, 0xCD});

  // Nothing written yet: every patch is out of range.
  bytes v;
  byte_writer e(v);
  e.patch_u8(0, 1, ec);
  CHECK(ec == firebus::errc::out_of_range);
  // Vector mode patches the writer's own bytes, not the prefix.
  bytes pre = {0xAA, 0xBB};
  byte_writer p(pre);
  p.u16be(0, ec);
  p.patch_u16be(0, 0x0102, ec);
  CHECK_FALSE(ec);
  CHECK(pre == bytes{0xAA, 0xBB, 0x01, 0x02});
}

TEST_CASE("byte_writer: patching still works after the writer failed") {
  std::uint8_t buf[3] = {};
  byte_writer w(buf);
  std::error_code ec;
  w.u16le(0, ec);
  w.u16le(0, ec);
  REQUIRE(ec == firebus::errc::buffer_full);
  w.patch_u16le(0, 0xBEEF, ec);
  CHECK_FALSE(ec);
  CHECK(buf[0] == 0xEF);
  CHECK(buf[1] == 0xBE);
  CHECK_FALSE(w.ok());
}

TEST_CASE("byte_writer: throwing overloads write the same bytes and throw when full") {
  std::uint8_t a[40] = {};
  std::uint8_t b[40] = {};
  byte_writer wa(a);
  byte_writer wb(b);
  std::error_code ec;
  wa.u8(1, ec), wb.u8(1);
  wa.i8(-3, ec), wb.i8(-3);
  wa.u16le(0x0203, ec), wb.u16le(0x0203);
  wa.u16be(0x0405, ec), wb.u16be(0x0405);
  wa.i16le(-4, ec), wb.i16le(-4);
  wa.i16be(-5, ec), wb.i16be(-5);
  wa.u32le(6, ec), wb.u32le(6);
  wa.u32be(7, ec), wb.u32be(7);
  wa.i32le(-8, ec), wb.i32le(-8);
  wa.i32be(-9, ec), wb.i32be(-9);
  REQUIRE_FALSE(ec);
  CHECK(written(wa) == written(wb));
  CHECK(wb.position() == 26);

  std::uint8_t c[64] = {};
  std::uint8_t d[64] = {};
  byte_writer wc(c);
  byte_writer wd(d);
  wc.u48le(10, ec), wd.u48le(10);
  wc.u48be(11, ec), wd.u48be(11);
  wc.u64le(12, ec), wd.u64le(12);
  wc.u64be(13, ec), wd.u64be(13);
  wc.i64le(-14, ec), wd.i64le(-14);
  wc.i64be(-15, ec), wd.i64be(-15);
  wc.f32le(1.5f, ec), wd.f32le(1.5f);
  wc.f32be(2.5f, ec), wd.f32be(2.5f);
  REQUIRE_FALSE(ec);
  CHECK(written(wc) == written(wd));
  CHECK(wd.remaining() == 64 - 52);
  wd.f64le(1.0);
  CHECK(wd.remaining() == 4);
  CHECK_THROWS_AS(wd.f64be(1.0), firebus::system_error);
  CHECK(wd.position() == 60);

  // Each throwing write throws buffer_full on a full writer.
  byte_writer z{firebus::mutable_byte_view()};
  CHECK_THROWS_AS(z.u8(0), firebus::system_error);
  CHECK_THROWS_AS(z.i8(0), firebus::system_error);
  CHECK_THROWS_AS(z.u16le(0), firebus::system_error);
  CHECK_THROWS_AS(z.u16be(0), firebus::system_error);
  CHECK_THROWS_AS(z.i16le(0), firebus::system_error);
  CHECK_THROWS_AS(z.i16be(0), firebus::system_error);
  CHECK_THROWS_AS(z.u32le(0), firebus::system_error);
  CHECK_THROWS_AS(z.u32be(0), firebus::system_error);
  CHECK_THROWS_AS(z.i32le(0), firebus::system_error);
  CHECK_THROWS_AS(z.i32be(0), firebus::system_error);
  CHECK_THROWS_AS(z.u48le(0), firebus::system_error);
  CHECK_THROWS_AS(z.u48be(0), firebus::system_error);
  CHECK_THROWS_AS(z.u64le(0), firebus::system_error);
  CHECK_THROWS_AS(z.u64be(0), firebus::system_error);
  CHECK_THROWS_AS(z.i64le(0), firebus::system_error);
  CHECK_THROWS_AS(z.i64be(0), firebus::system_error);
  CHECK_THROWS_AS(z.f32le(0), firebus::system_error);
  CHECK_THROWS_AS(z.f32be(0), firebus::system_error);
  CHECK_THROWS_AS(z.f64le(0), firebus::system_error);
  CHECK_THROWS_AS(z.f64be(0), firebus::system_error);
  CHECK_THROWS_AS(z.uint(0, 1, endian::big), firebus::system_error);
  try {
    z.u8(0);
  } catch (const firebus::system_error& e) {
    CHECK(e.code() == firebus::errc::buffer_full);
  }
}

TEST_CASE("byte_writer + byte_reader: every type round-trips") {
  std::mt19937_64 rng(42);
  for (int round = 0; round < 500; ++round) {
    const std::uint64_t r = rng();
    const auto u8v = static_cast<std::uint8_t>(r);
    const auto i8v = static_cast<std::int8_t>(r >> 8);
    const auto u16v = static_cast<std::uint16_t>(r >> 3);
    const auto i16v = static_cast<std::int16_t>(r >> 17);
    const auto u32v = static_cast<std::uint32_t>(r >> 5);
    const auto i32v = static_cast<std::int32_t>(r >> 29);
    const std::uint64_t u48v = r & 0xFFFFFFFFFFFFull;
    const std::uint64_t u64v = rng();
    const auto i64v = static_cast<std::int64_t>(rng());
    // Any bit pattern, NaNs with payloads included.
    const auto f32bits = static_cast<std::uint32_t>(rng());
    const std::uint64_t f64bits = rng();
    float f32v;
    double f64v;
    std::memcpy(&f32v, &f32bits, 4);
    std::memcpy(&f64v, &f64bits, 8);
    const std::size_t width = 1 + static_cast<std::size_t>(r % 8);
    const std::uint64_t uintv = width == 8 ? u64v : u64v >> (64 - 8 * width);

    bytes out;
    byte_writer w(out, 256);
    std::error_code ec;
    w.u8(u8v, ec);
    w.i8(i8v, ec);
    w.u16le(u16v, ec);
    w.u16be(u16v, ec);
    w.i16le(i16v, ec);
    w.i16be(i16v, ec);
    w.u32le(u32v, ec);
    w.u32be(u32v, ec);
    w.i32le(i32v, ec);
    w.i32be(i32v, ec);
    w.u48le(u48v, ec);
    w.u48be(u48v, ec);
    w.u64le(u64v, ec);
    w.u64be(u64v, ec);
    w.i64le(i64v, ec);
    w.i64be(i64v, ec);
    w.f32le(f32v, ec);
    w.f32be(f32v, ec);
    w.f64le(f64v, ec);
    w.f64be(f64v, ec);
    w.uint(uintv, width, endian::little, ec);
    w.uint(uintv, width, endian::big, ec);
    const std::uint8_t raw[] = {1, 2, 3};
    w.bytes(raw, ec);
    REQUIRE_FALSE(ec);

    byte_reader rd(out);
    CHECK(rd.u8(ec) == u8v);
    CHECK(rd.i8(ec) == i8v);
    CHECK(rd.u16le(ec) == u16v);
    CHECK(rd.u16be(ec) == u16v);
    CHECK(rd.i16le(ec) == i16v);
    CHECK(rd.i16be(ec) == i16v);
    CHECK(rd.u32le(ec) == u32v);
    CHECK(rd.u32be(ec) == u32v);
    CHECK(rd.i32le(ec) == i32v);
    CHECK(rd.i32be(ec) == i32v);
    CHECK(rd.u48le(ec) == u48v);
    CHECK(rd.u48be(ec) == u48v);
    CHECK(rd.u64le(ec) == u64v);
    CHECK(rd.u64be(ec) == u64v);
    CHECK(rd.i64le(ec) == i64v);
    CHECK(rd.i64be(ec) == i64v);
    std::uint32_t g32;
    std::uint64_t g64;
    float fl = rd.f32le(ec);
    std::memcpy(&g32, &fl, 4);
    CHECK(g32 == f32bits);
    fl = rd.f32be(ec);
    std::memcpy(&g32, &fl, 4);
    CHECK(g32 == f32bits);
    double db = rd.f64le(ec);
    std::memcpy(&g64, &db, 8);
    CHECK(g64 == f64bits);
    db = rd.f64be(ec);
    std::memcpy(&g64, &db, 8);
    CHECK(g64 == f64bits);
    CHECK(rd.uint(width, endian::little, ec) == uintv);
    CHECK(rd.uint(width, endian::big, ec) == uintv);
    CHECK(rd.bytes(3, ec) == byte_view(raw));
    CHECK_FALSE(ec);
    CHECK(rd.at_end());
  }
}

TEST_CASE("byte_writer: little-endian output is the reverse of big-endian output") {
  for (std::size_t width = 1; width <= 8; ++width) {
    CAPTURE(width);
    const std::uint64_t v = 0x0102030405060708ull >> (64 - 8 * width);
    std::uint8_t le[8] = {};
    std::uint8_t be[8] = {};
    byte_writer wl(le);
    byte_writer wb(be);
    wl.uint(v, width, endian::little);
    wb.uint(v, width, endian::big);
    for (std::size_t i = 0; i < width; ++i) {
      CHECK(le[i] == be[width - 1 - i]);
      CHECK(be[i] == static_cast<std::uint8_t>(i + 1));
    }
  }
}
