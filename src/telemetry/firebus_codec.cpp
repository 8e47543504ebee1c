// firebus — fire-safety IoT SDK.
//
// The firebus telemetry encoding (<firebus/telemetry/firebus_codec.hpp>): firebus::telemetry::
// envelope to and from the generated firebus.v1.Envelope, and that message to and from bytes
// (protobuf's serializer and parser) and JSON (protobuf's JSON printer and parser).
//
// Every path goes through two steps that are kept apart:
//   - check(): the rules that need no birth (ids, columns, times, enumerations, limits), on
//     the generated message; wire_to_json() and json_to_wire() stop here;
//   - from_message(): the conversion to C++ values, resolving aliases with a birth.
// The encoder applies the same rules on the way out, so that what it makes always decodes.

// firebus's headers come first: they declare `firebus::v1` as the library's inline namespace,
// which protoc's code for package firebus.v1 then reopens (as a plain namespace, which is
// allowed after the inline declaration; the reverse order is not).
#include <algorithm>
#include <climits>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <limits>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <system_error>
#include <unordered_set>
#include <utility>
#include <vector>

#include <google/protobuf/descriptor.h>
#include <google/protobuf/util/json_util.h>
#include <google/protobuf/util/type_resolver.h>
#include <google/protobuf/util/type_resolver_util.h>

#include <firebus/core/point.hpp>
#include <firebus/core/time.hpp>
#include <firebus/telemetry/aliases.hpp>
#include <firebus/telemetry/error.hpp>
#include <firebus/telemetry/firebus_codec.hpp>
#include <firebus/telemetry/types.hpp>

// protoc's code, from the private copy of protocols/firebus/v1/telemetry.proto (package
// firebus_private.firebus.v1: see the root CMakeLists.txt).
#include "firebus_private/firebus/v1/telemetry.pb.h"
#include "utf8.hpp"

namespace firebus {
inline namespace v1 {
namespace telemetry {
namespace {

namespace pb = ::firebus_private::firebus::v1;
namespace gpu = ::google::protobuf::util;

// The largest |ms| that converts to a utc_time (µs in an int64), as utc_from_unix_ms() checks.
constexpr std::int64_t max_ms = std::numeric_limits<std::int64_t>::max() / 1000;
// The largest alias firebus v1 carries (uint32 on the wire).
constexpr std::uint64_t max_alias = std::numeric_limits<std::uint32_t>::max();

// Records the first failure: the code, and where and what for people.
class failure {
 public:
  failure(std::error_code& ec, std::string* why) noexcept : ec_(ec), why_(why) {}
  bool operator()(errc e, std::string what) {
    ec_ = make_error_code(e);
    if (why_ != nullptr) *why_ = std::move(what);
    return false;
  }

 private:
  std::error_code& ec_;
  std::string* why_;
};

std::string quoted(std::string_view s) {
  std::string out = "\"";
  for (const char c : s.substr(0, 64)) {
    const auto u = static_cast<unsigned char>(c);
    if (u < 0x20 || c == '"' || c == '\\' || u == 0x7F) {
      static constexpr char hex[] = "0123456789abcdef";
      out += "\\x";
      out += hex[u >> 4];
      out += hex[u & 0xF];
    } else {
      out += c;
    }
  }
  if (s.size() > 64) out += "...";
  return out + "\"";
}

std::string item(const char* what, std::size_t i) {
  return std::string(what) + "[" + std::to_string(i) + "]";
}

using ::firebus::telemetry::detail::is_utf8;

bool check_text(std::string_view s, const std::string& where, failure& fail) {
  if (is_utf8(s)) return true;
  return fail(errc::invalid_text, where + ": not valid UTF-8");
}

// A source id (or an event's producer) follows the point id rules: safe in MQTT topics, JSON
// and logs.
bool check_source_id(std::string_view id, const std::string& where, failure& fail) {
  const std::size_t bad = point_id::first_invalid(id);
  if (bad == point_id::npos) return true;
  if (id.empty()) return fail(errc::invalid_source_id, where + ": empty, 1 to 128 bytes expected");
  if (bad >= point_id::max_size) {
    return fail(errc::invalid_source_id,
                where + ": " + std::to_string(id.size()) + " bytes, at most 128 expected");
  }
  return fail(errc::invalid_source_id, where + " " + quoted(id) + ": byte " +
                                           std::to_string(static_cast<unsigned char>(id[bad])) +
                                           " at offset " + std::to_string(bad) + " not allowed");
}

bool check_point_name(std::string_view name, const std::string& where, failure& fail) {
  const std::size_t bad = point_id::first_invalid(name);
  if (bad == point_id::npos) return true;
  if (name.empty()) {
    return fail(errc::invalid_point_name, where + ": empty, a point id expected");
  }
  if (bad >= point_id::max_size) {
    return fail(errc::invalid_point_name,
                where + ": " + std::to_string(name.size()) + " bytes, at most 128 expected");
  }
  return fail(errc::invalid_point_name, where + " " + quoted(name) + ": byte " +
                                            std::to_string(static_cast<unsigned char>(name[bad])) +
                                            " at offset " + std::to_string(bad) + " not allowed");
}

// An optional point name (empty: none).
bool check_optional_point(std::string_view name, const std::string& where, failure& fail) {
  return name.empty() || check_point_name(name, where, fail);
}

bool check_ms(std::int64_t ms, const std::string& where, failure& fail) {
  if (ms <= max_ms && ms >= -max_ms) return true;
  return fail(errc::time_out_of_range, where + ": " + std::to_string(ms) + " ms, within ±" +
                                           std::to_string(max_ms) + " expected");
}

bool check_count(std::size_t n, std::size_t limit, const std::string& what, failure& fail) {
  if (n <= limit) return true;
  return fail(errc::too_many_items,
              what + ": " + std::to_string(n) + ", at most " + std::to_string(limit) + " allowed");
}

// An enumeration number received: kept as it is (a newer sender's value) if it fits the
// firebus enum's underlying type, uint8_t.
bool check_enum(int v, int offset, const std::string& where, failure& fail) {
  if (v - offset >= 0 && v - offset <= 255) return true;
  return fail(errc::enum_out_of_range, where + ": " + std::to_string(v) + ", " +
                                           std::to_string(offset) + ".." +
                                           std::to_string(255 + offset) + " expected");
}

std::int64_t ms_of(utc_time t) noexcept { return to_unix_ms(t); }
std::int64_t ms_of(mono_time t) noexcept {
  return firebus::detail::floor_div(t.time_since_epoch().count(), 1000);
}
utc_time utc_of(std::int64_t ms) noexcept { return utc_time(duration(ms * 1000)); }
mono_time mono_of(std::int64_t ms) noexcept { return mono_time(duration(ms * 1000)); }

// A double a float holds exactly: NaN (its payload is not kept), ±infinity, and finite values
// within the float range that survive the round trip.
bool float_exact(double v, float& f) noexcept {
  if (std::isnan(v)) {
    f = std::numeric_limits<float>::quiet_NaN();
    return true;
  }
  if (std::isinf(v)) {
    f = v > 0 ? std::numeric_limits<float>::infinity() : -std::numeric_limits<float>::infinity();
    return true;
  }
  constexpr double fmax = static_cast<double>(std::numeric_limits<float>::max());
  if (v > fmax || v < -fmax) {
    // Out of the float range (converting would be undefined): the float column says ±infinity,
    // the exact column the value.
    f = v > 0 ? std::numeric_limits<float>::infinity() : -std::numeric_limits<float>::infinity();
    return false;
  }
  f = static_cast<float>(v);
  return static_cast<double>(f) == v;
}

// The decimal form of sample values (Batch.decimal, Batch.decimals; see the schema).
constexpr std::uint32_t max_decimals = 15;  // 10^15 and every integer up to 2^53: exact doubles
constexpr int encoder_max_decimals = 9;
constexpr double two_pow_53 = 9007199254740992.0;
constexpr double pow10[max_decimals + 1] = {1e0, 1e1, 1e2,  1e3,  1e4,  1e5,  1e6,  1e7,
                                            1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15};

bool same_bits(double a, double b) noexcept { return std::memcmp(&a, &b, sizeof a) == 0; }

// The integer nearest v * 10^d, if it is within ±2^53 (v finite).
std::optional<std::int64_t> scaled(double v, int d) noexcept {
  if (!std::isfinite(v)) return std::nullopt;
  const double x = v * pow10[d];
  if (!(std::fabs(x) <= two_pow_53)) return std::nullopt;
  return std::llround(x);
}

// k with k / 10^d exactly v, bit for bit (-0.0 has none: 0 / 10^d is +0.0).
std::optional<std::int64_t> exact_decimal(double v, int d) noexcept {
  const std::optional<std::int64_t> k = scaled(v, d);
  if (!k || !same_bits(static_cast<double>(*k) / pow10[d], v)) return std::nullopt;
  return k;
}

std::size_t varint_size(std::uint64_t v) noexcept {
  std::size_t n = 1;
  while (v >= 0x80) {
    v >>= 7;
    ++n;
  }
  return n;
}

std::uint64_t zigzag(std::int64_t v) noexcept {
  return (static_cast<std::uint64_t>(v) << 1) ^ (v < 0 ? ~std::uint64_t{0} : std::uint64_t{0});
}

// --------------------------------------------------------------------------------------------
// Counting before parsing. protobuf's parser builds every element it reads and only then can
// check() count them: 16 MiB of empty events (two bytes each) became 8 million Event objects,
// 1.2 GB, before the count of 100,000 refused them. count_wire() walks the bytes once without
// allocating and refuses a message that holds more elements than the limits allow, so that the
// parser never builds more than the limits. It reads the wire format as protobuf's parser does
// (unknown fields and groups skipped, a field with another wire type than the schema's kept as
// unknown); bytes it cannot read are malformed for protobuf's parser too.
// --------------------------------------------------------------------------------------------

// protobuf's default recursion limit, for groups nested in unknown fields.
constexpr int max_wire_depth = 100;

class wire_walker {
 public:
  wire_walker(const std::uint8_t* p, const std::uint8_t* end) noexcept : p_(p), end_(end) {}

  bool at_end() const noexcept { return p_ == end_; }

  bool varint(std::uint64_t& v) noexcept {
    v = 0;
    for (int shift = 0; shift < 64; shift += 7) {
      if (p_ == end_) return false;
      const std::uint8_t b = *p_++;
      v |= static_cast<std::uint64_t>(b & 0x7F) << shift;
      if (b < 0x80) return true;
    }
    return false;  // more than ten bytes
  }
  // A field's tag: its number (1 to 2^29 - 1) and wire type.
  bool tag(std::uint32_t& field, int& wire_type) noexcept {
    std::uint64_t t = 0;
    if (!varint(t) || t > 0xFFFFFFFFu || (t >> 3) == 0) return false;
    field = static_cast<std::uint32_t>(t >> 3);
    wire_type = static_cast<int>(t & 7);
    return true;
  }
  // A length-delimited payload: [begin, end) of its bytes.
  bool payload(const std::uint8_t*& begin, const std::uint8_t*& end) noexcept {
    std::uint64_t n = 0;
    if (!varint(n) || n > static_cast<std::uint64_t>(end_ - p_)) return false;
    begin = p_;
    p_ += n;
    end = p_;
    return true;
  }
  bool skip(std::size_t n) noexcept {
    if (n > static_cast<std::size_t>(end_ - p_)) return false;
    p_ += n;
    return true;
  }
  // Skips the value of a field of `wire_type` (a group up to its end tag).
  bool skip_value(std::uint32_t field, int wire_type, int depth) noexcept {
    switch (wire_type) {
      case 0: {
        std::uint64_t v = 0;
        return varint(v);
      }
      case 1:
        return skip(8);
      case 2: {
        const std::uint8_t* b = nullptr;
        const std::uint8_t* e = nullptr;
        return payload(b, e);
      }
      case 3: {
        if (depth >= max_wire_depth) return false;
        for (;;) {
          std::uint32_t f = 0;
          int wt = 0;
          if (!tag(f, wt)) return false;
          if (wt == 4) return f == field;
          if (!skip_value(f, wt, depth + 1)) return false;
        }
      }
      case 5:
        return skip(4);
      default:
        return false;  // an end tag without a start, or wire types 6 and 7
    }
  }

 private:
  const std::uint8_t* p_;
  const std::uint8_t* end_;
};

// The elements of a message's repeated fields, summed over every occurrence of the body
// (protobuf merges a message field given twice).
struct wire_counts {
  std::size_t points = 0;
  std::size_t events = 0;
  std::size_t statuses = 0;
  std::size_t columns[14] = {};
};

std::size_t varints_in(const std::uint8_t* b, const std::uint8_t* e) noexcept {
  std::size_t n = 0;
  for (; b != e; ++b) n += *b < 0x80 ? 1 : 0;
  return n;
}

// Batch: the sample columns (4 alias, 5 dt_ms, 6 value, 7 exact_index, 8 exact_value,
// 9 quality, 12 decimal), 10 events, 11 statuses.
bool count_batch(wire_walker w, wire_counts& c) noexcept {
  while (!w.at_end()) {
    std::uint32_t f = 0;
    int wt = 0;
    if (!w.tag(f, wt)) return false;
    const bool varint_column = f == 4 || f == 5 || f == 7 || f == 9 || f == 12;
    if (wt == 2 && (f == 10 || f == 11 || varint_column || f == 6 || f == 8)) {
      const std::uint8_t* b = nullptr;
      const std::uint8_t* e = nullptr;
      if (!w.payload(b, e)) return false;
      const auto len = static_cast<std::size_t>(e - b);
      if (f == 10) {
        ++c.events;
      } else if (f == 11) {
        ++c.statuses;
      } else {
        c.columns[f] += varint_column ? varints_in(b, e) : f == 6 ? len / 4 : len / 8;
      }
    } else {
      if ((wt == 0 && varint_column) || (wt == 5 && f == 6) || (wt == 1 && f == 8)) {
        ++c.columns[f];
      }
      if (!w.skip_value(f, wt, 0)) return false;
    }
  }
  return true;
}

// Birth: 2 points.
bool count_birth(wire_walker w, wire_counts& c) noexcept {
  while (!w.at_end()) {
    std::uint32_t f = 0;
    int wt = 0;
    if (!w.tag(f, wt)) return false;
    if (f == 2 && wt == 2) ++c.points;
    if (!w.skip_value(f, wt, 0)) return false;
  }
  return true;
}

// Envelope: 3 birth, 4 batch.
bool count_envelope(wire_walker w, wire_counts& c) noexcept {
  while (!w.at_end()) {
    std::uint32_t f = 0;
    int wt = 0;
    if (!w.tag(f, wt)) return false;
    if ((f == 3 || f == 4) && wt == 2) {
      const std::uint8_t* b = nullptr;
      const std::uint8_t* e = nullptr;
      if (!w.payload(b, e)) return false;
      if (!(f == 3 ? count_birth(wire_walker(b, e), c) : count_batch(wire_walker(b, e), c))) {
        return false;
      }
    } else if (!w.skip_value(f, wt, 0)) {
      return false;
    }
  }
  return true;
}

bool count_wire(byte_view bytes, const codec_limits& limits, const char* what, failure& fail) {
  wire_counts c;
  if (!count_envelope(wire_walker(bytes.data(), bytes.data() + bytes.size()), c)) {
    return fail(errc::malformed, std::string(what) + ": " + std::to_string(bytes.size()) +
                                     " bytes are not a firebus.v1.Envelope");
  }
  static constexpr struct {
    int field;
    const char* name;
  } columns[] = {{4, "alias"},       {5, "dt_ms"},   {6, "value"},   {7, "exact_index"},
                 {8, "exact_value"}, {9, "quality"}, {12, "decimal"}};
  for (const auto& col : columns) {
    if (!check_count(c.columns[col.field], limits.max_samples,
                     std::string("batch: samples (") + col.name + ")", fail)) {
      return false;
    }
  }
  return check_count(c.points, limits.max_points, "birth: points", fail) &&
         check_count(c.events, limits.max_events, "batch: events", fail) &&
         check_count(c.statuses, limits.max_statuses, "batch: statuses", fail);
}

// proto3 strings are UTF-8: protobuf's parser refuses a message holding one that is not, and
// writes an ERROR line to stderr for each (its log) — a peer could flood a receiver's log with
// them. Texts are checked here first, naming the field, so that the parser sees only valid ones.
// The nested messages' wire format is checked on the way (count_wire() checks the envelope's,
// the birth's and the batch's): protobuf would log the texts it met before a malformed byte.
enum class text_walk { ok, not_utf8, malformed };

// `field` gets the first field found wrong, as "Message.field".
text_walk texts_utf8(wire_walker w, const ::google::protobuf::Descriptor& d, int depth,
                     std::string& field) {
  using fd_type = ::google::protobuf::FieldDescriptor;
  while (!w.at_end()) {
    std::uint32_t f = 0;
    int wt = 0;
    if (!w.tag(f, wt)) return text_walk::malformed;
    const fd_type* fd = d.FindFieldByNumber(static_cast<int>(f));
    if (wt != 2 || fd == nullptr ||
        (fd->type() != fd_type::TYPE_STRING && fd->type() != fd_type::TYPE_MESSAGE)) {
      if (!w.skip_value(f, wt, 0)) return text_walk::malformed;
      continue;
    }
    const std::uint8_t* b = nullptr;
    const std::uint8_t* e = nullptr;
    if (!w.payload(b, e)) return text_walk::malformed;
    if (fd->type() == fd_type::TYPE_STRING) {
      if (!is_utf8(std::string_view(reinterpret_cast<const char*>(b),
                                    static_cast<std::size_t>(e - b)))) {
        field = fd->containing_type()->name() + "." + fd->name();  // "Event.alarm"
        return text_walk::not_utf8;
      }
    } else {
      if (depth >= max_wire_depth) return text_walk::malformed;  // protobuf's recursion limit
      const text_walk r = texts_utf8(wire_walker(b, e), *fd->message_type(), depth + 1, field);
      if (r != text_walk::ok) return r;
    }
  }
  return text_walk::ok;
}

// --------------------------------------------------------------------------------------------
// The rules that need no birth, on the generated message. Texts are checked for UTF-8 although
// protobuf's parser checks proto3 strings too: the JSON path and protobuf versions differ in how
// strictly they do, and the encoder refuses what is not UTF-8.
// --------------------------------------------------------------------------------------------

bool check_birth(const pb::Birth& b, const codec_limits& limits, failure& fail) {
  if (!check_ms(b.time_ms(), "birth: time_ms", fail) ||
      !check_count(static_cast<std::size_t>(b.points_size()), limits.max_points, "birth: points",
                   fail)) {
    return false;
  }
  std::unordered_set<std::uint32_t> aliases;
  std::unordered_set<std::string_view> names;
  aliases.reserve(static_cast<std::size_t>(b.points_size()));
  names.reserve(static_cast<std::size_t>(b.points_size()));
  for (int i = 0; i < b.points_size(); ++i) {
    const pb::PointDecl& p = b.points(i);
    const std::string at = "birth: " + item("points", static_cast<std::size_t>(i));
    if (!check_point_name(p.name(), at + ": name", fail) ||
        !check_text(p.unit(), at + ": unit", fail) ||
        !check_text(p.quantity(), at + ": quantity", fail) ||
        !check_text(p.description(), at + ": description", fail)) {
      return false;
    }
    if (!aliases.insert(p.alias()).second) {
      return fail(errc::duplicate_alias,
                  at + ": alias " + std::to_string(p.alias()) + " declared before");
    }
    if (!names.insert(p.name()).second) {
      return fail(errc::duplicate_point, at + ": name " + quoted(p.name()) + " declared before");
    }
  }
  return true;
}

bool check_event(const pb::Event& e, const std::string& at, failure& fail) {
  if (e.kind() == pb::EVENT_KIND_UNSPECIFIED) {
    return fail(errc::missing_kind, at + ": kind unspecified (0), 1.." +
                                        std::to_string(pb::EventKind_MAX) + " expected");
  }
  return (!e.has_time_ms() || check_ms(e.time_ms(), at + ": time_ms", fail)) &&
         check_ms(e.mono_ms(), at + ": mono_ms", fail) &&
         (e.producer().empty() || check_source_id(e.producer(), at + ": producer", fail)) &&
         check_enum(static_cast<int>(e.kind()), 1, at + ": kind", fail) &&
         check_optional_point(e.point(), at + ": point", fail) &&
         check_enum(static_cast<int>(e.alarm_class()), 0, at + ": alarm_class", fail) &&
         check_enum(static_cast<int>(e.state()), 0, at + ": state", fail) &&
         check_enum(static_cast<int>(e.reason()), 0, at + ": reason", fail) &&
         check_optional_point(e.cause(), at + ": cause", fail) &&
         check_text(e.alarm(), at + ": alarm", fail) && check_text(e.zone(), at + ": zone", fail) &&
         check_text(e.command(), at + ": command", fail);
}

bool check_batch(const pb::Batch& b, const codec_limits& limits, failure& fail) {
  const auto n = static_cast<std::size_t>(b.alias_size());
  if (!check_count(n, limits.max_samples, "batch: samples", fail) ||
      !check_count(static_cast<std::size_t>(b.events_size()), limits.max_events, "batch: events",
                   fail) ||
      !check_count(static_cast<std::size_t>(b.statuses_size()), limits.max_statuses,
                   "batch: statuses", fail)) {
    return false;
  }
  const auto dts = static_cast<std::size_t>(b.dt_ms_size());
  const auto values = static_cast<std::size_t>(b.value_size());
  const auto decimal = static_cast<std::size_t>(b.decimal_size());
  const auto qualities = static_cast<std::size_t>(b.quality_size());
  // The values are in `value` or in `decimal`, never in both.
  const std::size_t value_entries = decimal != 0 ? decimal : values;
  if (dts != n || value_entries != n || (decimal != 0 && values != 0)) {
    return fail(errc::column_mismatch,
                "batch: " + std::to_string(n) + " aliases, " + std::to_string(dts) + " dt_ms, " +
                    std::to_string(values) + " values, " + std::to_string(decimal) +
                    " decimal: columns of equal length expected, value or decimal");
  }
  if (b.decimals() > max_decimals) {
    return fail(errc::invalid_decimals, "batch: decimals " + std::to_string(b.decimals()) +
                                            ", 0.." + std::to_string(max_decimals) + " expected");
  }
  for (std::size_t i = 0; i < decimal; ++i) {
    const std::int64_t k = b.decimal(static_cast<int>(i));
    if (k > static_cast<std::int64_t>(two_pow_53) || k < -static_cast<std::int64_t>(two_pow_53)) {
      return fail(errc::invalid_decimals, "batch: " + item("decimal", i) + " = " +
                                              std::to_string(k) + ", at most 2^53 in magnitude");
    }
  }
  if (qualities != 0 && qualities != n) {
    return fail(errc::column_mismatch, "batch: " + std::to_string(qualities) + " qualities, 0 or " +
                                           std::to_string(n) + " expected");
  }
  if (b.exact_index_size() != b.exact_value_size()) {
    return fail(errc::bad_exact_index, "batch: " + std::to_string(b.exact_index_size()) +
                                           " exact_index, " + std::to_string(b.exact_value_size()) +
                                           " exact_value: equal lengths expected");
  }
  std::int64_t prev = -1;
  for (int k = 0; k < b.exact_index_size(); ++k) {
    const std::uint32_t i = b.exact_index(k);
    if (i >= n || static_cast<std::int64_t>(i) <= prev) {
      return fail(errc::bad_exact_index,
                  "batch: " + item("exact_index", static_cast<std::size_t>(k)) + " = " +
                      std::to_string(i) + ", above " + std::to_string(prev) + " and below " +
                      std::to_string(n) + " expected");
    }
    prev = i;
  }
  for (std::size_t i = 0; i < qualities; ++i) {
    if (b.quality(static_cast<int>(i)) > 255) {
      return fail(errc::enum_out_of_range, "batch: " + item("quality", i) + " = " +
                                               std::to_string(b.quality(static_cast<int>(i))) +
                                               ", 0..255 expected");
    }
  }
  // Times: base + dt[0], then + dt[i], each within the range of utc_time.
  std::int64_t t = b.base_time_ms();
  if (n != 0 && !check_ms(t, "batch: base_time_ms", fail)) return false;
  for (std::size_t i = 0; i < n; ++i) {
    const std::int64_t dt = b.dt_ms(static_cast<int>(i));
    if (__builtin_add_overflow(t, dt, &t) || t > max_ms || t < -max_ms) {
      return fail(errc::time_out_of_range, "batch: sample " + std::to_string(i) +
                                               ": time beyond ±" + std::to_string(max_ms) +
                                               " ms (dt_ms " + std::to_string(dt) + ")");
    }
  }
  for (int i = 0; i < b.events_size(); ++i) {
    if (!check_event(b.events(i), "batch: " + item("events", static_cast<std::size_t>(i)), fail)) {
      return false;
    }
  }
  for (int i = 0; i < b.statuses_size(); ++i) {
    const pb::DeviceStatus& s = b.statuses(i);
    const std::string at = "batch: " + item("statuses", static_cast<std::size_t>(i));
    if (!check_ms(s.time_ms(), at + ": time_ms", fail) ||
        !check_enum(static_cast<int>(s.state()), 0, at + ": state", fail) ||
        !check_text(s.device(), at + ": device", fail) ||
        !check_text(s.detail(), at + ": detail", fail)) {
      return false;
    }
  }
  return true;
}

bool check(const pb::Envelope& m, const codec_limits& limits, failure& fail) {
  if (!check_source_id(m.source_id(), "envelope: source_id", fail)) return false;
  if (m.seq() == 0) return fail(errc::missing_seq, "envelope: seq 0, 1 or more expected");
  if (!check_enum(static_cast<int>(m.lane()), 0, "envelope: lane", fail)) return false;
  switch (m.body_case()) {
    case pb::Envelope::kBirth:
      return check_birth(m.birth(), limits, fail);
    case pb::Envelope::kBatch:
      return check_batch(m.batch(), limits, fail);
    case pb::Envelope::BODY_NOT_SET:
      break;
  }
  return fail(errc::missing_body, "envelope: neither a birth nor a batch");
}

// --------------------------------------------------------------------------------------------
// Generated message → C++ values (after check()).
// --------------------------------------------------------------------------------------------

// Where a batch finds its aliases.
struct alias_source {
  const birth_registry* births = nullptr;
  const alias_table* aliases = nullptr;
  const alias_table* find(const std::string& source, std::uint64_t birth_id) const {
    if (births != nullptr) return births->find(source, birth_id);
    if (aliases != nullptr && aliases->birth_id() == birth_id) return aliases;
    return nullptr;
  }
};

birth birth_from(const pb::Birth& m) {
  birth b;
  b.time = utc_of(m.time_ms());
  b.birth_id = m.birth_id();
  b.points.reserve(static_cast<std::size_t>(m.points_size()));
  std::error_code ignored;  // names were checked
  for (const pb::PointDecl& p : m.points()) {
    point_decl d;
    d.alias = p.alias();
    d.name = point_id::make(p.name(), ignored);
    d.unit = p.unit();
    d.quantity = p.quantity();
    if (p.has_low()) d.low = p.low();
    if (p.has_high()) d.high = p.high();
    d.description = p.description();
    b.points.push_back(std::move(d));
  }
  return b;
}

event event_from(const pb::Event& m, const std::string& source_id) {
  std::error_code ignored;  // names were checked
  event e;
  e.source_id = m.producer().empty() ? source_id : m.producer();
  e.seq = m.seq();
  e.t = mono_of(m.mono_ms());
  if (m.has_time_ms()) e.time = utc_of(m.time_ms());
  e.kind = static_cast<event_kind>(static_cast<int>(m.kind()) - 1);
  e.point = point_id::make(m.point(), ignored);
  e.alarm = m.alarm();
  e.zone = m.zone();
  e.cls = static_cast<alarm_class>(static_cast<int>(m.alarm_class()));
  e.state = static_cast<alarm_state>(static_cast<int>(m.state()));
  e.reason = static_cast<event_reason>(static_cast<int>(m.reason()));
  if (m.has_value()) e.value = m.value();
  if (m.has_delta_s()) e.delta_s = m.delta_s();
  e.cause = point_id::make(m.cause(), ignored);
  e.command = m.command();
  return e;
}

bool batch_from(const pb::Batch& m, const std::string& source_id, const alias_source& where,
                batch& b, failure& fail) {
  b.birth_id = m.birth_id();
  b.historical = m.historical();
  const auto n = static_cast<std::size_t>(m.alias_size());
  if (n != 0) {
    const alias_table* table = where.find(source_id, m.birth_id());
    if (table == nullptr) {
      return fail(errc::unknown_birth, "batch: birth " + std::to_string(m.birth_id()) +
                                           " of source " + quoted(source_id) + " not known");
    }
    b.samples.resize(n);
    std::int64_t t = m.base_time_ms();
    int next_exact = 0;
    const bool has_quality = m.quality_size() != 0;
    const bool decimal_form = m.decimal_size() != 0;
    const double scale = pow10[m.decimals()];  // checked: decimals <= max_decimals
    for (std::size_t i = 0; i < n; ++i) {
      const int k = static_cast<int>(i);
      sample& s = b.samples[i];
      const point_id* p = table->point_of(m.alias(k));
      if (p == nullptr) {
        return fail(errc::unknown_alias,
                    "batch: sample " + std::to_string(i) + ": alias " + std::to_string(m.alias(k)) +
                        " not declared by birth " + std::to_string(m.birth_id()) + " of source " +
                        quoted(source_id));
      }
      s.point = *p;
      t += m.dt_ms(k);  // checked: no overflow, within range
      s.time = utc_of(t);
      if (next_exact < m.exact_index_size() &&
          m.exact_index(next_exact) == static_cast<std::uint32_t>(i)) {
        s.value = m.exact_value(next_exact++);
      } else if (decimal_form) {
        s.value = static_cast<double>(m.decimal(k)) / scale;  // checked: |decimal| <= 2^53
      } else {
        s.value = static_cast<double>(m.value(k));
      }
      if (has_quality) s.quality = static_cast<quality_code>(m.quality(k));
    }
  }
  b.events.reserve(static_cast<std::size_t>(m.events_size()));
  for (const pb::Event& e : m.events()) b.events.push_back(event_from(e, source_id));
  b.statuses.reserve(static_cast<std::size_t>(m.statuses_size()));
  for (const pb::DeviceStatus& s : m.statuses()) {
    device_status d;
    d.device = s.device();
    d.time = utc_of(s.time_ms());
    d.state = static_cast<device_state>(static_cast<int>(s.state()));
    d.detail = s.detail();
    b.statuses.push_back(std::move(d));
  }
  return true;
}

bool envelope_from(const pb::Envelope& m, const alias_source& where, envelope& out, failure& fail) {
  envelope env;
  env.source_id = m.source_id();
  env.seq = m.seq();
  env.lane = static_cast<lane>(static_cast<int>(m.lane()));
  if (m.body_case() == pb::Envelope::kBirth) {
    env.body = birth_from(m.birth());
  } else {
    batch b;
    if (!batch_from(m.batch(), env.source_id, where, b, fail)) return false;
    env.body = std::move(b);
  }
  out = std::move(env);
  return true;
}

// --------------------------------------------------------------------------------------------
// C++ values → generated message, with the same rules.
// --------------------------------------------------------------------------------------------

bool birth_to(const birth& b, pb::Birth& m, const codec_limits& limits, failure& fail) {
  if (!check_count(b.points.size(), limits.max_points, "birth: points", fail) ||
      !check_ms(ms_of(b.time), "birth: time", fail)) {
    return false;
  }
  m.set_time_ms(ms_of(b.time));
  m.set_birth_id(b.birth_id);
  std::unordered_set<std::uint64_t> aliases;
  std::unordered_set<std::string_view> names;
  aliases.reserve(b.points.size());
  names.reserve(b.points.size());
  m.mutable_points()->Reserve(static_cast<int>(b.points.size()));
  for (std::size_t i = 0; i < b.points.size(); ++i) {
    const point_decl& p = b.points[i];
    const std::string at = "birth: " + item("points", i);
    if (p.name.empty()) return fail(errc::invalid_point_name, at + ": name empty");
    if (p.alias > max_alias) {
      return fail(errc::alias_out_of_range, at + ": alias " + std::to_string(p.alias) +
                                                ", at most " + std::to_string(max_alias) +
                                                " expected");
    }
    if (!aliases.insert(p.alias).second) {
      return fail(errc::duplicate_alias,
                  at + ": alias " + std::to_string(p.alias) + " declared before");
    }
    if (!names.insert(p.name.view()).second) {
      return fail(errc::duplicate_point,
                  at + ": name " + quoted(p.name.view()) + " declared before");
    }
    if (!check_text(p.unit, at + ": unit", fail) ||
        !check_text(p.quantity, at + ": quantity", fail) ||
        !check_text(p.description, at + ": description", fail)) {
      return false;
    }
    pb::PointDecl* d = m.add_points();
    d->set_alias(static_cast<std::uint32_t>(p.alias));
    d->set_name(p.name.str());
    d->set_unit(p.unit);
    d->set_quantity(p.quantity);
    if (p.low) d->set_low(*p.low);
    if (p.high) d->set_high(*p.high);
    d->set_description(p.description);
  }
  return true;
}

bool event_to(const event& e, const std::string& source_id, pb::Event& m, const std::string& at,
              failure& fail) {
  if (!e.source_id.empty() && e.source_id != source_id) {
    if (!check_source_id(e.source_id, at + ": source_id", fail)) return false;
    m.set_producer(e.source_id);
  }
  if (!check_text(e.alarm, at + ": alarm", fail) || !check_text(e.zone, at + ": zone", fail) ||
      !check_text(e.command, at + ": command", fail) ||
      (e.time && !check_ms(ms_of(*e.time), at + ": time", fail)) ||
      !check_ms(ms_of(e.t), at + ": t", fail)) {
    return false;
  }
  m.set_seq(e.seq);
  if (e.time) m.set_time_ms(ms_of(*e.time));
  m.set_mono_ms(ms_of(e.t));
  m.set_kind(static_cast<pb::EventKind>(static_cast<int>(e.kind) + 1));
  m.set_point(e.point.str());
  m.set_alarm(e.alarm);
  m.set_zone(e.zone);
  m.set_alarm_class(static_cast<pb::AlarmClass>(static_cast<int>(e.cls)));
  m.set_state(static_cast<pb::AlarmState>(static_cast<int>(e.state)));
  m.set_reason(static_cast<pb::EventReason>(static_cast<int>(e.reason)));
  if (e.value) m.set_value(*e.value);
  if (e.delta_s) m.set_delta_s(*e.delta_s);
  m.set_cause(e.cause.str());
  m.set_command(e.command);
  return true;
}

// The sample values in the float form or the decimal form, whichever is smaller (see the
// schema). The decimal form's scale is the largest of the samples' smallest exact scales (up to
// 10^9); a sample that is not exact at that scale is an exception, as in the float form.
void values_to(const std::vector<sample>& samples, pb::Batch& m) {
  const std::size_t n = samples.size();
  int d = -1;
  for (const sample& s : samples) {
    if (d >= 0 && exact_decimal(s.value, d)) continue;
    for (int di = 0; di <= encoder_max_decimals; ++di) {
      if (exact_decimal(s.value, di)) {
        d = std::max(d, di);
        break;
      }
    }
  }
  // What each form costs: an exception is about ten bytes (its index, its double).
  constexpr std::size_t exception_bytes = 10;
  std::size_t float_bytes = 4 * n;
  for (const sample& s : samples) {
    float f = 0.0F;
    if (!float_exact(s.value, f)) float_bytes += exception_bytes;
  }
  std::vector<std::int64_t> ks;
  std::vector<bool> exact;
  std::size_t decimal_bytes = std::numeric_limits<std::size_t>::max();
  if (d >= 0) {
    ks.resize(n);
    exact.resize(n);
    decimal_bytes = 2;  // the decimals field
    for (std::size_t i = 0; i < n; ++i) {
      const std::optional<std::int64_t> k = exact_decimal(samples[i].value, d);
      exact[i] = k.has_value();
      ks[i] = k ? *k : scaled(samples[i].value, d).value_or(0);
      decimal_bytes += varint_size(zigzag(ks[i])) + (exact[i] ? 0 : exception_bytes);
    }
  }
  const int count = static_cast<int>(n);
  if (decimal_bytes < float_bytes) {
    m.set_decimals(static_cast<std::uint32_t>(d));
    m.mutable_decimal()->Reserve(count);
    for (std::size_t i = 0; i < n; ++i) {
      if (!exact[i]) {
        m.add_exact_index(static_cast<std::uint32_t>(i));
        m.add_exact_value(samples[i].value);
      }
      m.add_decimal(ks[i]);
    }
    return;
  }
  m.mutable_value()->Reserve(count);
  for (std::size_t i = 0; i < n; ++i) {
    float f = 0.0F;
    if (!float_exact(samples[i].value, f)) {
      m.add_exact_index(static_cast<std::uint32_t>(i));
      m.add_exact_value(samples[i].value);
    }
    m.add_value(f);
  }
}

bool batch_to(const batch& b, const std::string& source_id, const alias_table* aliases,
              pb::Batch& m, const codec_limits& limits, failure& fail) {
  const std::size_t n = b.samples.size();
  if (!check_count(n, limits.max_samples, "batch: samples", fail) ||
      !check_count(b.events.size(), limits.max_events, "batch: events", fail) ||
      !check_count(b.statuses.size(), limits.max_statuses, "batch: statuses", fail)) {
    return false;
  }
  m.set_birth_id(b.birth_id);
  m.set_historical(b.historical);
  if (n != 0) {
    if (aliases == nullptr) {
      return fail(errc::unknown_birth, "batch: " + std::to_string(n) +
                                           " samples need the aliases of birth " +
                                           std::to_string(b.birth_id));
    }
    if (aliases->birth_id() != b.birth_id) {
      return fail(errc::unknown_birth, "batch: birth_id " + std::to_string(b.birth_id) +
                                           ", the alias table is of birth " +
                                           std::to_string(aliases->birth_id()));
    }
    const int count = static_cast<int>(n);
    m.mutable_alias()->Reserve(count);
    m.mutable_dt_ms()->Reserve(count);
    const std::int64_t base = ms_of(b.samples.front().time);
    m.set_base_time_ms(base);
    std::int64_t prev = base;
    bool all_good = true;
    for (std::size_t i = 0; i < n; ++i) {
      const sample& s = b.samples[i];
      const std::optional<std::uint64_t> alias = aliases->alias_of(s.point);
      if (!alias) {
        return fail(errc::unknown_point, "batch: sample " + std::to_string(i) + ": point " +
                                             quoted(s.point.view()) + " not declared by birth " +
                                             std::to_string(b.birth_id));
      }
      if (*alias > max_alias) {
        return fail(errc::alias_out_of_range, "batch: sample " + std::to_string(i) + ": alias " +
                                                  std::to_string(*alias) + ", at most " +
                                                  std::to_string(max_alias) + " expected");
      }
      m.add_alias(static_cast<std::uint32_t>(*alias));
      // Both within ±9.2e15 ms: the difference fits.
      const std::int64_t t = ms_of(s.time);
      if ((t > max_ms || t < -max_ms) &&
          !check_ms(t, "batch: sample " + std::to_string(i) + ": time", fail)) {
        return false;
      }
      m.add_dt_ms(t - prev);
      prev = t;
      all_good = all_good && s.quality == quality_code::good;
    }
    values_to(b.samples, m);
    if (!all_good) {
      m.mutable_quality()->Reserve(count);
      for (const sample& s : b.samples) m.add_quality(static_cast<std::uint32_t>(s.quality));
    }
  }
  m.mutable_events()->Reserve(static_cast<int>(b.events.size()));
  for (std::size_t i = 0; i < b.events.size(); ++i) {
    if (!event_to(b.events[i], source_id, *m.add_events(), "batch: " + item("events", i), fail)) {
      return false;
    }
  }
  m.mutable_statuses()->Reserve(static_cast<int>(b.statuses.size()));
  for (std::size_t i = 0; i < b.statuses.size(); ++i) {
    const device_status& s = b.statuses[i];
    const std::string at = "batch: " + item("statuses", i);
    if (!check_text(s.device, at + ": device", fail) ||
        !check_text(s.detail, at + ": detail", fail) ||
        !check_ms(ms_of(s.time), at + ": time", fail)) {
      return false;
    }
    pb::DeviceStatus* d = m.add_statuses();
    d->set_device(s.device);
    d->set_time_ms(ms_of(s.time));
    d->set_state(static_cast<pb::DeviceState>(static_cast<int>(s.state)));
    d->set_detail(s.detail);
  }
  return true;
}

bool envelope_to(const envelope& env, const alias_table* aliases, pb::Envelope& m,
                 const codec_limits& limits, failure& fail) {
  if (!check_source_id(env.source_id, "envelope: source_id", fail)) return false;
  if (env.seq == 0) return fail(errc::missing_seq, "envelope: seq 0, 1 or more expected");
  m.set_source_id(env.source_id);
  m.set_seq(env.seq);
  m.set_lane(static_cast<pb::Lane>(env.lane));
  if (const birth* b = std::get_if<birth>(&env.body)) {
    return birth_to(*b, *m.mutable_birth(), limits, fail);
  }
  return batch_to(std::get<batch>(env.body), env.source_id, aliases, *m.mutable_batch(), limits,
                  fail);
}

// --------------------------------------------------------------------------------------------
// Bytes and JSON.
// --------------------------------------------------------------------------------------------

// `what` names the input in messages: "message", or "JSON" for the bytes of a JSON text.
bool parse_wire(byte_view bytes, pb::Envelope& m, const codec_limits& limits, failure& fail,
                const char* what = "message") {
  if (bytes.size() > limits.max_message_bytes || bytes.size() > static_cast<std::size_t>(INT_MAX)) {
    return fail(errc::message_too_large,
                std::string(what) + ": " + std::to_string(bytes.size()) +
                    (std::strcmp(what, "message") == 0 ? " bytes" : " bytes when encoded") +
                    ", at most " + std::to_string(limits.max_message_bytes) + " allowed");
  }
  if (!count_wire(bytes, limits, what, fail)) return false;
  std::string field;
  switch (texts_utf8(wire_walker(bytes.data(), bytes.data() + bytes.size()),
                     *pb::Envelope::descriptor(), 0, field)) {
    case text_walk::ok:
      break;
    case text_walk::not_utf8:
      return fail(errc::malformed, std::string(what) + ": " + field + " is not valid UTF-8");
    case text_walk::malformed:
      return fail(errc::malformed, std::string(what) + ": " + std::to_string(bytes.size()) +
                                       " bytes are not a firebus.v1.Envelope");
  }
  if (!m.ParseFromArray(bytes.data(), static_cast<int>(bytes.size()))) {
    return fail(errc::malformed, std::string(what) + ": " + std::to_string(bytes.size()) +
                                     " bytes are not a firebus.v1.Envelope");
  }
  return check(m, limits, fail);
}

bool serialize(const pb::Envelope& m, std::vector<std::uint8_t>& out, const codec_limits& limits,
               failure& fail) {
  const std::size_t size = m.ByteSizeLong();
  if (size > limits.max_message_bytes || size > static_cast<std::size_t>(INT_MAX)) {
    return fail(errc::message_too_large, "message: " + std::to_string(size) + " bytes, at most " +
                                             std::to_string(limits.max_message_bytes) + " allowed");
  }
  out.resize(size);
  // Sizes were computed by ByteSizeLong(): serialization cannot fail.
  m.SerializeWithCachedSizesToArray(out.data());
  return true;
}

// The objects of a JSON text ('{' outside strings): each one becomes a message when parsed.
std::size_t json_objects(std::string_view json) noexcept {
  std::size_t n = 0;
  bool in_string = false;
  for (std::size_t i = 0; i < json.size(); ++i) {
    const char c = json[i];
    if (in_string) {
      if (c == '\\') {
        ++i;
      } else if (c == '"') {
        in_string = false;
      }
    } else if (c == '"') {
      in_string = true;
    } else if (c == '{') {
      ++n;
    }
  }
  return n;
}

::google::protobuf::util::TypeResolver& type_resolver() {
  static const std::unique_ptr<::google::protobuf::util::TypeResolver> resolver(
      gpu::NewTypeResolverForDescriptorPool("type.googleapis.com",
                                            ::google::protobuf::DescriptorPool::generated_pool()));
  return *resolver;
}

// protobuf's JSON parser transcodes the text to the wire format, then parses that: the wire
// bytes go through parse_wire(), so that the limits are checked before the message is built. The
// transcoder keeps a little state per open object: their number is bounded first (an envelope,
// its body, and the points or the events and statuses).
bool parse_json(std::string_view json, pb::Envelope& m, const codec_limits& limits, failure& fail) {
  if (json.size() > limits.max_json_bytes || json.size() > static_cast<std::size_t>(INT_MAX)) {
    return fail(errc::message_too_large, "JSON: " + std::to_string(json.size()) +
                                             " bytes, at most " +
                                             std::to_string(limits.max_json_bytes) + " allowed");
  }
  const std::size_t objects = json_objects(json);
  const std::size_t max_objects =
      2 + std::max(limits.max_points, limits.max_events + limits.max_statuses);
  if (objects > max_objects) {
    return fail(errc::too_many_items, "JSON: " + std::to_string(objects) + " objects, at most " +
                                          std::to_string(max_objects) +
                                          " allowed (points, or events and statuses)");
  }
  gpu::JsonParseOptions options;
  options.ignore_unknown_fields = false;
  std::string wire;
  const auto status = gpu::JsonToBinaryString(
      &type_resolver(), "type.googleapis.com/" + pb::Envelope::descriptor()->full_name(),
      ::google::protobuf::StringPiece(json.data(), json.size()), &wire, options);
  if (!status.ok()) {
    return fail(errc::malformed, "JSON: not a firebus.v1.Envelope: " + status.ToString());
  }
  return parse_wire(byte_view(reinterpret_cast<const std::uint8_t*>(wire.data()), wire.size()), m,
                    limits, fail, "JSON");
}

// protobuf's printer writes -0.0 as -0, which its parser reads as the integer 0: the sign is
// lost. Every JSON number token -0 (outside strings) becomes -0.0, which parses as -0.0.
std::string keep_negative_zero(const std::string& text) {
  std::string out;
  out.reserve(text.size());
  bool in_string = false;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    out += c;
    if (in_string) {
      if (c == '\\' && i + 1 < text.size()) {
        out += text[++i];
      } else if (c == '"') {
        in_string = false;
      }
      continue;
    }
    if (c == '"') {
      in_string = true;
    } else if (c == '-' && i + 1 < text.size() && text[i + 1] == '0' &&
               (i + 2 == text.size() || text[i + 2] == ',' || text[i + 2] == ']' ||
                text[i + 2] == '}')) {
      out += "0.0";
      ++i;
    }
  }
  return out;
}

bool print_json(const pb::Envelope& m, std::string& out, const codec_limits& limits,
                failure& fail) {
  gpu::JsonPrintOptions options;
  options.add_whitespace = false;
  options.always_print_primitive_fields = false;
  options.always_print_enums_as_ints = false;
  options.preserve_proto_field_names = false;
  std::string printed;
  const auto status = gpu::MessageToJsonString(m, &printed, options);
  if (!status.ok()) {
    return fail(errc::malformed, "JSON: cannot print: " + status.ToString());
  }
  std::string text = keep_negative_zero(printed);
  if (text.size() > limits.max_json_bytes) {
    return fail(errc::message_too_large, "JSON: " + std::to_string(text.size()) +
                                             " bytes, at most " +
                                             std::to_string(limits.max_json_bytes) + " allowed");
  }
  out = std::move(text);
  return true;
}

}  // namespace

namespace detail {

std::vector<std::uint8_t> encode_envelope(const envelope& env, const alias_table* aliases,
                                          const codec_limits& limits, std::error_code& ec,
                                          std::string* why) {
  failure fail(ec, why);
  pb::Envelope m;
  std::vector<std::uint8_t> out;
  if (!envelope_to(env, aliases, m, limits, fail) || !serialize(m, out, limits, fail)) return {};
  ec.clear();
  return out;
}

envelope decode_envelope(byte_view bytes, const birth_registry* births, const alias_table* aliases,
                         const codec_limits& limits, std::error_code& ec, std::string* why) {
  failure fail(ec, why);
  pb::Envelope m;
  envelope out;
  if (!parse_wire(bytes, m, limits, fail) ||
      !envelope_from(m, alias_source{births, aliases}, out, fail)) {
    return {};
  }
  ec.clear();
  return out;
}

std::string to_json(const envelope& env, const alias_table* aliases, const codec_limits& limits,
                    std::error_code& ec, std::string* why) {
  failure fail(ec, why);
  pb::Envelope m;
  std::string out;
  if (!envelope_to(env, aliases, m, limits, fail) || !print_json(m, out, limits, fail)) {
    return {};
  }
  ec.clear();
  return out;
}

envelope envelope_from_json(std::string_view json, const birth_registry* births,
                            const alias_table* aliases, const codec_limits& limits,
                            std::error_code& ec, std::string* why) {
  failure fail(ec, why);
  pb::Envelope m;
  envelope out;
  if (!parse_json(json, m, limits, fail) ||
      !envelope_from(m, alias_source{births, aliases}, out, fail)) {
    return {};
  }
  ec.clear();
  return out;
}

std::vector<std::uint8_t> stamp_envelope(byte_view bytes, const envelope_stamp& s,
                                         const codec_limits& limits, std::error_code& ec,
                                         std::string* why) {
  failure fail(ec, why);
  pb::Envelope m;
  std::vector<std::uint8_t> out;
  if (s.seq == 0) {
    fail(errc::missing_seq, "stamp: seq 0, 1 or more expected");
    return {};
  }
  if (!parse_wire(bytes, m, limits, fail)) return {};
  m.set_seq(s.seq);
  m.set_lane(static_cast<pb::Lane>(s.lane));
  if (s.historical && m.has_batch()) m.mutable_batch()->set_historical(true);
  if (!serialize(m, out, limits, fail)) return {};
  ec.clear();
  return out;
}

std::string wire_to_json(byte_view bytes, const codec_limits& limits, std::error_code& ec,
                         std::string* why) {
  failure fail(ec, why);
  pb::Envelope m;
  std::string out;
  if (!parse_wire(bytes, m, limits, fail) || !print_json(m, out, limits, fail)) return {};
  ec.clear();
  return out;
}

std::vector<std::uint8_t> json_to_wire(std::string_view json, const codec_limits& limits,
                                       std::error_code& ec, std::string* why) {
  failure fail(ec, why);
  pb::Envelope m;
  std::vector<std::uint8_t> out;
  if (!parse_json(json, m, limits, fail) || !serialize(m, out, limits, fail)) return {};
  ec.clear();
  return out;
}

}  // namespace detail

}  // namespace telemetry
}  // namespace v1
}  // namespace firebus
