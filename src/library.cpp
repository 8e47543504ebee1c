// firebus — fire-safety IoT SDK.
#include <firebus/library.hpp>

namespace firebus {
inline namespace v1 {

version_info library_version() noexcept {
  return {FIREBUS_VERSION_MAJOR, FIREBUS_VERSION_MINOR, FIREBUS_VERSION_PATCH,
          FIREBUS_VERSION_STRING};
}

namespace detail {

std::error_code check_library_version(int header_version) noexcept {
  // Same major (the inline namespace already refuses to link another major; this catches a
  // library older than the headers within the major, which would lack newer symbols).
  const int header_major = header_version / 10000;
  const int header_minor = header_version / 100 % 100;
  if (header_major != FIREBUS_VERSION_MAJOR || header_minor > FIREBUS_VERSION_MINOR) {
    return make_error_code(errc::version_mismatch);
  }
  return {};
}

}  // namespace detail
}  // namespace v1
}  // namespace firebus
