// firebus — fire-safety IoT SDK.
/// @file
/// Non-owning views of bytes: firebus::byte_view (read-only) and firebus::mutable_byte_view.
///
/// C++17 has no `std::span`; these are the small subset firebus needs. Every accessor that takes
/// an offset or a count clamps it to the view, so slicing can never point outside the bytes.
///
/// @par Example
/// @code
/// std::vector<std::uint8_t> frame = {0x40, 0x40, 0x01, 0x00};
/// firebus::byte_view all(frame);
/// firebus::byte_view serial = all.subview(2, 2);  // {0x01, 0x00}
/// firebus::byte_view none = all.subview(10);      // empty, not out of bounds
/// @endcode
#ifndef FIREBUS_CORE_BYTES_HPP
#define FIREBUS_CORE_BYTES_HPP

#include <array>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string_view>
#include <vector>

#include <firebus/core/config.hpp>

namespace firebus {
inline namespace v1 {

/// A read-only view of contiguous bytes. It does not own them: keep the bytes alive.
class byte_view {
 public:
  using value_type = std::uint8_t;
  using size_type = std::size_t;
  using const_iterator = const std::uint8_t*;
  using iterator = const_iterator;

  /// "Up to the end" for subview().
  static constexpr std::size_t npos = static_cast<std::size_t>(-1);

  constexpr byte_view() noexcept = default;
  /// `size` bytes at `data`; `data` may be null only when `size` is 0.
  constexpr byte_view(const std::uint8_t* data, std::size_t size) noexcept
      : data_(size == 0 ? nullptr : data), size_(data == nullptr ? 0 : size) {}
  template <std::size_t N>
  constexpr byte_view(const std::uint8_t (&array)[N]) noexcept  // NOLINT: implicit by design
      : byte_view(array, N) {}
  template <std::size_t N>
  constexpr byte_view(const std::array<std::uint8_t, N>& array) noexcept  // NOLINT
      : byte_view(array.data(), N) {}
  byte_view(const std::vector<std::uint8_t>& bytes) noexcept  // NOLINT
      : byte_view(bytes.data(), bytes.size()) {}

  /// The bytes of a string (e.g. a `std::string` read from a file or socket).
  static byte_view from_chars(std::string_view chars) noexcept {
    return {reinterpret_cast<const std::uint8_t*>(chars.data()), chars.size()};
  }

  constexpr const std::uint8_t* data() const noexcept { return data_; }
  constexpr std::size_t size() const noexcept { return size_; }
  constexpr bool empty() const noexcept { return size_ == 0; }
  constexpr const_iterator begin() const noexcept { return data_; }
  constexpr const_iterator end() const noexcept { return data_ + size_; }

  /// Unchecked element access: `i` must be below size(). Use byte_reader for untrusted offsets.
  constexpr std::uint8_t operator[](std::size_t i) const noexcept { return data_[i]; }

  /// At most `count` bytes from `offset`; empty when `offset` is past the end.
  constexpr byte_view subview(std::size_t offset, std::size_t count = npos) const noexcept {
    if (offset >= size_) return {};
    const std::size_t left = size_ - offset;
    return {data_ + offset, count < left ? count : left};
  }
  /// The first `count` bytes, or all of them if there are fewer.
  constexpr byte_view first(std::size_t count) const noexcept { return subview(0, count); }
  /// The last `count` bytes, or all of them if there are fewer.
  constexpr byte_view last(std::size_t count) const noexcept {
    return count >= size_ ? *this : subview(size_ - count);
  }

  /// A copy of the bytes.
  std::vector<std::uint8_t> to_vector() const { return {begin(), end()}; }

  friend bool operator==(byte_view a, byte_view b) noexcept {
    return a.size_ == b.size_ && (a.size_ == 0 || std::memcmp(a.data_, b.data_, a.size_) == 0);
  }
  friend bool operator!=(byte_view a, byte_view b) noexcept { return !(a == b); }

 private:
  const std::uint8_t* data_ = nullptr;
  std::size_t size_ = 0;
};

/// A writable view of contiguous bytes, e.g. a caller-provided output buffer.
class mutable_byte_view {
 public:
  constexpr mutable_byte_view() noexcept = default;
  constexpr mutable_byte_view(std::uint8_t* data, std::size_t size) noexcept
      : data_(size == 0 ? nullptr : data), size_(data == nullptr ? 0 : size) {}
  template <std::size_t N>
  constexpr mutable_byte_view(std::uint8_t (&array)[N]) noexcept  // NOLINT
      : mutable_byte_view(array, N) {}
  template <std::size_t N>
  constexpr mutable_byte_view(std::array<std::uint8_t, N>& array) noexcept  // NOLINT
      : mutable_byte_view(array.data(), N) {}
  mutable_byte_view(std::vector<std::uint8_t>& bytes) noexcept  // NOLINT
      : mutable_byte_view(bytes.data(), bytes.size()) {}

  constexpr std::uint8_t* data() const noexcept { return data_; }
  constexpr std::size_t size() const noexcept { return size_; }
  constexpr bool empty() const noexcept { return size_ == 0; }
  constexpr std::uint8_t* begin() const noexcept { return data_; }
  constexpr std::uint8_t* end() const noexcept { return data_ + size_; }

  constexpr operator byte_view() const noexcept {  // NOLINT: implicit by design
    return {data_, size_};
  }

 private:
  std::uint8_t* data_ = nullptr;
  std::size_t size_ = 0;
};

/// Byte order of a multi-byte field. (C++17 has no `std::endian`.)
enum class endian : std::uint8_t {
  little,  ///< least significant byte first (GB/T 26875.3, protobuf)
  big,     ///< most significant byte first, "network order" (Modbus)
};

}  // namespace v1
}  // namespace firebus

#endif  // FIREBUS_CORE_BYTES_HPP
