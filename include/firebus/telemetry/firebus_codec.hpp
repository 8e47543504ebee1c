// firebus — fire-safety IoT SDK.
/// @file
/// The firebus telemetry encoding, version 1: firebus::telemetry::envelope to and from the
/// protobuf message `firebus.v1.Envelope` (`protocols/firebus/v1/telemetry.proto`), and to and
/// from that message's canonical JSON. docs/telemetry.md describes the schema.
///
/// The code lives in the compiled library (target `firebus::firebus`); this header includes
/// neither protobuf nor the generated code.
///
/// **Aliases.** Samples are named by point id in C++ and by alias on the wire. Encoding a batch
/// with samples takes the alias_table of the birth the batch names (`batch::birth_id`);
/// decoding one takes a birth_registry (or the one alias_table) that has it. Births, and batches
/// of events and statuses only, need no aliases.
///
/// **Samples** travel as columns (alias, time delta, 32-bit float value, quality). A value that
/// a float does not represent exactly (21.7, 1e300, 2^53 - 1, a double subnormal) travels as a
/// double besides, so every double comes back bit for bit — NaN and ±infinity are floats and
/// cost nothing extra. Times travel in milliseconds (their to_unix_ms() floor). The quality
/// column is left out when every sample is good. Samples keep their order.
///
/// **Events.** An event whose `source_id` is the envelope's (or empty) travels without a
/// producer and comes back with the envelope's source id; `t` (monotonic) and `time` travel in
/// milliseconds.
///
/// **Validation.** Both directions check what a receiver relies on, so that an encoder never
/// produces what a decoder refuses: a source id that follows the point id rules; a sequence
/// number from 1; point names that are valid point ids; births without duplicate aliases or
/// names, and aliases below 2^32; samples of declared points; event kinds; the limits of
/// firebus::telemetry::codec_limits. The decoder also checks the columns (equal lengths, a
/// quality column of length 0 or n, exact_index strictly ascending and below n), times that stay
/// within firebus::utc_time when the deltas are added up, and enumeration numbers that fit
/// firebus's enums (numbers it does not know, from a newer sender, are kept as they are, as
/// proto3 does). It accepts arbitrary bytes: the result is an envelope or an error, never a
/// crash, and memory stays bounded by the limits: the elements of every repeated field are
/// counted from the bytes before protobuf's parser builds any of them.
///
/// **JSON** is the canonical proto3 JSON mapping of `firebus.v1.Envelope`, printed by
/// protobuf's own printer and parsed by its parser: field names in lowerCamelCase
/// (`sourceId`, `baseTimeMs`, `dtMs`), 64-bit integers as strings (`"seq": "2"`), enumerations
/// by name (`"EVENT_KIND_ALARM_ON"`), float NaN and infinities as `"NaN"`, `"Infinity"`,
/// `"-Infinity"`, one line without spaces. Fields that hold their default value (0, "", false,
/// an empty list, enumerator 0) are left out, as proto3 JSON printers do by default; `optional`
/// fields (`low`, `high`, an event's `timeMs`, `value`, `deltaS`) are printed whenever they are
/// set, even at 0. So `"historical": false` and `"alarmClass": "ALARM_CLASS_NONE"` never appear,
/// and a reader must take a missing field as its default. The parser accepts any input of the
/// mapping (names in lowerCamelCase or as in the .proto, 64-bit integers as strings or numbers,
/// enumerations by name or number) and refuses unknown fields.
///
/// @par Example
/// @code
/// #include <firebus/telemetry/firebus_codec.hpp>
/// namespace tel = firebus::telemetry;
///
/// // Sender: a birth, then batches that use its aliases.
/// tel::birth b;
/// b.birth_id = 1;
/// b.points = {{0, firebus::point_id("b1/rcm1/ir"), "mA", "residual_current"}};
/// tel::alias_table aliases(b);
/// std::vector<std::uint8_t> first = tel::encode_envelope({"gw-0001", 1, b});
/// tel::batch data;
/// data.birth_id = 1;
/// data.samples.push_back({firebus::point_id("b1/rcm1/ir"), now, 312.0});
/// std::vector<std::uint8_t> second = tel::encode_envelope({"gw-0001", 2, data}, aliases);
///
/// // Receiver: remember births, decode batches with them.
/// tel::birth_registry births;
/// std::error_code ec;
/// tel::envelope env = tel::decode_envelope(bytes, births, ec);
/// if (!ec) {
///   if (const auto* nb = std::get_if<tel::birth>(&env.body)) births.add(env.source_id, *nb, ec);
/// }
/// std::string json = tel::to_json(env, *births.find("gw-0001", 1));
/// @endcode
#ifndef FIREBUS_TELEMETRY_FIREBUS_CODEC_HPP
#define FIREBUS_TELEMETRY_FIREBUS_CODEC_HPP

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <system_error>
#include <utility>
#include <vector>

#include <firebus/core/bytes.hpp>
#include <firebus/core/config.hpp>
#include <firebus/core/error.hpp>
#include <firebus/export.hpp>
#include <firebus/telemetry/aliases.hpp>
#include <firebus/telemetry/error.hpp>
#include <firebus/telemetry/types.hpp>

namespace firebus {
inline namespace v1 {
namespace telemetry {

/// Bounds on one message, checked by the encoder and the decoder (errc::message_too_large,
/// errc::too_many_items). The defaults suit MQTT brokers (mosquitto's default maximum packet is
/// 256 MiB; AWS IoT's 128 KiB calls for much smaller batches, which is the sender's choice).
struct codec_limits {
  std::size_t max_message_bytes = std::size_t{16} << 20;  ///< encoded size (16 MiB)
  std::size_t max_json_bytes = std::size_t{64} << 20;     ///< JSON text size (64 MiB)
  std::size_t max_samples = 1'000'000;                    ///< samples in one batch
  std::size_t max_points = 100'000;                       ///< points in one birth
  std::size_t max_events = 100'000;                       ///< events in one batch
  std::size_t max_statuses = 100'000;                     ///< device statuses in one batch
};

/// What the uplink stamps into an encoded envelope when it sends it (stamp_envelope()).
struct envelope_stamp {
  std::uint64_t seq = 1;                              ///< the envelope's `seq`, ≥ 1
  telemetry::lane lane = telemetry::lane::telemetry;  ///< the envelope's `lane`
  bool historical = false;  ///< sets a batch's `historical` (a birth is left as it is)
};

namespace detail {
// The compiled entry points. `aliases` and `births` may be null; `why`, if not null, receives
// what was wrong and where ("batch: sample 3: ...").
FIREBUS_API std::vector<std::uint8_t> encode_envelope(const envelope& env,
                                                      const alias_table* aliases,
                                                      const codec_limits& limits,
                                                      std::error_code& ec, std::string* why);
FIREBUS_API envelope decode_envelope(byte_view bytes, const birth_registry* births,
                                     const alias_table* aliases, const codec_limits& limits,
                                     std::error_code& ec, std::string* why);
FIREBUS_API std::string to_json(const envelope& env, const alias_table* aliases,
                                const codec_limits& limits, std::error_code& ec, std::string* why);
FIREBUS_API envelope envelope_from_json(std::string_view json, const birth_registry* births,
                                        const alias_table* aliases, const codec_limits& limits,
                                        std::error_code& ec, std::string* why);
FIREBUS_API std::vector<std::uint8_t> stamp_envelope(byte_view bytes, const envelope_stamp& s,
                                                     const codec_limits& limits,
                                                     std::error_code& ec, std::string* why);
FIREBUS_API std::string wire_to_json(byte_view bytes, const codec_limits& limits,
                                     std::error_code& ec, std::string* why);
FIREBUS_API std::vector<std::uint8_t> json_to_wire(std::string_view json,
                                                   const codec_limits& limits, std::error_code& ec,
                                                   std::string* why);

#if FIREBUS_HAS_EXCEPTIONS
template <class T>
T value_or_throw(T&& value, const std::error_code& ec, const std::string& why, const char* what) {
  if (ec) firebus::detail::throw_error(ec, std::string(what) + ": " + why);
  return std::forward<T>(value);
}
#endif
}  // namespace detail

// --- binary ---------------------------------------------------------------------------------

/// Encodes `env` as a `firebus.v1.Envelope`, the samples of a batch with the aliases of
/// `aliases` (whose birth_id must be the batch's: errc::unknown_birth otherwise). Errors:
/// invalid_source_id, missing_seq, invalid_point_name, duplicate_alias, duplicate_point,
/// alias_out_of_range, unknown_point, too_many_items, message_too_large. `why`, if given,
/// receives where and what. On error the result is empty.
inline std::vector<std::uint8_t> encode_envelope(const envelope& env, const alias_table& aliases,
                                                 std::error_code& ec,
                                                 const codec_limits& limits = {},
                                                 std::string* why = nullptr) {
  return detail::encode_envelope(env, &aliases, limits, ec, why);
}

/// Encodes a birth, or a batch without samples (a batch with samples fails with
/// errc::unknown_birth: it needs the aliases).
inline std::vector<std::uint8_t> encode_envelope(const envelope& env, std::error_code& ec,
                                                 const codec_limits& limits = {},
                                                 std::string* why = nullptr) {
  return detail::encode_envelope(env, nullptr, limits, ec, why);
}

/// Decodes a `firebus.v1.Envelope`, finding the aliases of a batch's samples in `births` by
/// the envelope's source id and the batch's birth_id (errc::unknown_birth if they are not
/// there). A decoded birth is not added to `births`: that is the caller's decision. Errors:
/// every code of firebus::telemetry::errc but unknown_point. On error the result is an empty
/// envelope.
inline envelope decode_envelope(byte_view bytes, const birth_registry& births, std::error_code& ec,
                                const codec_limits& limits = {}, std::string* why = nullptr) {
  return detail::decode_envelope(bytes, &births, nullptr, limits, ec, why);
}

/// Decodes with the aliases of one birth (a batch naming another birth_id fails with
/// errc::unknown_birth; the source id is not compared).
inline envelope decode_envelope(byte_view bytes, const alias_table& aliases, std::error_code& ec,
                                const codec_limits& limits = {}, std::string* why = nullptr) {
  return detail::decode_envelope(bytes, nullptr, &aliases, limits, ec, why);
}

/// Decodes without aliases: births, and batches without samples.
inline envelope decode_envelope(byte_view bytes, std::error_code& ec,
                                const codec_limits& limits = {}, std::string* why = nullptr) {
  return detail::decode_envelope(bytes, nullptr, nullptr, limits, ec, why);
}

/// Re-stamps an encoded envelope: sets its `seq` and `lane`, and, with `s.historical`, its
/// batch's `historical` (never clears it); everything else is kept. The store-and-forward
/// uplink numbers messages when it sends them, from its journal. The input is checked as
/// decode_envelope() checks it (aliases aside); errors as decode_envelope(), and
/// errc::missing_seq for `s.seq` 0. On error the result is empty.
inline std::vector<std::uint8_t> stamp_envelope(byte_view bytes, const envelope_stamp& s,
                                                std::error_code& ec,
                                                const codec_limits& limits = {},
                                                std::string* why = nullptr) {
  return detail::stamp_envelope(bytes, s, limits, ec, why);
}

// --- JSON -----------------------------------------------------------------------------------

/// The canonical JSON of the message encode_envelope() makes (see the file comment), on one
/// line. Errors as encode_envelope().
inline std::string to_json(const envelope& env, const alias_table& aliases, std::error_code& ec,
                           const codec_limits& limits = {}, std::string* why = nullptr) {
  return detail::to_json(env, &aliases, limits, ec, why);
}
/// to_json() of a birth, or of a batch without samples.
inline std::string to_json(const envelope& env, std::error_code& ec,
                           const codec_limits& limits = {}, std::string* why = nullptr) {
  return detail::to_json(env, nullptr, limits, ec, why);
}

/// Parses the JSON mapping of a `firebus.v1.Envelope` and decodes it as decode_envelope()
/// does. JSON syntax errors and unknown fields fail with errc::malformed, text above
/// codec_limits::max_json_bytes with errc::message_too_large.
inline envelope envelope_from_json(std::string_view json, const birth_registry& births,
                                   std::error_code& ec, const codec_limits& limits = {},
                                   std::string* why = nullptr) {
  return detail::envelope_from_json(json, &births, nullptr, limits, ec, why);
}
/// envelope_from_json() with the aliases of one birth.
inline envelope envelope_from_json(std::string_view json, const alias_table& aliases,
                                   std::error_code& ec, const codec_limits& limits = {},
                                   std::string* why = nullptr) {
  return detail::envelope_from_json(json, nullptr, &aliases, limits, ec, why);
}
/// envelope_from_json() without aliases: births, and batches without samples.
inline envelope envelope_from_json(std::string_view json, std::error_code& ec,
                                   const codec_limits& limits = {}, std::string* why = nullptr) {
  return detail::envelope_from_json(json, nullptr, nullptr, limits, ec, why);
}

/// Converts encoded bytes to their canonical JSON without resolving aliases (for logs, tools
/// and tests: no birth is needed). The message is checked as decode_envelope() checks it, but
/// for aliases.
inline std::string wire_to_json(byte_view bytes, std::error_code& ec,
                                const codec_limits& limits = {}, std::string* why = nullptr) {
  return detail::wire_to_json(bytes, limits, ec, why);
}
/// Converts canonical JSON to encoded bytes without resolving aliases; checked as
/// wire_to_json().
inline std::vector<std::uint8_t> json_to_wire(std::string_view json, std::error_code& ec,
                                              const codec_limits& limits = {},
                                              std::string* why = nullptr) {
  return detail::json_to_wire(json, limits, ec, why);
}

#if FIREBUS_HAS_EXCEPTIONS
// --- throwing overloads: firebus::system_error, what() = "<function>: <where and what>" ------

/// Throwing overload of encode_envelope().
inline std::vector<std::uint8_t> encode_envelope(const envelope& env, const alias_table& aliases,
                                                 const codec_limits& limits = {}) {
  std::error_code ec;
  std::string why;
  auto out = detail::encode_envelope(env, &aliases, limits, ec, &why);
  return detail::value_or_throw(std::move(out), ec, why, "telemetry encode");
}
/// Throwing overload of encode_envelope() without aliases.
inline std::vector<std::uint8_t> encode_envelope(const envelope& env,
                                                 const codec_limits& limits = {}) {
  std::error_code ec;
  std::string why;
  auto out = detail::encode_envelope(env, nullptr, limits, ec, &why);
  return detail::value_or_throw(std::move(out), ec, why, "telemetry encode");
}
/// Throwing overload of decode_envelope() with a birth registry.
inline envelope decode_envelope(byte_view bytes, const birth_registry& births,
                                const codec_limits& limits = {}) {
  std::error_code ec;
  std::string why;
  auto out = detail::decode_envelope(bytes, &births, nullptr, limits, ec, &why);
  return detail::value_or_throw(std::move(out), ec, why, "telemetry decode");
}
/// Throwing overload of decode_envelope() with one alias table.
inline envelope decode_envelope(byte_view bytes, const alias_table& aliases,
                                const codec_limits& limits = {}) {
  std::error_code ec;
  std::string why;
  auto out = detail::decode_envelope(bytes, nullptr, &aliases, limits, ec, &why);
  return detail::value_or_throw(std::move(out), ec, why, "telemetry decode");
}
/// Throwing overload of decode_envelope() without aliases.
inline envelope decode_envelope(byte_view bytes, const codec_limits& limits = {}) {
  std::error_code ec;
  std::string why;
  auto out = detail::decode_envelope(bytes, nullptr, nullptr, limits, ec, &why);
  return detail::value_or_throw(std::move(out), ec, why, "telemetry decode");
}
/// Throwing overload of to_json().
inline std::string to_json(const envelope& env, const alias_table& aliases,
                           const codec_limits& limits = {}) {
  std::error_code ec;
  std::string why;
  auto out = detail::to_json(env, &aliases, limits, ec, &why);
  return detail::value_or_throw(std::move(out), ec, why, "telemetry to_json");
}
/// Throwing overload of to_json() without aliases.
inline std::string to_json(const envelope& env, const codec_limits& limits = {}) {
  std::error_code ec;
  std::string why;
  auto out = detail::to_json(env, nullptr, limits, ec, &why);
  return detail::value_or_throw(std::move(out), ec, why, "telemetry to_json");
}
/// Throwing overload of envelope_from_json() with a birth registry.
inline envelope envelope_from_json(std::string_view json, const birth_registry& births,
                                   const codec_limits& limits = {}) {
  std::error_code ec;
  std::string why;
  auto out = detail::envelope_from_json(json, &births, nullptr, limits, ec, &why);
  return detail::value_or_throw(std::move(out), ec, why, "telemetry from_json");
}
/// Throwing overload of envelope_from_json() with one alias table.
inline envelope envelope_from_json(std::string_view json, const alias_table& aliases,
                                   const codec_limits& limits = {}) {
  std::error_code ec;
  std::string why;
  auto out = detail::envelope_from_json(json, nullptr, &aliases, limits, ec, &why);
  return detail::value_or_throw(std::move(out), ec, why, "telemetry from_json");
}
/// Throwing overload of envelope_from_json() without aliases.
inline envelope envelope_from_json(std::string_view json, const codec_limits& limits = {}) {
  std::error_code ec;
  std::string why;
  auto out = detail::envelope_from_json(json, nullptr, nullptr, limits, ec, &why);
  return detail::value_or_throw(std::move(out), ec, why, "telemetry from_json");
}
/// Throwing overload of wire_to_json().
inline std::vector<std::uint8_t> stamp_envelope(byte_view bytes, const envelope_stamp& s,
                                                const codec_limits& limits = {}) {
  std::error_code ec;
  std::string why;
  auto v = detail::stamp_envelope(bytes, s, limits, ec, &why);
  return detail::value_or_throw(std::move(v), ec, why, "stamp_envelope");
}
inline std::string wire_to_json(byte_view bytes, const codec_limits& limits = {}) {
  std::error_code ec;
  std::string why;
  auto out = detail::wire_to_json(bytes, limits, ec, &why);
  return detail::value_or_throw(std::move(out), ec, why, "telemetry wire_to_json");
}
/// Throwing overload of json_to_wire().
inline std::vector<std::uint8_t> json_to_wire(std::string_view json,
                                              const codec_limits& limits = {}) {
  std::error_code ec;
  std::string why;
  auto out = detail::json_to_wire(json, limits, ec, &why);
  return detail::value_or_throw(std::move(out), ec, why, "telemetry json_to_wire");
}
#endif

}  // namespace telemetry
}  // namespace v1
}  // namespace firebus

#endif  // FIREBUS_TELEMETRY_FIREBUS_CODEC_HPP
