// firebus — fire-safety IoT SDK.
// firebus-centre ingest benchmark: many UITD connections on loopback against the centre run
// in-process on SQLite in a temporary directory (or PostgreSQL with --pg). The UITDs run in a
// child process (forked before the centre starts; it learns the port over a pipe and reports its
// counts, latency samples and CPU time back over another), so each process holds one file
// descriptor per connection. A plain program, not Google Benchmark:
//   centre_ingest [--connections 10000] [--seconds 20] [--rate R] [--pg CONNINFO] [--workers N]
//                 [--max-batch N] [--io-threads N] [--client-threads N]
// Every UITD is stop-and-wait (one frame unconfirmed at most). Without --rate, closed loop: each
// sends its next frame as soon as the previous one is confirmed (maximum throughput; the latency
// is then connections ÷ throughput). With --rate R (aggregate frames per second, open loop):
// each UITD has a frame due every connections/R seconds, phases staggered uniformly; a frame due
// while the previous one is unconfirmed goes as soon as the confirm arrives, and its latency is
// counted from when it was due (no coordinated omission). After 3 s of warm-up, a window of
// --seconds: latency of the frames due (closed loop: sent) in the window, each awaited (up to
// 10 s after the window, the load going on meanwhile); frames/s of the confirms received in the
// window; CPU time of each process in the window (getrusage), per frame. Checks that every frame
// the UITDs saw confirmed is in the database (a confirm comes only after the commit) and that no
// store failed: exit code 1 otherwise. The UITD addresses and serials are the same in every run:
// give --pg an empty database, or the frames are duplicates of the last run's (counted apart).
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <cmath>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include <asio.hpp>

#include <firebus/gb26875/adu.hpp>
#include <firebus/gb26875/frame.hpp>

#include "centre.hpp"

namespace gb = firebus::gb26875;
namespace fc = firebus_centre;
using clock_type = std::chrono::steady_clock;

namespace {

struct options {
  std::size_t connections = 10000;
  int seconds = 20;
  double rate = 0;  // aggregate frames per second; 0: closed loop
  std::string pg;
  std::size_t workers = 0;
  std::size_t max_batch = 0;  // 0: the centre's default
  std::size_t io_threads = 0;
  std::size_t client_threads = 1;
};

constexpr auto warmup = std::chrono::seconds(3);
constexpr auto drain_limit = std::chrono::seconds(10);

bool write_all(int fd, const void* p, std::size_t n) {
  const auto* b = static_cast<const char*>(p);
  while (n > 0) {
    const ssize_t w = ::write(fd, b, n);
    if (w < 0 && errno == EINTR) continue;
    if (w <= 0) return false;
    b += w;
    n -= static_cast<std::size_t>(w);
  }
  return true;
}

bool read_all(int fd, void* p, std::size_t n) {
  auto* b = static_cast<char*>(p);
  while (n > 0) {
    const ssize_t r = ::read(fd, b, n);
    if (r < 0 && errno == EINTR) continue;
    if (r <= 0) return false;
    b += r;
    n -= static_cast<std::size_t>(r);
  }
  return true;
}

struct cpu_sample {
  double user = 0, sys = 0;
  long max_rss_kib = 0;
};

cpu_sample cpu_now() {
  rusage ru{};
  ::getrusage(RUSAGE_SELF, &ru);
  const auto s = [](const timeval& t) {
    return static_cast<double>(t.tv_sec) + 1e-6 * static_cast<double>(t.tv_usec);
  };
  return {s(ru.ru_utime), s(ru.ru_stime), ru.ru_maxrss};
}

void raise_fd_limit() {
  rlimit rl{};
  ::getrlimit(RLIMIT_NOFILE, &rl);
  rl.rlim_cur = rl.rlim_max;
  ::setrlimit(RLIMIT_NOFILE, &rl);
}

// What the UITD process reports to the centre's process, followed by `samples` floats (the
// confirm latencies in seconds of the frames due in the window).
struct client_report {
  std::uint64_t connected = 0;    // connections established
  std::uint64_t open_at_end = 0;  // of which still open when the UITDs stopped
  std::uint64_t confirmed = 0;    // confirms received, whole run
  std::uint64_t in_window = 0;    // confirms received within the window
  std::uint64_t late = 0;         // frames due in the window, unconfirmed when the UITDs stopped
  std::uint64_t denied = 0;       // answers other than a confirm
  double window = 0;              // seconds
  double drain = 0;               // seconds waited after the window for its last confirms
  double user = 0, sys = 0;       // CPU seconds in the window
  long max_rss_kib = 0;
  std::uint64_t samples = 0;
};

struct client_state {
  clock_type::time_point t0, t1;     // the window
  clock_type::duration interval{0};  // 0: closed loop
  std::atomic<bool> running{true};
  std::atomic<std::int64_t> pending{0};  // UITDs still owing a confirm of a frame due in the window
  std::atomic<std::uint64_t> in_window{0}, denied{0};
};

struct uitd : std::enable_shared_from_this<uitd> {
  asio::ip::tcp::socket socket;
  asio::steady_timer timer;
  client_state* st;
  std::uint64_t address;
  std::uint16_t serial = 0;
  std::vector<std::uint8_t> out;
  std::uint8_t in[30];
  clock_type::time_point due;  // of the frame in flight, or of the next one
  bool in_flight = false;
  bool open = true;
  bool done = false;  // every frame due in the window confirmed (or this UITD is closed)
  std::uint64_t confirmed = 0;
  std::vector<float> latencies;

  uitd(asio::io_context& io, client_state* s, std::uint64_t a)
      : socket(io), timer(io), st(s), address(a) {}

  void finish() {
    if (done) return;
    done = true;
    st->pending.fetch_sub(1, std::memory_order_relaxed);
  }

  // Sends the frame due at `due` now, or when it is due.
  void schedule() {
    if (!st->running.load(std::memory_order_relaxed)) return;
    if (st->interval.count() == 0) {
      due = clock_type::now();
      send();
      return;
    }
    if (due <= clock_type::now()) {
      send();
      return;
    }
    timer.expires_at(due);
    timer.async_wait([self = shared_from_this()](std::error_code ec) {
      if (!ec) self->send();
    });
  }

  void send() {
    if (!st->running.load(std::memory_order_relaxed)) return;
    ++serial;
    gb::component_analog a;
    a.system_type = 1;
    a.system_address = 1;
    a.component_type = 31;
    a.component_address = serial % 16;
    a.analog_type = 3;
    a.value = static_cast<std::int16_t>(serial % 1000);
    a.time.second = static_cast<std::uint8_t>(serial % 60);
    a.time.minute = static_cast<std::uint8_t>((serial / 60) % 60);
    const auto adu = gb::encode_adu(gb::adu{gb::adu_type::component_analog, {a}});
    gb::header h;
    h.serial = serial;
    h.source = address;
    h.destination = 1;
    out = gb::encode_frame(h, firebus::byte_view(adu));
    in_flight = true;
    auto self = shared_from_this();
    asio::async_write(socket, asio::buffer(out), [self](std::error_code ec, std::size_t) {
      if (ec) return self->close();
      asio::async_read(self->socket, asio::buffer(self->in),
                       [self](std::error_code ec2, std::size_t) {
                         if (ec2) return self->close();
                         self->on_answer();
                       });
    });
  }

  void on_answer() {
    if (in[26] != 3) {  // a confirm expected
      st->denied.fetch_add(1, std::memory_order_relaxed);
      return close();
    }
    const auto now = clock_type::now();
    in_flight = false;
    ++confirmed;
    if (now >= st->t0 && now < st->t1) st->in_window.fetch_add(1, std::memory_order_relaxed);
    if (due >= st->t0 && due < st->t1) {
      latencies.push_back(std::chrono::duration<float>(now - due).count());
    }
    if (st->interval.count() != 0) due += st->interval;
    if ((st->interval.count() == 0 ? now : due) >= st->t1) finish();
    schedule();
  }

  void close() {
    if (!open) return;
    open = false;
    std::error_code ignored;
    socket.close(ignored);
    timer.cancel();
    finish();
  }

  // Frames due in the window and not confirmed (after the UITDs stopped).
  std::uint64_t late() const {
    std::uint64_t n = 0;
    auto d = due;
    if (in_flight) {
      if (d >= st->t0 && d < st->t1) ++n;
      if (st->interval.count() == 0) return n;
      d += st->interval;
    }
    if (st->interval.count() == 0) return n;
    for (; d < st->t1; d += st->interval) {
      if (d >= st->t0) ++n;
    }
    return n;
  }
};

// The UITD process: reads the centre's port from `port_fd`, connects, runs, writes 'S' at the
// start of the window, 'E' at its end, then the client_report and the samples to `out_fd`.
int run_client(const options& o, int port_fd, int out_fd) {
  std::uint16_t port = 0;
  if (!read_all(port_fd, &port, sizeof port) || port == 0) return 1;
  ::close(port_fd);

  asio::io_context io;
  client_state st;
  std::vector<std::shared_ptr<uitd>> uitds;
  uitds.reserve(o.connections);
  const asio::ip::tcp::endpoint ep(asio::ip::make_address("127.0.0.1"), port);
  for (std::size_t i = 0; i < o.connections; ++i) {
    auto u = std::make_shared<uitd>(io, &st, 0x100000 + i);
    std::error_code ec;
    u->socket.connect(ep, ec);
    if (!ec) u->socket.set_option(asio::ip::tcp::no_delay(true), ec);
    if (ec) {
      std::fprintf(stderr, "centre_ingest: connection %zu: %s\n", i, ec.message().c_str());
      break;
    }
    uitds.push_back(std::move(u));
  }
  const auto start = clock_type::now() + std::chrono::milliseconds(200);
  st.t0 = start + warmup;
  st.t1 = st.t0 + std::chrono::seconds(o.seconds);
  const std::size_t n = uitds.size();
  if (o.rate > 0 && n > 0) {  // each UITD's interval: connections / rate
    st.interval = std::chrono::duration_cast<clock_type::duration>(
        std::chrono::duration<double>(static_cast<double>(n) / o.rate));
  }
  st.pending = static_cast<std::int64_t>(n);
  for (std::size_t i = 0; i < n; ++i) {
    auto& u = *uitds[i];
    u.latencies.reserve(
        o.rate > 0 ? static_cast<std::size_t>(o.seconds * o.rate / static_cast<double>(n) + 2)
                   : 64);
    u.due =
        start + (st.interval * static_cast<clock_type::rep>(i)) / static_cast<clock_type::rep>(n);
    if (st.interval.count() == 0) {
      u.schedule();
    } else {
      u.timer.expires_at(u.due);
      u.timer.async_wait([self = uitds[i]](std::error_code ec) {
        if (!ec) self->send();
      });
    }
  }
  std::vector<std::thread> threads;
  for (std::size_t i = 0; i < std::max<std::size_t>(1, o.client_threads); ++i) {
    threads.emplace_back([&io] { io.run(); });
  }

  std::this_thread::sleep_until(st.t0);
  const cpu_sample c0 = cpu_now();
  write_all(out_fd, "S", 1);
  std::this_thread::sleep_until(st.t1);
  const cpu_sample c1 = cpu_now();
  write_all(out_fd, "E", 1);
  const auto t1 = clock_type::now();
  while (st.pending.load() > 0 && clock_type::now() - t1 < drain_limit) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  client_report r;
  r.drain = std::chrono::duration<double>(clock_type::now() - t1).count();
  st.running = false;
  io.stop();
  for (auto& t : threads) t.join();

  r.connected = n;
  r.in_window = st.in_window.load();
  r.denied = st.denied.load();
  r.window = std::chrono::duration<double>(st.t1 - st.t0).count();
  r.user = c1.user - c0.user;
  r.sys = c1.sys - c0.sys;
  r.max_rss_kib = c1.max_rss_kib;
  std::vector<float> samples;
  for (const auto& u : uitds) {
    r.open_at_end += u->open ? 1 : 0;
    r.confirmed += u->confirmed;
    r.late += u->late();
    samples.insert(samples.end(), u->latencies.begin(), u->latencies.end());
  }
  r.samples = samples.size();
  if (!write_all(out_fd, &r, sizeof r) ||
      !write_all(out_fd, samples.data(), samples.size() * sizeof(float))) {
    return 1;
  }
  ::close(out_fd);
  return 0;  // the sockets close when the process exits
}

std::uint64_t metric(const std::string& text, const std::string& name) {
  const auto p = text.find('\n' + name + ' ');
  if (p == std::string::npos) return 0;
  return std::strtoull(text.c_str() + p + name.size() + 2, nullptr, 10);
}

}  // namespace

int main(int argc, char** argv) {
  options o;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string a = argv[i];
    if (a == "--connections") o.connections = std::strtoul(argv[i + 1], nullptr, 10);
    if (a == "--seconds") o.seconds = std::atoi(argv[i + 1]);
    if (a == "--rate") o.rate = std::strtod(argv[i + 1], nullptr);
    if (a == "--pg") o.pg = argv[i + 1];
    if (a == "--workers") o.workers = std::strtoul(argv[i + 1], nullptr, 10);
    if (a == "--max-batch") o.max_batch = std::strtoul(argv[i + 1], nullptr, 10);
    if (a == "--io-threads") o.io_threads = std::strtoul(argv[i + 1], nullptr, 10);
    if (a == "--client-threads") o.client_threads = std::strtoul(argv[i + 1], nullptr, 10);
  }
  if (o.connections == 0 || o.seconds <= 0 || o.rate < 0 || !std::isfinite(o.rate)) {
    std::fprintf(stderr, "centre_ingest: bad arguments\n");
    return 2;
  }
  raise_fd_limit();  // inherited by the UITD process: one descriptor per connection in each

  // Fork while the process has one thread; the UITDs wait for the port.
  int port_pipe[2], report_pipe[2];
  if (::pipe(port_pipe) != 0 || ::pipe(report_pipe) != 0) return 1;
  std::fflush(nullptr);
  const pid_t child = ::fork();
  if (child < 0) return 1;
  if (child == 0) {
    ::close(port_pipe[1]);
    ::close(report_pipe[0]);
    const int rc = run_client(o, port_pipe[0], report_pipe[1]);
    std::fflush(nullptr);
    ::_exit(rc);
  }
  ::close(port_pipe[0]);
  ::close(report_pipe[1]);
  ::signal(SIGPIPE, SIG_IGN);

  char dir[] = "/tmp/firebus-centre-bench-XXXXXX";
  if (::mkdtemp(dir) == nullptr) return 1;
  const auto remove_dir = [&dir] { std::system((std::string("rm -rf '") + dir + "'").c_str()); };
  fc::centre_config cfg;
  cfg.listen_port = 0;
  cfg.out = nullptr;
  cfg.store.sqlite_path = std::string(dir) + "/centre.sqlite";
  cfg.store.pg_conninfo = o.pg;
  cfg.workers = o.workers;
  if (o.max_batch != 0) cfg.max_batch = o.max_batch;
  if (o.io_threads != 0) cfg.io_threads = o.io_threads;
  cfg.max_connections = o.connections + 100;
  cfg.idle_timeout = std::chrono::seconds(600);
  fc::centre centre(cfg);
  std::uint16_t port = 0;
  try {
    centre.start();
    port = centre.port();
  } catch (const std::exception& e) {
    std::fprintf(stderr, "centre_ingest: %s\n", e.what());
  }
  write_all(port_pipe[1], &port, sizeof port);
  ::close(port_pipe[1]);
  if (port == 0) {
    ::waitpid(child, nullptr, 0);
    remove_dir();
    return 1;
  }

  // The window, as the UITD process tells it.
  char mark = 0;
  cpu_sample c0, c1;
  std::uint64_t stored0 = 0, stored1 = 0, open_centre = 0, commits0 = 0, commits1 = 0;
  const char* commits = "firebus_centre_store_transactions_total";
  bool ok = read_all(report_pipe[0], &mark, 1) && mark == 'S';
  if (ok) {
    c0 = cpu_now();
    stored0 = centre.stats().stored;
    commits0 = metric(centre.metrics_text(), commits);
    ok = read_all(report_pipe[0], &mark, 1) && mark == 'E';
  }
  if (ok) {
    c1 = cpu_now();
    stored1 = centre.stats().stored;
    const std::string m = centre.metrics_text();
    open_centre = metric(m, "firebus_centre_connections_open");
    commits1 = metric(m, commits);
  }
  client_report r;
  std::vector<float> lat;
  if (ok) ok = read_all(report_pipe[0], &r, sizeof r);
  if (ok) {
    lat.resize(r.samples);
    ok = read_all(report_pipe[0], lat.data(), lat.size() * sizeof(float));
  }
  int status = 0;
  ::waitpid(child, &status, 0);
  centre.stop();  // stores and confirms what was received
  const fc::centre_stats s = centre.stats();
  remove_dir();
  if (!ok || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    std::fprintf(stderr, "centre_ingest: the UITD process failed\n");
    return 1;
  }

  std::sort(lat.begin(), lat.end());
  // Percentiles over every frame due in the window, those never confirmed counting as the
  // slowest.
  const std::size_t due = lat.size() + static_cast<std::size_t>(r.late);
  const auto pct = [&](double p) -> std::string {
    if (due == 0) return "-";
    const auto rank = static_cast<std::size_t>(std::ceil(p * static_cast<double>(due)));
    const std::size_t i = std::min(due, std::max<std::size_t>(rank, 1)) - 1;
    if (i >= lat.size()) return "unconfirmed";
    char b[32];
    std::snprintf(b, sizeof b, "%.2f ms", 1000.0 * lat[i]);
    return b;
  };
  const double fps = static_cast<double>(r.in_window) / r.window;
  const double stored_fps = static_cast<double>(stored1 - stored0) / r.window;
  const double server_cpu = (c1.user - c0.user) + (c1.sys - c0.sys);
  const double client_cpu = r.user + r.sys;
  const auto per_frame = [](double cpu, std::uint64_t frames) {
    return frames == 0 ? 0.0 : 1e6 * cpu / static_cast<double>(frames);
  };
  char offered[64];
  if (o.rate > 0) {
    std::snprintf(offered, sizeof offered, "open loop, offered %.0f frames/s", o.rate);
  } else {
    std::snprintf(offered, sizeof offered, "closed loop");
  }
  std::printf(
      "centre_ingest: %s, %s, window %.1f s; %llu connections of %zu (open at the window's "
      "end: %llu by the centre's count; at the UITDs' end: %llu)\n"
      "  confirmed %llu frames in the window: %.0f frames/s; stored %.0f frames/s in %llu "
      "transactions (%.1f frames each)\n"
      "  confirm latency of the %zu frames due in the window: p50 %s, p90 %s, p99 %s, max %s; "
      "%llu unconfirmed (waited %.1f s after the window)\n"
      "  CPU in the window: centre %.2f s (user %.2f, sys %.2f) = %.1f us/frame, max RSS %ld "
      "MiB; UITDs %.2f s (user %.2f, sys %.2f) = %.1f us/frame, max RSS %ld MiB\n",
      o.pg.empty() ? "SQLite" : "PostgreSQL", offered, r.window,
      static_cast<unsigned long long>(r.connected), o.connections,
      static_cast<unsigned long long>(open_centre), static_cast<unsigned long long>(r.open_at_end),
      static_cast<unsigned long long>(r.in_window), fps, stored_fps,
      static_cast<unsigned long long>(commits1 - commits0),
      commits1 == commits0
          ? 0.0
          : static_cast<double>(stored1 - stored0) / static_cast<double>(commits1 - commits0),
      due, pct(0.5).c_str(), pct(0.9).c_str(), pct(0.99).c_str(), pct(1.0).c_str(),
      static_cast<unsigned long long>(r.late), r.drain, server_cpu, c1.user - c0.user,
      c1.sys - c0.sys, per_frame(server_cpu, stored1 - stored0), c1.max_rss_kib / 1024, client_cpu,
      r.user, r.sys, per_frame(client_cpu, r.in_window), r.max_rss_kib / 1024);
  // A confirm comes only after the commit: every frame confirmed must be in the database (stored
  // now, or found there already: a database reused from an earlier run).
  const bool durable =
      s.stored + s.store_duplicates >= r.confirmed && s.failed == 0 && r.denied == 0;
  std::printf(
      "  %s: %llu frames confirmed to the UITDs in the run, %llu stored, %llu already in the "
      "database, %llu failed, %llu denied\n",
      durable ? "ok" : "FAILED", static_cast<unsigned long long>(r.confirmed),
      static_cast<unsigned long long>(s.stored),
      static_cast<unsigned long long>(s.store_duplicates),
      static_cast<unsigned long long>(s.failed), static_cast<unsigned long long>(r.denied));
  return durable ? 0 : 1;
}
