// firebus — fire-safety IoT SDK.
// The UTF-8 check of the telemetry codecs (firebus v1 and Sparkplug B): internal, not installed.
#ifndef FIREBUS_SRC_TELEMETRY_UTF8_HPP
#define FIREBUS_SRC_TELEMETRY_UTF8_HPP

#include <cstddef>
#include <string_view>

namespace firebus {
inline namespace v1 {
namespace telemetry {
namespace detail {

// Well-formed UTF-8 (RFC 3629 §4: no overlong forms, surrogates or code points above U+10FFFF),
// as protobuf requires of proto3 `string` fields and Sparkplug of every string.
inline bool is_utf8(std::string_view s) noexcept {
  std::size_t i = 0;
  const std::size_t n = s.size();
  while (i < n) {
    const auto b0 = static_cast<unsigned char>(s[i]);
    if (b0 < 0x80) {
      ++i;
      continue;
    }
    std::size_t len = 0;
    unsigned char lo = 0x80;
    unsigned char hi = 0xBF;
    if (b0 >= 0xC2 && b0 <= 0xDF) {
      len = 2;
    } else if (b0 >= 0xE0 && b0 <= 0xEF) {
      len = 3;
      if (b0 == 0xE0) lo = 0xA0;
      if (b0 == 0xED) hi = 0x9F;
    } else if (b0 >= 0xF0 && b0 <= 0xF4) {
      len = 4;
      if (b0 == 0xF0) lo = 0x90;
      if (b0 == 0xF4) hi = 0x8F;
    } else {
      return false;
    }
    if (n - i < len) return false;
    const auto b1 = static_cast<unsigned char>(s[i + 1]);
    if (b1 < lo || b1 > hi) return false;
    for (std::size_t k = 2; k < len; ++k) {
      const auto b = static_cast<unsigned char>(s[i + k]);
      if (b < 0x80 || b > 0xBF) return false;
    }
    i += len;
  }
  return true;
}

}  // namespace detail
}  // namespace telemetry
}  // namespace v1
}  // namespace firebus

#endif  // FIREBUS_SRC_TELEMETRY_UTF8_HPP
