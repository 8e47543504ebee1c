// firebus — fire-safety IoT SDK.
/// @file
/// firebus::point_id: the name of a point (one measured or reported quantity of one device).
///
/// A point identifier is 1 to 128 bytes of valid UTF-8 (Chinese names are fine) with no control
/// characters, no space, and no plus sign, hash, double quote or backslash. That keeps it safe
/// as a JSON string without escapes, as a Sparkplug metric name, inside an MQTT topic level and
/// in a log line. Slash, dot, colon and hyphen are allowed, so that names can be hierarchical
/// ("bus1/dev3/IR1").
/// The rules are checked once, when the identifier is made; after that it is always valid.
///
/// @par Example
/// @code
/// firebus::point_id rc("bus1/dev3/IR1");            // throws firebus::system_error if invalid
/// std::error_code ec;
/// auto bad = firebus::point_id::make("temp #1", ec);  // ec == errc::invalid_point_id
/// std::unordered_map<firebus::point_id, double> last;  // hashable, ordered, comparable
/// last[rc] = 312.0;
/// @endcode
#ifndef FIREBUS_CORE_POINT_HPP
#define FIREBUS_CORE_POINT_HPP

#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <system_error>
#include <utility>

#include <firebus/core/config.hpp>
#include <firebus/core/error.hpp>

namespace firebus {
inline namespace v1 {

/// A validated point name. The default-constructed identifier is empty and means "no point".
class point_id {
 public:
  /// The longest identifier, in bytes.
  static constexpr std::size_t max_size = 128;

  point_id() = default;

#if FIREBUS_HAS_EXCEPTIONS
  /// Makes an identifier; throws firebus::system_error (errc::invalid_point_id) if `name` breaks
  /// the rules, saying which byte offends.
  explicit point_id(std::string_view name) : name_(name) {
    const std::size_t bad = first_invalid(name);
    if (bad != npos) {
      detail::throw_error(make_error_code(errc::invalid_point_id), describe_invalid(name, bad));
    }
  }
#endif

  /// Makes an identifier, or returns an empty one and errc::invalid_point_id.
  static point_id make(std::string_view name, std::error_code& ec) {
    if (first_invalid(name) != npos) {
      ec = make_error_code(errc::invalid_point_id);
      return {};
    }
    ec.clear();
    point_id id;
    id.name_ = std::string(name);
    return id;
  }

  /// True if `name` is a valid identifier.
  static bool is_valid(std::string_view name) noexcept { return first_invalid(name) == npos; }

  /// Offset of the first byte that breaks the rules (`max_size`, the first byte past the limit,
  /// for a name that is too long; 0 for an empty one), or `npos` if the name is valid.
  static std::size_t first_invalid(std::string_view name) noexcept {
    if (name.empty()) return 0;
    if (name.size() > max_size) return max_size;
    std::size_t i = 0;
    while (i < name.size()) {
      const auto c = static_cast<unsigned char>(name[i]);
      if (c < 0x80) {
        if (c <= 0x20 || c == 0x7F || c == '+' || c == '#' || c == '"' || c == '\\') return i;
        ++i;
        continue;
      }
      const std::size_t n = utf8_sequence_length(name, i);
      if (n == 0) return i;
      // C2 80..C2 9F is well-formed UTF-8 but encodes the C1 control characters U+0080..U+009F
      // (NEL breaks log lines; CSI starts a terminal escape sequence).
      if (c == 0xC2 && static_cast<unsigned char>(name[i + 1]) < 0xA0) return i;
      i += n;
    }
    return npos;
  }

  static constexpr std::size_t npos = static_cast<std::size_t>(-1);

  const std::string& str() const noexcept { return name_; }
  std::string_view view() const noexcept { return name_; }
  bool empty() const noexcept { return name_.empty(); }

  friend bool operator==(const point_id& a, const point_id& b) noexcept {
    return a.name_ == b.name_;
  }
  friend bool operator!=(const point_id& a, const point_id& b) noexcept {
    return a.name_ != b.name_;
  }
  friend bool operator<(const point_id& a, const point_id& b) noexcept { return a.name_ < b.name_; }

 private:
  // Length of a well-formed UTF-8 sequence starting at `i` (2..4), or 0 if it is ill-formed
  // (overlong forms, surrogates and code points above U+10FFFF are ill-formed; RFC 3629 §4).
  static std::size_t utf8_sequence_length(std::string_view s, std::size_t i) noexcept {
    const auto b0 = static_cast<unsigned char>(s[i]);
    std::size_t n = 0;
    unsigned char lo = 0x80;
    unsigned char hi = 0xBF;
    if (b0 >= 0xC2 && b0 <= 0xDF) {
      n = 2;
    } else if (b0 >= 0xE0 && b0 <= 0xEF) {
      n = 3;
      if (b0 == 0xE0) lo = 0xA0;
      if (b0 == 0xED) hi = 0x9F;
    } else if (b0 >= 0xF0 && b0 <= 0xF4) {
      n = 4;
      if (b0 == 0xF0) lo = 0x90;
      if (b0 == 0xF4) hi = 0x8F;
    } else {
      return 0;
    }
    if (s.size() - i < n) return 0;
    const auto b1 = static_cast<unsigned char>(s[i + 1]);
    if (b1 < lo || b1 > hi) return 0;
    for (std::size_t k = 2; k < n; ++k) {
      const auto b = static_cast<unsigned char>(s[i + k]);
      if (b < 0x80 || b > 0xBF) return 0;
    }
    return n;
  }

#if FIREBUS_HAS_EXCEPTIONS
  static std::string describe_invalid(std::string_view name, std::size_t at) {
    if (name.empty()) return "point id: empty, 1 to 128 bytes expected";
    if (at >= max_size) {
      return "point id: " + std::to_string(name.size()) + " bytes, at most 128 expected";
    }
    static constexpr char hex[] = "0123456789abcdef";
    const auto c = static_cast<unsigned char>(name[at]);
    return std::string("point id: byte 0x") + hex[c >> 4] + hex[c & 0xF] + " at offset " +
           std::to_string(at) +
           " not allowed (no control characters, space, + # \" \\ or ill-formed UTF-8)";
  }
#endif

  std::string name_;
};

}  // namespace v1
}  // namespace firebus

namespace std {
template <>
struct hash<firebus::point_id> {
  std::size_t operator()(const firebus::point_id& id) const noexcept {
    return std::hash<std::string_view>()(id.view());
  }
};
}  // namespace std

#endif  // FIREBUS_CORE_POINT_HPP
