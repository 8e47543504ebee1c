// firebus — fire-safety IoT SDK.
/// @file
/// Internal: tables that map enumerators to their stable names and back.
#ifndef FIREBUS_CORE_DETAIL_NAMES_HPP
#define FIREBUS_CORE_DETAIL_NAMES_HPP

#include <cstddef>
#include <string>
#include <string_view>
#include <system_error>

#include <firebus/core/config.hpp>
#include <firebus/core/error.hpp>

namespace firebus {
inline namespace v1 {
namespace detail {

template <class E>
struct named {
  E value;
  std::string_view name;
};

// The name of `value`, or an empty view if the table does not have it.
template <class E, std::size_t N>
constexpr std::string_view name_of(const named<E> (&table)[N], E value) noexcept {
  for (const named<E>& entry : table) {
    if (entry.value == value) return entry.name;
  }
  return {};
}

// True if the table has `value`.
template <class E, std::size_t N>
constexpr bool has_value(const named<E> (&table)[N], E value) noexcept {
  return !name_of(table, value).empty();
}

// The enumerator called `name` (case-sensitive), or errc::unknown_name.
template <class E, std::size_t N>
E value_of(const named<E> (&table)[N], std::string_view name, E fallback,
           std::error_code& ec) noexcept {
  for (const named<E>& entry : table) {
    if (entry.name == name) {
      ec.clear();
      return entry.value;
    }
  }
  ec = make_error_code(errc::unknown_name);
  return fallback;
}

#if FIREBUS_HAS_EXCEPTIONS
// As value_of, but throws firebus::system_error naming `what` and the string.
template <class E, std::size_t N>
E value_or_throw(const named<E> (&table)[N], std::string_view name, const char* what) {
  for (const named<E>& entry : table) {
    if (entry.name == name) return entry.value;
  }
  throw_error(make_error_code(errc::unknown_name),
              std::string(what) + ": unknown name \"" + std::string(name) + "\"");
}
#endif

}  // namespace detail
}  // namespace v1
}  // namespace firebus

#endif  // FIREBUS_CORE_DETAIL_NAMES_HPP
