// firebus — fire-safety IoT SDK.
//
// The `firebus` command line tool: what main.cpp's dispatcher needs from each area. One source
// file per area (gb26875_cli.cpp for `firebus gb26875 ...`, alarm_cli.cpp for
// `firebus alarm ...`); an area is an entry point taking the arguments after its name, and a
// usage text.
#ifndef FIREBUS_EXAMPLES_CLI_CLI_HPP
#define FIREBUS_EXAMPLES_CLI_CLI_HPP

#include <cstddef>
#include <cstdio>
#include <string>
#include <string_view>
#include <vector>

namespace firebus_cli {

/// Exit statuses shared by every command.
enum exit_status : int {
  exit_ok = 0,       ///< everything read was understood
  exit_failure = 1,  ///< bad data: frames rejected, lines that do not encode
  exit_usage = 2,    ///< bad arguments, or a file that cannot be opened
};

/// `firebus gb26875 ...`: `args` are the arguments after "gb26875".
int gb26875_main(const std::vector<std::string>& args);
/// The usage text of `firebus gb26875`.
void gb26875_usage(std::FILE* out);

/// `firebus modbus ...`: `args` are the arguments after "modbus".
int modbus_main(const std::vector<std::string>& args);
/// The usage text of `firebus modbus`.
void modbus_usage(std::FILE* out);

/// True if args[i] is the option `name`, given as "--name value" (i then moves to the value) or
/// "--name=value"; `value` is then its value, and `missing` tells whether it had none.
inline bool is_option(const std::vector<std::string>& args, std::size_t& i, std::string_view name,
                      std::string& value, bool& missing) {
  const std::string& a = args[i];
  missing = false;
  if (a == name) {
    if (i + 1 < args.size()) {
      value = args[++i];
    } else {
      missing = true;
    }
    return true;
  }
  if (a.size() > name.size() && a.compare(0, name.size(), name) == 0 && a[name.size()] == '=') {
    value = a.substr(name.size() + 1);
    return true;
  }
  return false;
}

/// `firebus sparkplug ...`: `args` are the arguments after "sparkplug".
int sparkplug_main(const std::vector<std::string>& args);
/// The usage text of `firebus sparkplug`.
void sparkplug_usage(std::FILE* out);

/// `firebus telemetry ...`: `args` are the arguments after "telemetry".
int telemetry_main(const std::vector<std::string>& args);
/// The usage text of `firebus telemetry`.
void telemetry_usage(std::FILE* out);

/// `firebus alarm ...`: `args` are the arguments after "alarm".
int alarm_main(const std::vector<std::string>& args);
/// The usage text of `firebus alarm`.
void alarm_usage(std::FILE* out);

}  // namespace firebus_cli

#endif  // FIREBUS_EXAMPLES_CLI_CLI_HPP
