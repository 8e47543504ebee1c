// firebus — fire-safety IoT SDK.
// Device profiles, header-only part (<firebus/profile/profile.hpp>, <firebus/profile/codec.hpp>):
// validation, raw decoding of every type and order, scaling, invalid codes, states and the
// statuses they give, read items per poll class, setpoint writes and default alarm rules.
#include <cmath>
#include <cstdint>
#include <cstring>
#include <optional>
#include <ostream>  // doctest prints std::error_code with operator<<
#include <string>
#include <system_error>
#include <vector>

#include <doctest/doctest.h>

#include <firebus/alarm/rules.hpp>
#include <firebus/profile/codec.hpp>
#include <firebus/profile/profile.hpp>

namespace {

namespace pf = firebus::profile;
namespace mb = firebus::modbus;
using firebus::quality_code;
using firebus::alarm::device_condition;
using firebus::alarm::device_status;

pf::device_profile base() {
  pf::device_profile p;
  p.id = "test-device";
  p.vendor = "Test";
  p.model = "T-1";
  p.source.title = "T-1 manual";
  return p;
}

pf::point_def point(std::string id, std::uint16_t address, pf::data_type t = pf::data_type::u16) {
  pf::point_def d;
  d.id = std::move(id);
  d.address = address;
  d.type = t;
  return d;
}

std::string refusal(const pf::device_profile& p) {
  pf::profile_error err;
  if (pf::validate(p, err)) return "valid";
  return err.what();
}

const pf::point_value* value_of(const pf::readings& r, std::size_t i) {
  for (const auto& v : r.values) {
    if (v.point == i) return &v;
  }
  return nullptr;
}

std::optional<device_status> status_of(const pf::readings& r, std::size_t i) {
  for (const auto& s : r.statuses) {
    if (s.point == i) return s.status;
  }
  return std::nullopt;
}

std::optional<device_condition> condition_of(const pf::readings& r, std::size_t i) {
  for (const auto& c : r.conditions) {
    if (c.point == i) return c.condition;
  }
  return std::nullopt;
}

}  // namespace

TEST_CASE("every raw type decodes in its byte and word order") {
  auto p = base();
  p.points.push_back(point("U16", 0));
  p.points.push_back(point("I16", 1, pf::data_type::i16));
  p.points.push_back(point("U32", 2, pf::data_type::u32));
  auto u32le = point("U32LE", 4, pf::data_type::u32);
  u32le.words = pf::byte_order::little;
  p.points.push_back(u32le);
  p.points.push_back(point("I32", 6, pf::data_type::i32));
  auto f32le = point("F32LE", 8, pf::data_type::f32);  // Honeywell Midas: low word first
  f32le.words = pf::byte_order::little;
  p.points.push_back(f32le);
  auto swapped = point("SWAP", 10);
  swapped.bytes = pf::byte_order::little;
  p.points.push_back(swapped);
  auto field = point("FIELD", 11, pf::data_type::bits);
  field.bit = 4;
  field.width = 3;
  p.points.push_back(field);
  pf::codec c(p);

  // 25.5f = 0x41CC0000: low word 0x0000 first.
  const std::vector<std::uint16_t> regs = {0xFFFE, 0xFFFE, 0x0001, 0x0002, 0x0002, 0x0001,
                                           0xFFFF, 0xFFFE, 0x0000, 0x41CC, 0x3412, 0x00F0};
  pf::register_image img;
  img.store(mb::table::holding_registers, 0, regs);
  pf::readings r;
  c.decode(img, r);
  REQUIRE(r.values.size() == 8);
  CHECK(r.values[0].value == 65534);
  CHECK(r.values[1].value == -2);
  CHECK(r.values[2].value == 65538);
  CHECK(r.values[3].value == 65538);
  CHECK(r.values[4].value == -2);
  CHECK(r.values[5].value == 25.5);
  CHECK(r.values[6].value == 0x1234);
  CHECK(r.values[7].value == 7);  // bits 4..6 of 0x00F0
  for (const auto& v : r.values) CHECK(v.quality == quality_code::good);
  CHECK(r.conditions.empty());
  CHECK(r.statuses.empty());
}

TEST_CASE("coils and discrete inputs decode as bit fields, first bit least significant") {
  auto p = base();
  auto one = point("DI", 3, pf::data_type::bits);
  one.tbl = mb::table::discrete_inputs;
  p.points.push_back(one);
  auto three = point("CO", 0, pf::data_type::bits);
  three.tbl = mb::table::coils;
  three.width = 3;
  p.points.push_back(three);
  pf::codec c(p);
  pf::register_image img;
  img.store(mb::table::discrete_inputs, 0, std::vector<std::uint16_t>{0, 0, 0, 1});
  img.store(mb::table::coils, 0, std::vector<std::uint16_t>{1, 0, 1});
  pf::readings r;
  c.decode(img, r);
  REQUIRE(r.values.size() == 2);
  CHECK(r.values[0].value == 1);
  CHECK(r.values[1].value == 5);
  // The reply of a real read lands in the image too.
  mb::request req{mb::function::read_discrete_inputs, 0, 4, 0, {}};
  const std::uint8_t pdu[] = {0x02, 0x01, 0x00};  // all four off
  std::error_code ec;
  const mb::response resp = mb::parse_response(req, firebus::byte_view(pdu, sizeof pdu), ec);
  REQUIRE_FALSE(ec);
  img.store(req, resp);
  r.clear();
  c.decode(img, r);
  CHECK(r.values[0].value == 0);
}

TEST_CASE("scale, offset and decimal places, fixed or read from another register") {
  auto p = base();
  auto t = point("T", 0, pf::data_type::i16);
  t.scale = 0.1;
  t.offset = -40;
  p.points.push_back(t);
  auto unit = point("DP", 1);
  unit.publish = false;
  p.points.push_back(unit);
  auto pr = point("P", 2, pf::data_type::i16);  // MPD-380 layout: value = raw / 10^DP
  pr.decimals_from = "DP";
  pr.unit = "MPa";
  p.points.push_back(pr);
  auto fixed = point("F", 3);
  fixed.decimals = 2;
  p.points.push_back(fixed);
  pf::codec c(p);
  pf::register_image img;
  img.store(mb::table::holding_registers, 0, std::vector<std::uint16_t>{650, 3, 1234, 31415});
  pf::readings r;
  c.decode(img, r);
  REQUIRE(r.values.size() == 3);  // DP is not published
  CHECK(r.values[0].value == doctest::Approx(25.0));
  CHECK(r.values[1].point == 2);
  CHECK(r.values[1].value == doctest::Approx(1.234));
  CHECK(r.values[2].value == doctest::Approx(314.15));

  SUBCASE("decimals out of 0..9 make the value a configuration error, never a wrong number") {
    img.store(mb::table::holding_registers, 1, std::vector<std::uint16_t>{10});
    r.clear();
    c.decode(img, r);
    const auto* v = value_of(r, 2);
    REQUIRE(v != nullptr);
    CHECK(std::isnan(v->value));
    CHECK(v->quality == quality_code::bad_config_error);
  }
  SUBCASE("the decimals register was not read") {
    pf::register_image only;
    only.store(mb::table::holding_registers, 2, std::vector<std::uint16_t>{1234});
    r.clear();
    c.decode(only, r);
    REQUIRE(value_of(r, 2) != nullptr);
    CHECK(value_of(r, 2)->quality == quality_code::bad_config_error);
  }
  SUBCASE("read items of a point bring its decimals register") {
    const auto items = c.read_items(std::vector<std::size_t>{2});
    REQUIRE(items.size() == 2);
    CHECK(items[0].address == 2);
    CHECK(items[1].address == 1);
  }
}

TEST_CASE("invalid codes become NaN with the quality and status of the fault, and clear") {
  auto p = base();
  auto ir = point("IR1", 0);
  ir.invalid = {{0xE5E5, pf::state::short_circuit}, {0xFAFA, pf::state::open_circuit}};
  ir.range = std::make_pair(0.0, 1000.0);
  p.points.push_back(ir);
  pf::codec c(p);
  pf::register_image img;
  pf::readings r;
  img.store(mb::table::holding_registers, 0, std::vector<std::uint16_t>{0xE5E5});
  c.decode(img, r);
  REQUIRE(r.values.size() == 1);
  CHECK(std::isnan(r.values[0].value));
  CHECK(r.values[0].quality == quality_code::bad_short_circuit);
  CHECK(status_of(r, 0) == device_status::short_circuit);

  img.store(mb::table::holding_registers, 0, std::vector<std::uint16_t>{0xFAFA});
  r.clear();
  c.decode(img, r);
  CHECK(r.values[0].quality == quality_code::bad_open_circuit);
  CHECK(status_of(r, 0) == device_status::open_circuit);

  img.store(mb::table::holding_registers, 0, std::vector<std::uint16_t>{312});
  r.clear();
  c.decode(img, r);
  CHECK(r.values[0].value == 312);
  CHECK(r.values[0].quality == quality_code::good);
  CHECK(status_of(r, 0) == device_status::ok);  // reported, so that the fault clears

  img.store(mb::table::holding_registers, 0, std::vector<std::uint16_t>{1200});
  r.clear();
  c.decode(img, r);
  CHECK(r.values[0].value == 1200);
  CHECK(r.values[0].quality == quality_code::bad_over_range);
}

TEST_CASE("state codes give conditions of the point and statuses of their targets") {
  // Acrel ASJ10L-LD1A 0x001B: bit 0 pre-warning, bit 1 alarm, bit 2 CT break.
  auto p = base();
  p.points.push_back(point("IR", 0));
  auto pre = point("PRE", 0x1B, pf::data_type::bits);
  pre.states = {{1, pf::state::pre_alarm}};
  p.points.push_back(pre);
  auto alm = point("ALM", 0x1B, pf::data_type::bits);
  alm.bit = 1;
  alm.states = {{1, pf::state::fire}};
  p.points.push_back(alm);
  auto ct = point("CT", 0x1B, pf::data_type::bits);
  ct.bit = 2;
  ct.states = {{1, pf::state::open_circuit}};
  ct.status_of = {"IR"};
  p.points.push_back(ct);
  // AIM-R100-style 2-bit loop fault codes with an unknown code treated as a fault.
  auto lf = point("LF", 0x0B, pf::data_type::bits);
  lf.width = 2;
  lf.states = {{0, pf::state::ok}, {1, pf::state::short_circuit}, {2, pf::state::open_circuit}};
  lf.default_state = pf::state::fault;
  lf.status_of = {"IR"};
  p.points.push_back(lf);
  pf::codec c(p);
  CHECK(pf::effective_poll(c.point(1)) == pf::poll_class::alarm);
  CHECK(pf::effective_poll(c.point(0)) == pf::poll_class::measurement);

  pf::register_image img;
  img.store(mb::table::holding_registers, 0, std::vector<std::uint16_t>{250});
  img.store(mb::table::holding_registers, 0x0B, std::vector<std::uint16_t>{0});
  img.store(mb::table::holding_registers, 0x1B, std::vector<std::uint16_t>{0b011});
  pf::readings r;
  c.decode(img, r);
  CHECK(condition_of(r, 1) == device_condition::active);  // pre-alarm
  CHECK(condition_of(r, 2) == device_condition::fire);
  CHECK_FALSE(condition_of(r, 3).has_value());  // CT has statuses only
  CHECK(status_of(r, 0) == device_status::ok);
  CHECK(r.statuses.size() == 1);

  SUBCASE("the worst status of all sources wins") {
    img.store(mb::table::holding_registers, 0x1B, std::vector<std::uint16_t>{0b100});
    img.store(mb::table::holding_registers, 0x0B, std::vector<std::uint16_t>{1});
    r.clear();
    c.decode(img, r);
    CHECK(status_of(r, 0) == device_status::short_circuit);
    CHECK(condition_of(r, 2) == device_condition::normal);
  }
  SUBCASE("an unlisted code takes the default state") {
    img.store(mb::table::holding_registers, 0x0B, std::vector<std::uint16_t>{3});
    r.clear();
    c.decode(img, r);
    CHECK(status_of(r, 0) == device_status::fault);
  }
  SUBCASE("a partial decode weighs every source of a status that is in the image") {
    img.store(mb::table::holding_registers, 0x1B, std::vector<std::uint16_t>{0b100});  // CT
    r.clear();
    c.decode(img, std::vector<std::size_t>{4}, r);  // the loop fault code alone: ok
    CHECK(status_of(r, 0) == device_status::open_circuit);
  }
  SUBCASE("only the points asked for are decoded, and only those read") {
    r.clear();
    c.decode(img, std::vector<std::size_t>{2, 99}, r);
    CHECK(r.values.size() == 1);
    CHECK(r.values[0].point == 2);
    pf::register_image partial;
    partial.store(mb::table::holding_registers, 0x1B, std::vector<std::uint16_t>{0b100});
    r.clear();
    c.decode(partial, r);
    CHECK_FALSE(value_of(r, 0));
    CHECK(status_of(r, 0) == device_status::open_circuit);
  }
}

TEST_CASE("f32 values that are not finite are bad, never a number") {
  auto p = base();
  p.points.push_back(point("G", 0, pf::data_type::f32));
  pf::codec c(p);
  pf::register_image img;
  img.store(mb::table::holding_registers, 0, std::vector<std::uint16_t>{0x7FC0, 0x0000});
  pf::readings r;
  c.decode(img, r);
  REQUIRE(r.values.size() == 1);
  CHECK(r.values[0].quality == quality_code::bad_invalid_value);
  CHECK(std::isnan(r.values[0].value));
}

TEST_CASE("the register image keeps the newest block, forgets failed reads, and stays bounded") {
  pf::register_image img;
  std::uint16_t out[3] = {};
  std::uint16_t out5[5] = {};
  img.store(mb::table::holding_registers, 10, std::vector<std::uint16_t>{1, 2, 3, 4});
  img.store(mb::table::holding_registers, 11, std::vector<std::uint16_t>{20});
  REQUIRE(img.get(mb::table::holding_registers, 11, 1, out));
  CHECK(out[0] == 20);
  REQUIRE(img.get(mb::table::holding_registers, 12, 2, out));
  CHECK(out[0] == 3);
  CHECK_FALSE(img.get(mb::table::holding_registers, 13, 2, out));  // 14 was never read
  img.store(mb::table::holding_registers, 14, std::vector<std::uint16_t>{5});
  REQUIRE(img.get(mb::table::holding_registers, 10, 5, out5));  // across blocks, newest wins
  CHECK(std::vector<std::uint16_t>(out5, out5 + 5) == std::vector<std::uint16_t>{1, 20, 3, 4, 5});
  img.forget(mb::table::holding_registers, 14, 1);
  CHECK_FALSE(img.get(mb::table::input_registers, 10, 1, out));
  img.forget(mb::table::holding_registers, 13, 1);
  CHECK_FALSE(img.get(mb::table::holding_registers, 12, 1, out));
  for (std::uint16_t a = 0; a < 1000; ++a) {
    img.store(mb::table::coils, static_cast<std::uint16_t>(a * 2), std::vector<std::uint16_t>{1});
  }
  CHECK_FALSE(img.get(mb::table::coils, 0, 1, out));  // the oldest went
  CHECK(img.get(mb::table::coils, 1998, 1, out));
  img.store(mb::table::input_registers, 0xFFFF, std::vector<std::uint16_t>{1, 2});  // clipped
  CHECK(img.get(mb::table::input_registers, 0xFFFF, 1, out));
  img.clear();
  CHECK(img.empty());
}

TEST_CASE("setpoint writes: password first, range, rounding, word order") {
  auto p = base();
  p.modbus.password = pf::password_register{0x1D, pf::data_type::u16};
  auto idn = point("IDN", 0x08);  // rated residual operating current, 10..30000 mA
  idn.writable = pf::writable_rule{10, 30000, true, mb::function::write_single_register};
  p.points.push_back(idn);
  auto thr = point("THR", 0x20, pf::data_type::u32);
  thr.words = pf::byte_order::little;
  thr.scale = 0.1;
  thr.writable = pf::writable_rule{0, 1000, false, mb::function::write_multiple_registers};
  p.points.push_back(thr);
  p.points.push_back(point("IR", 0));
  auto relay = point("RLY", 4, pf::data_type::bits);
  relay.tbl = mb::table::coils;
  relay.writable = pf::writable_rule{0, 1, false, mb::function::write_single_coil};
  p.points.push_back(relay);
  pf::codec c(p);
  pf::register_image img;
  std::vector<mb::request> out;
  std::error_code ec;

  REQUIRE(c.encode_write(c.find("IDN"), 300, 1234u, img, out, ec));
  REQUIRE(out.size() == 2);
  CHECK(out[0].fn == mb::function::write_single_register);
  CHECK(out[0].address == 0x1D);
  CHECK(out[0].values == std::vector<std::uint16_t>{1234});
  CHECK(out[1].address == 0x08);
  CHECK(out[1].values == std::vector<std::uint16_t>{300});
  for (const auto& q : out) CHECK(mb::encode_request(q).size() == 5);

  out.clear();
  CHECK_FALSE(c.encode_write(c.find("IDN"), 300, std::nullopt, img, out, ec));
  CHECK(ec == pf::errc::password_required);
  CHECK_FALSE(c.encode_write(c.find("IDN"), 30001, 1u, img, out, ec));
  CHECK(ec == pf::errc::value_out_of_range);
  CHECK_FALSE(c.encode_write(c.find("IDN"), std::nan(""), 1u, img, out, ec));
  CHECK(ec == pf::errc::value_out_of_range);
  CHECK_FALSE(c.encode_write(c.find("IR"), 1, 1u, img, out, ec));
  CHECK(ec == pf::errc::not_writable);
  CHECK_FALSE(c.encode_write(99, 1, 1u, img, out, ec));
  CHECK(ec == pf::errc::unknown_point);
  CHECK(out.empty());

  REQUIRE(c.encode_write(c.find("THR"), 6553.7 / 10 + 0.04, std::nullopt, img, out, ec));
  REQUIRE(out.size() == 1);
  CHECK(out[0].fn == mb::function::write_multiple_registers);
  CHECK(out[0].values == std::vector<std::uint16_t>{6554, 0});  // rounded, low word first

  out.clear();
  REQUIRE(c.encode_write(c.find("RLY"), 1, std::nullopt, img, out, ec));
  CHECK(out[0].fn == mb::function::write_single_coil);
  CHECK(out[0].values == std::vector<std::uint16_t>{1});
  CHECK_FALSE(c.encode_write(c.find("RLY"), 0.5, std::nullopt, img, out, ec));
}

TEST_CASE("a u32 password is written in the profile's word order, not the point's") {
  auto p = base();
  p.modbus.password = pf::password_register{0x40, pf::data_type::u32, pf::byte_order::little};
  auto sp = point("SP", 0x08);
  sp.words = pf::byte_order::big;
  sp.writable = pf::writable_rule{0, 100, true, mb::function::write_single_register};
  p.points.push_back(sp);
  pf::codec c(p);
  std::vector<mb::request> out;
  std::error_code ec;
  REQUIRE(c.encode_write(0, 5, 0x00010002u, pf::register_image{}, out, ec));
  REQUIRE(out.size() == 2);
  CHECK(out[0].fn == mb::function::write_multiple_registers);
  CHECK(out[0].values == std::vector<std::uint16_t>{0x0002, 0x0001});
}

TEST_CASE("encode_value is the inverse of decode, bit fields merge into their register") {
  auto p = base();
  auto f = point("F", 0, pf::data_type::f32);
  f.words = pf::byte_order::little;
  p.points.push_back(f);
  auto lo = point("LO", 2, pf::data_type::bits);
  lo.width = 4;
  p.points.push_back(lo);
  auto hi = point("HI", 2, pf::data_type::bits);
  hi.bit = 12;
  hi.width = 4;
  p.points.push_back(hi);
  auto t = point("T", 3, pf::data_type::i16);
  t.bytes = pf::byte_order::little;
  t.scale = 0.1;
  p.points.push_back(t);
  pf::codec c(p);
  pf::register_image img;
  std::error_code ec;
  REQUIRE(c.encode_value(0, 25.5, img, ec));
  REQUIRE(c.encode_value(1, 9, img, ec));
  REQUIRE(c.encode_value(2, 5, img, ec));
  REQUIRE(c.encode_value(3, -12.3, img, ec));
  std::uint16_t regs[4] = {};
  REQUIRE(img.get(mb::table::holding_registers, 0, 4, regs));
  CHECK(regs[0] == 0x0000);
  CHECK(regs[1] == 0x41CC);
  CHECK(regs[2] == 0x5009);
  CHECK(regs[3] == 0x85FF);  // -123 = 0xFF85, bytes swapped
  pf::readings r;
  c.decode(img, r);
  REQUIRE(r.values.size() == 4);
  CHECK(r.values[0].value == 25.5);
  CHECK(r.values[1].value == 9);
  CHECK(r.values[2].value == 5);
  CHECK(r.values[3].value == doctest::Approx(-12.3));
  CHECK_FALSE(c.encode_value(1, 16, img, ec));  // does not fit 4 bits
  CHECK(ec == pf::errc::value_out_of_range);
  CHECK_FALSE(c.encode_value(9, 1, img, ec));
  CHECK(ec == pf::errc::unknown_point);
}

TEST_CASE("default alarm rules carry the device prefix and validate in the alarm engine") {
  auto p = base();
  auto ir = point("IR", 0);
  ir.unit = "mA";
  ir.stale_s = 60;
  firebus::alarm::alarm_rule alm;
  alm.id = "ALM";
  alm.type = firebus::alarm::rule_type::high;
  alm.setpoint = 300;
  alm.deadband = 10;
  alm.profile = firebus::alarm::profile::fire;
  ir.alarms.push_back(alm);
  p.points.push_back(ir);
  auto hidden = point("DP", 1);
  hidden.publish = false;
  p.points.push_back(hidden);
  pf::codec c(p);
  const auto rules = c.default_rules("bus1/dev3/");
  REQUIRE(rules.points.size() == 1);
  CHECK(rules.points[0].id == "bus1/dev3/IR");
  CHECK(rules.points[0].unit == "mA");
  CHECK(rules.points[0].stale_s == 60);
  REQUIRE(rules.points[0].alarms.size() == 1);
  CHECK(rules.points[0].alarms[0].setpoint == 300);
  firebus::alarm::rules_error err;
  CHECK(firebus::alarm::validate(rules, err));
}

TEST_CASE("validation names the point and the problem") {
  auto ok = base();
  ok.points.push_back(point("A", 0));
  CHECK(refusal(ok) == "valid");

  auto p = ok;
  p.points.push_back(point("A", 1));
  CHECK(refusal(p) == "points[1].id: the id \"A\" is also points[0]'s");
  p = ok;
  p.points[0].id = "temp 1";
  CHECK(refusal(p).rfind("points[0].id: not a valid point id (byte 4", 0) == 0);
  p = ok;
  p.points[0].type = pf::data_type::bits;
  p.points[0].bit = 14;
  p.points[0].width = 3;
  CHECK(refusal(p) == "points[0].bit: the field (bit 14, width 3) does not fit a 16-bit register");
  p = ok;
  p.points[0].tbl = mb::table::coils;
  CHECK(refusal(p) == "points[0].type: coils and discrete inputs hold bits: expected \"bits\"");
  p = ok;
  p.points[0].type = pf::data_type::u32;
  p.points[0].address = 0xFFFF;
  CHECK(refusal(p) == "points[0].address: a 32-bit value needs two registers: expected ≤ 65534");
  p = ok;
  p.points[0].type = pf::data_type::bits;
  p.points[0].width = 2;
  p.points[0].states = {{4, pf::state::fire}};
  CHECK(refusal(p) ==
        "points[0].states[0].value: expected an integer 0..3 (a 2-bit field), found 4");
  p = ok;
  p.points[0].states = {{1, pf::state::fire}};
  p.points[0].status_of = {"A"};
  CHECK(refusal(p) ==
        "points[0].status_of: no status (ok, fault, open_circuit, short_circuit) "
        "among the states to apply");
  p = ok;
  p.points[0].states = {{1, pf::state::fault}};
  p.points[0].status_of = {"B"};
  CHECK(refusal(p) == "points[0].status_of[0]: no point \"B\"");
  p = ok;
  p.points[0].decimals_from = "A";
  CHECK(refusal(p) == "points[0].decimals_from: a point cannot give its own decimals");
  p = ok;
  p.points[0].type = pf::data_type::f32;
  p.points[0].states = {{1, pf::state::fire}};
  CHECK(refusal(p) == "points[0].states[0]: an f32 point has no state codes");
  p = ok;
  p.points[0].writable = pf::writable_rule{0, 10, true, mb::function::write_single_register};
  CHECK(refusal(p) == "points[0].writable.password: the profile has no modbus.password register");
  p = ok;
  p.points[0].type = pf::data_type::bits;
  p.points[0].writable = pf::writable_rule{0, 1, false, mb::function::write_single_register};
  CHECK(refusal(p) ==
        "points[0].writable: a bit field inside a register cannot be written on its own");
  p = ok;
  p.points[0].scale = 0;
  CHECK(refusal(p) == "points[0].scale: expected a finite number other than 0");
  p = ok;
  firebus::alarm::alarm_rule bad;
  bad.id = "ALM";
  bad.deadband = -1;
  p.points[0].alarms.push_back(bad);
  CHECK(refusal(p).rfind("points[0].alarms[0].deadband: ", 0) == 0);
  p = ok;
  p.source.title.clear();
  CHECK(refusal(p) == "source.title: expected the manual's title: every profile cites its source");
  p = ok;
  p.id = "Upper";
  CHECK(refusal(p).rfind("id: ", 0) == 0);
  p = ok;
  p.points.clear();
  CHECK(refusal(p) == "points: expected at least one point");

  pf::codec c;
  pf::profile_error err;
  CHECK_FALSE(c.assign(p, err));
  CHECK(c.size() == 0);
  CHECK_THROWS_AS(pf::codec{p}, firebus::system_error);
}

TEST_CASE("a status is never cleared by a source that cannot be read") {
  // AIM-R100 style: a loop current with its own sentinels, and the loop's 2-bit fault flags in
  // another register (polled in another class). The flags said short circuit; then their read
  // failed (the bus forgets its registers) while the current is read fine: the current's own
  // "ok" must not clear the short circuit it cannot see (a fault held only while it lasts, and
  // not dropped on missing data).
  auto p = base();
  auto ir = point("IR", 0x4A);
  ir.invalid = {{0xE5E5, pf::state::short_circuit}, {0xFAFA, pf::state::open_circuit}};
  p.points.push_back(ir);
  auto lf = point("LF", 0x0B, pf::data_type::bits);
  lf.width = 2;
  lf.states = {{0, pf::state::ok}, {1, pf::state::short_circuit}, {2, pf::state::open_circuit}};
  lf.status_of = {"IR"};
  p.points.push_back(lf);
  pf::codec c(p);
  pf::register_image img;
  img.store(mb::table::holding_registers, 0x0B, std::vector<std::uint16_t>{1});
  img.store(mb::table::holding_registers, 0x4A, std::vector<std::uint16_t>{120});
  pf::readings r;
  c.decode(img, r);
  CHECK(status_of(r, 0) == device_status::short_circuit);
  img.forget(mb::table::holding_registers, 0x0B, 1);  // the flags' read failed
  r.clear();
  c.decode(img, std::vector<std::size_t>{0}, r);
  REQUIRE(value_of(r, 0));
  CHECK(value_of(r, 0)->value == 120);
  CHECK_FALSE(status_of(r, 0).has_value());  // unknown: the last status stands
  // What can be seen still counts: the current's own sentinel.
  img.store(mb::table::holding_registers, 0x4A, std::vector<std::uint16_t>{0xFAFA});
  r.clear();
  c.decode(img, std::vector<std::size_t>{0}, r);
  CHECK(status_of(r, 0) == device_status::open_circuit);
  // Both readable and both healthy: ok.
  img.store(mb::table::holding_registers, 0x0B, std::vector<std::uint16_t>{0});
  img.store(mb::table::holding_registers, 0x4A, std::vector<std::uint16_t>{120});
  r.clear();
  c.decode(img, std::vector<std::size_t>{0}, r);
  CHECK(status_of(r, 0) == device_status::ok);
}
