// firebus — fire-safety IoT SDK.
/// @file
/// GB 18030 ⇄ UTF-8 text conversion: GB/T 26875.3 descriptions and configuration texts are
/// GB 18030 on the wire; firebus's API speaks UTF-8.
///
/// The conversions live in the compiled library (target `firebus::firebus`) because they use the
/// platform's converter (glibc iconv); this header includes only the C++ standard library and
/// firebus. Every function is thread-safe and accepts arbitrary bytes: it returns text or an
/// error code, never reads out of bounds, and allocates at most a small multiple of its input
/// (at most 3 bytes of output per input byte for gb18030_to_utf8(), 4 for utf8_to_gb18030()).
///
/// Two policies for bytes that cannot be converted (firebus::text_policy):
/// - `strict` (the default) reports the first of them as firebus::text_errc, with its offset in
///   the throwing overloads' message;
/// - `replace` puts U+FFFD REPLACEMENT CHARACTER in their place, so that a dissector or a log
///   always has something to show.
///
/// ASCII text (every byte below 0x80) is the same in both encodings and is copied without the
/// platform converter; other text needs iconv's GB18030 module (a statically linked program
/// still loads it at run time), else text_errc::unavailable.
///
/// Mappings are the platform's GB 18030 table, and editions differ in 24 two-byte codes
/// (A6D9–A6DF, A6EC–A6ED, A6F3, FE51–FE53, FE59, FE61, FE66–FE67, FE6C–FE6D, FE76, FE7E,
/// FE90–FE91, FEA0) that GB 18030-2005 tables map to private-use code points (U+E78D–U+E796 and
/// 14 in U+E816–U+E864) and GB 18030-2022 to standard characters (A6D9 → U+FE10, FE59 → U+9FB4,
/// FE51 → U+20087). glibc 2.36 maps them the 2022 way in both directions; it cannot encode the
/// 24 private-use code points (text_errc::unrepresentable), and it rejects the 4-byte codes
/// that older tables gave U+FE10–U+FE19 and U+9FB4–U+9FBB (84 31 82 36–84 31 83 35,
/// 82 35 90 37–82 35 91 34), while the 4-byte codes of the six plane-2 characters (U+20087,
/// ...) decode like their new two-byte codes. Every other Unicode scalar value round-trips
/// UTF-8 → GB 18030 → UTF-8 unchanged.
///
/// @par Example
/// @code
/// #include <firebus/text.hpp>
/// namespace gb = firebus::gb26875;
///
/// std::error_code ec;
/// gb::description d = firebus::utf8_to_description("7楼02室会议室烟感", ec);   // 17 bytes + 0x00
/// std::string name = firebus::description_to_utf8(d, ec);                   // "7楼02室会议室烟感"
///
/// // A dissector shows whatever arrived, marking the bytes it cannot decode:
/// std::string shown = firebus::gb18030_to_utf8(bytes, ec, firebus::text_policy::replace);
///
/// try {
///   firebus::gb18030_to_utf8(bytes);
/// } catch (const firebus::system_error& e) {
///   // "GB 18030: invalid byte sequence at offset 5 (0xff)"
/// }
/// @endcode
#ifndef FIREBUS_TEXT_HPP
#define FIREBUS_TEXT_HPP

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <system_error>
#include <type_traits>
#include <vector>

#include <firebus/core/bytes.hpp>
#include <firebus/core/config.hpp>
#include <firebus/core/error.hpp>
#include <firebus/export.hpp>
#include <firebus/gb26875/adu.hpp>

namespace firebus {
inline namespace v1 {

/// Why a text conversion failed (category "firebus.text").
enum class text_errc : int {
  invalid_sequence = 1,  ///< bytes that are not valid in the source encoding
  incomplete_sequence,   ///< the input ends in the middle of a multi-byte character
  unrepresentable,       ///< a valid character that the target encoding (or table) lacks
  too_long,              ///< the converted text does not fit its field
  unavailable,           ///< the platform has no GB 18030 converter (iconv cannot open it)
};

}  // namespace v1
}  // namespace firebus

namespace std {
template <>
struct is_error_code_enum<firebus::text_errc> : true_type {};
}  // namespace std

namespace firebus {
inline namespace v1 {

/// The category of firebus::text_errc. It lives in the compiled library: one instance per process.
FIREBUS_API const std::error_category& text_category() noexcept;

/// Makes `std::error_code ec = firebus::text_errc::...` work.
inline std::error_code make_error_code(text_errc e) noexcept {
  return {static_cast<int>(e), text_category()};
}

/// What to do with bytes that cannot be converted.
enum class text_policy : std::uint8_t {
  strict,   ///< fail with the first of them (text_errc::invalid_sequence, ...)
  replace,  ///< put U+FFFD in their place, one per undecodable sequence, and carry on
};

/// GB 18030 bytes to UTF-8.
///
/// Errors (strict): text_errc::invalid_sequence, text_errc::incomplete_sequence (the input ends
/// inside a character), text_errc::unavailable. Under text_policy::replace, each undecodable
/// sequence becomes U+FFFD (a structurally complete but unassigned 4-byte or 2-byte sequence as
/// one, any other bad byte on its own, an incomplete tail as one), and only
/// text_errc::unavailable remains. On error the result is empty. If `error_offset` is not null,
/// it receives the offset of the first byte that could not be converted.
///
/// @par Example
/// @code
/// const std::uint8_t gb[] = {0xd1, 0xcc, 0xb8, 0xd0};   // 烟感
/// std::error_code ec;
/// std::string s = firebus::gb18030_to_utf8(gb, ec);     // "烟感"
/// @endcode
FIREBUS_API std::string gb18030_to_utf8(byte_view gb18030, std::error_code& ec,
                                        text_policy policy = text_policy::strict,
                                        std::size_t* error_offset = nullptr);

/// UTF-8 to GB 18030 bytes.
///
/// The input must be well-formed UTF-8 (RFC 3629: no overlong forms, surrogates or code points
/// above U+10FFFF). Errors (strict): text_errc::invalid_sequence, text_errc::incomplete_sequence
/// (the input ends inside a character), text_errc::unrepresentable (see the file's note on
/// private-use code points), text_errc::unavailable. Under text_policy::replace, each
/// ill-formed subsequence and unrepresentable character becomes U+FFFD (GB 18030 84 31 A4 37).
/// On error the result is empty; `error_offset`, if not null, receives the offset in `utf8` of
/// the first byte that could not be converted.
///
/// @par Example
/// @code
/// std::error_code ec;
/// std::vector<std::uint8_t> gb = firebus::utf8_to_gb18030("烟感", ec);  // d1 cc b8 d0
/// @endcode
FIREBUS_API std::vector<std::uint8_t> utf8_to_gb18030(std::string_view utf8, std::error_code& ec,
                                                      text_policy policy = text_policy::strict,
                                                      std::size_t* error_offset = nullptr);

/// UTF-8 to GB 18030 bytes for a field of at most `max_bytes` bytes: text_errc::too_long
/// rather than cut, so a multi-byte character is never split and a text is never shortened
/// silently. `error_offset` then receives the offset in `utf8` of the first character that does
/// not fit. Other errors as for utf8_to_gb18030() in strict mode. GB/T 26875.3 fields: 31 bytes
/// for a description (types 2 and 7), 255 for a configuration text (types 6 and 26).
///
/// @par Example
/// @code
/// std::error_code ec;
/// auto bytes = firebus::utf8_to_gb18030_field(text, 255, ec);
/// if (!ec) object.text = firebus::gb26875::config_text{bytes};   // a view: keep `bytes` alive
/// @endcode
FIREBUS_API std::vector<std::uint8_t> utf8_to_gb18030_field(std::string_view utf8,
                                                            std::size_t max_bytes,
                                                            std::error_code& ec,
                                                            std::size_t* error_offset = nullptr);

/// A GB/T 26875.3 description (types 2 and 7) as UTF-8, its padding (trailing 0x00 and spaces,
/// gb26875::trimmed()) removed first. Errors and policy as for gb18030_to_utf8(); offsets are
/// into the 31 bytes.
///
/// @par Example
/// @code
/// if (auto* s = std::get_if<firebus::gb26875::component_status>(&object)) {
///   std::string where = firebus::description_to_utf8(s->text, ec, firebus::text_policy::replace);
/// }
/// @endcode
FIREBUS_API std::string description_to_utf8(const gb26875::description& d, std::error_code& ec,
                                            text_policy policy = text_policy::strict,
                                            std::size_t* error_offset = nullptr);

/// A GB/T 26875.3 description from UTF-8: GB 18030, padded with 0x00 to 31 bytes.
/// text_errc::too_long if the GB 18030 bytes exceed 31 (nothing is cut); other errors as for
/// utf8_to_gb18030() in strict mode. On error the description is all 0x00.
///
/// @par Example
/// @code
/// firebus::gb26875::component_status s;
/// s.text = firebus::utf8_to_description("Ａ区１层呷哺走廊", ec);  // 16 bytes + 15 × 0x00
/// @endcode
FIREBUS_API gb26875::description utf8_to_description(std::string_view utf8, std::error_code& ec,
                                                     std::size_t* error_offset = nullptr);

#if FIREBUS_HAS_EXCEPTIONS
namespace detail {

// "GB 18030: invalid byte sequence at offset 5 (0xff)". Inline, so that the exception is thrown
// from the caller's code, not from inside the shared library.
[[noreturn]] inline void throw_text_error(std::error_code ec, const char* what, byte_view input,
                                          std::size_t offset) {
  std::string m = what;
  m += ": ";
  m += ec.message();
  m += " at offset " + std::to_string(offset);
  if (offset < input.size()) {
    constexpr char hex[] = "0123456789abcdef";
    const std::uint8_t b = input[offset];
    m += " (0x";
    m += hex[b >> 4];
    m += hex[b & 0x0f];
    m += ')';
  }
  throw_error(ec, m);
}

[[noreturn]] inline void throw_too_long(std::error_code ec, std::string_view utf8,
                                        std::size_t max_bytes, std::size_t offset) {
  std::error_code size_ec;
  const std::size_t need = utf8_to_gb18030(utf8, size_ec).size();
  throw_error(ec, "GB 18030 field of at most " + std::to_string(max_bytes) +
                      " bytes: the text needs " + std::to_string(need) +
                      "; the character at UTF-8 offset " + std::to_string(offset) +
                      " is the first that does not fit");
}

}  // namespace detail

/// Throwing overload of gb18030_to_utf8(); under text_policy::replace it throws only for
/// text_errc::unavailable.
inline std::string gb18030_to_utf8(byte_view gb18030, text_policy policy = text_policy::strict) {
  std::error_code ec;
  std::size_t at = 0;
  std::string s = gb18030_to_utf8(gb18030, ec, policy, &at);
  if (ec) detail::throw_text_error(ec, "GB 18030", gb18030, at);
  return s;
}

/// Throwing overload of utf8_to_gb18030().
inline std::vector<std::uint8_t> utf8_to_gb18030(std::string_view utf8,
                                                 text_policy policy = text_policy::strict) {
  std::error_code ec;
  std::size_t at = 0;
  std::vector<std::uint8_t> v = utf8_to_gb18030(utf8, ec, policy, &at);
  if (ec) detail::throw_text_error(ec, "UTF-8", byte_view::from_chars(utf8), at);
  return v;
}

/// Throwing overload of utf8_to_gb18030_field().
inline std::vector<std::uint8_t> utf8_to_gb18030_field(std::string_view utf8,
                                                       std::size_t max_bytes) {
  std::error_code ec;
  std::size_t at = 0;
  std::vector<std::uint8_t> v = utf8_to_gb18030_field(utf8, max_bytes, ec, &at);
  if (ec == text_errc::too_long) detail::throw_too_long(ec, utf8, max_bytes, at);
  if (ec) detail::throw_text_error(ec, "UTF-8", byte_view::from_chars(utf8), at);
  return v;
}

/// Throwing overload of description_to_utf8().
inline std::string description_to_utf8(const gb26875::description& d,
                                       text_policy policy = text_policy::strict) {
  std::error_code ec;
  std::size_t at = 0;
  std::string s = description_to_utf8(d, ec, policy, &at);
  if (ec) detail::throw_text_error(ec, "GB 18030 description", byte_view(d), at);
  return s;
}

/// Throwing overload of utf8_to_description().
inline gb26875::description utf8_to_description(std::string_view utf8) {
  std::error_code ec;
  std::size_t at = 0;
  gb26875::description d = utf8_to_description(utf8, ec, &at);
  if (ec == text_errc::too_long) detail::throw_too_long(ec, utf8, d.size(), at);
  if (ec) detail::throw_text_error(ec, "UTF-8", byte_view::from_chars(utf8), at);
  return d;
}
#endif

}  // namespace v1
}  // namespace firebus

#endif  // FIREBUS_TEXT_HPP
