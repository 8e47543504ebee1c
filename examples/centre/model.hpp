// firebus — fire-safety IoT SDK.
// firebus-centre: what the centre stores. A message from a UITD (inbound) becomes one frame row
// and one event row per information object (event_record); status objects also update their
// device and open or clear alarms (docs/centre.md, "Schema").
#ifndef FIREBUS_CENTRE_MODEL_HPP
#define FIREBUS_CENTRE_MODEL_HPP

#include <chrono>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <firebus/gb26875/codes.hpp>
#include <firebus/gb26875/frame.hpp>

namespace firebus_centre {

namespace gb = firebus::gb26875;
using json = nlohmann::ordered_json;

/// Microseconds since the Unix epoch (UTC): every *_us column.
using micros = std::int64_t;
/// Now, in micros.
micros now_us();
/// "2024-05-01T08:30:00.123456Z".
std::string iso_utc(micros t);

/// One message (command 1 or 2 with an ADU) to store, as the server gave it.
struct inbound {
  std::uint64_t connection = 0;  ///< the server's connection id
  std::uint64_t token = 0;       ///< for server::accept() / reject()
  std::string peer;              ///< "127.0.0.1:40312"
  micros received_us = 0;        ///< when the centre received it
  gb::header hdr;
  std::vector<std::uint8_t> adu;    ///< the ADU bytes
  std::vector<std::uint8_t> frame;  ///< the whole frame, for audit
  std::uint64_t adu_hash = 0;       ///< duplicate_hash() of the message (the duplicate key)
  std::chrono::steady_clock::time_point arrived;  ///< for the confirm latency
};

/// FNV-1a, 64 bits.
std::uint64_t fnv1a64(const std::uint8_t* p, std::size_t n) noexcept;

/// The duplicate key's hash of a message (docs/centre.md, "Duplicates"): FNV-1a 64 of its ADU,
/// and of its serial number too when an information object's time tag cannot tell two reports
/// apart (not a valid date, or in the year 2000: a clock that was never set). So identical bytes
/// are one report sent again, except from a device without a clock, where only the same serial
/// number makes a resend.
std::uint64_t duplicate_hash(const gb::header& h, const std::vector<std::uint8_t>& adu);

/// The kinds of alarms, by status bit (fire bit 1, fault bit 2, supervisory bit 4).
enum class alarm_kind : std::uint8_t { fire, fault, supervisory };
inline constexpr alarm_kind alarm_kinds[] = {alarm_kind::fire, alarm_kind::fault,
                                             alarm_kind::supervisory};
const char* to_string(alarm_kind k) noexcept;

/// One information object of a message, flattened for the events table. Optional fields are the
/// NULL columns of objects that do not have them.
struct event_record {
  int object_index = 0;
  int adu_type = 0;
  std::string kind;                   ///< "component_status", "component_analog", ...
  std::optional<std::string> level;   ///< the device it concerns: "uitd", "system", "component"
  std::optional<int> system_type;     ///< Table 4 code
  std::optional<int> system_address;  ///< the system's address
  std::optional<int> component_type;
  std::optional<std::int64_t> component_address;
  std::optional<std::string> type_name;     ///< component (or system) type, English
  std::optional<std::string> type_name_zh;  ///< the same in Chinese
  std::optional<int> status;                ///< status bits, or operation flags (types 4, 24)
  std::optional<std::string> status_names;  ///< "fire_alarm|fault"
  std::optional<int> operator_id;           ///< operation records
  std::optional<int> analog_type;
  std::optional<std::int64_t> value_raw;
  std::optional<double> value;  ///< scaled by the analog type's resolution
  std::optional<std::string> value_unit;
  std::optional<std::string> description;  ///< component description, configuration text, version
  std::optional<std::string> event_time;   ///< the object's time tag, ISO 8601 with its offset
  std::optional<std::int64_t> event_us;    ///< the same as UTC microseconds (valid tags only)
  /// Which alarm bits a status object has set (bit i: alarm_kinds[i]); status objects only.
  std::optional<unsigned> alarm_bits;
  /// An operation record (types 4, 24) with flag bit 2, manual alarm (手动报警): a person raised a
  /// fire alarm by hand (GB 26875.1: the UITD's manual alarm button reaches the centre within
  /// 10 s). Opens a fire alarm on the record's device; it is no status, so it clears nothing.
  bool manual_alarm = false;

  // Filled by the store.
  std::int64_t id = 0;
  /// A status older (by its time tag) than the one the device already has: stored as history,
  /// but it does not change the device's status or its alarms (a UITD may send a fire alarm
  /// ahead of an older, less urgent status: GB 26875.1's priority).
  bool superseded = false;
  std::vector<std::pair<alarm_kind, std::int64_t>> alarms_opened;   ///< kind, alarm id
  std::vector<std::pair<alarm_kind, std::int64_t>> alarms_cleared;  ///< kind, alarm id
};

/// How objects are read.
struct extract_options {
  std::chrono::minutes utc_offset{8 * 60};  ///< time zone of the time tags
  gb::bit0_policy bit0 = gb::bit0_policy::standard;
};

/// The alarm bits (bit i: alarm_kinds[i]) of a status word: fire bit 1; fault bit 2 or a power,
/// bus or line fault (system bits 8–10, component bit 8, UITD bits 3, 4, 6); supervisory bit 4
/// (the UITD status byte has no supervisory bit: its bit 4 is the backup power fault).
unsigned alarm_bits_of(unsigned status, bool uitd) noexcept;

/// The events of a message (one per object), in object order. The ADU was checked by the
/// session, so this does not fail.
std::vector<event_record> extract(const inbound& m, const extract_options& o);

/// The JSON of a stored event: for the MQTT republish, the --json output.
json event_json(const inbound& m, const event_record& e, const std::string& centre);

/// The UITD address as 12 hex digits ("00001234abcd").
std::string address_hex(std::uint64_t a);

}  // namespace firebus_centre

#endif  // FIREBUS_CENTRE_MODEL_HPP
