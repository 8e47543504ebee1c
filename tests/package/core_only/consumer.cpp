// firebus — fire-safety IoT SDK.
// Uses only the header-only core, as firmware would.
#include <cstdint>
#include <iostream>

#include <firebus/core.hpp>

int main() {
  const std::uint8_t bytes[] = {0x34, 0x12};
  firebus::byte_reader r(bytes);
  std::error_code ec;
  if (r.u16le(ec) != 0x1234 || ec) return 1;
  std::cout << "firebus consumer OK: core " << FIREBUS_VERSION_STRING << '\n';
  return 0;
}
