// firebus — fire-safety IoT SDK.
/// @file
/// What every Modbus bus (modbus::tcp_bus, modbus::rtu_bus) reports, and how.
///
/// A bus polls its devices through their profiles and reports, on the io_context's thread:
/// - readings: the points of one completed read, decoded (samples, device conditions and
///   statuses, see firebus::profile::codec), ready for the alarm engine;
/// - failures: the points a read could not update, and why (errc::timeout, errc::quarantined,
///   errc::disconnected, an exception code, a broken reply), so that they can be marked stale;
/// - the end of each write();
/// - the connection (TCP) or line (RTU) coming up or going down.
#ifndef FIREBUS_IO_MODBUS_BUS_HPP
#define FIREBUS_IO_MODBUS_BUS_HPP

#include <cstddef>
#include <cstdint>
#include <functional>
#include <system_error>
#include <vector>

#include <firebus/core/time.hpp>
#include <firebus/profile/codec.hpp>

namespace firebus {
inline namespace v1 {
namespace modbus {

/// Readings of a device from one completed read (its points, decoded).
using bus_readings_handler =
    std::function<void(std::uint32_t device, mono_time time, const profile::readings& r)>;
/// Points of a device that a read could not update, and why.
using bus_failure_handler =
    std::function<void(std::uint32_t device, mono_time time, const std::vector<std::size_t>& points,
                       std::error_code error)>;
/// How a write ended: empty when every step was acknowledged.
using bus_write_handler = std::function<void(std::uint64_t id, std::error_code error)>;
/// The connection or line came up (true, empty) or went down (false, the reason).
using bus_connection_handler = std::function<void(bool up, std::error_code error)>;

}  // namespace modbus
}  // namespace v1
}  // namespace firebus

#endif  // FIREBUS_IO_MODBUS_BUS_HPP
