// firebus — fire-safety IoT SDK.
//
// What the Sparkplug edge node (sparkplug_node.cpp) shares with the payload codec (sparkplug.cpp)
// inside the library: not part of the public API.
#ifndef FIREBUS_SRC_TELEMETRY_SPARKPLUG_DETAIL_HPP
#define FIREBUS_SRC_TELEMETRY_SPARKPLUG_DETAIL_HPP

#include <string>

#include <firebus/telemetry/sparkplug.hpp>

namespace firebus {
inline namespace v1 {
namespace telemetry {
namespace sparkplug {
namespace detail {

// A value given by the application → the alternative the decoder gives for datatype `t`
// (value_kind()): integers of either signedness that fit numerically, a double for a Float (in
// its range), a float for a Double. On failure the result is std::monostate and `why` says why;
// on success `why` is empty. std::monostate stays std::monostate.
metric_value canonical_value(const metric_value& v, data_type t, std::string& why);

}  // namespace detail
}  // namespace sparkplug
}  // namespace telemetry
}  // namespace v1
}  // namespace firebus

#endif  // FIREBUS_SRC_TELEMETRY_SPARKPLUG_DETAIL_HPP
