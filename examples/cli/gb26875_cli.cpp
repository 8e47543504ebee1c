// firebus — fire-safety IoT SDK.
//
// `firebus gb26875 decode` and `firebus gb26875 encode`: a GB/T 26875.3 dissector.
//
// decode reads hex text or raw bytes, cuts frames with gb26875::deframer (so glued frames,
// garbage and damaged frames are handled as a centre would handle them), and prints each frame
// as readable text or as one JSON object per line. encode reads those JSON lines back and writes
// the frames; anything decode printed re-encodes byte for byte (docs/protocols/gb26875.md, "The
// dissector CLI", describes the JSON).
//
// Each object type's fields are listed once, in wire order, by a schema() overload; three
// visitors walk them: text_writer (readable text), json_writer (JSON) and json_reader (JSON back
// into the struct). So the three cannot disagree on a field.
#include <algorithm>
#include <array>
#include <cerrno>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <deque>
#include <limits>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <system_error>
#include <type_traits>
#include <utility>
#include <variant>
#include <vector>

#include <firebus/core/byte_writer.hpp>
#include <firebus/core/bytes.hpp>
#include <firebus/core/time.hpp>
#include <firebus/gb26875/adu.hpp>
#include <firebus/gb26875/codes.hpp>
#include <firebus/gb26875/deframer.hpp>
#include <firebus/gb26875/error.hpp>
#include <firebus/gb26875/frame.hpp>
#include <firebus/text.hpp>

#include "cli.hpp"

#if defined(__unix__) || defined(__APPLE__)
#include <unistd.h>
#define FIREBUS_CLI_POSIX_READ 1
#else
#define FIREBUS_CLI_POSIX_READ 0
#endif

namespace firebus_cli {
namespace {

namespace gb = firebus::gb26875;
using json = nlohmann::ordered_json;

// Input is read, and decoded, in chunks of this size: memory stays bounded whatever the input.
constexpr std::size_t chunk_size = 64 * 1024;
// The longest JSON line encode accepts. A frame's JSON is at most some tens of kilobytes.
constexpr std::size_t max_line = 1024 * 1024;
// The deepest JSON encode accepts (a frame's JSON is 4 deep).
constexpr std::size_t max_json_depth = 32;

// ---------------------------------------------------------------------------------------------
// Small helpers
// ---------------------------------------------------------------------------------------------

constexpr char hex_digits[] = "0123456789abcdef";

// Lowercase hex, no separators ("4040...").
std::string to_hex(firebus::byte_view bytes) {
  std::string s;
  s.reserve(2 * bytes.size());
  for (const std::uint8_t b : bytes) {
    s += hex_digits[b >> 4];
    s += hex_digits[b & 0x0f];
  }
  return s;
}

// Hex with a space between bytes ("40 40 ..."), for reading.
std::string to_spaced_hex(firebus::byte_view bytes) {
  std::string s;
  for (const std::uint8_t b : bytes) {
    if (!s.empty()) s += ' ';
    s += hex_digits[b >> 4];
    s += hex_digits[b & 0x0f];
  }
  return s;
}

int hex_value(char c) noexcept {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

bool is_space(char c) noexcept {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
}

// "0x%0*x" without printf's varargs.
std::string hex_number(std::uint64_t v, int digits) {
  std::string s = "0x";
  for (int i = digits - 1; i >= 0; --i) s += hex_digits[(v >> (4 * i)) & 0x0f];
  return s;
}

std::string format_double(double v) {
  char buf[40];
  std::snprintf(buf, sizeof buf, "%.10g", v);
  return buf;
}

// A string for a one-line display: quoted, with quotes, backslashes and control characters
// escaped (configuration texts may hold 0x00 and line breaks).
std::string quote_text(std::string_view s) {
  std::string q = "\"";
  for (const char c : s) {
    const auto u = static_cast<unsigned char>(c);
    if (c == '"' || c == '\\') {
      q += '\\';
      q += c;
    } else if (u < 0x20 || u == 0x7f) {
      q += "\\x";
      q += hex_digits[u >> 4];
      q += hex_digits[u & 0x0f];
    } else {
      q += c;
    }
  }
  return q + '"';
}

// Splits describe_status()'s "a|b|c" into names; the quiet "normal"/"none" (and their Chinese)
// give an empty list: the list names the bits that are set.
std::vector<std::string> split_names(const std::string& described) {
  std::vector<std::string> names;
  if (described == "normal" || described == "none" || described == "正常" ||
      described == "无操作") {
    return names;
  }
  std::size_t start = 0;
  for (;;) {
    const std::size_t bar = described.find('|', start);
    names.push_back(described.substr(start, bar - start));
    if (bar == std::string::npos) break;
    start = bar + 1;
  }
  return names;
}

// The snake_case name of a deframer rejection reason.
std::string_view reason_name(std::error_code ec) {
  if (ec == gb::errc::garbage) return "garbage";
  if (ec == gb::errc::adu_too_long) return "adu_too_long";
  if (ec == gb::errc::bad_end) return "bad_end";
  if (ec == gb::errc::checksum_mismatch) return "checksum_mismatch";
  if (ec == gb::errc::truncated) return "truncated";
  if (ec == gb::errc::bad_start) return "bad_start";
  return "other";
}

// ---------------------------------------------------------------------------------------------
// Times: UTC offsets and ISO 8601
// ---------------------------------------------------------------------------------------------

// Parses "+08:00", "-0530", "+8", "Z". Offsets up to ±18:00 (ISO 8601's range in practice).
bool parse_utc_offset(std::string_view s, std::chrono::minutes& out) {
  if (s == "Z" || s == "z") {
    out = std::chrono::minutes(0);
    return true;
  }
  if (s.size() < 2 || (s[0] != '+' && s[0] != '-')) return false;
  const int sign = s[0] == '-' ? -1 : 1;
  s.remove_prefix(1);
  auto digits = [](std::string_view d, int& v) {
    if (d.empty() || d.size() > 2) return false;
    v = 0;
    for (const char c : d) {
      if (c < '0' || c > '9') return false;
      v = v * 10 + (c - '0');
    }
    return true;
  };
  int hours = 0;
  int minutes = 0;
  const std::size_t colon = s.find(':');
  if (colon != std::string_view::npos) {
    if (!digits(s.substr(0, colon), hours) || s.size() - colon - 1 != 2 ||
        !digits(s.substr(colon + 1), minutes)) {
      return false;
    }
  } else if (s.size() == 4) {
    if (!digits(s.substr(0, 2), hours) || !digits(s.substr(2), minutes)) return false;
  } else if (!digits(s, hours)) {
    return false;
  }
  if (minutes > 59 || hours * 60 + minutes > 18 * 60) return false;
  out = std::chrono::minutes(sign * (hours * 60 + minutes));
  return true;
}

// "+08:00", "-05:30", "+00:00".
std::string format_utc_offset(std::chrono::minutes offset) {
  const auto m = static_cast<int>(offset.count());
  const int a = m < 0 ? -m : m;
  char buf[16];
  std::snprintf(buf, sizeof buf, "%c%02d:%02d", m < 0 ? '-' : '+', a / 60, a % 60);
  return buf;
}

// The fields of a time tag as ISO 8601 local time, without the offset (invalid tags included:
// they show what the device sent).
std::string format_tag_fields(const gb::time_tag& t) {
  char buf[40];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d", 2000 + t.year, t.month, t.day,
                t.hour, t.minute, t.second);
  return buf;
}

// Parses "YYYY-MM-DDTHH:MM:SS" with an optional offset ("Z", "+08:00"). has_offset tells
// whether one was given.
bool parse_iso8601(std::string_view s, firebus::civil_time& c, bool& has_offset,
                   std::chrono::minutes& offset) {
  if (s.size() < 19) return false;
  auto num = [&s](std::size_t at, std::size_t n, int& v) {
    v = 0;
    for (std::size_t i = at; i < at + n; ++i) {
      if (s[i] < '0' || s[i] > '9') return false;
      v = v * 10 + (s[i] - '0');
    }
    return true;
  };
  if (!num(0, 4, c.year) || s[4] != '-' || !num(5, 2, c.month) || s[7] != '-' ||
      !num(8, 2, c.day) || (s[10] != 'T' && s[10] != 't' && s[10] != ' ') || !num(11, 2, c.hour) ||
      s[13] != ':' || !num(14, 2, c.minute) || s[16] != ':' || !num(17, 2, c.second)) {
    return false;
  }
  const std::string_view rest = s.substr(19);
  has_offset = !rest.empty();
  if (!has_offset) return true;
  return parse_utc_offset(rest, offset);
}

// ---------------------------------------------------------------------------------------------
// The fields of every object type, in wire order (GB/T 26875.3 §8)
// ---------------------------------------------------------------------------------------------

enum class code_kind { system_type, component_type };

template <class V>
void schema(V& v, gb::system_status& o) {
  v.code("system_type", o.system_type, code_kind::system_type);
  v.number("system_address", o.system_address);
  v.status("status", "status", o.status, gb::status_kind::system);
  v.time("time", o.time);
}
template <class V>
void schema(V& v, gb::component_status& o) {
  v.code("system_type", o.system_type, code_kind::system_type);
  v.number("system_address", o.system_address);
  v.code("component_type", o.component_type, code_kind::component_type);
  v.address("component_address", o.component_address);
  v.status("status", "status", o.status, gb::status_kind::component);
  v.description("description", o.text);
  v.time("time", o.time);
}
template <class V>
void schema(V& v, gb::component_analog& o) {
  v.code("system_type", o.system_type, code_kind::system_type);
  v.number("system_address", o.system_address);
  v.code("component_type", o.component_type, code_kind::component_type);
  v.address("component_address", o.component_address);
  v.analog(o.analog_type, o.value);
  v.time("time", o.time);
}
template <class V>
void schema(V& v, gb::system_operation& o) {
  v.code("system_type", o.system_type, code_kind::system_type);
  v.number("system_address", o.system_address);
  v.status("flags", "flag", o.flags, gb::status_kind::facility_operation);
  v.number("operator_id", o.operator_id);
  v.time("time", o.time);
}
template <class V>
void schema(V& v, gb::system_software_version& o) {
  v.code("system_type", o.system_type, code_kind::system_type);
  v.number("system_address", o.system_address);
  v.number("major", o.major);
  v.number("minor", o.minor);
}
template <class V>
void schema(V& v, gb::system_config& o) {
  v.code("system_type", o.system_type, code_kind::system_type);
  v.number("system_address", o.system_address);
  v.text("text", o.text);
}
template <class V>
void schema(V& v, gb::component_config& o) {
  v.code("system_type", o.system_type, code_kind::system_type);
  v.number("system_address", o.system_address);
  v.code("component_type", o.component_type, code_kind::component_type);
  v.address("component_address", o.component_address);
  v.description("description", o.text);
}
template <class V>
void schema(V& v, gb::system_time& o) {
  v.code("system_type", o.system_type, code_kind::system_type);
  v.number("system_address", o.system_address);
  v.time("time", o.time);
}
template <class V>
void schema(V& v, gb::uitd_status& o) {
  v.status("status", "status", o.status, gb::status_kind::uitd);
  v.time("time", o.time);
}
template <class V>
void schema(V& v, gb::uitd_operation& o) {
  v.status("flags", "flag", o.flags, gb::status_kind::uitd_operation);
  v.number("operator_id", o.operator_id);
  v.time("time", o.time);
}
template <class V>
void schema(V& v, gb::uitd_software_version& o) {
  v.number("major", o.major);
  v.number("minor", o.minor);
}
template <class V>
void schema(V& v, gb::uitd_config& o) {
  v.text("text", o.text);
}
template <class V>
void schema(V& v, gb::uitd_time& o) {
  v.time("time", o.time);
}
template <class V, gb::adu_type T>
void schema(V& v, gb::system_query<T>& o) {
  v.code("system_type", o.system_type, code_kind::system_type);
  v.number("system_address", o.system_address);
}
template <class V, gb::adu_type T>
void schema(V& v, gb::component_query<T>& o) {
  v.code("system_type", o.system_type, code_kind::system_type);
  v.number("system_address", o.system_address);
  v.address("component_address", o.component_address);
}
template <class V>
void schema(V& v, gb::read_system_operations& o) {
  v.code("system_type", o.system_type, code_kind::system_type);
  v.number("system_address", o.system_address);
  v.number("count", o.count);
  v.time("start", o.start);
}
template <class V, gb::adu_type T>
void schema(V& v, gb::uitd_query<T>& o) {
  v.reserved("reserved", o.reserved);
}
template <class V>
void schema(V& v, gb::read_uitd_operations& o) {
  v.number("count", o.count);
  v.time("start", o.start);
}
template <class V>
void schema(V& v, gb::sync_uitd_time& o) {
  v.time("time", o.time);
}
template <class V>
void schema(V& v, gb::duty_check& o) {
  v.number("timeout_minutes", o.timeout_minutes);
}

template <class T>
struct type_tag {
  using type = T;
};

template <class T>
constexpr bool is_user_object() {
  return std::is_same_v<T, gb::user_object> || std::is_same_v<T, gb::user_blob>;
}

// Calls f(T{}) with the object type T of the defined ADU type `t`; false for other types.
template <class F, std::size_t... I>
bool with_object_type(gb::adu_type t, F&& f, std::index_sequence<I...>) {
  bool found = false;
  auto try_one = [&](auto tag) {
    using T = typename decltype(tag)::type;
    if constexpr (!is_user_object<T>()) {
      if (!found && T::type == t) {
        found = true;
        f(T{});
      }
    }
  };
  (try_one(type_tag<std::variant_alternative_t<I, gb::object>>{}), ...);
  return found;
}
template <class F>
bool with_object_type(gb::adu_type t, F&& f) {
  return with_object_type(t, std::forward<F>(f),
                          std::make_index_sequence<std::variant_size_v<gb::object>>());
}

std::string_view code_english(code_kind k, std::uint8_t v) {
  return k == code_kind::system_type ? gb::english_name(static_cast<gb::system_type>(v))
                                     : gb::english_name(static_cast<gb::component_type>(v));
}
std::string_view code_chinese(code_kind k, std::uint8_t v) {
  return k == code_kind::system_type ? gb::chinese_name(static_cast<gb::system_type>(v))
                                     : gb::chinese_name(static_cast<gb::component_type>(v));
}

// Options that shape how values are shown.
struct display_options {
  std::chrono::minutes utc_offset{8 * 60};
  gb::bit0_policy bit0 = gb::bit0_policy::standard;
};

// A time tag as ISO 8601 at the offset, or nothing if the tag is not a valid date and time.
std::string iso_time(const gb::time_tag& t, const display_options& o) {
  return format_tag_fields(t) + format_utc_offset(o.utc_offset);
}

// ---------------------------------------------------------------------------------------------
// Visitor 1: readable text
// ---------------------------------------------------------------------------------------------

class text_writer {
 public:
  text_writer(std::string& out, const display_options& o, std::string indent)
      : out_(out), o_(o), indent_(std::move(indent)) {}

  void line(std::string_view label, std::string_view value) {
    out_ += indent_;
    out_.append(label.data(), label.size());
    for (std::size_t n = label.size(); n < 19; ++n) out_ += ' ';
    out_ += ' ';
    out_.append(value.data(), value.size());
    out_ += '\n';
  }

  template <class I>
  void number(std::string_view key, const I& v) {
    line(label(key), std::to_string(v));
  }
  void reserved(std::string_view key, const std::uint8_t& v) { number(key, v); }
  void code(std::string_view key, const std::uint8_t& v, code_kind k) {
    line(label(key), std::to_string(v) + " " + std::string(code_english(k, v)) + " (" +
                         std::string(code_chinese(k, v)) + ")");
  }
  void address(std::string_view key, const std::uint32_t& v) {
    line(label(key), std::to_string(v) + " (" + hex_number(v, 8) + ")");
  }
  template <class I>
  void status(std::string_view key, std::string_view, const I& bits, gb::status_kind kind) {
    const auto b = static_cast<std::uint16_t>(bits);
    line(label(key), hex_number(b, 2 * static_cast<int>(sizeof(I))) + " " +
                         gb::describe_status(b, kind, o_.bit0, gb::name_language::english) + " (" +
                         gb::describe_status(b, kind, o_.bit0, gb::name_language::chinese) + ")");
  }
  void time(std::string_view key, const gb::time_tag& t) {
    if (t.valid()) {
      line(label(key), iso_time(t, o_));
    } else {
      line(label(key), format_tag_fields(t) + " INVALID time tag (" +
                           to_spaced_hex(firebus::byte_view(raw_tag(t).data(), 6)) + ")");
    }
  }
  void description(std::string_view key, const gb::description& d) {
    line(label(key), shown_text(gb::trimmed(d)));
  }
  void text(std::string_view key, const gb::config_text& t) {
    const firebus::byte_view text = gb::trimmed(t);
    const std::size_t padding = t.bytes.size() - text.size();
    line(label(key), std::to_string(t.bytes.size()) + " bytes: " + shown_text(text) +
                         (padding == 0 ? "" : " + " + std::to_string(padding) + " padding"));
  }
  void analog(const std::uint8_t& type, const std::int16_t& value) {
    const auto t = static_cast<gb::analog_type>(type);
    line("analog type", std::to_string(type) + " " + std::string(gb::english_name(t)) + " (" +
                            std::string(gb::chinese_name(t)) + ")");
    if (gb::analog_info_of(t) == nullptr) {
      line("value", std::to_string(value) + " (raw: the standard gives no scale for this type)");
      return;
    }
    const std::string_view unit = gb::analog_unit(t);
    line("value", std::to_string(value) + " = " + format_double(gb::analog_value(t, value)) +
                      (unit.empty() ? "" : " ") + std::string(unit));
  }

  static std::array<std::uint8_t, 6> raw_tag(const gb::time_tag& t) {
    return {t.second, t.minute, t.hour, t.day, t.month, t.year};
  }

 private:
  // GB 18030 text as a quoted UTF-8 string; with its bytes too when some could not be decoded.
  static std::string shown_text(firebus::byte_view gb18030) {
    std::error_code ec;
    const std::string s = firebus::gb18030_to_utf8(gb18030, ec, firebus::text_policy::replace);
    if (ec) return "(" + ec.message() + ") " + to_spaced_hex(gb18030);
    if (s.find("\xEF\xBF\xBD") != std::string::npos) {  // U+FFFD: show what was sent
      return quote_text(s) + " (bytes " + to_spaced_hex(gb18030) + ")";
    }
    return quote_text(s);
  }

  static std::string label(std::string_view key) {
    std::string l(key);
    std::replace(l.begin(), l.end(), '_', ' ');
    return l;
  }

  std::string& out_;
  const display_options& o_;
  std::string indent_;
};

// ---------------------------------------------------------------------------------------------
// Visitor 2: JSON
// ---------------------------------------------------------------------------------------------

json time_raw_json(const gb::time_tag& t) {
  return json::array({t.second, t.minute, t.hour, t.day, t.month, t.year});
}

class json_writer {
 public:
  json_writer(json& out, const display_options& o) : out_(out), o_(o) {}

  template <class I>
  void number(std::string_view key, const I& v) {
    out_[std::string(key)] = v;
  }
  void reserved(std::string_view key, const std::uint8_t& v) { number(key, v); }
  void code(std::string_view key, const std::uint8_t& v, code_kind k) {
    const std::string base(key);
    out_[base] = v;
    out_[base + "_name"] = code_english(k, v);
    out_[base + "_chinese"] = code_chinese(k, v);
  }
  void address(std::string_view key, const std::uint32_t& v) { number(key, v); }
  template <class I>
  void status(std::string_view key, std::string_view names, const I& bits, gb::status_kind kind) {
    const auto b = static_cast<std::uint16_t>(bits);
    out_[std::string(key)] = bits;
    out_[std::string(names) + "_names"] =
        split_names(gb::describe_status(b, kind, o_.bit0, gb::name_language::english));
    out_[std::string(names) + "_chinese"] =
        split_names(gb::describe_status(b, kind, o_.bit0, gb::name_language::chinese));
  }
  void time(std::string_view key, const gb::time_tag& t) {
    const std::string base(key);
    out_[base] = t.valid() ? json(iso_time(t, o_)) : json(nullptr);
    out_[base + "_raw"] = time_raw_json(t);
  }
  void description(std::string_view key, const gb::description& d) {
    const std::string base(key);
    std::error_code ec;
    const std::string s = firebus::description_to_utf8(d, ec, firebus::text_policy::replace);
    out_[base] = ec ? json(nullptr) : json(s);
    out_[base + "_raw"] = to_hex(firebus::byte_view(d));
  }
  void text(std::string_view key, const gb::config_text& t) {
    const std::string base(key);
    // The readable text without its padding; text_raw keeps every byte.
    std::error_code ec;
    const std::string s =
        firebus::gb18030_to_utf8(gb::trimmed(t), ec, firebus::text_policy::replace);
    out_[base] = ec ? json(nullptr) : json(s);
    out_[base + "_raw"] = to_hex(t.bytes);
  }
  void analog(const std::uint8_t& type, const std::int16_t& value) {
    const auto t = static_cast<gb::analog_type>(type);
    out_["analog_type"] = type;
    out_["analog_type_name"] = gb::english_name(t);
    out_["analog_type_chinese"] = gb::chinese_name(t);
    out_["value"] = value;
    out_["scaled_value"] = gb::analog_value(t, value);
    out_["unit"] = gb::analog_unit(t);
  }

 private:
  json& out_;
  const display_options& o_;
};

// ---------------------------------------------------------------------------------------------
// Visitor 3: JSON back into objects
// ---------------------------------------------------------------------------------------------

// A field that cannot be read: where (a JSON path such as "adu.objects[0].status") and why.
struct field_error {
  std::string path;
  std::string message;
};

// The JSON of a value, shortened for messages.
std::string shown(const json& j) {
  std::string s = j.dump(-1, ' ', false, json::error_handler_t::replace);
  if (s.size() > 60) s = s.substr(0, 57) + "...";
  return s;
}

class json_reader {
 public:
  json_reader(const json& obj, std::string path, std::chrono::minutes utc_offset,
              std::deque<std::vector<std::uint8_t>>& storage)
      : obj_(obj), path_(std::move(path)), utc_offset_(utc_offset), storage_(storage) {}

  std::string at(std::string_view key) const {
    return path_.empty() ? std::string(key) : path_ + "." + std::string(key);
  }
  [[noreturn]] void fail(std::string_view key, std::string message) const {
    throw field_error{at(key), std::move(message)};
  }
  const json* find(std::string_view key) const {
    const auto it = obj_.find(key);
    return it == obj_.end() ? nullptr : &*it;
  }
  const json& need(std::string_view key, std::string_view expected) const {
    const json* j = find(key);
    if (j == nullptr) fail(key, "missing (expected " + std::string(expected) + ")");
    return *j;
  }

  // An integer lo..hi at `key` (for messages) in `j`.
  static std::int64_t integer(const json& j, const std::string& path, std::int64_t lo,
                              std::int64_t hi) {
    bool ok = j.is_number_integer();
    std::int64_t v = 0;
    if (ok && j.is_number_unsigned()) {
      const auto u = j.get<std::uint64_t>();
      ok = u <= static_cast<std::uint64_t>(hi);
      v = ok ? static_cast<std::int64_t>(u) : 0;
    } else if (ok) {
      v = j.get<std::int64_t>();
    }
    if (!ok || v < lo || v > hi) {
      throw field_error{path, "expected an integer " + std::to_string(lo) + ".." +
                                  std::to_string(hi) + ", found " + shown(j)};
    }
    return v;
  }
  template <class I>
  static I integer_of(const json& j, const std::string& path) {
    return static_cast<I>(integer(j, path, std::numeric_limits<I>::min(),
                                  static_cast<std::int64_t>(std::numeric_limits<I>::max())));
  }
  template <class I>
  I required_integer(std::string_view key) const {
    const std::string range = std::to_string(std::numeric_limits<I>::min()) + ".." +
                              std::to_string(std::numeric_limits<I>::max());
    return integer_of<I>(need(key, "an integer " + range), at(key));
  }

  // Hex text of at most `max` bytes.
  std::vector<std::uint8_t> hex(std::string_view key, std::size_t max) const {
    const json& j = need(key, "hex text");
    const std::string_view s =
        j.is_string() ? std::string_view(j.get_ref<const std::string&>()) : std::string_view();
    bool ok = j.is_string() && s.size() % 2 == 0 && s.size() / 2 <= max;
    std::vector<std::uint8_t> out;
    for (std::size_t i = 0; ok && i < s.size(); i += 2) {
      const int hi = hex_value(s[i]);
      const int lo = hex_value(s[i + 1]);
      ok = hi >= 0 && lo >= 0;
      if (ok) out.push_back(static_cast<std::uint8_t>(hi << 4 | lo));
    }
    if (!ok) {
      fail(key,
           "expected hex text of at most " + std::to_string(max) + " bytes, found " + shown(j));
    }
    return out;
  }

  // --- the visitor interface ---
  template <class I>
  void number(std::string_view key, I& v) const {
    v = required_integer<I>(key);
  }
  void reserved(std::string_view key, std::uint8_t& v) const {
    v = find(key) == nullptr ? 0 : required_integer<std::uint8_t>(key);
  }
  void code(std::string_view key, std::uint8_t& v, code_kind k) const {
    if (find(key) != nullptr) {
      v = required_integer<std::uint8_t>(key);
      return;
    }
    const std::string name_key = std::string(key) + "_name";
    const json* name = find(name_key);
    if (name == nullptr) fail(key, "missing (expected an integer 0..255)");
    const auto table =
        k == code_kind::system_type ? gb::system_type_table() : gb::component_type_table();
    v = lookup(*name, name_key, table);
  }
  void address(std::string_view key, std::uint32_t& v) const {
    v = required_integer<std::uint32_t>(key);
  }
  template <class I>
  void status(std::string_view key, std::string_view, I& bits, gb::status_kind) const {
    bits = required_integer<I>(key);
  }
  void time(std::string_view key, gb::time_tag& t) const { t = time_tag(key); }
  void description(std::string_view key, gb::description& d) const {
    const std::string raw_key = std::string(key) + "_raw";
    if (find(raw_key) != nullptr) {
      const std::vector<std::uint8_t> raw = hex(raw_key, d.size());
      d = {};  // a shorter raw description is padded with 0x00
      std::copy(raw.begin(), raw.end(), d.begin());
      return;
    }
    const std::string s = utf8_string(key, "a UTF-8 text or " + raw_key);
    std::error_code ec;
    d = firebus::utf8_to_description(s, ec);
    if (ec) fail(key, text_error(s, ec, d.size()));
  }
  void text(std::string_view key, gb::config_text& t) const {
    const std::string raw_key = std::string(key) + "_raw";
    if (find(raw_key) != nullptr) {
      storage_.push_back(hex(raw_key, 255));
    } else {
      const std::string s = utf8_string(key, "a UTF-8 text or " + raw_key);
      std::error_code ec;
      std::vector<std::uint8_t> bytes = firebus::utf8_to_gb18030_field(s, 255, ec);
      if (ec) fail(key, text_error(s, ec, 255));
      storage_.push_back(std::move(bytes));
    }
    t.bytes = firebus::byte_view(storage_.back());
  }
  void analog(std::uint8_t& type, std::int16_t& value) const {
    code_analog(type);
    if (find("value") != nullptr || find("scaled_value") == nullptr) {
      value = required_integer<std::int16_t>("value");
      return;
    }
    const json& j = *find("scaled_value");
    std::error_code ec;
    value = j.is_number() ? gb::analog_raw(static_cast<gb::analog_type>(type), j.get<double>(), ec)
                          : std::int16_t{0};
    if (!j.is_number() || ec) {
      const auto t = static_cast<gb::analog_type>(type);
      fail("scaled_value", "expected a number " + format_double(gb::analog_value(t, -32768)) +
                               ".." + format_double(gb::analog_value(t, 32767)) + ", found " +
                               shown(j));
    }
  }

  // A time tag from KEY_raw ([s, m, h, d, M, y]) or from KEY (ISO 8601).
  gb::time_tag time_tag(std::string_view key) const {
    const std::string raw_key = std::string(key) + "_raw";
    if (const json* raw = find(raw_key)) {
      if (!raw->is_array() || raw->size() != 6) {
        fail(raw_key,
             "expected [second, minute, hour, day, month, year - 2000], found " + shown(*raw));
      }
      std::uint8_t f[6];
      for (std::size_t i = 0; i < 6; ++i) {
        f[i] = integer_of<std::uint8_t>((*raw)[i], at(raw_key) + "[" + std::to_string(i) + "]");
      }
      return {f[0], f[1], f[2], f[3], f[4], f[5]};
    }
    const json& j = need(key, "an ISO 8601 time or " + raw_key);
    firebus::civil_time c;
    bool has_offset = false;
    std::chrono::minutes offset{0};
    if (!j.is_string() || !parse_iso8601(j.get_ref<const std::string&>(), c, has_offset, offset)) {
      fail(key,
           "expected an ISO 8601 time such as \"2021-07-02T09:00:04+08:00\", found " + shown(j));
    }
    std::error_code ec;
    gb::time_tag t;
    if (has_offset && offset != utc_offset_) {
      // An instant given at another offset: the time tag is local time at --utc-offset.
      const firebus::utc_time u = firebus::to_utc(c, offset, ec);
      if (!ec) t = gb::time_tag::from_utc(u, utc_offset_, ec);
    } else {
      t = gb::time_tag::from_civil(c, ec);
    }
    if (ec) {
      fail(key, "expected a valid time in 2000..2255 (at " + format_utc_offset(utc_offset_) +
                    "), found " + shown(j));
    }
    return t;
  }

 private:
  std::string utf8_string(std::string_view key, const std::string& expected) const {
    const json& j = need(key, expected);
    if (!j.is_string()) fail(key, "expected " + expected + ", found " + shown(j));
    return j.get<std::string>();
  }
  static std::string text_error(const std::string& s, std::error_code ec, std::size_t max) {
    if (ec == firebus::text_errc::too_long) {
      std::error_code size_ec;
      const std::size_t need = firebus::utf8_to_gb18030(s, size_ec).size();
      return "GB 18030 text of at most " + std::to_string(max) + " bytes expected, " +
             std::to_string(need) + " found";
    }
    return "cannot be converted to GB 18030: " + ec.message();
  }
  std::uint8_t lookup(const json& name, const std::string& name_key,
                      gb::code_table<gb::code_name> table) const {
    if (name.is_string()) {
      const auto& s = name.get_ref<const std::string&>();
      for (const gb::code_name& row : table) {
        if (row.english == s) return row.code;
      }
    }
    fail(name_key, "expected the name of a code in the table, found " + shown(name));
  }
  void code_analog(std::uint8_t& type) const {
    if (find("analog_type") != nullptr || find("analog_type_name") == nullptr) {
      type = required_integer<std::uint8_t>("analog_type");
      return;
    }
    type = lookup(*find("analog_type_name"), "analog_type_name", gb::analog_type_table());
  }

  const json& obj_;
  std::string path_;
  std::chrono::minutes utc_offset_;
  std::deque<std::vector<std::uint8_t>>& storage_;
};

// ---------------------------------------------------------------------------------------------
// Input: a file or stdin, read in chunks as they arrive
// ---------------------------------------------------------------------------------------------

class input {
 public:
  input() = default;
  input(const input&) = delete;
  input& operator=(const input&) = delete;
  ~input() {
    if (file_ != nullptr && file_ != stdin) std::fclose(file_);
  }

  // Opens `path` ("-" is stdin); false with errno set if it cannot be opened.
  bool open(const std::string& path) {
    name_ = path == "-" ? "<stdin>" : path;
    file_ = path == "-" ? stdin : std::fopen(path.c_str(), "rb");
    return file_ != nullptr;
  }
  const std::string& name() const { return name_; }

  // Up to n bytes, as soon as some are available (a live stream is shown as it arrives);
  // 0 at the end or on an error (then error() is set).
  std::size_t read(char* p, std::size_t n) {
#if FIREBUS_CLI_POSIX_READ
    for (;;) {
      const ::ssize_t got = ::read(::fileno(file_), p, n);
      if (got >= 0) return static_cast<std::size_t>(got);
      if (errno != EINTR) {
        error_ = errno;
        return 0;
      }
    }
#else
    const std::size_t got = std::fread(p, 1, n, file_);
    if (got == 0 && std::ferror(file_)) error_ = errno;
    return got;
#endif
  }
  int error() const { return error_; }

 private:
  std::FILE* file_ = nullptr;
  std::string name_;
  int error_ = 0;
};

// Writes all of `s` to stdout.
void write_out(std::string_view s) {
  if (!s.empty()) std::fwrite(s.data(), 1, s.size(), stdout);
}

// ---------------------------------------------------------------------------------------------
// decode
// ---------------------------------------------------------------------------------------------

enum class input_format { automatic, hex, binary };

struct decode_options {
  bool json_lines = false;
  input_format format = input_format::automatic;
  display_options display;
  std::string file = "-";
};

// Hex text to bytes, streaming: hex digits, with whitespace and commas anywhere between bytes
// and an optional "0x" before each. Digits pair up across whitespace and line breaks.
class hex_decoder {
 public:
  // Appends the bytes of `n` characters to `out`; false at the first character that does not
  // belong (the bytes before it are appended).
  bool feed(const char* p, std::size_t n, std::vector<std::uint8_t>& out) {
    for (std::size_t i = 0; i < n; ++i) {
      const char c = p[i];
      ++column_;
      if (pending_zero_) {  // a '0' at the start of a token: "0x" prefix or a digit
        pending_zero_ = false;
        if (c == 'x' || c == 'X') {
          separated_ = false;
          continue;
        }
        nibble(0, out);
      }
      if (c == '\n') {
        ++line_;
        column_ = 0;
      }
      if (is_space(c) || c == ',') {
        separated_ = true;
        continue;
      }
      const int v = hex_value(c);
      if (v < 0) {
        bad_ = static_cast<unsigned char>(c);
        return false;
      }
      if (c == '0' && separated_ && !have_high_) {
        pending_zero_ = true;
      } else {
        nibble(v, out);
      }
      separated_ = false;
    }
    return true;
  }
  // The end of the input: false if a byte is left half written.
  bool finish(std::vector<std::uint8_t>& out) {
    if (pending_zero_) {
      pending_zero_ = false;
      nibble(0, out);
    }
    odd_ = have_high_;
    return !odd_;
  }
  std::string error() const {
    if (odd_) return "odd number of hex digits: the last byte is incomplete";
    std::string c = bad_ >= 0x21 && bad_ < 0x7f ? std::string("'") + static_cast<char>(bad_) + "' "
                                                : std::string();
    return "line " + std::to_string(line_) + ", column " + std::to_string(column_) + ": " + c +
           "(" + hex_number(bad_, 2) + ") is not a hex digit";
  }

  // True if the first bytes of the input look like hex text.
  static bool looks_like_hex(const char* p, std::size_t n) {
    for (std::size_t i = 0; i < n; ++i) {
      const char c = p[i];
      if (hex_value(c) < 0 && !is_space(c) && c != ',' && c != 'x' && c != 'X') return false;
    }
    return n != 0;
  }

 private:
  void nibble(int v, std::vector<std::uint8_t>& out) {
    if (have_high_) {
      out.push_back(static_cast<std::uint8_t>(high_ << 4 | v));
      have_high_ = false;
    } else {
      high_ = v;
      have_high_ = true;
    }
  }

  bool separated_ = true;  // the previous character was a separator (or there was none)
  bool pending_zero_ = false;
  bool have_high_ = false;
  int high_ = 0;
  bool odd_ = false;
  unsigned bad_ = 0;
  std::uint64_t line_ = 1;
  std::uint64_t column_ = 0;
};

// Prints frames and rejections as they come, as text or JSON lines.
class printer {
 public:
  explicit printer(const decode_options& o) : o_(o) {}

  void frame(const gb::frame_view& f, std::uint64_t offset) {
    ++frames_;
    if (o_.json_lines) {
      json_frame(f, offset);
    } else {
      text_frame(f, offset);
    }
  }

  void rejection(const gb::rejection& r) {
    failed_ = true;
    const std::string why =
        r.reason == gb::errc::garbage ? r.reason.message() : gb::describe(r.reason, r.diag);
    if (o_.json_lines) {
      json j;
      j["offset"] = r.stream_offset;
      j["length"] = r.length;
      j["reason"] = reason_name(r.reason);
      j["message"] = why;
      if (r.reason != gb::errc::garbage) j["field_offset"] = r.diag.offset;
      j["expected"] = r.diag.expected;
      j["found"] = r.diag.found;
      if (!r.candidate.empty()) j["bytes"] = to_hex(r.candidate);
      emit(json{{"rejected", std::move(j)}});
    } else {
      if (frames_ + rejections_ != 0) out_ += '\n';
      out_ += "rejected " + std::to_string(r.length) + (r.length == 1 ? " byte" : " bytes") +
              " at offset " + std::to_string(r.stream_offset) + ": " + why + "\n";
    }
    ++rejections_;
  }

  // Writes what was printed so far.
  void flush() {
    write_out(out_);
    out_.clear();
    std::fflush(stdout);
  }
  bool failed() const { return failed_; }

 private:
  void emit(const json& j) {
    out_ += j.dump(-1, ' ', false, json::error_handler_t::replace);
    out_ += '\n';
  }

  void json_frame(const gb::frame_view& f, std::uint64_t offset) {
    const gb::header& h = f.hdr;
    json hj;
    hj["serial"] = h.serial;
    hj["version"] = json::array({h.version_major, h.version_minor});
    hj["time"] = h.time.valid() ? json(iso_time(h.time, o_.display)) : json(nullptr);
    hj["time_raw"] = time_raw_json(h.time);
    hj["source"] = h.source;
    hj["destination"] = h.destination;
    const std::string_view name = gb::to_string(h.cmd);
    const auto code = static_cast<std::uint8_t>(h.cmd);
    hj["command"] = name.empty() ? json(code) : json(name);
    hj["command_code"] = code;
    if (!name.empty()) hj["command_chinese"] = gb::chinese_name(h.cmd);

    json j;
    j["offset"] = offset;
    j["size"] = gb::frame_size(f.adu.size());
    j["header"] = std::move(hj);
    if (f.adu.empty()) {
      j["adu"] = nullptr;
      emit(j);
      return;
    }
    std::error_code ec;
    const gb::adu_view v = gb::parse_adu(f.adu, ec);
    if (ec) {
      failed_ = true;
      j["adu"] = nullptr;
      j["adu_error"] = ec.message();
      j["adu_bytes"] = to_hex(f.adu);
      emit(j);
      return;
    }
    json aj;
    aj["type"] = gb::to_string(v.type());
    aj["type_code"] = static_cast<std::uint8_t>(v.type());
    aj["type_chinese"] = gb::chinese_name(v.type());
    aj["count"] = v.count();
    if (gb::is_user_defined(v.type())) {
      aj["body"] = to_hex(v.body());
    } else {
      json objects = json::array();
      for (const gb::object& o : v) {
        json oj = json::object();
        json_writer w(oj, o_.display);
        std::visit(
            [&w](const auto& x) {
              using T = std::decay_t<decltype(x)>;
              if constexpr (!is_user_object<T>()) {
                T copy = x;
                schema(w, copy);
              }
            },
            o);
        objects.push_back(std::move(oj));
      }
      aj["objects"] = std::move(objects);
    }
    j["adu"] = std::move(aj);
    emit(j);
  }

  void text_frame(const gb::frame_view& f, std::uint64_t offset) {
    if (frames_ + rejections_ > 1) out_ += '\n';
    const gb::header& h = f.hdr;
    const std::size_t size = gb::frame_size(f.adu.size());
    out_ += "frame " + std::to_string(frames_) + " at offset " + std::to_string(offset) + ": " +
            std::to_string(size) + " bytes\n";
    text_writer w(out_, o_.display, "  ");
    w.line("serial", std::to_string(h.serial));
    w.line("version", std::to_string(h.version_major) + "." + std::to_string(h.version_minor));
    w.time("time", h.time);
    w.line("source", std::to_string(h.source) + " (" + hex_number(h.source, 12) + ")");
    w.line("destination",
           std::to_string(h.destination) + " (" + hex_number(h.destination, 12) + ")");
    const auto code = static_cast<std::uint8_t>(h.cmd);
    if (gb::is_defined(h.cmd)) {
      w.line("command", std::to_string(code) + " " + std::string(gb::to_string(h.cmd)) + " (" +
                            std::string(gb::chinese_name(h.cmd)) + ")");
    } else {
      w.line("command",
             std::to_string(code) + (gb::is_user_defined(h.cmd)
                                         ? " user-defined (用户自定义)"
                                         : " reserved (预留): a receiver answers with deny"));
    }
    if (f.adu.empty()) {
      w.line("ADU", "empty");
      return;
    }
    std::error_code ec;
    const gb::adu_view v = gb::parse_adu(f.adu, ec);
    if (ec) {
      failed_ = true;
      w.line("ADU", std::to_string(f.adu.size()) + " bytes, not parsed: " + ec.message());
      w.line("ADU bytes", to_spaced_hex(f.adu));
      return;
    }
    const std::size_t count = v.count();
    const bool blob = gb::is_user_defined(v.type());  // its objects' layout is unknown
    w.line("ADU", std::to_string(f.adu.size()) + " bytes, type " +
                      std::to_string(static_cast<int>(v.type())) + " " +
                      std::string(gb::to_string(v.type())) + " (" +
                      std::string(gb::chinese_name(v.type())) + "), " +
                      (blob ? "count " + std::to_string(count)
                            : std::to_string(count) + (count == 1 ? " object" : " objects")));
    if (blob) {
      w.line("body", v.body().empty() ? "(none)" : to_spaced_hex(v.body()));
      return;
    }
    std::size_t i = 0;
    for (const gb::object& o : v) {
      ++i;
      out_ += "  object " + std::to_string(i) + "\n";
      text_writer ow(out_, o_.display, "    ");
      std::visit(
          [&ow](const auto& x) {
            using T = std::decay_t<decltype(x)>;
            if constexpr (!is_user_object<T>()) {
              T copy = x;
              schema(ow, copy);
            }
          },
          o);
    }
  }

  const decode_options& o_;
  std::string out_;
  std::uint64_t frames_ = 0;
  std::uint64_t rejections_ = 0;
  bool failed_ = false;
};

int decode(const decode_options& o) {
  input in;
  if (!in.open(o.file)) {
    std::fprintf(stderr, "firebus gb26875 decode: cannot open %s: %s\n", o.file.c_str(),
                 std::strerror(errno));
    return exit_usage;
  }
  printer p(o);
  gb::deframer d;
  const auto on_frame = [&p, &d](const gb::frame_view& f) {
    // Every byte before this frame was delivered or discarded: that is its stream offset.
    p.frame(f, d.bytes_delivered() + d.bytes_discarded() - gb::frame_size(f.adu.size()));
  };
  const auto on_reject = [&p](const gb::rejection& r) { p.rejection(r); };

  std::vector<char> chunk(chunk_size);
  std::vector<std::uint8_t> bytes;
  bytes.reserve(chunk_size / 2);
  input_format format = o.format;
  hex_decoder hex;
  bool bad_hex = false;
  for (;;) {
    const std::size_t n = in.read(chunk.data(), chunk.size());
    if (n == 0) break;
    if (format == input_format::automatic) {
      format =
          hex_decoder::looks_like_hex(chunk.data(), n) ? input_format::hex : input_format::binary;
    }
    if (format == input_format::binary) {
      d.feed(firebus::byte_view(reinterpret_cast<const std::uint8_t*>(chunk.data()), n), on_frame,
             on_reject);
    } else {
      bytes.clear();
      bad_hex = !hex.feed(chunk.data(), n, bytes);
      d.feed(firebus::byte_view(bytes), on_frame, on_reject);
      if (bad_hex) break;
    }
    p.flush();
  }
  if (format == input_format::hex && !bad_hex && in.error() == 0) {
    bytes.clear();
    bad_hex = !hex.finish(bytes);
    d.feed(firebus::byte_view(bytes), on_frame, on_reject);
  }
  d.flush(on_frame, on_reject);
  p.flush();
  if (in.error() != 0) {
    std::fprintf(stderr, "firebus gb26875 decode: cannot read %s: %s\n", in.name().c_str(),
                 std::strerror(in.error()));
    return exit_usage;
  }
  if (bad_hex) {
    std::fprintf(stderr, "firebus gb26875 decode: %s: %s\n", in.name().c_str(),
                 hex.error().c_str());
    return exit_failure;
  }
  return p.failed() ? exit_failure : exit_ok;
}

// ---------------------------------------------------------------------------------------------
// encode
// ---------------------------------------------------------------------------------------------

struct encode_options {
  bool binary = false;
  std::chrono::minutes utc_offset{8 * 60};
  std::string file = "-";
};

// Lines of at most max_line bytes, read in chunks.
class line_reader {
 public:
  explicit line_reader(input& in) : in_(in), buf_(chunk_size) {}

  // The next line (without its '\n'); false at the end. A line over max_line bytes is returned
  // empty with too_long set.
  bool next(std::string& line, bool& too_long) {
    line.clear();
    too_long = false;
    bool any = false;
    for (;;) {
      if (pos_ == len_) {
        if (eof_) return any;
        len_ = in_.read(buf_.data(), buf_.size());
        pos_ = 0;
        if (len_ == 0) {
          eof_ = true;
          return any;
        }
      }
      any = true;
      const void* nl = std::memchr(buf_.data() + pos_, '\n', len_ - pos_);
      const std::size_t end =
          nl == nullptr ? len_
                        : static_cast<std::size_t>(static_cast<const char*>(nl) - buf_.data());
      if (!too_long) {
        if (line.size() + (end - pos_) > max_line) {
          too_long = true;
          line.clear();
        } else {
          line.append(buf_.data() + pos_, end - pos_);
        }
      }
      pos_ = end;
      if (nl != nullptr) {
        ++pos_;
        return true;
      }
    }
  }

 private:
  input& in_;
  std::vector<char> buf_;
  std::size_t pos_ = 0;
  std::size_t len_ = 0;
  bool eof_ = false;
};

gb::command read_command(const json_reader& r) {
  if (r.find("command_code") != nullptr) {
    return static_cast<gb::command>(r.required_integer<std::uint8_t>("command_code"));
  }
  const json& c = r.need("command", "a command name or an integer 0..255");
  if (c.is_string()) {
    for (int code = 1; code <= 6; ++code) {
      const auto cmd = static_cast<gb::command>(code);
      if (gb::to_string(cmd) == c.get_ref<const std::string&>()) return cmd;
    }
    r.fail("command",
           "expected one of control, send_data, confirm, request, response, deny or "
           "an integer 0..255, found " +
               shown(c));
  }
  return static_cast<gb::command>(json_reader::integer_of<std::uint8_t>(c, r.at("command")));
}

gb::header read_header(const json& line, const encode_options& o,
                       std::deque<std::vector<std::uint8_t>>& storage) {
  const auto it = line.find("header");
  if (it == line.end() || !it->is_object()) {
    throw field_error{"header", it == line.end() ? "missing (expected an object)"
                                                 : "expected an object, found " + shown(*it)};
  }
  const json_reader r(*it, "header", o.utc_offset, storage);
  gb::header h;
  h.serial = r.required_integer<std::uint16_t>("serial");
  if (const json* v = r.find("version")) {
    if (!v->is_array() || v->size() != 2) {
      r.fail("version", "expected [major, minor], found " + shown(*v));
    }
    h.version_major = json_reader::integer_of<std::uint8_t>((*v)[0], r.at("version") + "[0]");
    h.version_minor = json_reader::integer_of<std::uint8_t>((*v)[1], r.at("version") + "[1]");
  }
  h.time = r.time_tag("time");
  const auto max = static_cast<std::int64_t>(gb::max_address);
  h.source = static_cast<std::uint64_t>(
      json_reader::integer(r.need("source", "an integer 0..2^48-1"), r.at("source"), 0, max));
  h.destination = static_cast<std::uint64_t>(json_reader::integer(
      r.need("destination", "an integer 0..2^48-1"), r.at("destination"), 0, max));
  h.cmd = read_command(r);
  return h;
}

gb::adu_type read_adu_type(const json_reader& r) {
  if (r.find("type_code") != nullptr) {
    return static_cast<gb::adu_type>(r.required_integer<std::uint8_t>("type_code"));
  }
  const json& t = r.need("type", "an ADU type name or an integer 0..255");
  if (t.is_string()) {
    for (int code = 1; code < 128; ++code) {
      const auto type = static_cast<gb::adu_type>(code);
      if (gb::is_defined(type) && gb::to_string(type) == t.get_ref<const std::string&>()) {
        return type;
      }
    }
    r.fail("type", "expected the name of a defined ADU type or an integer, found " + shown(t) +
                       (t == "user_defined" ? " (give type_code)" : ""));
  }
  return static_cast<gb::adu_type>(json_reader::integer_of<std::uint8_t>(t, r.at("type")));
}

// The ADU bytes of a JSON line; empty for "adu": null.
std::vector<std::uint8_t> read_adu(const json& line, const encode_options& o,
                                   std::deque<std::vector<std::uint8_t>>& storage) {
  const json_reader top(line, "", o.utc_offset, storage);
  if (top.find("adu_bytes") != nullptr) return top.hex("adu_bytes", gb::max_adu_size);
  const json& aj = top.need("adu", "an object, or null for an empty ADU");
  if (aj.is_null()) return {};
  if (!aj.is_object()) top.fail("adu", "expected an object or null, found " + shown(aj));
  const json_reader r(aj, "adu", o.utc_offset, storage);
  gb::adu a;
  a.type = read_adu_type(r);
  if (gb::is_user_defined(a.type)) {
    std::vector<std::uint8_t> body = r.hex("body", gb::max_adu_size - 2);
    storage.push_back(std::move(body));
    a.objects.emplace_back(gb::user_blob{static_cast<std::uint8_t>(a.type),
                                         r.required_integer<std::uint8_t>("count"),
                                         firebus::byte_view(storage.back())});
  } else {
    if (!gb::is_defined(a.type)) {
      r.fail(r.find("type_code") != nullptr ? "type_code" : "type",
             std::to_string(static_cast<int>(a.type)) + " is a reserved ADU type");
    }
    const json& objects = r.need("objects", "an array of objects");
    if (!objects.is_array()) r.fail("objects", "expected an array, found " + shown(objects));
    if (const json* count = r.find("count")) {
      const auto n = json_reader::integer_of<std::uint8_t>(*count, r.at("count"));
      if (n != objects.size()) {
        r.fail("count", std::to_string(n) + " does not match the " +
                            std::to_string(objects.size()) + " objects");
      }
    }
    for (std::size_t i = 0; i < objects.size(); ++i) {
      const std::string path = "adu.objects[" + std::to_string(i) + "]";
      const json& oj = objects[i];
      if (!oj.is_object()) throw field_error{path, "expected an object, found " + shown(oj)};
      const json_reader orr(oj, path, o.utc_offset, storage);
      with_object_type(a.type, [&](auto blank) {
        auto x = blank;
        schema(orr, x);
        a.objects.emplace_back(x);
      });
    }
  }
  std::vector<std::uint8_t> out;
  firebus::byte_writer w(out, gb::max_adu_size);
  std::error_code ec;
  // size_only: whatever decode accepted (counts above Table 7's n included) encodes as it was.
  gb::encode_adu(a, w, ec, gb::adu_limits::size_only);
  if (ec) throw field_error{"adu", ec.message()};
  return out;
}

enum class line_result { frame, skipped, error };

// The deepest nesting of arrays and objects in a JSON text (strings skipped). A frame's JSON is
// 4 deep; printing or destroying a value nested a million deep would exhaust the stack.
std::size_t json_depth(std::string_view text) {
  std::size_t depth = 0;
  std::size_t deepest = 0;
  bool in_string = false;
  bool escaped = false;
  for (const char c : text) {
    if (in_string) {
      if (escaped) {
        escaped = false;
      } else if (c == '\\') {
        escaped = true;
      } else if (c == '"') {
        in_string = false;
      }
    } else if (c == '"') {
      in_string = true;
    } else if (c == '[' || c == '{') {
      deepest = std::max(deepest, ++depth);
    } else if ((c == ']' || c == '}') && depth > 0) {
      --depth;
    }
  }
  return deepest;
}

line_result encode_line(const std::string& text, const encode_options& o,
                        std::vector<std::uint8_t>& frame, std::string& error) {
  if (std::all_of(text.begin(), text.end(), is_space)) return line_result::skipped;
  if (json_depth(text) > max_json_depth) {
    error = "JSON nested deeper than " + std::to_string(max_json_depth) + " levels";
    return line_result::error;
  }
  json line;
  try {
    line = json::parse(text);
  } catch (const json::exception& e) {  // a syntax error, or a number beyond a double (406)
    std::string m = e.what();
    const std::size_t bracket = m.find("] ");
    if (bracket != std::string::npos) m = m.substr(bracket + 2);
    const std::string line1 = "at line 1, ";
    const std::size_t l1 = m.find(line1);
    if (l1 != std::string::npos) m.erase(l1 + 3, line1.size() - 3);
    error = "invalid JSON: " + m;
    return line_result::error;
  }
  if (!line.is_object()) {
    error = "expected a JSON object, found " + shown(line);
    return line_result::error;
  }
  if (line.contains("rejected")) return line_result::skipped;  // decode's reports of bad bytes
  try {
    std::deque<std::vector<std::uint8_t>> storage;
    const gb::header h = read_header(line, o, storage);
    const std::vector<std::uint8_t> adu = read_adu(line, o, storage);
    frame.clear();
    firebus::byte_writer w(frame, gb::max_frame_size);
    std::error_code ec;
    gb::encode_frame(h, firebus::byte_view(adu), w, ec);
    if (ec) {
      error = "frame: " + ec.message();
      return line_result::error;
    }
  } catch (const field_error& e) {
    error = e.path + ": " + e.message;
    return line_result::error;
  }
  return line_result::frame;
}

int encode(const encode_options& o) {
  input in;
  if (!in.open(o.file)) {
    std::fprintf(stderr, "firebus gb26875 encode: cannot open %s: %s\n", o.file.c_str(),
                 std::strerror(errno));
    return exit_usage;
  }
  line_reader lines(in);
  std::string text;
  std::vector<std::uint8_t> frame;
  std::string error;
  std::uint64_t number = 0;
  bool failed = false;
  bool too_long = false;
  while (lines.next(text, too_long)) {
    ++number;
    line_result result = line_result::error;
    if (too_long) {
      error = "longer than " + std::to_string(max_line) + " bytes";
    } else {
      result = encode_line(text, o, frame, error);
    }
    if (result == line_result::error) {
      failed = true;
      std::fprintf(stderr, "firebus gb26875 encode: line %llu: %s\n",
                   static_cast<unsigned long long>(number), error.c_str());
    } else if (result == line_result::frame) {
      if (o.binary) {
        write_out(std::string_view(reinterpret_cast<const char*>(frame.data()), frame.size()));
      } else {
        write_out(to_hex(firebus::byte_view(frame)) + "\n");
      }
    }
  }
  std::fflush(stdout);
  if (in.error() != 0) {
    std::fprintf(stderr, "firebus gb26875 encode: cannot read %s: %s\n", in.name().c_str(),
                 std::strerror(in.error()));
    return exit_usage;
  }
  return failed ? exit_failure : exit_ok;
}

// ---------------------------------------------------------------------------------------------
// Arguments
// ---------------------------------------------------------------------------------------------

int usage_error(const char* command, const std::string& message) {
  std::fprintf(stderr, "firebus gb26875 %s: %s\n", command, message.c_str());
  std::fprintf(stderr, "Try 'firebus help gb26875'.\n");
  return exit_usage;
}

// True if args[i] is the option `name`, given as "--name value" (i then moves to the value) or
// "--name=value"; `value` is then its value, empty if it is missing.
bool is_option(const std::vector<std::string>& args, std::size_t& i, std::string_view name,
               std::string& value) {
  const std::string& a = args[i];
  if (a == name) {
    value = i + 1 < args.size() ? args[++i] : std::string();
    return true;
  }
  if (a.size() > name.size() && a.compare(0, name.size(), name) == 0 && a[name.size()] == '=') {
    value = a.substr(name.size() + 1);
    return true;
  }
  return false;
}

}  // namespace

void gb26875_usage(std::FILE* out) {
  std::fputs(
      "usage: firebus gb26875 decode [--json] [--hex|--binary] [--utc-offset +08:00]\n"
      "                              [--bit0 standard|zero-means-normal] [FILE|-]\n"
      "       firebus gb26875 encode [--hex|--binary] [--utc-offset +08:00] [FILE|-]\n"
      "\n"
      "decode  reads GB/T 26875.3 frames from FILE or stdin and prints each one dissected:\n"
      "        readable text, or one JSON object per line with --json. Input is hex text\n"
      "        (whitespace, commas and 0x prefixes allowed; any number of frames) or raw bytes;\n"
      "        without --hex or --binary it is hex if it holds nothing but hex text. Bytes that\n"
      "        are no valid frame are reported as rejected (exit status 1).\n"
      "encode  reads the JSON lines decode --json prints (one frame per line) and writes each\n"
      "        frame as a line of hex, or as raw bytes with --binary. The bytes decode read are\n"
      "        reproduced exactly. It writes frames, not JSON: it takes no --json.\n"
      "\n"
      "  --json              (decode) JSON lines instead of text\n"
      "  --hex, --binary     the input (decode) or output (encode) format\n"
      "  --utc-offset OFF    the time zone of time tags (default +08:00, China Standard Time)\n"
      "  --bit0 POLICY       status bit 0: standard (1 = normal, 0 = test; the default) or\n"
      "                      zero-means-normal (devices that send 0 while running normally)\n"
      "\n"
      "Exit status: 0 all input understood, 1 frames rejected or lines that do not encode,\n"
      "2 usage or I/O error.\n",
      out);
}

int gb26875_main(const std::vector<std::string>& args) {
  if (args.empty()) {
    gb26875_usage(stderr);
    return exit_usage;
  }
  const std::string& command = args[0];
  if (command == "help" || command == "--help" || command == "-h") {
    gb26875_usage(stdout);
    return exit_ok;
  }
  if (command != "decode" && command != "encode") {
    return usage_error(command.c_str(), "unknown command (expected decode or encode)");
  }
  const bool decoding = command == "decode";
  decode_options d;
  encode_options e;
  bool have_file = false;
  bool only_files = false;
  for (std::size_t i = 1; i < args.size(); ++i) {
    const std::string& a = args[i];
    if (!only_files && (a == "--help" || a == "-h")) {
      gb26875_usage(stdout);
      return exit_ok;
    }
    if (!only_files && a == "--") {
      only_files = true;
      continue;
    }
    if (!only_files && a.size() > 1 && a[0] == '-') {
      std::string value;
      if (a == "--json" && decoding) {
        d.json_lines = true;
      } else if (a == "--hex") {
        d.format = input_format::hex;
        e.binary = false;
      } else if (a == "--binary") {
        d.format = input_format::binary;
        e.binary = true;
      } else if (is_option(args, i, "--utc-offset", value)) {
        std::chrono::minutes offset{0};
        if (!parse_utc_offset(value, offset)) {
          return usage_error(
              command.c_str(),
              "--utc-offset: expected an offset such as +08:00, found '" + value + "'");
        }
        d.display.utc_offset = offset;
        e.utc_offset = offset;
      } else if (decoding && is_option(args, i, "--bit0", value)) {
        if (value == "standard") {
          d.display.bit0 = gb::bit0_policy::standard;
        } else if (value == "zero-means-normal" || value == "zero_means_normal") {
          d.display.bit0 = gb::bit0_policy::zero_means_normal;
        } else {
          return usage_error(
              command.c_str(),
              "--bit0: expected standard or zero-means-normal, found '" + value + "'");
        }
      } else {
        return usage_error(command.c_str(), "unknown option '" + a + "'");
      }
      continue;
    }
    if (have_file) return usage_error(command.c_str(), "more than one input file");
    have_file = true;
    d.file = a;
    e.file = a;
  }
  return decoding ? decode(d) : encode(e);
}

}  // namespace firebus_cli
