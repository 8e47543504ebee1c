// firebus — fire-safety IoT SDK.
// RTU scan time, measured against predicted: modbus::rtu_bus polls N devices of R registers on
// a serial line (firebus-sim's pseudo-terminal with emulated RS-485 timing, started by
// tests/bench/modbus_throughput.py --rtu), as fast as the line allows, for S seconds.
//
//   modbus_rtu_scan --device PATH --baud B --parity N|E|O --units N --registers R --seconds S
//
// Prints one JSON object: the predicted scan time (the planner's cost model: what
// `firebus modbus plan` says), the measured mean scan time and their ratio, and the registers
// per second carried against the line's physical limit for reads of R registers.
#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>
#include <vector>

#include <asio.hpp>

#include <firebus/io/modbus_rtu_bus.hpp>
#include <firebus/modbus/planner.hpp>
#include <firebus/profile/codec.hpp>

namespace {
namespace mb = firebus::modbus;
namespace pf = firebus::profile;
using steady = std::chrono::steady_clock;
}  // namespace

int main(int argc, char** argv) {
  std::string device;
  std::uint32_t baud = 9600;
  char parity = 'E';
  int units = 10;
  int registers = 10;
  double seconds = 10;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string a = argv[i];
    const std::string v = argv[i + 1];
    if (a == "--device") {
      device = v;
    } else if (a == "--baud") {
      baud = static_cast<std::uint32_t>(std::atoi(v.c_str()));
    } else if (a == "--parity") {
      parity = v.empty() ? 'E' : v[0];
    } else if (a == "--units") {
      units = std::atoi(v.c_str());
    } else if (a == "--registers") {
      registers = std::atoi(v.c_str());
    } else if (a == "--seconds") {
      seconds = std::atof(v.c_str());
    }
  }
  if (device.empty() || units < 1 || units > 247 || registers < 1 || registers > 125) {
    std::fprintf(stderr,
                 "usage: %s --device PATH --baud B --parity N|E|O --units N "
                 "--registers R --seconds S\n",
                 argv[0]);
    return 2;
  }
  pf::device_profile p;
  p.id = "bench";
  p.vendor = "bench";
  p.model = "bench";
  p.source.title = "modbus_rtu_scan";
  for (int k = 0; k < registers; ++k) {
    pf::point_def d;
    d.id = "R" + std::to_string(k);
    d.address = static_cast<std::uint16_t>(k);
    d.poll = pf::poll_class::alarm;
    p.points.push_back(d);
  }
  auto codec = std::make_shared<const pf::codec>(p);

  asio::io_context io;
  mb::rtu_bus_config cfg;
  cfg.device = device;
  cfg.baud = baud;
  cfg.parity = parity;
  mb::rtu_bus bus(io, cfg);
  mb::device_policy policy;
  policy.period = {firebus::duration(1), firebus::duration(0), firebus::duration(0)};
  for (int u = 1; u <= units; ++u) bus.add_device(static_cast<std::uint8_t>(u), codec, policy);
  std::atomic<std::uint64_t> reads{0};
  std::atomic<std::uint64_t> failures{0};
  bus.on_readings([&](std::uint32_t, firebus::mono_time, const pf::readings&) { ++reads; });
  bus.on_failure([&](std::uint32_t, firebus::mono_time, const std::vector<std::size_t>&,
                     std::error_code) { ++failures; });

  // The prediction: the planner's plan of one device, times the devices.
  mb::poll_planner planner(mb::cost_model::rtu(cfg.line()), p.modbus.limits);
  const auto plan = planner.plan(codec->read_items());
  const double predicted_ms =
      static_cast<double>(mb::poll_planner::total_cost(plan).count()) * units / 1000.0;

  bus.start();
  // Warm up (the port opens, the first cycle runs), then measure whole seconds.
  io.run_for(std::chrono::milliseconds(500));
  const std::uint64_t r0 = reads.load();
  const auto t0 = steady::now();
  io.run_for(std::chrono::duration_cast<steady::duration>(std::chrono::duration<double>(seconds)));
  const double s = std::chrono::duration<double>(steady::now() - t0).count();
  const std::uint64_t n = reads.load() - r0;
  const double utilisation = bus.utilisation();
  bus.stop();

  const double reads_per_scan = static_cast<double>(units) * static_cast<double>(plan.size());
  const double measured_ms = n > 0 ? 1000.0 * s * reads_per_scan / static_cast<double>(n) : 0;
  // The line's physical limit for reads of R registers: one transaction per predicted cost.
  const double limit_regs_per_s =
      registers * 1e6 / static_cast<double>(mb::poll_planner::total_cost(plan).count());
  const double regs_per_s = static_cast<double>(n) * registers / s;
  std::printf(
      "{\"baud\": %u, \"bits_per_char\": %u, \"units\": %d, \"registers\": %d, "
      "\"predicted_scan_ms\": %.3f, \"measured_scan_ms\": %.3f, \"ratio\": %.4f, "
      "\"registers_per_s\": %.1f, \"limit_registers_per_s\": %.1f, "
      "\"of_limit\": %.4f, \"bus_utilisation\": %.4f, \"failures\": %llu}\n",
      baud, cfg.line().bits_per_char, units, registers, predicted_ms, measured_ms,
      predicted_ms > 0 ? measured_ms / predicted_ms : 0, regs_per_s, limit_regs_per_s,
      limit_regs_per_s > 0 ? regs_per_s / limit_regs_per_s : 0, utilisation,
      static_cast<unsigned long long>(failures.load()));
  return failures.load() == 0 ? 0 : 1;
}
