// firebus — fire-safety IoT SDK.
//
// firebus-sim: a Modbus building simulator (docs/simulator.md). Serves the devices of a building
// file — each described by a firebus device profile — on Modbus TCP ports and RTU
// pseudo-terminals, plays a scripted scenario (values that change and ramp, faults that come and
// go) and emulates the RS-485 line's timing, so that gateways and firebus's own Modbus client can
// be tested against a building without one.
#include <signal.h>

#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <new>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "sim.hpp"

namespace firebus_sim {

// --- logger -----------------------------------------------------------------------------------

logger& log() {
  static logger l;
  return l;
}

void logger::start() noexcept {
  start_ns_.store(
      std::chrono::duration_cast<std::chrono::nanoseconds>(clock::now().time_since_epoch())
          .count());
}

double logger::now() const noexcept {
  const std::int64_t s = start_ns_.load();
  if (s == 0) return 0;
  const std::int64_t n =
      std::chrono::duration_cast<std::chrono::nanoseconds>(clock::now().time_since_epoch()).count();
  return static_cast<double>(n - s) / 1e9 * speed_;
}

void logger::event(const std::string& name, const json& fields) {
  const double t = std::round(now() * 1000) / 1000;
  std::string line;
  if (json_) {
    json j;
    j["t"] = t;
    j["event"] = name;
    for (auto it = fields.begin(); it != fields.end(); ++it) j[it.key()] = *it;
    line = j.dump();
  } else {
    char head[64];
    std::snprintf(head, sizeof head, "%.3f %s", t, name.c_str());
    line = head;
    for (auto it = fields.begin(); it != fields.end(); ++it) {
      line += ' ';
      line += it.key();
      line += '=';
      if (it->is_string()) {
        const std::string& s = it->get_ref<const std::string&>();
        line += s.find_first_of(" \"=") == std::string::npos && !s.empty() ? s : it->dump();
      } else {
        line += it->dump();
      }
    }
  }
  line += '\n';
  std::lock_guard<std::mutex> lk(m_);
  std::fputs(line.c_str(), stdout);
  std::fflush(stdout);
}

}  // namespace firebus_sim

namespace {

namespace sim = firebus_sim;
using sim::json;

enum exit_status : int { exit_ok = 0, exit_failure = 1, exit_usage = 2 };

std::atomic<int> stop_signal{0};
extern "C" void on_signal(int sig) { stop_signal.store(sig); }

void usage(std::FILE* out) {
  std::fputs(
      "usage: firebus-sim --building FILE [OPTIONS]\n"
      "\n"
      "Serves the simulated devices of a building file on Modbus TCP and RTU (pseudo-terminal),\n"
      "plays its scenario, injects faults and emulates RS-485 line timing (docs/simulator.md).\n"
      "\n"
      "options:\n"
      "  --building FILE   the building: buses, devices, optional scenario (required)\n"
      "  --scenario FILE   more scenario events (a list, or {\"scenario\": [...]}); repeatable\n"
      "  --profiles DIR    where profile ids are looked up first; repeatable\n"
      "  --json            JSON lines on stdout instead of text\n"
      "  --speed X         scenario time runs X times faster than the clock (default 1)\n"
      "  --duration S      exit after S seconds of scenario time (default: until a signal)\n"
      "  --stats S         per-bus counters every S seconds (wall clock)\n"
      "  --check           load and check the building and scenario, print a summary, exit\n"
      "\n"
      "A line \"ready\" (event ready) is printed once every bus listens; the scenario clock "
      "starts\n"
      "then. SIGINT or SIGTERM: clean exit (sockets closed, pty links removed).\n"
      "Exit status: 0 ok, 1 runtime error, 2 usage or building error.\n",
      out);
}

// Copy of the examples/cli option pattern (cli.hpp's is_option): "--name value" or
// "--name=value".
bool is_option(const std::vector<std::string>& args, std::size_t& i, std::string_view name,
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

bool parse_number(const std::string& text, double lo, double hi, double& out) {
  char* end = nullptr;
  const double v = std::strtod(text.c_str(), &end);
  if (text.empty() || end != text.c_str() + text.size() || !(v >= lo && v <= hi)) return false;
  out = v;
  return true;
}

struct options {
  std::string building;
  std::vector<std::string> scenarios;
  std::vector<std::string> profile_dirs;
  bool json_lines = false;
  double speed = 1;
  double duration = -1;
  double stats = 0;
  bool check = false;
};

// --- the scenario -----------------------------------------------------------------------------

struct ramp {
  sim::device* d = nullptr;
  std::size_t point = 0;
  double from = 0, to = 0, t0 = 0, t1 = 0;
  const sim::event* e = nullptr;
};

json where(const sim::event& e) {
  json j;
  j["bus"] = e.bus;
  if (e.unit) j["unit"] = *e.unit;
  return j;
}

class player {
 public:
  explicit player(sim::building& b) : b_(b) {}

  // Applies the events due at scenario time t and moves the ramps on.
  void tick(double t) {
    while (next_ < b_.scenario.size() && b_.scenario[next_].t <= t) apply(b_.scenario[next_++], t);
    for (std::size_t k = 0; k < ramps_.size();) {
      ramp& r = ramps_[k];
      const double frac = std::clamp((t - r.t0) / (r.t1 - r.t0), 0.0, 1.0);
      const double v = r.from + (r.to - r.from) * frac;
      std::string why;
      {
        std::lock_guard<std::mutex> lk(r.d->m);
        r.d->set(r.point, v, why);
      }
      if (frac >= 1.0) {
        json j = where(*r.e);
        j["point"] = r.e->point;
        j["value"] = r.to;
        sim::log().event("ramp_done", j);
        ramps_.erase(ramps_.begin() + static_cast<std::ptrdiff_t>(k));
      } else {
        ++k;
      }
    }
  }
  bool done() const { return next_ >= b_.scenario.size() && ramps_.empty(); }
  // Scenario time of the next thing to do (infinity when none).
  double next_time() const {
    if (!ramps_.empty()) return 0;
    return next_ < b_.scenario.size() ? b_.scenario[next_].t : HUGE_VAL;
  }

 private:
  void cancel(sim::device* d, std::size_t point) {
    ramps_.erase(std::remove_if(ramps_.begin(), ramps_.end(),
                                [&](const ramp& r) { return r.d == d && r.point == point; }),
                 ramps_.end());
  }

  void set_one(const sim::event& e, sim::device* d, const std::string& id, double v, bool raw) {
    const std::size_t i = d->codec.find(id);
    cancel(d, i);
    std::string why;
    bool ok = false;
    {
      std::lock_guard<std::mutex> lk(d->m);
      ok = raw ? d->set_raw(i, v, why) : d->set(i, v, why);
    }
    json j = where(e);
    j["point"] = id;
    j[raw ? "raw" : "value"] = v;
    if (!e.note.empty()) j["note"] = e.note;
    if (!ok) j["error"] = why;
    sim::log().event(ok ? "set" : "error", j);
  }

  void apply(const sim::event& e, double /*t*/) {
    sim::device* d = e.unit ? b_.find_device(e.bus, *e.unit) : nullptr;
    if (!e.fault.empty()) {
      json j = where(e);
      j["fault"] = e.fault;
      for (const char* k : {"ms", "code", "from", "to", "table", "bytes", "every"}) {
        if (e.fault_spec.contains(k)) j[k] = e.fault_spec[k];
      }
      if (!e.note.empty()) j["note"] = e.note;
      if (d != nullptr) {
        std::lock_guard<std::mutex> lk(d->m);
        sim::apply_fault(e, d->fault);
      } else {
        sim::bus* bs = b_.find_bus(e.bus);
        for (auto& [u, dev] : bs->units) {
          std::lock_guard<std::mutex> lk(dev->m);
          sim::apply_fault(e, dev->fault);
        }
        std::lock_guard<std::mutex> lk(bs->fault_m);
        sim::apply_fault(e, bs->bus_fault);
      }
      sim::log().event("fault", j);
      return;
    }
    if (d == nullptr) return;  // checked at load time
    if (!e.values.empty()) {
      for (const auto& [id, v] : e.values) set_one(e, d, id, v, false);
      return;
    }
    if (e.set) return set_one(e, d, e.point, *e.set, false);
    if (e.raw) return set_one(e, d, e.point, *e.raw, true);
    if (e.ramp_to) {
      const std::size_t i = d->codec.find(e.point);
      if (e.over_s <= 0) return set_one(e, d, e.point, *e.ramp_to, false);
      cancel(d, i);
      std::optional<double> from;
      {
        std::lock_guard<std::mutex> lk(d->m);
        from = d->get(i);
      }
      ramp r;
      r.d = d;
      r.point = i;
      r.from = from && std::isfinite(*from) ? *from : 0.0;
      r.to = *e.ramp_to;
      r.t0 = e.t;
      r.t1 = e.t + e.over_s;
      r.e = &e;
      json j = where(e);
      j["point"] = e.point;
      j["from"] = r.from;
      j["to"] = r.to;
      j["over_s"] = e.over_s;
      if (!e.note.empty()) j["note"] = e.note;
      sim::log().event("ramp", j);
      ramps_.push_back(r);
    }
  }

  sim::building& b_;
  std::size_t next_ = 0;
  std::vector<ramp> ramps_;
};

void print_stats(const sim::building& b) {
  for (const auto& bs : b.buses) {
    json j;
    j["bus"] = bs->id;
    j["requests"] = bs->counters.requests.load();
    j["replies"] = bs->counters.replies.load();
    j["exceptions"] = bs->counters.exceptions.load();
    j["silent"] = bs->counters.silent.load();
    j["bad_frames"] = bs->counters.bad_frames.load();
    j["faults"] = bs->counters.faults.load();
    sim::log().event("stats", j);
  }
}

std::vector<std::string> default_profile_dirs(std::vector<std::string> dirs) {
  if (const char* env = std::getenv("FIREBUS_PROFILES")) dirs.emplace_back(env);
#ifdef FIREBUS_SIM_SOURCE_PROFILES  // built in the firebus tree
  dirs.emplace_back(FIREBUS_SIM_SOURCE_PROFILES);
#endif
#ifdef FIREBUS_SIM_INSTALLED_PROFILES
  dirs.emplace_back(FIREBUS_SIM_INSTALLED_PROFILES);
#endif
  return dirs;
}

int run(const options& o) {
  sim::log().set_json(o.json_lines);
  sim::log().set_speed(o.speed);
  sim::building b;
  sim::load_options lo;
  lo.profile_dirs = default_profile_dirs(o.profile_dirs);
  try {
    sim::load_building(o.building, lo, b);
    for (const std::string& s : o.scenarios) sim::load_scenario(s, b);
  } catch (const sim::config_error& e) {
    std::fprintf(stderr, "firebus-sim: %s\n", e.what());
    return exit_usage;
  }
  if (o.check) {
    json j;
    j["buses"] = b.buses.size();
    j["devices"] = b.devices.size();
    j["events"] = b.scenario.size();
    sim::log().event("ok", j);
    return exit_ok;
  }

  // Signals go to this thread only: block them while the bus threads start.
  struct sigaction sa {};
  sa.sa_handler = on_signal;
  sigemptyset(&sa.sa_mask);
  sigaction(SIGINT, &sa, nullptr);
  sigaction(SIGTERM, &sa, nullptr);
  signal(SIGPIPE, SIG_IGN);
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &set, nullptr);

  sim::runner r(b);
  try {
    r.open();
  } catch (const sim::config_error& e) {
    r.stop();
    std::fprintf(stderr, "firebus-sim: %s\n", e.what());
    return exit_usage;
  }
  r.start();
  pthread_sigmask(SIG_UNBLOCK, &set, nullptr);

  sim::log().start();
  {
    json j;
    json buses = json::array();
    for (const auto& bs : b.buses) {
      json x;
      x["id"] = bs->id;
      if (bs->rtu) {
        x["rtu"] = bs->link;
      } else {
        x["listen"] = "tcp://" + bs->host + ":" + std::to_string(bs->port);
      }
      if (bs->line.baud != 0) x["baud"] = bs->line.baud;
      x["units"] = bs->units.size();
      buses.push_back(x);
    }
    j["devices"] = b.devices.size();
    j["events"] = b.scenario.size();
    j["buses"] = buses;
    sim::log().event("ready", j);
  }

  player p(b);
  auto next_stats = sim::clock::now() + std::chrono::duration_cast<sim::clock::duration>(
                                            std::chrono::duration<double>(o.stats));
  std::string reason = "signal";
  while (stop_signal.load() == 0) {
    const double t = sim::log().now();
    p.tick(t);
    if (o.duration >= 0 && t >= o.duration) {
      reason = "duration";
      break;
    }
    if (o.stats > 0 && sim::clock::now() >= next_stats) {
      print_stats(b);
      next_stats +=
          std::chrono::duration_cast<sim::clock::duration>(std::chrono::duration<double>(o.stats));
    }
    // Sleep until the next event (ramps: every 10 ms), at most 50 ms.
    double wait_s = (p.next_time() - t) / o.speed;
    if (!(wait_s > 0.01)) wait_s = 0.01;
    wait_s = std::min(wait_s, 0.05);
    std::this_thread::sleep_for(std::chrono::duration<double>(wait_s));
  }
  r.stop();
  print_stats(b);
  json j;
  j["reason"] = reason;
  if (stop_signal.load() != 0) j["signal"] = stop_signal.load();
  sim::log().event("stop", j);
  return exit_ok;
}

int parse_and_run(const std::vector<std::string>& args) {
  options o;
  for (std::size_t i = 0; i < args.size(); ++i) {
    std::string v;
    bool missing = false;
    const auto bad = [&](const char* what) {
      std::fprintf(stderr, "firebus-sim: %s\n", what);
      usage(stderr);
      return exit_usage;
    };
    const std::string& a = args[i];
    if (a == "--help" || a == "-h") {
      usage(stdout);
      return exit_ok;
    }
    if (a == "--json") {
      o.json_lines = true;
    } else if (a == "--check") {
      o.check = true;
    } else if (is_option(args, i, "--building", v, missing)) {
      if (missing) return bad("--building needs a file");
      o.building = v;
    } else if (is_option(args, i, "--scenario", v, missing)) {
      if (missing) return bad("--scenario needs a file");
      o.scenarios.push_back(v);
    } else if (is_option(args, i, "--profiles", v, missing)) {
      if (missing) return bad("--profiles needs a directory");
      o.profile_dirs.push_back(v);
    } else if (is_option(args, i, "--speed", v, missing)) {
      if (missing || !parse_number(v, 1e-3, 1e6, o.speed))
        return bad("--speed: expected 0.001..1e6");
    } else if (is_option(args, i, "--duration", v, missing)) {
      if (missing || !parse_number(v, 0, 1e9, o.duration))
        return bad("--duration: expected seconds");
    } else if (is_option(args, i, "--stats", v, missing)) {
      if (missing || !parse_number(v, 0.01, 1e6, o.stats)) return bad("--stats: expected seconds");
    } else {
      std::fprintf(stderr, "firebus-sim: unknown argument '%s'\n", a.c_str());
      usage(stderr);
      return exit_usage;
    }
  }
  if (o.building.empty()) {
    std::fputs("firebus-sim: --building is required\n", stderr);
    usage(stderr);
    return exit_usage;
  }
  return run(o);
}

}  // namespace

int main(int argc, char** argv) {
  try {
    return parse_and_run(std::vector<std::string>(argv + 1, argv + argc));
  } catch (const std::bad_alloc&) {
    std::fputs("firebus-sim: out of memory\n", stderr);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "firebus-sim: internal error: %s\n", e.what());
  }
  return exit_failure;
}
