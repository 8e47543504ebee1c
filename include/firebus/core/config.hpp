// firebus — fire-safety IoT SDK.
/// @file
/// Version, ABI namespace and compiler feature macros shared by every firebus header.
///
/// This header is the single source of truth for the library version: CMake reads
/// `FIREBUS_VERSION_MAJOR/MINOR/PATCH` from it, so a build never disagrees with the headers.
///
/// @par Example
/// @code
/// #include <firebus/core/config.hpp>
/// static_assert(FIREBUS_VERSION >= 10000, "firebus 1.0 or later required");
/// @endcode
#ifndef FIREBUS_CORE_CONFIG_HPP
#define FIREBUS_CORE_CONFIG_HPP

#define FIREBUS_VERSION_MAJOR 1
#define FIREBUS_VERSION_MINOR 0
#define FIREBUS_VERSION_PATCH 0

/// The version as one number: major * 10000 + minor * 100 + patch.
#define FIREBUS_VERSION \
  (FIREBUS_VERSION_MAJOR * 10000 + FIREBUS_VERSION_MINOR * 100 + FIREBUS_VERSION_PATCH)

#define FIREBUS_DETAIL_STR2(x) #x
#define FIREBUS_DETAIL_STR(x) FIREBUS_DETAIL_STR2(x)
/// The version as a string literal, e.g. "1.0.0".
#define FIREBUS_VERSION_STRING              \
  FIREBUS_DETAIL_STR(FIREBUS_VERSION_MAJOR) \
  "." FIREBUS_DETAIL_STR(FIREBUS_VERSION_MINOR) "." FIREBUS_DETAIL_STR(FIREBUS_VERSION_PATCH)

#if defined(_MSVC_LANG)
#define FIREBUS_CPLUSPLUS _MSVC_LANG
#else
#define FIREBUS_CPLUSPLUS __cplusplus
#endif
#if FIREBUS_CPLUSPLUS < 201703L
#error "firebus needs C++17 or later"
#endif

// Exceptions are optional so that the pure core (codecs, alarm engine) builds into firmware
// compiled with -fno-exceptions. Without them, only the std::error_code overloads exist.
#ifndef FIREBUS_HAS_EXCEPTIONS
#if defined(__cpp_exceptions) || defined(__EXCEPTIONS) || defined(_CPPUNWIND)
#define FIREBUS_HAS_EXCEPTIONS 1
#else
#define FIREBUS_HAS_EXCEPTIONS 0
#endif
#endif

// Symbols that must be unique across shared objects (error categories: std::error_code compares
// categories by address) keep default visibility even when a library that includes the core is
// built with -fvisibility=hidden. Not a user setting.
#if defined(__GNUC__) || defined(__clang__)
#define FIREBUS_CORE_VISIBLE __attribute__((visibility("default")))
#else
#define FIREBUS_CORE_VISIBLE
#endif

// Every declaration lives in `namespace firebus { inline namespace v1 { ... } }`: the inline
// namespace is part of every mangled name, so two incompatible major versions can never be linked
// together silently ({fmt} and nlohmann::json do the same).

#endif  // FIREBUS_CORE_CONFIG_HPP
