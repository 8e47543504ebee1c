// firebus — fire-safety IoT SDK.
// The device profile loader (<firebus/profile_json.hpp>, compiled library): per-loop expansion,
// defaults, every refusal named by its JSON path (with the loop for expanded points), and the
// shipped profile library: every file loads, and decodes its manual's example values.
#include <cmath>
#include <cstdint>
#include <fstream>
#include <ostream>  // doctest prints std::error_code with operator<<
#include <string>
#include <string_view>
#include <system_error>
#include <vector>

#include <doctest/doctest.h>

#if defined(FIREBUS_TEST_HAS_LIBRARY)
#include <firebus/alarm/rules.hpp>
#include <firebus/profile/codec.hpp>
#include <firebus/profile_json.hpp>

namespace {

namespace pf = firebus::profile;
namespace mb = firebus::modbus;

constexpr std::string_view loops = R"({
  "$schema": "../profile.schema.json",
  "version": 1,
  "id": "example-rcm",
  "vendor": "Example",
  "model": "RCM-4",
  "source": {"title": "RCM-4 manual"},
  "modbus": {"word_order": "little", "password": {"address": 29}},
  "points": [
    {"id": "IR{n}", "name": "loop {n} residual current", "table": "input", "address": 16,
     "type": "u16", "unit": "mA", "repeat": {"count": 4, "first": 1, "stride": 1},
     "invalid": [{"raw": 58853, "status": "short_circuit"}],
     "alarms": [{"id": "ALM", "type": "high", "setpoint": 300, "deadband": 10,
                 "profile": "fire"}]},
    {"id": "LF{n}", "table": "input", "address": 11, "type": "bits", "width": 2,
     "repeat": {"count": 4, "bit_stride": 2, "stride": 0},
     "states": [{"value": 1, "state": "short_circuit"}, {"value": 2, "state": "open_circuit"}],
     "status_of": ["IR{n}"]},
    {"id": "E", "table": "holding", "address": 40, "type": "u32"},
    {"id": "SP{n}", "table": "holding", "address": 50, "type": "u16",
     "repeat": {"count": 4}, "writable": {"min": 6, "max": 1000, "password": true}}
  ]
})";

std::string refusal(std::string_view text) {
  pf::device_profile p;
  std::error_code ec;
  pf::profile_error err;
  if (pf::parse_profile(text, p, ec, err)) return "loaded";
  CHECK(ec == pf::errc::invalid_profile);
  return err.what();
}

// `loops` with `from` replaced by `to` (once).
std::string edited(std::string_view from, std::string_view to) {
  std::string s(loops);
  const std::size_t at = s.find(from);
  REQUIRE(at != std::string::npos);
  s.replace(at, from.size(), to);
  return s;
}

}  // namespace

TEST_CASE("per-loop arrays expand with {n}, strides and bit strides; defaults come from modbus") {
  const pf::device_profile p = pf::parse_profile(loops);
  REQUIRE(p.points.size() == 13);
  CHECK(p.points[0].id == "IR1");
  CHECK(p.points[0].name == "loop 1 residual current");
  CHECK(p.points[0].loop == 1);
  CHECK(p.points[3].id == "IR4");
  CHECK(p.points[3].address == 19);
  CHECK(p.points[3].tbl == mb::table::input_registers);
  CHECK(p.points[5].id == "LF2");
  CHECK(p.points[5].address == 11);
  CHECK(p.points[5].bit == 2);
  CHECK(p.points[5].status_of == std::vector<std::string>{"IR2"});
  CHECK(p.points[8].words == pf::byte_order::little);
  CHECK(p.points[8].bytes == pf::byte_order::big);
  CHECK(p.points[12].writable->password);
  CHECK(p.points[12].writable->fn == mb::function::write_single_register);
  CHECK(p.modbus.password->address == 29);
  CHECK(p.points[0].alarms.at(0).profile == firebus::alarm::profile::fire);

  // The expanded profile decodes loop by loop.
  pf::codec c(p);
  pf::register_image img;
  img.store(mb::table::input_registers, 11, std::vector<std::uint16_t>{0b1001'0000});
  img.store(mb::table::input_registers, 16, std::vector<std::uint16_t>{100, 58853, 300, 0});
  pf::readings r;
  c.decode(img, r);
  std::vector<std::pair<std::string, firebus::alarm::device_status>> statuses;
  for (const auto& s : r.statuses) statuses.emplace_back(c.point(s.point).id, s.status);
  using ds = firebus::alarm::device_status;
  CHECK(statuses == std::vector<std::pair<std::string, ds>>{{"IR1", ds::ok},
                                                            {"IR2", ds::short_circuit},
                                                            {"IR3", ds::short_circuit},
                                                            {"IR4", ds::open_circuit}});
}

TEST_CASE("refusals name the JSON path, what was expected and what was found") {
  CHECK(refusal(loops) == "loaded");
  CHECK(refusal(edited(R"("unit": "mA")", R"("unti": "mA")")) ==
        R"(points[0]: unknown key "unti")");
  CHECK(refusal(edited(R"("address": 40)", R"("address": 40, "address": 41)")) ==
        R"(points[2]: duplicate key "address")");
  CHECK(refusal(edited(R"("address": 40)", R"("address": "40")")) ==
        R"(points[2].address: expected an integer 0..65535, found "40")");
  CHECK(refusal(edited(R"("address": 40)", R"("address": 65536)")) ==
        R"(points[2].address: expected an integer 0..65535, found 65536)");
  CHECK(
      refusal(edited(R"("type": "u32")", R"("type": "float")")) ==
      R"(points[2].type: expected one of "u16", "i16", "u32", "i32", "f32", "bits", found "float")");
  CHECK(refusal(edited(R"("table": "holding", "address": 40)", R"("address": 40)")) ==
        R"(points[2]: missing required key "table")");
  CHECK(refusal(edited(R"("id": "E")", R"("id": "E{n}")")) ==
        "points[2].id: {n} is replaced only in points with `repeat`");
  CHECK(refusal(edited(R"("id": "SP{n}")", R"("id": "SP")")) ==
        "points[3].id: a repeated point's id needs {n} (the loop number)");
  CHECK(refusal(edited(R"("repeat": {"count": 4})", R"("repeat": {"count": 0})")) ==
        "points[3].repeat.count: expected an integer 1..256, found 0");
  CHECK(refusal(edited(R"("address": 50)", R"("address": 65534)")) ==
        "points[3].repeat: loop 3's address 65536 is outside 0..65535");
  CHECK(refusal(edited(R"("bit_stride": 2)", R"("bit_stride": 6)")) ==
        "points[1].repeat: loop 4's bit 18 is outside its register (0..15)");
  CHECK(refusal(edited(R"("bit_stride": 2)", R"("bit_stride": 5)")) ==
        "points[1].bit: the field (bit 15, width 2) does not fit a 16-bit register (loop 4)");
  CHECK(refusal(edited(R"("status_of": ["IR{n}"])", R"("status_of": ["IX{n}"])")) ==
        R"(points[1].status_of[0]: no point "IX1" (loop 1))");
  CHECK(refusal(edited(R"("setpoint": 300)", R"("setpoint": "300")")) ==
        R"(points[0].alarms[0].setpoint: expected a number, found "300")");
  CHECK(refusal(edited(R"("deadband": 10)", R"("deadband": -10)"))
            .rfind("points[0].alarms[0].deadband: ", 0) == 0);
  CHECK(refusal(edited(R"("version": 1)", R"("version": 2)")) == "version: expected 1, found 2");
  CHECK(refusal(edited(R"("source": {"title": "RCM-4 manual"},)", "")) ==
        R"(missing required key "source")");
  CHECK(refusal(edited(R"("password": {"address": 29})",
                       R"("password": {"address": 29, "type": "f32"})")) ==
        R"(modbus.password.type: expected one of "u16", "u32", found "f32")");
  CHECK(refusal(edited(R"("password": {"address": 29})", R"("parity": "N")")) ==
        R"(modbus: unknown key "parity")");
  CHECK(refusal(edited(R"("state": "open_circuit")", R"("state": "broken")"))
            .rfind(R"(points[1].states[1].state: expected one of "normal", "fire", "pre_alarm", )",
                   0) == 0);
  CHECK(refusal(edited(R"("password": true)", R"("password": 1)")) ==
        "points[3].writable.password: expected true or false, found 1");
  CHECK(refusal(R"({"version": 1,)").rfind("invalid JSON at line 1, column ", 0) == 0);
  CHECK(refusal("[]") == "expected an object, found []");
}

TEST_CASE("loading a file: missing files and errors carry the file name in the throwing form") {
  pf::device_profile p;
  std::error_code ec;
  pf::profile_error err;
  CHECK_FALSE(pf::load_profile("/nonexistent/x.json", p, ec, err));
  CHECK(ec == std::errc::no_such_file_or_directory);
  CHECK(err.what() == "cannot open the file: " + ec.message());
  try {
    pf::load_profile("/nonexistent/x.json");
    FAIL("no exception");
  } catch (const firebus::system_error& e) {
    CHECK(std::string(e.what()).rfind("/nonexistent/x.json: cannot open the file", 0) == 0);
  }
  try {
    pf::parse_profile("{}", "rcm.json");
    FAIL("no exception");
  } catch (const firebus::system_error& e) {
    CHECK(std::string(e.what()).rfind(R"(rcm.json: missing required key "version")", 0) == 0);
  }
}

#if defined(FIREBUS_TEST_SOURCE_DIR)
TEST_CASE("every profile of the library loads, validates and yields valid default rules") {
  const auto files = pf::profile_files(FIREBUS_TEST_SOURCE_DIR "/protocols/profiles");
  REQUIRE(files.size() >= 6);
  for (const std::string& f : files) {
    CAPTURE(f);
    pf::device_profile p;
    std::error_code ec;
    pf::profile_error err;
    const bool ok = pf::load_profile(f, p, ec, err);
    CHECK_MESSAGE(ok, err.what());
    if (!ok) continue;
    // The file is named after its id.
    CHECK(f.substr(f.rfind('/') + 1) == p.id + ".json");
    CHECK_FALSE(p.source.title.empty());
    pf::codec c(p);
    const auto rules = c.default_rules("bus1/dev1/");
    firebus::alarm::rules_error aerr;
    CHECK_MESSAGE(firebus::alarm::validate(rules, aerr), aerr.what());
    // encode_value() is decode()'s inverse for every point (a raw value of 7, or 6 where 7 is
    // a fault code).
    for (std::size_t i = 0; i < c.size(); ++i) {
      const pf::point_def& d = c.point(i);
      CAPTURE(d.id);
      pf::register_image img;
      std::error_code vec;
      if (!d.decimals_from.empty()) {
        REQUIRE(c.encode_value(c.find(d.decimals_from), 1, img, vec));
      }
      std::int64_t raw = d.type == pf::data_type::bits ? (std::int64_t{1} << d.width) - 1 : 7;
      for (const auto& inv : d.invalid) {
        if (inv.raw == raw) raw = 6;
      }
      const int dec = d.decimals_from.empty() ? d.decimals : 1;
      const double value = static_cast<double>(raw) * d.scale / std::pow(10.0, dec) + d.offset;
      REQUIRE_MESSAGE(c.encode_value(i, value, img, vec), vec.message());
      pf::readings r;
      c.decode(img, std::vector<std::size_t>{i}, r);
      if (!d.publish) continue;
      REQUIRE(r.values.size() == 1);
      CHECK(r.values[0].value == doctest::Approx(value));
    }
    // Every point can be read in planned requests within the device's limits.
    mb::poll_planner planner(mb::cost_model::rtu(mb::line_timing{}), p.modbus.limits);
    const auto plan = planner.plan(c.read_items());
    CHECK_FALSE(plan.empty());
    for (const auto& r : plan) {
      CHECK(r.req.quantity <=
            (mb::is_bit_table(r.tbl) ? p.modbus.limits.max_bits : p.modbus.limits.max_registers));
    }
  }
}

namespace {

// A shipped profile with the registers of the devices digest's register maps.
struct library_device {
  pf::codec c;
  pf::register_image img;
  pf::readings r;

  explicit library_device(const std::string& id)
      : c(pf::load_profile(FIREBUS_TEST_SOURCE_DIR "/protocols/profiles/" + id + ".json")) {}
  void set(std::uint16_t address, std::vector<std::uint16_t> regs) {
    img.store(mb::table::holding_registers, address, regs);
  }
  void decode() {
    r.clear();
    c.decode(img, r);
  }
  std::size_t at(std::string_view id) const {
    const std::size_t i = c.find(id);
    REQUIRE_MESSAGE(i != pf::codec::npos, id);
    return i;
  }
  const pf::point_value* value(std::string_view id) const {
    const std::size_t i = at(id);
    for (const auto& v : r.values) {
      if (v.point == i) return &v;
    }
    return nullptr;
  }
  firebus::alarm::device_condition condition(std::string_view id) const {
    const std::size_t i = at(id);
    for (const auto& v : r.conditions) {
      if (v.point == i) return v.condition;
    }
    FAIL("no condition for " << id);
    return firebus::alarm::device_condition::normal;
  }
  firebus::alarm::device_status status(std::string_view id) const {
    const std::size_t i = at(id);
    for (const auto& v : r.statuses) {
      if (v.point == i) return v.status;
    }
    FAIL("no status for " << id);
    return firebus::alarm::device_status::ok;
  }
};

}  // namespace

TEST_CASE("library: Acrel AIM-R100 loop fault flags (2 bits per loop) and sentinels") {
  using firebus::alarm::device_status;
  library_device d("acrel-aim-r100");
  // 000BH: meter type 1 (bits 15-12); loop 1 short (01), loop 3 break (10), loops 2 and 4 ok.
  // 000CH: loop 5 overload (11), loop 12 short (01), the rest ok.
  d.set(0x000B, {0x1048, 0xC001});
  std::vector<std::uint16_t> ir(12, 100);
  ir[1] = 0xE5E5;  // loop 2: short
  ir[3] = 0xFAFA;  // loop 4: break
  ir[6] = 350;
  d.set(0x004A, ir);
  d.decode();
  CHECK(d.status("IR1") == device_status::short_circuit);
  CHECK(d.status("IR2") == device_status::short_circuit);
  CHECK(d.status("IR3") == device_status::open_circuit);
  CHECK(d.status("IR4") == device_status::open_circuit);
  CHECK(d.status("IR5") == device_status::fault);
  CHECK(d.status("IR6") == device_status::ok);
  CHECK(d.status("IR11") == device_status::ok);
  CHECK(d.status("IR12") == device_status::short_circuit);
  REQUIRE(d.value("IR2") != nullptr);
  CHECK(std::isnan(d.value("IR2")->value));
  CHECK(d.value("IR2")->quality == firebus::quality_code::bad_short_circuit);
  CHECK(d.value("IR4")->quality == firebus::quality_code::bad_open_circuit);
  CHECK(d.value("IR7")->value == 350);
  CHECK(d.value("IR7")->quality == firebus::quality_code::good);
  CHECK(d.value("TYPE")->value == 1);
  // The loop alarm setpoints 0056H-0061H and the trip time 0008H.
  CHECK(d.c.point(d.at("SET1")).address == 0x0056);
  CHECK(d.c.point(d.at("SET12")).address == 0x0061);
  CHECK(d.c.point(d.at("IR12")).address == 0x0055);
  CHECK(d.c.point(d.at("TRIP")).address == 0x0008);
}

TEST_CASE("library: Acrel ASJ10L-LD1A alarm status bits 2..0 of 001BH") {
  using firebus::alarm::device_condition;
  using firebus::alarm::device_status;
  library_device d("acrel-asj10l-ld1a");
  d.set(0x0000, {120});
  d.set(0x001B, {0b001});
  d.decode();
  CHECK(d.condition("PRE") == device_condition::active);
  CHECK(d.condition("ALM") == device_condition::normal);
  CHECK(d.status("IR") == device_status::ok);
  d.set(0x001B, {0b010});
  d.decode();
  CHECK(d.condition("PRE") == device_condition::normal);
  CHECK(d.condition("ALM") == device_condition::fire);
  d.set(0x001B, {0b100});
  d.decode();
  CHECK(d.condition("ALM") == device_condition::normal);
  CHECK(d.status("IR") == device_status::open_circuit);
  CHECK(d.value("IR")->value == 120);
  CHECK(d.c.point(d.at("IDN")).address == 0x0008);
  CHECK(d.c.point(d.at("IPRE")).address == 0x0009);
  CHECK(d.c.point(d.at("TND")).address == 0x0010);
  REQUIRE(d.c.profile().modbus.password);
  CHECK(d.c.profile().modbus.password->address == 0x001D);
  CHECK(d.c.point(d.at("DI1")).address == 0x001E);
}

TEST_CASE("library: Schneider Vigirex RH alarm, pre-alarm, toroid and measurement") {
  using firebus::alarm::device_condition;
  using firebus::alarm::device_status;
  library_device d("schneider-vigirex-rhu");
  // 0x00C8..0x00D0: validity 1, alarm 1, validity 1, pre-alarm 0, validity 1, memorised 1,
  // validity 1, toroid 0 (not connected), reset mode 1.
  d.set(0x00C8, {1, 1, 1, 0, 1, 1, 1, 0, 1});
  d.set(0x0190, {450});
  d.set(0x01F4, {300});
  d.decode();
  CHECK(d.condition("ALM") == device_condition::fire);
  CHECK(d.condition("PRE") == device_condition::normal);
  CHECK(d.status("IR") == device_status::open_circuit);
  CHECK(d.value("IR")->value == 450);
  CHECK(d.value("IDN")->value == 300);
  CHECK(d.value("MEM")->value == 1);
  CHECK(d.c.point(d.at("ALM")).address == 0x00C9);
  CHECK(d.c.point(d.at("PRE")).address == 0x00CB);
  CHECK(d.c.point(d.at("MEM")).address == 0x00CD);
  CHECK(d.c.point(d.at("TOR")).address == 0x00CF);
}

TEST_CASE("library: Honeywell Midas status bit field and float32 in little-endian word order") {
  using firebus::alarm::device_condition;
  using firebus::alarm::device_status;
  library_device d("honeywell-midas");
  // 40001: monitoring (1), high alarm (bit 7) and low alarm (bit 6); 40003-40004: 25.5 as
  // float32 0x41CC0000, low word first; 40005 CONC 255 with 1 decimal (40007 bits 0-2), unit
  // ppm (bits 8-15 = 1); 40008: -10 °C.
  d.set(0, {0x00C1, 0x0000, 0x0000, 0x41CC, 255, 0, 0x0101, 0xFFF6});
  // 40013-40016: 10.0 (0x41200000) and 20.0 (0x41A00000), low word first.
  d.set(12, {0x0000, 0x4120, 0x0000, 0x41A0});
  d.decode();
  CHECK(d.condition("A1") == device_condition::active);
  CHECK(d.condition("A2") == device_condition::fire);
  CHECK(d.status("GAS") == device_status::ok);
  CHECK(d.value("GAS")->value == doctest::Approx(25.5));
  CHECK(d.value("CONC")->value == doctest::Approx(25.5));
  CHECK(d.value("TEMP")->value == -10);
  CHECK(d.value("A1T")->value == doctest::Approx(10.0));
  CHECK(d.value("A2T")->value == doctest::Approx(20.0));
  // Fault status 2 (instrument fault, bits 4-5) makes GAS faulty; 40006 holds the fault number.
  d.set(0, {0x0021});
  d.decode();
  CHECK(d.status("GAS") == device_status::fault);
  CHECK(d.condition("A2") == device_condition::normal);
}

TEST_CASE("library: MPD-380 pressure, signed raw value over decimal places read from 0x0003") {
  using firebus::alarm::device_status;
  library_device d("mpd-380");
  d.set(0x0002, {3, 2, 0xFF38});  // bar, 2 decimals, -200
  d.decode();
  CHECK(d.value("P")->value == doctest::Approx(-2.0));
  CHECK(d.status("P") == device_status::ok);
  d.set(0x0002, {3, 3, 1234});
  d.decode();
  CHECK(d.value("P")->value == doctest::Approx(1.234));
  d.set(0x0002, {1, 3, 1234});  // kPa: not the unit the profile's setpoints are in
  d.decode();
  CHECK(d.status("P") == device_status::fault);
}
#endif

#endif  // FIREBUS_TEST_HAS_LIBRARY
