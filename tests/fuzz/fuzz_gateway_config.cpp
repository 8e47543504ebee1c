// firebus — fire-safety IoT SDK.
// libFuzzer target for the example gateway's configuration loader
// (examples/gateway/config.cpp: fbgw::parse_config): what `firebus-gateway --check` and a
// SIGHUP reload read. A crash here stops a running gateway, and every alarm with it.
//
// The input is the configuration's JSON text. Checked with __builtin_trap() on violation:
//   - parse_config() never throws;
//   - a refusal names the file ("g.json: ...") and says why;
//   - the same text gives the same answer twice (the same error, or the same configuration);
//   - an accepted configuration holds what the loader promises the gateway: a valid id, at
//     least one bus and one device, unique bus and device ids, every device on a declared bus
//     with a unit 1..247 used once on it, a GB system address 0..255, a timeout of at least
//     1 ms, retries 0..10, TCP ports and RTU line settings in range, and a GB uplink with an
//     address when it is enabled.
#include <cstddef>
#include <cstdint>
#include <exception>
#include <set>
#include <string>
#include <utility>

#include "config.hpp"

namespace {

#define FIREBUS_FUZZ_CHECK(cond)   \
  do {                             \
    if (!(cond)) __builtin_trap(); \
  } while (0)

bool valid_id(const std::string& id) {
  if (id.empty() || id.size() > 64) return false;
  for (const char c : id) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                    c == '-' || c == '_' || c == '.';
    if (!ok) return false;
  }
  return true;
}

void check_accepted(const fbgw::gateway_config& c) {
  FIREBUS_FUZZ_CHECK(valid_id(c.id));
  FIREBUS_FUZZ_CHECK(!c.buses.empty() && !c.devices.empty());
  std::set<std::string> buses;
  for (const fbgw::bus_config& b : c.buses) {
    FIREBUS_FUZZ_CHECK(valid_id(b.id) && buses.insert(b.id).second);
    if (b.rtu) {
      FIREBUS_FUZZ_CHECK(!b.device.empty());
      FIREBUS_FUZZ_CHECK(b.baud >= 300 && b.baud <= 1000000);
      FIREBUS_FUZZ_CHECK(b.parity == 'N' || b.parity == 'E' || b.parity == 'O');
      FIREBUS_FUZZ_CHECK(b.data_bits >= 7 && b.data_bits <= 8);
      FIREBUS_FUZZ_CHECK(b.stop_bits >= 1 && b.stop_bits <= 2);
    } else {
      FIREBUS_FUZZ_CHECK(b.port >= 1);
    }
  }
  std::set<std::string> devices;
  std::set<std::pair<std::string, int>> units;
  for (const fbgw::device_config& d : c.devices) {
    FIREBUS_FUZZ_CHECK(valid_id(d.id) && devices.insert(d.id).second);
    FIREBUS_FUZZ_CHECK(buses.count(d.bus) == 1);
    FIREBUS_FUZZ_CHECK(d.unit >= 1 && d.unit <= 247 && units.insert({d.bus, d.unit}).second);
    FIREBUS_FUZZ_CHECK(!d.profile.empty());
    FIREBUS_FUZZ_CHECK(d.system_address >= 0 && d.system_address <= 255);
    FIREBUS_FUZZ_CHECK(d.timeout >= std::chrono::milliseconds(1));
    FIREBUS_FUZZ_CHECK(d.retries >= 0 && d.retries <= 10);
    FIREBUS_FUZZ_CHECK(d.alarm_period >= firebus::duration::zero() &&
                       d.measurement_period >= firebus::duration::zero() &&
                       d.config_period >= firebus::duration::zero());
    FIREBUS_FUZZ_CHECK(d.stale_s >= 0);
  }
  if (c.gb.enabled) FIREBUS_FUZZ_CHECK(c.gb.address != 0);
  FIREBUS_FUZZ_CHECK(c.mqtt.client_id.empty() == c.id.empty());
  FIREBUS_FUZZ_CHECK(c.snapshot_interval > firebus::duration::zero());
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  fbgw::gateway_config first, second;
  fbgw::config_error e1, e2;
  bool ok1 = false, ok2 = false;
  try {
    ok1 = fbgw::parse_config(text, "g.json", first, e1);
    ok2 = fbgw::parse_config(text, "g.json", second, e2);
  } catch (const std::exception&) {
    FIREBUS_FUZZ_CHECK(false);
  }
  FIREBUS_FUZZ_CHECK(ok1 == ok2);
  if (!ok1) {
    FIREBUS_FUZZ_CHECK(!e1.message.empty());
    FIREBUS_FUZZ_CHECK(e1.what().rfind("g.json: ", 0) == 0);
    FIREBUS_FUZZ_CHECK(e1.what() == e2.what());
    return 0;
  }
  check_accepted(first);
  FIREBUS_FUZZ_CHECK(first.id == second.id && first.buses.size() == second.buses.size() &&
                     first.devices.size() == second.devices.size() &&
                     first.rules.points.size() == second.rules.points.size() &&
                     first.rules.zones.size() == second.rules.zones.size());
  return 0;
}
