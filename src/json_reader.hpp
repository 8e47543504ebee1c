// firebus — fire-safety IoT SDK.
//
// Private to the compiled library: reading configuration JSON (alarm rules, device profiles)
// with every problem named by its JSON path. Two passes: the text to a document
// (nlohmann::json, through a SAX handler that also refuses duplicate keys and deep nesting),
// then the document to firebus's structures with a check of every key and type.
#ifndef FIREBUS_SRC_JSON_READER_HPP
#define FIREBUS_SRC_JSON_READER_HPP

#include <cerrno>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <initializer_list>
#include <limits>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <system_error>
#include <utility>
#include <vector>

#include <firebus/alarm/rules.hpp>
#include <firebus/core/detail/names.hpp>
#include <firebus/core/event.hpp>

namespace firebus {
inline namespace v1 {
namespace detail {
namespace json_io {

using json = nlohmann::json;

// Containers nested deeper than this are refused (a rules document is 4 deep).
inline constexpr std::size_t max_depth = 64;
// A found value is shown up to this many bytes.
inline constexpr std::size_t max_shown = 64;

// ---------------------------------------------------------------------------------------------
// Pass 1: text to document
// ---------------------------------------------------------------------------------------------

// "line L, column C" (1-based, columns in bytes) of the byte at `offset`.
inline std::string line_column(std::string_view text, std::size_t offset) {
  if (offset > text.size()) offset = text.size();
  std::size_t line = 1;
  std::size_t line_start = 0;
  for (std::size_t i = 0; i < offset; ++i) {
    if (text[i] == '\n') {
      ++line;
      line_start = i + 1;
    }
  }
  return "line " + std::to_string(line) + ", column " + std::to_string(offset - line_start + 1);
}

// Builds the document, like nlohmann's own DOM parser, and refuses duplicate keys (the JSON
// library would keep the last one silently) and nesting deeper than max_depth.
class document_builder {
 public:
  using number_integer_t = json::number_integer_t;
  using number_unsigned_t = json::number_unsigned_t;
  using number_float_t = json::number_float_t;
  using string_t = json::string_t;
  using binary_t = json::binary_t;

  explicit document_builder(std::string_view text) : text_(text) {}

  bool null() { return add(json(nullptr)); }
  bool boolean(bool v) { return add(json(v)); }
  bool number_integer(number_integer_t v) { return add(json(v)); }
  bool number_unsigned(number_unsigned_t v) { return add(json(v)); }
  bool number_float(number_float_t v, const string_t&) { return add(json(v)); }
  bool string(string_t& v) { return add(json(std::move(v))); }
  bool binary(binary_t&) { return false; }  // not produced by the JSON parser

  bool start_object(std::size_t) { return open(json::object()); }
  bool end_object() { return close(); }
  bool start_array(std::size_t) { return open(json::array()); }
  bool end_array() { return close(); }

  bool key(string_t& k) {
    frame& f = stack_.back();
    if (f.node->contains(k)) {
      error_path_ = path();
      error_ = "duplicate key " + json(k).dump(-1, ' ', false, json::error_handler_t::replace);
      return false;
    }
    f.key = std::move(k);
    return true;
  }

  bool parse_error(std::size_t position, const std::string&, const json::exception& ex) {
    // ex.what(): "[json.exception.parse_error.101] parse error at line 1, column 9: syntax
    // error while parsing value - ..." or "[json.exception.out_of_range.406] number overflow
    // parsing '1e999'". Keep what follows the location, and give the location ourselves.
    std::string_view what = ex.what();
    const std::size_t bracket = what.find("] ");
    if (bracket != std::string_view::npos) what.remove_prefix(bracket + 2);
    if (what.compare(0, 12, "parse error ") == 0) {
      const std::size_t colon = what.find(": ");
      if (colon != std::string_view::npos) what.remove_prefix(colon + 2);
    }
    // `position` counts the bytes read, up to the last byte of the offending token (the
    // location the JSON library itself reports).
    error_path_.clear();
    error_ = "invalid JSON at " + line_column(text_, position == 0 ? 0 : position - 1) + ": " +
             std::string(what);
    return false;
  }

  json& root() { return root_; }
  const std::string& error() const { return error_; }
  const std::string& error_path() const { return error_path_; }

 private:
  struct frame {
    json* node;
    std::string key;  // objects: the key of the value that comes next
  };

  // Where the next value goes; nullptr for the root.
  json* place(json&& v) {
    if (stack_.empty()) {
      root_ = std::move(v);
      return &root_;
    }
    frame& f = stack_.back();
    if (f.node->is_array()) {
      f.node->push_back(std::move(v));
      return &f.node->back();
    }
    json& slot = (*f.node)[f.key];
    slot = std::move(v);
    return &slot;
  }
  bool add(json&& v) {
    place(std::move(v));
    return true;
  }
  bool open(json&& container) {
    if (stack_.size() >= max_depth) {
      error_path_ = path();
      error_ = "nested deeper than " + std::to_string(max_depth) + " levels";
      return false;
    }
    json* node = place(std::move(container));
    stack_.push_back(frame{node, std::string()});
    return true;
  }
  bool close() {
    stack_.pop_back();
    return true;
  }
  // The JSON path of the innermost open container.
  std::string path() const {
    std::string p;
    for (std::size_t i = 0; i + 1 < stack_.size(); ++i) {
      const frame& f = stack_[i];
      if (f.node->is_array()) {
        p += "[" + std::to_string(f.node->size() - 1) + "]";
      } else {
        if (!p.empty()) p += '.';
        p += f.key;
      }
    }
    return p;
  }

  std::string_view text_;
  json root_;
  std::vector<frame> stack_;
  std::string error_;
  std::string error_path_;
};

// A value as JSON, cut at max_shown bytes (on a UTF-8 character boundary).
inline std::string shown(const json& v) {
  std::string s = v.dump(-1, ' ', false, json::error_handler_t::replace);
  if (s.size() <= max_shown) return s;
  std::size_t n = max_shown;
  while (n > 0 && (static_cast<unsigned char>(s[n]) & 0xc0) == 0x80) --n;
  s.resize(n);
  return s + "...";
}

inline std::string json_quoted(std::string_view s) {
  return json(std::string(s)).dump(-1, ' ', false, json::error_handler_t::replace);
}

// `s` as a JSON string for an error message, cut after 128 bytes (at a character boundary, with
// its full size said): a misspelt key may be any length, the message stays readable.
inline std::string message_quoted(std::string_view s) {
  constexpr std::size_t max = 128;
  if (s.size() <= max) return json_quoted(s);
  std::size_t n = max;
  while (n > 0 && (static_cast<unsigned char>(s[n]) & 0xC0) == 0x80) --n;
  return json_quoted(s.substr(0, n)) + "... (" + std::to_string(s.size()) + " bytes)";
}

inline std::string join(const std::string& path, std::string_view key) {
  return path.empty() ? std::string(key) : path + "." + std::string(key);
}

inline std::string index(const std::string& path, std::size_t i) {
  return path + "[" + std::to_string(i) + "]";
}

// Reads values of a document, naming the first problem in `Error` (a struct with `path` and
// `message`).
template <class Error>
class reader {
 public:
  explicit reader(Error& err) : err_(err) {}

  bool fail(const std::string& path, std::string message) {
    err_.path = path;
    err_.message = std::move(message);
    return false;
  }
  bool expected(const std::string& path, std::string_view what, const json& found) {
    return fail(path, "expected " + std::string(what) + ", found " + shown(found));
  }

  // An object with only `allowed` keys and all of `required`.
  bool object(const json& v, const std::string& path,
              std::initializer_list<std::string_view> allowed,
              std::initializer_list<std::string_view> required) {
    if (!v.is_object()) return expected(path, "an object", v);
    for (const auto& item : v.items()) {
      bool known = false;
      for (std::string_view a : allowed) known = known || item.key() == a;
      if (!known) return fail(path, "unknown key " + message_quoted(item.key()));
    }
    for (std::string_view r : required) {
      if (v.find(std::string(r)) == v.end()) {
        return fail(path, "missing required key " + json_quoted(r));
      }
    }
    return true;
  }

  // The member `key` of object `v`, or nullptr if it is absent.
  static const json* member(const json& v, std::string_view key) {
    auto it = v.find(std::string(key));
    return it == v.end() ? nullptr : &*it;
  }

  bool number(const json& obj, const std::string& path, std::string_view key, double& out,
              std::string_view what = "a number") {
    const json* v = member(obj, key);
    if (v == nullptr) return true;
    if (!v->is_number()) return expected(join(path, key), what, *v);
    out = v->get<double>();
    return true;
  }
  bool seconds(const json& obj, const std::string& path, std::string_view key, double& out,
               bool positive = false) {
    return number(obj, path, key, out,
                  positive ? "a number of seconds > 0" : "a number of seconds ≥ 0");
  }

  // A non-negative integer that fits an int (JSON Schema integers: 3.0 counts as 3).
  bool count(const json& obj, const std::string& path, std::string_view key, int& out) {
    const json* v = member(obj, key);
    if (v == nullptr) return true;
    const std::string at = join(path, key);
    constexpr auto max = std::numeric_limits<int>::max();
    if (v->is_number_unsigned()) {
      const auto u = v->get<json::number_unsigned_t>();
      if (u > static_cast<json::number_unsigned_t>(max)) {
        return expected(at, "an integer ≤ " + std::to_string(max), *v);
      }
      out = static_cast<int>(u);
      return true;
    }
    if (v->is_number_integer()) {  // negative (non-negative ones are unsigned)
      return expected(at, "an integer ≥ 0", *v);
    }
    if (v->is_number_float()) {
      const double d = v->get<double>();
      if (d != std::floor(d)) return expected(at, "an integer ≥ 0", *v);
      if (d < 0) return expected(at, "an integer ≥ 0", *v);
      if (d > static_cast<double>(max)) {
        return expected(at, "an integer ≤ " + std::to_string(max), *v);
      }
      out = static_cast<int>(d);
      return true;
    }
    return expected(at, "an integer ≥ 0", *v);
  }

  bool boolean(const json& obj, const std::string& path, std::string_view key, bool& out) {
    const json* v = member(obj, key);
    if (v == nullptr) return true;
    if (!v->is_boolean()) return expected(join(path, key), "true or false", *v);
    out = v->get<bool>();
    return true;
  }

  bool string(const json& obj, const std::string& path, std::string_view key, std::string& out) {
    const json* v = member(obj, key);
    if (v == nullptr) return true;
    if (!v->is_string()) return expected(join(path, key), "a string", *v);
    out = v->get<std::string>();
    return true;
  }

  // One of `names` (the enumeration's table).
  template <class E, std::size_t N>
  bool name(const json& obj, const std::string& path, std::string_view key,
            const firebus::detail::named<E> (&names)[N], std::initializer_list<E> allowed, E& out) {
    const json* v = member(obj, key);
    if (v == nullptr) return true;
    std::string list;
    for (E e : allowed) {
      if (!list.empty()) list += ", ";
      list += json_quoted(firebus::detail::name_of(names, e));
    }
    if (v->is_string()) {
      const std::string& s = v->get_ref<const std::string&>();
      for (E e : allowed) {
        if (firebus::detail::name_of(names, e) == s) {
          out = e;
          return true;
        }
      }
    }
    return expected(join(path, key), "one of " + list, *v);
  }

  // [a, b], two numbers.
  bool pair(const json& obj, const std::string& path, std::string_view key, std::string_view what,
            std::optional<std::pair<double, double>>& out) {
    const json* v = member(obj, key);
    if (v == nullptr || v->is_null()) return true;  // null: absent
    if (!v->is_array() || v->size() != 2 || !(*v)[0].is_number() || !(*v)[1].is_number()) {
      return expected(join(path, key), what, *v);
    }
    out = std::make_pair((*v)[0].get<double>(), (*v)[1].get<double>());
    return true;
  }

  // An array of point ids.
  bool ids(const json& obj, const std::string& path, std::string_view key,
           std::vector<std::string>& out) {
    const json* v = member(obj, key);
    if (v == nullptr) return true;
    const std::string at = join(path, key);
    if (!v->is_array()) return expected(at, "an array of point ids", *v);
    out.reserve(v->size());
    for (std::size_t i = 0; i < v->size(); ++i) {
      const json& x = (*v)[i];
      if (!x.is_string()) return expected(index(at, i), "a point id (a string)", x);
      out.push_back(x.get<std::string>());
    }
    return true;
  }

  // An array of objects, each read by `each(element, path, index)`.
  template <class F>
  bool array(const json& obj, const std::string& path, std::string_view key, F each) {
    const json* v = member(obj, key);
    if (v == nullptr) return true;
    const std::string at = join(path, key);
    if (!v->is_array()) return expected(at, "an array", *v);
    for (std::size_t i = 0; i < v->size(); ++i) {
      if (!each((*v)[i], index(at, i))) return false;
    }
    return true;
  }

  bool read_alarm(const json& v, const std::string& at, alarm::alarm_rule& a) {
    if (!object(v, at,
                {"id", "type", "setpoint", "deadband", "on_delay_s", "off_delay_s", "rate_per_min",
                 "rate_per_minute", "window_s", "max_reference_age_s", "class", "profile", "latch"},
                {"id", "type"})) {
      return false;
    }
    // The semantics' prose says "rate_per_minute", its schema "rate_per_min": both are read.
    const bool long_name = v.contains("rate_per_minute");
    if (long_name && v.contains("rate_per_min")) {
      return fail(join(at, "rate_per_minute"), "give rate_per_min or rate_per_minute, not both");
    }
    return string(v, at, "id", a.id) &&
           name(v, at, "type", alarm::detail::rule_type_names,
                {alarm::rule_type::high, alarm::rule_type::low, alarm::rule_type::rate_of_rise,
                 alarm::rule_type::state},
                a.type) &&
           number(v, at, "setpoint", a.setpoint) &&
           number(v, at, "deadband", a.deadband, "a number ≥ 0") &&
           seconds(v, at, "on_delay_s", a.on_delay_s) &&
           seconds(v, at, "off_delay_s", a.off_delay_s) &&
           number(v, at, long_name ? "rate_per_minute" : "rate_per_min", a.rate_per_min,
                  "a number > 0") &&
           seconds(v, at, "window_s", a.window_s, true) &&
           seconds(v, at, "max_reference_age_s", a.max_reference_age_s) &&
           name(v, at, "class", firebus::detail::alarm_class_names,
                {firebus::alarm_class::fire, firebus::alarm_class::supervisory,
                 firebus::alarm_class::pre_alarm, firebus::alarm_class::fault},
                a.cls) &&
           name(v, at, "profile", alarm::detail::profile_names,
                {alarm::profile::isa, alarm::profile::fire}, a.profile) &&
           boolean(v, at, "latch", a.latch);
  }

 private:
  Error& err_;
};

// The text of `text` as a document; false with `path` and `message` set on a syntax error,
// a duplicate key or too deep nesting.
inline bool parse_document(std::string_view text, json& doc, std::string& path,
                           std::string& message) {
  document_builder builder(text);
  bool ok = false;
  try {
    ok = json::sax_parse(text.data(), text.data() + text.size(), &builder);
  } catch (const json::exception& e) {  // not expected from the SAX interface
    path.clear();
    message = std::string("invalid JSON: ") + e.what();
    return false;
  }
  if (!ok) {
    path = builder.error_path();
    message = builder.error();
    return false;
  }
  doc = std::move(builder.root());
  return true;
}

// The whole file at `file`, up to `max_size` bytes; false with `ec` (the system's error, or
// file_too_large) and `message` ("cannot open the file: ...").
inline bool read_text_file(const std::string& file, std::size_t max_size, std::string& text,
                           std::error_code& ec, std::string& message) {
  std::FILE* f = std::fopen(file.c_str(), "rb");
  if (f == nullptr) {
    ec = std::error_code(errno != 0 ? errno : ENOENT, std::generic_category());
    message = "cannot open the file: " + ec.message();
    return false;
  }
  text.clear();
  char buf[64 * 1024];
  bool too_large = false;
  for (;;) {
    const std::size_t got = std::fread(buf, 1, sizeof buf, f);
    if (got == 0) break;
    if (text.size() + got > max_size) {
      too_large = true;
      break;
    }
    text.append(buf, got);
  }
  const bool read_error = std::ferror(f) != 0;
  const int read_errno = errno;
  std::fclose(f);
  if (too_large) {
    ec = std::make_error_code(std::errc::file_too_large);
    message = "the file is larger than " + std::to_string(max_size / (1024 * 1024)) + " MiB";
    return false;
  }
  if (read_error) {
    ec = std::error_code(read_errno != 0 ? read_errno : EIO, std::generic_category());
    message = "cannot read the file: " + ec.message();
    return false;
  }
  return true;
}

}  // namespace json_io
}  // namespace detail
}  // namespace v1
}  // namespace firebus

#endif  // FIREBUS_SRC_JSON_READER_HPP
