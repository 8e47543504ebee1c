// firebus — fire-safety IoT SDK.
//
// Sparkplug B payloads (<firebus/telemetry/sparkplug.hpp>): firebus::telemetry::sparkplug::payload
// to and from the generated firebus.sparkplug_b.Payload (protocols/sparkplug_b/sparkplug_b.proto,
// wire-compatible with Eclipse Tahu's schema).
//
// Decoding takes three steps:
//   - walk(): one pass over the wire format with no allocation: tags, wire types of the known
//     fields, lengths, nesting and the number of metrics and property values, against the
//     limits, so that protobuf's parser (next) never allocates beyond them;
//   - protobuf's parser;
//   - from_pb(): the conversion to C++ values, checking datatypes, value ranges and UTF-8.
// Encoding applies the same checks to the C++ values before building the message.

// firebus's headers come first (they declare firebus::v1 as the library's inline namespace).
#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <string>
#include <string_view>
#include <system_error>
#include <utility>
#include <variant>
#include <vector>

#include <firebus/telemetry/error.hpp>
#include <firebus/telemetry/sparkplug.hpp>

#include "sparkplug_detail.hpp"
#include "utf8.hpp"

// protoc's code of firebus's private copy of the schema (package firebus_private.firebus.
// sparkplug_b: see CMakeLists.txt).
#include "firebus_private/sparkplug_b/sparkplug_b.pb.h"

namespace firebus {
inline namespace v1 {
namespace telemetry {
namespace sparkplug {
namespace {

namespace pb = ::firebus_private::firebus::sparkplug_b;
using pb_metric = pb::Payload::Metric;
using pb_property_value = pb::Payload::PropertyValue;
using pb_property_set = pb::Payload::PropertySet;

// Nesting of protobuf messages the decoder follows at most (protobuf's own limit is 100).
constexpr std::size_t max_wire_depth = 64;

// Records the first failure: the code, and where and what for people.
class failure {
 public:
  failure(std::error_code& ec, std::string* why) noexcept : ec_(ec), why_(why) {}
  bool operator()(errc e, const std::string& where, const std::string& what) {
    ec_ = make_error_code(e);
    if (why_ != nullptr) *why_ = where.empty() ? what : where + ": " + what;
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

std::string metric_where(const std::string& prefix, std::size_t i, std::string_view name) {
  std::string w = prefix + "metrics[" + std::to_string(i) + "]";
  if (!name.empty()) w += " (" + quoted(name) + ")";
  return w;
}

std::string type_name(data_type t) {
  const std::string_view n = to_string(t);
  if (!n.empty()) return std::string(n);
  return "datatype " + std::to_string(static_cast<std::uint32_t>(t));
}

using ::firebus::telemetry::detail::is_utf8;

// --- step 1: the wire walk -------------------------------------------------------------------

enum class msg : std::uint8_t {
  none,  // a string or bytes field: not a message
  payload,
  metric,
  metadata,
  property_set,
  property_value,
  property_set_list,
  dataset,
  dataset_value,
  row,
  template_,
  parameter,
  extension,  // extensions 1 to max: every field unknown
};

constexpr std::uint8_t wt_varint = 0;
constexpr std::uint8_t wt_fixed64 = 1;
constexpr std::uint8_t wt_len = 2;
constexpr std::uint8_t wt_fixed32 = 5;
constexpr std::uint8_t wt_any = 0xFF;  // an unknown field: any wire type but groups

struct rule {
  std::uint8_t wire = wt_any;
  msg sub = msg::none;
};

constexpr rule r_varint{wt_varint, msg::none};
constexpr rule r_fixed32{wt_fixed32, msg::none};
constexpr rule r_fixed64{wt_fixed64, msg::none};
constexpr rule r_text{wt_len, msg::none};
constexpr rule r_sub(msg m) { return {wt_len, m}; }

// The wire type (and submessage) of field `f` of message `m`, as sparkplug_b.proto declares.
constexpr rule rule_of(msg m, std::uint32_t f) {
  switch (m) {
    case msg::payload:
      switch (f) {
        case 1:
        case 3:
          return r_varint;
        case 2:
          return r_sub(msg::metric);
        case 4:
        case 5:
          return r_text;
        default:
          return {};
      }
    case msg::metric:
      switch (f) {
        case 1:
        case 15:
        case 16:
          return r_text;
        case 2:
        case 3:
        case 4:
        case 5:
        case 6:
        case 7:
        case 10:
        case 11:
        case 14:
          return r_varint;
        case 8:
          return r_sub(msg::metadata);
        case 9:
          return r_sub(msg::property_set);
        case 12:
          return r_fixed32;
        case 13:
          return r_fixed64;
        case 17:
          return r_sub(msg::dataset);
        case 18:
          return r_sub(msg::template_);
        case 19:
          return r_sub(msg::extension);
        default:
          return {};
      }
    case msg::metadata:
      switch (f) {
        case 1:
        case 3:
        case 4:
          return r_varint;
        case 2:
        case 5:
        case 6:
        case 7:
        case 8:
          return r_text;
        default:
          return {};
      }
    case msg::property_set:
      switch (f) {
        case 1:
          return r_text;
        case 2:
          return r_sub(msg::property_value);
        default:
          return {};
      }
    case msg::property_value:
      switch (f) {
        case 1:
        case 2:
        case 3:
        case 4:
        case 7:
          return r_varint;
        case 5:
          return r_fixed32;
        case 6:
          return r_fixed64;
        case 8:
          return r_text;
        case 9:
          return r_sub(msg::property_set);
        case 10:
          return r_sub(msg::property_set_list);
        case 11:
          return r_sub(msg::extension);
        default:
          return {};
      }
    case msg::property_set_list:
      return f == 1 ? r_sub(msg::property_set) : rule{};
    case msg::dataset:
      switch (f) {
        case 1:
        case 3:  // repeated uint32: packed (length-delimited) accepted too
          return r_varint;
        case 2:
          return r_text;
        case 4:
          return r_sub(msg::row);
        default:
          return {};
      }
    case msg::row:
      return f == 1 ? r_sub(msg::dataset_value) : rule{};
    case msg::dataset_value:
      switch (f) {
        case 1:
        case 2:
        case 5:
          return r_varint;
        case 3:
          return r_fixed32;
        case 4:
          return r_fixed64;
        case 6:
          return r_text;
        case 7:
          return r_sub(msg::extension);
        default:
          return {};
      }
    case msg::template_:
      switch (f) {
        case 1:
        case 4:
          return r_text;
        case 2:
          return r_sub(msg::metric);
        case 3:
          return r_sub(msg::parameter);
        case 5:
          return r_varint;
        default:
          return {};
      }
    case msg::parameter:
      switch (f) {
        case 1:
        case 8:
          return r_text;
        case 2:
        case 3:
        case 4:
        case 7:
          return r_varint;
        case 5:
          return r_fixed32;
        case 6:
          return r_fixed64;
        case 9:
          return r_sub(msg::extension);
        default:
          return {};
      }
    case msg::none:
    case msg::extension:
      return {};
  }
  return {};
}

struct walk_state {
  const limits& lim;
  failure& fail;
  std::size_t metrics = 0;
  std::size_t properties = 0;
  std::size_t messages = 0;

  // Counts a message of kind `m` (inside `sets` property sets, itself included) against the
  // limits: the decoder's walk and the encoder count alike, so that they refuse alike.
  bool enter(msg m, std::size_t sets, const std::string& where) {
    if (m == msg::metric && ++metrics > lim.max_metrics) {
      return fail(errc::too_many_items, where,
                  "more than " + std::to_string(lim.max_metrics) + " metrics");
    }
    if (m == msg::property_value && ++properties > lim.max_properties) {
      return fail(errc::too_many_items, where,
                  "more than " + std::to_string(lim.max_properties) + " property values");
    }
    if (m == msg::property_set && sets > lim.max_depth) {
      return fail(errc::nesting_too_deep, where,
                  "property sets nested more than " + std::to_string(lim.max_depth) + " deep");
    }
    if (++messages > lim.max_metrics + lim.max_properties + 1) {
      return fail(errc::too_many_items, where, "more submessages than the limits allow");
    }
    return true;
  }
};

bool read_varint(const std::uint8_t*& p, const std::uint8_t* end, std::uint64_t& out) {
  std::uint64_t v = 0;
  for (unsigned shift = 0; shift < 70; shift += 7) {
    if (p == end) return false;
    const std::uint8_t b = *p++;
    v |= static_cast<std::uint64_t>(b & 0x7F) << shift;
    if ((b & 0x80) == 0) {
      out = v;
      return true;
    }
  }
  return false;  // more than 10 bytes
}

const char* message_name(msg m) {
  switch (m) {
    case msg::payload:
      return "Payload";
    case msg::metric:
      return "Metric";
    case msg::metadata:
      return "MetaData";
    case msg::property_set:
      return "PropertySet";
    case msg::property_value:
      return "PropertyValue";
    case msg::property_set_list:
      return "PropertySetList";
    case msg::dataset:
      return "DataSet";
    case msg::dataset_value:
      return "DataSetValue";
    case msg::row:
      return "Row";
    case msg::template_:
      return "Template";
    case msg::parameter:
      return "Parameter";
    case msg::extension:
      return "extension";
    case msg::none:
      break;
  }
  return "field";
}

// Walks one message of kind `m` spanning [p, end). `depth`: messages around it; `sets`: property
// sets around it.
bool walk(const std::uint8_t* p, const std::uint8_t* end, msg m, std::size_t depth,
          std::size_t sets, walk_state& st, const std::uint8_t* origin) {
  const auto offset = [&](const std::uint8_t* at) {
    return "offset " + std::to_string(static_cast<std::size_t>(at - origin));
  };
  if (depth > max_wire_depth) {
    return st.fail(errc::nesting_too_deep, offset(p),
                   "messages nested more than " + std::to_string(max_wire_depth) + " deep");
  }
  if (m == msg::property_set) ++sets;
  if (!st.enter(m, sets, offset(p))) return false;
  while (p != end) {
    const std::uint8_t* at = p;
    std::uint64_t key = 0;
    if (!read_varint(p, end, key)) {
      return st.fail(errc::malformed, offset(at),
                     "truncated field key in a " + std::string(message_name(m)));
    }
    const auto wire = static_cast<std::uint8_t>(key & 7);
    const std::uint64_t field = key >> 3;
    if (field == 0 || field > 536'870'911) {
      return st.fail(errc::malformed, offset(at),
                     "field number " + std::to_string(field) + " in a " + message_name(m));
    }
    const rule r = rule_of(m, static_cast<std::uint32_t>(field));
    const bool packed_ok = m == msg::dataset && field == 3;
    if (r.wire != wt_any && r.wire != wire && !(packed_ok && wire == wt_len)) {
      return st.fail(errc::malformed, offset(at),
                     std::string(message_name(m)) + " field " + std::to_string(field) +
                         ": wire type " + std::to_string(wire) + ", " + std::to_string(r.wire) +
                         " expected");
    }
    switch (wire) {
      case wt_varint: {
        std::uint64_t ignored = 0;
        if (!read_varint(p, end, ignored)) {
          return st.fail(errc::malformed, offset(at), "truncated varint");
        }
        break;
      }
      case wt_fixed64:
        if (end - p < 8) return st.fail(errc::malformed, offset(at), "truncated fixed64");
        p += 8;
        break;
      case wt_fixed32:
        if (end - p < 4) return st.fail(errc::malformed, offset(at), "truncated fixed32");
        p += 4;
        break;
      case wt_len: {
        std::uint64_t len = 0;
        if (!read_varint(p, end, len) || len > static_cast<std::uint64_t>(end - p)) {
          return st.fail(errc::malformed, offset(at),
                         std::string(message_name(m)) + " field " + std::to_string(field) +
                             ": length beyond the end of the message");
        }
        const std::uint8_t* inner_end = p + len;
        if (r.sub != msg::none) {
          if (!walk(p, inner_end, r.sub, depth + 1, sets, st, origin)) return false;
        } else if (packed_ok) {
          const std::uint8_t* q = p;
          while (q != inner_end) {
            std::uint64_t ignored = 0;
            if (!read_varint(q, inner_end, ignored)) {
              return st.fail(errc::malformed, offset(q), "truncated packed varint");
            }
          }
        }
        p = inner_end;
        break;
      }
      default:  // groups (3, 4) and the undefined wire types 6, 7
        return st.fail(errc::malformed, offset(at),
                       "wire type " + std::to_string(wire) + " in a " + message_name(m));
    }
  }
  return true;
}

// --- values ----------------------------------------------------------------------------------

// Where a value travels.
enum class slot : std::uint8_t {
  none,      // no value field (unknown, and PropertySet/PropertySetList for metrics)
  int32,     // int_value (uint32)
  int64,     // long_value (uint64)
  float32,   // float_value
  float64,   // double_value
  boolean,   // boolean_value
  text,      // string_value
  raw,       // bytes_value
  dataset,   // dataset_value
  template_  // template_value
};

slot slot_of(data_type t) noexcept {
  switch (t) {
    case data_type::int8:
    case data_type::int16:
    case data_type::int32:
    case data_type::uint8:
    case data_type::uint16:
    case data_type::uint32:
      return slot::int32;
    case data_type::int64:
    case data_type::uint64:
    case data_type::datetime:
      return slot::int64;
    case data_type::float_:
      return slot::float32;
    case data_type::double_:
      return slot::float64;
    case data_type::boolean:
      return slot::boolean;
    case data_type::string:
    case data_type::text:
    case data_type::uuid:
      return slot::text;
    case data_type::dataset:
      return slot::dataset;
    case data_type::template_:
      return slot::template_;
    default:
      return is_array(t) || t == data_type::bytes || t == data_type::file ? slot::raw : slot::none;
  }
}

// Bits of an integer datatype; signedness.
unsigned width_of(data_type t) noexcept {
  switch (t) {
    case data_type::int8:
    case data_type::uint8:
      return 8;
    case data_type::int16:
    case data_type::uint16:
      return 16;
    case data_type::int32:
    case data_type::uint32:
      return 32;
    default:
      return 64;
  }
}
bool is_signed(data_type t) noexcept {
  return t == data_type::int8 || t == data_type::int16 || t == data_type::int32 ||
         t == data_type::int64;
}

bool fits_signed(std::int64_t s, unsigned w) noexcept {
  if (w >= 64) return true;
  const std::int64_t hi = (std::int64_t{1} << (w - 1)) - 1;
  return s >= -hi - 1 && s <= hi;
}
bool fits_unsigned(std::uint64_t u, unsigned w) noexcept {
  return w >= 64 || u <= ((std::uint64_t{1} << w) - 1);
}

// The signed value of a wire integer `u` under a signed datatype of `w` bits: the w-bit two's
// complement when u < 2^w, else the 32-bit one when u < 2^32 (sign-extended to 32 bits), else
// the 64-bit one. False if it does not fit w bits.
bool wire_to_signed(std::uint64_t u, unsigned w, std::int64_t& out) noexcept {
  std::int64_t s = 0;
  if (w >= 64) {
    s = static_cast<std::int64_t>(u);
  } else if (u < (std::uint64_t{1} << w)) {
    const std::uint64_t sign = std::uint64_t{1} << (w - 1);
    s = (u & sign) != 0 ? static_cast<std::int64_t>(u) - (std::int64_t{1} << w)
                        : static_cast<std::int64_t>(u);
  } else if (u <= 0xFFFF'FFFFu) {
    s = static_cast<std::int32_t>(static_cast<std::uint32_t>(u));
  } else {
    s = static_cast<std::int64_t>(u);
  }
  if (!fits_signed(s, w)) return false;
  out = s;
  return true;
}

std::string describe(const metric_value& v) {
  switch (v.index()) {
    case 0:
      return "no value";
    case 1:
      return std::get<bool>(v) ? "true" : "false";
    case 2:
      return std::to_string(std::get<std::int64_t>(v));
    case 3:
      return std::to_string(std::get<std::uint64_t>(v));
    case 4:
      return "a float";
    case 5:
      return "a double";
    case 6:
      return "a string";
    default:
      return "bytes";
  }
}

// A user's value → the canonical alternative of datatype `t` (encoding; no two's complement
// reinterpretation: integers must fit numerically). Empty string `why` on success.
metric_value canonical(const metric_value& v, data_type t, std::string& why) {
  why.clear();
  if (std::holds_alternative<std::monostate>(v)) return v;
  const std::string tn = type_name(t);
  switch (value_kind(t)) {
    case 1:
      if (std::holds_alternative<bool>(v)) return v;
      break;
    case 2:
    case 3: {
      const unsigned w = width_of(t);
      const bool sgn = is_signed(t);
      if (const auto* s = std::get_if<std::int64_t>(&v)) {
        if (sgn ? fits_signed(*s, w)
                : (*s >= 0 && fits_unsigned(static_cast<std::uint64_t>(*s), w))) {
          return sgn ? metric_value(*s) : metric_value(static_cast<std::uint64_t>(*s));
        }
        why = tn + " value " + std::to_string(*s) + " out of range";
        return {};
      }
      if (const auto* u = std::get_if<std::uint64_t>(&v)) {
        constexpr auto int64_max =
            static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max());
        if (sgn ? *u <= int64_max && fits_signed(static_cast<std::int64_t>(*u), w)
                : fits_unsigned(*u, w)) {
          return sgn ? metric_value(static_cast<std::int64_t>(*u)) : metric_value(*u);
        }
        why = tn + " value " + std::to_string(*u) + " out of range";
        return {};
      }
      break;
    }
    case 4:
      if (std::holds_alternative<float>(v)) return v;
      if (const auto* d = std::get_if<double>(&v)) {
        if (std::isfinite(*d) &&
            std::fabs(*d) > static_cast<double>(std::numeric_limits<float>::max())) {
          why = "Float value out of the range of a float";
          return {};
        }
        return static_cast<float>(*d);
      }
      break;
    case 5:
      if (std::holds_alternative<double>(v)) return v;
      if (const auto* f = std::get_if<float>(&v)) return static_cast<double>(*f);
      break;
    case 6:
      if (std::holds_alternative<std::string>(v)) return v;
      break;
    case 7:
      if (std::holds_alternative<bytes>(v)) return v;
      break;
    default:
      why = tn + " cannot carry a value";
      return {};
  }
  why = tn + " value given as " + describe(v);
  return {};
}

}  // namespace

namespace detail {

metric_value canonical_value(const metric_value& v, data_type t, std::string& why) {
  return canonical(v, t, why);
}

metric_value convert(const metric_value& v, data_type t, std::error_code& ec, std::string* why) {
  ec.clear();
  std::string bad;
  metric_value out = canonical(v, t, bad);
  if (bad.empty()) return out;
  ec = make_error_code(errc::value_mismatch);
  if (why != nullptr) *why = std::move(bad);
  return {};
}

// A value in its wire form (or already typed) → the canonical alternative of `t` (decoding and
// resolve_datatype()).
metric_value resolve(const metric_value& raw, data_type t, std::error_code& ec) {
  ec.clear();
  if (std::holds_alternative<std::monostate>(raw)) return raw;
  if (!is_known(t)) {
    ec = make_error_code(errc::unknown_datatype);
    return {};
  }
  const std::size_t kind = value_kind(t);
  // A wire integer: std::uint64_t, or a non-negative std::int64_t (as Python hands them back).
  const auto* as_signed = std::get_if<std::int64_t>(&raw);
  if ((kind == 2 || kind == 3) &&
      (std::holds_alternative<std::uint64_t>(raw) || (as_signed != nullptr && *as_signed >= 0))) {
    const std::uint64_t u = as_signed != nullptr ? static_cast<std::uint64_t>(*as_signed)
                                                 : std::get<std::uint64_t>(raw);
    if (kind == 2) {
      std::int64_t s = 0;
      if (wire_to_signed(u, width_of(t), s)) return s;
    } else if (fits_unsigned(u, width_of(t))) {
      return u;
    }
    ec = make_error_code(errc::value_mismatch);
    return {};
  }
  std::string why;
  metric_value out = canonical(raw, t, why);
  // Only exact kinds here (a raw float is not a Double, a raw double not a Float).
  if (why.empty() && (raw.index() == out.index() || kind == 2 || kind == 3)) return out;
  ec = make_error_code(errc::value_mismatch);
  return {};
}

}  // namespace detail

namespace {

// --- step 3: protobuf message → C++ ----------------------------------------------------------

struct reader {
  failure& fail;

  bool text(const std::string& s, const std::string& where) {
    if (is_utf8(s)) return true;
    return fail(errc::invalid_text, where, "not valid UTF-8");
  }

  // The value held by a Metric, PropertyValue (same field names) as its wire form.
  template <class M>
  static metric_value raw_scalar(const M& m) {
    switch (static_cast<int>(m.value_case())) {
      case M::kIntValue:
        return std::uint64_t{m.int_value()};
      case M::kLongValue:
        return std::uint64_t{m.long_value()};
      case M::kFloatValue:
        return m.float_value();
      case M::kDoubleValue:
        return m.double_value();
      case M::kBooleanValue:
        return m.boolean_value();
      case M::kStringValue:
        return m.string_value();
      default:
        return {};
    }
  }

  // Checks that the field holding the value is the datatype's, and converts.
  bool typed(const metric_value& raw, slot held, data_type t, const std::string& where,
             metric_value& out) {
    const slot want = slot_of(t);
    const bool ints_ok = (want == slot::int32 || want == slot::int64) &&
                         (held == slot::int32 || held == slot::int64);
    if (held != want && !ints_ok) {
      return fail(errc::value_mismatch, where,
                  type_name(t) + " value in another field than its datatype's");
    }
    std::error_code ec;
    out = detail::resolve(raw, t, ec);
    if (ec) {
      return fail(errc::value_mismatch, where,
                  type_name(t) + " value " + describe(raw) + " out of range");
    }
    return true;
  }

  bool property_set_from(const pb_property_set& in, property_set& out, const std::string& where) {
    if (in.keys_size() != in.values_size()) {
      return fail(errc::malformed, where,
                  std::to_string(in.keys_size()) + " keys and " + std::to_string(in.values_size()) +
                      " values");
    }
    out.items.resize(static_cast<std::size_t>(in.keys_size()));
    for (int i = 0; i < in.keys_size(); ++i) {
      property& p = out.items[static_cast<std::size_t>(i)];
      const std::string w = where + "[" + quoted(in.keys(i)) + "]";
      if (!text(in.keys(i), where + ".keys[" + std::to_string(i) + "]")) return false;
      p.key = in.keys(i);
      if (!property_value_from(in.values(i), p.value, w)) return false;
    }
    return true;
  }

  bool property_value_from(const pb_property_value& in, property_value& out,
                           const std::string& where) {
    const auto t = static_cast<data_type>(in.type());
    out.type = t;
    out.is_null = in.is_null();
    if (!is_known(t)) {
      return fail(errc::unknown_datatype, where,
                  "property type " + std::to_string(in.type()) + " (1..34 expected)");
    }
    if (t == data_type::dataset || t == data_type::bytes || t == data_type::file ||
        t == data_type::template_ || is_array(t)) {
      return fail(errc::unknown_datatype, where, type_name(t) + " cannot be a property's type");
    }
    const auto vc = in.value_case();
    if (vc == pb_property_value::kExtensionValue) {
      return fail(errc::value_mismatch, where, "extension values are not supported");
    }
    if (vc == pb_property_value::VALUE_NOT_SET) return true;
    if (out.is_null) return fail(errc::value_mismatch, where, "a value and is_null");
    if (vc == pb_property_value::kPropertysetValue || vc == pb_property_value::kPropertysetsValue) {
      const bool one = vc == pb_property_value::kPropertysetValue;
      if (t != (one ? data_type::property_set : data_type::property_set_list)) {
        return fail(errc::value_mismatch, where, type_name(t) + " value holding property sets");
      }
      if (one) {
        out.sets.resize(1);
        return property_set_from(in.propertyset_value(), out.sets[0], where);
      }
      const auto& list = in.propertysets_value();
      out.sets.resize(static_cast<std::size_t>(list.propertyset_size()));
      for (int i = 0; i < list.propertyset_size(); ++i) {
        if (!property_set_from(list.propertyset(i), out.sets[static_cast<std::size_t>(i)],
                               where + "[" + std::to_string(i) + "]")) {
          return false;
        }
      }
      return true;
    }
    const metric_value raw = raw_scalar(in);
    if (const auto* s = std::get_if<std::string>(&raw)) {
      if (!text(*s, where)) return false;
    }
    if (t == data_type::property_set || t == data_type::property_set_list) {
      return fail(errc::value_mismatch, where, type_name(t) + " holding a scalar");
    }
    slot held = slot::none;
    switch (vc) {
      case pb_property_value::kIntValue:
        held = slot::int32;
        break;
      case pb_property_value::kLongValue:
        held = slot::int64;
        break;
      case pb_property_value::kFloatValue:
        held = slot::float32;
        break;
      case pb_property_value::kDoubleValue:
        held = slot::float64;
        break;
      case pb_property_value::kBooleanValue:
        held = slot::boolean;
        break;
      default:
        held = slot::text;
        break;
    }
    return typed(raw, held, t, where, out.value);
  }

  bool metric_from(const pb_metric& in, metric& out, const std::string& where) {
    if (!text(in.name(), where + ".name")) return false;
    out.name = in.name();
    if (in.has_alias()) out.alias = in.alias();
    if (in.has_timestamp()) out.timestamp = in.timestamp();
    const auto t = static_cast<data_type>(in.datatype());
    if (in.datatype() != 0 &&
        (!is_known(t) || t == data_type::property_set || t == data_type::property_set_list)) {
      return fail(errc::unknown_datatype, where,
                  "datatype " + std::to_string(in.datatype()) +
                      (is_known(t) ? " cannot be a metric's" : " (1..34 expected)"));
    }
    out.datatype = t;
    out.is_historical = in.is_historical();
    out.is_transient = in.is_transient();
    out.is_null = in.is_null();
    if (in.has_properties() &&
        !property_set_from(in.properties(), out.properties, where + ".properties")) {
      return false;
    }
    const auto vc = in.value_case();
    if (vc == pb_metric::VALUE_NOT_SET) return true;
    if (out.is_null) return fail(errc::value_mismatch, where, "a value and is_null");
    slot held = slot::none;
    metric_value raw;
    switch (vc) {
      case pb_metric::kIntValue:
        held = slot::int32;
        raw = std::uint64_t{in.int_value()};
        break;
      case pb_metric::kLongValue:
        held = slot::int64;
        raw = std::uint64_t{in.long_value()};
        break;
      case pb_metric::kFloatValue:
        held = slot::float32;
        raw = in.float_value();
        break;
      case pb_metric::kDoubleValue:
        held = slot::float64;
        raw = in.double_value();
        break;
      case pb_metric::kBooleanValue:
        held = slot::boolean;
        raw = in.boolean_value();
        break;
      case pb_metric::kStringValue:
        held = slot::text;
        if (!text(in.string_value(), where)) return false;
        raw = in.string_value();
        break;
      case pb_metric::kBytesValue:
        held = slot::raw;
        raw = bytes(in.bytes_value().begin(), in.bytes_value().end());
        break;
      case pb_metric::kDatasetValue: {
        held = slot::dataset;
        const std::string s = in.dataset_value().SerializeAsString();
        raw = bytes(s.begin(), s.end());
        break;
      }
      case pb_metric::kTemplateValue: {
        held = slot::template_;
        const std::string s = in.template_value().SerializeAsString();
        raw = bytes(s.begin(), s.end());
        break;
      }
      default:
        return fail(errc::value_mismatch, where, "extension values are not supported");
    }
    if (t == data_type::unknown) {
      out.value = std::move(raw);
      return true;
    }
    if (held == slot::raw || held == slot::dataset || held == slot::template_) {
      if (slot_of(t) != held) {
        return fail(errc::value_mismatch, where,
                    type_name(t) + " value in another field than its datatype's");
      }
      out.value = std::move(raw);
      return true;
    }
    return typed(raw, held, t, where, out.value);
  }
};

// --- encoding: C++ → protobuf message ---------------------------------------------------------

struct writer {
  const limits& lim;
  failure& fail;
  bool omit_datatypes;
  walk_state st{lim, fail, 0, 0, 1};  // the payload itself is one message

  bool text(const std::string& s, const std::string& where) {
    if (is_utf8(s)) return true;
    return fail(errc::invalid_text, where, "not valid UTF-8");
  }

  // An encoded DataSet or Template: checked (and counted) as the decoder will check it.
  bool walk_inner(const bytes& b, msg m, const std::string& where) {
    std::string inner_why;
    std::error_code inner_ec;
    failure inner(inner_ec, &inner_why);
    walk_state inner_st{lim, inner, st.metrics, st.properties, st.messages};
    static const std::uint8_t none = 0;
    const std::uint8_t* begin = b.empty() ? &none : b.data();
    if (!walk(begin, begin + b.size(), m, 2, 0, inner_st, begin)) {
      return fail(static_cast<errc>(inner_ec.value()), where, inner_why);
    }
    st.metrics = inner_st.metrics;
    st.properties = inner_st.properties;
    st.messages = inner_st.messages;
    return true;
  }

  // Sets the value field of a Metric or PropertyValue from a canonical value.
  template <class M>
  static void set_scalar(M& m, const metric_value& v, data_type t) {
    switch (v.index()) {
      case 1:
        m.set_boolean_value(std::get<bool>(v));
        break;
      case 2: {
        const std::int64_t s = std::get<std::int64_t>(v);
        // Two's complement (sign-extended to the field's width).
        if (slot_of(t) == slot::int32) {
          m.set_int_value(static_cast<std::uint32_t>(static_cast<std::int32_t>(s)));
        } else {
          m.set_long_value(static_cast<std::uint64_t>(s));
        }
        break;
      }
      case 3: {
        const std::uint64_t u = std::get<std::uint64_t>(v);
        if (slot_of(t) == slot::int32) {
          m.set_int_value(static_cast<std::uint32_t>(u));
        } else {
          m.set_long_value(u);
        }
        break;
      }
      case 4:
        m.set_float_value(std::get<float>(v));
        break;
      case 5:
        m.set_double_value(std::get<double>(v));
        break;
      case 6:
        m.set_string_value(std::get<std::string>(v));
        break;
      default:
        break;
    }
  }

  bool property_set_to(const property_set& in, pb_property_set& out, const std::string& where,
                       std::size_t depth) {
    if (!st.enter(msg::property_set, depth, where)) return false;
    for (std::size_t i = 0; i < in.items.size(); ++i) {
      const property& p = in.items[i];
      if (!text(p.key, where + ".items[" + std::to_string(i) + "].key")) return false;
      out.add_keys(p.key);
      if (!property_value_to(p.value, *out.add_values(), where + "[" + quoted(p.key) + "]",
                             depth)) {
        return false;
      }
    }
    return true;
  }

  bool property_value_to(const property_value& in, pb_property_value& out, const std::string& where,
                         std::size_t depth) {
    if (!st.enter(msg::property_value, depth, where)) return false;
    const data_type t = in.type;
    if (!is_known(t) || t == data_type::dataset || t == data_type::bytes || t == data_type::file ||
        t == data_type::template_ || is_array(t)) {
      return fail(errc::unknown_datatype, where, type_name(t) + " cannot be a property's type");
    }
    out.set_type(static_cast<std::uint32_t>(t));
    if (in.is_null) {
      if (!std::holds_alternative<std::monostate>(in.value) || !in.sets.empty()) {
        return fail(errc::value_mismatch, where, "a value and is_null");
      }
      out.set_is_null(true);
      return true;
    }
    if (t == data_type::property_set || t == data_type::property_set_list) {
      if (!std::holds_alternative<std::monostate>(in.value)) {
        return fail(errc::value_mismatch, where, type_name(t) + " holding a scalar");
      }
      if (t == data_type::property_set) {
        if (in.sets.size() > 1) {
          return fail(errc::value_mismatch, where,
                      "PropertySet with " + std::to_string(in.sets.size()) + " sets (1 expected)");
        }
        if (in.sets.empty()) return true;  // no value
        return property_set_to(in.sets[0], *out.mutable_propertyset_value(), where, depth + 1);
      }
      auto* list = out.mutable_propertysets_value();
      for (std::size_t i = 0; i < in.sets.size(); ++i) {
        if (!property_set_to(in.sets[i], *list->add_propertyset(),
                             where + "[" + std::to_string(i) + "]", depth + 1)) {
          return false;
        }
      }
      return true;
    }
    if (!in.sets.empty()) {
      return fail(errc::value_mismatch, where, type_name(t) + " holding property sets");
    }
    std::string why;
    const metric_value v = canonical(in.value, t, why);
    if (!why.empty()) return fail(errc::value_mismatch, where, why);
    if (const auto* s = std::get_if<std::string>(&v)) {
      if (!text(*s, where)) return false;
    }
    set_scalar(out, v, t);
    return true;
  }

  bool metric_to(const metric& in, pb_metric& out, const std::string& where) {
    if (!st.enter(msg::metric, 0, where)) return false;
    if (!in.name.empty()) {
      if (!text(in.name, where + ".name")) return false;
      out.set_name(in.name);
    }
    if (in.alias) out.set_alias(*in.alias);
    if (in.timestamp) out.set_timestamp(*in.timestamp);
    const data_type t = in.datatype;
    if (t != data_type::unknown) {
      if (!is_known(t) || t == data_type::property_set || t == data_type::property_set_list) {
        return fail(
            errc::unknown_datatype, where,
            type_name(t) + (is_known(t) ? " cannot be a metric's datatype" : " (1..34 expected)"));
      }
      if (!omit_datatypes) out.set_datatype(static_cast<std::uint32_t>(t));
    }
    if (in.is_historical) out.set_is_historical(true);
    if (in.is_transient) out.set_is_transient(true);
    if (in.is_null) out.set_is_null(true);
    if (!in.properties.empty() &&
        !property_set_to(in.properties, *out.mutable_properties(), where + ".properties", 1)) {
      return false;
    }
    if (std::holds_alternative<std::monostate>(in.value)) return true;
    if (in.is_null) return fail(errc::value_mismatch, where, "a value and is_null");
    if (t == data_type::unknown) {
      // No datatype (DATA and CMD messages): the value goes in the field of its kind.
      switch (in.value.index()) {
        case 2:
          out.set_long_value(static_cast<std::uint64_t>(std::get<std::int64_t>(in.value)));
          return true;
        case 3:
          out.set_long_value(std::get<std::uint64_t>(in.value));
          return true;
        case 6:
          if (!text(std::get<std::string>(in.value), where)) return false;
          break;
        case 7: {
          const bytes& b = std::get<bytes>(in.value);
          out.set_bytes_value(b.data(), b.size());
          return true;
        }
        default:
          break;
      }
      set_scalar(out, in.value, t);
      return true;
    }
    std::string why;
    const metric_value v = canonical(in.value, t, why);
    if (!why.empty()) return fail(errc::value_mismatch, where, why);
    switch (slot_of(t)) {
      case slot::raw: {
        const bytes& b = std::get<bytes>(v);
        out.set_bytes_value(b.data(), b.size());
        return true;
      }
      case slot::dataset: {
        const bytes& b = std::get<bytes>(v);
        if (!walk_inner(b, msg::dataset, where)) return false;
        if (b.size() > static_cast<std::size_t>(std::numeric_limits<int>::max()) ||
            !out.mutable_dataset_value()->ParseFromArray(b.data(), static_cast<int>(b.size()))) {
          return fail(errc::value_mismatch, where, "DataSet value: not an encoded DataSet");
        }
        return true;
      }
      case slot::template_: {
        const bytes& b = std::get<bytes>(v);
        if (!walk_inner(b, msg::template_, where)) return false;
        if (b.size() > static_cast<std::size_t>(std::numeric_limits<int>::max()) ||
            !out.mutable_template_value()->ParseFromArray(b.data(), static_cast<int>(b.size()))) {
          return fail(errc::value_mismatch, where, "Template value: not an encoded Template");
        }
        return true;
      }
      case slot::text:
        if (!text(std::get<std::string>(v), where)) return false;
        break;
      default:
        break;
    }
    set_scalar(out, v, t);
    return true;
  }
};

}  // namespace

namespace detail {

bytes encode(const payload& p, const limits& lim, bool omit_datatypes, std::error_code& ec,
             std::string* why) {
  ec.clear();
  failure fail(ec, why);
  if (p.seq && *p.seq > 255) {
    fail(errc::value_mismatch, "seq", std::to_string(*p.seq) + " (0..255 expected)");
    return {};
  }
  pb::Payload out;
  if (p.timestamp) out.set_timestamp(*p.timestamp);
  if (p.seq) out.set_seq(*p.seq);
  if (p.uuid) {
    if (!is_utf8(*p.uuid)) {
      fail(errc::invalid_text, "uuid", "not valid UTF-8");
      return {};
    }
    out.set_uuid(*p.uuid);
  }
  if (p.body) out.set_body(p.body->data(), p.body->size());
  writer w{lim, fail, omit_datatypes};
  out.mutable_metrics()->Reserve(
      static_cast<int>(std::min<std::size_t>(p.metrics.size(), 1u << 20)));
  for (std::size_t i = 0; i < p.metrics.size(); ++i) {
    if (!w.metric_to(p.metrics[i], *out.add_metrics(), metric_where("", i, p.metrics[i].name))) {
      return {};
    }
  }
  const std::size_t size = out.ByteSizeLong();
  if (size > lim.max_payload_bytes ||
      size > static_cast<std::size_t>(std::numeric_limits<int>::max())) {
    fail(errc::message_too_large, "",
         std::to_string(size) + " bytes, at most " + std::to_string(lim.max_payload_bytes));
    return {};
  }
  bytes b(size);
  if (size > 0 && !out.SerializeToArray(b.data(), static_cast<int>(size))) {
    fail(errc::malformed, "", "protobuf could not serialize the payload");
    return {};
  }
  return b;
}

payload decode(const std::uint8_t* data, std::size_t size, const limits& lim, std::error_code& ec,
               std::string* why) {
  ec.clear();
  failure fail(ec, why);
  if (size > lim.max_payload_bytes ||
      size > static_cast<std::size_t>(std::numeric_limits<int>::max())) {
    fail(errc::message_too_large, "",
         std::to_string(size) + " bytes, at most " + std::to_string(lim.max_payload_bytes));
    return {};
  }
  if (data == nullptr && size != 0) {
    fail(errc::malformed, "", "no data");
    return {};
  }
  static const std::uint8_t empty = 0;
  const std::uint8_t* begin = size == 0 ? &empty : data;
  walk_state st{lim, fail};
  if (!walk(begin, begin + size, msg::payload, 0, 0, st, begin)) return {};

  pb::Payload in;
  if (!in.ParseFromArray(begin, static_cast<int>(size))) {
    fail(errc::malformed, "", "not a Sparkplug B payload");
    return {};
  }
  payload out;
  if (in.has_timestamp()) out.timestamp = in.timestamp();
  if (in.has_seq()) {
    if (in.seq() > 255) {
      fail(errc::value_mismatch, "seq", std::to_string(in.seq()) + " (0..255 expected)");
      return {};
    }
    out.seq = in.seq();
  }
  if (in.has_uuid()) {
    if (!is_utf8(in.uuid())) {
      fail(errc::invalid_text, "uuid", "not valid UTF-8");
      return {};
    }
    out.uuid = in.uuid();
  }
  if (in.has_body()) out.body = bytes(in.body().begin(), in.body().end());
  reader r{fail};
  out.metrics.resize(static_cast<std::size_t>(in.metrics_size()));
  for (int i = 0; i < in.metrics_size(); ++i) {
    const auto k = static_cast<std::size_t>(i);
    if (!r.metric_from(in.metrics(i), out.metrics[k], metric_where("", k, in.metrics(i).name()))) {
      return {};
    }
  }
  return out;
}

}  // namespace detail

}  // namespace sparkplug
}  // namespace telemetry
}  // namespace v1
}  // namespace firebus
