// firebus — fire-safety IoT SDK.
// A tiny consumer of firebus: the core headers and the compiled library, through whichever route
// (find_package, pkg-config, add_subdirectory) built it.
#include <cstdint>
#include <iostream>
#include <system_error>

#include <firebus/core.hpp>
#include <firebus/library.hpp>

int main() {
  std::error_code ec;
  firebus::check_library_version(ec);
  if (ec) {
    std::cerr << "version check failed: " << ec.message() << '\n';
    return 1;
  }
  // An error code made inside the shared library must compare equal to the enumerator here:
  // error categories are compared by address, so there must be one category per process.
  if (firebus::detail::check_library_version(99 * 10000) != firebus::errc::version_mismatch) {
    std::cerr << "error category of the library differs from the headers'\n";
    return 1;
  }
  const std::uint8_t bytes[] = {0x40, 0x40, 0x34, 0x12};
  firebus::byte_reader r(bytes);
  r.skip(2, ec);
  if (r.u16le(ec) != 0x1234 || ec) {
    std::cerr << "byte_reader misread\n";
    return 1;
  }
  std::cout << "firebus consumer OK: library " << firebus::library_version().string << ", headers "
            << FIREBUS_VERSION_STRING << '\n';
  return 0;
}
