// firebus — fire-safety IoT SDK.
/// @file
/// Sparkplug B (Eclipse Sparkplug 3.0): the payload as plain C++ values, its encoding and
/// decoding, and the topic namespace. The edge node's state machine (births, bdSeq, seq,
/// aliases, rebirth) is firebus::telemetry::sparkplug::edge_node in
/// `<firebus/telemetry/sparkplug_node.hpp>`; docs/telemetry.md, "Sparkplug B", explains both.
///
/// The payload is Protocol Buffers, schema `protocols/sparkplug_b/sparkplug_b.proto`
/// (wire-compatible with Eclipse Tahu's `sparkplug_b.proto`). The code lives in the compiled
/// library (target `firebus::firebus`); this header includes neither protobuf nor the generated
/// code.
///
/// **Values.** A metric's value is a firebus::telemetry::sparkplug::metric_value: nothing, a
/// bool, a signed or unsigned 64-bit integer, a float, a double, a string or bytes. The
/// datatype decides how it travels (Sparkplug 3.0 §6.4.16): Int8, Int16, Int32, UInt8, UInt16
/// and UInt32 in `int_value` (uint32), Int64, UInt64 and DateTime in `long_value` (uint64),
/// signed integers as two's complement (an Int8 of -1 is `int_value` 0xFFFFFFFF, as Tahu's C and
/// Java encoders and the JavaScript `sparkplug-payload` write it); Float and Double in their
/// fields; String, Text and UUID in `string_value`; Bytes, File and the array types (22–34,
/// packed little-endian as the specification lays out) in `bytes_value`; DataSet and Template
/// values are kept as the bytes of their encoded submessage (`dataset_value`, `template_value`)
/// and travel unchanged. The encoder accepts any integer alternative whose value fits the
/// datatype, and a double for a Float (rounded to float); the decoder gives signed integers
/// as `std::int64_t`, unsigned ones and DateTime as `std::uint64_t`, Float as `float`, and so on
/// (value_kind()). It accepts UInt32 in `long_value` too (Tahu's Java and the JavaScript
/// library write it there) and narrow signed integers sign-extended to 32 or 64 bits or not.
///
/// **Metrics without a datatype.** DATA and CMD messages carry aliases only and should not
/// repeat the datatype (§6.4.2): their values decode in their wire form (`int_value` and
/// `long_value` as `std::uint64_t`, the rest as above). resolve_datatype() turns such a value
/// into the datatype the birth declared (`int_value` 0xFFFFFFFF of an Int16 becomes -1).
/// encode_without_datatypes() writes what an edge node sends: each value in its datatype's
/// field, the datatype left out. A metric given without datatype is encoded by the kind of its
/// value (integers in `long_value`, two's complement).
///
/// **Decoding** accepts arbitrary bytes and returns a payload or an error, never crashes, and
/// allocates within the bounds of firebus::telemetry::sparkplug::limits: the message is walked
/// once (tags, wire types, lengths, nesting, counts) before protobuf parses it. It refuses:
/// bytes that are not a Sparkplug payload (errc::malformed), a message above the size limit
/// (errc::message_too_large), more metrics or properties than the limits (errc::too_many_items),
/// property sets nested deeper than the limit (errc::nesting_too_deep), a datatype code above 34
/// or one a field cannot carry (errc::unknown_datatype: PropertySet as a metric's datatype,
/// Bytes as a property's), a value in another field than its datatype's or outside its range,
/// or a `seq` above 255 (errc::value_mismatch), and text that is not UTF-8 (errc::invalid_text).
/// Metric metadata (`MetaData`) and value extensions are not read. The encoder checks the same
/// rules, so what it makes always decodes.
///
/// @par Example
/// @code
/// namespace spb = firebus::telemetry::sparkplug;
/// spb::payload p;
/// p.timestamp = 1'764'471'321'000;
/// p.seq = 1;
/// spb::metric m;
/// m.alias = 3;
/// m.timestamp = 1'764'471'321'000;
/// m.datatype = spb::data_type::float_;
/// m.value = 312.5f;
/// p.metrics.push_back(m);
/// std::vector<std::uint8_t> wire = spb::encode(p);                 // throws on a bad payload
/// std::error_code ec;
/// spb::payload back = spb::decode_payload(wire.data(), wire.size(), ec);
/// spb::topic t = spb::parse_topic("spBv1.0/fire/DDATA/gw-0001/panel1", ec);
/// std::string s = spb::to_string(t);                               // the same string
/// @endcode
#ifndef FIREBUS_TELEMETRY_SPARKPLUG_HPP
#define FIREBUS_TELEMETRY_SPARKPLUG_HPP

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <system_error>
#include <utility>
#include <variant>
#include <vector>

#include <firebus/core/bytes.hpp>
#include <firebus/core/config.hpp>
#include <firebus/core/detail/names.hpp>
#include <firebus/core/error.hpp>
#include <firebus/export.hpp>
#include <firebus/telemetry/error.hpp>

namespace firebus {
inline namespace v1 {
namespace telemetry {
namespace sparkplug {

// --- datatypes -------------------------------------------------------------------------------

/// A Sparkplug datatype code (Sparkplug 3.0 §6.4.16; Tahu's `enum DataType`). Enumerators are
/// the specification's names in snake case, with a trailing underscore where the name is a C++
/// keyword; to_string() gives the specification's own spelling ("Float", "DateTime").
enum class data_type : std::uint32_t {
  unknown = 0,  ///< no datatype (not sent): DATA and CMD metrics, or not yet known
  int8 = 1,
  int16 = 2,
  int32 = 3,
  int64 = 4,
  uint8 = 5,
  uint16 = 6,
  uint32 = 7,
  uint64 = 8,
  float_ = 9,
  double_ = 10,
  boolean = 11,
  string = 12,
  datetime = 13,  ///< ms since 1970-01-01T00:00:00Z, unsigned
  text = 14,
  uuid = 15,
  dataset = 16,
  bytes = 17,
  file = 18,
  template_ = 19,
  property_set = 20,       ///< property values only
  property_set_list = 21,  ///< property values only
  int8_array = 22,
  int16_array = 23,
  int32_array = 24,
  int64_array = 25,
  uint8_array = 26,
  uint16_array = 27,
  uint32_array = 28,
  uint64_array = 29,
  float_array = 30,
  double_array = 31,
  boolean_array = 32,
  string_array = 33,
  datetime_array = 34,
};

namespace detail {
inline constexpr firebus::detail::named<data_type> data_type_names[] = {
    {data_type::unknown, "Unknown"},
    {data_type::int8, "Int8"},
    {data_type::int16, "Int16"},
    {data_type::int32, "Int32"},
    {data_type::int64, "Int64"},
    {data_type::uint8, "UInt8"},
    {data_type::uint16, "UInt16"},
    {data_type::uint32, "UInt32"},
    {data_type::uint64, "UInt64"},
    {data_type::float_, "Float"},
    {data_type::double_, "Double"},
    {data_type::boolean, "Boolean"},
    {data_type::string, "String"},
    {data_type::datetime, "DateTime"},
    {data_type::text, "Text"},
    {data_type::uuid, "UUID"},
    {data_type::dataset, "DataSet"},
    {data_type::bytes, "Bytes"},
    {data_type::file, "File"},
    {data_type::template_, "Template"},
    {data_type::property_set, "PropertySet"},
    {data_type::property_set_list, "PropertySetList"},
    {data_type::int8_array, "Int8Array"},
    {data_type::int16_array, "Int16Array"},
    {data_type::int32_array, "Int32Array"},
    {data_type::int64_array, "Int64Array"},
    {data_type::uint8_array, "UInt8Array"},
    {data_type::uint16_array, "UInt16Array"},
    {data_type::uint32_array, "UInt32Array"},
    {data_type::uint64_array, "UInt64Array"},
    {data_type::float_array, "FloatArray"},
    {data_type::double_array, "DoubleArray"},
    {data_type::boolean_array, "BooleanArray"},
    {data_type::string_array, "StringArray"},
    {data_type::datetime_array, "DateTimeArray"},
};
}  // namespace detail

/// The specification's name of a datatype ("Int8", "Float", "DateTimeArray"); an empty view for
/// a code above 34.
constexpr std::string_view to_string(data_type t) noexcept {
  return firebus::detail::name_of(detail::data_type_names, t);
}

/// The datatype called `name` (the specification's spelling, case-sensitive);
/// firebus::errc::unknown_name (and data_type::unknown) for any other string.
inline data_type data_type_from_string(std::string_view name, std::error_code& ec) noexcept {
  return firebus::detail::value_of(detail::data_type_names, name, data_type::unknown, ec);
}

#if FIREBUS_HAS_EXCEPTIONS
/// Throwing overload of data_type_from_string().
inline data_type data_type_from_string(std::string_view name) {
  return firebus::detail::value_or_throw(detail::data_type_names, name, "Sparkplug datatype");
}
#endif

/// True for the codes 1..34.
constexpr bool is_known(data_type t) noexcept {
  const auto v = static_cast<std::uint32_t>(t);
  return v >= 1 && v <= 34;
}

/// True for the array types (22..34), which travel packed in `bytes_value`.
constexpr bool is_array(data_type t) noexcept {
  const auto v = static_cast<std::uint32_t>(t);
  return v >= 22 && v <= 34;
}

// --- values ----------------------------------------------------------------------------------

/// Bytes: a Bytes or File value, an array's packed bytes, an encoded DataSet or Template.
using bytes = std::vector<std::uint8_t>;

/// A metric's (or property's) value. std::monostate: no value (null, or not sent).
using metric_value = std::variant<std::monostate, bool, std::int64_t, std::uint64_t, float, double,
                                  std::string, bytes>;

/// The alternative of metric_value that the decoder gives for a datatype, as its index:
/// 1 bool (Boolean), 2 std::int64_t (Int8..Int64), 3 std::uint64_t (UInt8..UInt64, DateTime),
/// 4 float (Float), 5 double (Double), 6 std::string (String, Text, UUID), 7 bytes (Bytes,
/// File, DataSet, Template, arrays); 0 for unknown and the property set types.
constexpr std::size_t value_kind(data_type t) noexcept {
  switch (t) {
    case data_type::boolean:
      return 1;
    case data_type::int8:
    case data_type::int16:
    case data_type::int32:
    case data_type::int64:
      return 2;
    case data_type::uint8:
    case data_type::uint16:
    case data_type::uint32:
    case data_type::uint64:
    case data_type::datetime:
      return 3;
    case data_type::float_:
      return 4;
    case data_type::double_:
      return 5;
    case data_type::string:
    case data_type::text:
    case data_type::uuid:
      return 6;
    case data_type::unknown:
    case data_type::property_set:
    case data_type::property_set_list:
      return 0;
    default:
      return is_known(t) ? 7 : 0;
  }
}

namespace detail {
inline bool same_value(const metric_value& a, const metric_value& b) noexcept {
  if (a.index() != b.index()) return false;
  if (const auto* fa = std::get_if<float>(&a)) {
    const float fb = std::get<float>(b);
    return *fa == fb || (*fa != *fa && fb != fb);
  }
  if (const auto* da = std::get_if<double>(&a)) {
    const double db = std::get<double>(b);
    return *da == db || (*da != *da && db != db);
  }
  return a == b;
}
}  // namespace detail

struct property_set;

/// The value of one property (Sparkplug `PropertyValue`).
struct property_value {
  data_type type = data_type::unknown;  ///< every property value names its type
  bool is_null = false;                 ///< explicitly null (no value is sent)
  metric_value value{};                 ///< scalar types: the value
  /// PropertySet: exactly one set; PropertySetList: the list (possibly empty).
  std::vector<property_set> sets{};
};

/// One property: a key and its value.
struct property {
  std::string key{};
  property_value value{};
};

/// A set of properties (Sparkplug `PropertySet`: keys and values), in order.
struct property_set {
  std::vector<property> items{};

  bool empty() const noexcept { return items.empty(); }
  std::size_t size() const noexcept { return items.size(); }
  /// The value of the first property called `key`, or nullptr.
  const property_value* find(std::string_view key) const noexcept {
    for (const property& p : items) {
      if (p.key == key) return &p.value;
    }
    return nullptr;
  }
};

/// Field-wise equality (NaN equal to NaN, so a decoded value equals the one encoded).
inline bool operator==(const property_value& a, const property_value& b) noexcept;
inline bool operator!=(const property_value& a, const property_value& b) noexcept {
  return !(a == b);
}
inline bool operator==(const property& a, const property& b) noexcept {
  return a.key == b.key && a.value == b.value;
}
inline bool operator!=(const property& a, const property& b) noexcept { return !(a == b); }
inline bool operator==(const property_set& a, const property_set& b) noexcept {
  return a.items == b.items;
}
inline bool operator!=(const property_set& a, const property_set& b) noexcept { return !(a == b); }

inline bool operator==(const property_value& a, const property_value& b) noexcept {
  return a.type == b.type && a.is_null == b.is_null && detail::same_value(a.value, b.value) &&
         a.sets == b.sets;
}

/// A typed property value: `{data_type::string, false, std::string("mA")}`.
inline property_value make_property(data_type type, metric_value value) {
  property_value v;
  v.type = type;
  v.value = std::move(value);
  return v;
}

/// One metric (Sparkplug `Metric`).
struct metric {
  std::string name{};                        ///< births carry it; empty: not sent
  std::optional<std::uint64_t> alias{};      ///< unique across the edge node and its devices
  std::optional<std::uint64_t> timestamp{};  ///< ms since 1970 (UTC)
  data_type datatype = data_type::unknown;   ///< unknown: not sent (DATA, CMD)
  bool is_historical = false;                ///< produced earlier, not a live value
  bool is_transient = false;                 ///< not to be stored by the host
  bool is_null = false;                      ///< explicitly null (no value is sent)
  property_set properties{};                 ///< empty: not sent
  metric_value value{};                      ///< std::monostate: no value

  friend bool operator==(const metric& a, const metric& b) noexcept {
    return a.name == b.name && a.alias == b.alias && a.timestamp == b.timestamp &&
           a.datatype == b.datatype && a.is_historical == b.is_historical &&
           a.is_transient == b.is_transient && a.is_null == b.is_null &&
           a.properties == b.properties && detail::same_value(a.value, b.value);
  }
  friend bool operator!=(const metric& a, const metric& b) noexcept { return !(a == b); }
};

/// One Sparkplug B payload.
struct payload {
  std::optional<std::uint64_t> timestamp{};  ///< ms since 1970 (UTC): when it was made
  std::vector<metric> metrics{};
  std::optional<std::uint64_t> seq{};  ///< 0..255; absent in NDEATH
  std::optional<std::string> uuid{};
  std::optional<bytes> body{};

  friend bool operator==(const payload& a, const payload& b) noexcept {
    return a.timestamp == b.timestamp && a.metrics == b.metrics && a.seq == b.seq &&
           a.uuid == b.uuid && a.body == b.body;
  }
  friend bool operator!=(const payload& a, const payload& b) noexcept { return !(a == b); }
};

/// Bounds on one payload, checked by the encoder and the decoder.
struct limits {
  std::size_t max_payload_bytes = std::size_t{16} << 20;  ///< encoded size (16 MiB)
  std::size_t max_metrics = 100'000;                      ///< metrics in one payload
  std::size_t max_properties = 100'000;  ///< property values in one payload, at every level
  std::size_t max_depth = 8;             ///< property sets nested in property values
};

// --- encoding and decoding -------------------------------------------------------------------

namespace detail {
// The compiled entry points; `why`, if not null, receives where and what.
FIREBUS_API bytes encode(const payload& p, const limits& lim, bool omit_datatypes,
                         std::error_code& ec, std::string* why);
FIREBUS_API payload decode(const std::uint8_t* data, std::size_t size, const limits& lim,
                           std::error_code& ec, std::string* why);
FIREBUS_API metric_value resolve(const metric_value& raw, data_type t, std::error_code& ec);
FIREBUS_API metric_value convert(const metric_value& v, data_type t, std::error_code& ec,
                                 std::string* why);
}  // namespace detail

/// Encodes `p`. Errors (the result is then empty): unknown_datatype, value_mismatch,
/// invalid_text, too_many_items, nesting_too_deep, message_too_large; `why`, if given,
/// receives where and what ("metrics[3] (\"Temp\"): Int8 value 300 out of range").
inline bytes encode(const payload& p, std::error_code& ec, const limits& lim = {},
                    std::string* why = nullptr) {
  return detail::encode(p, lim, false, ec, why);
}

/// Encodes `p` as DATA and CMD messages carry their metrics (Sparkplug 3.0 §6.4.2: the datatype
/// is not repeated after the birth): each value goes in the field of its metric's datatype, as
/// encode() puts it, but the datatype itself is not sent. Errors as encode().
inline bytes encode_without_datatypes(const payload& p, std::error_code& ec, const limits& lim = {},
                                      std::string* why = nullptr) {
  return detail::encode(p, lim, true, ec, why);
}

/// Decodes a payload; on error the result is empty (see the file comment for the errors).
inline payload decode_payload(const std::uint8_t* data, std::size_t size, std::error_code& ec,
                              const limits& lim = {}, std::string* why = nullptr) {
  return detail::decode(data, size, lim, ec, why);
}
/// decode_payload() of a byte view.
inline payload decode_payload(byte_view data, std::error_code& ec, const limits& lim = {},
                              std::string* why = nullptr) {
  return detail::decode(data.data(), data.size(), lim, ec, why);
}

/// The value a metric decoded without datatype (`raw`: DATA and CMD messages carry aliases
/// only) has under datatype `t`, as the decoder would have given it: an `int_value` of
/// 0xFFFFFFFF is -1 as an Int8, Int16 or Int32, 4294967295 as a UInt32, and refused
/// (errc::value_mismatch) as a UInt8. Integers are taken as wire values (a non-negative
/// `std::int64_t` as its `std::uint64_t`); other values must already be of `t`'s kind (a float
/// for a Float, ...) and are returned. std::monostate stays std::monostate.
inline metric_value resolve_datatype(const metric_value& raw, data_type t, std::error_code& ec) {
  return detail::resolve(raw, t, ec);
}
/// `v` as encode() converts it for datatype `t`, in the alternative the decoder gives
/// (value_kind()): an integer of either signedness that fits, a double for a Float (within a
/// float's range), a float for a Double; errc::value_mismatch (and std::monostate) otherwise,
/// `why` saying why. Use it to compare a value with a decoded one, or to check it early.
inline metric_value convert_value(const metric_value& v, data_type t, std::error_code& ec,
                                  std::string* why = nullptr) {
  return detail::convert(v, t, ec, why);
}

/// Gives `m` the datatype `t` and resolves its value (see above); false and `ec` if it does not
/// fit (the metric is then unchanged).
inline bool resolve_datatype(metric& m, data_type t, std::error_code& ec) {
  metric_value v = detail::resolve(m.value, t, ec);
  if (ec) return false;
  m.datatype = t;
  m.value = std::move(v);
  return true;
}

#if FIREBUS_HAS_EXCEPTIONS
/// Throwing overload of encode(): firebus::system_error, what() = "sparkplug encode: <why>".
inline bytes encode(const payload& p, const limits& lim = {}) {
  std::error_code ec;
  std::string why;
  bytes out = detail::encode(p, lim, false, ec, &why);
  if (ec) firebus::detail::throw_error(ec, "sparkplug encode: " + why);
  return out;
}
/// Throwing overload of decode_payload().
inline payload decode_payload(const std::uint8_t* data, std::size_t size, const limits& lim = {}) {
  std::error_code ec;
  std::string why;
  payload out = detail::decode(data, size, lim, ec, &why);
  if (ec) firebus::detail::throw_error(ec, "sparkplug decode: " + why);
  return out;
}
/// Throwing overload of decode_payload() of a byte view.
inline payload decode_payload(byte_view data, const limits& lim = {}) {
  return decode_payload(data.data(), data.size(), lim);
}
/// Throwing overload of resolve_datatype().
inline metric_value resolve_datatype(const metric_value& raw, data_type t) {
  std::error_code ec;
  metric_value v = detail::resolve(raw, t, ec);
  if (ec) {
    firebus::detail::throw_error(
        ec, "sparkplug: value does not fit datatype " + std::string(to_string(t)));
  }
  return v;
}
#endif

// --- topics ----------------------------------------------------------------------------------

/// The message types of the Sparkplug topic namespace (§6.1.3).
enum class message_type : std::uint8_t {
  nbirth,
  ndeath,
  ndata,
  ncmd,
  dbirth,
  ddeath,
  ddata,
  dcmd,
  state,  ///< a host application's state: `spBv1.0/STATE/<host_id>`
};

namespace detail {
inline constexpr firebus::detail::named<message_type> message_type_names[] = {
    {message_type::nbirth, "NBIRTH"}, {message_type::ndeath, "NDEATH"},
    {message_type::ndata, "NDATA"},   {message_type::ncmd, "NCMD"},
    {message_type::dbirth, "DBIRTH"}, {message_type::ddeath, "DDEATH"},
    {message_type::ddata, "DDATA"},   {message_type::dcmd, "DCMD"},
    {message_type::state, "STATE"},
};
}  // namespace detail

/// "NBIRTH", "DDATA", "STATE", ...; an empty view for a value outside the enumeration.
constexpr std::string_view to_string(message_type t) noexcept {
  return firebus::detail::name_of(detail::message_type_names, t);
}

/// True for the device message types (DBIRTH, DDEATH, DDATA, DCMD).
constexpr bool is_device_message(message_type t) noexcept {
  return t == message_type::dbirth || t == message_type::ddeath || t == message_type::ddata ||
         t == message_type::dcmd;
}

/// The namespace of every Sparkplug B topic.
inline constexpr std::string_view topic_namespace = "spBv1.0";

/// A Sparkplug topic: `spBv1.0/<group>/<type>/<edge>[/<device>]`, or `spBv1.0/STATE/<host_id>`.
struct topic {
  std::string group{};                      ///< group id (not for STATE)
  message_type type = message_type::ndata;  ///< the message type
  std::string edge{};                       ///< edge node id (not for STATE)
  std::string device{};                     ///< device id: D* types only
  std::string host_id{};                    ///< host application id: STATE only

  friend bool operator==(const topic& a, const topic& b) noexcept {
    return a.group == b.group && a.type == b.type && a.edge == b.edge && a.device == b.device &&
           a.host_id == b.host_id;
  }
  friend bool operator!=(const topic& a, const topic& b) noexcept { return !(a == b); }
};

/// True if `id` may be a group, edge node, device or host id: not empty, valid UTF-8, and no
/// '/', '+', '#' or NUL (MQTT topic level rules; Sparkplug 3.0 §6.1.3).
inline bool is_valid_id(std::string_view id) noexcept {
  if (id.empty()) return false;
  std::size_t i = 0;
  while (i < id.size()) {
    const auto c = static_cast<unsigned char>(id[i]);
    if (c < 0x80) {
      if (c == 0 || c == '/' || c == '+' || c == '#') return false;
      ++i;
      continue;
    }
    std::size_t n = 0;
    unsigned char lo = 0x80;
    unsigned char hi = 0xBF;
    if (c >= 0xC2 && c <= 0xDF) {
      n = 2;
    } else if (c >= 0xE0 && c <= 0xEF) {
      n = 3;
      if (c == 0xE0) lo = 0xA0;
      if (c == 0xED) hi = 0x9F;
    } else if (c >= 0xF0 && c <= 0xF4) {
      n = 4;
      if (c == 0xF0) lo = 0x90;
      if (c == 0xF4) hi = 0x8F;
    } else {
      return false;
    }
    if (id.size() - i < n) return false;
    const auto c1 = static_cast<unsigned char>(id[i + 1]);
    if (c1 < lo || c1 > hi) return false;
    for (std::size_t k = 2; k < n; ++k) {
      const auto ck = static_cast<unsigned char>(id[i + k]);
      if (ck < 0x80 || ck > 0xBF) return false;
    }
    i += n;
  }
  return true;
}

/// True if the topic's ids fit its type: group and edge valid ids (not STATE), a valid device id
/// exactly for the device types, a valid host id exactly for STATE.
inline bool is_valid(const topic& t) noexcept {
  if (t.type == message_type::state) {
    return is_valid_id(t.host_id) && t.group.empty() && t.edge.empty() && t.device.empty();
  }
  if (to_string(t.type).empty() || !t.host_id.empty()) return false;
  if (!is_valid_id(t.group) || !is_valid_id(t.edge)) return false;
  return is_device_message(t.type) ? is_valid_id(t.device) : t.device.empty();
}

/// The topic string; errc::invalid_topic (and an empty string) unless is_valid(t).
inline std::string to_string(const topic& t, std::error_code& ec) {
  if (!is_valid(t)) {
    ec = make_error_code(errc::invalid_topic);
    return {};
  }
  ec.clear();
  std::string s(topic_namespace);
  s += '/';
  if (t.type == message_type::state) {
    s += "STATE/";
    s += t.host_id;
    return s;
  }
  s += t.group;
  s += '/';
  s += to_string(t.type);
  s += '/';
  s += t.edge;
  if (is_device_message(t.type)) {
    s += '/';
    s += t.device;
  }
  return s;
}

/// Parses a Sparkplug B topic; errc::invalid_topic (and an empty topic) for anything else: another
/// namespace, an unknown message type, a missing or extra level, an empty level, '+' or '#'.
inline topic parse_topic(std::string_view s, std::error_code& ec) {
  std::string_view levels[6];
  std::size_t n = 0;
  std::size_t start = 0;
  while (true) {
    const std::size_t slash = s.find('/', start);
    if (n == 6) {
      n = 7;  // too many levels
      break;
    }
    levels[n++] = s.substr(start, slash == std::string_view::npos ? s.npos : slash - start);
    if (slash == std::string_view::npos) break;
    start = slash + 1;
  }
  topic t;
  bool ok = n >= 3 && n <= 5 && levels[0] == topic_namespace;
  if (ok && n == 3 && levels[1] == "STATE") {
    t.type = message_type::state;
    t.host_id = std::string(levels[2]);
  } else if (ok && n >= 4) {
    std::error_code name_ec;
    t.type = firebus::detail::value_of(detail::message_type_names, levels[2], message_type::ndata,
                                       name_ec);
    ok = !name_ec && t.type != message_type::state && (n == 5) == is_device_message(t.type);
    t.group = std::string(levels[1]);
    t.edge = std::string(levels[3]);
    if (n == 5) t.device = std::string(levels[4]);
  } else {
    ok = false;
  }
  if (!ok || !is_valid(t)) {
    ec = make_error_code(errc::invalid_topic);
    return {};
  }
  ec.clear();
  return t;
}

#if FIREBUS_HAS_EXCEPTIONS
/// Throwing overload of to_string(const topic&, std::error_code&).
inline std::string to_string(const topic& t) {
  std::error_code ec;
  std::string s = to_string(t, ec);
  if (ec) {
    firebus::detail::throw_error(ec, "sparkplug topic: invalid ids for " +
                                         std::string(to_string(t.type)) +
                                         " (not empty, no '/', '+', '#')");
  }
  return s;
}
/// Throwing overload of parse_topic().
inline topic parse_topic(std::string_view s) {
  std::error_code ec;
  topic t = parse_topic(s, ec);
  if (ec) {
    firebus::detail::throw_error(ec, "sparkplug topic: \"" + std::string(s.substr(0, 200)) +
                                         "\" is not spBv1.0/<group>/<type>/<edge>[/<device>]" +
                                         " or spBv1.0/STATE/<host_id>");
  }
  return t;
}
#endif

}  // namespace sparkplug
}  // namespace telemetry
}  // namespace v1
}  // namespace firebus

#endif  // FIREBUS_TELEMETRY_SPARKPLUG_HPP
