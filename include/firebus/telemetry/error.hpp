// firebus — fire-safety IoT SDK.
/// @file
/// Error codes of the telemetry encodings: firebus::telemetry::errc, category
/// "firebus.telemetry". Shared by every encoding (the firebus protobuf envelope, its JSON
/// mapping, Sparkplug B): the codes name the rule a message breaks, the throwing overloads add
/// where and what ("batch: sample 17: alias 42 is not declared by birth 7 of source \"gw1\"").
///
/// @par Example
/// @code
/// std::error_code ec;
/// auto env = firebus::telemetry::decode_envelope(bytes, births, ec);
/// if (ec == firebus::telemetry::errc::unknown_birth) { /* ask the source for its birth */ }
/// @endcode
#ifndef FIREBUS_TELEMETRY_ERROR_HPP
#define FIREBUS_TELEMETRY_ERROR_HPP

#include <string>
#include <system_error>
#include <type_traits>

#include <firebus/core/config.hpp>
#include <firebus/core/error.hpp>

namespace firebus {
inline namespace v1 {
namespace telemetry {

/// What can be wrong with a telemetry message, on the way out (encode) or in (decode).
enum class errc : int {
  malformed = 1,       ///< not a message of the schema (wire format or JSON syntax, bad UTF-8)
  message_too_large,   ///< above the size limit (e.g. codec_limits::max_message_bytes)
  too_many_items,      ///< more samples, points, events or statuses than the limits allow
  missing_body,        ///< an envelope with neither a birth nor a batch
  invalid_source_id,   ///< a source id (or an event's producer) that breaks the point id rules
  missing_seq,         ///< an envelope sequence number of 0 (sources count from 1)
  invalid_point_name,  ///< a point name that is empty or breaks the point id rules
  duplicate_alias,     ///< two points of one birth with the same alias
  duplicate_point,     ///< two points of one birth with the same name
  alias_out_of_range,  ///< an alias the encoding cannot carry (firebus v1: above 2^32 - 1)
  unknown_point,       ///< a sample of a point its birth does not declare (encode)
  unknown_alias,       ///< a sample alias its birth does not declare (decode)
  unknown_birth,       ///< a batch with samples whose birth is not known (or another birth_id)
  column_mismatch,     ///< sample columns of different lengths (alias, dt_ms, value, quality)
  bad_exact_index,     ///< exact_index not strictly ascending, not below n, or not paired
  missing_kind,        ///< an event whose kind is unspecified (EVENT_KIND_UNSPECIFIED)
  enum_out_of_range,   ///< an enumeration or quality number beyond what firebus can hold
  time_out_of_range,   ///< a time beyond what firebus::utc_time holds (±9.2e15 ms)
  invalid_text,        ///< a text field (unit, alarm, detail, ...) that is not valid UTF-8
  // Sparkplug B (<firebus/telemetry/sparkplug.hpp>):
  invalid_topic,     ///< not a Sparkplug topic, or an id that is empty or has '/', '+' or '#'
  unknown_datatype,  ///< a Sparkplug datatype code outside 1..34 (or one a field cannot carry)
  value_mismatch,    ///< a value of another kind than its datatype, or outside its range
  nesting_too_deep,  ///< property sets nested deeper than the limits allow
  unknown_device,    ///< a device the Sparkplug edge node is not configured with
  // firebus v1, later additions:
  invalid_decimals,  ///< decimal values scaled beyond 10^15, or of a magnitude beyond 2^53
};

namespace detail {
class category_impl final : public std::error_category {
 public:
  const char* name() const noexcept override { return "firebus.telemetry"; }
  std::string message(int value) const override {
    switch (static_cast<errc>(value)) {
      case errc::malformed:
        return "malformed telemetry message";
      case errc::message_too_large:
        return "telemetry message above the size limit";
      case errc::too_many_items:
        return "more items than the limits allow";
      case errc::missing_body:
        return "envelope without a birth or a batch";
      case errc::invalid_source_id:
        return "invalid source id";
      case errc::missing_seq:
        return "sequence number 0 (sources count from 1)";
      case errc::invalid_point_name:
        return "invalid point name";
      case errc::duplicate_alias:
        return "alias declared twice in a birth";
      case errc::duplicate_point:
        return "point declared twice in a birth";
      case errc::alias_out_of_range:
        return "alias out of range";
      case errc::unknown_point:
        return "point not declared by the birth";
      case errc::unknown_alias:
        return "alias not declared by the birth";
      case errc::unknown_birth:
        return "batch of an unknown birth";
      case errc::column_mismatch:
        return "sample columns of different lengths";
      case errc::bad_exact_index:
        return "exact_index not ascending, out of range or unpaired";
      case errc::missing_kind:
        return "event without a kind";
      case errc::enum_out_of_range:
        return "enumeration value out of range";
      case errc::time_out_of_range:
        return "time out of range";
      case errc::invalid_text:
        return "text that is not valid UTF-8";
      case errc::invalid_topic:
        return "invalid Sparkplug topic";
      case errc::unknown_datatype:
        return "unknown Sparkplug datatype";
      case errc::value_mismatch:
        return "value does not match its datatype";
      case errc::nesting_too_deep:
        return "property sets nested too deeply";
      case errc::unknown_device:
        return "unknown Sparkplug device";
      case errc::invalid_decimals:
        return "decimal values beyond 15 decimals or 2^53";
    }
    return "unknown firebus.telemetry error " + std::to_string(value);
  }
};
}  // namespace detail

/// The category of firebus::telemetry::errc. One instance per process, even across shared
/// objects.
FIREBUS_CORE_VISIBLE inline const std::error_category& category() noexcept {
  static const detail::category_impl instance;
  return instance;
}

/// Makes `std::error_code ec = firebus::telemetry::errc::...` work.
inline std::error_code make_error_code(errc e) noexcept {
  return {static_cast<int>(e), category()};
}

}  // namespace telemetry
}  // namespace v1
}  // namespace firebus

namespace std {
template <>
struct is_error_code_enum<firebus::telemetry::errc> : true_type {};
}  // namespace std

#endif  // FIREBUS_TELEMETRY_ERROR_HPP
