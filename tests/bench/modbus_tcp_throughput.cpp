// firebus — fire-safety IoT SDK.
// Modbus TCP polling throughput, firebus against a plain sequential libmodbus loop, measured in
// the same run against the same servers (run by tests/bench/modbus_throughput.py, which starts
// firebus-sim and adds pymodbus's async client).
//
//   modbus_tcp_throughput --ports P1,P2,... --units N --registers R --seconds S
//                         [--only libmodbus|firebus] [--sim-pid PID] [--floor 1]
//
// Every port serves units 1..N, each with R holding registers from address 0. Both clients read
// every unit's R registers once per scan, as fast as they can, for S seconds:
// - libmodbus: one connection per port, one request after the other over all units;
// - firebus: one modbus::tcp_bus per port on one io_context (one request in flight per bus, the
//   buses in parallel), every device's only read in the alarm class with a period of 1 ms: far
//   shorter than a full scan (10 ms and more), so every device is always due and the buses never
//   wait. (Not a period of one tick: the scheduler counts an overrun per missed period, one at a
//   time.)
// Prints one JSON object: transactions per second and the mean full-scan time of each, and the
// CPU time per transaction of this process (user + system, the kernel's TCP work included) and,
// with --sim-pid, of the simulator over the same interval.
//
// With --floor 1, also the loopback floor: the same number of connections as ports, each with
// one 12-byte request in flight answered by a 29-byte reply (the sizes of a read of 10
// registers), between two threads of this process that do nothing else (epoll, recv, send):
// what the kernel alone costs per transaction on this machine, and the most a client and server
// that share it could reach.
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>
#include <thread>
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
  std::string only;  // "libmodbus" or "firebus": run just that client (for profiling)
  int sim_pid = 0;   // the simulator, whose CPU time is measured too
  bool floor = false;
};

struct result {
  double tps = 0;
  double scan_ms = 0;
  std::uint64_t transactions = 0;
  std::uint64_t errors = 0;
  double client_cpu_us = 0;  // per transaction
  double sim_cpu_us = -1;    // per transaction; -1: not measured
};

double thread_cpu_s(clockid_t id) {
  timespec t{};
  clock_gettime(id, &t);
  return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_nsec) * 1e-9;
}

// The CPU seconds (user + system) of process `pid` so far, from /proc/PID/stat; -1 if unknown.
double process_cpu_s(int pid) {
  std::ifstream f("/proc/" + std::to_string(pid) + "/stat");
  std::string stat((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
  const std::size_t close = stat.rfind(')');  // the command name may hold spaces
  if (close == std::string::npos) return -1;
  std::istringstream rest(stat.substr(close + 2));
  std::string field;
  double ticks = 0;
  for (int i = 3; i <= 15 && rest >> field; ++i) {
    if (i == 14 || i == 15) ticks += std::atof(field.c_str());  // utime, stime
  }
  return ticks / static_cast<double>(sysconf(_SC_CLK_TCK));
}

// CPU time of this process and of the simulator from construction to stop().
class cpu_meter {
 public:
  explicit cpu_meter(const options& o)
      : sim_pid_(o.sim_pid),
        self0_(thread_cpu_s(CLOCK_PROCESS_CPUTIME_ID)),
        sim0_(sim_pid_ > 0 ? process_cpu_s(sim_pid_) : -1) {}
  void stop(result& r) const {
    if (r.transactions == 0) return;
    const double tx = static_cast<double>(r.transactions);
    r.client_cpu_us = 1e6 * (thread_cpu_s(CLOCK_PROCESS_CPUTIME_ID) - self0_) / tx;
    if (sim0_ >= 0) r.sim_cpu_us = 1e6 * (process_cpu_s(sim_pid_) - sim0_) / tx;
  }

 private:
  int sim_pid_;
  double self0_;
  double sim0_;
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
  const cpu_meter cpu(o);
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
  cpu.stop(r);
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
  policy.period = {std::chrono::milliseconds(1), firebus::duration(0), firebus::duration(0)};
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
  const cpu_meter cpu(o);
  const auto start = steady::now();
  io.run_for(
      std::chrono::duration_cast<steady::duration>(std::chrono::duration<double>(o.seconds)));
  const double s = std::chrono::duration<double>(steady::now() - start).count();
  result r;
  r.transactions = transactions.load() - t0;
  cpu.stop(r);
  r.errors = errors.load();
  r.tps = static_cast<double>(r.transactions) / s;
  const double per_scan = static_cast<double>(o.units) * static_cast<double>(o.ports.size());
  r.scan_ms = r.transactions > 0 ? 1000.0 * s * per_scan / static_cast<double>(r.transactions) : 0;
  for (auto& b : buses) b->stop();
  io.run_for(std::chrono::milliseconds(50));
  return r;
}

// The loopback floor (see the top): `n` connections, one request in flight on each.
result run_floor(std::size_t n, double seconds) {
  const int lfd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof a;
  if (lfd < 0 || ::bind(lfd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0 ||
      ::listen(lfd, static_cast<int>(n)) != 0 ||
      ::getsockname(lfd, reinterpret_cast<sockaddr*>(&a), &len) != 0) {
    std::fprintf(stderr, "floor: cannot listen\n");
    std::exit(1);
  }
  const auto add = [](int ep, int fd, std::uint32_t events) {
    const int one = 1;
    ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    epoll_event ev{};
    ev.events = events;
    ev.data.fd = fd;
    ::epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev);
  };
  std::atomic<bool> stop{false};
  std::uint64_t served = 0;
  double server_cpu = 0;
  std::thread server([&] {
    const int ep = ::epoll_create1(EPOLL_CLOEXEC);
    std::vector<int> fds;
    for (std::size_t i = 0; i < n; ++i) {
      fds.push_back(::accept(lfd, nullptr, nullptr));
      add(ep, fds.back(), EPOLLIN);
    }
    const double c0 = thread_cpu_s(CLOCK_THREAD_CPUTIME_ID);
    std::uint8_t in[512];
    const std::uint8_t reply[29] = {};
    epoll_event ev[64];
    while (!stop) {
      const int k = ::epoll_wait(ep, ev, 64, 100);
      for (int i = 0; i < k; ++i) {
        const ssize_t r = ::recv(ev[i].data.fd, in, sizeof in, MSG_DONTWAIT);
        for (ssize_t b = 0; b + 12 <= r; b += 12, ++served) {
          ::send(ev[i].data.fd, reply, sizeof reply, MSG_NOSIGNAL | MSG_DONTWAIT);
        }
      }
    }
    server_cpu = thread_cpu_s(CLOCK_THREAD_CPUTIME_ID) - c0;
    for (const int fd : fds) ::close(fd);
    ::close(ep);
  });
  const int ep = ::epoll_create1(EPOLL_CLOEXEC);
  std::vector<int> fds;
  for (std::size_t i = 0; i < n; ++i) {
    fds.push_back(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
    if (::connect(fds.back(), reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) {
      std::fprintf(stderr, "floor: cannot connect\n");
      std::exit(1);
    }
    add(ep, fds.back(), EPOLLIN | EPOLLET);
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(100));  // every connection accepted
  const std::uint8_t request[12] = {};
  std::uint8_t in[512];
  epoll_event ev[64];
  result r;
  const double c0 = thread_cpu_s(CLOCK_THREAD_CPUTIME_ID);
  const auto start = steady::now();
  const auto end =
      start + std::chrono::duration_cast<steady::duration>(std::chrono::duration<double>(seconds));
  for (const int fd : fds) ::send(fd, request, sizeof request, MSG_NOSIGNAL);
  while (steady::now() < end) {
    const int k = ::epoll_wait(ep, ev, 64, 100);
    for (int i = 0; i < k; ++i) {
      const ssize_t got = ::recv(ev[i].data.fd, in, sizeof in, MSG_DONTWAIT);
      if (got <= 0) continue;
      r.transactions += static_cast<std::uint64_t>(got) / 29;
      ::send(ev[i].data.fd, request, sizeof request, MSG_NOSIGNAL | MSG_DONTWAIT);
    }
  }
  const double s = std::chrono::duration<double>(steady::now() - start).count();
  const double client_cpu = thread_cpu_s(CLOCK_THREAD_CPUTIME_ID) - c0;
  stop = true;
  server.join();
  for (const int fd : fds) ::close(fd);
  ::close(ep);
  ::close(lfd);
  r.tps = static_cast<double>(r.transactions) / s;
  if (r.transactions > 0) {
    r.client_cpu_us = 1e6 * client_cpu / static_cast<double>(r.transactions);
    r.sim_cpu_us = served > 0 ? 1e6 * server_cpu / static_cast<double>(served) : -1;
  }
  return r;
}

void print(const char* name, const result& r, bool last) {
  std::printf(
      "  \"%s\": {\"tps\": %.1f, \"scan_ms\": %.3f, \"transactions\": %llu, "
      "\"errors\": %llu, \"client_cpu_us_per_tx\": %.2f, \"sim_cpu_us_per_tx\": %.2f}%s\n",
      name, r.tps, r.scan_ms, static_cast<unsigned long long>(r.transactions),
      static_cast<unsigned long long>(r.errors), r.client_cpu_us, r.sim_cpu_us, last ? "" : ",");
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
    } else if (a == "--only" && (v == "libmodbus" || v == "firebus")) {
      o.only = v;
    } else if (a == "--sim-pid") {
      o.sim_pid = std::atoi(v.c_str());
    } else if (a == "--floor") {
      o.floor = v != "0";
    } else {
      std::fprintf(stderr,
                   "usage: %s --ports P1,P2 --units N --registers R --seconds S "
                   "[--only libmodbus|firebus] [--sim-pid PID] [--floor 1]\n",
                   argv[0]);
      return 2;
    }
  }
  if (o.ports.empty() || o.units < 1 || o.units > 247 || o.registers < 1 || o.registers > 125) {
    std::fprintf(stderr, "bad options\n");
    return 2;
  }
  std::printf("{\n");
  if (o.only != "firebus") {
    print("libmodbus_sequential", run_libmodbus(o), o.only == "libmodbus" && !o.floor);
  }
  if (o.only != "libmodbus") print("firebus", run_firebus(o), !o.floor);
  if (o.floor) print("loopback_floor", run_floor(o.ports.size(), o.seconds), true);
  std::printf("}\n");
  return 0;
}
