// firebus — fire-safety IoT SDK.
//
// `firebus telemetry sub`: subscribes to topics of an MQTT broker (firebus::mqtt::client on its
// own asio::io_context), decodes every message as a firebus telemetry envelope (births are
// remembered in a birth_registry, so that the batches that use their aliases decode), and
// prints one line per message, as text or as JSON lines (docs/telemetry.md, "Watching a broker").
// Every (source, lane) has a sequence_tracker: a number seen before is flagged as a duplicate,
// skipped numbers are reported on stderr as a gap. A payload that does not decode is reported on
// stderr and the command carries on.
#include <unistd.h>

#include <chrono>
#include <csignal>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <system_error>
#include <utility>
#include <variant>
#include <vector>

#include <asio.hpp>

#include <firebus/core/event.hpp>
#include <firebus/core/sequence.hpp>
#include <firebus/core/time.hpp>
#include <firebus/io/mqtt_client.hpp>
#include <firebus/telemetry/aliases.hpp>
#include <firebus/telemetry/firebus_codec.hpp>
#include <firebus/telemetry/types.hpp>

#include "cli.hpp"

namespace firebus_cli {
namespace {

namespace tel = firebus::telemetry;
using json = nlohmann::ordered_json;  // the envelope's fields in protobuf's order

struct sub_options {
  std::string host;
  std::uint16_t port = 1883;
  std::vector<std::string> topics;
  bool json_lines = false;
  bool raw = false;                    // --raw: no decoding, the payload in hex
  std::optional<std::uint64_t> count;  // exit after this many messages
  std::optional<double> timeout_s;     // exit after this many seconds
  std::string client_id;               // empty: firebus-sub-<pid>
  bool persistent = false;             // --session: clean_session = false
};

int usage_error(const std::string& message) {
  std::fprintf(stderr, "firebus telemetry sub: %s\n", message.c_str());
  telemetry_usage(stderr);
  return exit_usage;
}

bool parse_number(const std::string& text, double lo, double hi, double& out) {
  char* end = nullptr;
  const double v = std::strtod(text.c_str(), &end);
  if (text.empty() || end != text.c_str() + text.size() || !(v >= lo && v <= hi)) return false;
  out = v;
  return true;
}

// "HOST:PORT", or "[V6ADDR]:PORT"; false when it is not that.
bool parse_broker(const std::string& text, std::string& host, std::uint16_t& port) {
  const std::size_t colon = text.rfind(':');
  if (colon == std::string::npos) return false;
  double p = 0;
  if (!parse_number(text.substr(colon + 1), 1, 65535, p) || p != static_cast<int>(p)) {
    return false;
  }
  std::string h = text.substr(0, colon);
  if (h.size() >= 2 && h.front() == '[' && h.back() == ']') h = h.substr(1, h.size() - 2);
  if (h.empty() || h.find_first_of(" []") != std::string::npos) return false;
  host = h;
  port = static_cast<std::uint16_t>(p);
  return true;
}

firebus::utc_time utc_now() {
  return firebus::utc_time(std::chrono::duration_cast<firebus::duration>(
      std::chrono::system_clock::now().time_since_epoch()));
}

std::string_view lane_name(tel::lane l) {
  switch (l) {
    case tel::lane::telemetry:
      return "telemetry";
    case tel::lane::alarm:
      return "alarm";
  }
  return "lane?";
}

std::string number_text(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.10g", v);
  return buf;
}

// A name of one of firebus's enumerations, or its number for one this build does not know
// (the decoder keeps numbers from a newer sender as they are).
template <class E>
std::string name_text(E v) {
  const std::string_view s = firebus::to_string(v);
  if (!s.empty()) return std::string(s);
  return std::to_string(static_cast<unsigned>(v));
}

std::string state_text(tel::device_state s) {
  const std::string_view n = tel::to_string(s);
  return n.empty() ? std::to_string(static_cast<unsigned>(s)) : std::string(n);
}

// A peer's text for the readable output: control characters (a line break, an escape sequence)
// as \xNN, so that a message cannot forge lines ("gap: ...") or drive the terminal. The codec
// only requires UTF-8 of an alarm, zone, command, device or detail.
std::string printable(std::string_view s) {
  static constexpr char hex[] = "0123456789abcdef";
  std::string out;
  out.reserve(s.size());
  for (const char c : s) {
    const auto u = static_cast<unsigned char>(c);
    if (u < 0x20 || u == 0x7F || c == '\\') {
      out += "\\x";
      out += hex[u >> 4];
      out += hex[u & 0xF];
    } else {
      out += c;
    }
  }
  return out;
}

std::string event_text(const firebus::event& e) {
  std::string t = "  event " + name_text(e.kind);
  if (!e.point.empty()) t += " point " + e.point.str();
  if (!e.zone.empty()) t += " zone " + printable(e.zone);
  if (!e.alarm.empty()) t += " alarm " + printable(e.alarm);
  t += " class " + name_text(e.cls) + " state " + name_text(e.state);
  if (e.value) t += " value " + number_text(*e.value);
  if (e.reason != firebus::event_reason::none) t += " reason " + name_text(e.reason);
  if (!e.command.empty()) t += " command " + printable(e.command);
  return t;
}

std::string plural(std::size_t n, const char* one, const char* many) {
  return std::to_string(n) + " " + (n == 1 ? one : many);
}

class subscriber {
 public:
  explicit subscriber(const sub_options& o) : o_(o) {}

  // Handles one received message; true when --count is reached.
  bool handle(const firebus::mqtt::message& m) {
    const std::string received = firebus::to_iso8601(utc_now());
    if (o_.raw) {
      // Any payload (Sparkplug B, ...): for a decoder of the reader's choice.
      static const char digits[] = "0123456789abcdef";
      std::string hex;
      hex.reserve(m.payload.size() * 2);
      for (std::uint8_t b : m.payload) {
        hex += digits[b >> 4];
        hex += digits[b & 15];
      }
      const json line = {{"received", received},
                         {"topic", m.topic},
                         {"qos", m.qos},
                         {"retain", m.retain},
                         {"payload_hex", hex}};
      std::printf("%s\n", line.dump(-1, ' ', false, json::error_handler_t::replace).c_str());
      std::fflush(stdout);
      ++printed_;
      return o_.count && printed_ >= *o_.count;
    }
    std::error_code ec;
    std::string why;
    const tel::envelope env = tel::decode_envelope(m.payload, births_, ec, {}, &why);
    if (ec) {
      std::fprintf(stderr, "firebus telemetry sub: %s %s: cannot decode (%zu bytes): %s%s%s\n",
                   received.c_str(), printable(m.topic).c_str(), m.payload.size(),
                   ec.message().c_str(), why.empty() ? "" : ": ", why.c_str());
      return false;
    }
    const auto* b = std::get_if<tel::birth>(&env.body);
    if (b != nullptr && !births_.add(env.source_id, *b, ec)) {  // not reached: decode checks
      std::fprintf(stderr, "firebus telemetry sub: %s %s: birth %llu not usable: %s\n",
                   received.c_str(), printable(m.topic).c_str(),
                   static_cast<unsigned long long>(b->birth_id), ec.message().c_str());
    }
    firebus::sequence_tracker& tracker = trackers_[{env.source_id, static_cast<int>(env.lane)}];
    const std::uint64_t highest = tracker.highest();
    const firebus::sequence_result seen = tracker.observe(env.seq);
    const bool duplicate = seen.verdict == firebus::sequence_verdict::duplicate;
    const bool late = seen.verdict == firebus::sequence_verdict::late;
    if (seen.verdict == firebus::sequence_verdict::gap) {
      std::fprintf(stderr, "gap: %s %.*s seq %llu..%llu missing\n", env.source_id.c_str(),
                   static_cast<int>(lane_name(env.lane).size()), lane_name(env.lane).data(),
                   static_cast<unsigned long long>(highest + 1),
                   static_cast<unsigned long long>(env.seq - 1));
    }
    if (o_.json_lines) {
      print_json(received, m.topic, env, duplicate);
    } else {
      print_text(received, m.topic, env, duplicate, late);
    }
    std::fflush(stdout);
    ++printed_;
    return o_.count && printed_ >= *o_.count;
  }

  std::uint64_t printed() const noexcept { return printed_; }

 private:
  void print_json(const std::string& received, const std::string& topic, const tel::envelope& env,
                  bool duplicate) {
    std::error_code ec;
    std::string why;
    std::string text;
    const auto* data = std::get_if<tel::batch>(&env.body);
    const tel::alias_table* aliases =
        data != nullptr ? births_.find(env.source_id, data->birth_id) : nullptr;
    text = aliases != nullptr ? tel::to_json(env, *aliases, ec, {}, &why)
                              : tel::to_json(env, ec, {}, &why);
    json line = {{"received", received}, {"topic", topic}, {"duplicate", duplicate}};
    if (!ec) {
      try {
        line["envelope"] = json::parse(text);
      } catch (const json::exception& e) {
        why = e.what();
        ec = std::make_error_code(std::errc::illegal_byte_sequence);
      }
    }
    if (ec) {  // not reached: what decodes prints
      std::fprintf(stderr, "firebus telemetry sub: %s %s: no JSON for the envelope: %s %s\n",
                   received.c_str(), topic.c_str(), ec.message().c_str(), why.c_str());
      line["envelope"] = nullptr;
    }
    std::printf("%s\n", line.dump(-1, ' ', false, json::error_handler_t::replace).c_str());
  }

  static void print_text(const std::string& received, const std::string& topic,
                         const tel::envelope& env, bool duplicate, bool late) {
    std::string head = received + " " + printable(topic) + " " + env.source_id + " " +
                       std::string(lane_name(env.lane)) + " seq " + std::to_string(env.seq);
    if (const auto* b = std::get_if<tel::birth>(&env.body)) {
      head += " -";
      if (duplicate) head += " (duplicate)";
      if (late) head += " (late)";
      std::printf("%s birth %llu: %s\n", head.c_str(), static_cast<unsigned long long>(b->birth_id),
                  plural(b->points.size(), "point", "points").c_str());
      return;
    }
    const tel::batch& d = std::get<tel::batch>(env.body);
    head += d.historical ? " historical" : " live";
    if (duplicate) head += " (duplicate)";
    if (late) head += " (late)";
    std::printf("%s batch (birth %llu): %s, %s, %s\n", head.c_str(),
                static_cast<unsigned long long>(d.birth_id),
                plural(d.events.size(), "event", "events").c_str(),
                plural(d.statuses.size(), "status", "statuses").c_str(),
                plural(d.samples.size(), "sample", "samples").c_str());
    for (const firebus::event& e : d.events) std::printf("%s\n", event_text(e).c_str());
    for (const tel::device_status& s : d.statuses) {
      std::printf("  status %s %s%s%s\n", printable(s.device).c_str(), state_text(s.state).c_str(),
                  s.detail.empty() ? "" : " ", printable(s.detail).c_str());
    }
  }

  const sub_options& o_;
  tel::birth_registry births_;
  std::map<std::pair<std::string, int>, firebus::sequence_tracker> trackers_;
  std::uint64_t printed_ = 0;
};

int subscribe(const sub_options& o) {
  asio::io_context io;
  firebus::mqtt::client_options co;
  co.host = o.host;
  co.port = o.port;
  co.client_id = o.client_id.empty()
                     ? "firebus-sub-" + std::to_string(static_cast<long>(::getpid()))
                     : o.client_id;
  co.clean_session = !o.persistent;
  std::error_code ec;
  std::string why;
  ec = firebus::mqtt::validate(co, &why);
  if (ec) return usage_error(why);
  firebus::mqtt::client c(io, co, ec);
  if (ec) return usage_error(ec.message());
  for (const std::string& t : o.topics) {
    c.subscribe(t, 1, ec);
    if (ec) return usage_error("invalid topic filter '" + t + "'");
  }

  int status = exit_ok;
  subscriber sub(o);
  const std::string broker = o.host + ":" + std::to_string(o.port);
  bool reported_down = false;
  c.on_connection([&](const firebus::mqtt::connection_event& e) {
    if (e.up) {
      std::fprintf(stderr, "firebus telemetry sub: connected to %s as %s%s\n", broker.c_str(),
                   co.client_id.c_str(), e.session_present ? " (session resumed)" : "");
      reported_down = false;
    } else if (!reported_down && e.error != firebus::mqtt::errc::stopped) {
      std::fprintf(stderr, "firebus telemetry sub: no connection to %s: %s%s%s (retrying)\n",
                   broker.c_str(), e.error.message().c_str(), e.detail.empty() ? "" : ": ",
                   e.detail.c_str());
      reported_down = true;
    }
  });
  c.on_message([&](const firebus::mqtt::message& m) {
    if (sub.handle(m)) io.stop();  // --count reached
  });

  asio::signal_set signals(io, SIGINT, SIGTERM);
  signals.async_wait([&](const std::error_code& e, int) {
    if (e) return;
    status = exit_ok;
    io.stop();
  });
  asio::steady_timer timer(io);
  if (o.timeout_s) {
    timer.expires_after(std::chrono::duration_cast<std::chrono::steady_clock::duration>(
        std::chrono::duration<double>(*o.timeout_s)));
    timer.async_wait([&](const std::error_code& e) {
      if (e) return;
      status = o.count && sub.printed() < *o.count ? exit_failure : exit_ok;
      if (status != exit_ok) {
        std::fprintf(stderr, "firebus telemetry sub: timeout: %llu of %llu messages\n",
                     static_cast<unsigned long long>(sub.printed()),
                     static_cast<unsigned long long>(*o.count));
      }
      io.stop();
    });
  }
  c.start();
  io.run();
  c.stop();
  std::fflush(stdout);
  return status;
}

int sub_main(const std::vector<std::string>& args) {
  sub_options o;
  bool have_broker = false;
  std::string session;
  for (std::size_t i = 1; i < args.size(); ++i) {
    const std::string& a = args[i];
    std::string value;
    bool missing = false;
    double number = 0;
    if (a == "--help" || a == "-h") {
      telemetry_usage(stdout);
      return exit_ok;
    }
    if (a == "--raw") {
      o.raw = true;
    } else if (a == "--json") {
      o.json_lines = true;
    } else if (is_option(args, i, "--broker", value, missing)) {
      if (missing || !parse_broker(value, o.host, o.port)) {
        return usage_error("--broker needs HOST:PORT");
      }
      have_broker = true;
    } else if (is_option(args, i, "--topic", value, missing)) {
      if (missing || value.empty()) return usage_error("--topic needs a topic filter");
      o.topics.push_back(value);
    } else if (is_option(args, i, "--count", value, missing)) {
      if (missing || !parse_number(value, 1, 1e15, number) ||
          number != static_cast<double>(static_cast<std::uint64_t>(number))) {
        return usage_error("--count needs a positive integer");
      }
      o.count = static_cast<std::uint64_t>(number);
    } else if (is_option(args, i, "--timeout", value, missing)) {
      if (missing || !parse_number(value, 0.001, 1e7, number)) {
        return usage_error("--timeout needs a number of seconds above 0");
      }
      o.timeout_s = number;
    } else if (is_option(args, i, "--client-id", value, missing)) {
      if (missing || value.empty()) return usage_error("--client-id needs an id");
      o.client_id = value;
    } else if (is_option(args, i, "--session", value, missing)) {
      if (missing || value.empty()) return usage_error("--session needs a name");
      session = value;
    } else if (a.size() > 1 && a[0] == '-') {
      return usage_error("unknown option '" + a + "'");
    } else {
      return usage_error("unexpected argument '" + a + "'");
    }
  }
  if (!have_broker) return usage_error("--broker is required");
  if (o.topics.empty()) return usage_error("--topic is required");
  if (!session.empty()) {
    if (!o.client_id.empty() && o.client_id != session) {
      return usage_error("--session NAME is the client id: give --session or --client-id");
    }
    o.client_id = session;
    o.persistent = true;
  }
  return subscribe(o);
}

}  // namespace

void telemetry_usage(std::FILE* out) {
  std::fputs(
      "usage: firebus telemetry sub --broker HOST:PORT --topic FILTER [--topic FILTER...]\n"
      "                             [--json | --raw] [--count N] [--timeout SECONDS]\n"
      "                             [--client-id ID] [--session NAME]\n"
      "\n"
      "sub  subscribes (QoS 1) to the topic filters on an MQTT broker, decodes every message as\n"
      "     a firebus telemetry envelope (births are remembered, so that the batches that use\n"
      "     their aliases decode) and prints one line per message: the time received, the\n"
      "     topic, the source, the lane, seq, live or historical, and for a birth its points,\n"
      "     for a batch its events and device statuses (one per line, indented) and its\n"
      "     sample count. A seq seen before from the same source and lane is marked\n"
      "     (duplicate), one that fills a gap (late); skipped numbers are reported on stderr\n"
      "     (gap: SOURCE LANE seq A..B missing), and so is a payload that does not decode,\n"
      "     with the reason. stdout is flushed after every message.\n"
      "\n"
      "  --broker HOST:PORT  the MQTT broker (\"[::1]:1883\" for an IPv6 address)\n"
      "  --topic FILTER      a topic filter (+ and # allowed); repeat for more\n"
      "  --json              one JSON object per message: {\"received\": ISO time, \"topic\": "
      "...,\n"
      "                      \"duplicate\": bool, \"envelope\": the envelope's canonical JSON}\n"
      "  --raw               no decoding: one JSON object per message, {\"received\", \"topic\",\n"
      "                      \"qos\", \"retain\", \"payload_hex\"} (Sparkplug B or any payload)\n"
      "  --count N           exit after N messages printed (duplicates included; payloads\n"
      "                      that do not decode are not counted)\n"
      "  --timeout SECONDS   exit after SECONDS\n"
      "  --client-id ID      the MQTT client id (default firebus-sub-PID, clean session)\n"
      "  --session NAME      client id NAME with a persistent session (clean session off): the\n"
      "                      broker keeps what is published to the filters while it is away\n"
      "\n"
      "Exit status: 0 after N messages, at the timeout without --count, or on SIGINT or\n"
      "SIGTERM; 1 at the timeout with fewer than N messages; 2 usage error.\n",
      out);
}

int telemetry_main(const std::vector<std::string>& args) {
  if (args.empty()) {
    telemetry_usage(stderr);
    return exit_usage;
  }
  const std::string& command = args[0];
  if (command == "help" || command == "--help" || command == "-h") {
    telemetry_usage(stdout);
    return exit_ok;
  }
  if (command == "sub") return sub_main(args);
  std::fprintf(stderr, "firebus telemetry: unknown command '%s' (expected sub)\n", command.c_str());
  telemetry_usage(stderr);
  return exit_usage;
}

}  // namespace firebus_cli
