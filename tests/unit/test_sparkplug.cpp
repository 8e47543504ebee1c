// firebus — fire-safety IoT SDK.
// Sparkplug B (<firebus/telemetry/sparkplug.hpp>, <firebus/telemetry/sparkplug_node.hpp>,
// compiled library): golden encodings built by hand from the protobuf wire format and Tahu's
// field numbers, round trips of every datatype, refusals of malformed and oversized input, the
// topic namespace, and the edge node's rules (bdSeq, seq, births, aliases, rebirth, deaths,
// historical data, alarms). The independent peer (the JavaScript `sparkplug-payload`) is in
// tests/python/test_sparkplug_interop.py.
#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <ostream>  // doctest prints std::error_code with operator<<
#include <set>
#include <string>
#include <string_view>
#include <system_error>
#include <variant>
#include <vector>

#include <doctest/doctest.h>

#if defined(FIREBUS_TEST_HAS_LIBRARY)
#include <firebus/core/event.hpp>
#include <firebus/core/point.hpp>
#include <firebus/core/quality.hpp>
#include <firebus/core/sample.hpp>
#include <firebus/core/time.hpp>
#include <firebus/telemetry/error.hpp>
#include <firebus/telemetry/sparkplug.hpp>
#include <firebus/telemetry/sparkplug_node.hpp>

namespace {

namespace spb = firebus::telemetry::sparkplug;
using firebus::telemetry::errc;
using bytes = std::vector<std::uint8_t>;
using spb::data_type;

constexpr std::uint64_t t0 = 1'764'471'321'000;  // ms

spb::metric make_metric(std::string name, data_type t, spb::metric_value v) {
  spb::metric m;
  m.name = std::move(name);
  m.datatype = t;
  m.value = std::move(v);
  return m;
}

spb::payload roundtrip(const spb::payload& p) {
  std::error_code ec;
  std::string why;
  const bytes wire = spb::encode(p, ec, {}, &why);
  REQUIRE_MESSAGE(!ec, why);
  spb::payload back = spb::decode_payload(wire.data(), wire.size(), ec, {}, &why);
  REQUIRE_MESSAGE(!ec, why);
  return back;
}

std::error_code decode_error(const bytes& wire, const spb::limits& lim = {}) {
  std::error_code ec;
  std::string why;
  spb::decode_payload(wire.data(), wire.size(), ec, lim, &why);
  if (ec) MESSAGE(why);
  return ec;
}

std::error_code encode_error(const spb::payload& p, const spb::limits& lim = {}) {
  std::error_code ec;
  std::string why;
  const bytes out = spb::encode(p, ec, lim, &why);
  if (ec) {
    CHECK(out.empty());
    MESSAGE(why);
  }
  return ec;
}

// A payload of one metric given as its raw Metric bytes.
bytes payload_of_metric(const bytes& metric_bytes) {
  bytes out;
  out.push_back(0x12);
  out.push_back(static_cast<std::uint8_t>(metric_bytes.size()));
  for (const std::uint8_t b : metric_bytes) out.push_back(b);
  return out;
}

// --- golden encodings ----------------------------------------------------------------------

TEST_CASE("sparkplug: golden encoding of a birth metric (Int32 -1 as two's complement)") {
  spb::payload p;
  p.timestamp = 1;
  p.seq = 2;
  spb::metric m = make_metric("a", data_type::int32, std::int64_t{-1});
  m.alias = 1;
  m.timestamp = 3;
  p.metrics.push_back(m);
  const bytes expected = {
      0x08, 0x01,                          // timestamp = 1
      0x12, 0x0F,                          // metrics[0], 15 bytes
      0x0A, 0x01, 'a',                     //   name
      0x10, 0x01,                          //   alias = 1
      0x18, 0x03,                          //   timestamp = 3
      0x20, 0x03,                          //   datatype = Int32
      0x50, 0xFF, 0xFF, 0xFF, 0xFF, 0x0F,  //   int_value = 0xFFFFFFFF
      0x18, 0x02,                          // seq = 2
  };
  CHECK(spb::encode(p) == expected);
  CHECK(spb::decode_payload(expected.data(), expected.size()) == p);
}

TEST_CASE("sparkplug: golden encoding of a data metric (alias, timestamp, float, no datatype)") {
  spb::payload p;
  p.seq = 7;
  spb::metric m;
  m.alias = 5;
  m.timestamp = 1'700'000'000'000;
  m.datatype = data_type::float_;
  m.value = 1.5f;
  p.metrics.push_back(m);
  const bytes expected = {
      0x12, 0x0E,                                // metrics[0], 14 bytes
      0x10, 0x05,                                //   alias = 5
      0x18, 0x80, 0xD0, 0x95, 0xFF, 0xBC, 0x31,  //   timestamp = 1700000000000
      0x65, 0x00, 0x00, 0xC0, 0x3F,              //   float_value = 1.5 (fixed32)
      0x18, 0x07,                                // seq = 7
  };
  std::error_code ec;
  CHECK(spb::encode_without_datatypes(p, ec) == expected);
  CHECK(!ec);
  // Decoded without the birth, the value keeps its wire form: a float.
  spb::payload back = spb::decode_payload(expected.data(), expected.size());
  REQUIRE(back.metrics.size() == 1);
  CHECK(back.metrics[0].datatype == data_type::unknown);
  CHECK(back.metrics[0].name.empty());
  CHECK(std::get<float>(back.metrics[0].value) == 1.5f);
  // With the datatype sent, it is one field (2 bytes) longer.
  CHECK(spb::encode(p).size() == expected.size() + 2);
}

TEST_CASE("sparkplug: golden encoding of a property set") {
  spb::payload p;
  spb::metric m = make_metric("t", data_type::double_, 2.0);
  m.properties.items.push_back({"engUnit", spb::make_property(data_type::string, "mA")});
  p.metrics.push_back(m);
  const bytes expected = {
      0x12, 0x21,                                      // metrics[0], 33 bytes
      0x0A, 0x01, 't',                                 //   name
      0x20, 0x0A,                                      //   datatype = Double
      0x4A, 0x11,                                      //   properties, 17 bytes
      0x0A, 0x07, 'e', 'n', 'g', 'U', 'n', 'i', 't',   //     keys[0]
      0x12, 0x06,                                      //     values[0], 6 bytes
      0x08, 0x0C,                                      //       type = String
      0x42, 0x02, 'm', 'A',                            //       string_value
      0x69, 0,    0,   0,   0,   0,   0,   0,   0x40,  //   double_value = 2.0
  };
  CHECK(spb::encode(p) == expected);
  CHECK(spb::decode_payload(expected.data(), expected.size()) == p);
}

// --- round trips ---------------------------------------------------------------------------

TEST_CASE("sparkplug: every datatype round-trips") {
  const float fnan = std::numeric_limits<float>::quiet_NaN();
  const float finf = std::numeric_limits<float>::infinity();
  const double dnan = std::numeric_limits<double>::quiet_NaN();
  const double dinf = std::numeric_limits<double>::infinity();
  // An encoded DataSet (1 column "a" of Int32, one row: 5) and Template (version "v1",
  // a definition).
  const bytes dataset = {0x08, 0x01, 0x12, 0x01, 'a',  0x18, 0x03,
                         0x22, 0x04, 0x0A, 0x02, 0x08, 0x05};
  const bytes templ = {0x0A, 0x02, 'v', '1', 0x28, 0x01};
  struct item {
    data_type type;
    spb::metric_value value;
  };
  const std::vector<item> items = {
      {data_type::int8, std::int64_t{-128}},
      {data_type::int8, std::int64_t{127}},
      {data_type::int8, std::int64_t{-1}},
      {data_type::int16, std::int64_t{-32768}},
      {data_type::int16, std::int64_t{-2}},
      {data_type::int32, std::int64_t{std::numeric_limits<std::int32_t>::min()}},
      {data_type::int32, std::int64_t{std::numeric_limits<std::int32_t>::max()}},
      {data_type::int64, std::int64_t{std::numeric_limits<std::int64_t>::min()}},
      {data_type::int64, std::int64_t{-1}},
      {data_type::uint8, std::uint64_t{255}},
      {data_type::uint16, std::uint64_t{65535}},
      {data_type::uint32, std::uint64_t{4'294'967'295u}},
      {data_type::uint64, std::numeric_limits<std::uint64_t>::max()},
      {data_type::float_, 1.5f},
      {data_type::float_, fnan},
      {data_type::float_, finf},
      {data_type::float_, -finf},
      {data_type::float_, -0.0f},
      {data_type::double_, 21.7},
      {data_type::double_, dnan},
      {data_type::double_, dinf},
      {data_type::double_, -dinf},
      {data_type::double_, 1e300},
      {data_type::double_, 5e-324},
      {data_type::boolean, true},
      {data_type::boolean, false},
      {data_type::string, std::string("火灾报警 fire alarm ✓")},
      {data_type::string, std::string()},
      {data_type::datetime, std::uint64_t{t0}},
      {data_type::text, std::string("一楼 东区\n第二行")},
      {data_type::uuid, std::string("123e4567-e89b-12d3-a456-426614174000")},
      {data_type::bytes, bytes{0x00, 0x01, 0xFF, 0x80}},
      {data_type::bytes, bytes{}},
      {data_type::file, bytes{'%', 'P', 'D', 'F'}},
      {data_type::dataset, dataset},
      {data_type::template_, templ},
      {data_type::int8_array, bytes{0xFF, 0x01}},
      {data_type::int16_array, bytes{0xFF, 0xFF, 0x01, 0x00}},
      {data_type::int32_array, bytes{1, 0, 0, 0}},
      {data_type::int64_array, bytes(8, 0xFF)},
      {data_type::uint8_array, bytes{1, 2, 3}},
      {data_type::uint16_array, bytes{1, 0}},
      {data_type::uint32_array, bytes{1, 0, 0, 0}},
      {data_type::uint64_array, bytes(8, 1)},
      {data_type::float_array, bytes{0, 0, 0xC0, 0x3F}},
      {data_type::double_array, bytes(8, 0)},
      {data_type::boolean_array, bytes{2, 0, 0, 0, 0x80}},
      {data_type::string_array, bytes{'a', 0, 'b', 0}},
      {data_type::datetime_array, bytes(8, 0)},
  };
  spb::payload p;
  p.timestamp = t0;
  p.seq = 255;
  p.uuid = "firebus";
  p.body = bytes{1, 2, 3};
  for (std::size_t i = 0; i < items.size(); ++i) {
    spb::metric m = make_metric("m" + std::to_string(i), items[i].type, items[i].value);
    m.alias = i;
    m.timestamp = t0 + i;
    m.is_historical = i % 3 == 0;
    m.is_transient = i % 5 == 0;
    p.metrics.push_back(m);
  }
  // Null: no value, is_null.
  spb::metric null_metric = make_metric("null", data_type::int32, {});
  null_metric.is_null = true;
  p.metrics.push_back(null_metric);
  const spb::payload back = roundtrip(p);
  CHECK(back == p);
  for (std::size_t i = 0; i < items.size(); ++i) {
    CAPTURE(i);
    CHECK(back.metrics[i].value.index() == spb::value_kind(items[i].type));
  }
  CHECK(back.metrics.back().is_null);
  CHECK(std::holds_alternative<std::monostate>(back.metrics.back().value));
  // The sign bit of -0.0f survives.
  CHECK(std::signbit(std::get<float>(back.metrics[17].value)));
}

TEST_CASE("sparkplug: signed integers travel as two's complement in the unsigned fields") {
  // Int8 -1 and Int16 -2: int_value sign-extended to 32 bits (as Tahu and the JS library).
  spb::payload p;
  p.metrics.push_back(make_metric("", data_type::int8, std::int64_t{-1}));
  CHECK(spb::encode(p) == bytes{0x12, 0x08, 0x20, 0x01, 0x50, 0xFF, 0xFF, 0xFF, 0xFF, 0x0F});
  // Int64 -1: long_value 2^64 - 1 (ten bytes).
  p.metrics[0] = make_metric("", data_type::int64, std::int64_t{-1});
  CHECK(spb::encode(p) == bytes{0x12, 0x0D, 0x20, 0x04, 0x58, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF,
                                0xFF, 0xFF, 0xFF, 0x01});
  // The decoder also accepts an Int8 in its own width (0xFF), or sign-extended to 64 bits.
  const auto int8_of = [](const bytes& metric) {
    std::error_code ec;
    const bytes wire = payload_of_metric(metric);
    spb::payload d = spb::decode_payload(wire.data(), wire.size(), ec);
    REQUIRE(!ec);
    return std::get<std::int64_t>(d.metrics.at(0).value);
  };
  CHECK(int8_of({0x20, 0x01, 0x50, 0xFF, 0x01}) == -1);
  CHECK(int8_of({0x20, 0x01, 0x50, 0x80, 0x01}) == -128);
  CHECK(int8_of({0x20, 0x01, 0x50, 0x7F}) == 127);
  CHECK(int8_of({0x20, 0x01, 0x58, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x01}) ==
        -1);
  // Out of range: 256 as an Int8, 0xFFFFFF7F (-129) as an Int8.
  CHECK(decode_error(payload_of_metric({0x20, 0x01, 0x50, 0x80, 0x02})) == errc::value_mismatch);
  CHECK(decode_error(payload_of_metric({0x20, 0x01, 0x50, 0xFF, 0xFE, 0xFF, 0xFF, 0x0F})) ==
        errc::value_mismatch);
  // UInt32 in long_value (Tahu's Java and the JS library write it there) is accepted.
  std::error_code ec;
  const bytes uint32_long = payload_of_metric({0x20, 0x07, 0x58, 0xFF, 0xFF, 0xFF, 0xFF, 0x0F});
  spb::payload d = spb::decode_payload(uint32_long.data(), uint32_long.size(), ec);
  REQUIRE(!ec);
  CHECK(std::get<std::uint64_t>(d.metrics[0].value) == 4'294'967'295u);
  // UInt32 is written in int_value, as the specification says.
  p.metrics[0] = make_metric("", data_type::uint32, std::uint64_t{1});
  CHECK(spb::encode(p) == bytes{0x12, 0x04, 0x20, 0x07, 0x50, 0x01});
}

TEST_CASE("sparkplug: the encoder takes integers of either signedness and doubles for Float") {
  spb::payload p;
  p.metrics.push_back(make_metric("a", data_type::uint16, std::int64_t{65535}));
  p.metrics.push_back(make_metric("b", data_type::int64, std::uint64_t{5}));
  p.metrics.push_back(make_metric("c", data_type::float_, 0.25));
  p.metrics.push_back(make_metric("d", data_type::double_, 0.5f));
  const spb::payload back = roundtrip(p);
  CHECK(std::get<std::uint64_t>(back.metrics[0].value) == 65535);
  CHECK(std::get<std::int64_t>(back.metrics[1].value) == 5);
  CHECK(std::get<float>(back.metrics[2].value) == 0.25f);
  CHECK(std::get<double>(back.metrics[3].value) == 0.5);
}

TEST_CASE("sparkplug: nested property sets and lists round-trip") {
  spb::property_set inner;
  inner.items.push_back({"x", spb::make_property(data_type::int16, std::int64_t{-7})});
  inner.items.push_back({"中文", spb::make_property(data_type::string, "值")});
  spb::property_value set = spb::make_property(data_type::property_set, {});
  set.sets.push_back(inner);
  spb::property_value list = spb::make_property(data_type::property_set_list, {});
  list.sets = {inner, spb::property_set{}, inner};
  spb::property_value null_value = spb::make_property(data_type::double_, {});
  null_value.is_null = true;
  spb::metric m = make_metric("m", data_type::boolean, true);
  m.properties.items = {{"set", set},
                        {"list", list},
                        {"null", null_value},
                        {"f", spb::make_property(data_type::float_, 2.5f)},
                        {"u64", spb::make_property(data_type::uint64, ~std::uint64_t{0})},
                        {"when", spb::make_property(data_type::datetime, std::uint64_t{t0})}};
  spb::payload p;
  p.metrics.push_back(m);
  const spb::payload back = roundtrip(p);
  CHECK(back == p);
  REQUIRE(back.metrics[0].properties.find("set") != nullptr);
  CHECK(back.metrics[0].properties.find("set")->sets.at(0).find("x")->value ==
        spb::metric_value(std::int64_t{-7}));
  CHECK(back.metrics[0].properties.find("absent") == nullptr);
}

TEST_CASE("sparkplug: values without a datatype resolve to the birth's datatype") {
  std::error_code ec;
  CHECK(spb::resolve_datatype(std::uint64_t{0xFFFFFFFF}, data_type::int8, ec) ==
        spb::metric_value(std::int64_t{-1}));
  CHECK(spb::resolve_datatype(std::uint64_t{0xFFFFFFFF}, data_type::int32, ec) ==
        spb::metric_value(std::int64_t{-1}));
  CHECK(spb::resolve_datatype(std::uint64_t{0xFFFFFFFF}, data_type::uint32, ec) ==
        spb::metric_value(std::uint64_t{0xFFFFFFFF}));
  CHECK(spb::resolve_datatype(std::uint64_t{0xFFFFFFFF}, data_type::int64, ec) ==
        spb::metric_value(std::int64_t{0xFFFFFFFF}));
  CHECK(spb::resolve_datatype(~std::uint64_t{0}, data_type::int64, ec) ==
        spb::metric_value(std::int64_t{-1}));
  spb::resolve_datatype(std::uint64_t{0xFFFFFFFF}, data_type::uint8, ec);
  CHECK(ec == errc::value_mismatch);
  spb::resolve_datatype(1.5f, data_type::double_, ec);  // a float is not a Double's field
  CHECK(ec == errc::value_mismatch);
  spb::resolve_datatype(std::string("x"), data_type::int8, ec);
  CHECK(ec == errc::value_mismatch);
  CHECK(std::holds_alternative<std::monostate>(
      spb::resolve_datatype(spb::metric_value{}, data_type::int8, ec)));
  CHECK(!ec);
  spb::metric m;
  m.value = std::uint64_t{0xFFFE};
  CHECK(spb::resolve_datatype(m, data_type::int16, ec));
  CHECK(m.datatype == data_type::int16);
  CHECK(m.value == spb::metric_value(std::int64_t{-2}));
}

TEST_CASE("sparkplug: convert_value() converts as the encoder does") {
  std::error_code ec;
  CHECK(spb::convert_value(1.5, data_type::float_, ec) == spb::metric_value(1.5f));
  CHECK(spb::convert_value(std::int64_t{7}, data_type::uint32, ec) ==
        spb::metric_value(std::uint64_t{7}));
  CHECK(spb::convert_value(std::uint64_t{7}, data_type::int8, ec) ==
        spb::metric_value(std::int64_t{7}));
  CHECK(!ec);
  std::string why;
  CHECK(std::holds_alternative<std::monostate>(
      spb::convert_value(std::int64_t{200}, data_type::int8, ec, &why)));
  CHECK(ec == errc::value_mismatch);
  CHECK(why == "Int8 value 200 out of range");
  // resolve_datatype() takes integers as wire values: 200 is the Int8 -56.
  CHECK(spb::resolve_datatype(std::int64_t{200}, data_type::int8, ec) ==
        spb::metric_value(std::int64_t{-56}));
}

TEST_CASE("sparkplug: datatype names are the specification's") {
  CHECK(spb::to_string(data_type::float_) == "Float");
  CHECK(spb::to_string(data_type::datetime_array) == "DateTimeArray");
  CHECK(spb::to_string(static_cast<data_type>(35)).empty());
  for (std::uint32_t c = 1; c <= 34; ++c) {
    const auto t = static_cast<data_type>(c);
    std::error_code ec;
    CHECK(spb::data_type_from_string(spb::to_string(t), ec) == t);
    CHECK(spb::is_known(t));
    CHECK(spb::is_array(t) == (c >= 22));
  }
  std::error_code ec;
  spb::data_type_from_string("float", ec);
  CHECK(ec == firebus::errc::unknown_name);
}

// --- refusals ------------------------------------------------------------------------------

TEST_CASE("sparkplug: the encoder refuses what the decoder would") {
  spb::payload p;
  p.metrics.push_back(make_metric("a", data_type::int8, std::int64_t{300}));
  CHECK(encode_error(p) == errc::value_mismatch);
  p.metrics[0] = make_metric("a", data_type::uint8, std::int64_t{-1});
  CHECK(encode_error(p) == errc::value_mismatch);
  p.metrics[0] = make_metric("a", data_type::int32, std::string("x"));
  CHECK(encode_error(p) == errc::value_mismatch);
  p.metrics[0] = make_metric("a", data_type::float_, 1e300);
  CHECK(encode_error(p) == errc::value_mismatch);
  p.metrics[0] = make_metric("a", static_cast<data_type>(99), std::int64_t{1});
  CHECK(encode_error(p) == errc::unknown_datatype);
  p.metrics[0] = make_metric("a", data_type::property_set, {});
  CHECK(encode_error(p) == errc::unknown_datatype);
  p.metrics[0] = make_metric("\xFF", data_type::int8, std::int64_t{1});
  CHECK(encode_error(p) == errc::invalid_text);
  p.metrics[0] = make_metric("a", data_type::string, std::string("\xC0\x80"));
  CHECK(encode_error(p) == errc::invalid_text);
  p.metrics[0] = make_metric("a", data_type::int8, std::int64_t{1});
  p.metrics[0].is_null = true;
  CHECK(encode_error(p) == errc::value_mismatch);
  p.metrics[0] = make_metric("a", data_type::dataset, bytes{0xFF});
  CHECK(encode_error(p) == errc::malformed);
  p.metrics[0] = make_metric("a", data_type::int8, std::int64_t{1});
  p.metrics[0].properties.items.push_back({"b", spb::make_property(data_type::bytes, bytes{1})});
  CHECK(encode_error(p) == errc::unknown_datatype);
  p.metrics[0].properties.items[0] = {"b", spb::make_property(data_type::unknown, true)};
  CHECK(encode_error(p) == errc::unknown_datatype);
  p.metrics[0].properties.items.clear();
  p.seq = 256;
  CHECK(encode_error(p) == errc::value_mismatch);
  p.seq = 0;
  p.metrics.assign(11, make_metric("a", data_type::boolean, true));
  spb::limits lim;
  lim.max_metrics = 10;
  CHECK(encode_error(p, lim) == errc::too_many_items);
  lim = {};
  lim.max_payload_bytes = 20;
  CHECK(encode_error(p, lim) == errc::message_too_large);
}

TEST_CASE("sparkplug: malformed input is refused with a reason, never a crash") {
  CHECK(decode_error({}) == std::error_code());    // the empty payload is a valid message
  CHECK(decode_error({0x08}) == errc::malformed);  // truncated varint
  CHECK(decode_error({0x12, 0x05, 0x0A}) == errc::malformed);       // length beyond the end
  CHECK(decode_error({0x0B}) == errc::malformed);                   // start group
  CHECK(decode_error({0x0E, 0x00}) == errc::malformed);             // wire type 6
  CHECK(decode_error({0x00, 0x00}) == errc::malformed);             // field 0
  CHECK(decode_error({0x0A, 0x00}) == errc::malformed);             // timestamp as bytes
  CHECK(decode_error({0x18, 0x80, 0x02}) == errc::value_mismatch);  // seq 256
  CHECK(decode_error({0x22, 0x01, 0xFF}) == errc::invalid_text);    // uuid not UTF-8
  // Varints longer than ten bytes.
  CHECK(decode_error({0x08, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x01}) ==
        errc::malformed);
  // Metrics: alias as bytes, a name not UTF-8, datatype 99, PropertySet as a metric's datatype,
  // a Float in int_value, a value and is_null, an extension value, keys and values unpaired.
  CHECK(decode_error(payload_of_metric({0x12, 0x00})) == errc::malformed);
  CHECK(decode_error(payload_of_metric({0x0A, 0x02, 0xC3, 0x28})) == errc::invalid_text);
  CHECK(decode_error(payload_of_metric({0x20, 0x63})) == errc::unknown_datatype);
  CHECK(decode_error(payload_of_metric({0x20, 0x14})) == errc::unknown_datatype);
  CHECK(decode_error(payload_of_metric({0x20, 0x09, 0x50, 0x01})) == errc::value_mismatch);
  CHECK(decode_error(payload_of_metric({0x20, 0x09, 0x38, 0x01, 0x65, 0, 0, 0, 0})) ==
        errc::value_mismatch);
  CHECK(decode_error(payload_of_metric({0x9A, 0x01, 0x00})) == errc::value_mismatch);
  CHECK(decode_error(payload_of_metric({0x4A, 0x03, 0x0A, 0x01, 'k'})) == errc::malformed);
  // A property without a type.
  CHECK(decode_error(payload_of_metric({0x4A, 0x05, 0x0A, 0x01, 'k', 0x12, 0x00})) ==
        errc::unknown_datatype);
  // A Float metric whose float_value is cut short.
  CHECK(decode_error(payload_of_metric({0x20, 0x09, 0x65, 0x00})) == errc::malformed);
  // Unknown fields (extensions) are skipped.
  CHECK(decode_error({0x38, 0x01, 0x42, 0x01, 0x00}) == std::error_code());
}

TEST_CASE("sparkplug: limits bound the decoder") {
  spb::payload p;
  for (int i = 0; i < 20; ++i) p.metrics.push_back(make_metric("m", data_type::boolean, true));
  const bytes wire = spb::encode(p);
  spb::limits lim;
  lim.max_metrics = 19;
  CHECK(decode_error(wire, lim) == errc::too_many_items);
  lim = {};
  lim.max_payload_bytes = wire.size() - 1;
  CHECK(decode_error(wire, lim) == errc::message_too_large);
  // Property sets nested deeper than max_depth.
  spb::property_set set;
  set.items.push_back({"leaf", spb::make_property(data_type::int8, std::int64_t{1})});
  for (int depth = 1; depth < 10; ++depth) {
    spb::property_value v = spb::make_property(data_type::property_set, {});
    v.sets.push_back(set);
    spb::property_set outer;
    outer.items.push_back({"d", v});
    set = outer;
  }
  spb::payload deep;
  deep.metrics.push_back(make_metric("m", data_type::int8, std::int64_t{0}));
  deep.metrics[0].properties = set;  // 10 sets deep
  CHECK(encode_error(deep) == errc::nesting_too_deep);
  lim = {};
  lim.max_depth = 10;
  std::error_code ec;
  const bytes deep_wire = spb::encode(deep, ec, lim);
  REQUIRE(!ec);
  CHECK(decode_error(deep_wire) == errc::nesting_too_deep);
  CHECK(decode_error(deep_wire, lim) == std::error_code());
  // Many property values.
  spb::payload props;
  props.metrics.push_back(make_metric("m", data_type::int8, std::int64_t{0}));
  for (int i = 0; i < 50; ++i) {
    props.metrics[0].properties.items.push_back(
        {"k", spb::make_property(data_type::boolean, true)});
  }
  const bytes props_wire = spb::encode(props);
  lim = {};
  lim.max_properties = 49;
  CHECK(decode_error(props_wire, lim) == errc::too_many_items);
}

TEST_CASE("sparkplug: arbitrary bytes decode to a payload or an error") {
  // Mutations of a valid payload and random bytes (a fixed LCG: the same inputs every run).
  spb::payload p;
  p.timestamp = t0;
  p.seq = 1;
  spb::metric m = make_metric("Alarms/b1/rcm1/ir/HI", data_type::string, std::string("unack"));
  m.alias = 300;
  m.timestamp = t0;
  m.properties.items.push_back({"class", spb::make_property(data_type::string, "fire")});
  m.properties.items.push_back({"value", spb::make_property(data_type::double_, 305.0)});
  p.metrics.push_back(m);
  p.metrics.push_back(make_metric("x", data_type::float_, 1.0f));
  const bytes valid = spb::encode(p);
  std::uint64_t state = 42;
  const auto next = [&state] {
    state = state * 6364136223846793005u + 1442695040888963407u;
    return static_cast<std::uint32_t>(state >> 33);
  };
  std::size_t decoded = 0;
  for (int i = 0; i < 20000; ++i) {
    bytes input = valid;
    if (i % 2 == 0) {
      const std::uint32_t flips = 1 + next() % 4;
      for (std::uint32_t k = 0; k < flips; ++k) {
        input[next() % input.size()] = static_cast<std::uint8_t>(next());
      }
      if (next() % 4 == 0) input.resize(next() % input.size());
    } else {
      input.resize(next() % 64);
      for (auto& b : input) b = static_cast<std::uint8_t>(next());
    }
    std::error_code ec;
    const spb::payload d = spb::decode_payload(input.data(), input.size(), ec);
    if (!ec) {
      ++decoded;
      // What decodes encodes again, to what decodes to the same payload.
      std::error_code ec2;
      const bytes again = spb::encode(d, ec2);
      REQUIRE_MESSAGE(!ec2, ec2.message());
      CHECK(spb::decode_payload(again.data(), again.size()) == d);
    }
  }
  MESSAGE(decoded << " of 20000 inputs decoded");
  CHECK(decoded > 0);
}

TEST_CASE("sparkplug: the throwing overloads say what and where") {
  const bytes bad = payload_of_metric({0x20, 0x63});
  try {
    spb::decode_payload(bad.data(), bad.size());
    FAIL("no exception");
  } catch (const firebus::system_error& e) {
    CHECK(e.code() == errc::unknown_datatype);
    CHECK(std::string(e.what()).find("metrics[0]") != std::string::npos);
  }
  spb::payload p;
  p.metrics.push_back(make_metric("Temp", data_type::int8, std::int64_t{300}));
  try {
    spb::encode(p);
    FAIL("no exception");
  } catch (const firebus::system_error& e) {
    CHECK(e.code() == errc::value_mismatch);
    CHECK(std::string(e.what()).find("\"Temp\"") != std::string::npos);
    CHECK(std::string(e.what()).find("300") != std::string::npos);
  }
}

// --- topics --------------------------------------------------------------------------------

TEST_CASE("sparkplug: topics format and parse") {
  using mt = spb::message_type;
  struct item {
    spb::topic t;
    std::string_view text;
  };
  const item items[] = {
      {{"fire", mt::nbirth, "gw1", "", ""}, "spBv1.0/fire/NBIRTH/gw1"},
      {{"fire", mt::ndeath, "gw1", "", ""}, "spBv1.0/fire/NDEATH/gw1"},
      {{"fire", mt::ndata, "gw1", "", ""}, "spBv1.0/fire/NDATA/gw1"},
      {{"fire", mt::ncmd, "gw1", "", ""}, "spBv1.0/fire/NCMD/gw1"},
      {{"fire", mt::dbirth, "gw1", "panel1", ""}, "spBv1.0/fire/DBIRTH/gw1/panel1"},
      {{"fire", mt::ddeath, "gw1", "panel1", ""}, "spBv1.0/fire/DDEATH/gw1/panel1"},
      {{"fire", mt::ddata, "gw1", "panel1", ""}, "spBv1.0/fire/DDATA/gw1/panel1"},
      {{"fire", mt::dcmd, "gw1", "panel1", ""}, "spBv1.0/fire/DCMD/gw1/panel1"},
      {{"", mt::state, "", "", "scada-1"}, "spBv1.0/STATE/scada-1"},
      {{"消防", mt::ddata, "网关1", "主机", ""}, "spBv1.0/消防/DDATA/网关1/主机"},
  };
  for (const item& it : items) {
    CAPTURE(it.text);
    CHECK(spb::to_string(it.t) == it.text);
    CHECK(spb::parse_topic(it.text) == it.t);
  }
  const std::string_view bad[] = {
      "",
      "spBv1.0",
      "spAv1.0/fire/NDATA/gw1",
      "spBv1.0/fire/NDATA",
      "spBv1.0/fire/NDATA/gw1/dev",  // a device for a node message
      "spBv1.0/fire/DDATA/gw1",      // no device
      "spBv1.0/fire/DDATA/gw1/dev/extra",
      "spBv1.0/fire/NFOO/gw1",
      "spBv1.0/fire/ndata/gw1",
      "spBv1.0//NDATA/gw1",
      "spBv1.0/fire/NDATA/",
      "spBv1.0/+/NDATA/gw1",
      "spBv1.0/fire/NDATA/#",
      "spBv1.0/STATE",
      "spBv1.0/STATE/host/x",
      "spBv1.0/fire/STATE/gw1",
      "spBv1.0/fire/NDATA/gw1\xFF",
      "/spBv1.0/fire/NDATA/gw1",
      "spBv1.0/a/b/c/d/e/f/g",
  };
  for (std::string_view text : bad) {
    CAPTURE(text);
    std::error_code ec;
    CHECK(spb::parse_topic(text, ec) == spb::topic{});
    CHECK(ec == errc::invalid_topic);
  }
  std::error_code ec;
  CHECK(spb::to_string(spb::topic{"a/b", mt::ndata, "gw1", "", ""}, ec).empty());
  CHECK(ec == errc::invalid_topic);
  CHECK(spb::to_string(spb::topic{"fire", mt::ddata, "gw1", "", ""}, ec).empty());
  CHECK(ec == errc::invalid_topic);
  CHECK_THROWS_AS(spb::to_string(spb::topic{"fire", mt::ndata, "g+", "", ""}),
                  firebus::system_error);
  CHECK(spb::is_valid_id("火灾"));
  CHECK(!spb::is_valid_id(""));
  CHECK(!spb::is_valid_id(std::string_view("a\0b", 3)));
}

// --- the edge node -------------------------------------------------------------------------

spb::node_config config() {
  spb::node_config c;
  c.group_id = "fire";
  c.edge_node_id = "gw-0001";
  spb::metric_decl uptime{"Node Info/Uptime", data_type::uint64, std::uint64_t{0}};
  c.metrics.push_back(uptime);
  spb::device_decl panel;
  panel.id = "panel1";
  spb::metric_decl ir{"loop1/ir", data_type::float_, 0.0f};
  ir.point = firebus::point_id("b1/rcm1/ir");
  ir.unit = "mA";
  ir.low = 0;
  ir.high = 1000;
  ir.description = "剩余电流";
  panel.metrics.push_back(ir);
  spb::metric_decl level{"loop1/level", data_type::int16, std::int64_t{-3}};
  level.point = firebus::point_id("b1/rcm1/level");
  panel.metrics.push_back(level);
  spb::metric_decl door{"door", data_type::boolean, false};
  door.point = firebus::point_id("b1/door");
  panel.metrics.push_back(door);
  panel.alarms.push_back({"b1/rcm1/ir", "HI", firebus::alarm_class::pre_alarm});
  c.devices.push_back(panel);
  spb::device_decl sensor;
  sensor.id = "sensor2";
  spb::metric_decl temp{"temp", data_type::double_, 20.5};
  temp.point = firebus::point_id("b1/t2");
  sensor.metrics.push_back(temp);
  c.devices.push_back(sensor);
  return c;
}

spb::payload decoded(const spb::message& m) {
  return spb::decode_payload(m.payload.data(), m.payload.size());
}

const spb::metric* find(const spb::payload& p, std::string_view name) {
  for (const spb::metric& m : p.metrics) {
    if (m.name == name) return &m;
  }
  return nullptr;
}

firebus::utc_time at_ms(std::uint64_t ms) {
  return firebus::utc_time(firebus::duration(static_cast<std::int64_t>(ms) * 1000));
}

TEST_CASE("sparkplug node: the Will carries only bdSeq, which advances per CONNECT and wraps") {
  spb::edge_node node(config());
  for (int i = 0; i < 300; ++i) {
    const spb::message w = node.will();
    CHECK(w.topic == "spBv1.0/fire/NDEATH/gw-0001");
    CHECK(w.qos == 1);
    CHECK(!w.retain);
    const spb::payload p = decoded(w);
    CHECK(!p.seq.has_value());
    REQUIRE(p.metrics.size() == 1);
    CHECK(p.metrics[0].name == "bdSeq");
    CHECK(p.metrics[0].datatype == data_type::int64);
    CHECK(p.metrics[0].value == spb::metric_value(std::int64_t{i % 256}));
    CHECK(!p.metrics[0].alias.has_value());
    CHECK(node.bd_seq() == i % 256);
  }
}

TEST_CASE("sparkplug node: births carry bdSeq, the rebirth command and every metric") {
  spb::edge_node node(config());
  const spb::message will = node.will();
  const std::vector<spb::message> births = node.on_connected(t0);
  REQUIRE(births.size() == 3);
  CHECK(births[0].topic == "spBv1.0/fire/NBIRTH/gw-0001");
  CHECK(births[1].topic == "spBv1.0/fire/DBIRTH/gw-0001/panel1");
  CHECK(births[2].topic == "spBv1.0/fire/DBIRTH/gw-0001/sensor2");
  std::set<std::uint64_t> aliases;
  for (std::size_t i = 0; i < births.size(); ++i) {
    CHECK(births[i].qos == 0);
    CHECK(!births[i].retain);
    const spb::payload p = decoded(births[i]);
    CHECK(p.seq == i);
    CHECK(p.timestamp == t0);
    for (const spb::metric& m : p.metrics) {
      CAPTURE(m.name);
      CHECK(!m.name.empty());
      CHECK(m.datatype != data_type::unknown);
      CHECK(m.timestamp.has_value());
      if (m.name == "bdSeq") continue;
      REQUIRE(m.alias.has_value());
      CHECK(aliases.insert(*m.alias).second);  // unique across the node and its devices
    }
  }
  const spb::payload nbirth = decoded(births[0]);
  const spb::metric* bd = find(nbirth, "bdSeq");
  REQUIRE(bd != nullptr);
  CHECK(bd->datatype == data_type::int64);
  CHECK(bd->value == decoded(will).metrics[0].value);
  const spb::metric* rebirth = find(nbirth, "Node Control/Rebirth");
  REQUIRE(rebirth != nullptr);
  CHECK(rebirth->datatype == data_type::boolean);
  CHECK(rebirth->value == spb::metric_value(false));
  CHECK(find(nbirth, "Node Info/Uptime") != nullptr);
  const spb::payload panel = decoded(births[1]);
  const spb::metric* ir = find(panel, "loop1/ir");
  REQUIRE(ir != nullptr);
  CHECK(ir->datatype == data_type::float_);
  CHECK(ir->value == spb::metric_value(0.0f));
  CHECK(ir->properties.find("engUnit")->value == spb::metric_value(std::string("mA")));
  CHECK(ir->properties.find("engHigh")->value == spb::metric_value(1000.0));
  CHECK(ir->properties.find("Documentation")->value == spb::metric_value(std::string("剩余电流")));
  CHECK(find(panel, "loop1/level")->value == spb::metric_value(std::int64_t{-3}));
  const spb::metric* alarm = find(panel, "Alarms/b1/rcm1/ir/HI");
  REQUIRE(alarm != nullptr);
  CHECK(alarm->value == spb::metric_value(std::string("normal")));
  CHECK(alarm->properties.find("class")->value == spb::metric_value(std::string("pre_alarm")));
  CHECK(alarm->properties.find("value")->is_null);
  CHECK(node.subscriptions() ==
        std::vector<std::string>{"spBv1.0/fire/NCMD/gw-0001", "spBv1.0/fire/DCMD/gw-0001/+"});
}

TEST_CASE("sparkplug node: bdSeq increments on every connect, a rebirth keeps it") {
  spb::edge_node node(config());
  const auto nbirth_bd_seq = [](const std::vector<spb::message>& births) {
    return std::get<std::int64_t>(find(decoded(births.at(0)), "bdSeq")->value);
  };
  node.will();
  CHECK(nbirth_bd_seq(node.on_connected(t0)) == 0);
  node.on_disconnected();
  node.will();  // a failed CONNECT also took a bdSeq
  node.will();
  CHECK(nbirth_bd_seq(node.on_connected(t0 + 1)) == 2);
  // Rebirth: same bdSeq, seq from 0 again.
  std::error_code ec;
  node.data("panel1", {{"loop1/ir", 1.0f, {}}}, t0 + 2, false, ec);
  CHECK(node.next_seq() == 4);
  spb::payload cmd;
  cmd.metrics.push_back(make_metric("Node Control/Rebirth", data_type::boolean, true));
  const spb::incoming in = node.on_message("spBv1.0/fire/NCMD/gw-0001", spb::encode(cmd), t0 + 3);
  CHECK(in.rebirth);
  CHECK(in.problems.empty());
  REQUIRE(in.publish.size() == 3);
  CHECK(nbirth_bd_seq(in.publish) == 2);
  CHECK(decoded(in.publish[0]).seq == 0);
  CHECK(decoded(in.publish[2]).seq == 2);
  CHECK(node.bd_seq() == 2);
  CHECK(node.next_seq() == 3);
  // The births carry the current values.
  CHECK(find(decoded(in.publish[1]), "loop1/ir")->value == spb::metric_value(1.0f));
  // on_connected() without a will() makes one.
  node.on_disconnected();
  CHECK(nbirth_bd_seq(node.on_connected(t0 + 4)) == 3);
}

TEST_CASE("sparkplug node: births take the bdSeq of the Will their connection registered") {
  // The MQTT client asks for a Will on its own thread before each CONNECT, and reports the
  // connection on the io thread: a connection lost and made again at once can have its "up"
  // handled after the next Will was made. The births must carry the bdSeq of the Will the broker
  // holds for the connection they go out on, or a host ignores the NDEATH that ends it.
  spb::edge_node node(config());
  const auto nbirth_bd_seq = [](const std::vector<spb::message>& births) {
    return std::get<std::int64_t>(find(decoded(births.at(0)), "bdSeq")->value);
  };
  const auto bd_of = [](const spb::message& m) {
    return std::get<std::int64_t>(decoded(m).metrics.at(0).value);
  };
  const spb::message w0 = node.will();  // CONNECT #1
  const spb::message w1 = node.will();  // #1 lost at once; CONNECT #2 before "up #1" is handled
  // "up #1" (its Will: w0); the births go out on connection #2, whatever they say, and are
  // superseded by #2's own below.
  CHECK(nbirth_bd_seq(node.on_connected(t0, firebus::byte_view(w0.payload))) == 0);
  CHECK(bd_of(node.death()) == 0);
  node.on_disconnected();  // "down #1"
  const std::vector<spb::message> b2 = node.on_connected(t0 + 1, firebus::byte_view(w1.payload));
  CHECK(nbirth_bd_seq(b2) == 1);    // on_connected(now) would have made a Will: bdSeq 2
  CHECK(bd_of(node.death()) == 1);  // the intentional NDEATH matches the broker's Will
  CHECK(node.bd_seq() == 1);
  // The next CONNECT's Will continues the count.
  node.on_disconnected();
  CHECK(bd_of(node.will()) == 2);
  // A Will made while connected is the next CONNECT's; death() stays the session's.
  CHECK(nbirth_bd_seq(node.on_connected(t0 + 2)) == 2);
  CHECK(bd_of(node.will()) == 3);
  CHECK(bd_of(node.death()) == 2);
  // A payload without a bdSeq (or not Sparkplug at all): as on_connected(now).
  node.on_disconnected();
  const std::vector<std::uint8_t> junk{0xFF, 0x00, 0x13};
  CHECK(nbirth_bd_seq(node.on_connected(t0 + 3, firebus::byte_view(junk))) == 3);
}

TEST_CASE("sparkplug node: data carries aliases, timestamps and seq, which wraps 255 to 0") {
  spb::edge_node node(config());
  node.will();
  node.on_connected(t0);
  const std::uint64_t ir_alias = *node.alias_of("panel1", "loop1/ir");
  const std::uint64_t level_alias = *node.alias_of("panel1", "loop1/level");
  std::error_code ec;
  std::uint8_t expected = 3;  // NBIRTH 0, DBIRTH 1 and 2
  for (int i = 0; i < 300; ++i) {
    const auto out = node.data("panel1",
                               {{"loop1/ir", 0.5f * static_cast<float>(i), {}},
                                {"loop1/level", std::int64_t{-i % 100}, t0 - 5}},
                               t0 + static_cast<std::uint64_t>(i), false, ec);
    REQUIRE(!ec);
    REQUIRE(out.size() == 1);
    CHECK(out[0].topic == "spBv1.0/fire/DDATA/gw-0001/panel1");
    CHECK(out[0].qos == 0);
    const spb::payload p = decoded(out[0]);
    CHECK(p.seq == expected);
    expected = static_cast<std::uint8_t>(expected + 1);
    REQUIRE(p.metrics.size() == 2);
    for (const spb::metric& m : p.metrics) {
      CHECK(m.name.empty());
      CHECK(m.datatype == data_type::unknown);  // not repeated after the birth
      CHECK(!m.is_historical);
    }
    CHECK(p.metrics[0].alias == ir_alias);
    CHECK(p.metrics[0].timestamp == t0 + static_cast<std::uint64_t>(i));
    CHECK(p.metrics[1].alias == level_alias);
    CHECK(p.metrics[1].timestamp == t0 - 5);
    CHECK(spb::resolve_datatype(p.metrics[1].value, data_type::int16, ec) ==
          spb::metric_value(std::int64_t{-i % 100}));
  }
  CHECK(expected == static_cast<std::uint8_t>(303 % 256));
  // Node data: NDATA.
  const auto out = node.data("", {{"Node Info/Uptime", std::uint64_t{42}, {}}}, t0, false, ec);
  REQUIRE(out.size() == 1);
  CHECK(out[0].topic == "spBv1.0/fire/NDATA/gw-0001");
  // Refusals: unknown device, unknown metric, the node's own metrics, a value out of range.
  node.data("panel9", {{"x", 1.0, {}}}, t0, false, ec);
  CHECK(ec == errc::unknown_device);
  node.data("panel1", {{"nope", 1.0, {}}}, t0, false, ec);
  CHECK(ec == errc::unknown_point);
  node.data("", {{"bdSeq", std::int64_t{1}, {}}}, t0, false, ec);
  CHECK(ec == errc::unknown_point);
  const std::uint8_t before = node.next_seq();
  node.data("panel1", {{"loop1/ir", 1.0f, {}}, {"loop1/level", std::int64_t{40000}, {}}}, t0, false,
            ec);
  CHECK(ec == errc::value_mismatch);
  CHECK(node.next_seq() == before);
  CHECK_THROWS_AS(node.data("panel1", {{"nope", 1.0, {}}}, t0), firebus::system_error);
}

TEST_CASE("sparkplug node: samples become NDATA/DDATA by point, with quality properties") {
  spb::edge_node node(config());
  node.will();
  node.on_connected(t0);
  std::vector<firebus::sample> samples = {
      {firebus::point_id("b1/rcm1/ir"), at_ms(t0 + 1), 312.5},
      {firebus::point_id("b1/t2"), at_ms(t0 + 2), 21.7},
      {firebus::point_id("b1/door"), at_ms(t0 + 3), 1.0},
      {firebus::point_id("b1/rcm1/level"), at_ms(t0 + 4), -7.0,
       firebus::quality_code::bad_comm_loss},
  };
  std::error_code ec;
  std::string why;
  const auto out = node.data(samples, t0 + 10, false, ec, &why);
  REQUIRE_MESSAGE(!ec, why);
  REQUIRE(out.size() == 2);
  CHECK(out[0].topic == "spBv1.0/fire/DDATA/gw-0001/panel1");
  CHECK(out[1].topic == "spBv1.0/fire/DDATA/gw-0001/sensor2");
  const spb::payload panel = decoded(out[0]);
  REQUIRE(panel.metrics.size() == 3);
  CHECK(panel.metrics[0].value == spb::metric_value(312.5f));
  CHECK(panel.metrics[0].timestamp == t0 + 1);
  CHECK(panel.metrics[1].value == spb::metric_value(true));
  CHECK(panel.metrics[2].properties.find("Quality")->value == spb::metric_value(std::int64_t{0}));
  CHECK(panel.metrics[2].properties.find("qualityReason")->value ==
        spb::metric_value(std::string("bad_comm_loss")));
  CHECK(decoded(out[1]).metrics[0].value == spb::metric_value(21.7));
  // A sample of no metric, a fraction for an integer metric.
  node.data({{firebus::point_id("b9/x"), at_ms(t0), 1.0}}, t0, false, ec);
  CHECK(ec == errc::unknown_point);
  node.data({{firebus::point_id("b1/rcm1/level"), at_ms(t0), 1.5}}, t0, false, ec);
  CHECK(ec == errc::value_mismatch);
}

TEST_CASE("sparkplug node: historical data and data while disconnected") {
  spb::edge_node node(config());
  node.will();
  node.on_connected(t0);
  std::error_code ec;
  // Historical: marked, and not the current value.
  auto out = node.data("sensor2", {{"temp", 30.0, t0 - 60'000}}, t0, true, ec);
  REQUIRE(out.size() == 1);
  CHECK(decoded(out[0]).metrics[0].is_historical);
  // Disconnected: nothing to publish, but the next births carry the value.
  node.on_disconnected();
  out = node.data("sensor2", {{"temp", 25.0, t0 + 1}}, t0 + 1, false, ec);
  CHECK(!ec);
  CHECK(out.empty());
  node.will();
  const auto births = node.on_connected(t0 + 2);
  const spb::payload sensor = decoded(births.at(2));
  const spb::metric* temp = find(sensor, "temp");
  REQUIRE(temp != nullptr);
  CHECK(temp->value == spb::metric_value(25.0));
  CHECK(temp->timestamp == t0 + 1);
}

TEST_CASE("sparkplug node: with a primary host, births wait for its STATE online") {
  spb::node_config c = config();
  c.primary_host_id = "scada1";
  spb::edge_node node(c);
  const auto subs = node.subscriptions();
  CHECK(std::find(subs.begin(), subs.end(), "spBv1.0/STATE/scada1") != subs.end());
  auto state = [](const std::string& json) {
    return std::vector<std::uint8_t>(json.begin(), json.end());
  };
  node.will();
  std::error_code ec;
  // Connected, the host not yet known online: no births, no data (held by the caller).
  CHECK(node.on_connected(t0).empty());
  CHECK(node.connected());
  CHECK(!node.born());
  CHECK(!node.host_online());
  CHECK(node.data("sensor2", {{"temp", 22.0, t0}}, t0, false, ec).empty());
  CHECK(!ec);
  // Another host's STATE changes nothing.
  auto in = node.on_message("spBv1.0/STATE/other", state(R"({"online":true,"timestamp":5})"), t0);
  CHECK(in.publish.empty());
  CHECK(!in.problems.empty());
  // The host online: the births (seq from 0, current values), then data flows.
  in = node.on_message("spBv1.0/STATE/scada1", state(R"({ "timestamp" : 1000, "online" : true })"),
                       t0 + 1);
  CHECK(in.problems.empty());
  REQUIRE(in.publish.size() == 3);
  CHECK(in.publish[0].topic == "spBv1.0/fire/NBIRTH/gw-0001");
  CHECK(decoded(in.publish[0]).seq == 0u);
  const spb::payload sensor = decoded(in.publish[2]);
  const spb::metric* temp = find(sensor, "temp");
  REQUIRE(temp != nullptr);
  CHECK(temp->value == spb::metric_value(22.0));
  CHECK(node.born());
  CHECK(node.data("sensor2", {{"temp", 23.0, t0 + 2}}, t0 + 2, false, ec).size() == 1);
  // A stale STATE (older timestamp) is ignored; a newer offline asks for a disconnect.
  in =
      node.on_message("spBv1.0/STATE/scada1", state(R"({"online":false,"timestamp":999})"), t0 + 3);
  CHECK(!in.disconnect);
  CHECK(!in.problems.empty());
  in = node.on_message("spBv1.0/STATE/scada1", state(R"({"online":false,"timestamp":2000})"),
                       t0 + 4);
  CHECK(in.disconnect);
  CHECK(!node.host_online());
  const spb::message death = node.death();
  CHECK(death.topic == "spBv1.0/fire/NDEATH/gw-0001");
  CHECK(decoded(death).metrics.at(0).value == spb::metric_value(std::int64_t{node.bd_seq()}));
  // The next connection waits for the host again, even though it was online before.
  node.on_disconnected();
  node.will();
  CHECK(node.on_connected(t0 + 5).empty());
  in = node.on_message("spBv1.0/STATE/scada1", state("ONLINE"), t0 + 6);  // Sparkplug 2.2
  CHECK(in.publish.size() == 3);
  // Malformed STATE payloads are reported, never thrown.
  for (const char* bad : {"", "{", R"({"online":"yes"})", R"({"timestamp":1})", "online",
                          R"({"online":true,"timestamp":x})",
                          R"({"online":true,"timestamp":99999999999999999999999})"}) {
    in = node.on_message("spBv1.0/STATE/scada1", state(bad), t0 + 7);
    CHECK_MESSAGE(in.error == errc::malformed, bad);
  }
  spb::node_config bad = config();
  bad.primary_host_id = "a/b";
  spb::edge_node::make(bad, ec);
  CHECK(ec == errc::invalid_topic);
}

TEST_CASE("sparkplug node: a device death and birth") {
  spb::edge_node node(config());
  node.will();
  node.on_connected(t0);
  std::error_code ec;
  auto out = node.device_death("panel1", t0 + 1, ec);
  REQUIRE(out.size() == 1);
  CHECK(out[0].topic == "spBv1.0/fire/DDEATH/gw-0001/panel1");
  CHECK(out[0].qos == 0);
  const spb::payload death = decoded(out[0]);
  CHECK(death.seq == 3);
  CHECK(death.timestamp == t0 + 1);
  CHECK(death.metrics.empty());
  node.data("panel1", {{"door", true, {}}}, t0 + 2, false, ec);
  CHECK(ec == errc::unknown_device);
  // A reconnect leaves the dead device out of the births.
  node.on_disconnected();
  node.will();
  CHECK(node.on_connected(t0 + 3).size() == 2);
  out = node.device_birth("panel1", t0 + 4, ec);
  REQUIRE(out.size() == 1);
  CHECK(out[0].topic == "spBv1.0/fire/DBIRTH/gw-0001/panel1");
  CHECK(decoded(out[0]).seq == 2);
  CHECK(node.data("panel1", {{"door", true, {}}}, t0 + 5, false, ec).size() == 1);
  node.device_death("nope", t0, ec);
  CHECK(ec == errc::unknown_device);
}

TEST_CASE("sparkplug node: commands, and what is not understood is reported") {
  spb::edge_node node(config());
  node.will();
  node.on_connected(t0);
  // DCMD by alias, without datatype: resolved to the declared Int16.
  spb::payload cmd;
  spb::metric m;
  m.alias = *node.alias_of("panel1", "loop1/level");
  m.value = std::uint64_t{0xFFFF};
  cmd.metrics.push_back(m);
  cmd.metrics.push_back(make_metric("door", data_type::boolean, true));
  spb::incoming in = node.on_message("spBv1.0/fire/DCMD/gw-0001/panel1", spb::encode(cmd), t0 + 1);
  CHECK(in.problems.empty());
  CHECK(!in.rebirth);
  CHECK(in.publish.empty());
  REQUIRE(in.commands.size() == 2);
  CHECK(in.commands[0].device == "panel1");
  CHECK(in.commands[0].name == "loop1/level");
  CHECK(in.commands[0].type == data_type::int16);
  CHECK(in.commands[0].value == spb::metric_value(std::int64_t{-1}));
  CHECK(in.commands[1].value == spb::metric_value(true));
  // Rebirth by alias (the value a raw bool).
  spb::payload rebirth;
  spb::metric r;
  r.alias = *node.alias_of("", "Node Control/Rebirth");
  r.value = true;
  rebirth.metrics.push_back(r);
  in = node.on_message("spBv1.0/fire/NCMD/gw-0001", spb::encode(rebirth), t0 + 2);
  CHECK(in.rebirth);
  CHECK(in.publish.size() == 3);
  // Unknown commands, a device's alias in an NCMD, a wrong datatype, garbage, other topics.
  spb::payload unknown;
  unknown.metrics.push_back(make_metric("Node Control/Reboot", data_type::boolean, true));
  spb::metric foreign;
  foreign.alias = *node.alias_of("panel1", "door");
  foreign.value = true;
  unknown.metrics.push_back(foreign);
  unknown.metrics.push_back(make_metric("Node Info/Uptime", data_type::string, std::string("x")));
  unknown.metrics.push_back(make_metric("Node Control/Rebirth", data_type::boolean, false));
  in = node.on_message("spBv1.0/fire/NCMD/gw-0001", spb::encode(unknown), t0 + 3);
  CHECK(in.commands.empty());
  CHECK(!in.rebirth);
  REQUIRE(in.problems.size() == 4);
  CHECK(in.error == errc::unknown_point);
  for (const std::string& p : in.problems) MESSAGE(p);
  in = node.on_message("spBv1.0/fire/NCMD/gw-0001", bytes{0xFF, 0xFF}, t0);
  CHECK(in.error == errc::malformed);
  in = node.on_message("spBv1.0/fire/DCMD/gw-0001/panel9", bytes{}, t0);
  CHECK(in.error == errc::unknown_device);
  in = node.on_message("spBv1.0/other/NCMD/gw-0001", bytes{}, t0);
  CHECK(in.error == errc::invalid_topic);
  in = node.on_message("not/a/topic", bytes{}, t0);
  CHECK(in.error == errc::invalid_topic);
  in = node.on_message("spBv1.0/STATE/host", bytes{'{', '}'}, t0);
  CHECK(in.error == errc::invalid_topic);
}

TEST_CASE("sparkplug node: alarm events become alarm metrics with properties") {
  spb::edge_node node(config());
  node.will();
  node.on_connected(t0);
  firebus::event on;
  on.seq = 17;
  on.time = at_ms(t0 + 100);
  on.kind = firebus::event_kind::alarm_on;
  on.point = firebus::point_id("b1/rcm1/ir");
  on.alarm = "HI";
  on.cls = firebus::alarm_class::pre_alarm;
  on.state = firebus::alarm_state::unack;
  on.value = 305.0;
  firebus::event flood;
  flood.kind = firebus::event_kind::flood_on;
  std::error_code ec;
  std::size_t skipped = 0;
  auto out = node.alarms({on, flood}, t0 + 200, false, ec, &skipped);
  CHECK(!ec);
  CHECK(skipped == 1);
  REQUIRE(out.size() == 1);
  CHECK(out[0].topic == "spBv1.0/fire/DDATA/gw-0001/panel1");
  spb::payload p = decoded(out[0]);
  REQUIRE(p.metrics.size() == 1);
  const spb::metric& m = p.metrics[0];
  CHECK(m.alias == node.alias_of("panel1", "Alarms/b1/rcm1/ir/HI"));
  CHECK(m.timestamp == t0 + 100);
  CHECK(m.value == spb::metric_value(std::string("unack")));
  CHECK(m.properties.find("active")->value == spb::metric_value(true));
  CHECK(m.properties.find("acked")->value == spb::metric_value(false));
  CHECK(m.properties.find("value")->value == spb::metric_value(305.0));
  CHECK(m.properties.find("priority")->value == spb::metric_value(std::int64_t{3}));
  CHECK(m.properties.find("event")->value == spb::metric_value(std::string("alarm_on")));
  CHECK(m.properties.find("eventSeq")->value == spb::metric_value(std::uint64_t{17}));
  // A fault of a point with no declared fault metric: it is added, births first.
  firebus::event fault;
  fault.kind = firebus::event_kind::fault_on;
  fault.point = firebus::point_id("b1/t2");
  fault.cls = firebus::alarm_class::fault;
  fault.reason = firebus::event_reason::comm_loss;
  out = node.alarms({fault}, t0 + 300, false, ec);
  REQUIRE(out.size() == 4);
  CHECK(out[0].topic == "spBv1.0/fire/NBIRTH/gw-0001");
  CHECK(decoded(out[0]).seq == 0);
  const spb::payload sensor_birth = decoded(out[2]);
  const spb::metric* added = find(sensor_birth, "Alarms/b1/t2/fault");
  REQUIRE(added != nullptr);
  CHECK(added->value == spb::metric_value(std::string("active")));
  // The births carry the alarm's current state.
  CHECK(find(decoded(out[1]), "Alarms/b1/rcm1/ir/HI")->value ==
        spb::metric_value(std::string("unack")));
  CHECK(out[3].topic == "spBv1.0/fire/DDATA/gw-0001/sensor2");
  const spb::payload data = decoded(out[3]);
  CHECK(data.seq == 3);
  CHECK(data.metrics.at(0).alias == added->alias);
  CHECK(data.metrics.at(0).properties.find("reason")->value ==
        spb::metric_value(std::string("comm_loss")));
}

TEST_CASE("sparkplug node: configurations that cannot work are refused") {
  std::error_code ec;
  std::string why;
  spb::node_config c = config();
  c.group_id = "fire/alarm";
  CHECK(!spb::edge_node::make(c, ec, &why).valid());
  CHECK(ec == errc::invalid_topic);
  c = config();
  c.devices[1].id = "panel1";
  spb::edge_node::make(c, ec, &why);
  CHECK(ec == errc::unknown_device);
  c = config();
  c.devices[0].metrics.push_back(c.devices[0].metrics[0]);
  spb::edge_node::make(c, ec, &why);
  CHECK(ec == errc::duplicate_point);
  c = config();
  c.metrics.push_back({"bdSeq", data_type::int64});
  spb::edge_node::make(c, ec, &why);
  CHECK(ec == errc::duplicate_point);
  c = config();
  c.metrics.push_back({"x", data_type::property_set});
  spb::edge_node::make(c, ec, &why);
  CHECK(ec == errc::unknown_datatype);
  c = config();
  c.metrics.push_back({"x", data_type::uint8, std::int64_t{-1}});
  spb::edge_node::make(c, ec, &why);
  CHECK(ec == errc::value_mismatch);
  c = config();
  c.metrics.push_back({"", data_type::uint8});
  spb::edge_node::make(c, ec, &why);
  CHECK(ec == errc::invalid_point_name);
  c = config();
  c.metrics.push_back({"x\xFF", data_type::uint8});
  spb::edge_node::make(c, ec, &why);
  CHECK(ec == errc::invalid_text);
  CHECK_THROWS_AS(spb::edge_node{c}, firebus::system_error);
  const spb::edge_node empty;
  CHECK(!empty.valid());
  CHECK(spb::edge_node(empty).subscriptions().empty());
}

// --- size ----------------------------------------------------------------------------------

TEST_CASE("sparkplug: bytes per sample of 1,000 float samples of 100 points") {
  // As ../shared/specs/sparkplug-b.md measured with the JavaScript library: aliases and metric
  // timestamps, 10 rows of 100 points 1 s apart (the JS encoder always sends the datatype).
  spb::payload p;
  p.timestamp = t0 + 10'000;
  p.seq = 1;
  for (std::uint64_t row = 0; row < 10; ++row) {
    for (std::uint64_t point = 0; point < 100; ++point) {
      spb::metric m;
      m.alias = point;
      m.timestamp = t0 + row * 1000;
      m.datatype = data_type::float_;
      m.value = 300.0f + static_cast<float>(point);
      p.metrics.push_back(m);
    }
  }
  std::error_code ec;
  const double with_datatype = static_cast<double>(spb::encode(p).size()) / 1000.0;
  const double without = static_cast<double>(spb::encode_without_datatypes(p, ec).size()) / 1000.0;
  MESSAGE("bytes/sample: " << with_datatype << " with datatypes, " << without << " without");
  CHECK(with_datatype == doctest::Approx(18.0).epsilon(0.01));
  CHECK(without == doctest::Approx(16.0).epsilon(0.01));

  // Through the edge node: 100 points of one device, 1,000 samples in one DDATA.
  spb::node_config c;
  c.group_id = "fire";
  c.edge_node_id = "gw-0001";
  spb::device_decl dev;
  dev.id = "panel1";
  for (int i = 0; i < 100; ++i) {
    spb::metric_decl d{"p" + std::to_string(i), data_type::float_, 0.0f};
    d.point = firebus::point_id("p" + std::to_string(i));
    dev.metrics.push_back(d);
  }
  c.devices.push_back(dev);
  spb::edge_node node(c);
  node.will();
  node.on_connected(t0);
  std::vector<firebus::sample> samples;
  for (std::uint64_t row = 0; row < 10; ++row) {
    for (int i = 0; i < 100; ++i) {
      samples.push_back(
          {firebus::point_id("p" + std::to_string(i)), at_ms(t0 + row * 1000), 300.0 + i});
    }
  }
  const auto out = node.data(samples, t0 + 10'000, false, ec);
  REQUIRE(out.size() == 1);
  const double node_bytes = static_cast<double>(out[0].payload.size()) / 1000.0;
  MESSAGE("edge node DDATA: " << node_bytes << " bytes/sample");
  CHECK(node_bytes < 17.0);
}

}  // namespace
#endif
