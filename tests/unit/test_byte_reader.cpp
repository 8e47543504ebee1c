// firebus — fire-safety IoT SDK.
// Tests of <firebus/core/byte_reader.hpp>: bounded reads of untrusted bytes.
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

namespace {

using firebus::byte_reader;
using firebus::byte_view;
using firebus::endian;

template <class T>
std::uint64_t bits_of(T v) {
  if constexpr (sizeof(T) == 4) {
    std::uint32_t b;
    std::memcpy(&b, &v, 4);
    return b;
  } else if constexpr (sizeof(T) == 8) {
    std::uint64_t b;
    std::memcpy(&b, &v, 8);
    return b;
  } else {
    return static_cast<std::uint64_t>(v) & ((std::uint64_t{1} << (8 * sizeof(T))) - 1);
  }
}

// One fixed-width read, both overloads, with its result as raw bits.
struct read_op {
  const char* name;
  std::size_t width;
  std::uint64_t (*read_ec)(byte_reader&, std::error_code&);
  std::uint64_t (*read_throw)(byte_reader&);
};

// clang-format off
#define FIREBUS_READ_OP(fn, w)                                                   \
  read_op{#fn, w,                                                                \
          [](byte_reader& r, std::error_code& ec) { return bits_of(r.fn(ec)); }, \
          [](byte_reader& r) { return bits_of(r.fn()); }}
// clang-format on

const read_op all_reads[] = {
    FIREBUS_READ_OP(u8, 1),    FIREBUS_READ_OP(i8, 1),    FIREBUS_READ_OP(u16le, 2),
    FIREBUS_READ_OP(u16be, 2), FIREBUS_READ_OP(i16le, 2), FIREBUS_READ_OP(i16be, 2),
    FIREBUS_READ_OP(u32le, 4), FIREBUS_READ_OP(u32be, 4), FIREBUS_READ_OP(i32le, 4),
    FIREBUS_READ_OP(i32be, 4), FIREBUS_READ_OP(u48le, 6), FIREBUS_READ_OP(u48be, 6),
    FIREBUS_READ_OP(u64le, 8), FIREBUS_READ_OP(u64be, 8), FIREBUS_READ_OP(i64le, 8),
    FIREBUS_READ_OP(i64be, 8), FIREBUS_READ_OP(f32le, 4), FIREBUS_READ_OP(f32be, 4),
    FIREBUS_READ_OP(f64le, 8), FIREBUS_READ_OP(f64be, 8),
};

#undef FIREBUS_READ_OP

// The value of `width` bytes at `p` in the given order, computed independently of the reader.
std::uint64_t expected_uint(const std::uint8_t* p, std::size_t width, endian order) {
  std::uint64_t v = 0;
  for (std::size_t i = 0; i < width; ++i) {
    const std::size_t shift = order == endian::little ? 8 * i : 8 * (width - 1 - i);
    v |= std::uint64_t{p[i]} << shift;
  }
  return v;
}

bool is_big(const read_op& op) {
  const std::string n = op.name;
  return n.size() > 2 && n.compare(n.size() - 2, 2, "be") == 0;
}

}  // namespace

TEST_CASE("byte_reader: fixed-width values, little and big endian") {
  const std::uint8_t b[] = {0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08};
  std::error_code ec = firebus::errc::unknown_code;  // must be cleared by a good read
  {
    byte_reader r(b);
    CHECK(r.u8(ec) == 0x01);
    CHECK_FALSE(ec);
    CHECK(r.position() == 1);
  }
  {
    byte_reader r(b);
    CHECK(r.u16le(ec) == 0x0201);
    CHECK(r.u16be(ec) == 0x0304);
    CHECK(r.position() == 4);
  }
  {
    byte_reader r(b);
    CHECK(r.u32le(ec) == 0x04030201u);
    CHECK(r.u32be(ec) == 0x05060708u);
    CHECK(r.at_end());
  }
  {
    byte_reader r(b);
    CHECK(r.u48le(ec) == 0x060504030201ull);
    CHECK(r.position() == 6);
    CHECK(r.remaining() == 2);
  }
  {
    byte_reader r(b);
    CHECK(r.u48be(ec) == 0x010203040506ull);
  }
  {
    byte_reader r(b);
    CHECK(r.u64le(ec) == 0x0807060504030201ull);
  }
  {
    byte_reader r(b);
    CHECK(r.u64be(ec) == 0x0102030405060708ull);
    CHECK_FALSE(ec);
  }
  // u48 uses exactly six bytes: the top two bytes of the result are zero even for 0xFF input.
  const std::uint8_t ff[] = {0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xAA};
  byte_reader r(ff);
  CHECK(r.u48le(ec) == 0xFFFFFFFFFFFFull);
  CHECK(r.u8(ec) == 0xAA);
}

TEST_CASE("byte_reader: signed reads reinterpret two's complement") {
  std::error_code ec;
  const std::uint8_t m1[] = {0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF};
  {
    byte_reader r(m1);
    CHECK(r.i8(ec) == -1);
    CHECK(r.i16le(ec) == -1);
    CHECK(r.i16be(ec) == -1);
  }
  {
    byte_reader r(m1);
    CHECK(r.i32le(ec) == -1);
    CHECK(r.i32be(ec) == -1);
  }
  {
    byte_reader r(m1);
    CHECK(r.i64le(ec) == -1);
  }
  const std::uint8_t minimum[] = {0x80, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00};
  {
    byte_reader r(minimum);
    CHECK(r.i8(ec) == std::numeric_limits<std::int8_t>::min());
  }
  {
    byte_reader r(minimum);
    CHECK(r.i16be(ec) == std::numeric_limits<std::int16_t>::min());
  }
  {
    byte_reader r(minimum);
    CHECK(r.i32be(ec) == std::numeric_limits<std::int32_t>::min());
  }
  {
    byte_reader r(minimum);
    CHECK(r.i64be(ec) == std::numeric_limits<std::int64_t>::min());
  }
  {
    byte_reader r(minimum);
    CHECK(r.i16le(ec) == 0x0080);  // 80 00 little-endian is +128
  }
  const std::uint8_t minus2[] = {0xFE, 0xFF, 0xFF, 0xFE};
  byte_reader r(minus2);
  CHECK(r.i16le(ec) == -2);
  CHECK(r.i16be(ec) == -2);
  CHECK_FALSE(ec);
  const std::uint8_t i64[] = {0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x80};
  byte_reader r64(i64);
  CHECK(r64.i64le(ec) == std::numeric_limits<std::int64_t>::min());
}

TEST_CASE("byte_reader: floats, including NaN payloads bit for bit") {
  std::error_code ec;
  const std::uint8_t one_le[] = {0x00, 0x00, 0x80, 0x3F};
  const std::uint8_t one_be[] = {0x3F, 0x80, 0x00, 0x00};
  CHECK(byte_reader(one_le).f32le(ec) == 1.0f);
  CHECK(byte_reader(one_be).f32be(ec) == 1.0f);
  const std::uint8_t d_be[] = {0xC0, 0x09, 0x21, 0xFB, 0x54, 0x44, 0x2D, 0x18};  // -pi
  const std::uint8_t d_le[] = {0x18, 0x2D, 0x44, 0x54, 0xFB, 0x21, 0x09, 0xC0};
  CHECK(byte_reader(d_be).f64be(ec) == -3.141592653589793);
  CHECK(byte_reader(d_le).f64le(ec) == -3.141592653589793);

  // A signalling NaN with a payload (quiet bit clear) and a negative quiet NaN with a payload.
  const std::uint8_t snan32_be[] = {0x7F, 0xA0, 0x00, 0x01};
  const std::uint8_t qnan32_le[] = {0x34, 0x12, 0xC0, 0xFF};
  const float s = byte_reader(snan32_be).f32be(ec);
  CHECK(s != s);
  CHECK(bits_of(s) == 0x7FA00001u);
  CHECK(bits_of(byte_reader(qnan32_le).f32le(ec)) == 0xFFC01234u);

  const std::uint8_t snan64_be[] = {0x7F, 0xF0, 0x00, 0x00, 0xDE, 0xAD, 0xBE, 0xEF};
  const std::uint8_t qnan64_le[] = {0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0xF8, 0xFF};
  CHECK(bits_of(byte_reader(snan64_be).f64be(ec)) == 0x7FF00000DEADBEEFull);
  CHECK(bits_of(byte_reader(qnan64_le).f64le(ec)) == 0xFFF8000000000001ull);

  const std::uint8_t neg_zero[] = {0x80, 0x00, 0x00, 0x00};
  CHECK(bits_of(byte_reader(neg_zero).f32be(ec)) == 0x80000000u);
  const std::uint8_t inf_be[] = {0x7F, 0x80, 0x00, 0x00};
  CHECK(byte_reader(inf_be).f32be(ec) == std::numeric_limits<float>::infinity());
  CHECK_FALSE(ec);
}

TEST_CASE("byte_reader: uint(width, order) for every width matches an independent decoder") {
  std::mt19937 rng(20261130);
  std::vector<std::uint8_t> buf(64);
  for (int round = 0; round < 50; ++round) {
    for (auto& b : buf) b = static_cast<std::uint8_t>(rng());
    for (std::size_t width = 1; width <= 8; ++width) {
      for (endian order : {endian::little, endian::big}) {
        byte_reader r(buf);
        std::error_code ec;
        std::size_t pos = 0;
        while (pos + width <= buf.size()) {
          CAPTURE(width);
          CAPTURE(pos);
          REQUIRE(r.uint(width, order, ec) == expected_uint(buf.data() + pos, width, order));
          REQUIRE_FALSE(ec);
          pos += width;
          REQUIRE(r.position() == pos);
        }
      }
    }
  }
}

TEST_CASE("byte_reader: every named read equals uint() of its width and order") {
  std::mt19937 rng(7);
  std::vector<std::uint8_t> buf(8);
  for (int round = 0; round < 200; ++round) {
    for (auto& b : buf) b = static_cast<std::uint8_t>(rng());
    for (const read_op& op : all_reads) {
      CAPTURE(op.name);
      byte_reader r(buf);
      std::error_code ec;
      const std::uint64_t got = op.read_ec(r, ec);
      CHECK_FALSE(ec);
      CHECK(r.position() == op.width);
      CHECK(got == expected_uint(buf.data(), op.width, is_big(op) ? endian::big : endian::little));
    }
  }
}

TEST_CASE("byte_reader: every read width at every short length fails cleanly") {
  const std::uint8_t src[16] = {0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88,
                                0x99, 0xAA, 0xBB, 0xCC, 0xDD, 0xEE, 0xF0, 0xF1};
  for (const read_op& op : all_reads) {
    for (std::size_t lead = 0; lead <= 3; ++lead) {
      for (std::size_t len = 0; len < op.width; ++len) {
        CAPTURE(op.name);
        CAPTURE(lead);
        CAPTURE(len);
        byte_reader r(byte_view(src, lead + len));
        std::error_code ec;
        r.skip(lead, ec);
        REQUIRE_FALSE(ec);
        ec = firebus::errc::unknown_code;
        CHECK(op.read_ec(r, ec) == 0);
        CHECK(ec == firebus::errc::truncated);
        CHECK_FALSE(r.ok());
        CHECK_FALSE(static_cast<bool>(r));
        CHECK(r.error() == firebus::errc::truncated);
        CHECK(r.position() == lead);
        CHECK(r.remaining() == len);
        CHECK(r.error_offset() == lead);
        CHECK(r.error_needed() == op.width);

        // The throwing overload on a fresh reader: same failure, reported with the offset.
        byte_reader t(byte_view(src, lead + len));
        t.skip(lead);
        try {
          (void)op.read_throw(t);
          FAIL("no exception");
        } catch (const firebus::system_error& e) {
          CHECK(e.code() == firebus::errc::truncated);
          const std::string what = e.what();
          CHECK(what.find("offset " + std::to_string(lead)) != std::string::npos);
          CHECK(what.find(std::to_string(op.width) + " byte(s) needed") != std::string::npos);
          CHECK(what.find(std::to_string(len) + " left") != std::string::npos);
        }
        CHECK(t.position() == lead);
        CHECK_FALSE(t.ok());
      }
      // Exactly enough bytes: succeeds and reaches the end.
      byte_reader r(byte_view(src, lead + op.width));
      std::error_code ec;
      r.skip(lead, ec);
      (void)op.read_ec(r, ec);
      CHECK_FALSE(ec);
      CHECK(r.ok());
      CHECK(r.at_end());
      byte_reader t(byte_view(src, lead + op.width));
      t.skip(lead);
      CHECK_NOTHROW((void)op.read_throw(t));
    }
  }
}

TEST_CASE("byte_reader: failure is sticky") {
  const std::uint8_t b[] = {0xAA, 0xBB, 0xCC};
  byte_reader r(b);
  std::error_code ec;
  CHECK(r.u8(ec) == 0xAA);
  CHECK(r.u32le(ec) == 0);  // needs 4, 2 left
  CHECK(ec == firebus::errc::truncated);
  CHECK(r.position() == 1);
  CHECK(r.error_offset() == 1);
  CHECK(r.error_needed() == 4);

  // A u8 would fit, but the reader has failed: it must fail too and not move.
  ec.clear();
  CHECK(r.u8(ec) == 0);
  CHECK(ec == firebus::errc::truncated);
  CHECK(r.position() == 1);
  CHECK(r.remaining() == 2);
  // The first failure is the one remembered.
  CHECK(r.error_offset() == 1);
  CHECK(r.error_needed() == 4);

  ec.clear();
  CHECK(r.bytes(0, ec).empty());
  CHECK(ec == firebus::errc::truncated);
  ec.clear();
  r.skip(0, ec);
  CHECK(ec == firebus::errc::truncated);
  ec.clear();
  CHECK(r.peek_u8(ec) == 0);
  CHECK(ec == firebus::errc::truncated);
  for (const read_op& op : all_reads) {
    ec.clear();
    CAPTURE(op.name);
    CHECK(op.read_ec(r, ec) == 0);
    CHECK(ec == firebus::errc::truncated);
    CHECK_THROWS_AS(op.read_throw(r), firebus::system_error);
  }
  CHECK(r.position() == 1);
  CHECK(r.error_needed() == 4);

  // The throwing overload reports the first failure's offset, not the later read's.
  try {
    (void)r.u8();
    FAIL("no exception");
  } catch (const firebus::system_error& e) {
    CHECK(std::string(e.what()).find("4 byte(s) needed at offset 1, 2 left") != std::string::npos);
  }
}

TEST_CASE("byte_reader: bytes() returns views into the input") {
  const std::uint8_t b[] = {1, 2, 3, 4, 5};
  byte_reader r(b);
  std::error_code ec;
  const byte_view a = r.bytes(2, ec);
  CHECK_FALSE(ec);
  CHECK(a.data() == b);
  CHECK(a.size() == 2);
  const byte_view none = r.bytes(0, ec);
  CHECK_FALSE(ec);
  CHECK(none.empty());
  CHECK(r.position() == 2);
  const byte_view rest = r.bytes(3, ec);
  CHECK(rest.data() == b + 2);
  CHECK(rest.to_vector() == std::vector<std::uint8_t>{3, 4, 5});
  CHECK(r.at_end());
  CHECK(r.bytes(0, ec).empty());
  CHECK_FALSE(ec);
  CHECK(r.bytes(1, ec).empty());
  CHECK(ec == firebus::errc::truncated);
  CHECK(r.error_offset() == 5);
  CHECK(r.error_needed() == 1);
}

TEST_CASE("byte_reader: huge counts never overflow") {
  const std::uint8_t b[] = {1, 2, 3, 4};
  const std::size_t huge[] = {SIZE_MAX, SIZE_MAX - 1, SIZE_MAX - 3, SIZE_MAX / 2 + 1, 5};
  for (std::size_t count : huge) {
    for (std::size_t pos = 0; pos <= 4; ++pos) {
      CAPTURE(count);
      CAPTURE(pos);
      {
        byte_reader r(b);
        std::error_code ec;
        r.skip(pos, ec);
        REQUIRE_FALSE(ec);
        const byte_view v = r.bytes(count, ec);
        CHECK(ec == firebus::errc::truncated);
        CHECK(v.empty());
        CHECK(r.position() == pos);
        CHECK(r.remaining() == 4 - pos);
        CHECK(r.error_offset() == pos);
        CHECK(r.error_needed() == count);
        CHECK(r.u8(ec) == 0);
      }
      {
        byte_reader r(b);
        std::error_code ec;
        r.skip(pos, ec);
        r.skip(count, ec);
        CHECK(ec == firebus::errc::truncated);
        CHECK(r.position() == pos);
        CHECK(r.position() + r.remaining() == 4);
        CHECK(r.at_end() == (pos == 4));
      }
      {
        byte_reader r(b);
        r.skip(pos);
        CHECK_THROWS_AS(r.skip(count), firebus::system_error);
        CHECK_THROWS_AS(r.bytes(count), firebus::system_error);
        CHECK(r.position() == pos);
      }
    }
  }
}

TEST_CASE("byte_reader: uint() with a width outside 1..8 is invalid_argument and changes nothing") {
  const std::uint8_t b[] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10};
  for (std::size_t width : {std::size_t{0}, std::size_t{9}, std::size_t{16}, SIZE_MAX}) {
    CAPTURE(width);
    byte_reader r(b);
    std::error_code ec;
    r.skip(1, ec);
    CHECK(r.uint(width, endian::little, ec) == 0);
    CHECK(ec == firebus::errc::invalid_argument);
    CHECK(r.uint(width, endian::big, ec) == 0);
    CHECK(ec == firebus::errc::invalid_argument);
    CHECK(r.ok());
    CHECK(r.position() == 1);
    // The reader still works.
    CHECK(r.u8(ec) == 2);
    CHECK_FALSE(ec);

    try {
      (void)r.uint(width, endian::little);
      FAIL("no exception");
    } catch (const firebus::system_error& e) {
      CHECK(e.code() == firebus::errc::invalid_argument);
      CHECK(std::string(e.what()).find("width " + std::to_string(width)) != std::string::npos);
    }
    CHECK(r.ok());
    CHECK(r.position() == 2);
  }
  // On a failed reader an invalid width is still reported as invalid_argument, and the
  // failure that is remembered does not change.
  byte_reader r(byte_view(b, 1));
  std::error_code ec;
  (void)r.u16le(ec);
  REQUIRE(ec == firebus::errc::truncated);
  (void)r.uint(9, endian::big, ec);
  CHECK(ec == firebus::errc::invalid_argument);
  CHECK(r.error() == firebus::errc::truncated);
  CHECK(r.error_needed() == 2);
}

TEST_CASE("byte_reader: uint() throwing overload") {
  const std::uint8_t b[] = {0x12, 0x34, 0x56};
  byte_reader r(b);
  CHECK(r.uint(3, endian::big) == 0x123456u);
  CHECK_THROWS_AS(r.uint(1, endian::big), firebus::system_error);
}

TEST_CASE("byte_reader: empty input") {
  const byte_view empty;
  byte_reader r(empty);
  CHECK(r.at_end());
  CHECK(r.ok());
  CHECK(r.remaining() == 0);
  CHECK(r.rest().empty());
  CHECK_FALSE(r.error());
  std::error_code ec;
  CHECK(r.bytes(0, ec).empty());
  CHECK_FALSE(ec);
  r.skip(0, ec);
  CHECK_FALSE(ec);
  CHECK(r.ok());
  CHECK(r.peek_u8(ec) == 0);
  CHECK(ec == firebus::errc::truncated);
  CHECK_FALSE(r.ok());
  CHECK(r.error_offset() == 0);
  CHECK(r.error_needed() == 1);
  CHECK(r.position() == 0);

  byte_reader t(empty);
  try {
    (void)t.u8();
    FAIL("no exception");
  } catch (const firebus::system_error& e) {
    CHECK(e.code() == firebus::errc::truncated);
    CHECK(std::string(e.what()).find("offset 0") != std::string::npos);
  }
}

TEST_CASE("byte_reader: peek_u8 does not consume") {
  const std::uint8_t b[] = {0x68, 0x16};
  byte_reader r(b);
  std::error_code ec;
  CHECK(r.peek_u8(ec) == 0x68);
  CHECK(r.peek_u8(ec) == 0x68);
  CHECK_FALSE(ec);
  CHECK(r.position() == 0);
  CHECK(r.u8(ec) == 0x68);
  CHECK(r.peek_u8() == 0x16);
  CHECK(r.position() == 1);
  CHECK(r.u8() == 0x16);
  CHECK(r.at_end());
  CHECK(r.ok());
  CHECK_THROWS_AS(r.peek_u8(), firebus::system_error);
  CHECK_FALSE(r.ok());
  CHECK(r.error_offset() == 2);
  CHECK(r.position() == 2);
}

TEST_CASE("byte_reader: copy_to") {
  const std::uint8_t b[] = {9, 8, 7, 6};
  byte_reader r(b);
  std::uint8_t out[3] = {0, 0, 0};
  std::error_code ec;
  r.copy_to(out, ec);
  CHECK_FALSE(ec);
  CHECK(out[0] == 9);
  CHECK(out[2] == 7);
  CHECK(r.position() == 3);

  std::uint8_t two[2] = {0x55, 0x55};
  r.copy_to(two, ec);  // only one byte left: nothing copied
  CHECK(ec == firebus::errc::truncated);
  CHECK(two[0] == 0x55);
  CHECK(two[1] == 0x55);
  CHECK(r.position() == 3);

  byte_reader t(b);
  std::uint8_t five[5] = {};
  CHECK_THROWS_AS(t.copy_to(five), firebus::system_error);
  CHECK(five[0] == 0);
  byte_reader u(b);
  u.copy_to(firebus::mutable_byte_view());
  CHECK(u.position() == 0);
  CHECK(u.ok());
}

TEST_CASE("byte_reader: rest(), input(), at_end() and position bookkeeping") {
  const std::uint8_t b[] = {1, 2, 3, 4, 5, 6};
  byte_reader r(b);
  CHECK(r.input().data() == b);
  CHECK(r.input().size() == 6);
  std::error_code ec;
  r.skip(4, ec);
  CHECK(r.rest().data() == b + 4);
  CHECK(r.rest().size() == 2);
  CHECK(r.position() + r.remaining() == 6);
  CHECK_FALSE(r.at_end());
  r.skip(2, ec);
  CHECK(r.at_end());
  CHECK(r.rest().empty());
  CHECK(r.input().size() == 6);
}

TEST_CASE("byte_reader: a whole record, checked once at the end") {
  // GB/T 26875.3-style header: start "@@", serial u16le, version 2 bytes, 6-byte time tag,
  // 48-bit source and destination addresses.
  const std::uint8_t frame[] = {0x40, 0x40, 0x34, 0x12, 0x01, 0x01, 21,   55,   10,   30,  11,
                                26,   0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0xA1, 0xA2, 0xA3};
  byte_reader r(frame);
  std::error_code ec;
  r.skip(2, ec);
  const std::uint16_t serial = r.u16le(ec);
  r.skip(2, ec);
  const byte_view tag = r.bytes(6, ec);
  const std::uint64_t src = r.u48le(ec);
  const std::uint64_t dst = r.u48le(ec);  // only 3 bytes left
  CHECK(ec == firebus::errc::truncated);
  CHECK(serial == 0x1234);
  CHECK(tag[5] == 26);
  CHECK(src == 0x060504030201ull);
  CHECK(dst == 0);
  CHECK(r.error_offset() == 18);
  CHECK(r.error_needed() == 6);
}

namespace {
// At namespace scope: GCC's -fsanitize=null rejects comparing a function-local static's address
// with nullptr in a constant expression.
constexpr std::uint8_t constexpr_bytes[] = {1, 2, 3};
}  // namespace

TEST_CASE("byte_reader: constexpr accessors") {
  constexpr byte_reader r{byte_view(constexpr_bytes)};
  static_assert(r.remaining() == 3, "remaining");
  static_assert(r.ok(), "ok");
  static_assert(!r.at_end(), "at_end");
  CHECK(r.rest().size() == 3);
}
