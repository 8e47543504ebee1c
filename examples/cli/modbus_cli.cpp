// firebus — fire-safety IoT SDK.
//
// `firebus modbus plan`: the read requests the poll planner makes for a device profile, per poll
// class (alarm-state points first, then measurements, then configuration), each with its
// predicted bus time, and the predicted scan time of one device and of a line of N devices.
// `firebus modbus poll`: reads every point of one device once over Modbus TCP through its
// profile (modbus::tcp_bus) and prints the decoded values, conditions and statuses.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>

#include <asio.hpp>

#include <firebus/core/quality.hpp>
#include <firebus/io/modbus_tcp_bus.hpp>
#include <firebus/modbus/planner.hpp>
#include <firebus/modbus/rtu.hpp>
#include <firebus/profile/codec.hpp>
#include <firebus/profile_json.hpp>

#include "cli.hpp"

namespace firebus_cli {
namespace {

namespace mb = firebus::modbus;
namespace pf = firebus::profile;
using json = nlohmann::ordered_json;  // keys in the order written

struct plan_options {
  std::string profile;
  std::uint32_t baud = 0;     // 0: the profile's factory baud
  double turnaround_ms = 0;   // the device's reply delay
  double tcp_rtt_ms = -1;     // ≥ 0: plan for TCP with this round trip
  std::uint32_t devices = 1;  // devices on the line
  bool json_lines = false;
};

int usage_error(const std::string& message) {
  std::fprintf(stderr, "firebus modbus plan: %s\n", message.c_str());
  modbus_usage(stderr);
  return exit_usage;
}

bool parse_number(const std::string& text, double lo, double hi, double& out) {
  char* end = nullptr;
  const double v = std::strtod(text.c_str(), &end);
  if (text.empty() || end != text.c_str() + text.size() || !(v >= lo && v <= hi)) return false;
  out = v;
  return true;
}

// A profile given as a file, or as an id of the library (FIREBUS_PROFILES, then the source
// tree's protocols/profiles when built in it, then the installed library). An id that is in none
// of them: nullopt, and `looked_in` lists where it was looked for.
std::optional<std::string> resolve_profile(const std::string& name, std::string& looked_in) {
  if (name.find('/') != std::string::npos || name.find(".json") != std::string::npos) return name;
  std::vector<std::string> dirs;
  if (const char* env = std::getenv("FIREBUS_PROFILES")) dirs.emplace_back(env);
#ifdef FIREBUS_CLI_SOURCE_PROFILES  // built in the firebus tree
  dirs.emplace_back(FIREBUS_CLI_SOURCE_PROFILES);
#endif
#ifdef FIREBUS_CLI_INSTALLED_PROFILES
  dirs.emplace_back(FIREBUS_CLI_INSTALLED_PROFILES);
#endif
  looked_in.clear();
  for (const std::string& d : dirs) {
    const std::string path = d + "/" + name + ".json";
    if (std::FILE* f = std::fopen(path.c_str(), "rb")) {
      std::fclose(f);
      return path;
    }
    looked_in += (looked_in.empty() ? "" : ", ") + d;
  }
  return std::nullopt;
}

// Loads the profile named on the command line into `codec`; false (after saying why on stderr,
// as "firebus modbus COMMAND: ...", or "FILE: JSON path: problem") when it cannot.
bool load_codec(const char* command, const std::string& name, pf::codec& codec) {
  std::string looked_in;
  const std::optional<std::string> path = resolve_profile(name, looked_in);
  if (!path) {
    std::fprintf(stderr,
                 "firebus modbus %s: profile '%s' is not in the profile library (looked in %s); "
                 "give a library id or a file (a path with '/' or ending in .json)\n",
                 command, name.c_str(), looked_in.empty() ? "no directory" : looked_in.c_str());
    return false;
  }
  pf::device_profile prof;
  std::error_code ec;
  pf::profile_error err;
  if (!pf::load_profile(*path, prof, ec, err)) {
    std::fprintf(stderr, "%s: %s\n", path->c_str(), err.what().c_str());
    return false;
  }
  if (!codec.assign(std::move(prof), err)) {  // not reached: the loader validates
    std::fprintf(stderr, "%s: %s\n", path->c_str(), err.what().c_str());
    return false;
  }
  return true;
}

double ms(firebus::duration d) { return static_cast<double>(d.count()) / 1000.0; }

int plan(const plan_options& o) {
  pf::codec codec;
  if (!load_codec("plan", o.profile, codec)) return exit_usage;
  const pf::device_profile& p = codec.profile();
  mb::line_timing line;
  line.baud = o.baud != 0 ? o.baud : p.modbus.serial.baud;
  line.bits_per_char = static_cast<std::uint8_t>(
      1 + p.modbus.serial.data_bits + (p.modbus.serial.parity == pf::parity::none ? 0 : 1) +
      p.modbus.serial.stop_bits);
  line.turnaround = firebus::duration(static_cast<std::int64_t>(o.turnaround_ms * 1000 + 0.5));
  const bool tcp = o.tcp_rtt_ms >= 0;
  const mb::cost_model cost = tcp ? mb::cost_model::tcp(firebus::duration(
                                        static_cast<std::int64_t>(o.tcp_rtt_ms * 1000 + 0.5)))
                                  : mb::cost_model::rtu(line);
  mb::poll_planner planner(cost, p.modbus.limits);

  if (!o.json_lines) {
    std::printf("profile %s: %s %s (%zu points)\n", p.id.c_str(), p.vendor.c_str(), p.model.c_str(),
                codec.size());
    if (tcp) {
      std::printf("line: Modbus TCP, round trip %.3f ms\n", o.tcp_rtt_ms);
    } else {
      std::printf(
          "line: Modbus RTU %u baud, %u bits per character, t3.5 %.3f ms, turnaround "
          "%.3f ms\n",
          line.baud, line.bits_per_char, ms(line.t35()), ms(line.turnaround));
    }
    std::printf("%-12s %-9s %-8s %5s %9s  %s\n", "class", "table", "address", "count", "time ms",
                "points");
  }
  firebus::duration per_class[3] = {};
  std::size_t requests = 0;
  for (pf::poll_class c :
       {pf::poll_class::alarm, pf::poll_class::measurement, pf::poll_class::config}) {
    const std::vector<std::size_t> pts = codec.points(c);
    if (pts.empty()) continue;
    // read_items() of the class brings decimals_from sources too: name them all.
    std::vector<std::size_t> named = pts;
    for (std::size_t i : pts) {
      const std::size_t d = codec.point(i).decimals_from.empty()
                                ? pf::codec::npos
                                : codec.find(codec.point(i).decimals_from);
      if (d != pf::codec::npos) named.push_back(d);
    }
    const std::vector<mb::read_item> items = codec.read_items(pts);
    const std::vector<mb::planned_read> reads = planner.plan(items);
    for (const mb::planned_read& r : reads) {
      ++requests;
      per_class[static_cast<int>(c)] += r.cost;
      std::vector<std::string> ids;
      const std::uint32_t first = r.req.address;
      const std::uint32_t last = first + r.req.quantity;
      for (std::size_t i : named) {
        const pf::point_def& d = codec.point(i);
        bool dup = false;
        for (const std::string& s : ids) dup = dup || s == d.id;
        if (!dup && d.tbl == r.tbl && d.address >= first && d.address < last) ids.push_back(d.id);
      }
      if (o.json_lines) {
        json line_out = {{"class", std::string(pf::to_string(c))},
                         {"table", std::string(pf::table_name(r.tbl))},
                         {"function", static_cast<int>(r.req.fn)},
                         {"address", r.req.address},
                         {"quantity", r.req.quantity},
                         {"time_ms", ms(r.cost)},
                         {"points", ids}};
        std::printf("%s\n", line_out.dump(-1, ' ', false, json::error_handler_t::replace).c_str());
      } else {
        std::string list;
        for (const std::string& s : ids) list += (list.empty() ? "" : " ") + s;
        char addr[16];
        std::snprintf(addr, sizeof addr, "0x%04X", r.req.address);
        std::printf("%-12s %-9s %-8s %5u %9.3f  %s\n", std::string(pf::to_string(c)).c_str(),
                    std::string(pf::table_name(r.tbl)).c_str(), addr, r.req.quantity, ms(r.cost),
                    list.c_str());
      }
    }
  }
  const firebus::duration device = per_class[0] + per_class[1] + per_class[2];
  const firebus::duration line_scan = device * static_cast<std::int64_t>(o.devices);
  if (o.json_lines) {
    json summary = {{"profile", p.id},
                    {"requests", requests},
                    {"alarm_ms", ms(per_class[0])},
                    {"measurement_ms", ms(per_class[1])},
                    {"config_ms", ms(per_class[2])},
                    {"device_ms", ms(device)},
                    {"devices", o.devices},
                    {"scan_ms", ms(line_scan)}};
    std::printf("%s\n", json{{"summary", summary}}.dump().c_str());
  } else {
    std::printf(
        "predicted scan time of one device: %.3f ms (%zu requests: alarm %.3f ms, "
        "measurement %.3f ms, config %.3f ms)\n",
        ms(device), requests, ms(per_class[0]), ms(per_class[1]), ms(per_class[2]));
    if (o.devices != 1) {
      std::printf("%u devices on the line: %.3f ms per full scan\n", o.devices, ms(line_scan));
    }
  }
  return exit_ok;
}

struct poll_options {
  std::string profile;
  std::string host;
  std::uint16_t port = 502;
  int unit = -1;
  double timeout_ms = 1000;
  int retries = 1;
  std::uint32_t line_baud = 0;  // the gateway's serial line; 0: from the profile
  bool json_lines = false;
};

int poll_usage_error(const std::string& message) {
  std::fprintf(stderr, "firebus modbus poll: %s\n", message.c_str());
  modbus_usage(stderr);
  return exit_usage;
}

// "tcp://host:port" (port 502 when omitted); false when it is not that.
bool parse_url(const std::string& url, std::string& host, std::uint16_t& port) {
  const std::string scheme = "tcp://";
  if (url.compare(0, scheme.size(), scheme) != 0) return false;
  std::string rest = url.substr(scheme.size());
  if (!rest.empty() && rest.back() == '/') rest.pop_back();
  const std::size_t colon = rest.rfind(':');
  port = 502;
  if (colon != std::string::npos) {
    double p = 0;
    if (!parse_number(rest.substr(colon + 1), 1, 65535, p) || p != static_cast<int>(p)) {
      return false;
    }
    port = static_cast<std::uint16_t>(p);
    rest = rest.substr(0, colon);
  }
  host = rest;
  return !host.empty();
}

std::string number_text(double v) {
  if (v != v) return "NaN";
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.10g", v);
  return buf;
}

// What one scan found for a point.
struct point_result {
  std::optional<pf::point_value> value;
  std::optional<firebus::alarm::device_condition> condition;
  std::optional<firebus::alarm::device_status> status;
  std::error_code error;
};

int poll(const poll_options& o) {
  auto codec = std::make_shared<pf::codec>();
  if (!load_codec("poll", o.profile, *codec)) return exit_usage;
  std::error_code ec;
  asio::io_context io;
  mb::tcp_bus_config cfg;
  cfg.host = o.host;
  cfg.port = o.port;
  // A device that speaks only RTU sits behind a TCP→RTU gateway: plan for its serial line.
  const pf::device_profile& pd = codec->profile();
  const bool speaks_tcp = std::find(pd.modbus.transports.begin(), pd.modbus.transports.end(),
                                    "tcp") != pd.modbus.transports.end();
  if (o.line_baud != 0 || !speaks_tcp) {
    mb::line_timing line;
    line.baud = o.line_baud != 0 ? o.line_baud : pd.modbus.serial.baud;
    line.bits_per_char = static_cast<std::uint8_t>(
        1 + pd.modbus.serial.data_bits + (pd.modbus.serial.parity == pf::parity::none ? 0 : 1) +
        pd.modbus.serial.stop_bits);
    cfg.cost = mb::cost_model::rtu(line);
  }
  mb::tcp_bus bus(io, cfg, ec);
  if (ec) return poll_usage_error("invalid connection settings");
  mb::device_policy policy;
  const auto timeout = firebus::duration(static_cast<std::int64_t>(o.timeout_ms * 1000));
  policy.timeout = timeout;
  policy.retries = o.retries;
  policy.quarantine_after = 1 << 20;  // one scan: every read is tried
  bus.add_device(static_cast<std::uint8_t>(o.unit), codec, policy);

  std::map<std::size_t, point_result> results;
  std::size_t awaited = 0;
  for (std::size_t i = 0; i < codec->size(); ++i) awaited += codec->point(i).publish ? 1 : 0;
  std::size_t answered = 0;
  // The scan's time: from the connection to the last answer (what the line took).
  std::optional<std::chrono::steady_clock::time_point> connected_at;
  std::chrono::steady_clock::time_point last_answer{};
  const auto first_answer = [&](std::size_t i) {
    const point_result& r = results[i];
    if (codec->point(i).publish && !r.value && !r.error) ++answered;
    last_answer = std::chrono::steady_clock::now();
  };
  bus.on_connection([&](bool up, std::error_code) {
    if (up && !connected_at) connected_at = std::chrono::steady_clock::now();
  });
  // Only the scan's own answers count: stopping the bus afterwards fails every point again
  // (disconnected), which must not replace the reason a read failed.
  bool scanning = true;
  bus.on_readings([&](std::uint32_t, firebus::mono_time, const pf::readings& r) {
    if (!scanning) return;
    for (const auto& v : r.values) {
      first_answer(v.point);
      results[v.point].value = v;
    }
    for (const auto& c : r.conditions) results[c.point].condition = c.condition;
    for (const auto& s : r.statuses) results[s.point].status = s.status;
  });
  bus.on_failure([&](std::uint32_t, firebus::mono_time, const std::vector<std::size_t>& points,
                     std::error_code e) {
    if (!scanning) return;
    for (std::size_t i : points) {
      if (results[i].value || results[i].error) continue;
      first_answer(i);
      results[i].error = e;
    }
  });
  const auto started = std::chrono::steady_clock::now();
  bus.start();
  // One scan: until every published point was read or failed, within a bound.
  const auto bound = std::chrono::duration_cast<std::chrono::steady_clock::duration>(
      timeout * (static_cast<std::int64_t>(o.retries) + 1) *
      static_cast<std::int64_t>(codec->size() + 1));
  const auto limit = started + std::chrono::seconds(5) + bound;
  while (answered < awaited && std::chrono::steady_clock::now() < limit) {
    io.run_for(std::chrono::milliseconds(20));
    if (bus.connection_counters().connect_failures > 0 && !bus.connected()) break;
  }
  const auto from = connected_at ? *connected_at : started;
  const auto to = answered > 0 ? last_answer : std::chrono::steady_clock::now();
  const double elapsed_ms = std::chrono::duration<double, std::milli>(to - from).count();
  const mb::bus_counters counters = bus.counters();
  const mb::tcp_bus_counters conn = bus.connection_counters();
  scanning = false;
  bus.stop();
  io.run_for(std::chrono::milliseconds(20));

  if (conn.connects == 0) {
    std::fprintf(stderr, "firebus modbus poll: cannot connect to tcp://%s:%u\n", o.host.c_str(),
                 o.port);
    return exit_failure;
  }
  std::size_t failed = 0;
  const pf::device_profile& p = codec->profile();
  if (!o.json_lines) {
    std::printf("%s (%s %s), unit %d at tcp://%s:%u\n", p.id.c_str(), p.vendor.c_str(),
                p.model.c_str(), o.unit, o.host.c_str(), o.port);
  }
  for (std::size_t i = 0; i < codec->size(); ++i) {
    const pf::point_def& d = codec->point(i);
    const auto it = results.find(i);
    const point_result* r = it == results.end() ? nullptr : &it->second;
    const bool has_value = r != nullptr && r->value;
    const bool has_error = r != nullptr && r->error && !has_value;
    const bool has_condition = r != nullptr && r->condition;
    const bool has_status = r != nullptr && r->status;
    if (d.publish && !has_value) ++failed;
    if (!d.publish && !has_condition && !has_status) continue;
    if (o.json_lines) {
      json line = {{"point", d.id}};
      if (has_value) {
        const double v = r->value->value;
        line["value"] = v == v ? json(v) : json(nullptr);
        line["unit"] = d.unit;
        line["quality"] = firebus::to_string(r->value->quality);
      }
      if (has_condition) line["condition"] = std::string(firebus::alarm::to_string(*r->condition));
      if (has_status) line["status"] = std::string(firebus::alarm::to_string(*r->status));
      if (has_error) line["error"] = r->error.message();
      if (d.publish && r == nullptr) line["error"] = "not read";
      std::printf("%s\n", line.dump(-1, ' ', false, json::error_handler_t::replace).c_str());
      continue;
    }
    std::string text;
    if (has_value) {
      text = number_text(r->value->value);
      if (!d.unit.empty()) text += " " + d.unit;
      if (r->value->quality != firebus::quality_code::good) {
        text += "  (" + firebus::to_string(r->value->quality) + ")";
      }
    } else if (has_error) {
      text = "not read: " + r->error.message();
    } else if (d.publish) {
      text = "not read";
    }
    if (has_condition) {
      text += "  condition " + std::string(firebus::alarm::to_string(*r->condition));
    }
    if (has_status) text += "  status " + std::string(firebus::alarm::to_string(*r->status));
    std::printf("%-12s %s\n", d.id.c_str(), text.c_str());
  }
  if (o.json_lines) {
    json summary = {{"profile", p.id},
                    {"unit", o.unit},
                    {"points", awaited},
                    {"failed", failed},
                    {"requests", counters.requests},
                    {"timeouts", counters.timeouts},
                    {"exceptions", counters.exceptions},
                    {"time_ms", elapsed_ms}};
    std::printf("%s\n", json{{"summary", summary}}.dump().c_str());
  } else {
    std::printf(
        "%zu of %zu points read in %.1f ms (%llu requests, %llu timeouts, %llu "
        "exceptions)\n",
        awaited - failed, awaited, elapsed_ms, static_cast<unsigned long long>(counters.requests),
        static_cast<unsigned long long>(counters.timeouts),
        static_cast<unsigned long long>(counters.exceptions));
  }
  return failed == 0 ? exit_ok : exit_failure;
}

int poll_main(const std::vector<std::string>& args) {
  poll_options o;
  bool have_profile = false;
  bool have_url = false;
  for (std::size_t i = 1; i < args.size(); ++i) {
    const std::string& a = args[i];
    std::string value;
    bool missing = false;
    double number = 0;
    if (a == "--help" || a == "-h") {
      modbus_usage(stdout);
      return exit_ok;
    }
    if (a == "--json") {
      o.json_lines = true;
    } else if (is_option(args, i, "--profile", value, missing)) {
      if (missing || value.empty()) return poll_usage_error("--profile needs a file or an id");
      if (have_profile) return poll_usage_error("--profile given twice");
      o.profile = value;
      have_profile = true;
    } else if (is_option(args, i, "--url", value, missing)) {
      if (missing || !parse_url(value, o.host, o.port)) {
        return poll_usage_error("--url needs tcp://HOST[:PORT]");
      }
      have_url = true;
    } else if (is_option(args, i, "--unit", value, missing)) {
      if (missing || !parse_number(value, 0, 255, number) || number != static_cast<int>(number)) {
        return poll_usage_error("--unit needs an integer 0..255");
      }
      o.unit = static_cast<int>(number);
    } else if (is_option(args, i, "--timeout-ms", value, missing)) {
      if (missing || !parse_number(value, 1, 60000, o.timeout_ms)) {
        return poll_usage_error("--timeout-ms needs a number of milliseconds 1..60000");
      }
    } else if (is_option(args, i, "--retries", value, missing)) {
      if (missing || !parse_number(value, 0, 10, number) || number != static_cast<int>(number)) {
        return poll_usage_error("--retries needs an integer 0..10");
      }
      o.retries = static_cast<int>(number);
    } else if (is_option(args, i, "--line-baud", value, missing)) {
      if (missing || !parse_number(value, 300, 1e6, number) ||
          number != static_cast<std::uint32_t>(number)) {
        return poll_usage_error("--line-baud needs an integer 300..1000000");
      }
      o.line_baud = static_cast<std::uint32_t>(number);
    } else if (a.size() > 1 && a[0] == '-') {
      return poll_usage_error("unknown option '" + a + "'");
    } else {
      return poll_usage_error("unexpected argument '" + a + "'");
    }
  }
  if (!have_profile) return poll_usage_error("--profile is required");
  if (!have_url) return poll_usage_error("--url is required");
  if (o.unit < 0) return poll_usage_error("--unit is required");
  return poll(o);
}

}  // namespace

void modbus_usage(std::FILE* out) {
  std::fputs(
      "usage: firebus modbus plan --profile PROFILE [--baud N] [--turnaround-ms MS]\n"
      "                           [--tcp-rtt-ms MS] [--devices N] [--json]\n"
      "       firebus modbus poll --profile PROFILE --url tcp://HOST[:PORT] --unit N\n"
      "                           [--timeout-ms MS] [--retries N] [--line-baud N] [--json]\n"
      "\n"
      "plan  prints the read requests the poll planner makes for a device profile, per poll\n"
      "      class (alarm-state points, then measurements, then configuration), with each\n"
      "      request's predicted bus time, and the predicted scan time of one device and of\n"
      "      N devices on one line.\n"
      "\n"
      "  --profile P        a profile file, or the id of a library profile (looked up in\n"
      "                     $FIREBUS_PROFILES, then the installed profile library)\n"
      "  --baud N           RTU line speed (default: the profile's factory setting)\n"
      "  --turnaround-ms MS the device's delay before it replies (default 0)\n"
      "  --tcp-rtt-ms MS    plan for Modbus TCP with this round-trip time instead of RTU\n"
      "  --devices N        devices of this profile on the line (default 1)\n"
      "  --json             one JSON object per request, then a {\"summary\":...} line\n"
      "\n"
      "poll  reads every point of one device once over Modbus TCP (to the device or a TCP to\n"
      "      RTU gateway) through its profile, and prints the values, the device's conditions\n"
      "      (fire, active) and statuses (fault, open or short circuit).\n"
      "\n"
      "  --url tcp://HOST[:PORT]  the device or gateway (port 502 when omitted)\n"
      "  --unit N                 the unit id, 0..255\n"
      "  --timeout-ms MS          response timeout per request (default 1000)\n"
      "  --retries N              retries after a timeout (default 1)\n"
      "  --line-baud N            the serial line behind a TCP to RTU gateway, for the plan\n"
      "                           (default: the profile's, for devices that speak only RTU)\n"
      "  --json                   one JSON object per point, then a {\"summary\":...} line\n"
      "\n"
      "Exit status: 0 done (poll: every point read), 1 poll: points not read, or no\n"
      "connection, 2 usage error or a profile that cannot be loaded (reported as\n"
      "FILE: JSON path: problem).\n",
      out);
}

int modbus_main(const std::vector<std::string>& args) {
  if (args.empty()) {
    modbus_usage(stderr);
    return exit_usage;
  }
  const std::string& command = args[0];
  if (command == "help" || command == "--help" || command == "-h") {
    modbus_usage(stdout);
    return exit_ok;
  }
  if (command == "poll") return poll_main(args);
  if (command != "plan") {
    std::fprintf(stderr, "firebus modbus: unknown command '%s' (expected plan or poll)\n",
                 command.c_str());
    modbus_usage(stderr);
    return exit_usage;
  }
  plan_options o;
  bool have_profile = false;
  for (std::size_t i = 1; i < args.size(); ++i) {
    const std::string& a = args[i];
    std::string value;
    bool missing = false;
    double number = 0;
    if (a == "--help" || a == "-h") {
      modbus_usage(stdout);
      return exit_ok;
    }
    if (a == "--json") {
      o.json_lines = true;
    } else if (is_option(args, i, "--profile", value, missing)) {
      if (missing || value.empty()) return usage_error("--profile needs a file or an id");
      if (have_profile) return usage_error("--profile given twice");
      o.profile = value;
      have_profile = true;
    } else if (is_option(args, i, "--baud", value, missing)) {
      if (missing || !parse_number(value, 300, 1e6, number) ||
          number != static_cast<std::uint32_t>(number)) {
        return usage_error("--baud needs an integer 300..1000000");
      }
      o.baud = static_cast<std::uint32_t>(number);
    } else if (is_option(args, i, "--turnaround-ms", value, missing)) {
      if (missing || !parse_number(value, 0, 10000, o.turnaround_ms)) {
        return usage_error("--turnaround-ms needs a number of milliseconds 0..10000");
      }
    } else if (is_option(args, i, "--tcp-rtt-ms", value, missing)) {
      if (missing || !parse_number(value, 0, 10000, o.tcp_rtt_ms)) {
        return usage_error("--tcp-rtt-ms needs a number of milliseconds 0..10000");
      }
    } else if (is_option(args, i, "--devices", value, missing)) {
      if (missing || !parse_number(value, 1, 247, number) ||
          number != static_cast<std::uint32_t>(number)) {
        return usage_error("--devices needs an integer 1..247");
      }
      o.devices = static_cast<std::uint32_t>(number);
    } else if (a.size() > 1 && a[0] == '-') {
      return usage_error("unknown option '" + a + "'");
    } else {
      return usage_error("unexpected argument '" + a + "'");
    }
  }
  if (!have_profile) return usage_error("--profile is required");
  return plan(o);
}

}  // namespace firebus_cli
