// firebus — fire-safety IoT SDK.
//
// firebus-demo: the most end-to-end path that exists today, run for real.
//
// A simulated building's detectors produce samples; a "gateway" stamps them with a per-source
// sequence number and encodes each into a small frame with firebus::byte_writer; a lossy "link"
// drops one frame, repeats another and cuts a third short; a "centre" decodes the frames with
// firebus::byte_reader and accounts for every sequence number with firebus::sequence_tracker.
//
// The frame layout of that first part is a throwaway of this demo, not a firebus protocol.
//
// Then the same building's gateway acts as a GB/T 26875.3 user information transmission device
// (UITD) and reports over TCP on 127.0.0.1 to a monitoring centre run by firebus's own server: a
// routine analog value, then a fire alarm, which overtakes it. The centre decodes each message,
// stores it (here: prints it) and only then confirms; the UITD reports each delivery.
//
// Modbus polling, the alarm engine and the MQTT uplink arrive with later issues; this demo grows
// into the full building -> gateway -> monitoring centre run as they land.
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <string>
#include <variant>
#include <vector>

#include <asio.hpp>

#include <firebus/core.hpp>
#include <firebus/gb26875/adu.hpp>
#include <firebus/gb26875/codes.hpp>
#include <firebus/io/gb26875_client.hpp>
#include <firebus/io/gb26875_server.hpp>
#include <firebus/library.hpp>
#include <firebus/text.hpp>

namespace {

using namespace std::chrono_literals;

// One frame: seq u64 | time µs i64 | quality u8 | value f64 | name length u8 | name.
std::vector<std::uint8_t> encode(std::uint64_t seq, const firebus::sample& s) {
  std::vector<std::uint8_t> out;
  firebus::byte_writer w(out, 8 + 8 + 1 + 8 + 1 + firebus::point_id::max_size);
  w.u64le(seq);
  w.i64le(s.time.time_since_epoch().count());
  w.u8(static_cast<std::uint8_t>(s.quality));
  w.f64le(s.value);
  w.u8(static_cast<std::uint8_t>(s.point.view().size()));
  w.bytes(firebus::byte_view::from_chars(s.point.view()));
  return out;
}

struct decoded {
  std::uint64_t seq = 0;
  firebus::sample s;
};

// Decodes one frame; any malformed input gives an error code, never a crash.
decoded decode(firebus::byte_view frame, std::error_code& ec) {
  firebus::byte_reader r(frame);
  decoded d;
  d.seq = r.u64le(ec);
  d.s.time = firebus::utc_time(firebus::duration(r.i64le(ec)));
  const std::uint8_t q = r.u8(ec);
  d.s.value = r.f64le(ec);
  const std::uint8_t n = r.u8(ec);
  const firebus::byte_view name = r.bytes(n, ec);
  if (ec) return d;
  d.s.quality = firebus::quality_from_byte(q, ec);
  if (ec) return d;
  d.s.point = firebus::point_id::make(
      std::string_view(reinterpret_cast<const char*>(name.data()), name.size()), ec);
  return d;
}

namespace gb = firebus::gb26875;

// The GB/T 26875.3 leg: a UITD and a centre talking over TCP on 127.0.0.1.
int gb26875_leg() {
  std::printf("\n--- GB/T 26875.3 over TCP on 127.0.0.1: UITD -> monitoring centre ---\n");
  asio::io_context io;

  gb::server_config sc;
  sc.port = 0;                                           // any free port
  sc.centre.address = 0x000000000001;                    // the centre
  sc.centre.confirm = gb::confirm_policy::after_accept;  // confirm only after storing
  gb::server centre(io, sc);
  int stored = 0;
  centre.on_message([&](gb::connection_id c, const gb::centre_session::message& m) {
    for (const gb::object& o : m.view()) {
      if (const auto* s = std::get_if<gb::component_status>(&o)) {
        std::error_code ec;
        const std::string text =
            firebus::description_to_utf8(s->text, ec, firebus::text_policy::replace);
        const auto type = static_cast<gb::component_type>(s->component_type);
        std::printf(
            "centre: serial %u from UITD %012llx: component %08x %s (%s), status %s (%s),"
            " \"%s\"\n",
            static_cast<unsigned>(m.hdr.serial), static_cast<unsigned long long>(m.hdr.source),
            static_cast<unsigned>(s->component_address),
            std::string(gb::english_name(type)).c_str(),
            std::string(gb::chinese_name(type)).c_str(),
            gb::describe_status(s->status, gb::status_kind::component).c_str(),
            gb::describe_status(s->status, gb::status_kind::component, gb::bit0_policy::standard,
                                gb::name_language::chinese)
                .c_str(),
            text.c_str());
      } else if (const auto* a = std::get_if<gb::component_analog>(&o)) {
        const auto type = static_cast<gb::analog_type>(a->analog_type);
        std::printf("centre: serial %u from UITD %012llx: component %08x, %s = %.1f %s\n",
                    static_cast<unsigned>(m.hdr.serial),
                    static_cast<unsigned long long>(m.hdr.source),
                    static_cast<unsigned>(a->component_address),
                    std::string(gb::english_name(type)).c_str(), gb::analog_value(type, a->value),
                    std::string(gb::analog_unit(type)).c_str());
      }
    }
    ++stored;                   // a real centre writes to its database here,
    centre.accept(c, m.token);  // and only then confirms
  });
  std::error_code ec;
  centre.start(ec);
  if (ec) {
    std::printf("centre: cannot listen: %s\n", ec.message().c_str());
    return 1;
  }

  gb::client_config cc;
  cc.host = "127.0.0.1";
  cc.port = centre.local_port();
  cc.session.address = 0x000012345678;  // this UITD
  cc.session.centre_address = 0x000000000001;
  gb::client uitd(io, cc);
  int delivered = 0;
  int failed = 0;
  uitd.on_delivered([&](std::uint64_t id, int attempts, firebus::duration latency) {
    std::printf("uitd: message %llu confirmed after %d attempt(s), %.1f ms after submit\n",
                static_cast<unsigned long long>(id), attempts,
                static_cast<double>(latency.count()) / 1000.0);
    if (++delivered + failed == 2) io.stop();
  });
  uitd.on_failed([&](std::uint64_t id, std::error_code error) {
    std::printf("uitd: message %llu FAILED: %s\n", static_cast<unsigned long long>(id),
                error.message().c_str());
    if (delivered + ++failed == 2) io.stop();
  });

  // A routine analog value first, then a fire alarm: the fire alarm is sent first.
  gb::component_analog temperature;
  temperature.component_type = 18;  // temperature-type electrical fire monitoring detector
  temperature.component_address = 0x00010003;
  temperature.analog_type = 3;  // temperature, 0.1 °C
  temperature.value = 335;
  gb::component_status fire;
  fire.system_type = 1;      // fire alarm system
  fire.component_type = 42;  // point photoelectric smoke detector
  fire.component_address = 0x00020007;
  fire.status = 0x0003;  // normal operation + fire alarm
  fire.text = firebus::utf8_to_description("2F 东区走廊 烟感", ec);
  const std::uint64_t t_id =
      uitd.submit(gb::adu{gb::adu_type::component_analog, {temperature}}, ec);
  const std::uint64_t f_id = uitd.submit(gb::adu{gb::adu_type::component_status, {fire}}, ec);
  std::printf("uitd: submitted message %llu (analog value, routine), then %llu (fire alarm)\n",
              static_cast<unsigned long long>(t_id), static_cast<unsigned long long>(f_id));
  uitd.start();
  io.run_for(std::chrono::seconds(10));
  uitd.stop();
  centre.stop();
  io.restart();
  io.run_for(std::chrono::milliseconds(100));

  const bool ok = delivered == 2 && stored == 2 && failed == 0;
  std::printf("%s\n", ok ? "demo: both messages stored by the centre and confirmed to the UITD"
                         : "demo: UNEXPECTED: not every message was delivered");
  return ok ? 0 : 1;
}

}  // namespace

int main() {
  firebus::check_library_version();
  std::printf("firebus %s demo — foundation stage\n", firebus::library_version().string);
  std::printf(
      "Shows: samples with quality codes -> per-source sequence numbers -> bounded\n"
      "binary encoding -> lossy link -> decoding -> loss/duplicate accounting.\n"
      "Not yet built (so not shown): GB/T 26875.3, Modbus polling, the alarm engine,\n"
      "MQTT/Sparkplug uplink, the monitoring centre.\n\n");

  // The building: six points, sampled every 10 s from 2026-11-30T02:00:00Z (10:00 in Beijing).
  firebus::civil_time start_local{2026, 11, 30, 10, 0, 0};
  const firebus::utc_time t0 = firebus::to_utc(start_local, 8h);
  const char* names[] = {"F1/RCM1/IR1", "F1/RCM1/IR2", "F1/TEMP1/T1",
                         "F2/RCM2/IR1", "F2/TEMP2/T1", "F2/WP1/P"};

  firebus::event_sequencer gateway("gw-demo-0001");
  std::vector<std::vector<std::uint8_t>> link;
  for (int step = 0; step < 4; ++step) {
    for (int i = 0; i < 6; ++i) {
      firebus::sample s;
      s.point = firebus::point_id(names[i]);
      s.time = t0 + std::chrono::seconds(10 * step);
      const bool residual = i == 0 || i == 1 || i == 3;
      // Residual current in mA (F2/RCM2/IR1 climbs 60 mA per scan), temperature in °C, MPa.
      s.value = residual ? 120.0 + (i == 3 ? 60.0 * step : 0.0) : (i == 5 ? 0.32 : 31.5 + step);
      // The second temperature sensor's 4–20 mA loop opens at the third scan.
      if (i == 4 && step >= 2) {
        s.value = std::nan("");
        s.quality = firebus::quality_code::bad_open_circuit;
      }
      link.push_back(encode(gateway.take(), s));
    }
  }
  std::printf("gateway %s produced %zu frames (seq 1..%llu)\n", gateway.source_id().c_str(),
              link.size(), static_cast<unsigned long long>(gateway.next() - 1));

  // The link: frame 8 is lost, frame 12 arrives twice, frame 20 is cut short.
  std::vector<std::vector<std::uint8_t>> received;
  for (std::size_t k = 0; k < link.size(); ++k) {
    const std::uint64_t seq = k + 1;
    if (seq == 8) continue;
    std::vector<std::uint8_t> f = link[k];
    if (seq == 20) f.resize(f.size() - 5);
    received.push_back(f);
    if (seq == 12) received.push_back(f);
  }

  firebus::sequence_tracker centre;
  for (const auto& frame : received) {
    std::error_code ec;
    const decoded d = decode(frame, ec);
    if (ec) {
      std::printf("centre: rejected a %zu-byte frame: %s (%s)\n", frame.size(),
                  ec.message().c_str(), ec.category().name());
      continue;
    }
    const firebus::sequence_result r = centre.observe(d.seq);
    const char* verdict = r.verdict == firebus::sequence_verdict::duplicate ? "  DUPLICATE"
                          : r.verdict == firebus::sequence_verdict::gap     ? "  GAP"
                                                                            : "";
    std::printf("centre: seq %2llu %s %-12s %8.2f %-17s%s\n",
                static_cast<unsigned long long>(d.seq),
                firebus::to_iso8601(d.s.time).substr(11, 8).c_str(), d.s.point.str().c_str(),
                d.s.value, firebus::to_string(d.s.quality).c_str(), verdict);
  }
  std::printf("\ncentre accounting: %llu received, %llu duplicate, %llu missing",
              static_cast<unsigned long long>(centre.received()),
              static_cast<unsigned long long>(centre.duplicates()),
              static_cast<unsigned long long>(centre.missing()));
  for (const auto& [lo, hi] : centre.gaps()) {
    std::printf(" [%llu..%llu]", static_cast<unsigned long long>(lo),
                static_cast<unsigned long long>(hi));
  }
  std::printf("\n");
  // The demo checks itself: exactly frames 8 and 20 are unaccounted for, frame 12 is a duplicate.
  const bool as_expected = centre.missing() == 2 && centre.duplicates() == 1;
  std::printf("%s\n",
              as_expected ? "demo: every frame accounted for" : "demo: UNEXPECTED accounting");
  if (!as_expected) return 1;
  return gb26875_leg();
}
