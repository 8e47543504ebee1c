// firebus — fire-safety IoT SDK.
//
// firebus: the command line tool. This file only dispatches: `firebus AREA ...` runs the area's
// entry point (one source file per area, declared in cli.hpp), `firebus help [AREA]` and
// `firebus --version` are answered here.
#include <cstddef>
#include <cstdio>
#include <exception>
#include <new>
#include <string>
#include <string_view>
#include <vector>

#include <firebus/core/config.hpp>
#include <firebus/library.hpp>

#include "cli.hpp"

namespace {

struct area {
  std::string_view name;
  std::string_view summary;
  int (*run)(const std::vector<std::string>& args);
  void (*usage)(std::FILE* out);
};

// Add an area here (and its source file to CMakeLists.txt).
constexpr area areas[] = {
    {"gb26875", "GB/T 26875.3 dissector: decode and encode frames", &firebus_cli::gb26875_main,
     &firebus_cli::gb26875_usage},
    {"alarm", "alarm engine: replay recorded inputs and print the events", &firebus_cli::alarm_main,
     &firebus_cli::alarm_usage},
    {"modbus", "Modbus devices: plan the reads of a device profile and predict the scan time",
     &firebus_cli::modbus_main, &firebus_cli::modbus_usage},
    {"sparkplug", "Sparkplug B payloads: decode and encode them as JSON, parse topics",
     &firebus_cli::sparkplug_main, &firebus_cli::sparkplug_usage},
    {"telemetry", "firebus telemetry: watch a broker, decode the envelopes published on it",
     &firebus_cli::telemetry_main, &firebus_cli::telemetry_usage},
};

const area* find_area(std::string_view name) {
  for (const area& a : areas) {
    if (a.name == name) return &a;
  }
  return nullptr;
}

void usage(std::FILE* out) {
  std::fputs(
      "usage: firebus AREA COMMAND [OPTIONS]\n"
      "       firebus help [AREA]\n"
      "       firebus --version [--json]\n"
      "\n"
      "areas:\n",
      out);
  for (const area& a : areas) {
    std::fprintf(out, "  %-10.*s %.*s\n", static_cast<int>(a.name.size()), a.name.data(),
                 static_cast<int>(a.summary.size()), a.summary.data());
  }
  std::fputs(
      "\nCommands that print results print JSON lines on stdout with --json (one object per\n"
      "line) and readable text otherwise; messages go to stderr. Encoders print what they\n"
      "encode (gb26875 encode: frames; sparkplug encode: hex, or JSON lines with --json).\n"
      "Exit status: 0 all input understood, 1 bad data, 2 usage or I/O error (each area's help\n"
      "says what counts as which).\n",
      out);
}

int run(const std::vector<std::string>& args) {
  if (args.empty()) {
    usage(stderr);
    return firebus_cli::exit_usage;
  }
  const std::string& first = args[0];
  if (first == "--version" || first == "version") {
    // The library actually loaded, and the headers this tool was compiled with.
    bool json_lines = false;
    for (std::size_t i = 1; i < args.size(); ++i) {
      if (args[i] != "--json") {
        std::fprintf(stderr, "firebus --version: unknown option '%s'\n", args[i].c_str());
        return firebus_cli::exit_usage;
      }
      json_lines = true;
    }
    if (json_lines) {  // both are version numbers: digits and dots, nothing to escape
      std::printf("{\"version\":\"%s\",\"headers\":\"%s\"}\n", firebus::library_version().string,
                  FIREBUS_VERSION_STRING);
    } else {
      std::printf("firebus %s (headers %s)\n", firebus::library_version().string,
                  FIREBUS_VERSION_STRING);
    }
    return firebus_cli::exit_ok;
  }
  if (first == "help" || first == "--help" || first == "-h") {
    if (args.size() == 1) {
      usage(stdout);
      return firebus_cli::exit_ok;
    }
    if (const area* a = find_area(args[1])) {
      a->usage(stdout);
      return firebus_cli::exit_ok;
    }
    std::fprintf(stderr, "firebus: no help for '%s'\n", args[1].c_str());
    usage(stderr);
    return firebus_cli::exit_usage;
  }
  if (const area* a = find_area(first)) {
    return a->run(std::vector<std::string>(args.begin() + 1, args.end()));
  }
  std::fprintf(stderr, "firebus: unknown area '%s'\n", first.c_str());
  usage(stderr);
  return firebus_cli::exit_usage;
}

}  // namespace

int main(int argc, char** argv) {
  try {
    return run(std::vector<std::string>(argv + 1, argv + argc));
  } catch (const std::bad_alloc&) {
    std::fputs("firebus: out of memory\n", stderr);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "firebus: internal error: %s\n", e.what());
  }
  return firebus_cli::exit_failure;
}
