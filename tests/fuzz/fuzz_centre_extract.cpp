// firebus — fire-safety IoT SDK.
// libFuzzer target for the monitoring centre's reading of a UITD's message
// (examples/centre/extract.cpp: duplicate_hash(), extract(), event_json()): what turns a peer's
// ADU into the rows of the events table, the alarms and the MQTT republish.
//
// The input is four control bytes followed by the ADU:
//
//   [offset] [flags] [serial lo] [serial hi] [ADU...]
//
// offset: the time zone of the time tags, (offset - 128) × 15 minutes (±32 h, wider than any
// real zone); flags bit 0: the bit-0 policy (standard or zero_means_normal). Only ADUs that
// gb::parse_adu() accepts reach extract(): the GB server denies the others before the store
// sees them. Checked with __builtin_trap() on violation:
//   - extract() and event_json() never throw (a throw makes the store deny the message: the
//     UITD resends it, a fire alarm among its objects never stored);
//   - one record per object, object_index 0, 1, 2, ... in order, each with a kind;
//   - every text a record holds is valid UTF-8 (PostgreSQL refuses a TEXT value that is not, and
//     so does the JSON of the HTTP API and of the MQTT republish);
//   - status objects (types 1, 2, 21) carry their alarm bits, and the fire bit is set exactly
//     when status bit 1 is; a record with alarm bits names its device (level);
//   - a time tag read as UTC (event_us) comes with its text (event_time); a tag the ADU says is
//     a valid date is never dropped;
//   - event_json() of every record serialises (nlohmann's dump() throws on invalid UTF-8);
//   - duplicate_hash() is a function of the header's serial and the ADU alone.
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <exception>
#include <optional>
#include <string>
#include <system_error>
#include <type_traits>
#include <variant>
#include <vector>

#include <firebus/gb26875/adu.hpp>

#include "model.hpp"

namespace gb = firebus::gb26875;
namespace fc = firebus_centre;

namespace {

#define FIREBUS_FUZZ_CHECK(cond)   \
  do {                             \
    if (!(cond)) __builtin_trap(); \
  } while (0)

bool utf8_valid(const std::string& s) {
  std::size_t i = 0;
  const std::size_t n = s.size();
  while (i < n) {
    const auto c = static_cast<unsigned char>(s[i]);
    std::size_t len = 0;
    std::uint32_t cp = 0;
    if (c < 0x80) {
      ++i;
      continue;
    } else if (c >= 0xC2 && c <= 0xDF) {
      len = 2;
      cp = c & 0x1Fu;
    } else if (c >= 0xE0 && c <= 0xEF) {
      len = 3;
      cp = c & 0x0Fu;
    } else if (c >= 0xF0 && c <= 0xF4) {
      len = 4;
      cp = c & 0x07u;
    } else {
      return false;
    }
    if (i + len > n) return false;
    for (std::size_t k = 1; k < len; ++k) {
      const auto d = static_cast<unsigned char>(s[i + k]);
      if ((d & 0xC0) != 0x80) return false;
      cp = (cp << 6) | (d & 0x3Fu);
    }
    if ((len == 3 && cp < 0x800) || (len == 4 && (cp < 0x10000 || cp > 0x10FFFF)) ||
        (cp >= 0xD800 && cp <= 0xDFFF)) {
      return false;
    }
    i += len;
  }
  return true;
}

void check_text(const std::optional<std::string>& s) {
  if (s) FIREBUS_FUZZ_CHECK(utf8_valid(*s));
}

// The object's status word and whether its time tag is a valid date, for the checks.
struct facts {
  bool status_object = false;
  unsigned status = 0;
  bool uitd = false;
  bool has_tag = false;
  bool tag_valid = false;
};

facts facts_of(const gb::object& o) {
  facts f;
  std::visit(
      [&f](const auto& x) {
        using T = std::decay_t<decltype(x)>;
        if constexpr (std::is_same_v<T, gb::system_status> ||
                      std::is_same_v<T, gb::component_status>) {
          f.status_object = true;
          f.status = x.status;
        } else if constexpr (std::is_same_v<T, gb::uitd_status>) {
          f.status_object = true;
          f.status = x.status;
          f.uitd = true;
        }
        if constexpr (std::is_same_v<T, gb::system_status> ||
                      std::is_same_v<T, gb::component_status> ||
                      std::is_same_v<T, gb::component_analog> ||
                      std::is_same_v<T, gb::system_operation> ||
                      std::is_same_v<T, gb::system_time> || std::is_same_v<T, gb::uitd_status> ||
                      std::is_same_v<T, gb::uitd_operation> || std::is_same_v<T, gb::uitd_time>) {
          f.has_tag = true;
          f.tag_valid = x.time.valid();
        }
      },
      o);
  return f;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 4) return 0;
  fc::extract_options opt;
  opt.utc_offset = std::chrono::minutes((static_cast<int>(data[0]) - 128) * 15);
  opt.bit0 = (data[1] & 1) != 0 ? gb::bit0_policy::zero_means_normal : gb::bit0_policy::standard;
  fc::inbound m;
  m.hdr.serial = static_cast<std::uint16_t>(data[2] | (data[3] << 8));
  m.hdr.source = 0x123456789ABCull;
  m.adu.assign(data + 4, data + size);
  m.received_us = 1'700'000'000'000'000;
  m.peer = "127.0.0.1:40000";

  std::error_code ec;
  const gb::adu_view v = gb::parse_adu(m.adu, ec);
  if (ec) return 0;  // denied by the GB server: never stored
  std::vector<facts> objects;
  for (const gb::object& o : v) objects.push_back(facts_of(o));

  m.adu_hash = fc::duplicate_hash(m.hdr, m.adu);
  FIREBUS_FUZZ_CHECK(fc::duplicate_hash(m.hdr, m.adu) == m.adu_hash);

  std::vector<fc::event_record> events;
  try {
    events = fc::extract(m, opt);
  } catch (const std::exception&) {
    FIREBUS_FUZZ_CHECK(false);
  }
  FIREBUS_FUZZ_CHECK(events.size() == objects.size());
  for (std::size_t i = 0; i < events.size(); ++i) {
    const fc::event_record& e = events[i];
    const facts& f = objects[i];
    FIREBUS_FUZZ_CHECK(e.object_index == static_cast<int>(i));
    FIREBUS_FUZZ_CHECK(e.adu_type == static_cast<int>(v.type()));
    FIREBUS_FUZZ_CHECK(!e.kind.empty() && utf8_valid(e.kind));
    check_text(e.level);
    check_text(e.type_name);
    check_text(e.type_name_zh);
    check_text(e.status_names);
    check_text(e.value_unit);
    check_text(e.description);
    check_text(e.event_time);
    FIREBUS_FUZZ_CHECK(e.alarm_bits.has_value() == f.status_object);
    if (e.alarm_bits) {
      FIREBUS_FUZZ_CHECK(e.level.has_value());
      FIREBUS_FUZZ_CHECK(e.status.has_value() && static_cast<unsigned>(*e.status) == f.status);
      FIREBUS_FUZZ_CHECK(((*e.alarm_bits & 1u) != 0) == ((f.status & 0x02u) != 0));
      FIREBUS_FUZZ_CHECK(*e.alarm_bits == fc::alarm_bits_of(f.status, f.uitd));
    }
    if (e.event_us) FIREBUS_FUZZ_CHECK(e.event_time.has_value());
    if (f.has_tag) FIREBUS_FUZZ_CHECK(e.event_time.has_value() == f.tag_valid);
    try {
      const std::string text = fc::event_json(m, e, "centre-1").dump();
      FIREBUS_FUZZ_CHECK(!text.empty());
    } catch (const std::exception&) {
      FIREBUS_FUZZ_CHECK(false);
    }
  }
  return 0;
}
