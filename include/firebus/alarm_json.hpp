// firebus — fire-safety IoT SDK.
/// @file
/// Alarm rules as JSON: the loader and writer of `protocols/alarm-rules.schema.json` (version 1).
///
/// The loader lives in the compiled library (target `firebus::firebus`); this header includes
/// only the C++ standard library and firebus, never the JSON library it uses.
///
/// A configuration is refused whole at its first problem, which is named by its JSON path and
/// what was expected and found, with the found value printed as JSON:
///
///     rules.json: points[3].alarms[0].deadband: expected a number ≥ 0, found "5"
///
/// The loader refuses, besides what firebus::alarm::validate refuses:
/// - JSON syntax errors (reported with line and column), and files above 64 MiB;
/// - a value of the wrong type (a string where a number is expected, a fraction where an
///   integer is, anything but `true`/`false` for an option);
/// - enumeration strings it does not know (the message lists the allowed ones);
/// - missing required keys (`version`; `id` of points, alarms and zones; `type` of alarms;
///   `members` of zones; `confirm_s` of a verification);
/// - unknown keys, and keys given twice: a misspelt `"setpiont"` in a life-safety
///   configuration must not silently leave the setpoint at its default of 0.
///
/// Omitted numbers are 0, omitted options off, `class` is "fire" and `profile` "isa" when
/// omitted (the defaults of firebus::alarm::rules). The optional `range`, `raw_4_20mA`,
/// `suppressed_by` and `verification` of a point may also be `null`, which means absent. At the
/// top level a `"$schema"` string is allowed and ignored, so that editors can validate the file
/// against the schema.
///
/// @par Example
/// @code
/// #include <firebus/alarm_json.hpp>
///
/// firebus::alarm::rules r;
/// std::error_code ec;
/// firebus::alarm::rules_error err;
/// if (!firebus::alarm::load_rules("rules.json", r, ec, err)) {
///   std::cerr << "rules.json: " << err.what() << '\n';
/// }
/// // or, throwing firebus::system_error with what() = "rules.json: <path>: <message>":
/// firebus::alarm::rules r2 = firebus::alarm::load_rules("rules.json");
/// std::string text = firebus::alarm::to_json(r2);  // canonical: every field, fixed order
/// @endcode
#ifndef FIREBUS_ALARM_JSON_HPP
#define FIREBUS_ALARM_JSON_HPP

#include <cstddef>
#include <string>
#include <string_view>
#include <system_error>

#include <firebus/alarm/error.hpp>
#include <firebus/alarm/rules.hpp>
#include <firebus/core/config.hpp>
#include <firebus/core/error.hpp>
#include <firebus/export.hpp>

namespace firebus {
inline namespace v1 {
namespace alarm {

/// The largest rules text the loader reads (64 MiB).
inline constexpr std::size_t max_rules_size = std::size_t{64} * 1024 * 1024;

/// Parses rules from JSON text and validates them (firebus::alarm::validate).
///
/// On success fills `out` and returns true. On failure returns false, sets `ec` to
/// errc::invalid_rules and `err` to the JSON path of the problem and a message (e.g.
/// `err.path` "points[3].alarms[0].deadband", `err.message` `expected a number ≥ 0, found "5"`;
/// for syntax errors `err.path` is empty and the message gives line and column); `out` is left
/// untouched.
FIREBUS_API bool parse_rules(std::string_view json, rules& out, std::error_code& ec,
                             rules_error& err);

/// Reads the file `path` and parses it as parse_rules() does.
///
/// A file that cannot be read fails with the system's error (e.g.
/// std::errc::no_such_file_or_directory), a file above max_rules_size with
/// std::errc::file_too_large; `err.path` is then empty and `err.message` says what happened
/// ("cannot read the file: No such file or directory").
FIREBUS_API bool load_rules(const std::string& path, rules& out, std::error_code& ec,
                            rules_error& err);

/// The canonical JSON text of a configuration: every field, in the schema's order, numbers in
/// their shortest exact form, indented by two spaces, with a final line break. Absent optional
/// fields (`range`, `raw_4_20mA`, `verification`, an empty `suppressed_by`) are written as
/// `null`. parse_rules() reads it back to an equal configuration.
FIREBUS_API std::string to_json(const rules& r);

#if FIREBUS_HAS_EXCEPTIONS
/// Throwing overload of parse_rules(): firebus::system_error with what() beginning
/// "<name>: <path>: <message>" (std::system_error appends ": " and the code's message).
inline rules parse_rules(std::string_view json, std::string_view name = "rules") {
  rules r;
  std::error_code ec;
  rules_error err;
  if (!parse_rules(json, r, ec, err)) {
    firebus::detail::throw_error(ec, std::string(name) + ": " + err.what());
  }
  return r;
}

/// Throwing overload of load_rules(): firebus::system_error with what() beginning
/// "<file>: <JSON path>: <message>" for refused rules, "<file>: cannot load the rules" when
/// the file cannot be read (then the code's message follows, e.g. "No such file or
/// directory").
inline rules load_rules(const std::string& path) {
  rules r;
  std::error_code ec;
  rules_error err;
  if (!load_rules(path, r, ec, err)) {
    firebus::detail::throw_error(
        ec, path + (ec == errc::invalid_rules ? ": " + err.what() : ": cannot load the rules"));
  }
  return r;
}
#endif

}  // namespace alarm
}  // namespace v1
}  // namespace firebus

#endif  // FIREBUS_ALARM_JSON_HPP
