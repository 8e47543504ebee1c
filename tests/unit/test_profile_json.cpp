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
#endif

#endif  // FIREBUS_TEST_HAS_LIBRARY
