// firebus — fire-safety IoT SDK.
// The firebus telemetry encoding (<firebus/telemetry/firebus_codec.hpp>, compiled library):
// round trips of every value and field, golden bytes checked by hand against the protobuf wire
// format (and cross-checked with `protoc --decode firebus.v1.Envelope`), the canonical JSON,
// every refusal on the way out and in (bad messages are written here with a small protobuf
// writer of their own, independent of the generated code), and the size per sample.
#include <chrono>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <limits>
#include <ostream>  // doctest prints std::error_code with operator<<
#include <string>
#include <string_view>
#include <system_error>
#include <variant>
#include <vector>

#include <doctest/doctest.h>

#if defined(FIREBUS_TEST_HAS_LIBRARY)
#include <malloc.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <firebus/core/event.hpp>
#include <firebus/core/point.hpp>
#include <firebus/core/quality.hpp>
#include <firebus/core/sample.hpp>
#include <firebus/core/time.hpp>
#include <firebus/telemetry/aliases.hpp>
#include <firebus/telemetry/error.hpp>
#include <firebus/telemetry/firebus_codec.hpp>
#include <firebus/telemetry/types.hpp>

namespace {

namespace tel = firebus::telemetry;
using firebus::point_id;
using firebus::quality_code;
using firebus::utc_time;
using bytes = std::vector<std::uint8_t>;

utc_time at_ms(std::int64_t ms) { return utc_time(firebus::duration(ms * 1000)); }
firebus::mono_time mono_ms(std::int64_t ms) {
  return firebus::mono_time(firebus::duration(ms * 1000));
}

// A birth of `n` points "p0", "p1", ... with aliases 0..n-1.
tel::birth make_birth(std::size_t n, std::uint64_t id = 7) {
  tel::birth b;
  b.birth_id = id;
  b.time = at_ms(1'764'471'321'000);
  for (std::size_t i = 0; i < n; ++i) {
    tel::point_decl p;
    p.name = point_id("p" + std::to_string(i));
    p.unit = "mA";
    p.quantity = "residual_current";
    b.points.push_back(p);
  }
  tel::assign_aliases(b);
  return b;
}

tel::envelope batch_envelope(tel::batch b, std::uint64_t seq = 2) {
  return tel::envelope{"gw-0001", seq, std::move(b)};
}

// Encodes and decodes, checking that no step fails.
tel::envelope round_trip(const tel::envelope& env, const tel::alias_table& aliases) {
  std::error_code ec;
  std::string why;
  const bytes wire = tel::encode_envelope(env, aliases, ec, {}, &why);
  INFO(why);
  REQUIRE(!ec);
  const tel::envelope back = tel::decode_envelope(wire, aliases, ec, {}, &why);
  INFO(why);
  REQUIRE(!ec);
  return back;
}

// A protobuf writer of the test's own, for messages the encoder would never make.
struct pbw {
  bytes b;
  pbw& varint(std::uint64_t v) {
    while (v >= 0x80) {
      b.push_back(static_cast<std::uint8_t>(v | 0x80));
      v >>= 7;
    }
    b.push_back(static_cast<std::uint8_t>(v));
    return *this;
  }
  pbw& tag(int field, int wire_type) {
    return varint(static_cast<std::uint64_t>(field) << 3 | static_cast<std::uint64_t>(wire_type));
  }
  pbw& uint(int field, std::uint64_t v) { return tag(field, 0).varint(v); }
  pbw& sint(int field, std::int64_t v) {
    return uint(field, (static_cast<std::uint64_t>(v) << 1) ^ static_cast<std::uint64_t>(v >> 63));
  }
  pbw& str(int field, std::string_view s) {
    tag(field, 2).varint(s.size());
    b.insert(b.end(), s.begin(), s.end());
    return *this;
  }
  pbw& msg(int field, const pbw& m) {
    tag(field, 2).varint(m.b.size());
    b.insert(b.end(), m.b.begin(), m.b.end());
    return *this;
  }
  pbw& packed(int field, const std::vector<std::uint64_t>& vs) {
    pbw inner;
    for (const auto v : vs) inner.varint(v);
    return msg(field, inner);
  }
  pbw& packed_sint(int field, const std::vector<std::int64_t>& vs) {
    pbw inner;
    for (const auto v : vs) {
      inner.varint((static_cast<std::uint64_t>(v) << 1) ^ static_cast<std::uint64_t>(v >> 63));
    }
    return msg(field, inner);
  }
  pbw& packed_float(int field, const std::vector<float>& vs) {
    pbw inner;
    for (const float v : vs) {
      std::uint8_t raw[4];
      std::memcpy(raw, &v, 4);  // little-endian hosts only (as the project's targets are)
      inner.b.insert(inner.b.end(), raw, raw + 4);
    }
    return msg(field, inner);
  }
  pbw& packed_double(int field, const std::vector<double>& vs) {
    pbw inner;
    for (const double v : vs) {
      std::uint8_t raw[8];
      std::memcpy(raw, &v, 8);
      inner.b.insert(inner.b.end(), raw, raw + 8);
    }
    return msg(field, inner);
  }
};

// An envelope of `body` (field 3 birth, 4 batch) from "gw-0001" with sequence number `seq`.
bytes wire_envelope(int field, const pbw& body, std::uint64_t seq = 1,
                    std::string_view source = "gw-0001") {
  pbw env;
  env.str(1, source).uint(2, seq).msg(field, body);
  return env.b;
}

// A valid batch of birth 7 with n samples of aliases 0..n-1 at 1000 ms.
pbw wire_batch(std::size_t n) {
  pbw b;
  std::vector<std::uint64_t> aliases;
  std::vector<std::int64_t> dts;
  std::vector<float> values;
  for (std::size_t i = 0; i < n; ++i) {
    aliases.push_back(i);
    dts.push_back(0);
    values.push_back(static_cast<float>(i));
  }
  b.uint(1, 7).uint(3, 1000).packed(4, aliases).packed_sint(5, dts).packed_float(6, values);
  return b;
}

std::error_code decode_error(const bytes& wire, const tel::alias_table& aliases,
                             std::string* why = nullptr) {
  std::error_code ec;
  std::string w;
  (void)tel::decode_envelope(wire, aliases, ec, {}, &w);
  if (why != nullptr) *why = w;
  if (ec) REQUIRE(!w.empty());
  return ec;
}

std::error_code encode_error(const tel::envelope& env, const tel::alias_table& aliases,
                             const tel::codec_limits& limits = {}) {
  std::error_code ec;
  std::string why;
  const bytes out = tel::encode_envelope(env, aliases, ec, limits, &why);
  if (ec) {
    CHECK(out.empty());
    CHECK(!why.empty());
  }
  return ec;
}

std::string hex(const bytes& b) {
  static constexpr char digits[] = "0123456789abcdef";
  std::string s;
  for (const auto x : b) {
    s += digits[x >> 4];
    s += digits[x & 0xF];
  }
  return s;
}

bytes unhex(const std::string& h) {
  bytes b;
  for (std::size_t i = 0; i + 1 < h.size(); i += 2) {
    b.push_back(static_cast<std::uint8_t>(std::stoi(h.substr(i, 2), nullptr, 16)));
  }
  return b;
}

}  // namespace

TEST_CASE("telemetry: the error category names every code") {
  CHECK(std::string(tel::category().name()) == "firebus.telemetry");
  for (int v = 1; v <= static_cast<int>(tel::errc::invalid_decimals); ++v) {
    CHECK(std::error_code(v, tel::category()).message().find("unknown firebus.telemetry") != 0);
  }
  CHECK(std::error_code(static_cast<int>(tel::errc::invalid_decimals) + 1, tel::category())
            .message()
            .find("unknown firebus.telemetry") == 0);
  std::error_code ec = tel::errc::unknown_alias;
  CHECK(ec == tel::errc::unknown_alias);
  CHECK(ec.message() == "alias not declared by the birth");
}

TEST_CASE("telemetry: device states have stable names") {
  CHECK(tel::to_string(tel::device_state::quarantined) == "quarantined");
  std::error_code ec;
  CHECK(tel::device_state_from_string("offline", ec) == tel::device_state::offline);
  CHECK(!ec);
  (void)tel::device_state_from_string("asleep", ec);
  CHECK(ec == firebus::errc::unknown_name);
}

TEST_CASE("telemetry: alias tables and the birth registry") {
  tel::birth b = make_birth(3);
  tel::alias_table t(b);
  CHECK(t.birth_id() == 7);
  CHECK(t.size() == 3);
  CHECK(t.alias_of(point_id("p2")) == 2u);
  CHECK(!t.alias_of(point_id("q")));
  REQUIRE(t.point_of(1) != nullptr);
  CHECK(*t.point_of(1) == point_id("p1"));
  CHECK(t.point_of(3) == nullptr);

  std::error_code ec;
  std::size_t at = 99;
  tel::birth dup = b;
  dup.points[2].alias = 0;
  CHECK(tel::alias_table::make(dup, ec, &at).empty());
  CHECK(ec == tel::errc::duplicate_alias);
  CHECK(at == 2);
  dup = b;
  dup.points[1].name = point_id("p0");
  (void)tel::alias_table::make(dup, ec);
  CHECK(ec == tel::errc::duplicate_point);
  dup = b;
  dup.points[0].name = point_id();
  (void)tel::alias_table::make(dup, ec);
  CHECK(ec == tel::errc::invalid_point_name);
  CHECK_THROWS_AS(tel::alias_table{dup}, firebus::system_error);

  tel::birth_registry reg(2);
  reg.add("gw", make_birth(1, 1));
  reg.add("gw", make_birth(2, 2));
  CHECK(reg.find("gw", 1) != nullptr);
  reg.add("gw", make_birth(3, 3));  // forgets birth 1
  CHECK(reg.find("gw", 1) == nullptr);
  REQUIRE(reg.find("gw", 3) != nullptr);
  CHECK(reg.find("gw", 3)->size() == 3);
  reg.add("gw", make_birth(5, 2));  // replaces birth 2
  CHECK(reg.find("gw", 2)->size() == 5);
  CHECK(reg.find("other", 2) == nullptr);
  CHECK(!reg.add("gw", dup, ec));
  CHECK(ec == tel::errc::invalid_point_name);
  CHECK(reg.sources() == 1);
  reg.forget("gw");
  CHECK(reg.sources() == 0);
}

TEST_CASE("telemetry: a birth round-trips with every field") {
  tel::birth b = make_birth(3, 42);
  b.points[0].low = 0.0;
  b.points[0].high = 3000.0;
  b.points[1].unit = "Cel";
  b.points[1].quantity = "temperature";
  b.points[1].low = -40.5;
  b.points[1].description = "3F 配电箱, loop 3";
  b.points[2].alias = 4'294'967'295u;  // the largest alias
  b.points[2].name = point_id("b1/f3/rcm1/loop3/ir");
  const tel::envelope env{"gw-0001", 1, b};
  std::error_code ec;
  const bytes wire = tel::encode_envelope(env, ec);
  REQUIRE(!ec);
  const tel::envelope back = tel::decode_envelope(wire, ec);
  REQUIRE(!ec);
  CHECK(back == env);
  CHECK(tel::decode_envelope(wire) == env);
  CHECK(tel::encode_envelope(env) == wire);

  // A time in µs travels as its millisecond floor.
  tel::birth odd = b;
  odd.time = utc_time(firebus::duration(-1500));
  const tel::envelope env2{"gw-0001", 1, odd};
  const auto back2 = std::get<tel::birth>(tel::decode_envelope(tel::encode_envelope(env2)).body);
  CHECK(back2.time == at_ms(-2));
}

TEST_CASE("telemetry: sample values round-trip bit for bit") {
  const double values[] = {0.0,
                           -0.0,
                           1.5,
                           312.0,
                           21.7,  // needs a double
                           -21.7,
                           1e300,
                           -1e300,
                           3.4028234663852886e38,  // FLT_MAX: a float
                           3.4028235677973366e38,  // just above: a double
                           std::numeric_limits<double>::denorm_min(),
                           static_cast<double>(std::numeric_limits<float>::denorm_min()),
                           9007199254740991.0,  // 2^53 - 1
                           16777217.0,          // 2^24 + 1
                           std::numeric_limits<double>::quiet_NaN(),
                           std::numeric_limits<double>::infinity(),
                           -std::numeric_limits<double>::infinity(),
                           std::numeric_limits<double>::max(),
                           std::numeric_limits<double>::lowest()};
  const std::size_t n = sizeof values / sizeof values[0];
  tel::birth b = make_birth(n);
  tel::alias_table aliases(b);
  tel::batch data;
  data.birth_id = 7;
  for (std::size_t i = 0; i < n; ++i) {
    data.samples.push_back({point_id("p" + std::to_string(i)), at_ms(1000), values[i]});
  }
  const tel::envelope env = batch_envelope(data);
  const tel::envelope back = round_trip(env, aliases);
  CHECK(back == env);
  const auto& got = std::get<tel::batch>(back.body).samples;
  REQUIRE(got.size() == n);
  for (std::size_t i = 0; i < n; ++i) {
    INFO("value ", i);
    if (std::isnan(values[i])) {
      CHECK(std::isnan(got[i].value));
    } else {
      std::uint64_t a = 0;
      std::uint64_t c = 0;
      std::memcpy(&a, &values[i], 8);
      std::memcpy(&c, &got[i].value, 8);
      CHECK(a == c);  // -0.0 keeps its sign
    }
  }
  // 1.5, 312, 21.7 and 2^24 + 1 make the decimal form (in tenths) the cheaper one; the values
  // that are no decimal at that scale travel as doubles: -0.0, those beyond 2^53 / 10, the
  // subnormals, NaN and the infinities.
  const std::string json = tel::to_json(env, aliases);
  INFO(json);
  CHECK(json.find(R"("exactIndex":[1,6,7,8,9,10,11,12,14,15,16,17,18])") != std::string::npos);
  CHECK(json.find(R"("decimals":1)") != std::string::npos);
}

TEST_CASE("telemetry: times, qualities and order of samples") {
  const std::int64_t max_ms = std::numeric_limits<std::int64_t>::max() / 1000;
  tel::birth b = make_birth(4);
  tel::alias_table aliases(b);
  tel::batch data;
  data.birth_id = 7;
  data.historical = true;
  const std::int64_t times[] = {
      1'764'471'321'000, 1'764'471'320'500, 0, -1, max_ms, -max_ms, max_ms, 1'764'471'321'001};
  std::size_t q = 0;
  const quality_code qualities[] = {
      quality_code::good,
      quality_code::good_override,
      quality_code::uncertain,
      quality_code::uncertain_last_usable,
      quality_code::uncertain_substituted,
      quality_code::uncertain_not_accurate,
      quality_code::bad,
      quality_code::bad_invalid_value,
      quality_code::bad_over_range,
      quality_code::bad_under_range,
      quality_code::bad_open_circuit,
      quality_code::bad_short_circuit,
      quality_code::bad_device_fault,
      quality_code::bad_comm_loss,
      quality_code::bad_out_of_service,
      quality_code::bad_config_error,
      static_cast<quality_code>(0xC5)};  // a code firebus does not define: kept
  for (const quality_code qc : qualities) {
    for (const std::int64_t t : times) {
      firebus::sample s{point_id("p" + std::to_string(q % 4)), at_ms(t), static_cast<double>(q)};
      s.quality = qc;
      data.samples.push_back(s);
      ++q;
    }
  }
  const tel::envelope env = batch_envelope(data);
  CHECK(round_trip(env, aliases) == env);

  // Same point many times, out of time order: kept as given.
  tel::batch same;
  same.birth_id = 7;
  for (int i = 0; i < 5; ++i) {
    same.samples.push_back({point_id("p1"), at_ms(5000 - 1000 * i), static_cast<double>(i)});
  }
  CHECK(round_trip(batch_envelope(same), aliases) == batch_envelope(same));
}

TEST_CASE("telemetry: an empty batch, and batches without samples") {
  std::error_code ec;
  tel::batch empty;
  const tel::envelope env = batch_envelope(empty);
  const bytes wire = tel::encode_envelope(env, ec);
  REQUIRE(!ec);
  // source_id, seq and an empty batch (field 4, length 0).
  CHECK(hex(wire) ==
        "0a0767772d30303031100222"
        "00");
  CHECK(tel::decode_envelope(wire, ec) == env);
  CHECK(tel::to_json(env) == R"({"sourceId":"gw-0001","seq":"2","batch":{}})");
  CHECK(tel::envelope_from_json(R"({"sourceId":"gw-0001","seq":"2","batch":{}})") == env);

  // Events and statuses need no birth, and the batch's birth_id then goes unchecked.
  tel::batch ev;
  ev.birth_id = 12345;
  firebus::event e;
  e.kind = firebus::event_kind::fault_on;
  e.source_id = "gw-0001";
  e.seq = 1;
  ev.events.push_back(e);
  const tel::envelope env2 = batch_envelope(ev);
  CHECK(tel::decode_envelope(tel::encode_envelope(env2)) == env2);
}

TEST_CASE("telemetry: every event kind and field round-trips") {
  for (int k = 0; k <= static_cast<int>(firebus::event_kind::command); ++k) {
    tel::batch data;
    firebus::event e;
    e.kind = static_cast<firebus::event_kind>(k);
    e.source_id = "gw-0001";
    e.seq = static_cast<std::uint64_t>(k) + 1;
    data.events.push_back(e);
    const tel::envelope env = batch_envelope(data);
    INFO(firebus::to_string(e.kind));
    CHECK(tel::decode_envelope(tel::encode_envelope(env)) == env);
    CHECK(tel::envelope_from_json(tel::to_json(env)) == env);
  }

  firebus::event full;
  full.source_id = "engine-2";  // not the envelope's: travels as the producer
  full.seq = 18'446'744'073'709'551'615u;
  full.t = mono_ms(-123'456);
  full.time = at_ms(1'764'471'321'250);
  full.kind = firebus::event_kind::clock_jump;
  full.point = point_id("b1/f3/rcm1/loop3/ir");
  full.alarm = "ALM";
  full.zone = "Z1";
  full.cls = firebus::alarm_class::fire;
  full.state = firebus::alarm_state::latched_acked;
  full.reason = firebus::event_reason::out_of_order;
  full.value = std::numeric_limits<double>::quiet_NaN();
  full.delta_s = -0.0;
  full.cause = point_id("SD-3");
  full.command = "reset_device";
  firebus::event zeros;  // optional fields set to 0 still travel
  zeros.source_id = "gw-0001";
  zeros.kind = firebus::event_kind::alarm_on;
  zeros.time = at_ms(0);
  zeros.value = 0.0;
  zeros.delta_s = 0.0;
  firebus::event anon = zeros;  // no source id: comes back with the envelope's
  anon.source_id.clear();
  anon.time.reset();
  anon.value.reset();
  anon.delta_s.reset();
  tel::batch data;
  data.events = {full, zeros, anon};
  data.statuses.push_back(
      {"modbus/unit3", at_ms(1'764'471'321'000), tel::device_state::offline, "timeout"});
  data.statuses.push_back({"panel", at_ms(-5), tel::device_state::quarantined, ""});
  data.statuses.push_back({"", at_ms(0), tel::device_state::unknown, ""});
  const tel::envelope env = batch_envelope(data);
  tel::envelope expected = env;
  std::get<tel::batch>(expected.body).events[2].source_id = "gw-0001";
  const tel::envelope back = tel::decode_envelope(tel::encode_envelope(env));
  CHECK(back == expected);
  CHECK(std::signbit(*std::get<tel::batch>(back.body).events[0].delta_s));
  CHECK(tel::envelope_from_json(tel::to_json(env)) == expected);

  // Sub-millisecond times are cut to the millisecond below.
  tel::batch sub;
  firebus::event s = zeros;
  s.t = firebus::mono_time(firebus::duration(2'999));
  s.time = utc_time(firebus::duration(-1));
  sub.events.push_back(s);
  const auto got =
      std::get<tel::batch>(tel::decode_envelope(tel::encode_envelope(batch_envelope(sub))).body);
  CHECK(got.events[0].t == mono_ms(2));
  CHECK(*got.events[0].time == at_ms(-1));
}

// The envelope of the golden tests: two samples (one needs a double, one is of bad quality), an
// event and a device status.
tel::envelope golden_envelope() {
  tel::batch data;
  data.birth_id = 7;
  data.samples.push_back({point_id("a"), at_ms(1000), 1.5});
  firebus::sample s{point_id("b"), at_ms(2000), 21.7};
  s.quality = quality_code::bad_comm_loss;
  data.samples.push_back(s);
  firebus::event e;
  e.source_id = "gw1";
  e.seq = 5;
  e.t = mono_ms(2000);
  e.kind = firebus::event_kind::alarm_on;
  e.point = point_id("a");
  e.alarm = "HI";
  e.cls = firebus::alarm_class::fire;
  e.state = firebus::alarm_state::unack;
  e.value = 21.7;
  data.events.push_back(e);
  data.statuses.push_back({"d1", at_ms(2000), tel::device_state::offline, "timeout"});
  return tel::envelope{"gw1", 1, data};
}

tel::birth golden_birth() {
  tel::birth b;
  b.birth_id = 7;
  b.points.push_back({0, point_id("a"), "mA", "residual_current"});
  b.points.push_back({1, point_id("b"), "Cel", "temperature"});
  return b;
}

TEST_CASE("telemetry: golden bytes") {
  // Worked out by hand from the protobuf encoding rules (fields in number order, packed
  // repeated scalars, zigzag sint64, little-endian float and double), and cross-checked with
  //   protoc --decode firebus.v1.Envelope -I protocols protocols/firebus/v1/telemetry.proto
  // The values 1.5 and 21.7 go in the decimal form: 15 and 217 tenths (5 bytes, where floats
  // take 8 and 21.7 another 13 as an exception).
  const std::string expected =
      "0a03677731"          // 1 source_id "gw1"
      "1001"                // 2 seq 1
      "224b"                // 4 batch, 75 bytes
      "0807"                //   1 birth_id 7
      "18e807"              //   3 base_time_ms 1000
      "22020001"            //   4 alias [0, 1]
      "2a0300d00f"          //   5 dt_ms [0, 1000] (zigzag 0, 2000)
      "4a03008701"          //   9 quality [0, 0x87 bad_comm_loss]
      "521b"                //   10 event, 27 bytes
      "0805"                //     1 seq 5
      "18d00f"              //     3 mono_ms 2000
      "2801"                //     5 kind EVENT_KIND_ALARM_ON (alarm_on + 1)
      "320161"              //     6 point "a"
      "3a024849"            //     7 alarm "HI"
      "4805"                //     9 alarm_class ALARM_CLASS_FIRE
      "5001"                //     10 state ALARM_STATE_UNACK
      "613333333333b33540"  // 12 value 21.7 (fixed64)
      "5a12"                //   11 status, 18 bytes
      "0a026431"            //     1 device "d1"
      "10d00f"              //     2 time_ms 2000
      "1803"                //     3 state DEVICE_STATE_OFFLINE
      "220774696d656f7574"  //     4 detail "timeout"
      "62031eb203"          //   12 decimal [15, 217] (zigzag 30, 434)
      "6801";               //   13 decimals 1
  const tel::alias_table aliases(golden_birth());
  const bytes wire = tel::encode_envelope(golden_envelope(), aliases);
  CHECK(hex(wire) == expected);
  CHECK(wire.size() == 84);
  CHECK(tel::decode_envelope(wire, aliases) == golden_envelope());

  // The same envelope with its values in the float form (1.5 a float, 21.7 an exception),
  // which decoders accept as well.
  const std::string float_form =
      "0a03677731"  // 1 source_id "gw1"
      "1001"        // 2 seq 1
      "225b"        // 4 batch, 91 bytes
      "0807"        //   1 birth_id 7
      "18e807"      //   3 base_time_ms 1000
      "22020001"    //   4 alias [0, 1]
      "2a0300d00f"  //   5 dt_ms [0, 1000] (zigzag 0, 2000)
      "3208"
      "0000c03f"  //   6 value [1.5f,
      "9a99ad41"  //            21.7f]
      "3a0101"    //   7 exact_index [1]
      "4208"
      "3333333333b33540"     // 8 exact_value [21.7]
      "4a03008701"           // 9 quality [0, 0x87 bad_comm_loss]
      "521b"                 // 10 event, 27 bytes
      "0805"                 //   1 seq 5
      "18d00f"               //   3 mono_ms 2000
      "2801"                 //   5 kind EVENT_KIND_ALARM_ON (alarm_on + 1)
      "320161"               //   6 point "a"
      "3a024849"             //   7 alarm "HI"
      "4805"                 //   9 alarm_class ALARM_CLASS_FIRE
      "5001"                 //   10 state ALARM_STATE_UNACK
      "613333333333b33540"   // 12 value 21.7 (fixed64)
      "5a12"                 // 11 status, 18 bytes
      "0a026431"             //   1 device "d1"
      "10d00f"               //   2 time_ms 2000
      "1803"                 //   3 state DEVICE_STATE_OFFLINE
      "220774696d656f7574";  //  4 detail "timeout"
  CHECK(tel::decode_envelope(unhex(float_form), aliases) == golden_envelope());

  // The birth: alias 0 and time 0 are defaults and are not written; birth_id (field 3) comes
  // after the points (field 2).
  const bytes bw = tel::encode_envelope(tel::envelope{"gw1", 2, golden_birth()});
  CHECK(hex(bw) ==
        "0a03677731"  // 1 source_id "gw1"
        "1002"        // 2 seq 2
        "1a36"        // 3 birth, 54 bytes
        "1219"        //   2 points[0], 25 bytes
        "120161"      //     2 name "a"
        "1a026d41"    //     3 unit "mA"
        "2210"
        "726573696475616c5f63757272656e74"  // 4 quantity "residual_current"
        "1217"                              //   2 points[1], 23 bytes
        "0801"                              //     1 alias 1
        "120162"                            //     2 name "b"
        "1a0343656c"                        //     3 unit "Cel"
        "220b"
        "74656d7065726174757265"  //     4 quantity "temperature"
        "1807");                  //   3 birth_id 7
  CHECK(std::get<tel::birth>(tel::decode_envelope(bw).body) == golden_birth());
}

TEST_CASE("telemetry: golden JSON, the canonical mapping") {
  const std::string expected =
      R"({"sourceId":"gw1","seq":"1","batch":{"birthId":"7","baseTimeMs":"1000",)"
      R"("alias":[0,1],"dtMs":["0","1000"],"quality":[0,135],"events":[{"seq":"5",)"
      R"("monoMs":"2000","kind":"EVENT_KIND_ALARM_ON","point":"a","alarm":"HI",)"
      R"("alarmClass":"ALARM_CLASS_FIRE","state":"ALARM_STATE_UNACK","value":21.7}],)"
      R"("statuses":[{"device":"d1","timeMs":"2000","state":"DEVICE_STATE_OFFLINE",)"
      R"("detail":"timeout"}],"decimal":["15","217"],"decimals":1}})";
  const tel::alias_table aliases(golden_birth());
  CHECK(tel::to_json(golden_envelope(), aliases) == expected);
  CHECK(tel::envelope_from_json(expected, aliases) == golden_envelope());
  // The same message as bytes and as JSON.
  const bytes wire = tel::encode_envelope(golden_envelope(), aliases);
  CHECK(tel::wire_to_json(wire) == expected);
  CHECK(tel::json_to_wire(expected) == wire);
  // Any input of the mapping: proto field names, numbers for 64-bit integers and enums.
  const std::string loose =
      R"({"source_id":"gw1","seq":1,"batch":{"birth_id":7,"base_time_ms":1000,)"
      R"("alias":[0,1],"dt_ms":[0,1000],"value":[1.5,21.7],"exact_index":[1],)"
      R"("exact_value":[21.7],"quality":[0,135],"events":[{"seq":5,"mono_ms":2000,)"
      R"("kind":1,"point":"a","alarm":"HI","alarm_class":5,"state":1,"value":21.7}],)"
      R"("statuses":[{"device":"d1","time_ms":2000,"state":"DEVICE_STATE_OFFLINE",)"
      R"("detail":"timeout"}]}})";
  CHECK(tel::envelope_from_json(loose, aliases) == golden_envelope());

  // NaN and infinities, a birth with its optional limits.
  tel::birth b = golden_birth();
  b.points[0].low = 0.0;
  b.points[0].high = std::numeric_limits<double>::infinity();
  b.time = at_ms(-1);
  const tel::envelope be{"gw1", 3, b};
  const std::string bj = tel::to_json(be);
  CHECK(bj ==
        R"({"sourceId":"gw1","seq":"3","birth":{"timeMs":"-1","points":[{"name":"a","unit":"mA",)"
        R"("quantity":"residual_current","low":0,"high":"Infinity"},{"alias":1,"name":"b",)"
        R"("unit":"Cel","quantity":"temperature"}],"birthId":"7"}})");
  CHECK(tel::envelope_from_json(bj) == be);
  tel::batch nan;
  nan.birth_id = 7;
  nan.samples.push_back({point_id("a"), at_ms(0), std::numeric_limits<double>::quiet_NaN()});
  nan.samples.push_back({point_id("b"), at_ms(0), -std::numeric_limits<double>::infinity()});
  const tel::envelope ne{"gw1", 4, nan};
  const std::string nj = tel::to_json(ne, aliases);
  CHECK(nj.find(R"("value":["NaN","-Infinity"])") != std::string::npos);
  CHECK(tel::envelope_from_json(nj, aliases) == ne);
}

TEST_CASE("telemetry: the encoder refuses what a decoder would") {
  tel::birth b = make_birth(3);
  tel::alias_table aliases(b);
  tel::batch data;
  data.birth_id = 7;
  data.samples.push_back({point_id("p0"), at_ms(0), 1.0});
  tel::envelope env = batch_envelope(data);
  CHECK(!encode_error(env, aliases));

  SUBCASE("a point the birth does not declare") {
    std::get<tel::batch>(env.body).samples.push_back({point_id("nope"), at_ms(0), 1.0});
    CHECK(encode_error(env, aliases) == tel::errc::unknown_point);
    std::string why;
    std::error_code ec;
    (void)tel::encode_envelope(env, aliases, ec, {}, &why);
    CHECK(why == R"(batch: sample 1: point "nope" not declared by birth 7)");
    try {
      (void)tel::encode_envelope(env, aliases);
      FAIL("no exception");
    } catch (const firebus::system_error& x) {
      CHECK(x.code() == tel::errc::unknown_point);
      CHECK(std::string(x.what()).find("telemetry encode: batch: sample 1") == 0);
    }
  }
  SUBCASE("samples without aliases, or with another birth's") {
    std::error_code ec;
    (void)tel::encode_envelope(env, ec);
    CHECK(ec == tel::errc::unknown_birth);
    std::get<tel::batch>(env.body).birth_id = 8;
    CHECK(encode_error(env, aliases) == tel::errc::unknown_birth);
  }
  SUBCASE("source id and sequence number") {
    env.seq = 0;
    CHECK(encode_error(env, aliases) == tel::errc::missing_seq);
    env.seq = 1;
    env.source_id = "";
    CHECK(encode_error(env, aliases) == tel::errc::invalid_source_id);
    env.source_id = "gw #1";
    CHECK(encode_error(env, aliases) == tel::errc::invalid_source_id);
    env.source_id = std::string(129, 'g');
    CHECK(encode_error(env, aliases) == tel::errc::invalid_source_id);
    env.source_id = "gw";
    firebus::event e;
    e.source_id = "bad+producer";
    std::get<tel::batch>(env.body).events.push_back(e);
    CHECK(encode_error(env, aliases) == tel::errc::invalid_source_id);
  }
  SUBCASE("births") {
    tel::envelope be{"gw", 1, b};
    std::get<tel::birth>(be.body).points[1].alias = 0;
    CHECK(encode_error(be, aliases) == tel::errc::duplicate_alias);
    be.body = b;
    std::get<tel::birth>(be.body).points[2].name = point_id("p0");
    CHECK(encode_error(be, aliases) == tel::errc::duplicate_point);
    be.body = b;
    std::get<tel::birth>(be.body).points[2].name = point_id();
    CHECK(encode_error(be, aliases) == tel::errc::invalid_point_name);
    be.body = b;
    std::get<tel::birth>(be.body).points[2].alias = 4'294'967'296u;
    CHECK(encode_error(be, aliases) == tel::errc::alias_out_of_range);
    be.body = b;
    std::get<tel::birth>(be.body).points[2].unit = "\xff";
    CHECK(encode_error(be, aliases) == tel::errc::invalid_text);
    // A batch with an alias the wire cannot carry.
    tel::birth big = b;
    big.points[0].alias = 1ull << 40;
    tel::alias_table big_aliases(big);
    CHECK(encode_error(env, big_aliases) == tel::errc::alias_out_of_range);
  }
  SUBCASE("times a decoder cannot hold") {
    // The earliest utc_time (and mono_time) is 1 ms beyond what a decoded time can be: its
    // millisecond floor, -9223372036854776, times 1000 does not fit in an int64.
    const utc_time earliest = utc_time::min();
    const firebus::mono_time mono_earliest = firebus::mono_time::min();
    std::get<tel::batch>(env.body).samples[0].time = earliest;
    CHECK(encode_error(env, aliases) == tel::errc::time_out_of_range);
    std::get<tel::batch>(env.body).samples[0].time = at_ms(0);
    firebus::event e;
    e.t = mono_earliest;
    std::get<tel::batch>(env.body).events = {e};
    CHECK(encode_error(env, aliases) == tel::errc::time_out_of_range);
    e.t = {};
    e.time = earliest;
    std::get<tel::batch>(env.body).events = {e};
    CHECK(encode_error(env, aliases) == tel::errc::time_out_of_range);
    std::get<tel::batch>(env.body).events.clear();
    std::get<tel::batch>(env.body).statuses.push_back({"d1", earliest});
    CHECK(encode_error(env, aliases) == tel::errc::time_out_of_range);
    tel::birth early = b;
    early.time = earliest;
    CHECK(encode_error(tel::envelope{"gw", 1, early}, aliases) == tel::errc::time_out_of_range);
    // The latest times are fine both ways.
    std::get<tel::batch>(env.body).statuses.clear();
    std::get<tel::batch>(env.body).samples[0].time = utc_time::max();
    std::error_code ec;
    const tel::envelope back =
        tel::decode_envelope(tel::encode_envelope(env, aliases), aliases, ec);
    CHECK(!ec);
    early.time = earliest + firebus::duration(1000);
    CHECK(!encode_error(tel::envelope{"gw", 1, early}, aliases));
  }
  SUBCASE("texts must be UTF-8") {
    firebus::event e;
    e.alarm = "\xc0\x80";  // overlong
    std::get<tel::batch>(env.body).events.push_back(e);
    CHECK(encode_error(env, aliases) == tel::errc::invalid_text);
    std::get<tel::batch>(env.body).events.clear();
    std::get<tel::batch>(env.body).statuses.push_back({"dev\xed\xa0\x80", at_ms(0)});  // surrogate
    CHECK(encode_error(env, aliases) == tel::errc::invalid_text);
  }
  SUBCASE("limits") {
    tel::codec_limits l;
    l.max_samples = 0;
    CHECK(encode_error(env, aliases, l) == tel::errc::too_many_items);
    l = {};
    l.max_message_bytes = 10;
    CHECK(encode_error(env, aliases, l) == tel::errc::message_too_large);
    l = {};
    l.max_events = 0;
    std::get<tel::batch>(env.body).events.emplace_back();
    CHECK(encode_error(env, aliases, l) == tel::errc::too_many_items);
    l = {};
    l.max_points = 2;
    CHECK(encode_error(tel::envelope{"gw", 1, b}, aliases, l) == tel::errc::too_many_items);
  }
}

// What `f` writes to stderr (fd 2), e.g. protobuf's own log lines.
template <class F>
std::string stderr_of(F&& f) {
  std::fflush(stderr);
  FILE* tmp = std::tmpfile();
  REQUIRE(tmp != nullptr);
  const int saved = ::dup(2);
  ::dup2(::fileno(tmp), 2);
  f();
  std::fflush(stderr);
  ::dup2(saved, 2);
  ::close(saved);
  std::string out;
  std::rewind(tmp);
  for (int c = std::fgetc(tmp); c != EOF; c = std::fgetc(tmp)) out += static_cast<char>(c);
  std::fclose(tmp);
  return out;
}

TEST_CASE("telemetry: a text that is not UTF-8 is refused naming its field, and logs nothing") {
  // protobuf's parser refuses such a message too, but writes an ERROR line to stderr for each:
  // a peer sending them could flood a receiver's log.
  tel::alias_table aliases(make_birth(4));
  std::string why;
  pbw source;
  source.str(1, "gw\xff").uint(2, 1).msg(4, wire_batch(1));
  pbw event;
  event.uint(1, 1).uint(5, 1).str(7, "al\xc0\xafrm");  // an overlong '/', in Event.alarm
  pbw batch = wire_batch(1);
  batch.msg(10, event);
  const bytes nested = wire_envelope(4, batch);
  // A bad text before a malformed byte in the same event: protobuf logged the text, then refused
  // the bytes.
  pbw broken_event;
  broken_event.uint(1, 1).str(7, "\xff").tag(14, 2).varint(100);  // a length beyond the event
  pbw broken_batch = wire_batch(1);
  broken_batch.msg(10, broken_event);
  const bytes broken = wire_envelope(4, broken_batch);
  std::error_code ec1, ec2, ec3;
  std::string why1, why2, why3;
  const std::string logged = stderr_of([&] {
    ec1 = decode_error(source.b, aliases, &why1);
    ec2 = decode_error(nested, aliases, &why2);
    ec3 = decode_error(broken, aliases, &why3);
  });
  CHECK(ec3 == tel::errc::malformed);
  CHECK(ec1 == tel::errc::malformed);
  CHECK(why1 == "message: Envelope.source_id is not valid UTF-8");
  CHECK(ec2 == tel::errc::malformed);
  CHECK(why2 == "message: Event.alarm is not valid UTF-8");
  CHECK(logged.empty());
  // The same bytes in a field the schema does not know are skipped, as protobuf skips them.
  pbw unknown;
  unknown.str(1, "gw").uint(2, 1).msg(4, wire_batch(1)).str(99, "\xff\xfe");
  CHECK(!decode_error(unknown.b, aliases));
}

TEST_CASE("telemetry: the decoder refuses broken messages") {
  tel::alias_table aliases(make_birth(4));
  std::string why;
  CHECK(!decode_error(wire_envelope(4, wire_batch(3)), aliases));

  SUBCASE("not protobuf, or not an envelope") {
    CHECK(decode_error(bytes{0xff, 0xff, 0xff}, aliases) == tel::errc::malformed);
    CHECK(decode_error(bytes{0x0a, 0x05, 'g'}, aliases) == tel::errc::malformed);  // truncated
    pbw bad;
    bad.str(1, "\xff\xfe").uint(2, 1);  // source_id not UTF-8
    CHECK(decode_error(bad.b, aliases) == tel::errc::malformed);
    CHECK(decode_error(bytes{}, aliases) == tel::errc::invalid_source_id);
    pbw no_body;
    no_body.str(1, "gw").uint(2, 1);
    CHECK(decode_error(no_body.b, aliases) == tel::errc::missing_body);
    no_body.str(99, "a field of a newer sender");  // unknown fields are skipped
    CHECK(decode_error(no_body.b, aliases) == tel::errc::missing_body);
  }
  SUBCASE("envelope fields") {
    CHECK(decode_error(wire_envelope(4, wire_batch(1), 0), aliases) == tel::errc::missing_seq);
    CHECK(decode_error(wire_envelope(4, wire_batch(1), 1, "a b"), aliases) ==
          tel::errc::invalid_source_id);
  }
  SUBCASE("columns") {
    pbw b = wire_batch(3);
    b.packed(4, {3});  // a 4th alias (packed fields concatenate)
    CHECK(decode_error(wire_envelope(4, b), aliases, &why) == tel::errc::column_mismatch);
    CHECK(why ==
          "batch: 4 aliases, 3 dt_ms, 3 values, 0 decimal: columns of equal length "
          "expected, value or decimal");
    b = wire_batch(3);
    b.packed_float(6, {1.0F});
    CHECK(decode_error(wire_envelope(4, b), aliases) == tel::errc::column_mismatch);
    b = wire_batch(3);
    b.packed_sint(5, {1});
    CHECK(decode_error(wire_envelope(4, b), aliases) == tel::errc::column_mismatch);
    b = wire_batch(3);
    b.packed(9, {0, 0});
    CHECK(decode_error(wire_envelope(4, b), aliases, &why) == tel::errc::column_mismatch);
    CHECK(why == "batch: 2 qualities, 0 or 3 expected");
    b = wire_batch(3);
    b.packed(9, {0, 0, 0});
    CHECK(!decode_error(wire_envelope(4, b), aliases));
    b = wire_batch(3);
    b.packed(9, {0, 256, 0});
    CHECK(decode_error(wire_envelope(4, b), aliases) == tel::errc::enum_out_of_range);
  }
  SUBCASE("exact values") {
    pbw b = wire_batch(3);
    b.packed(7, {0, 2}).packed_double(8, {0.1, 0.2});
    CHECK(!decode_error(wire_envelope(4, b), aliases));
    b = wire_batch(3);
    b.packed(7, {2, 0}).packed_double(8, {0.1, 0.2});
    CHECK(decode_error(wire_envelope(4, b), aliases, &why) == tel::errc::bad_exact_index);
    CHECK(why == "batch: exact_index[1] = 0, above 2 and below 3 expected");
    b = wire_batch(3);
    b.packed(7, {1, 1}).packed_double(8, {0.1, 0.2});
    CHECK(decode_error(wire_envelope(4, b), aliases) == tel::errc::bad_exact_index);
    b = wire_batch(3);
    b.packed(7, {3}).packed_double(8, {0.1});
    CHECK(decode_error(wire_envelope(4, b), aliases) == tel::errc::bad_exact_index);
    b = wire_batch(3);
    b.packed(7, {1});
    CHECK(decode_error(wire_envelope(4, b), aliases) == tel::errc::bad_exact_index);
    b = wire_batch(3);
    b.packed_double(8, {0.1});
    CHECK(decode_error(wire_envelope(4, b), aliases) == tel::errc::bad_exact_index);
  }
  SUBCASE("aliases and births") {
    pbw b = wire_batch(5);  // alias 4: not in the birth
    CHECK(decode_error(wire_envelope(4, b), aliases, &why) == tel::errc::unknown_alias);
    CHECK(why == R"(batch: sample 4: alias 4 not declared by birth 7 of source "gw-0001")");
    tel::alias_table other(make_birth(4, 8));
    CHECK(decode_error(wire_envelope(4, wire_batch(1)), other) == tel::errc::unknown_birth);
    std::error_code ec;
    (void)tel::decode_envelope(wire_envelope(4, wire_batch(1)), ec);
    CHECK(ec == tel::errc::unknown_birth);
    tel::birth_registry reg;
    (void)tel::decode_envelope(wire_envelope(4, wire_batch(1)), reg, ec);
    CHECK(ec == tel::errc::unknown_birth);
    reg.add("gw-0002", make_birth(4));
    (void)tel::decode_envelope(wire_envelope(4, wire_batch(1)), reg, ec);
    CHECK(ec == tel::errc::unknown_birth);  // another source's birth
    reg.add("gw-0001", make_birth(4));
    (void)tel::decode_envelope(wire_envelope(4, wire_batch(1)), reg, ec);
    CHECK(!ec);
  }
  SUBCASE("births") {
    auto point = [](std::uint64_t alias, std::string_view name) {
      pbw p;
      p.uint(1, alias).str(2, name);
      return p;
    };
    pbw b;
    b.msg(2, point(0, "a")).msg(2, point(1, "b"));
    CHECK(!decode_error(wire_envelope(3, b), aliases));
    b.msg(2, point(0, "c"));
    CHECK(decode_error(wire_envelope(3, b), aliases, &why) == tel::errc::duplicate_alias);
    CHECK(why == "birth: points[2]: alias 0 declared before");
    pbw c;
    c.msg(2, point(0, "a")).msg(2, point(1, "a"));
    CHECK(decode_error(wire_envelope(3, c), aliases) == tel::errc::duplicate_point);
    pbw d;
    d.msg(2, point(0, ""));
    CHECK(decode_error(wire_envelope(3, d), aliases) == tel::errc::invalid_point_name);
    pbw e;
    e.msg(2, point(0, "temp #1"));
    CHECK(decode_error(wire_envelope(3, e), aliases, &why) == tel::errc::invalid_point_name);
    CHECK(why == R"(birth: points[0]: name "temp #1": byte 32 at offset 4 not allowed)");
    pbw f;
    f.msg(2, point(0, std::string(129, 'x')));
    CHECK(decode_error(wire_envelope(3, f), aliases) == tel::errc::invalid_point_name);
    pbw g;
    g.uint(1, static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max()));
    CHECK(decode_error(wire_envelope(3, g), aliases) == tel::errc::time_out_of_range);
  }
  SUBCASE("events") {
    auto with_event = [](const pbw& e) {
      pbw b;
      b.msg(10, e);
      return wire_envelope(4, b);
    };
    pbw ok;
    ok.uint(5, 31);
    CHECK(!decode_error(with_event(ok), aliases));
    pbw missing;
    missing.uint(1, 3);
    CHECK(decode_error(with_event(missing), aliases, &why) == tel::errc::missing_kind);
    CHECK(why == "batch: events[0]: kind unspecified (0), 1..31 expected");
    pbw newer;  // a kind of a newer sender: kept
    newer.uint(5, 200).uint(9, 77).uint(10, 255).uint(11, 100);
    std::error_code ec;
    const tel::envelope got = tel::decode_envelope(with_event(newer), ec);
    REQUIRE(!ec);
    const firebus::event& e = std::get<tel::batch>(got.body).events.at(0);
    CHECK(static_cast<int>(e.kind) == 199);
    CHECK(static_cast<int>(e.cls) == 77);
    CHECK(static_cast<int>(e.state) == 255);
    CHECK(static_cast<int>(e.reason) == 100);
    pbw big;
    big.uint(5, 257);
    CHECK(decode_error(with_event(big), aliases) == tel::errc::enum_out_of_range);
    pbw negative;
    negative.uint(5, 1).uint(9, static_cast<std::uint64_t>(std::int64_t{-1}));
    CHECK(decode_error(with_event(negative), aliases) == tel::errc::enum_out_of_range);
    pbw class_big;
    class_big.uint(5, 1).uint(10, 256);
    CHECK(decode_error(with_event(class_big), aliases) == tel::errc::enum_out_of_range);
    pbw bad_point;
    bad_point.uint(5, 1).str(6, "a\"b");
    CHECK(decode_error(with_event(bad_point), aliases) == tel::errc::invalid_point_name);
    pbw bad_cause;
    bad_cause.uint(5, 1).str(14, "a\\b");
    CHECK(decode_error(with_event(bad_cause), aliases) == tel::errc::invalid_point_name);
    pbw bad_producer;
    bad_producer.uint(5, 1).str(4, "x+y");
    CHECK(decode_error(with_event(bad_producer), aliases) == tel::errc::invalid_source_id);
    pbw bad_time;
    bad_time.uint(5, 1).uint(2, static_cast<std::uint64_t>(std::int64_t{-9'300'000'000'000'000}));
    CHECK(decode_error(with_event(bad_time), aliases) == tel::errc::time_out_of_range);
    pbw bad_mono;
    bad_mono.uint(5, 1).uint(3, 9'300'000'000'000'000);
    CHECK(decode_error(with_event(bad_mono), aliases) == tel::errc::time_out_of_range);
  }
  SUBCASE("statuses") {
    pbw s;
    s.str(1, "dev").uint(3, 5);  // a state of a newer sender
    pbw b;
    b.msg(11, s);
    CHECK(!decode_error(wire_envelope(4, b), aliases));
    pbw s2;
    s2.uint(3, 300);
    pbw b2;
    b2.msg(11, s2);
    CHECK(decode_error(wire_envelope(4, b2), aliases) == tel::errc::enum_out_of_range);
    pbw s3;
    s3.uint(2, 9'300'000'000'000'000);
    pbw b3;
    b3.msg(11, s3);
    CHECK(decode_error(wire_envelope(4, b3), aliases) == tel::errc::time_out_of_range);
  }
  SUBCASE("times that overflow when the deltas are added up") {
    const std::int64_t max_ms = std::numeric_limits<std::int64_t>::max() / 1000;
    pbw b;
    b.uint(1, 7)
        .uint(3, static_cast<std::uint64_t>(max_ms))
        .packed(4, {0, 1})
        .packed_sint(5, {0, 1})
        .packed_float(6, {1.0F, 2.0F});
    CHECK(decode_error(wire_envelope(4, b), aliases, &why) == tel::errc::time_out_of_range);
    CHECK(why.find("batch: sample 1: time beyond") == 0);
    pbw c;
    c.uint(1, 7)
        .uint(3, static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max()))
        .packed(4, {0})
        .packed_sint(5, {std::numeric_limits<std::int64_t>::max()})
        .packed_float(6, {1.0F});
    CHECK(decode_error(wire_envelope(4, c), aliases) == tel::errc::time_out_of_range);
    pbw d;  // back and forth, never out of range: fine
    d.uint(1, 7)
        .uint(3, static_cast<std::uint64_t>(max_ms))
        .packed(4, {0, 1, 2})
        .packed_sint(5, {0, -2 * max_ms, 2 * max_ms})
        .packed_float(6, {1.0F, 2.0F, 3.0F});
    CHECK(!decode_error(wire_envelope(4, d), aliases));
    pbw e;  // the overflow of int64 itself
    e.uint(1, 7)
        .uint(3, static_cast<std::uint64_t>(-max_ms))
        .packed(4, {0, 1})
        .packed_sint(5, {0, std::numeric_limits<std::int64_t>::min()})
        .packed_float(6, {1.0F, 2.0F});
    CHECK(decode_error(wire_envelope(4, e), aliases) == tel::errc::time_out_of_range);
  }
  SUBCASE("limits") {
    const bytes wire = wire_envelope(4, wire_batch(3));
    tel::codec_limits l;
    l.max_message_bytes = wire.size() - 1;
    std::error_code ec;
    (void)tel::decode_envelope(wire, aliases, ec, l);
    CHECK(ec == tel::errc::message_too_large);
    l = {};
    l.max_samples = 2;
    (void)tel::decode_envelope(wire, aliases, ec, l);
    CHECK(ec == tel::errc::too_many_items);
    CHECK_THROWS_AS((void)tel::decode_envelope(wire, aliases, l), firebus::system_error);
  }
}

TEST_CASE("telemetry: JSON refusals") {
  tel::alias_table aliases(golden_birth());
  std::error_code ec;
  std::string why;
  (void)tel::envelope_from_json("{", aliases, ec, {}, &why);
  CHECK(ec == tel::errc::malformed);
  CHECK(why.find("JSON: not a firebus.v1.Envelope") == 0);
  (void)tel::envelope_from_json(R"({"sourceId":"gw","seq":"1","batch":{},"extra":1})", aliases, ec);
  CHECK(ec == tel::errc::malformed);
  (void)tel::envelope_from_json(R"({"sourceId":"gw","seq":"1","batch":{"events":[{}]}})", aliases,
                                ec);
  CHECK(ec == tel::errc::missing_kind);
  (void)tel::envelope_from_json(R"({"sourceId":"gw","seq":"1","batch":{"alias":[0]}})", aliases,
                                ec);
  CHECK(ec == tel::errc::column_mismatch);
  (void)tel::envelope_from_json(R"({"sourceId":"gw","seq":"0","batch":{}})", aliases, ec);
  CHECK(ec == tel::errc::missing_seq);
  tel::codec_limits l;
  l.max_json_bytes = 10;
  (void)tel::envelope_from_json(R"({"sourceId":"gw","seq":"1","batch":{}})", aliases, ec, l);
  CHECK(ec == tel::errc::message_too_large);
  (void)tel::json_to_wire(R"({"sourceId":"gw","seq":"1","birth":{"points":[{"name":""}]}})", ec);
  CHECK(ec == tel::errc::invalid_point_name);
  (void)tel::wire_to_json(bytes{0x0a}, ec);
  CHECK(ec == tel::errc::malformed);
  CHECK_THROWS_AS((void)tel::envelope_from_json("[]"), firebus::system_error);
}

TEST_CASE("telemetry: bytes per sample (100 points, 1,000 samples)") {
  // The target: at most half of Sparkplug B with aliases (18.0 bytes per sample for 1,000
  // float samples of 100 points, docs/telemetry.md).
  const tel::birth b = make_birth(100);
  const tel::alias_table aliases(b);
  const std::int64_t t0 = 1'764'471'321'000;
  auto measure = [&](const char* what, auto value_of, auto time_of, quality_code q) {
    tel::batch data;
    data.birth_id = 7;
    for (std::size_t row = 0; row < 10; ++row) {
      for (std::size_t p = 0; p < 100; ++p) {
        firebus::sample s{point_id("p" + std::to_string(p)), at_ms(time_of(row, p)),
                          value_of(row, p)};
        s.quality = q;
        data.samples.push_back(s);
      }
    }
    const tel::envelope env = batch_envelope(data);
    const bytes wire = tel::encode_envelope(env, aliases);
    CHECK(tel::decode_envelope(wire, aliases) == env);
    const double per = static_cast<double>(wire.size()) / 1000.0;
    MESSAGE(std::string(what) << ": " << wire.size() << " bytes, " << per << " bytes/sample");
    return per;
  };
  // Float values (a float register, an integer count or mA reading), rows of 100 points read
  // at the same millisecond, 1 s apart.
  auto float_value = [](std::size_t row, std::size_t p) {
    return static_cast<double>(
        static_cast<float>(20.0 + 0.37 * static_cast<double>(p) + 0.01 * static_cast<double>(row)));
  };
  auto rows = [&](std::size_t row, std::size_t) {
    return t0 + 1000 * static_cast<std::int64_t>(row);
  };
  // Each sample with its own time: a bus polling the 100 points one after the other, 7 ms apart.
  auto own = [&](std::size_t row, std::size_t p) {
    return t0 + 1000 * static_cast<std::int64_t>(row) + 7 * static_cast<std::int64_t>(p);
  };
  // Values with one decimal (21.7 °C: raw 217, scale 0.1) are not floats: they travel as
  // scaled integers (the decimal form).
  auto decimal_value = [](std::size_t row, std::size_t p) {
    return static_cast<double>(200 + p + row) / 10.0;
  };
  // Half one-decimal temperatures, half two-decimal currents (0.35 mA): scale 100 for all.
  auto mixed_value = [](std::size_t row, std::size_t p) {
    return p % 2 == 0 ? static_cast<double>(200 + p + row) / 10.0
                      : static_cast<double>(30 + p + row) / 100.0;
  };
  const double rows_float = measure("10 rows x 100 points, 1 s apart, float values", float_value,
                                    rows, quality_code::good);
  const double own_float = measure("1,000 samples, each with its own time, float values",
                                   float_value, own, quality_code::good);
  const double rows_bad = measure("10 rows x 100 points, float values, all uncertain", float_value,
                                  rows, quality_code::uncertain);
  const double rows_decimal = measure("10 rows x 100 points, one-decimal values (not floats)",
                                      decimal_value, rows, quality_code::good);
  const double rows_mixed = measure("10 rows x 100 points, 21.7 and 0.35 (two decimals)",
                                    mixed_value, rows, quality_code::good);
  const double own_mixed = measure("1,000 samples, each with its own time, 21.7 and 0.35",
                                   mixed_value, own, quality_code::good);
  CHECK(rows_float <= 9.0);
  CHECK(own_float <= 9.0);
  CHECK(rows_bad <= 9.0);
  CHECK(rows_decimal <= 5.0);
  CHECK(rows_mixed <= 5.0);
  CHECK(own_mixed <= 6.0);

  // Speed (informative; the unit test build is RelWithDebInfo).
  tel::batch data;
  data.birth_id = 7;
  for (std::size_t i = 0; i < 1000; ++i) {
    data.samples.push_back({point_id("p" + std::to_string(i % 100)),
                            at_ms(t0 + 1000 * static_cast<std::int64_t>(i / 100)),
                            float_value(i / 100, i % 100)});
  }
  const tel::envelope env = batch_envelope(data);
  const int rounds = 200;
  const auto start = std::chrono::steady_clock::now();
  bytes wire;
  for (int i = 0; i < rounds; ++i) wire = tel::encode_envelope(env, aliases);
  const auto mid = std::chrono::steady_clock::now();
  std::size_t n = 0;
  for (int i = 0; i < rounds; ++i) {
    n += std::get<tel::batch>(tel::decode_envelope(wire, aliases).body).samples.size();
  }
  const auto end = std::chrono::steady_clock::now();
  CHECK(n == 1000u * rounds);
  const double enc = std::chrono::duration<double>(mid - start).count();
  const double dec = std::chrono::duration<double>(end - mid).count();
  MESSAGE("encode " << 1000.0 * rounds / enc / 1e6 << " M samples/s, decode "
                    << 1000.0 * rounds / dec / 1e6 << " M samples/s");
}

TEST_CASE("telemetry: lanes, and stamping an encoded envelope as the uplink does") {
  tel::batch b;
  firebus::event e;
  e.kind = firebus::event_kind::alarm_on;
  e.seq = 9;
  e.source_id = "gw-0001";
  b.events.push_back(e);
  tel::envelope env = batch_envelope(b);
  env.lane = tel::lane::alarm;
  const bytes wire = tel::encode_envelope(env);
  // lane is field 5, after the body: "2805" ... ends with 28 01.
  CHECK(hex(wire).substr(hex(wire).size() - 4) == "2801");
  CHECK(tel::decode_envelope(wire) == env);
  CHECK(tel::to_json(env).find(R"("lane":"LANE_ALARM")") != std::string::npos);
  // The default lane is not written (proto3): the bytes of a source without lanes are as before.
  env.lane = tel::lane::telemetry;
  CHECK(hex(tel::encode_envelope(env)) == hex(wire).substr(0, hex(wire).size() - 4));

  // stamp: seq and lane replaced, historical set; nothing else changes.
  tel::envelope_stamp s;
  s.seq = 123456789;
  s.lane = tel::lane::alarm;
  s.historical = true;
  const bytes stamped = tel::stamp_envelope(tel::encode_envelope(env), s);
  tel::envelope want = env;
  want.seq = 123456789;
  want.lane = tel::lane::alarm;
  std::get<tel::batch>(want.body).historical = true;
  CHECK(tel::decode_envelope(stamped) == want);
  // Not historical: an already historical batch stays so; a birth is left alone.
  s.historical = false;
  CHECK(
      std::get<tel::batch>(tel::decode_envelope(tel::stamp_envelope(stamped, s)).body).historical);
  tel::birth bi;
  bi.birth_id = 3;
  std::error_code tec;
  bi.time = firebus::utc_from_unix_ms(1000, tec);
  const tel::envelope benv{"gw-0001", 1, bi};
  s.historical = true;
  s.seq = 2;
  const tel::envelope bout =
      tel::decode_envelope(tel::stamp_envelope(tel::encode_envelope(benv), s));
  CHECK(bout.seq == 2);
  CHECK(bout.lane == tel::lane::alarm);
  CHECK(std::get<tel::birth>(bout.body) == bi);

  // Refusals: seq 0, bytes that are not an envelope, an envelope that decoding refuses.
  std::error_code ec;
  s.seq = 0;
  CHECK(tel::stamp_envelope(wire, s, ec).empty());
  CHECK(ec == tel::errc::missing_seq);
  s.seq = 1;
  const bytes junk{0xff, 0xff, 0xff};
  CHECK(tel::stamp_envelope(junk, s, ec).empty());
  CHECK(ec == tel::errc::malformed);
  CHECK_THROWS_AS(tel::stamp_envelope(junk, s), firebus::system_error);
  // A lane number beyond what firebus holds is refused like any enumeration.
  bytes bad_lane = wire;
  bad_lane.pop_back();
  bad_lane.push_back(0x80);
  bad_lane.push_back(0x04);  // lane 512
  CHECK(tel::decode_envelope(bad_lane, ec) == tel::envelope{});
  CHECK(ec == tel::errc::enum_out_of_range);
}

TEST_CASE("telemetry: the decimal form of values") {
  const tel::birth b = make_birth(8);
  const tel::alias_table aliases(b);
  auto round_trip = [&](const std::vector<double>& values) {
    tel::batch data;
    data.birth_id = 7;
    for (std::size_t i = 0; i < values.size(); ++i) {
      data.samples.push_back({point_id("p" + std::to_string(i % 8)), at_ms(1000), values[i]});
    }
    const tel::envelope env = batch_envelope(data);
    const bytes wire = tel::encode_envelope(env, aliases);
    const tel::envelope back = tel::decode_envelope(wire, aliases);
    REQUIRE(back == env);
    // Bit for bit, -0.0 included, in bytes and in JSON.
    const std::string json = tel::wire_to_json(wire);
    const tel::envelope from_json = tel::envelope_from_json(json, aliases);
    const auto& got = std::get<tel::batch>(back.body).samples;
    const auto& got_json = std::get<tel::batch>(from_json.body).samples;
    REQUIRE(got_json.size() == values.size());
    for (std::size_t i = 0; i < values.size(); ++i) {
      CHECK(std::memcmp(&got[i].value, &values[i], sizeof(double)) == 0);
      if (!std::isnan(values[i])) {
        CHECK(std::memcmp(&got_json[i].value, &values[i], sizeof(double)) == 0);
      }
    }
    return json;
  };
  // Decimals of different scales share the largest: 21.7, 0.35, 1200, -3.125.
  std::string j = round_trip({21.7, 0.35, 1200.0, -3.125});
  CHECK(j.find(R"("decimal":["21700","350","1200000","-3125"],"decimals":3)") != std::string::npos);
  // Values that are no decimal at the scale go as exceptions with their nearest scaled value
  // (0 where none): 1/3, -0.0, NaN, infinity, 1e300, a float's exact value.
  const double third = 1.0 / 3.0;
  j = round_trip({0.1, 0.2, 0.3, third, -0.0, 12.5, 7.0, 0.5});
  INFO(j);
  CHECK(j.find(R"("exactIndex":[3,4],"exactValue":[0.3333333333333333)") != std::string::npos);
  CHECK(j.find(R"(,-0.0],"decimal")") != std::string::npos);
  CHECK(j.find(R"("decimal":["1","2","3","3","0","125","70","5"],"decimals":1)") !=
        std::string::npos);
  j = round_trip({std::numeric_limits<double>::quiet_NaN(), 1.5,
                  std::numeric_limits<double>::infinity(), 1e300, 2.5, 3.5, 4.5, 5.5});
  CHECK(j.find(R"("decimal":["0","15","0","0","25","35","45","55"])") != std::string::npos);
  // Where floats are cheaper (floats with many digits), the float form.
  j = round_trip({static_cast<double>(3.14159F), static_cast<double>(2.71828F)});
  CHECK(j.find(R"("value":[)") != std::string::npos);
  CHECK(j.find(R"("decimal")") == std::string::npos);
  // Nine decimals at most; 2^53 the largest magnitude; integers at scale 1.
  round_trip({0.123456789, 1e-9, 9007199254740992.0, -9007199254740992.0, 42.0});
  j = round_trip({1.0, 2.0, 3.0});
  CHECK(j.find(R"("decimal":["2","4","6"])") == std::string::npos);  // not zigzag in JSON
  CHECK(j.find(R"("decimal":["1","2","3"])") != std::string::npos);
  CHECK(j.find("decimals") == std::string::npos);  // 0: not written

  // The decoder's checks.
  std::error_code ec;
  auto decode_json = [&](const std::string& batch) {
    (void)tel::envelope_from_json(
        R"({"sourceId":"gw","seq":"1","batch":{"birthId":"7",)" + batch + "}}", aliases, ec);
    return ec;
  };
  CHECK_FALSE(decode_json(R"("alias":[0,1],"dtMs":["0","0"],"decimal":["217","-5"],"decimals":1)"));
  CHECK(decode_json(R"("alias":[0],"dtMs":["0"],"decimal":["217"],"decimals":16)") ==
        tel::errc::invalid_decimals);
  CHECK(decode_json(R"("alias":[0],"dtMs":["0"],"decimal":["9007199254740993"])") ==
        tel::errc::invalid_decimals);
  CHECK(decode_json(R"("alias":[0],"dtMs":["0"],"decimal":["1"],"value":[1])") ==
        tel::errc::column_mismatch);
  CHECK(decode_json(R"("alias":[0,1],"dtMs":["0","0"],"decimal":["1"])") ==
        tel::errc::column_mismatch);
  CHECK(decode_json(R"("alias":[0],"dtMs":["0"],"decimal":["1"],"exactIndex":[1],)"
                    R"("exactValue":[2])") == tel::errc::bad_exact_index);
}

// The growth of the peak resident memory, in MiB (at most 255), while `f` runs in a child
// process: the child starts at its parent's current size, so earlier tests' peaks do not hide
// what `f` allocates, and gives the free memory it inherits back to the system first, so that
// `f` cannot grow into it unseen. -1 where it cannot be measured (sanitizers reserve memory of
// their own).
template <class F>
int peak_growth_mib(F f) {
#if defined(__SANITIZE_ADDRESS__)
  (void)f;
  return -1;
#else
  const pid_t pid = ::fork();
  if (pid < 0) return -1;
  if (pid == 0) {
#if defined(__GLIBC__)
    ::malloc_trim(0);
#endif
    rusage before{};
    ::getrusage(RUSAGE_SELF, &before);
    f();
    rusage after{};
    ::getrusage(RUSAGE_SELF, &after);
    const long mib = (after.ru_maxrss - before.ru_maxrss) / 1024;  // ru_maxrss: KiB
    ::_exit(static_cast<int>(mib < 0 ? 0 : mib > 255 ? 255 : mib));
  }
  int status = 0;
  if (::waitpid(pid, &status, 0) != pid || !WIFEXITED(status)) return -1;
  return WEXITSTATUS(status);
#endif
}

TEST_CASE("telemetry: memory stays bounded whatever a message claims to hold") {
  // A message below max_message_bytes made of what costs 2 bytes on the wire and a heap object
  // each when parsed (an empty event, status or point; a one-byte varint of a packed column)
  // is refused by its count before protobuf's parser builds millions of objects: 16 MiB of
  // empty events took 1.2 GB (an event is ~150 bytes once parsed) before the count refused it.
  const tel::alias_table aliases(make_birth(4));
  constexpr std::size_t size = std::size_t{8} << 20;
  auto repeated = [&](int field, int body) {
    pbw b;
    const pbw empty;
    while (b.b.size() < size) b.msg(field, empty);
    return wire_envelope(body, b);
  };
  auto packed_zeros = [&](int field) {
    pbw b;
    pbw inner;
    inner.b.assign(size, 0);
    b.msg(field, inner);
    return wire_envelope(4, b);
  };
  struct input {
    const char* what;
    bytes wire;
  };
  const input inputs[] = {{"events", repeated(10, 4)},      {"statuses", repeated(11, 4)},
                          {"points", repeated(2, 3)},       {"alias", packed_zeros(4)},
                          {"dt_ms", packed_zeros(5)},       {"decimal", packed_zeros(12)},
                          {"exact_index", packed_zeros(7)}, {"quality", packed_zeros(9)}};
  for (const input& in : inputs) {
    INFO(std::string(in.what));
    REQUIRE(in.wire.size() < tel::codec_limits().max_message_bytes);
    const int growth = peak_growth_mib([&] {
      std::error_code ec;
      (void)tel::decode_envelope(in.wire, aliases, ec);
    });
    std::string why;
    CHECK(decode_error(in.wire, aliases, &why) == tel::errc::too_many_items);
    INFO(why);
    CHECK(growth < 32);
  }
  // The same through JSON: 8 MiB of {} in "events" (2.8 million events).
  std::string json = R"({"sourceId":"gw","seq":"1","batch":{"events":[{})";
  while (json.size() < size) json += ",{}";
  json += "]}}";
  std::error_code ec;
  std::string why;
  (void)tel::envelope_from_json(json, aliases, ec, {}, &why);
  CHECK(ec == tel::errc::too_many_items);
  INFO(why);
  CHECK(peak_growth_mib([&] {
          std::error_code e;
          (void)tel::envelope_from_json(json, aliases, e);
        }) < 32);
}

#endif  // FIREBUS_TEST_HAS_LIBRARY
