// firebus — fire-safety IoT SDK.
// Modbus TCP polling throughput, firebus against a plain sequential libmodbus loop, measured in
// the same run against the same servers (run by tests/bench/modbus_throughput.py, which starts
// firebus-sim and adds pymodbus's async client).
//
//   modbus_tcp_throughput --ports P1,P2,... --units N --registers R --seconds S
//
// Every port serves units 1..N, each with R holding registers from address 0. Both clients read
// every unit's R registers once per scan, as fast as they can, for S seconds:
// - libmodbus: one connection per port, one request after the other over all units;
// - firebus: one modbus::tcp_bus per port on one io_context (one request in flight per bus, the
//   buses in parallel), every device's only read in the alarm class with a period of 0.
// Prints one JSON object: transactions per second and the mean full-scan time of each.
#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include <asio.hpp>
#include <modbus/modbus.h>

#include <firebus/io/modbus_tcp_bus.hpp>
#include <firebus/profile/codec.hpp>

namespace {

namespace mb = firebus::modbus;
namespace pf = firebus::profile;
using steady = std::chrono::steady_clock;

struct options {
  std::vector<int> ports;
  int units = 100;
  int registers = 10;
  double seconds = 5;
};

struct result {
  double tps = 0;
  double scan_ms = 0;
  std::uint64_t transactions = 0;
  std::uint64_t errors = 0;
};

result run_libmodbus(const options& o) {
  std::vector<modbus_t*> ctx;
  for (int port : o.ports) {
    modbus_t* c = modbus_new_tcp("127.0.0.1", port);
    if (c == nullptr || modbus_connect(c) != 0) {
      std::fprintf(stderr, "libmodbus: cannot connect to port %d\n", port);
      std::exit(1);
    }
    modbus_set_response_timeout(c, 1, 0);
    ctx.push_back(c);
  }
  std::vector<std::uint16_t> regs(static_cast<std::size_t>(o.registers));
  result r;
  std::uint64_t scans = 0;
  const auto start = steady::now();
  const auto end = start + std::chrono::duration_cast<steady::duration>(
                               std::chrono::duration<double>(o.seconds));
  while (steady::now() < end) {
    for (modbus_t* c : ctx) {
      for (int u = 1; u <= o.units; ++u) {
        modbus_set_slave(c, u);
        if (modbus_read_registers(c, 0, o.registers, regs.data()) == o.registers) {
          ++r.transactions;
        } else {
          ++r.errors;
        }
      }
    }
    ++scans;
  }
  const double s = std::chrono::duration<double>(steady::now() - start).count();
  r.tps = static_cast<double>(r.transactions) / s;
  r.scan_ms = scans > 0 ? 1000.0 * s / static_cast<double>(scans) : 0;
  for (modbus_t* c : ctx) {
    modbus_close(c);
    modbus_free(c);
  }
  return r;
}

result run_firebus(const options& o) {
  // A profile of R u16 registers from address 0, all alarm-class: one read per device.
  pf::device_profile p;
  p.id = "bench";
  p.vendor = "bench";
  p.model = "bench";
  p.source.title = "modbus_tcp_throughput";
  for (int k = 0; k < o.registers; ++k) {
    pf::point_def d;
    d.id = "R" + std::to_string(k);
    d.address = static_cast<std::uint16_t>(k);
    d.poll = pf::poll_class::alarm;
    p.points.push_back(d);
  }
  auto codec = std::make_shared<const pf::codec>(p);
  asio::io_context io;
  std::vector<std::unique_ptr<mb::tcp_bus>> buses;
  std::atomic<std::uint64_t> transactions{0};
  std::atomic<std::uint64_t> errors{0};
  mb::device_policy policy;
  policy.period = {firebus::duration(1), firebus::duration(0), firebus::duration(0)};
  policy.timeout = std::chrono::seconds(1);
  for (int port : o.ports) {
    mb::tcp_bus_config cfg;
    cfg.port = static_cast<std::uint16_t>(port);
    auto bus = std::make_unique<mb::tcp_bus>(io, cfg);
    for (int u = 1; u <= o.units; ++u) bus->add_device(static_cast<std::uint8_t>(u), codec, policy);
    bus->on_readings([&](std::uint32_t, firebus::mono_time, const pf::readings&) {
      transactions.fetch_add(1, std::memory_order_relaxed);
    });
    bus->on_failure([&](std::uint32_t, firebus::mono_time, const std::vector<std::size_t>&,
                        std::error_code) { errors.fetch_add(1, std::memory_order_relaxed); });
    buses.push_back(std::move(bus));
  }
  for (auto& b : buses) b->start();
  // Let every bus connect, then measure.
  const auto connect_by = steady::now() + std::chrono::seconds(5);
  while (steady::now() < connect_by) {
    io.run_for(std::chrono::milliseconds(5));
    bool all = true;
    for (auto& b : buses) all = all && b->connected();
    if (all) break;
  }
  const std::uint64_t t0 = transactions.load();
  const auto start = steady::now();
  io.run_for(
      std::chrono::duration_cast<steady::duration>(std::chrono::duration<double>(o.seconds)));
  const double s = std::chrono::duration<double>(steady::now() - start).count();
  result r;
  r.transactions = transactions.load() - t0;
  r.errors = errors.load();
  r.tps = static_cast<double>(r.transactions) / s;
  const double per_scan = static_cast<double>(o.units) * static_cast<double>(o.ports.size());
  r.scan_ms = r.transactions > 0 ? 1000.0 * s * per_scan / static_cast<double>(r.transactions) : 0;
  for (auto& b : buses) b->stop();
  io.run_for(std::chrono::milliseconds(50));
  return r;
}

void print(const char* name, const result& r, bool last) {
  std::printf(
      "  \"%s\": {\"tps\": %.1f, \"scan_ms\": %.3f, \"transactions\": %llu, "
      "\"errors\": %llu}%s\n",
      name, r.tps, r.scan_ms, static_cast<unsigned long long>(r.transactions),
      static_cast<unsigned long long>(r.errors), last ? "" : ",");
}

}  // namespace

int main(int argc, char** argv) {
  options o;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string a = argv[i];
    const std::string v = argv[i + 1];
    if (a == "--ports") {
      std::stringstream ss(v);
      std::string item;
      while (std::getline(ss, item, ',')) o.ports.push_back(std::atoi(item.c_str()));
    } else if (a == "--units") {
      o.units = std::atoi(v.c_str());
    } else if (a == "--registers") {
      o.registers = std::atoi(v.c_str());
    } else if (a == "--seconds") {
      o.seconds = std::atof(v.c_str());
    } else {
      std::fprintf(stderr, "usage: %s --ports P1,P2 --units N --registers R --seconds S\n",
                   argv[0]);
      return 2;
    }
  }
  if (o.ports.empty() || o.units < 1 || o.units > 247 || o.registers < 1 || o.registers > 125) {
    std::fprintf(stderr, "bad options\n");
    return 2;
  }
  const result lm = run_libmodbus(o);
  const result fb = run_firebus(o);
  std::printf("{\n");
  print("libmodbus_sequential", lm, false);
  print("firebus", fb, true);
  std::printf("}\n");
  return 0;
}
