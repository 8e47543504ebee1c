// firebus — fire-safety IoT SDK.
/// @file
/// firebus::byte_reader: a bounded cursor over untrusted bytes.
///
/// The reader never reads outside its input. A read that needs more bytes than remain fails with
/// firebus::errc::truncated, returns 0 (or an empty view), does not move the position, and puts
/// the reader in a failed state: every later read fails too, with the same error. So a decoder can
/// read a whole record and check once at the end, and a short read can never be followed by a
/// "successful" smaller one that hides it.
///
/// Each read has two overloads: `x(std::error_code& ec) noexcept`, which sets `ec` to the reader's
/// state after the read (cleared while it is good), and `x()`, which throws firebus::system_error
/// naming the offset, the bytes needed and the bytes left.
///
/// @par Example
/// @code
/// const std::uint8_t frame[] = {0x40, 0x40, 0x34, 0x12, 0x01};
/// firebus::byte_reader r(frame);
/// std::error_code ec;
/// r.skip(2, ec);                         // "@@"
/// std::uint16_t serial = r.u16le(ec);    // 0x1234
/// std::uint32_t more = r.u32le(ec);      // only 1 byte left: ec == errc::truncated, more == 0
/// if (ec) std::cerr << "truncated at offset " << r.error_offset() << '\n';  // 4
/// @endcode
#ifndef FIREBUS_CORE_BYTE_READER_HPP
#define FIREBUS_CORE_BYTE_READER_HPP

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>
#include <system_error>

#include <firebus/core/bytes.hpp>
#include <firebus/core/config.hpp>
#include <firebus/core/error.hpp>

namespace firebus {
inline namespace v1 {

/// Reads integers, floats and byte ranges from a firebus::byte_view, never out of bounds.
class byte_reader {
 public:
  /// Reads `input` from its first byte. The bytes must outlive the reader.
  constexpr explicit byte_reader(byte_view input) noexcept : input_(input) {}

  /// Bytes consumed so far.
  constexpr std::size_t position() const noexcept { return pos_; }
  /// Bytes not yet consumed.
  constexpr std::size_t remaining() const noexcept { return input_.size() - pos_; }
  /// The whole input.
  constexpr byte_view input() const noexcept { return input_; }
  /// The bytes not yet consumed.
  constexpr byte_view rest() const noexcept { return input_.subview(pos_); }
  /// True when every byte has been consumed.
  constexpr bool at_end() const noexcept { return pos_ == input_.size(); }

  /// True while no read has failed.
  constexpr bool ok() const noexcept { return !failed_; }
  constexpr explicit operator bool() const noexcept { return ok(); }
  /// The first failure (errc::truncated), or a cleared code.
  std::error_code error() const noexcept {
    return failed_ ? make_error_code(errc::truncated) : std::error_code();
  }
  /// Offset at which the first failed read was attempted (meaningful when !ok()).
  constexpr std::size_t error_offset() const noexcept { return error_offset_; }
  /// Bytes the first failed read needed (meaningful when !ok()).
  constexpr std::size_t error_needed() const noexcept { return error_needed_; }

  // --- non-throwing reads -------------------------------------------------------------------

  std::uint8_t u8(std::error_code& ec) noexcept {
    return static_cast<std::uint8_t>(uint(1, endian::little, ec));
  }
  std::int8_t i8(std::error_code& ec) noexcept { return static_cast<std::int8_t>(u8(ec)); }
  std::uint16_t u16le(std::error_code& ec) noexcept {
    return static_cast<std::uint16_t>(uint(2, endian::little, ec));
  }
  std::uint16_t u16be(std::error_code& ec) noexcept {
    return static_cast<std::uint16_t>(uint(2, endian::big, ec));
  }
  std::int16_t i16le(std::error_code& ec) noexcept { return static_cast<std::int16_t>(u16le(ec)); }
  std::int16_t i16be(std::error_code& ec) noexcept { return static_cast<std::int16_t>(u16be(ec)); }
  std::uint32_t u32le(std::error_code& ec) noexcept {
    return static_cast<std::uint32_t>(uint(4, endian::little, ec));
  }
  std::uint32_t u32be(std::error_code& ec) noexcept {
    return static_cast<std::uint32_t>(uint(4, endian::big, ec));
  }
  std::int32_t i32le(std::error_code& ec) noexcept { return static_cast<std::int32_t>(u32le(ec)); }
  std::int32_t i32be(std::error_code& ec) noexcept { return static_cast<std::int32_t>(u32be(ec)); }
  /// A 48-bit unsigned integer (GB/T 26875.3 addresses), little-endian.
  std::uint64_t u48le(std::error_code& ec) noexcept { return uint(6, endian::little, ec); }
  std::uint64_t u48be(std::error_code& ec) noexcept { return uint(6, endian::big, ec); }
  std::uint64_t u64le(std::error_code& ec) noexcept { return uint(8, endian::little, ec); }
  std::uint64_t u64be(std::error_code& ec) noexcept { return uint(8, endian::big, ec); }
  std::int64_t i64le(std::error_code& ec) noexcept { return static_cast<std::int64_t>(u64le(ec)); }
  std::int64_t i64be(std::error_code& ec) noexcept { return static_cast<std::int64_t>(u64be(ec)); }
  /// An IEEE 754 binary32 value; NaN payloads are kept bit for bit.
  float f32le(std::error_code& ec) noexcept { return bits_to<float>(u32le(ec)); }
  float f32be(std::error_code& ec) noexcept { return bits_to<float>(u32be(ec)); }
  /// An IEEE 754 binary64 value; NaN payloads are kept bit for bit.
  double f64le(std::error_code& ec) noexcept { return bits_to<double>(u64le(ec)); }
  double f64be(std::error_code& ec) noexcept { return bits_to<double>(u64be(ec)); }

  /// An unsigned integer `width` bytes wide (1..8) in the given byte order. A width outside
  /// 1..8 fails with errc::invalid_argument without changing the reader's state.
  std::uint64_t uint(std::size_t width, endian order, std::error_code& ec) noexcept {
    if (width == 0 || width > 8) {
      ec = make_error_code(errc::invalid_argument);
      return 0;
    }
    if (!take(width, ec)) return 0;
    const std::uint8_t* p = input_.data() + pos_ - width;
    std::uint64_t value = 0;
    for (std::size_t i = 0; i < width; ++i) {
      const std::size_t k = order == endian::little ? width - 1 - i : i;
      value = (value << 8) | p[k];
    }
    return value;
  }

  /// The next `count` bytes as a view into the input (no copy).
  byte_view bytes(std::size_t count, std::error_code& ec) noexcept {
    if (!take(count, ec)) return {};
    return input_.subview(pos_ - count, count);
  }
  /// Copies the next `out.size()` bytes into `out`.
  void copy_to(mutable_byte_view out, std::error_code& ec) noexcept {
    const byte_view src = bytes(out.size(), ec);
    if (!ec && !src.empty()) std::memcpy(out.data(), src.data(), src.size());
  }
  /// Skips `count` bytes.
  void skip(std::size_t count, std::error_code& ec) noexcept { (void)take(count, ec); }
  /// The next byte without consuming it. Fails (and fails the reader) at the end.
  std::uint8_t peek_u8(std::error_code& ec) noexcept {
    if (!take(1, ec)) return 0;
    --pos_;
    return input_[pos_];
  }

  // --- throwing reads -----------------------------------------------------------------------
#if FIREBUS_HAS_EXCEPTIONS
  std::uint8_t u8() { return checked(&byte_reader::u8); }
  std::int8_t i8() { return checked(&byte_reader::i8); }
  std::uint16_t u16le() { return checked(&byte_reader::u16le); }
  std::uint16_t u16be() { return checked(&byte_reader::u16be); }
  std::int16_t i16le() { return checked(&byte_reader::i16le); }
  std::int16_t i16be() { return checked(&byte_reader::i16be); }
  std::uint32_t u32le() { return checked(&byte_reader::u32le); }
  std::uint32_t u32be() { return checked(&byte_reader::u32be); }
  std::int32_t i32le() { return checked(&byte_reader::i32le); }
  std::int32_t i32be() { return checked(&byte_reader::i32be); }
  std::uint64_t u48le() { return checked(&byte_reader::u48le); }
  std::uint64_t u48be() { return checked(&byte_reader::u48be); }
  std::uint64_t u64le() { return checked(&byte_reader::u64le); }
  std::uint64_t u64be() { return checked(&byte_reader::u64be); }
  std::int64_t i64le() { return checked(&byte_reader::i64le); }
  std::int64_t i64be() { return checked(&byte_reader::i64be); }
  float f32le() { return checked(&byte_reader::f32le); }
  float f32be() { return checked(&byte_reader::f32be); }
  double f64le() { return checked(&byte_reader::f64le); }
  double f64be() { return checked(&byte_reader::f64be); }
  std::uint64_t uint(std::size_t width, endian order) {
    std::error_code ec;
    const std::uint64_t v = uint(width, order, ec);
    if (ec == errc::invalid_argument) {
      detail::throw_error(
          ec, "byte_reader: integer width " + std::to_string(width) + " requested, 1..8 allowed");
    }
    throw_if_failed(ec);
    return v;
  }
  byte_view bytes(std::size_t count) {
    std::error_code ec;
    const byte_view v = bytes(count, ec);
    throw_if_failed(ec);
    return v;
  }
  void copy_to(mutable_byte_view out) {
    std::error_code ec;
    copy_to(out, ec);
    throw_if_failed(ec);
  }
  void skip(std::size_t count) {
    std::error_code ec;
    skip(count, ec);
    throw_if_failed(ec);
  }
  std::uint8_t peek_u8() { return checked(&byte_reader::peek_u8); }
#endif

 private:
  // Consumes `count` bytes if the reader is good and they are there; otherwise fails it.
  bool take(std::size_t count, std::error_code& ec) noexcept {
    if (!failed_ && count <= remaining()) {
      pos_ += count;
      // Only when set: clear() is an out-of-line call into libstdc++ on the hot path.
      if (ec) ec.clear();
      return true;
    }
    if (!failed_) {
      failed_ = true;
      error_offset_ = pos_;
      error_needed_ = count;
    }
    ec = make_error_code(errc::truncated);
    return false;
  }

  template <class T, class U>
  static T bits_to(U bits) noexcept {
    static_assert(sizeof(T) == sizeof(U), "size mismatch");
    T value;
    std::memcpy(&value, &bits, sizeof value);
    return value;
  }

#if FIREBUS_HAS_EXCEPTIONS
  template <class T>
  T checked(T (byte_reader::*read)(std::error_code&) noexcept) {
    std::error_code ec;
    const T v = (this->*read)(ec);
    throw_if_failed(ec);
    return v;
  }
  void throw_if_failed(std::error_code ec) const {
    if (!ec) return;
    detail::throw_error(ec, "byte_reader: " + std::to_string(error_needed_) +
                                " byte(s) needed at offset " + std::to_string(error_offset_) +
                                ", " + std::to_string(input_.size() - error_offset_) + " left");
  }
#endif

  byte_view input_;
  std::size_t pos_ = 0;
  bool failed_ = false;
  std::size_t error_offset_ = 0;
  std::size_t error_needed_ = 0;
};

}  // namespace v1
}  // namespace firebus

#endif  // FIREBUS_CORE_BYTE_READER_HPP
