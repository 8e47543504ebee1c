// firebus — fire-safety IoT SDK.
/// @file
/// firebus::byte_writer: a bounded cursor that encodes into a caller's buffer or a vector.
///
/// The writer never writes outside its buffer, and never grows a vector past the limit it was
/// given. A value is written whole or not at all: a write that does not fit fails with
/// firebus::errc::buffer_full, writes nothing, and puts the writer in a failed state in which
/// every later write fails too, so an encoder cannot emit a record with a hole in it.
///
/// As with firebus::byte_reader, each write has a `(..., std::error_code& ec) noexcept` overload
/// and a throwing one.
///
/// @par Example
/// @code
/// std::uint8_t buf[8];
/// firebus::byte_writer w(buf);
/// std::error_code ec;
/// w.u8(0x40, ec);
/// w.u8(0x40, ec);
/// w.u16le(0x1234, ec);           // buf = 40 40 34 12
/// w.u48le(0x0102030405, ec);     // 6 bytes, only 4 left: ec == errc::buffer_full
/// firebus::byte_view out = w.written();  // the 4 bytes written before the failure
///
/// std::vector<std::uint8_t> frame;
/// firebus::byte_writer v(frame, 1054);   // appends, never beyond 1054 bytes in total
/// @endcode
#ifndef FIREBUS_CORE_BYTE_WRITER_HPP
#define FIREBUS_CORE_BYTE_WRITER_HPP

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>
#include <system_error>
#include <vector>

#include <firebus/core/bytes.hpp>
#include <firebus/core/config.hpp>
#include <firebus/core/error.hpp>

namespace firebus {
inline namespace v1 {

/// Writes integers, floats and byte ranges into a bounded buffer.
class byte_writer {
 public:
  /// Writes into `buffer` from its first byte; never beyond its end.
  constexpr explicit byte_writer(mutable_byte_view buffer) noexcept
      : buffer_(buffer.data()), capacity_(buffer.size()) {}

  /// Appends to `out` (keeping what it holds) until `out.size()` would exceed `max_size`.
  /// The vector must outlive the writer and must not be modified while the writer is in use.
  explicit byte_writer(std::vector<std::uint8_t>& out,
                       std::size_t max_size = static_cast<std::size_t>(-1)) noexcept
      : vector_(&out),
        base_(out.size()),
        capacity_(max_size > out.size() ? max_size - out.size() : 0) {}

  /// Bytes written so far by this writer.
  constexpr std::size_t position() const noexcept { return pos_; }
  /// Bytes that can still be written.
  constexpr std::size_t remaining() const noexcept { return capacity_ - pos_; }
  /// The bytes written so far by this writer.
  byte_view written() const noexcept { return {data(), pos_}; }

  /// True while no write has failed.
  constexpr bool ok() const noexcept { return !failed_; }
  constexpr explicit operator bool() const noexcept { return ok(); }
  /// The first failure (errc::buffer_full), or a cleared code.
  std::error_code error() const noexcept {
    return failed_ ? make_error_code(errc::buffer_full) : std::error_code();
  }
  /// Position at which the first failed write was attempted (meaningful when !ok()).
  constexpr std::size_t error_offset() const noexcept { return error_offset_; }

  // --- non-throwing writes ------------------------------------------------------------------

  void u8(std::uint8_t v, std::error_code& ec) noexcept { uint(v, 1, endian::little, ec); }
  void i8(std::int8_t v, std::error_code& ec) noexcept { u8(static_cast<std::uint8_t>(v), ec); }
  void u16le(std::uint16_t v, std::error_code& ec) noexcept { uint(v, 2, endian::little, ec); }
  void u16be(std::uint16_t v, std::error_code& ec) noexcept { uint(v, 2, endian::big, ec); }
  void i16le(std::int16_t v, std::error_code& ec) noexcept {
    u16le(static_cast<std::uint16_t>(v), ec);
  }
  void i16be(std::int16_t v, std::error_code& ec) noexcept {
    u16be(static_cast<std::uint16_t>(v), ec);
  }
  void u32le(std::uint32_t v, std::error_code& ec) noexcept { uint(v, 4, endian::little, ec); }
  void u32be(std::uint32_t v, std::error_code& ec) noexcept { uint(v, 4, endian::big, ec); }
  void i32le(std::int32_t v, std::error_code& ec) noexcept {
    u32le(static_cast<std::uint32_t>(v), ec);
  }
  void i32be(std::int32_t v, std::error_code& ec) noexcept {
    u32be(static_cast<std::uint32_t>(v), ec);
  }
  /// A 48-bit unsigned integer; values of 2^48 or more fail with errc::out_of_range.
  void u48le(std::uint64_t v, std::error_code& ec) noexcept { uint(v, 6, endian::little, ec); }
  void u48be(std::uint64_t v, std::error_code& ec) noexcept { uint(v, 6, endian::big, ec); }
  void u64le(std::uint64_t v, std::error_code& ec) noexcept { uint(v, 8, endian::little, ec); }
  void u64be(std::uint64_t v, std::error_code& ec) noexcept { uint(v, 8, endian::big, ec); }
  void i64le(std::int64_t v, std::error_code& ec) noexcept {
    u64le(static_cast<std::uint64_t>(v), ec);
  }
  void i64be(std::int64_t v, std::error_code& ec) noexcept {
    u64be(static_cast<std::uint64_t>(v), ec);
  }
  void f32le(float v, std::error_code& ec) noexcept { u32le(to_bits<std::uint32_t>(v), ec); }
  void f32be(float v, std::error_code& ec) noexcept { u32be(to_bits<std::uint32_t>(v), ec); }
  void f64le(double v, std::error_code& ec) noexcept { u64le(to_bits<std::uint64_t>(v), ec); }
  void f64be(double v, std::error_code& ec) noexcept { u64be(to_bits<std::uint64_t>(v), ec); }

  /// An unsigned integer `width` bytes wide (1..8). A width outside 1..8 fails with
  /// errc::invalid_argument, a value that does not fit the width with errc::out_of_range; both
  /// leave the writer's state unchanged.
  void uint(std::uint64_t v, std::size_t width, endian order, std::error_code& ec) noexcept {
    if (width == 0 || width > 8) {
      ec = make_error_code(errc::invalid_argument);
      return;
    }
    if (width < 8 && (v >> (8 * width)) != 0) {
      ec = make_error_code(errc::out_of_range);
      return;
    }
    std::uint8_t* p = reserve(width, ec);
    if (p == nullptr) return;
    for (std::size_t i = 0; i < width; ++i) {
      const std::size_t k = order == endian::little ? i : width - 1 - i;
      p[k] = static_cast<std::uint8_t>(v >> (8 * i));
    }
  }

  /// Copies `bytes`.
  void bytes(byte_view bytes, std::error_code& ec) noexcept {
    std::uint8_t* p = reserve(bytes.size(), ec);
    if (p != nullptr && !bytes.empty()) std::memcpy(p, bytes.data(), bytes.size());
  }
  /// Writes `count` copies of `value` (padding).
  void fill(std::size_t count, std::uint8_t value, std::error_code& ec) noexcept {
    std::uint8_t* p = reserve(count, ec);
    if (p != nullptr && count != 0) std::memset(p, value, count);
  }

  /// Overwrites an already written byte at `offset` (e.g. a checksum). Fails with
  /// errc::out_of_range, changing nothing, if the byte has not been written.
  void patch_u8(std::size_t offset, std::uint8_t v, std::error_code& ec) noexcept {
    patch(offset, v, 1, endian::little, ec);
  }
  /// Overwrites already written bytes at `offset` (e.g. a length field known only at the end).
  void patch_u16le(std::size_t offset, std::uint16_t v, std::error_code& ec) noexcept {
    patch(offset, v, 2, endian::little, ec);
  }
  void patch_u16be(std::size_t offset, std::uint16_t v, std::error_code& ec) noexcept {
    patch(offset, v, 2, endian::big, ec);
  }

  // --- throwing writes ----------------------------------------------------------------------
#if FIREBUS_HAS_EXCEPTIONS
  void u8(std::uint8_t v) { checked(&byte_writer::u8, v); }
  void i8(std::int8_t v) { checked(&byte_writer::i8, v); }
  void u16le(std::uint16_t v) { checked(&byte_writer::u16le, v); }
  void u16be(std::uint16_t v) { checked(&byte_writer::u16be, v); }
  void i16le(std::int16_t v) { checked(&byte_writer::i16le, v); }
  void i16be(std::int16_t v) { checked(&byte_writer::i16be, v); }
  void u32le(std::uint32_t v) { checked(&byte_writer::u32le, v); }
  void u32be(std::uint32_t v) { checked(&byte_writer::u32be, v); }
  void i32le(std::int32_t v) { checked(&byte_writer::i32le, v); }
  void i32be(std::int32_t v) { checked(&byte_writer::i32be, v); }
  void u48le(std::uint64_t v) { checked(&byte_writer::u48le, v); }
  void u48be(std::uint64_t v) { checked(&byte_writer::u48be, v); }
  void u64le(std::uint64_t v) { checked(&byte_writer::u64le, v); }
  void u64be(std::uint64_t v) { checked(&byte_writer::u64be, v); }
  void i64le(std::int64_t v) { checked(&byte_writer::i64le, v); }
  void i64be(std::int64_t v) { checked(&byte_writer::i64be, v); }
  void f32le(float v) { checked(&byte_writer::f32le, v); }
  void f32be(float v) { checked(&byte_writer::f32be, v); }
  void f64le(double v) { checked(&byte_writer::f64le, v); }
  void f64be(double v) { checked(&byte_writer::f64be, v); }
  void uint(std::uint64_t v, std::size_t width, endian order) {
    std::error_code ec;
    uint(v, width, order, ec);
    if (ec == errc::invalid_argument) {
      detail::throw_error(
          ec, "byte_writer: integer width " + std::to_string(width) + " requested, 1..8 allowed");
    }
    if (ec == errc::out_of_range) {
      detail::throw_error(ec, "byte_writer: value " + std::to_string(v) + " does not fit in " +
                                  std::to_string(width) + " byte(s)");
    }
    throw_if_failed(ec);
  }
  void bytes(byte_view bytes) {
    std::error_code ec;
    this->bytes(bytes, ec);
    throw_if_failed(ec);
  }
  void fill(std::size_t count, std::uint8_t value) {
    std::error_code ec;
    fill(count, value, ec);
    throw_if_failed(ec);
  }
  void patch_u8(std::size_t offset, std::uint8_t v) { checked_patch(offset, v, 1, endian::little); }
  void patch_u16le(std::size_t offset, std::uint16_t v) {
    checked_patch(offset, v, 2, endian::little);
  }
  void patch_u16be(std::size_t offset, std::uint16_t v) {
    checked_patch(offset, v, 2, endian::big);
  }
#endif

 private:
  std::uint8_t* data() const noexcept {
    return vector_ != nullptr ? vector_->data() + base_ : buffer_;
  }

  // Makes room for `count` bytes and returns where to put them, or fails the writer.
  std::uint8_t* reserve(std::size_t count, std::error_code& ec) noexcept {
    // No object is larger than PTRDIFF_MAX; saying so also lets the compiler see that the
    // memset/memcpy after a successful reserve are bounded.
    constexpr std::size_t max_object = static_cast<std::size_t>(PTRDIFF_MAX);
    if (failed_ || count > remaining() || count > max_object) {
      fail(count);
      ec = make_error_code(errc::buffer_full);
      return nullptr;
    }
    if (vector_ != nullptr) {
#if FIREBUS_HAS_EXCEPTIONS
      try {
        vector_->resize(base_ + pos_ + count);
      } catch (...) {  // std::bad_alloc or std::length_error: treat as no room
        fail(count);
        ec = make_error_code(errc::buffer_full);
        return nullptr;
      }
#else
      vector_->resize(base_ + pos_ + count);
#endif
    }
    std::uint8_t* p = data() + pos_;
    pos_ += count;
    if (ec) ec.clear();  // clear() is out of line in libstdc++: keep it off the hot path
    return p;
  }

  void fail(std::size_t count) noexcept {
    if (failed_) return;
    failed_ = true;
    error_offset_ = pos_;
    error_needed_ = count;
  }

  void patch(std::size_t offset, std::uint64_t v, std::size_t width, endian order,
             std::error_code& ec) noexcept {
    if (offset > pos_ || width > pos_ - offset) {
      ec = make_error_code(errc::out_of_range);
      return;
    }
    std::uint8_t* p = data() + offset;
    for (std::size_t i = 0; i < width; ++i) {
      const std::size_t k = order == endian::little ? i : width - 1 - i;
      p[k] = static_cast<std::uint8_t>(v >> (8 * i));
    }
    ec.clear();
  }

  template <class U, class T>
  static U to_bits(T value) noexcept {
    static_assert(sizeof(T) == sizeof(U), "size mismatch");
    U bits;
    std::memcpy(&bits, &value, sizeof bits);
    return bits;
  }

#if FIREBUS_HAS_EXCEPTIONS
  template <class T>
  void checked(void (byte_writer::*write)(T, std::error_code&) noexcept, T v) {
    std::error_code ec;
    (this->*write)(v, ec);
    throw_if_failed(ec);
  }
  void checked_patch(std::size_t offset, std::uint64_t v, std::size_t width, endian order) {
    std::error_code ec;
    patch(offset, v, width, order, ec);
    if (ec) {
      detail::throw_error(ec, "byte_writer: cannot patch " + std::to_string(width) +
                                  " byte(s) at offset " + std::to_string(offset) + ", only " +
                                  std::to_string(pos_) + " written");
    }
  }
  void throw_if_failed(std::error_code ec) const {
    if (!ec) return;
    if (ec == errc::out_of_range) {
      detail::throw_error(ec, "byte_writer: value does not fit in its field");
    }
    detail::throw_error(ec, "byte_writer: " + std::to_string(error_needed_) +
                                " byte(s) to write at offset " + std::to_string(error_offset_) +
                                ", " + std::to_string(capacity_ - error_offset_) + " left");
  }
#endif

  std::uint8_t* buffer_ = nullptr;
  std::vector<std::uint8_t>* vector_ = nullptr;
  std::size_t base_ = 0;
  std::size_t capacity_ = 0;
  std::size_t pos_ = 0;
  bool failed_ = false;
  std::size_t error_offset_ = 0;
  std::size_t error_needed_ = 0;
};

}  // namespace v1
}  // namespace firebus

#endif  // FIREBUS_CORE_BYTE_WRITER_HPP
