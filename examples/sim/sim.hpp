// firebus — fire-safety IoT SDK.
//
// firebus-sim: a Modbus building simulator (docs/simulator.md). The building (buses, devices,
// scenario) read from JSON, the simulated devices (a libmodbus register mapping per device,
// filled through the device's profile codec), the buses (Modbus TCP served with libmodbus, all
// TCP buses on one thread; Modbus RTU on a pseudo-terminal, a thread each), faults and line
// timing.
#ifndef FIREBUS_EXAMPLES_SIM_SIM_HPP
#define FIREBUS_EXAMPLES_SIM_SIM_HPP

#include <array>
#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include <modbus.h>

#include <firebus/modbus/rtu.hpp>
#include <firebus/profile/codec.hpp>

namespace firebus_sim {

using clock = std::chrono::steady_clock;
using json = nlohmann::ordered_json;

/// Thrown for a building or scenario that cannot be used; what() names the problem.
struct config_error : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// --- output -----------------------------------------------------------------------------------

/// One line per notable event on stdout: "T EVENT key=value ..." or a JSON object per line.
class logger {
 public:
  void set_json(bool j) noexcept { json_ = j; }
  void set_speed(double s) noexcept { speed_ = s; }
  /// Starts the scenario clock (t = 0 now).
  void start() noexcept;
  /// Scenario seconds since start() (0 before).
  double now() const noexcept;
  /// Prints `fields` (an object) as event `name`.
  void event(const std::string& name, const json& fields = json::object());

 private:
  bool json_ = false;
  double speed_ = 1;
  std::atomic<std::int64_t> start_ns_{0};
  std::mutex m_;
};
logger& log();

// --- faults -----------------------------------------------------------------------------------

/// One kind of fault: on or off, applied to one request in `every`.
struct fault_slot {
  bool on = false;
  std::uint32_t every = 1;
  std::uint64_t seen = 0;
  /// Whether this request gets the fault (counts the requests while on).
  bool fires() noexcept {
    if (!on) return false;
    return (seen++ % every) == 0;
  }
};

/// Exception replies to requests that touch [from, to] (of `table`, or of any table).
struct exception_fault {
  fault_slot slot;
  std::uint8_t code = 2;
  std::uint32_t from = 0;
  std::uint32_t to = 0xFFFF;
  std::optional<firebus::modbus::table> tbl;
};

/// The faults of one device (or of a whole bus, for requests to units it does not serve).
struct faults {
  fault_slot dead;
  fault_slot delay;
  std::uint32_t delay_ms = 0;
  std::vector<exception_fault> exceptions;
  fault_slot crc;
  fault_slot garbage;
  std::uint32_t garbage_bytes = 0;
  fault_slot late;
  std::uint32_t late_ms = 0;
};

// --- devices ----------------------------------------------------------------------------------

/// A simulated device: its profile's codec and the registers it serves.
struct device {
  std::string bus;
  std::uint8_t unit = 1;
  std::string name;          ///< "bus/unit" unless the building names it
  std::string profile_path;  ///< the file loaded
  firebus::profile::codec codec;
  modbus_mapping_t* map = nullptr;        ///< guarded by m
  std::array<std::vector<bool>, 4> used;  ///< per table: addresses some point uses
  faults fault;                           ///< guarded by m
  std::mutex m;

  device() = default;
  device(const device&) = delete;
  device& operator=(const device&) = delete;
  ~device();

  /// Allocates the mapping (each table sized to the profile's highest address + 1) and sets
  /// every point to its start value (0, or the low end of its range).
  void init();
  /// Sets point `i` to `value` (engineering units) through the codec; false (and `why`) when
  /// the codec cannot encode it. Caller holds m.
  bool set(std::size_t i, double value, std::string& why);
  /// Sets point `i`'s raw value (the register value, the bit field, the float). Caller holds m.
  bool set_raw(std::size_t i, double raw, std::string& why);
  /// Whether the codec can encode `value` (a raw value when `raw`) for point `i` with the
  /// registers as they are now (why not in `why`); changes nothing. Caller holds m.
  bool can_set(std::size_t i, double value, bool raw, std::string& why) const;
  /// The engineering value of point `i` as the registers now hold it. Caller holds m.
  std::optional<double> get(std::size_t i) const;
  /// Whether every address of [address, address + n) of table `t` is used by a point.
  bool covered(firebus::modbus::table t, std::uint32_t address, std::uint32_t n) const;

 private:
  void load(firebus::profile::register_image& img, std::size_t i) const;
  std::uint16_t* regs(firebus::modbus::table t) const;
  std::uint8_t* bits(firebus::modbus::table t) const;
  int size(firebus::modbus::table t) const;
};

// --- buses ------------------------------------------------------------------------------------

/// A serial line's character format.
struct line_format {
  std::uint32_t baud = 0;  ///< 0: no line timing
  char parity = 'E';       ///< 'N', 'E', 'O'
  int data_bits = 8;
  int stop_bits = 1;
  double turnaround_ms = 0;
  firebus::modbus::line_timing timing() const;
};

/// Counters of one bus (for the periodic stats event).
struct bus_counters {
  std::atomic<std::uint64_t> requests{0};
  std::atomic<std::uint64_t> replies{0};
  std::atomic<std::uint64_t> exceptions{0};
  std::atomic<std::uint64_t> silent{0};  ///< requests that got no reply
  std::atomic<std::uint64_t> bad_frames{0};
  std::atomic<std::uint64_t> faults{0};
};

/// A bus: a TCP listener (with any number of client connections) or an RTU pseudo-terminal,
/// that handles one request at a time.
struct bus {
  std::string id;
  bool rtu = false;
  std::string host = "127.0.0.1";  ///< TCP
  int port = 0;                    ///< TCP
  std::string link;                ///< RTU: the symlink to the pty's slave side
  line_format line;                ///< RTU: baud etc.; TCP: line_baud (0: none)
  std::map<std::uint8_t, device*> units;
  bus_counters counters;
  faults bus_fault;  ///< guarded by fault_m: requests to no device (unit not served)
  std::mutex fault_m;
};

/// A scenario step.
struct event {
  double t = 0;  ///< scenario seconds
  std::string bus;
  std::optional<std::uint8_t> unit;
  std::string point;              ///< for set, raw, ramp
  std::optional<double> set;      ///< engineering value
  std::optional<double> raw;      ///< raw value
  std::optional<double> ramp_to;  ///< engineering value, reached at t + over_s
  double over_s = 0;
  std::vector<std::pair<std::string, double>> values;  ///< several points at once
  std::string fault;                                   ///< "" or dead, delay, ...
  json fault_spec;                                     ///< the event object (fault parameters)
  std::string note;
  std::size_t index = 0;  ///< position in the file
};

/// What the building file describes.
struct building {
  std::vector<std::unique_ptr<bus>> buses;
  std::vector<std::unique_ptr<device>> devices;
  std::vector<event> scenario;
  bus* find_bus(const std::string& id) const;
  device* find_device(const std::string& bus_id, std::uint8_t unit) const;
};

/// Options from the command line that the building reader needs.
struct load_options {
  std::vector<std::string> profile_dirs;  ///< where library ids are looked up
};

/// Reads the building file (buses, devices, optional scenario). Throws config_error.
void load_building(const std::string& path, const load_options& o, building& b);
/// Reads a scenario (a list of events, or an object with "scenario") and appends it to b's.
void load_scenario(const std::string& path, building& b);
/// Applies a fault event to a device's (or bus's) faults. Throws config_error on bad parameters
/// (checked at load time, so not while running), naming `where` (the event's JSON path).
void apply_fault(const event& e, faults& f, const std::string& where = {});
/// Parses and checks an event's fault: its kind, its parameters and only the parameters of its
/// kind (throws config_error naming `where`, the event's JSON path).
void check_fault(const event& e, const std::string& where);

// --- running ----------------------------------------------------------------------------------

/// The buses' threads (one for all TCP buses, one per RTU bus); stop() ends them (from any
/// thread).
class runner {
 public:
  explicit runner(building& b);
  ~runner();
  runner(const runner&) = delete;
  runner& operator=(const runner&) = delete;
  /// Opens every bus (listen sockets, pseudo-terminals). Throws config_error.
  void open();
  /// Starts the threads: one serving every TCP bus, one per RTU bus.
  void start();
  /// Stops and joins the threads, closes sockets, removes the pty links.
  void stop();

 private:
  struct impl;
  std::unique_ptr<impl> p_;
};

}  // namespace firebus_sim

#endif  // FIREBUS_EXAMPLES_SIM_SIM_HPP
