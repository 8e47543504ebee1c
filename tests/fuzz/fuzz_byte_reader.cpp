// firebus — fire-safety IoT SDK.
// libFuzzer target for firebus::byte_reader.
//
// The input is a little program followed by the bytes it reads:
//
//   [n] [op, arg?]... (n program bytes, n = input[0] % 33) [data...]
//
// Each op reads from `data` with one of the reader's operations; some take one argument byte
// from the program (a count, or a width and byte order). After every op the target checks the
// reader's contract and traps on any violation:
//   - position() + remaining() == data size; at_end() and rest() agree with them;
//   - a failed reader stays failed, and remembers its first failure only;
//   - a failed read returns 0 (or an empty view), leaves the position unchanged and reports
//     errc::truncated; a good read moves the position by exactly its width;
//   - a value read equals an independent decoding of the same bytes;
//   - a view returned by bytes() lies within the input, where the reader was;
//   - uint() with a width outside 1..8 is invalid_argument and changes nothing;
//   - writing back every value read with byte_writer reproduces the bytes consumed.
//
// Build for fuzzing:
//   clang++-14 -std=c++17 -g -O1 -fsanitize=fuzzer,address,undefined -I include
//       tests/fuzz/fuzz_byte_reader.cpp -o fuzz_byte_reader
// Build for corpus replay (any compiler):
//   g++ -std=c++17 -I include tests/fuzz/fuzz_byte_reader.cpp tests/fuzz/replay_main.cpp
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>
#include <system_error>
#include <type_traits>
#include <vector>

#include <firebus/core/byte_reader.hpp>
#include <firebus/core/byte_writer.hpp>

namespace {

using firebus::byte_reader;
using firebus::byte_view;
using firebus::byte_writer;
using firebus::endian;

// An explicit check: stays active in every build mode, unlike assert().
#define FIREBUS_FUZZ_CHECK(cond)   \
  do {                             \
    if (!(cond)) __builtin_trap(); \
  } while (0)

enum op : std::uint8_t {
  op_u8,
  op_i8,
  op_u16le,
  op_u16be,
  op_i16le,
  op_i16be,
  op_u32le,
  op_u32be,
  op_i32le,
  op_i32be,
  op_u48le,
  op_u48be,
  op_u64le,
  op_u64be,
  op_i64le,
  op_i64be,
  op_f32le,
  op_f32be,
  op_f64le,
  op_f64be,
  op_bytes,  // arg: count
  op_skip,   // arg: count
  op_uint,   // arg: width (low 4 bits, 0..15) and order (bit 4)
  op_peek,
  op_copy_to,   // arg: count (capped at 64)
  op_throwing,  // arg: which fixed-width read, through the throwing overload
  op_count,
};

// Counts from an argument byte: small ones as they are, the top eight as hostile huge values.
std::size_t count_from(std::uint8_t arg) {
  if (arg >= 0xF8) return SIZE_MAX - (arg - 0xF8u);
  return arg;
}

// Width and byte order of the fixed-width reads, op_u8 .. op_f64be.
struct fixed {
  std::size_t width;
  endian order;
};
constexpr fixed fixed_reads[] = {
    {1, endian::little}, {1, endian::little}, {2, endian::little}, {2, endian::big},
    {2, endian::little}, {2, endian::big},    {4, endian::little}, {4, endian::big},
    {4, endian::little}, {4, endian::big},    {6, endian::little}, {6, endian::big},
    {8, endian::little}, {8, endian::big},    {8, endian::little}, {8, endian::big},
    {4, endian::little}, {4, endian::big},    {8, endian::little}, {8, endian::big},
};

std::uint64_t decode(const std::uint8_t* p, std::size_t width, endian order) {
  std::uint64_t v = 0;
  for (std::size_t i = 0; i < width; ++i) {
    const std::size_t shift = order == endian::little ? 8 * i : 8 * (width - 1 - i);
    v |= std::uint64_t{p[i]} << shift;
  }
  return v;
}

template <class T>
std::uint64_t bits(T v) {
  if constexpr (sizeof(T) == 4 && !std::is_integral_v<T>) {
    std::uint32_t b;
    std::memcpy(&b, &v, 4);
    return b;
  } else if constexpr (sizeof(T) == 8 && !std::is_integral_v<T>) {
    std::uint64_t b;
    std::memcpy(&b, &v, 8);
    return b;
  } else {
    using U = std::make_unsigned_t<T>;
    return static_cast<U>(v);
  }
}

// Reads with fixed-width op `o` (ec overload), writes the value back with the matching writer
// call when the read succeeded, and returns the value's bits.
std::uint64_t read_fixed(std::uint8_t o, byte_reader& r, byte_writer& w, std::error_code& ec) {
  std::error_code wec;
  std::uint64_t b = 0;
  switch (o) {
    // clang-format off
    case op_u8:    { const auto v = r.u8(ec);    if (!ec) w.u8(v, wec);    b = bits(v); break; }
    case op_i8:    { const auto v = r.i8(ec);    if (!ec) w.i8(v, wec);    b = bits(v); break; }
    case op_u16le: { const auto v = r.u16le(ec); if (!ec) w.u16le(v, wec); b = bits(v); break; }
    case op_u16be: { const auto v = r.u16be(ec); if (!ec) w.u16be(v, wec); b = bits(v); break; }
    case op_i16le: { const auto v = r.i16le(ec); if (!ec) w.i16le(v, wec); b = bits(v); break; }
    case op_i16be: { const auto v = r.i16be(ec); if (!ec) w.i16be(v, wec); b = bits(v); break; }
    case op_u32le: { const auto v = r.u32le(ec); if (!ec) w.u32le(v, wec); b = bits(v); break; }
    case op_u32be: { const auto v = r.u32be(ec); if (!ec) w.u32be(v, wec); b = bits(v); break; }
    case op_i32le: { const auto v = r.i32le(ec); if (!ec) w.i32le(v, wec); b = bits(v); break; }
    case op_i32be: { const auto v = r.i32be(ec); if (!ec) w.i32be(v, wec); b = bits(v); break; }
    case op_u48le: { const auto v = r.u48le(ec); if (!ec) w.u48le(v, wec); b = bits(v); break; }
    case op_u48be: { const auto v = r.u48be(ec); if (!ec) w.u48be(v, wec); b = bits(v); break; }
    case op_u64le: { const auto v = r.u64le(ec); if (!ec) w.u64le(v, wec); b = bits(v); break; }
    case op_u64be: { const auto v = r.u64be(ec); if (!ec) w.u64be(v, wec); b = bits(v); break; }
    case op_i64le: { const auto v = r.i64le(ec); if (!ec) w.i64le(v, wec); b = bits(v); break; }
    case op_i64be: { const auto v = r.i64be(ec); if (!ec) w.i64be(v, wec); b = bits(v); break; }
    case op_f32le: { const auto v = r.f32le(ec); if (!ec) w.f32le(v, wec); b = bits(v); break; }
    case op_f32be: { const auto v = r.f32be(ec); if (!ec) w.f32be(v, wec); b = bits(v); break; }
    case op_f64le: { const auto v = r.f64le(ec); if (!ec) w.f64le(v, wec); b = bits(v); break; }
    case op_f64be: { const auto v = r.f64be(ec); if (!ec) w.f64be(v, wec); b = bits(v); break; }
    // clang-format on
    default:
      __builtin_trap();
  }
  // The writer's limit is the input size and it only gets what was consumed: never full.
  FIREBUS_FUZZ_CHECK(!wec);
  return b;
}

// The same through the throwing overloads (no write-back: the caller does it from the bits).
std::uint64_t read_fixed_throwing(std::uint8_t o, byte_reader& r) {
  switch (o) {
    case op_u8:
      return bits(r.u8());
    case op_i8:
      return bits(r.i8());
    case op_u16le:
      return bits(r.u16le());
    case op_u16be:
      return bits(r.u16be());
    case op_i16le:
      return bits(r.i16le());
    case op_i16be:
      return bits(r.i16be());
    case op_u32le:
      return bits(r.u32le());
    case op_u32be:
      return bits(r.u32be());
    case op_i32le:
      return bits(r.i32le());
    case op_i32be:
      return bits(r.i32be());
    case op_u48le:
      return bits(r.u48le());
    case op_u48be:
      return bits(r.u48be());
    case op_u64le:
      return bits(r.u64le());
    case op_u64be:
      return bits(r.u64be());
    case op_i64le:
      return bits(r.i64le());
    case op_i64be:
      return bits(r.i64be());
    case op_f32le:
      return bits(r.f32le());
    case op_f32be:
      return bits(r.f32be());
    case op_f64le:
      return bits(r.f64le());
    case op_f64be:
      return bits(r.f64be());
    default:
      __builtin_trap();
  }
}

// The reader's observable state, to compare before and after an operation.
struct snapshot {
  std::size_t position;
  bool ok;
  std::size_t error_offset;
  std::size_t error_needed;

  explicit snapshot(const byte_reader& r)
      : position(r.position()),
        ok(r.ok()),
        error_offset(r.error_offset()),
        error_needed(r.error_needed()) {}
};

void check_consistent(const byte_reader& r, byte_view input) {
  FIREBUS_FUZZ_CHECK(r.position() <= input.size());
  FIREBUS_FUZZ_CHECK(r.position() + r.remaining() == input.size());
  FIREBUS_FUZZ_CHECK(r.at_end() == (r.remaining() == 0));
  FIREBUS_FUZZ_CHECK(r.rest().size() == r.remaining());
  FIREBUS_FUZZ_CHECK(r.rest().empty() || r.rest().data() == input.data() + r.position());
  FIREBUS_FUZZ_CHECK(r.input().data() == input.data() && r.input().size() == input.size());
  FIREBUS_FUZZ_CHECK(static_cast<bool>(r) == r.ok());
  FIREBUS_FUZZ_CHECK(r.ok() ? !r.error() : r.error() == firebus::errc::truncated);
}

// Checks the outcome of an operation that wanted to consume `count` bytes.
void check_take(const snapshot& before, const byte_reader& r, const std::error_code& ec,
                std::size_t count, std::size_t size) {
  const bool fits = before.ok && count <= size - before.position;
  if (fits) {
    FIREBUS_FUZZ_CHECK(!ec);
    FIREBUS_FUZZ_CHECK(r.ok());
    FIREBUS_FUZZ_CHECK(r.position() == before.position + count);
    return;
  }
  FIREBUS_FUZZ_CHECK(ec == firebus::errc::truncated);
  FIREBUS_FUZZ_CHECK(!r.ok());
  FIREBUS_FUZZ_CHECK(r.position() == before.position);
  if (before.ok) {  // this is the first failure: it is the one remembered
    FIREBUS_FUZZ_CHECK(r.error_offset() == before.position);
    FIREBUS_FUZZ_CHECK(r.error_needed() == count);
  } else {
    FIREBUS_FUZZ_CHECK(r.error_offset() == before.error_offset);
    FIREBUS_FUZZ_CHECK(r.error_needed() == before.error_needed);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  std::size_t program_size = data[0] % 33u;
  if (program_size > size - 1) program_size = size - 1;
  const std::uint8_t* program = data + 1;
  const byte_view input(data + 1 + program_size, size - 1 - program_size);

  byte_reader r(input);
  std::vector<std::uint8_t> echo;
  byte_writer w(echo, input.size());
  check_consistent(r, input);

  std::size_t pc = 0;
  auto next_arg = [&]() -> std::uint8_t { return pc < program_size ? program[pc++] : 0; };

  while (pc < program_size) {
    const auto o = static_cast<std::uint8_t>(program[pc++] % op_count);
    const snapshot before(r);
    std::error_code ec = firebus::errc::unknown_code;  // every operation must overwrite it
    // Where the reader was (null for an empty input: no arithmetic on a null pointer).
    const std::uint8_t* here = input.empty() ? nullptr : input.data() + before.position;

    if (o < op_bytes) {
      const fixed f = fixed_reads[o];
      const std::uint64_t v = read_fixed(o, r, w, ec);
      check_take(before, r, ec, f.width, input.size());
      if (ec) {
        FIREBUS_FUZZ_CHECK(v == 0);
      } else {
        FIREBUS_FUZZ_CHECK(v == decode(here, f.width, f.order));
      }
    } else if (o == op_bytes) {
      const std::size_t n = count_from(next_arg());
      const byte_view v = r.bytes(n, ec);
      check_take(before, r, ec, n, input.size());
      if (ec) {
        FIREBUS_FUZZ_CHECK(v.empty());
      } else {
        FIREBUS_FUZZ_CHECK(v.size() == n);
        if (n != 0) {
          FIREBUS_FUZZ_CHECK(v.data() == here);
          FIREBUS_FUZZ_CHECK(v.data() >= input.data());
          FIREBUS_FUZZ_CHECK(v.data() + v.size() <= input.data() + input.size());
        }
        std::error_code wec;
        w.bytes(v, wec);
        FIREBUS_FUZZ_CHECK(!wec);
      }
    } else if (o == op_skip) {
      const std::size_t n = count_from(next_arg());
      r.skip(n, ec);
      check_take(before, r, ec, n, input.size());
      if (!ec) {
        std::error_code wec;
        w.bytes(byte_view(here, n), wec);
        FIREBUS_FUZZ_CHECK(!wec);
      }
    } else if (o == op_uint) {
      const std::uint8_t arg = next_arg();
      const std::size_t width = arg & 0x0Fu;
      const endian order = (arg & 0x10u) != 0 ? endian::big : endian::little;
      const std::uint64_t v = r.uint(width, order, ec);
      if (width == 0 || width > 8) {
        FIREBUS_FUZZ_CHECK(ec == firebus::errc::invalid_argument);
        FIREBUS_FUZZ_CHECK(v == 0);
        FIREBUS_FUZZ_CHECK(r.position() == before.position && r.ok() == before.ok);
        FIREBUS_FUZZ_CHECK(r.error_offset() == before.error_offset);
        FIREBUS_FUZZ_CHECK(r.error_needed() == before.error_needed);
      } else {
        check_take(before, r, ec, width, input.size());
        if (ec) {
          FIREBUS_FUZZ_CHECK(v == 0);
        } else {
          FIREBUS_FUZZ_CHECK(v == decode(here, width, order));
          if (width < 8) FIREBUS_FUZZ_CHECK((v >> (8 * width)) == 0);
          std::error_code wec;
          w.uint(v, width, order, wec);
          FIREBUS_FUZZ_CHECK(!wec);
        }
      }
    } else if (o == op_peek) {
      const std::uint8_t v = r.peek_u8(ec);
      const bool fits = before.ok && before.position < input.size();
      if (fits) {
        FIREBUS_FUZZ_CHECK(!ec && r.ok());
        FIREBUS_FUZZ_CHECK(v == *here);
        FIREBUS_FUZZ_CHECK(r.position() == before.position);
      } else {
        check_take(before, r, ec, 1, input.size());
        FIREBUS_FUZZ_CHECK(v == 0);
      }
    } else if (o == op_copy_to) {
      std::uint8_t out[64];
      std::memset(out, 0xA5, sizeof out);
      const std::size_t n = next_arg() % (sizeof out + 1);
      r.copy_to(firebus::mutable_byte_view(out, n), ec);
      check_take(before, r, ec, n, input.size());
      if (ec) {
        for (std::uint8_t b : out) FIREBUS_FUZZ_CHECK(b == 0xA5);  // nothing copied
      } else {
        FIREBUS_FUZZ_CHECK(n == 0 || std::memcmp(out, here, n) == 0);
        std::error_code wec;
        w.bytes(byte_view(out, n), wec);
        FIREBUS_FUZZ_CHECK(!wec);
      }
    } else if (o == op_throwing) {
      const auto which = static_cast<std::uint8_t>(next_arg() % op_bytes);
      const fixed f = fixed_reads[which];
      bool threw = false;
      std::uint64_t v = 0;
      try {
        v = read_fixed_throwing(which, r);
      } catch (const firebus::system_error& e) {
        threw = true;
        FIREBUS_FUZZ_CHECK(e.code() == firebus::errc::truncated);
        const std::string what = e.what();
        FIREBUS_FUZZ_CHECK(what.find("offset " + std::to_string(r.error_offset())) !=
                           std::string::npos);
      }
      ec = threw ? std::error_code(firebus::errc::truncated) : std::error_code();
      check_take(before, r, ec, f.width, input.size());
      if (!threw) {
        FIREBUS_FUZZ_CHECK(v == decode(here, f.width, f.order));
        std::error_code wec;
        w.uint(v, f.width, f.order, wec);  // bits() gives the width's unsigned value
        FIREBUS_FUZZ_CHECK(!wec);
      }
    }

    // A failed reader stays failed.
    if (!before.ok) FIREBUS_FUZZ_CHECK(!r.ok());
    check_consistent(r, input);
    // What was written back is exactly what was consumed.
    FIREBUS_FUZZ_CHECK(w.ok());
    FIREBUS_FUZZ_CHECK(w.position() == r.position());
    FIREBUS_FUZZ_CHECK(w.written() == input.first(r.position()));
  }

  // A good reader can still read exactly what remains, and nothing more.
  if (r.ok()) {
    std::error_code ec;
    const byte_view rest = r.bytes(r.remaining(), ec);
    FIREBUS_FUZZ_CHECK(!ec && r.at_end());
    FIREBUS_FUZZ_CHECK(rest.size() == input.size() - w.position());
    (void)r.u8(ec);
    FIREBUS_FUZZ_CHECK(ec == firebus::errc::truncated);
    FIREBUS_FUZZ_CHECK(r.error_offset() == input.size() && r.error_needed() == 1);
  }
  return 0;
}
